"""Search latency benchmark: warm search per mode (query encoding included) and cold `rag search`.

    .venv/bin/python eval/bench_search.py [--index DIR] [--questions N] [--cold-runs N] [--out FILE]

Prints medians and p95 in ms and writes them as JSON (default eval/reports/bench.json).
Run it on a quiet machine: the figures are wall-clock.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402
from rag.util import machine_description  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1)}


def questions(n: int) -> list[str]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def time_calls(fn, inputs: list[str]) -> list[float]:
    out = []
    for item in inputs:
        t = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t) * 1000)
    return out


def warm(index: Path | None, qs: list[str]) -> dict:
    r = rag.Retriever.load(index)
    for q in qs[:5]:  # first calls pay for lazy initialisation (jieba, torch kernels)
        r.search(q, k=5)
    results = {"encode_query": summary(time_calls(lambda q: r.encoder.encode_queries([q]), qs))}
    for mode in rag.MODES:
        results[f"search_{mode}"] = summary(time_calls(lambda q, m=mode: r.search(q, k=5, mode=m), qs))
    results["answer"] = summary(time_calls(r.answer, qs))
    results["passages"] = len(r)
    results["model"] = r.data.manifest["model"]["name"]
    return results


def cold(index: Path | None, runs: int) -> dict:
    if runs <= 0:  # --cold-runs 0: warm figures only
        return {}
    env = {**os.environ, **({"RAG_INDEX": str(index)} if index else {})}
    ms = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "rag"), "search", "网格员平时负责哪些工作?", "--json"],
                       env=env, check=True, capture_output=True)
        ms.append((time.perf_counter() - t) * 1000)
    return {"cold_rag_search": summary(ms)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--questions", type=int, default=100)
    ap.add_argument("--cold-runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "bench.json")
    args = ap.parse_args()
    report = {"machine": machine_description(),
              **warm(args.index, questions(args.questions)), **cold(args.index, args.cold_runs)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
