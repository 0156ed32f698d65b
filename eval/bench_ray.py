"""Throughput of the Ray build (rag/distributed.py) against the local build, with 1 and 2 encoder actors.

    .venv/bin/python eval/bench_ray.py [--articles 2000] [--repeats 3] [--model fake-768]
                                       [--seeds-model embeddinggemma-300m] [--seeds-repeats 1] [--out DIR]

A synthetic archive (eval/bench_scale.py's make_archive: real sentences, 12 an article) is built with
the fake encoder, so the figures show what Ray costs and gains around the index machinery; with
``--seeds-model`` the seed pages are built with the real model too. Every build embeds everything
(no reuse) and skips calibration (the same for both engines). Builds run in turn (local, ray x1,
ray x2, then again) in one process on one local Ray of 2 CPUs, so noise from the shared machine
falls on all alike; medians are reported. Units are passages + sentences; "embed" is the time in
build.embed_pass (reused-vector lookup, encoding, FAISS and sentence codes).
Output: DIR/ray.json and DIR/ray.md (default eval/reports/scale).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from bench_scale import make_archive, sentence_pool  # noqa: E402

from rag import build  # noqa: E402
from rag.distributed import build_index_ray, ray_session  # noqa: E402
from rag.embed import load_encoder  # noqa: E402

CONFIGS = (("local", 0), ("ray", 1), ("ray", 2))


class EmbedClock:
    """Times build.embed_pass, which both engines call."""

    def __init__(self):
        self.seconds = 0.0
        self.original = build.embed_pass

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.original(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def one_build(corpus: Path, work: Path, encoder, engine: str, workers: int) -> dict:
    index = work / f"{engine}{workers}"
    shutil.rmtree(index, ignore_errors=True)
    clock = build.embed_pass = EmbedClock()
    try:
        start = time.perf_counter()
        if engine == "local":
            data = build.build_index(corpus, index, encoder, incremental=False, calibrate=False)
        else:
            data = build_index_ray(corpus, index, encoder, incremental=False, calibrate=False, workers=workers)
        seconds = time.perf_counter() - start
    finally:
        build.embed_pass = clock.original
    shutil.rmtree(index, ignore_errors=True)
    return {"seconds": seconds, "embed_seconds": clock.seconds, "units": len(data.passages) + len(data.sentences)}


def measure(corpus: Path, work: Path, model: str, repeats: int) -> dict:
    encoder = load_encoder(model)
    runs: dict[str, list[dict]] = {f"{e}{w or ''}": [] for e, w in CONFIGS}
    for _ in range(repeats):
        for engine, workers in CONFIGS:
            run = one_build(corpus, work, encoder, engine, workers)
            runs[f"{engine}{workers or ''}"].append(run)
            print(f"{model} {engine} x{workers or 1}: {run}", file=sys.stderr)
    out = {}
    for name, rs in runs.items():
        units = rs[0]["units"]
        seconds = statistics.median(r["seconds"] for r in rs)
        embed = statistics.median(r["embed_seconds"] for r in rs)
        out[name] = {"units": units, "runs": len(rs), "build_s_median": round(seconds, 2),
                     "embed_s_median": round(embed, 2), "units_per_s": round(units / seconds, 1),
                     "embed_units_per_s": round(units / embed, 1),
                     "build_s_all": [round(r["seconds"], 2) for r in rs]}
    return out


def markdown(report: dict) -> str:
    lines = ["# Ray build throughput", "",
             "One local Ray of 2 CPUs (`eval/bench_ray.py`); medians of the runs shown. Units = passages + "
             "sentences; embed = build.embed_pass.",
             "", "| corpus | model | engine | encoder actors | units | build s | units/s | embed units/s | runs | machine |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for case in report["cases"]:
        for name, r in case["results"].items():
            engine, actors = ("local", "-") if name == "local" else ("ray", name[3:])
            lines.append(f"| {case['corpus']} | {case['model']} | {engine} | {actors} | {r['units']:,} | "
                         f"{r['build_s_median']} | {r['units_per_s']} | {r['embed_units_per_s']} | {r['runs']} | "
                         f"{case['machine']} |")
    return "\n".join(lines) + "\n"


def merged_cases(path: Path, cases: list[dict]) -> list[dict]:
    """The earlier report's cases that were not run again, then this run's: runs may measure one case each."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        earlier = [{"machine": report.get("machine", "?"), **c} for c in report["cases"]]
    except (OSError, ValueError, KeyError):
        earlier = []
    ran = {(c["corpus"], c["model"]) for c in cases}
    return [c for c in earlier if (c["corpus"], c["model"]) not in ran] + cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000, help="synthetic articles (0: measure the seeds only)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="fake-768")
    ap.add_argument("--seeds-model", default=None, help="also build the seeds with this real model")
    ap.add_argument("--seeds-repeats", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "scale")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rag-bench-ray-"))
    machine = (f"{os.cpu_count()} CPUs, {platform.machine()}, load {os.getloadavg()[0]:.1f} at start, "
               f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    report = {"cases": []}
    try:
        with ray_session(num_cpus=2):
            if args.articles:
                archive = work / "archive"
                make_archive(archive, args.articles, sentence_pool())
                report["cases"].append({"corpus": f"synthetic {args.articles:,} articles", "model": args.model,
                                        "machine": machine, "results": measure(archive, work, args.model, args.repeats)})
            if args.seeds_model:
                report["cases"].append({"corpus": "seeds", "model": args.seeds_model, "machine": machine,
                                        "results": measure(ROOT / "seeds", work, args.seeds_model,
                                                           args.seeds_repeats)})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    report["cases"] = merged_cases(args.out / "ray.json", report["cases"])
    (args.out / "ray.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "ray.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
