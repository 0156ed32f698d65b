"""Retrieval from Milvus against the local build: the seeds, the dev QA set, every mode.

    .venv/bin/python eval/bench_milvus.py [--model NAME] [--milvus-uri URI] [--work DIR] [--out FILE]

Builds the seeds locally with the model and evaluates, then rebuilds the same index served from
Milvus (milvus-lite in a file under --work unless --milvus-uri names a server; every vector is
reused) and evaluates again. Reports dev R@5 / MRR@10 per mode for both, their ratio (issue 13 asks R@5 >= 0.99 of local), first
quote relevance, and search p50 (milvus-lite is a slow pure-Python stand-in: its latency says
nothing of a server's). JSON goes to --out (default eval/reports/milvus.json).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402
from rag import models  # noqa: E402
from rag.build import build_index  # noqa: E402
from rag.embed import prepare_encoder  # noqa: E402
from rag.evaluation import answer_rows, evaluate_retriever, load_qa_set  # noqa: E402


def figures(retriever, items: list[dict]) -> dict:
    out = {}
    for mode in ("hybrid", "dense", "keyword"):
        result = evaluate_retriever(retriever, items, mode=mode)
        out[mode] = {"R@5": round(result["overall"]["recall@5"], 4), "MRR@10": round(result["overall"]["mrr@10"], 4),
                     "search_p50_ms": round(result["latency_ms"]["p50"], 1),
                     "top5": [[r["first_rank"]] for r in result["rows"] if r["answerable"]]}
    rows, latencies = answer_rows(retriever, items)
    answerable = [r for r in rows if r["answerable"]]
    out["first_quote_relevant"] = round(sum(r["first_quote_relevant"] for r in answerable) / len(answerable), 4)
    out["answer_p50_ms"] = round(statistics.median(latencies), 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=models.DEFAULT_MODEL)
    ap.add_argument("--milvus-uri", default=None)
    ap.add_argument("--work", type=Path, default=None, help="folder for the index (default: a temp folder)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "milvus.json")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_milvus."))
    uri = args.milvus_uri or str(work / "milvus.db")
    items = load_qa_set(ROOT / "eval" / "dev.jsonl")
    encoder = prepare_encoder(args.model, log=print)
    timings = {}
    t0 = time.perf_counter()
    build_index(ROOT / "seeds", work / "index", encoder, backend={"kind": "local"})
    timings["local_build_s"] = round(time.perf_counter() - t0, 1)
    local = figures(rag.Retriever.load(work / "index", encoder=encoder), items)
    t0 = time.perf_counter()  # the same index again, served from Milvus: every vector is reused
    built = build_index(ROOT / "seeds", work / "index", encoder, backend={"kind": "milvus", "uri": uri})
    timings["milvus_build_s"] = round(time.perf_counter() - t0, 1)
    served = figures(rag.Retriever.load(work / "index", encoder=encoder), items)
    report = {"model": args.model, "uri": uri, "load_average": os.getloadavg(), "cpus": os.cpu_count(), "questions": len(items), "timings": timings,
              "milvus_build": built.manifest["build"], "local": local, "milvus": served,
              "R@5_ratio": {m: round(served[m]["R@5"] / local[m]["R@5"], 4) if local[m]["R@5"] else None
                            for m in ("hybrid", "dense", "keyword")},
              "same_first_ranks": {m: served[m].pop("top5") == local[m].pop("top5") for m in ("hybrid", "dense", "keyword")}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items()}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
