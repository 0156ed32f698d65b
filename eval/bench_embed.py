"""Embedding cost per backend: units (passages and sentences of the seeds) per second per core,
query latency, and cosine to torch float32 vectors.

    .venv/bin/python eval/bench_embed.py [--units N] [--repeats N] [--threads 2] [--backends ...] [--out FILE]

Backends: torch-fp32, torch-bf16 (today's default before the OpenVINO backend), torch-int8 (dynamic
int8 Linear layers), openvino (the export rag/openvino_encoder.py builds; bfloat16 compute on CPUs
with AMX/AVX512-BF16). Runs are interleaved (each repeat times every backend in turn) so that other
work on the machine hits them alike; figures are medians. "per core" is units per wall second
divided by the threads used; "per CPU s" is units per second of process CPU time.
Writes JSON (default eval/reports/embed.json) and a Markdown table beside it (.md).
The retrieval quality of a backend is `RAG_BACKEND=... rag eval --config default` (README).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import corpus, models  # noqa: E402
from rag.util import machine_description  # noqa: E402
from rag.chunking import article_sentences, chunk_articles  # noqa: E402
from rag.embed import OpenVINOEncoder, SentenceTransformerEncoder  # noqa: E402

BACKENDS = ("torch-fp32", "torch-bf16", "torch-int8", "openvino")


def seed_units(n: int) -> list:
    """Half passages, half sentences of the seed pages, in file order (the encoders sort by length)."""
    passages, sentences = [], []
    for page in corpus.read_corpus(ROOT / "seeds").pages:
        passages.extend(chunk_articles(page.articles, page.text))
        sentences.extend(s for a in page.articles for s in article_sentences(a, page.text))
    return passages[:n - n // 2] + sentences[:n // 2]


def questions(n: int) -> list[str]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def make_encoder(backend: str, model: str, threads: int):
    import torch

    torch.set_num_threads(threads)
    if backend == "openvino":
        os.environ["RAG_THREADS"] = str(threads)
        os.environ.pop("RAG_DTYPE", None)  # a torch backend's setting must not force OpenVINO to float32
        return OpenVINOEncoder(model, log=lambda m: print(m, file=sys.stderr))
    os.environ["RAG_DTYPE"] = {"torch-fp32": "float32", "torch-int8": "float32", "torch-bf16": "bfloat16"}[backend]
    encoder = SentenceTransformerEncoder(model, device="cpu")
    if backend == "torch-int8":
        encoder.model = torch.ao.quantization.quantize_dynamic(encoder.model, {torch.nn.Linear}, dtype=torch.qint8)
    return encoder


def timed(fn) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench(backends: list[str], model: str, threads: int, units: list, qs: list[str], repeats: int) -> dict:
    encoders = {b: make_encoder(b, model, threads) for b in backends}
    for encoder in encoders.values():  # first calls pay for lazy initialisation
        encoder.encode_passages(units[:16])
        encoder.encode_queries(qs[:2])
    walls = {b: [] for b in backends}
    cpus = {b: [] for b in backends}
    query_ms = {b: [] for b in backends}
    vectors = {}
    for _ in range(repeats):
        for b, encoder in encoders.items():
            wall, cpu = timed(lambda e=encoder, b=b: vectors.__setitem__(b, e.encode_passages(units)))
            walls[b].append(wall)
            cpus[b].append(cpu)
    for q in qs:
        for b, encoder in encoders.items():
            query_ms[b].append(timed(lambda e=encoder: e.encode_queries([q]))[0] * 1000)
    out = {}
    for b in backends:
        per_s = len(units) / statistics.median(walls[b])
        out[b] = {"threads": threads, "units_per_s": round(per_s, 2), "units_per_s_per_core": round(per_s / threads, 2),
                  "units_per_cpu_s": round(len(units) / statistics.median(cpus[b]), 2),
                  "query_p50_ms": round(statistics.median(query_ms[b]), 1), "runs": repeats}
    return out, vectors


def cosines(vectors: dict, reference: np.ndarray) -> dict:
    out = {}
    for b, v in vectors.items():
        c = (v * reference).sum(axis=1)
        out[b] = {"cos_to_fp32_median": round(float(np.median(c)), 5), "cos_to_fp32_min": round(float(c.min()), 5)}
    return out


def markdown(report: dict) -> str:
    rows = ["| backend | threads | units/s | units/s per core | units per CPU s | query p50 ms | cos to fp32 median / min |",
            "|---|---|---|---|---|---|---|"]
    for key, r in report["results"].items():
        rows.append(f"| {r['backend']} | {r['threads']} | {r['units_per_s']} | {r['units_per_s_per_core']} | "
                    f"{r['units_per_cpu_s']} | {r['query_p50_ms']} | {r['cos_to_fp32_median']} / {r['cos_to_fp32_min']} |")
    return "\n".join(rows) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=models.DEFAULT_MODEL)
    ap.add_argument("--units", type=int, default=128, help="seed units embedded per run (half passages, half sentences)")
    ap.add_argument("--queries", type=int, default=30, help="dev questions timed one by one")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[2])
    ap.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "embed.json")
    args = ap.parse_args()
    models.ensure_model(args.model, log=lambda m: print(m, file=sys.stderr))
    units, qs = seed_units(args.units), questions(args.queries)
    reference = make_encoder("torch-fp32", args.model, max(args.threads)).encode_passages(units)
    results = {}
    for threads in args.threads:
        figures, vectors = bench(args.backends, args.model, threads, units, qs, args.repeats)
        quality = cosines(vectors, reference)
        for b in args.backends:
            results[f"{b}@{threads}"] = {"backend": b, **figures[b], **quality[b]}
    report = {"machine": machine_description(),
              "model": args.model, "units": len(units), "queries": len(qs), "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    table = markdown(report)
    args.out.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
