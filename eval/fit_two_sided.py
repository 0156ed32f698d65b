"""Two-sided calibration: place each index's refusal threshold from answerable AND unanswerable probes.

rag/calibration.py makes probe questions from an index's own sentences. Asked of the whole index
they stand for answerable questions ("present"); asked with their own article left out of the
search (rag.filters.LeftOut) they stand for questions about an article the archive lacks
("absent"), the unanswerable questions of `rag eval --squad`. This script measures threshold
rules built on the two distributions, with one free parameter each, fitted on one corpus and
scored on the others (no model needed once the probes and the QA sets' rows are stored).

    probes  answer each index's probes both ways (the model runs: about a minute per index):
            PYTHONPATH=$PWD .venv/bin/python eval/fit_two_sided.py probes --index seeds indexes/default ...
    fit     per rule: the parameter that best suits each corpus and across-corpus figures, from the
            probes and from `rag eval` reports (their per-question rows: confidence, first quote right):
            PYTHONPATH=$PWD .venv/bin/python eval/fit_two_sided.py fit --corpus seeds REPORT.json ...
    cost    CPU time of one index's probes answered one-sided and two-sided (median of 3).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PROBES = ROOT / "eval" / "reports" / "calibration" / "two_sided_probes"  # kept: fit runs without the model
OUT = ROOT / "eval" / "reports" / "calibration" / "two_sided.md"
MAX_REFUSED = 0.04  # the bound on answerable questions refused


def answer_probes(index: Path) -> list[dict]:
    """Each probe's confidence asked of the whole index and with its own article left out."""
    import rag
    from rag.calibration import SentenceTexts, draw_probe_sources
    from rag.filters import LeftOut

    retriever = rag.Retriever.load(index)
    sentences = retriever.data.sentences
    rows = []
    for sid, question in draw_probe_sources(SentenceTexts(sentences)):
        s = sentences[sid]
        present, absent = retriever.probe_confidences(question, LeftOut(s.source, s.title))
        rows.append({"sentence": sid, "question": question, "present": present, "absent": absent})
    return rows


def probe_cost(index: Path, repeats: int = 3) -> str:
    """CPU seconds (median of ``repeats``) of the probes answered one-sided and two-sided."""
    import statistics
    import time

    import rag
    from rag.calibration import SentenceTexts, draw_probe_sources
    from rag.filters import LeftOut

    retriever = rag.Retriever.load(index)
    sentences = retriever.data.sentences
    probes = draw_probe_sources(SentenceTexts(sentences))
    retriever.answer(probes[0][1])  # warm-up
    one, two = [], []
    for _ in range(repeats):
        t = time.process_time()
        for _, q in probes:
            retriever.answer(q, min_confidence=float("-inf"))
        one.append(time.process_time() - t)
        t = time.process_time()
        for sid, q in probes:
            retriever.probe_confidences(q, LeftOut(sentences[sid].source, sentences[sid].title))
        two.append(time.process_time() - t)
    a, b = statistics.median(one), statistics.median(two)
    return f"{index}: {len(probes)} probes, one-sided {a:.1f} s CPU, two-sided {b:.1f} s CPU, ratio {b / a:.2f}"


# --- threshold rules: (present confidences, absent confidences, parameter) -> threshold ----------

def pct(values, q: float) -> float:
    """A percentile as rag.calibration takes it (a probe that found nothing counts lowest)."""
    from rag.calibration import _floored, percentile

    return percentile(_floored(values), q)


def shipped(pos, neg, share: float) -> float:
    from rag.calibration import threshold_of

    return threshold_of(pos, neg, share)[0]


RULES = {
    # today's rule: a low percentile of the present probes
    "present percentile": (lambda pos, neg, a: pct(pos, a), np.arange(1.0, 30.01, 0.5)),
    # a high percentile of the absent probes: refuse that share of questions about missing articles
    "absent percentile": (lambda pos, neg, a: pct(neg, a), np.arange(50.0, 100.01, 0.5)),
    # the same, never above the present probes' 6th or 10th percentile (a corpus that repeats its
    # stories answers absent probes from the copies: the present probes then cap the threshold)
    "absent percentile, capped at present p6": (lambda pos, neg, a: min(pct(neg, a), pct(pos, 6)), np.arange(50.0, 100.01, 0.5)),
    "absent percentile, capped at present p10 (shipped: rag.calibration.threshold_of)": (shipped, np.arange(50.0, 100.01, 0.5)),
    # between the present probes' 6th percentile and the absent probes' 90th, at weight a on the latter
    "between p6 and a90": (lambda pos, neg, a: (1 - a) * pct(pos, 6) + a * pct(neg, 90), np.arange(-1.0, 2.001, 0.02)),
    # between the medians of the two
    "between medians": (lambda pos, neg, a: (1 - a) * pct(pos, 50) + a * pct(neg, 50), np.arange(-1.0, 2.001, 0.02)),
    # the threshold that minimises a * (present refused) + (absent kept)
    "weighted separation": (lambda pos, neg, a: separating(pos, neg, a), np.arange(0.25, 20.01, 0.25)),
}


