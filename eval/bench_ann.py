"""ANN recall of the passage index on vectors shaped like the real model's, at up to millions of vectors.

    .venv/bin/python eval/bench_ann.py [--sizes 250000 1000000 2500000] [--queries 200]
                                       [--shape clustered|gaussian] [--grid] [--out eval/reports/scale]

Why not the fake encoder's vectors: they are hashed character n-grams, spread evenly over all 768
dimensions, where every graph or cluster index fails (HNSW recall@10 0.64 at 247k passages, IVF
worse) and the top ten are near ties. The real model's vectors are far from even: a few hundred
directions carry most of their variance, and they gather by topic. Embedding a million real passages
would take days here, so this benchmark draws them from a model of about 11k real vectors (the
distinct sentences of the seed pages and the DRCD contexts, embedded once and cached):

- ``gaussian``: one Gaussian with the sample's mean and covariance. It has no topics, so its
  neighbours are barely closer than the rest and every index finds it hard: a lower bound.
- ``clustered`` (default): the sample split by k-means into topics of about CLUSTER_SIZE vectors; a
  draw picks a topic as often as the sample does and adds to its centre a mix of the topic's own
  spread (its members' residuals) and, for the share NOISE_SHARE of the variance, the global
  Gaussian's, so that draws leave the topic's span as real text does.

The shapes are checked against real vectors where both exist (``sample_check``): each is fitted on
half of the sample and drawn as many times as the other half holds, and the same index is built
over the drawn and the real half. CLUSTER_SIZE and NOISE_SHARE were chosen there, the clustered
shape's recall curve at or just under the real one's. Queries are further draws, held out of the
index, as in ann-benchmarks. Recall@10 is measured against exact search over the same SQ8 codes,
with the passage index's own parameters (rag.dense.DenseParams) unless --grid tries others.
Output: eval/reports/scale/ann-SHAPE.json and ann-SHAPE.md.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

MODEL = "embeddinggemma-300m"
CLUSTER_SIZE = 64  # vectors per k-means topic of the real sample
NOISE_SHARE = 0.4  # of a draw's variance from the global Gaussian rather than its topic's span


def real_sample(cache: Path) -> np.ndarray:
    """Real-model vectors of the benchmark's sentence pool, embedded once and cached beside the indexes."""
    from bench_scale import sentence_pool

    from rag.embed import load_encoder
    from rag.types import Passage

    encoder = load_encoder(MODEL)
    path = cache / f"pool-{encoder.fingerprint[:16]}.npy"
    if path.exists():
        return np.load(path)
    pool = sentence_pool()
    texts = [Passage(source="pool", title="", section="", start=0, end=len(s), text=s) for s in pool]
    vectors = encoder.encode_passages(texts).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


