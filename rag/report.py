"""The `rag eval` report as files: Markdown tables and a plot beside the JSON."""
from __future__ import annotations

import json
from pathlib import Path

from .errors import RagError
from .evaluation import COMPLETE_K, CONFIGS

def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown_table(report: dict) -> str:
    """Config rows x recall@k, MRR, nDCG, complete@5, English and multi-hop figures, latency."""
    k_max = report["k_max"]
    recalls = [m for m in report["metrics"] if m.startswith("recall@")]
    cols = recalls + [f"mrr@{k_max}", f"ndcg@{k_max}", f"complete@{COMPLETE_K}"]
    head = (["config", "model", "mode"] + cols + ["english recall@5", f"multi-hop complete@{COMPLETE_K}",
                                                    "p50 ms", "p95 ms"])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|"]
    for name, res in report["configs"].items():
        overall, by_type = res["overall"], res["by_type"]
        cells = [name, res["model"] if res["mode"] != "keyword" else "–", res["mode"]]
        cells += [_fmt(overall.get(c)) for c in cols]
        cells.append(_fmt(by_type.get("english", {}).get("recall@5")))
        cells.append(_fmt(by_type.get("multi-hop", {}).get(f"complete@{COMPLETE_K}")))
        cells += [_fmt(res["latency_ms"]["p50"], 1), _fmt(res["latency_ms"]["p95"], 1)]
        lines.append("| " + " | ".join(cells) + " |")
    for name, message in report["errors"].items():
        lines.append(f"| {name} | {CONFIGS[name][0]} | {CONFIGS[name][1]} | failed: "
                     f"{message.splitlines()[0][:120].replace('|', '/')} |")
    return "\n".join(lines)


def type_table(report: dict, metric: str = "recall@5") -> str:
    """Config rows x question type, one metric."""
    types = sorted({t for res in report["configs"].values() for t in res["by_type"]})
    lines = ["| config | " + " | ".join(f"{t} (n={_type_n(report, t)})" for t in types) + " |",
             "|---|" + "---:|" * len(types)]
    for name, res in report["configs"].items():
        lines.append(f"| {name} | " + " | ".join(_fmt(res["by_type"].get(t, {}).get(metric)) for t in types) + " |")
    return "\n".join(lines)


def _type_n(report: dict, t: str) -> int:
    return next(iter(report["configs"].values()))["by_type"].get(t, {}).get("n", 0)


def markdown_report(report: dict) -> str:
    return "\n\n".join([
        "# Retrieval evaluation",
        f"Sets: {', '.join(report['sets'])}. {report['n_questions']} answerable questions scored, "
        f"{report['n_unanswerable']} unanswerable left out of the retrieval metrics. "
        f"recall@k = share of questions with a relevant hit in the top k. Created {report['created']}.",
        markdown_table(report),
        "## recall@5 by question type",
        type_table(report, "recall@5"),
        *answers_section(report),
    ]) + "\n"


def answers_section(report: dict) -> list[str]:
    """The answer figures: first quote relevant, refusals on both kinds of question, latency."""
    a = report.get("answers")
    if not a:
        return []
    source = a.get("threshold_source", "default")
    return [f"## Answers ({a['config']}, confidence threshold {a['threshold']:.3f}: {source})",
            "| first quote holds the answer | answerable refused | unanswerable refused | answer p50 ms | p95 ms |\n"
            "|---:|---:|---:|---:|---:|\n"
            f"| {_fmt(a['first_quote_correct'])} | {_fmt(a['answerable_refused'])} | "
            f"{_fmt(a['unanswerable_refused'])} | {_fmt(a['latency_ms']['p50'], 1)} | {_fmt(a['latency_ms']['p95'], 1)} |",
            f"Threshold that refuses at most 4% of this set's answerable questions: "
            f"{a['calibrated_threshold_on_this_set']:.3f}.",
            *left_out_line(a), *params_line(a)]


def left_out_line(answers: dict) -> list[str]:
    """How many questions about left-out articles were answered from another article that states
    the same answer (rag eval --squad): refused or not, those answers hold their gold answer."""
    share = answers.get("left_out_answered_with_its_answer")
    if share is None:
        return []
    n = answers["n_left_out"]
    return [f"Of the {n} questions about left-out articles, {round(share * n)} ({share:.3f}) were answered with a "
            "first quote holding the left-out article's own answer: another indexed article states it."]


def params_line(answers: dict) -> list[str]:
    """Which scoring and confidence weights answered (rag/params), so figures name their weights."""
    p = answers.get("params")
    if not p:
        return []
    fitted = (answers.get("calibration") or {}).get("params")
    stale = fitted is not None and fitted.get("sha256") != p["sha256"]
    return [f"Answer weights: {p['file']} ({p['name']} v{p['version']}, sha256 {p['sha256']})."
            + (f" The index was calibrated with other weights (sha256 {fitted.get('sha256')}): "
               "run `rag index calibrate`." if stale else "")]


def plot_report(report: dict, path: Path) -> None:
    """Grouped bars of recall@1, recall@5 and MRR per configuration (Agg backend, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["configs"])
    metrics = ["recall@1", "recall@5", f"mrr@{report['k_max']}"]
    width = 0.8 / len(metrics)
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(names) + 2), 4.5))
    for i, metric in enumerate(metrics):
        xs = [n + (i - (len(metrics) - 1) / 2) * width for n in range(len(names))]
        values = [report["configs"][name]["overall"].get(metric, 0.0) for name in names]
        bars = ax.bar(xs, values, width, label=metric)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("score")
    ax.set_title(f"Retrieval on {', '.join(Path(s).name for s in report['sets'])} "
                 f"({report['n_questions']} answerable questions)")
    ax.legend(loc="upper center", ncol=len(metrics), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(report: dict, out_dir: Path) -> None:
    """report.json, report.md and report.png into out_dir (created if needed)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        (out_dir / "report.md").write_text(markdown_report(report), encoding="utf-8")
        plot_report(report, out_dir / "report.png")
    except OSError as exc:
        raise RagError(f"cannot write the report into {out_dir} ({exc.strerror or exc}); "
                       "pass a writable --out DIR") from None
