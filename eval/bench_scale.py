"""Scale benchmark: synthetic archives of real sentences, built and served with the fake encoder.

    .venv/bin/python eval/bench_scale.py [--sizes 10000 20000 100000] [--work DIR] [--out DIR]
                                         [--queries N] [--model-units N]

Each archive has N articles of 12 sentences drawn from the seed pages and the DRCD contexts (real
Chinese news and encyclopedia sentences), 1,000 articles a .jsonl file, dated. The index is built
with ``--model fake-768`` (a vectorised test encoder), so the figures time the index machinery,
not the model; the real model's units per second per core are measured separately, on seed
passages. Per size it reports build time and peak RSS, bytes per article, load time, serving RSS,
search p50/p95 per mode and answer p50/p95 with the query vectors computed beforehand (before
query encoding), and the recall@10 of the passage index against exact search over the same codes.
Output: eval/reports/scale/scale.json, scale.md, scale.png.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES_PER_ARTICLE = 12
ARTICLES_PER_FILE = 1000
MODEL = "fake-768"


DRCD = ROOT.parent / "shared" / "external" / "drcd_dev.json"


def sentence_pool(drcd: Path = DRCD, required: bool = False) -> list[str]:
    """Distinct real sentences: the seed pages' and the DRCD dev contexts' (traditional Chinese).
    Without the DRCD file the pool is the seeds' ~540 sentences alone: an archive of far fewer
    distinct sentences, with longer postings and more passages, that does not compare with reports
    built from the full pool; ``required`` refuses that."""
    from rag import corpus
    from rag.chunking import article_sentences
    from rag.text import sentence_spans

    pool = [s.text for page in corpus.read_corpus(ROOT / "seeds").pages for a in page.articles
            for s in article_sentences(a, page.text)]
    if required and not drcd.is_file():
        raise SystemExit(f"{drcd} is missing: the archive would hold the seed pages' sentences alone and not "
                         "compare with eval/reports/scale*; pass --drcd PATH to the DRCD dev file")
    if drcd.is_file():
        for article in json.loads(drcd.read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                text = paragraph["context"]
                pool += [text[s:e] for s, e in sentence_spans(text, lines_end_sentences=False) if e - s >= 8]
    return sorted(set(s.strip() for s in pool if len(s.strip()) >= 8))


def make_archive(folder: Path, articles: int, pool: list[str], seed: int = 0) -> None:
    """``articles`` articles of 12 random sentences each, as dated .jsonl files (skipped if present)."""
    done = folder / ".complete"
    if done.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for first in range(0, articles, ARTICLES_PER_FILE):
        lines = []
        for i in range(first, min(first + ARTICLES_PER_FILE, articles)):
            body = rng.sample(pool, SENTENCES_PER_ARTICLE)
            paragraphs = ["".join(body[j:j + 3]) for j in range(0, SENTENCES_PER_ARTICLE, 3)]
            date = f"{2000 + rng.randrange(25)}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
            lines.append(json.dumps({"title": f"{body[0][:14]}（{i}）", "date": date, "text": "\n".join(paragraphs)},
                                    ensure_ascii=False))
        (folder / f"{first // ARTICLES_PER_FILE:05d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done.touch()


def build(corpus: Path, index: Path) -> dict:
    """Build in a child process: wall time and the child's peak RSS."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rag.cli", "index", "build", "--model", MODEL, "--corpus", str(corpus),
                           "--index", str(index)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise SystemExit(f"build failed: {done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far
    return {"build_s": round(time.perf_counter() - start, 1), "build_peak_rss_mb": round(peak)}


def part_bytes(index: Path) -> dict[str, int]:
    """Bytes per top-level part of the index folder (store.sqlite, passages.faiss, sentences/, bm25/ ...)."""
    folder, out = index.resolve(), {}
    for p in folder.rglob("*"):
        if p.is_file():
            part = p.relative_to(folder).parts[0]
            out[part] = out.get(part, 0) + p.stat().st_size
    return out


def serve(index: Path, queries: int) -> dict:
    """Load and query in a fresh child process, so its RSS is the serving cost alone."""
    done = subprocess.run([sys.executable, __file__, "--serve", str(index), "--queries", str(queries)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise SystemExit(f"serving failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


class PrecomputedEncoder:
    """The index's encoder with every benchmark query encoded beforehand: timings exclude encoding."""

    def __init__(self, encoder, queries: list[str]):
        self.inner = encoder
        self.name, self.dim, self.fingerprint = encoder.name, encoder.dim, encoder.fingerprint
        self.cache = dict(zip(queries, encoder.encode_queries(queries)))

    def read_query(self, query: str) -> str:
        return self.inner.read_query(query)

    def encode_queries(self, queries):
        import numpy as np

        return np.stack([self.cache[q] for q in queries])

    def input_text(self, passage):
        return self.inner.input_text(passage)


def ms_summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2)}


def queries_from(retriever, n: int) -> list[str]:
    """Questions a reader might type: a stretch of a random sentence of the archive."""
    rng = random.Random(1)
    out = []
    for sid in rng.sample(range(len(retriever.data.sentences)), n):
        text = retriever.data.sentences[sid].text
        lo = rng.randrange(max(1, len(text) - 16))
        out.append(text[lo:lo + rng.randrange(8, 24)] + "？")
    return out


def serve_child(index: Path, n: int) -> None:
    import numpy as np

    import rag
    from rag.embed import load_encoder
    from rag.index import read_manifest

    start = time.perf_counter()
    encoder = load_encoder(read_manifest(index)["model"]["name"])
    retriever = rag.Retriever.load(index, encoder=encoder)
    load_s = time.perf_counter() - start
    rss_loaded = _rss_mb()
    qs = queries_from(retriever, n)
    retriever.encoder = PrecomputedEncoder(encoder, [retriever.read_query(q).dense for q in qs])
    for q in qs[:10]:
        retriever.answer(q)
    out = {"load_s": round(load_s, 2), "rss_loaded_mb": round(rss_loaded)}
    for mode in ("hybrid", "dense", "keyword"):
        out[f"search_{mode}"] = ms_summary(_timed(lambda q, m=mode: retriever.search(q, k=10, mode=m), qs))
    out["answer"] = ms_summary(_timed(retriever.answer, qs))
    out["rss_served_mb"] = round(_rss_mb())
    out["rss_served_anon_mb"] = round(_rss_mb("RssAnon"))
    out["rss_served_file_mb"] = round(_rss_mb("RssFile"))
    out["ann_recall_at_10"] = _ann_recall(retriever, qs[:50], np)
    out["dense_index"] = retriever.data.dense.factory
    print(json.dumps(out))


def _timed(fn, qs: list[str]) -> list[float]:
    out = []
    for q in qs:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _rss_mb(field: str = "VmRSS") -> float:
    """Resident memory; RssAnon is the private part, RssFile the memory-mapped index pages, which the
    kernel can drop and share between processes."""
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _ann_recall(retriever, qs: list[str], np) -> float:
    """recall@10 of the passage index against exact inner product over the same (decoded) codes."""
    dense = retriever.data.dense
    vectors = retriever.encoder.encode_queries(qs)
    found = [set(dense.search(v, 10)) for v in vectors]
    scores = np.full((len(qs), 0), -np.inf, dtype=np.float32)
    ids = np.zeros((len(qs), 0), dtype=np.int64)
    for lo in range(0, len(dense), 200_000):
        block = np.arange(lo, min(lo + 200_000, len(dense)))
        s = vectors @ dense.vectors(block).T
        scores = np.concatenate([scores, s], axis=1)
        ids = np.concatenate([ids, np.broadcast_to(block, s.shape)], axis=1)
        keep = np.argsort(-scores, axis=1)[:, :10]
        scores, ids = np.take_along_axis(scores, keep, 1), np.take_along_axis(ids, keep, 1)
    return round(float(np.mean([len(f & set(row.tolist())) / 10 for f, row in zip(found, ids)])), 4)


def model_units_per_second(units: int) -> dict:
    """The real model's embedding rate on seed passages, per core (torch threads = cores used)."""
    import torch

    from rag.build import collect_texts
    from rag.chunking import ChunkingParams
    from rag.embed import load_encoder

    passages, sentences = collect_texts(ROOT / "seeds", ChunkingParams())
    texts = (passages + sentences)[:units]
    encoder = load_encoder("embeddinggemma-300m")
    encoder.encode_passages(texts[:16])
    threads = torch.get_num_threads()
    start = time.perf_counter()
    encoder.encode_passages(texts)
    rate = len(texts) / (time.perf_counter() - start)
    return {"units": len(texts), "threads": threads, "units_per_s": round(rate, 1),
            "units_per_s_per_core": round(rate / threads, 1)}


def write_reports(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    rows = results["sizes"]
    head = ("| articles | passages | build s | build peak RSS MB | KB/article | load s | serving RSS MB | "
            "hybrid p50/p95 ms | dense p50/p95 ms | keyword p50/p95 ms | answer p50/p95 ms | ANN recall@10 | dense index |")
    lines = ["# Scale benchmark", "", f"Encoder {MODEL} (the index machinery alone; query vectors computed "
             "beforehand). `" + results["command"] + "`", "", head, "|" + "---:|" * 12 + "---|"]
    for r in rows:
        s = r["serve"]
        lines.append(f"| {r['articles']:,} | {r['passages']:,} | {r['build_s']} | {r['build_peak_rss_mb']} | "
                     f"{r['kb_per_article']} | {s['load_s']} | {s['rss_served_mb']} | "
                     + " | ".join(f"{s[k]['p50_ms']} / {s[k]['p95_ms']}" for k in
                                  ("search_hybrid", "search_dense", "search_keyword", "answer"))
                     + f" | {s['ann_recall_at_10']} | {s['dense_index']} |")
    names = sorted({k for r in rows for k in r["part_kb_per_article"]})
    lines += ["", "KB per article by part:", "", "| articles | " + " | ".join(names) + " |",
              "|---:|" + "---:|" * len(names)]
    lines += [f"| {r['articles']:,} | " + " | ".join(str(r["part_kb_per_article"].get(k, 0)) for k in names) + " |"
              for r in rows]
    phases = sorted({k for r in rows for k in r.get("build_phase_s", {})})
    lines += ["", "Build seconds by phase (`sentences` encodes the sentences and pools them into passage vectors, "
              "`passage_vectors` encodes the passages that hold no whole sentence; runs before pooled passage "
              "vectors have `embed_passages` and `passage_index_after_sentences` instead):", "",
              "| articles | " + " | ".join(phases) + " |", "|---:|" + "---:|" * len(phases)]
    lines += [f"| {r['articles']:,} | " + " | ".join(str(r.get("build_phase_s", {}).get(k, "")) for k in phases) + " |"
              for r in rows]
    lines += ["", "Serving RSS split: private (anon) and memory-mapped index pages (file), MB:", "",
              "| articles | anon | file |", "|---:|---:|---:|"]
    lines += [f"| {r['articles']:,} | {r['serve'].get('rss_served_anon_mb', '')} | {r['serve'].get('rss_served_file_mb', '')} |"
              for r in rows]
    if results.get("model"):
        m = results["model"]
        lines += ["", f"Real model (embeddinggemma-300m, torch): {m['units_per_s']} units/s on {m['threads']} "
                  f"threads, {m['units_per_s_per_core']} per core ({m['units']} seed units)."]
    (out / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _plot(rows, out / "scale.png")


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["articles"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    axes[0].plot(n, [r["kb_per_article"] for r in rows], "o-")
    axes[0].set_title("KB per article")
    for key in ("search_hybrid", "answer"):
        axes[1].plot(n, [r["serve"][key]["p50_ms"] for r in rows], "o-", label=f"{key} p50")
    axes[1].set_title("latency before query encoding, ms")
    axes[1].legend()
    axes[2].plot(n, [r["build_s"] / 60 for r in rows], "o-", label="build min")
    axes[2].plot(n, [r["serve"]["rss_served_mb"] / 1024 for r in rows], "o-", label="serving RSS GB")
    axes[2].legend()
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("articles")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 100_000])
    parser.add_argument("--work", type=Path, default=ROOT / "indexes" / "scale")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "scale")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--model-units", type=int, default=256, help="seed units the real model embeds (0: skip)")
    parser.add_argument("--drcd", type=Path, default=DRCD, help="DRCD dev file whose sentences join the seeds' (required)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve_child(args.serve, args.queries)
    pool = sentence_pool(args.drcd, required=True)
    results = {"command": "eval/bench_scale.py " + " ".join(sys.argv[1:]), "sentence_pool": len(pool),
               "cores": os.cpu_count(), "sizes": []}
    for n in args.sizes:
        corpus, index = args.work / f"corpus-{n}", args.work / f"index-{n}"
        make_archive(corpus, n, pool)
        row = {"articles": n, **build(corpus, index)}
        manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
        parts = part_bytes(index)
        row.update(passages=manifest["passages"], sentences=manifest["sentences"],
                   build_phase_s=manifest.get("build_seconds", {}),
                   kb_per_article=round(sum(parts.values()) / n / 1024, 2),
                   part_kb_per_article={k: round(v / n / 1024, 2) for k, v in sorted(parts.items())},
                   serve=serve(index, args.queries))
        results["sizes"].append(row)
        print(json.dumps(row), flush=True)
        write_reports(results, args.out)
    if args.model_units:
        results["model"] = model_units_per_second(args.model_units)
    write_reports(results, args.out)


if __name__ == "__main__":
    main()