class RealShaped:
    """Unit vectors drawn from a Gaussian with the real sample's mean and covariance."""

    def __init__(self, sample: np.ndarray):
        self.mean = sample.mean(axis=0)
        cov = np.cov(sample - self.mean, rowvar=False)
        values, vectors = np.linalg.eigh(cov)
        self.root = (vectors * np.sqrt(np.clip(values, 0, None))).T.astype(np.float32)  # z @ root ~ N(0, cov)
        # Participation ratio: how many directions carry the variance (768 for the fake encoder's kind).
        self.effective_dims = float(values.sum() ** 2 / (values ** 2).sum())

    def draw(self, n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((n, len(self.mean)), dtype=np.float32)
        for lo in range(0, n, 100_000):
            z = rng.standard_normal((min(100_000, n - lo), len(self.mean)), dtype=np.float32)
            block = self.mean + z @ self.root
            out[lo:lo + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
        return out


class TopicShaped:
    """Unit vectors drawn topic by topic: a k-means centre of the real sample plus its members' spread,
    blended with the global Gaussian's (module docstring)."""

    def __init__(self, sample: np.ndarray, cluster_size: int = CLUSTER_SIZE, noise_share: float = NOISE_SHARE):
        import faiss

        sample = sample.astype(np.float32)
        kmeans = faiss.Kmeans(sample.shape[1], max(1, len(sample) // cluster_size), niter=20, seed=0, spherical=True)
        kmeans.train(sample)
        topic = kmeans.index.search(sample, 1)[1][:, 0]
        self.topics = [self._topic(sample[topic == t]) for t in np.unique(topic) if (topic == t).sum() >= 2]
        sizes = np.array([len(spread) for _, spread in self.topics], dtype=float)
        self.weights = sizes / sizes.sum()
        self.noise_share = noise_share
        self.gaussian = RealShaped(sample)
        self.effective_dims = self.gaussian.effective_dims
        self.global_variance = float((self.gaussian.root ** 2).sum())

    @staticmethod
    def _topic(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(centre, residuals scaled so that z @ residuals has the members' covariance)."""
        centre = members.mean(axis=0)
        return centre, (members - centre) / np.sqrt(len(members) - 1)

    def draw(self, n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        which = rng.choice(len(self.topics), size=n, p=self.weights)
        out = np.empty((n, self.gaussian.root.shape[1]), dtype=np.float32)
        for t in np.unique(which):
            rows = np.flatnonzero(which == t)
            centre, spread = self.topics[t]
            own = rng.standard_normal((len(rows), len(spread)), dtype=np.float32) @ spread
            noise = rng.standard_normal((len(rows), len(centre)), dtype=np.float32) @ self.gaussian.root
            scale = np.sqrt(float((spread ** 2).sum()) / self.global_variance)  # the topic's own variance
            out[rows] = centre + np.sqrt(1 - self.noise_share) * own + np.sqrt(self.noise_share) * scale * noise
        return out / np.linalg.norm(out, axis=1, keepdims=True)


SHAPES = {"clustered": TopicShaped, "gaussian": RealShaped}


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """Ids of the k best inner products of each query, by brute force in blocks."""
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for lo in range(0, len(vectors), 200_000):
        s = queries @ vectors[lo:lo + 200_000].T
        ids = np.broadcast_to(np.arange(lo, lo + s.shape[1]), s.shape)
        s, ids = np.concatenate([best_s, s], 1), np.concatenate([best_i, ids], 1)
        keep = np.argsort(-s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(s, keep, 1), np.take_along_axis(ids, keep, 1)
    return best_i


def measure(index, queries: np.ndarray, truth: np.ndarray, ef_search: int) -> dict:
    """recall@10 against exact over the same codes, and single-query latency, at one efSearch."""
    import faiss

    if isinstance(index.index, faiss.IndexHNSW):
        index.index.hnsw.efSearch = ef_search
    times, hits = [], 0
    for q, true in zip(queries, truth):
        t = time.perf_counter()
        found = index.search(q, 10)
        times.append((time.perf_counter() - t) * 1000)
        hits += len(set(found) & set(true.tolist()))
    return {"ef_search": ef_search, "recall_at_10": round(hits / truth.size, 4),
            "p50_ms": round(statistics.median(times), 2)}


def run_size(shape, n: int, n_queries: int, params_list: list, ef_list: list[int]) -> list[dict]:
    from rag.dense import DenseIndex

    vectors = shape.draw(n, seed=n)
    queries = shape.draw(n_queries, seed=1)  # held out: not in the index
    rows = []
    for params in params_list:
        start = time.perf_counter()
        index = DenseIndex.build(vectors, params)
        build_s = time.perf_counter() - start
        decoded = np.concatenate([index.vectors(np.arange(lo, min(lo + 200_000, n))) for lo in range(0, n, 200_000)])
        truth = exact_top(decoded, queries)
        del decoded
        for ef in ef_list:
            row = {"vectors": n, "index": index.factory, "hnsw_m": params.hnsw_m,
                   "ef_construction": params.ef_construction, "build_s": round(build_s, 1),
                   "build_vectors_per_s": round(n / build_s), **measure(index, queries, truth, ef)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def sample_check(sample: np.ndarray, params, ef_list: list[int], n_queries: int = 300) -> list[dict]:
    """How far each shape is from the real thing, at the one size where both exist: every shape is
    fitted on one half of the sample and drawn as many times as the other, real half holds; the same
    index is built over each and searched with held-out queries of its own kind."""
    from rag.dense import DenseIndex

    order = np.random.default_rng(0).permutation(len(sample))
    fit, real = sample[order[:len(sample) // 2]], sample[order[len(sample) // 2:]]
    real_queries, real = real[:n_queries], real[n_queries:]
    kinds = [("real", real, real_queries)]
    for name, make in SHAPES.items():
        shape = make(fit)
        kinds.append((name, shape.draw(len(real), 7), shape.draw(n_queries, 8)))
    rows = []
    for name, vectors, queries in kinds:
        index = DenseIndex.build(vectors, params)
        truth = exact_top(index.vectors(np.arange(len(vectors))), queries)
        cosines = np.sort(queries @ vectors.T, axis=1)[:, ::-1]
        for ef in ef_list:
            rows.append({"vectors": name, "n": len(vectors), "top1_cos": round(float(np.median(cosines[:, 0])), 3),
                         "top10_cos": round(float(np.median(cosines[:, 9])), 3), **measure(index, queries, truth, ef)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def write_reports(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"ann-{result['shape']}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = ["# ANN recall on real-shaped vectors", "",
             f"`{result['command']}`. Vectors drawn from the `{result['shape']}` shape (eval/bench_ann.py's "
             f"docstring) fitted to {result['sample']} real-model vectors (embeddinggemma-300m) of the benchmark's "
             f"sentence pool; {result['effective_dims']:.0f} effective dimensions of 768 (participation ratio). "
             "Queries are held-out draws; recall@10 is against exact search over the same codes; latency is one "
             "query on one thread.", "",
             "| vectors | index | M | efConstruction | build s | vectors/s built | efSearch | recall@10 | p50 ms |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['vectors']:,} | {r['index']} | {r['hnsw_m']} | {r['ef_construction']} | {r['build_s']} | "
              f"{r['build_vectors_per_s']:,} | {r['ef_search']} | {r['recall_at_10']} | {r['p50_ms']} |"
              for r in result["rows"]]
    lines += ["", "Each shape against real vectors, at the sample's size: fitted on one half of the sample, compared "
              "with the other half (median cosine of the 1st and 10th neighbour; recall@10 of the same index):", "",
              "| vectors | n | top-1 cos | top-10 cos | efSearch | recall@10 |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['vectors']} | {r['n']:,} | {r['top1_cos']} | {r['top10_cos']} | {r['ef_search']} | {r['recall_at_10']} |"
              for r in result.get("sample_check", [])]
    (out / f"ann-{result['shape']}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    from rag.dense import DenseParams

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="clustered")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--grid", action="store_true", help="also try HNSW M 16 and efConstruction 40")
    parser.add_argument("--ef", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--cache", type=Path, default=ROOT / "indexes" / "scale")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "scale")
    parser.add_argument("--sample-only", action="store_true", help="embed and cache the real sample, then stop")
    args = parser.parse_args()
    sample = real_sample(args.cache)
    if args.sample_only:
        return print(f"real sample: {sample.shape}")
    shape = SHAPES[args.shape](sample)
    params_list = [DenseParams(exact_limit=0)]
    if args.grid:
        params_list += [DenseParams(exact_limit=0, hnsw_m=16), DenseParams(exact_limit=0, ef_construction=40)]
    result = {"command": "eval/bench_ann.py " + " ".join(sys.argv[1:]), "shape": args.shape, "sample": len(sample),
              "effective_dims": shape.effective_dims, "rows": []}
    result["sample_check"] = sample_check(sample, params_list[0], [16, 32, 64, 128])
    write_reports(result, args.out)
    for n in args.sizes:
        result["rows"] += run_size(shape, n, args.queries, params_list, args.ef)
        write_reports(result, args.out)


if __name__ == "__main__":
    main()
