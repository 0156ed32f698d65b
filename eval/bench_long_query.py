"""Latency of a very long query (issue 15): warm search and answer for a 100,000-character question,
beside ordinary dev questions, so a bound on what a query may cost is checked and its price seen.

    .venv/bin/python eval/bench_long_query.py [--index DIR] [--chars N] [--runs N] [--questions N] [--out FILE]

The long query is a dev question followed by the seed pages, repeated to --chars characters: a
question with a pasted document after it. Prints medians in ms (all runs listed) and writes them as
JSON (default eval/reports/bench_long_query.json). Wall-clock figures: run on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402
from rag.util import machine_description  # noqa: E402


def dev_questions(n: int) -> list[str]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def long_query(question: str, chars: int) -> str:
    """The question, then the seed pages over and over, cut to exactly `chars` characters."""
    pages = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    text = question + "\n" + pages * (chars // len(pages) + 1)
    return text[:chars]


def timed(fn, items: list[str]) -> list[float]:
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append(round((time.perf_counter() - t) * 1000, 1))
    return out


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 1), "runs_ms": ms}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--chars", type=int, default=100_000, help="length of the long query")
    ap.add_argument("--runs", type=int, default=7, help="timed runs of the long query, after one warm-up")
    ap.add_argument("--questions", type=int, default=40, help="ordinary dev questions timed for comparison")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "bench_long_query.json")
    args = ap.parse_args()

    r = rag.Retriever.load(args.index)
    qs = dev_questions(args.questions)
    query = long_query(qs[0], args.chars)
    for q in qs[:3] + [query]:  # first calls pay for lazy initialisation (jieba, torch kernels)
        r.answer(q)
    report = {
        "machine": machine_description(),
        "long_query_chars": len(query),
        "long_search_hybrid": summary(timed(lambda q: r.search(q, k=5), [query] * args.runs)),
        "long_answer": summary(timed(r.answer, [query] * args.runs)),
        "dev_search_hybrid": summary(timed(lambda q: r.search(q, k=5), qs)),
        "dev_answer": summary(timed(r.answer, qs)),
    }
    for key in ("dev_search_hybrid", "dev_answer"):
        del report[key]["runs_ms"]  # one per question: the median says enough
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
