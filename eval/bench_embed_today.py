"""Embedding throughput now against the code an issue measured: two checkouts, fresh processes.

    .venv/bin/python eval/bench_embed_today.py [--rev 9e582b9] [--units 316] [--rounds 5] [--out FILE]
    .venv/bin/python eval/bench_embed_today.py --index [--rounds 5] [--out FILE]

Issue 13 asks for twice "today's" units per second per core, today being the encoder as it stood
when the issue was filed (commit 9e582b9: sentence-transformers on torch, bfloat16 on this CPU,
batches sorted by characters). bench_embed.py compares backends inside one process at HEAD, where
the torch backend already has this work's token-sorted batches; this script runs the old commit
itself, checked out as a git worktree, beside HEAD's default encoder. Each round starts one process
per checkout (old first, then new, alternating), each loads its encoder, warms it up and times
embedding the same seed units through its own `encode_passages` (the build's path, sorting
included); the figures are medians over rounds. The input texts must hash alike in both checkouts,
or the comparison is refused. Writes JSON (default eval/reports/embed_today.json) and Markdown.

With ``--index`` each process instead builds the whole seed index with its own checkout's
``build_index`` (encoder loaded and warmed first; no calibration, nothing reused), and a unit is a
vector of the built index (passages and sentences): what an archive's build costs per unit it
serves. Today embedded every passage and every sentence; now the passages that hold whole sentences
get vectors pooled from theirs (rag/pooling.py). The seed files must hash alike in both checkouts.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUE_REV = "9e582b9"  # main when issue 13 was filed: the torch encoder it measured (bfloat16 where native)
WARMUP = 16


def worker(root: Path, units: int, inner: int, vectors_out: Path) -> None:
    """Runs inside one checkout: embed its seed units ``inner`` times, print the timings as JSON."""
    sys.path.insert(0, str(root))
    import numpy as np

    from rag import corpus, models
    from rag.chunking import article_sentences, chunk_articles
    from rag.embed import load_encoder

    # bench_embed.seed_units, written again on purpose: each checkout must chunk with its own modules
    passages, sentences = [], []
    for page in corpus.read_corpus(root / "seeds").pages:
        passages.extend(chunk_articles(page.articles, page.text))
        sentences.extend(s for a in page.articles for s in article_sentences(a, page.text))
    items = passages[:units - units // 2] + sentences[:units // 2]
    encoder = load_encoder(models.DEFAULT_MODEL)
    texts = [encoder.input_text(p) for p in items]
    encoder.encode_passages(items[:WARMUP])  # lazy initialisation is not throughput
    walls, cpus = [], []
    for _ in range(inner):
        wall, cpu = time.perf_counter(), time.process_time()
        vectors = encoder.encode_passages(items)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    np.save(vectors_out, vectors)
    print(json.dumps({"backend": getattr(encoder, "backend", "torch"), "units": len(items),
                      "inputs_sha256": hashlib.sha256("\x00".join(texts).encode()).hexdigest(),
                      "wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}))


def index_worker(root: Path, inner: int) -> None:
    """Runs inside one checkout: build the seed index ``inner`` times, print the timings as JSON."""
    sys.path.insert(0, str(root))
    from rag import models
    from rag.build import build_index
    from rag.chunking import ChunkingParams
    from rag.embed import load_encoder

    encoder = load_encoder(models.DEFAULT_MODEL)
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        _warm_up(encoder, root)
        for i in range(inner):
            wall, cpu = time.perf_counter(), time.process_time()
            data = build_index(root / "seeds", Path(tmp) / f"index{i}", encoder, ChunkingParams(), incremental=False,
                               calibrate=False)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    manifest = data.manifest
    files = json.dumps(manifest["corpus"]["files"], sort_keys=True)
    print(json.dumps({"backend": getattr(encoder, "backend", "torch"),
                      "units": manifest["passages"] + manifest["sentences"],
                      "passages": manifest["passages"], "sentences": manifest["sentences"],
                      "build": manifest.get("build"), "inputs_sha256": hashlib.sha256(files.encode()).hexdigest(),
                      "wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}))


def _warm_up(encoder, root: Path) -> None:
    """Lazy initialisation is not throughput: embed a few seed lines first."""
    from rag.types import Passage

    lines = [line for line in (root / "seeds").glob("*.txt").__next__().read_text(encoding="utf-8").splitlines()
             if len(line) > 20][:WARMUP]
    encoder.encode_passages([Passage("warm", "", "", 0, len(line), line) for line in lines])


def run_worker(root: Path, units: int, inner: int, vectors_out: Path, env: dict, index: bool = False) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(root), "--units", str(units),
           "--inner", str(inner), "--vectors", str(vectors_out)] + (["--index"] if index else [])
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker in {root} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def vector_cosines(old: Path, new: Path) -> dict:
    """Median and least cosine of the two checkouts' vectors of the same units."""
    import numpy as np

    old_vectors, new_vectors = np.load(old), np.load(new)
    # True cosines: the old torch bfloat16 encoder normalised in bfloat16, so its norms are off by ~0.2%.
    cos = (old_vectors * new_vectors).sum(axis=1) / (
        np.linalg.norm(old_vectors, axis=1) * np.linalg.norm(new_vectors, axis=1))
    return {"median": round(float(np.median(cos)), 5), "min": round(float(cos.min()), 5)}