def separating(pos, neg, weight: float) -> float:
    """The threshold minimising weight x (share of present probes below) + (share of absent probes at or above)."""
    pos, neg = np.sort(np.asarray(pos)), np.sort(np.asarray(neg))
    grid = np.unique(np.r_[pos, neg])
    grid = grid[np.isfinite(grid)]
    below = np.searchsorted(pos, grid, side="left") / len(pos)
    kept = 1 - np.searchsorted(neg, grid, side="left") / len(neg)
    return float(grid[np.argmin(weight * below + kept)])


def figures(rows: list[dict], threshold: float) -> dict:
    """Unrounded (a share rounded to 0.040 may be 0.0404, over the bound); the tables round them."""
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    return {"threshold": threshold,
            "first_quote": float(np.mean([r["confidence"] >= threshold and r["first_quote_relevant"] for r in ans])),
            "answerable_refused": float(np.mean([r["confidence"] < threshold for r in ans])),
            "unanswerable_refused": float(np.mean([r["confidence"] < threshold for r in una])) if una else None}


def best_parameter(rule, corpora: dict, names: list[str]) -> float:
    """Among the parameters that refuse at most MAX_REFUSED of the answerable questions of every named
    corpus, the one that refuses the most unanswerable ones (mean over those corpora); with none, the
    one whose worst corpus refuses the fewest answerable questions."""
    make, grid = RULES[rule]

    def scored(a: float) -> tuple[bool, float]:
        f = [figures(corpora[n]["rows"], make(*corpora[n]["probes"], a)) for n in names]
        worst = max(x["answerable_refused"] for x in f)
        return worst <= MAX_REFUSED, np.mean([x["unanswerable_refused"] for x in f]) if worst <= MAX_REFUSED else -worst

    return float(max(grid, key=lambda a: (*scored(a), -a)))


def load_corpus(report: Path, probes: Path) -> dict:
    rows = json.loads(report.read_text(encoding="utf-8"))["answers"]["rows"]
    p = json.loads(probes.read_text(encoding="utf-8"))
    return {"rows": rows, "probes": ([r["present"] for r in p], [r["absent"] for r in p])}


def fit(corpora: dict[str, dict], fit_on: dict[str, list[str]]) -> str:
    """Per rule and per training group: the fitted parameter and each corpus's figures under it."""
    lines = ["| rule | fitted on | parameter | " + " | ".join(corpora) + " |", "|---|---|---:|" + "---|" * len(corpora)]
    for rule, (make, _) in RULES.items():
        for label, names in fit_on.items():
            a = best_parameter(rule, corpora, names)
            cells = []
            for name, c in corpora.items():
                f = figures(c["rows"], make(*c["probes"], a))
                mark = "" if name in names else "*"
                cells.append(f"{mark}{f['threshold']:.3f}: {f['first_quote']:.3f} / {f['answerable_refused']:.3f} / "
                             f"{f['unanswerable_refused']:.3f}")
            lines.append(f"| {rule} | {label} | {a:.2f} | " + " | ".join(cells) + " |")
    ideal = ["ideal (4% of its answerable refused)", "-", "-"]
    for c in corpora.values():
        t = sorted(r["confidence"] for r in c["rows"] if r["answerable"])
        f = figures(c["rows"], t[int(MAX_REFUSED * len(t))])
        ideal.append(f"{f['threshold']:.3f}: {f['first_quote']:.3f} / {f['answerable_refused']:.3f} / {f['unanswerable_refused']:.3f}")
    lines.append("| " + " | ".join(ideal) + " |")
    return "\n".join(lines) + ("\n\nCells: threshold: first quote right / answerable refused / unanswerable refused; "
                               "* = a corpus the parameter was not fitted on.\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="step", required=True)
    pr = sub.add_parser("probes")
    pr.add_argument("--index", nargs=2, action="append", metavar=("NAME", "INDEX"), required=True)
    c = sub.add_parser("cost", help="CPU time of the probes answered one-sided and two-sided")
    c.add_argument("index", type=Path)
    f = sub.add_parser("fit")
    f.add_argument("--corpus", nargs=2, action="append", metavar=("NAME", "REPORT"), required=True,
                   help="a name given to `probes` and a rag eval report.json of that index")
    f.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    PROBES.mkdir(parents=True, exist_ok=True)
    if args.step == "cost":
        print(probe_cost(args.index))
        return
    if args.step == "probes":
        for name, index in args.index:
            rows = answer_probes(Path(index))
            (PROBES / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf-8")
            pos, neg = [r["present"] for r in rows], [r["absent"] for r in rows]
            print(f"{name}: {len(rows)} probes; present p6 {pct(pos, 6):.3f} p50 {pct(pos, 50):.3f}; "
                  f"absent p50 {pct(neg, 50):.3f} p90 {pct(neg, 90):.3f}", file=sys.stderr)
        return
    corpora = {name: load_corpus(Path(report), PROBES / f"{name}.json") for name, report in args.corpus}
    names = list(corpora)
    fit_on = {"all": names, **{n: [n] for n in names}, **{f"all but {n}": [m for m in names if m != n] for n in names}}
    text = fit(corpora, fit_on)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
