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
    gap     the params' "calibration_gap_weight" (how far the threshold moves from the absent probes'
            percentile towards the present probes' CAP_SHARE-th), from `rag eval` reports alone: each
            keeps its index's two probe percentiles and its questions' confidences. A corpus is one
            index, pooled over its reports, with the bound on its answerable questions refused
            (the issue's: 0.05 for seed-page questions, 0.04 for the public sets):
            PYTHONPATH=$PWD .venv/bin/python eval/fit_two_sided.py gap \
                --corpus seeds 0.05 eval/reports/holdout2{0,1,2,3,4}/report.json \
                --corpus drcd-s6 0.04 eval/reports/drcd-s6/report.json ...
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
    from rag.calibration import fitted_gap_weight, threshold_of

    return threshold_of(pos, neg, share, fitted_gap_weight())[0]


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


# --- the gap weight, from rag eval reports -------------------------------------------------

GAP_OUT = ROOT / "eval" / "reports" / "calibration" / "gap_weight.md"
GAP_WEIGHTS = np.round(np.arange(0.0, 0.601, 0.01), 2)


def report_rows(report: Path) -> list[dict]:
    """A report's question rows, each with the two probe percentiles of the index it was asked of."""
    from rag.calibration import CAP_SHARE

    answers = json.loads(report.read_text(encoding="utf-8"))["answers"]
    fitted = answers.get("calibration") or {}
    figures = fitted.get("figures")
    if not figures or figures.get("bound") is None:
        raise SystemExit(f"{report}: its index was not calibrated on two-sided probes; rebuild or `rag index calibrate`")
    cap = figures["present"][f"p{CAP_SHARE:g}"]
    refused = figures["absent"][f"p{fitted['percentile']:g}"]
    return [{**row, "cap": cap, "refused": refused, "params": answers["params"]["sha256"]} for row in answers["rows"]]


def gap_threshold(row: dict, weight: float) -> float:
    """rag.calibration.threshold_of from its two percentiles."""
    return row["refused"] + weight * (row["cap"] - row["refused"]) if row["refused"] <= row["cap"] else row["cap"]


def gap_figures(rows: list[dict], weight: float) -> dict:
    confidence = np.array([r["confidence"] for r in rows])
    threshold = np.array([gap_threshold(r, weight) for r in rows])
    answerable = np.array([r["answerable"] for r in rows])
    kept = confidence >= threshold
    right = np.array([bool(r["first_quote_relevant"]) for r in rows])
    return {"threshold": float(np.median(threshold)),
            "first_quote": float(np.mean((kept & right)[answerable])),
            "answerable_refused": float(np.mean(~kept[answerable])),
            "unanswerable_refused": float(np.mean(~kept[~answerable])) if (~answerable).any() else None}


def best_gap_weight(corpora: dict[str, dict], names: list[str]) -> float:
    """Among the weights that keep every named corpus within its bound on answerable questions
    refused, the one refusing the most unanswerable ones (mean over those corpora); with none, the
    smallest worst excess."""
    def scored(w: float) -> tuple[bool, float]:
        f = {n: gap_figures(corpora[n]["rows"], w) for n in names}
        excess = max(f[n]["answerable_refused"] - corpora[n]["bound"] for n in names)
        unanswerable = [x["unanswerable_refused"] for x in f.values() if x["unanswerable_refused"] is not None]
        return excess <= 1e-9, float(np.mean(unanswerable)) if excess <= 1e-9 else -excess

    return float(max(GAP_WEIGHTS, key=lambda w: (*scored(w), -w)))


def fit_gap(corpora: dict[str, dict]) -> str:
    """The weight fitted on all corpora and on all but each one (that one scored out of sample)."""
    names = list(corpora)
    fits = {"none (weight 0)": (0.0, []), "all": (best_gap_weight(corpora, names), names)}
    fits.update({f"all but {n}": (best_gap_weight(corpora, [m for m in names if m != n]), [m for m in names if m != n])
                 for n in names})
    lines = ["| fitted on | weight | " + " | ".join(f"{n} (bound {c['bound']:g})" for n, c in corpora.items()) + " |",
             "|---|---:|" + "---|" * len(corpora)]
    for label, (w, on) in fits.items():
        cells = []
        for n, c in corpora.items():
            f = gap_figures(c["rows"], w)
            cells.append(f"{'' if n in on or not on else '*'}{f['threshold']:.3f}: {f['first_quote']:.3f} / "
                         f"{f['answerable_refused']:.3f} / {f['unanswerable_refused']:.3f}")
        lines.append(f"| {label} | {w:.2f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + ("\n\nCells: median threshold: first quote right / answerable refused / unanswerable "
                               "refused; * = a corpus the weight was not fitted on.\n")


def gap_corpora(specs: list[list[str]]) -> dict[str, dict]:
    corpora = {}
    for name, bound, *reports in specs:
        rows = [row for report in reports for row in report_rows(Path(report))]
        corpora[name] = {"bound": float(bound), "rows": rows}
    params = {row["params"] for c in corpora.values() for row in c["rows"]}
    if len(params) > 1:
        raise SystemExit(f"the reports were answered with different params ({sorted(params)}): their confidences "
                         "are on different scales; pass reports of one params file")
    return corpora


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
    g = sub.add_parser("gap", help="the calibration gap weight, from rag eval reports")
    g.add_argument("--corpus", nargs="+", action="append", required=True, metavar="NAME BOUND REPORT",
                   help="a corpus name, its bound on answerable questions refused, and its report.json files")
    g.add_argument("--out", type=Path, default=GAP_OUT)
    args = p.parse_args()
    if args.step == "gap":
        text = fit_gap(gap_corpora(args.corpus))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(text)
        return
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