def checkout(rev: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(into), rev],
                   check=True, capture_output=True)
    return into


def summary(runs: list[dict], cores: int) -> dict:
    wall = statistics.median(r["wall_s"] for r in runs)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    units = runs[0]["units"]
    return {"backend": runs[0]["backend"], "units": units, "units_per_s": round(units / wall, 2),
            "units_per_s_per_core": round(units / wall / cores, 2), "units_per_cpu_s": round(units / cpu, 2),
            "wall_s": [round(r["wall_s"], 2) for r in runs]}


def markdown(report: dict) -> str:
    rows = [f"Measures: {report.get('measures', 'encode_passages')}.", "",
            "| checkout | backend | units | units/s | per core | per CPU s | wall s per round |",
            "|---|---|---:|---:|---:|---:|---|"]
    for name in ("today", "now"):
        r = report[name]
        rows.append(f"| {report['revs'][name]} | {r['backend']} | {r['units']} | {r['units_per_s']} | "
                    f"{r['units_per_s_per_core']} | {r['units_per_cpu_s']} | {', '.join(map(str, r['wall_s']))} |")
    ratio, cosine = report["ratio"], report["cosine"]
    rows.append(f"\nratio now / today: per core {ratio['per_core']}, per CPU s {ratio['per_cpu_s']}; "
                + (f"cosine now to today median {cosine['median']}, min {cosine['min']}; " if cosine else "")
                + f"load average before {report['load_before']}, after {report['load_after']}")
    return "\n".join(rows) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default=ISSUE_REV, help="the commit whose encoder is 'today'")
    ap.add_argument("--units", type=int, default=316, help="seed units (half passages, half sentences)")
    ap.add_argument("--rounds", type=int, default=5, help="fresh processes per checkout, alternated")
    ap.add_argument("--inner", type=int, default=2, help="timed passes per process (median)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "embed_today.json")
    ap.add_argument("--index", action="store_true", help="time whole seed-index builds, per vector of the index")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--vectors", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        if args.index:
            return index_worker(args.worker, args.inner)
        return worker(args.worker, args.units, args.inner, args.vectors)
    sys.path.insert(0, str(ROOT))

    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    cores = os.cpu_count() or 1
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("RAG_BACKEND", None)  # each checkout's default encoder, as a user gets it
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        old_root = checkout(args.rev, Path(tmp) / "today")
        try:
            runs = {"today": [], "now": []}
            for _ in range(args.rounds):
                for name, root in (("today", old_root), ("now", ROOT)):
                    runs[name].append(run_worker(root, args.units, args.inner, Path(tmp) / f"{name}.npy", env,
                                                 args.index))
                    print(f"{name}: {runs[name][-1]['units'] / runs[name][-1]['wall_s']:.2f} units/s", file=sys.stderr)
            cosine = None if args.index else vector_cosines(Path(tmp) / "today.npy", Path(tmp) / "now.npy")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old_root)], check=False)
    if runs["today"][0]["inputs_sha256"] != runs["now"][0]["inputs_sha256"]:
        raise SystemExit("the two checkouts embed different input texts: their timings do not compare")
    from rag.util import machine_description  # HEAD's: this script runs from HEAD's checkout

    report = {"machine": machine_description(), "revs": {"today": args.rev, "now": head},
              "units": runs["now"][0]["units"], "rounds": args.rounds, "inner": args.inner,
              "measures": "whole seed-index builds, per vector of the index" if args.index else "encode_passages",
              "today": summary(runs["today"], cores), "now": summary(runs["now"], cores),
              "cosine": cosine,
              "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}
    report["ratio"] = {"per_core": round(report["now"]["units_per_s"] / report["today"]["units_per_s"], 3),
                       "per_cpu_s": round(report["now"]["units_per_cpu_s"] / report["today"]["units_per_cpu_s"], 3)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    table = markdown(report)
    args.out.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
