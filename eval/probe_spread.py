"""How much a calibrated threshold moves with the draw of probes (rag/calibration.py).

For each index: ask N probes (default rag.calibration.PROBES, or as many as its sentences give),
then put the threshold (the shipped rule, threshold_of) at all N, at the first 200 (the count
used before 2026-12-04), and at REDRAWS random subsets of 200 and 500; print the standard
deviation of the subsets' thresholds. With a `rag eval` report of the same index, also print its
answer figures at each of the two thresholds (first quote / answerable refused / unanswerable
refused), from the report's rows.

    .venv/bin/python eval/probe_spread.py indexes/squad/drcd_dev-a100-x50-s24/index \
        --report eval/reports/drcd-s24/report.json
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
from pathlib import Path

import rag
from rag import calibration as C
from rag.evaluation import answer_metrics
from rag.filters import LeftOut

REDRAWS = 50


def probe_sides(retriever: rag.Retriever, n: int) -> tuple[list[float], list[float]]:
    """The (whole index, article left out) confidences of the index's first n probes."""
    sentences = retriever.data.sentences
    probes = C.draw_probe_sources(C.SentenceTexts(sentences), n)
    pairs = retriever.probe_confidences_many(
        [(q, LeftOut(sentences[sid].source, sentences[sid].title)) for sid, q in probes])
    present, absent = zip(*pairs)
    return list(present), list(absent)


def threshold(present: list[float], absent: list[float]) -> float:
    return C.threshold_of(present, absent, C.fitted_share(), C.fitted_gap_weight())[0]


def redrawn_spread(present: list[float], absent: list[float], size: int) -> float:
    """The standard deviation of the threshold over REDRAWS random subsets of `size` probes."""
    size = min(size, len(present))
    draws = [random.Random(seed).sample(range(len(present)), size) for seed in range(REDRAWS)]
    return statistics.pstdev(threshold([present[i] for i in d], [absent[i] for i in d]) for d in draws)


def figures_at(report: Path, t: float) -> str:
    figures = answer_metrics(json.loads(report.read_text(encoding="utf-8"))["answers"]["rows"], t)
    return " / ".join(f"{figures[k]:.3f}" for k in ("first_quote_correct", "answerable_refused", "unanswerable_refused"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index")
    ap.add_argument("-n", type=int, default=C.PROBES)
    ap.add_argument("--report", type=Path, help="a rag eval report.json of the same index")
    args = ap.parse_args()
    present, absent = probe_sides(rag.Retriever.load(args.index), args.n)
    whole, first = threshold(present, absent), threshold(present[:200], absent[:200])
    print(f"{args.index}: {len(present)} probes, threshold {whole:.4f}; first 200: {first:.4f}; "
          f"s.d. over {REDRAWS} redraws of 200: {redrawn_spread(present, absent, 200):.4f}, "
          f"of 500: {redrawn_spread(present, absent, 500):.4f}")
    if args.report:
        print(f"  {args.report}: at {whole:.4f} {figures_at(args.report, whole)}; at {first:.4f} {figures_at(args.report, first)}")


if __name__ == "__main__":
    main()
