"""Study the share behind per-index calibration (the params file's calibration_percentile) on several corpora.

Studies the one-sided rule that per-index calibration used before its two-sided form (a low
percentile of probes asked of the whole index); eval/fit_two_sided.py measures the shipped rule
against it. eval/fit_weights.py fits the shipped share together with the weights (from cached
searches); this script answers the QA sets and probes afresh with the model and the shipped weights, to
check a share on a corpus the fit did not see.

For each (index, QA set) pair: answer the QA set's questions (threshold off) and the index's own
probe questions; then, for each candidate percentile, put the threshold at that percentile of
the probes' confidences and report the three answer figures. Writes eval/reports/calibration/.

    .venv/bin/python eval/fit_calibration.py \
        --pair indexes/default eval/dev.jsonl \
        --pair indexes/squad/drcd_dev-a100-x50-s0/index indexes/squad/drcd_dev-a100-x50-s0/qa.jsonl
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import rag
from rag.calibration import PROBES, draw_probes, percentile
from rag.evaluation import answer_metrics, answer_rows, calibrate_threshold, load_qa_set

SHARES = (1, 2, 5, 10, 15, 20, 30, 40, 50)
OUT = Path(__file__).resolve().parent / "reports" / "calibration"


def probe_confidences(retriever: rag.Retriever, n: int = PROBES) -> list[float]:
    sentences = [s.text for s in retriever.data.sentences]
    return [retriever.answer(q, min_confidence=float("-inf")).confidence for q in draw_probes(sentences, n)]


def study(index: Path, qa_set: Path, limit: int | None = None) -> dict:
    retriever = rag.Retriever.load(index)
    items = load_qa_set(qa_set)
    if limit and len(items) > limit:  # a reproducible spread over the whole set
        items = items[::-(-len(items) // limit)]
    rows, _ = answer_rows(retriever, items)
    probes = probe_confidences(retriever)
    by_share = {str(p): answer_metrics(rows, percentile(probes, p)) for p in SHARES}
    return {"index": str(index), "set": str(qa_set), "questions": len(rows), "probes": len(probes),
            "ideal_threshold": calibrate_threshold(rows), "ideal_share": share_of(probes, calibrate_threshold(rows)),
            "by_share": by_share}


def share_of(values: list[float], threshold: float) -> float:
    """Which percentile of the probes the ideal threshold sits at."""
    return round(100 * sum(v < threshold for v in values) / len(values), 1)


def table(results: list[dict]) -> str:
    lines = ["| set | ideal threshold | at probe percentile | " + " | ".join(f"p{p}" for p in SHARES) + " |",
             "|---|---:|---:|" + "---:|" * len(SHARES)]
    for r in results:
        cells = [f"{m['threshold']:.2f}: {m['first_quote_correct']:.2f}/{m['answerable_refused']:.2f}/"
                 f"{m['unanswerable_refused'] if m['unanswerable_refused'] is not None else float('nan'):.2f}"
                 for m in r["by_share"].values()]
        lines.append(f"| {Path(r['set']).name} ({Path(r['index']).parent.name}) | {r['ideal_threshold']:.3f} "
                     f"| {r['ideal_share']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\nEach cell: threshold: first quote right / answerable refused / unanswerable refused.\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pair", nargs=2, action="append", metavar=("INDEX", "QA_SET"), required=True)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--limit", type=int, default=None, help="at most this many questions per set, evenly spread")
    args = p.parse_args()
    results = [study(Path(i), Path(s), args.limit) for i, s in args.pair]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fit.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    (args.out / "fit.md").write_text(table(results), encoding="utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
