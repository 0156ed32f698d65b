"""FAISS vector stores; nothing else imports faiss.

Vectors are unit length, so inner product is cosine, higher is better. Two kinds of store:

- ``DenseIndex``, the passages: searched. Exact over 8-bit scalar-quantised codes (SQ8, a quarter of
  float32, cosine within ~0.001) up to ``EXACT_LIMIT`` vectors; above it, HNSW over the same codes.
- ``VectorCodes``, the sentences: never searched, only read by id to score the sentences of the hits,
  so they are codes in a memory-mapped file and cost no RAM until read.

Both keep their trained quantiser across incremental builds (``empty_like``), so a reused vector
keeps its exact code.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import faiss
import numpy as np

from .errors import RagError

# One query is searched on one thread: requests run side by side, and OpenMP workers spinning against
# each other on a busy machine made a 5,000-vector search take 14 ms instead of 0.5.
faiss.omp_set_num_threads(1)
BUILD_THREADS = os.cpu_count() or 1  # building (training, HNSW inserts) uses every core

TRAIN_SAMPLE = 65_536  # vectors a quantiser is trained on
FILTER_EXACT = 20_000  # a filter allowing at most this many passages is searched exactly


@dataclass(frozen=True)
class DenseParams:
    """How the passage index is made; stored in the manifest."""

    codec: str = "SQ8"  # faiss factory string of the codes: Flat (float32), SQfp16, SQ8, SQ6, SQ4
    exact_limit: int = 20_000  # up to this many vectors search is exact; above, HNSW
    hnsw_m: int = 32
    ef_construction: int = 40  # 80 built 1.5x slower for the same recall (an earlier bench_ann.py --grid run)
    # 128 finds 0.966 of the exact top ten at a million topic-shaped vectors, 256 finds 0.983 for
    # under a millisecond more (eval/reports/scale/ann-clustered.md)
    ef_search: int = 256

    @classmethod
    def serving(cls, recorded: dict) -> "DenseParams":
        """The parameters an index was built with; RAG_EF_SEARCH overrides efSearch, the one that needs
        no rebuild: higher finds more of the exact nearest passages in a large archive, a little slower
        (eval/reports/scale/ann-clustered.md)."""
        params = cls(**recorded)
        wanted = os.environ.get("RAG_EF_SEARCH")
        if not wanted:
            return params
        if not wanted.isdigit() or int(wanted) < 1:
            raise RagError(f"RAG_EF_SEARCH={wanted!r} is not a positive whole number; set it to e.g. 256, or unset it")
        return replace(params, ef_search=int(wanted))

    def factory(self, n: int) -> str:
        return self.codec if n <= self.exact_limit else f"HNSW{self.hnsw_m},{self.codec}"

    def as_dict(self) -> dict:
        return asdict(self)


def trained_enough(n: int) -> bool:
    """A quantiser trained on n vectors is kept by later builds (so reused vectors keep their codes)
    only when n is a full training sample: one fitted to a few pages would clip the vectors of an
    archive added later."""
    return n >= TRAIN_SAMPLE


@contextmanager
def build_threads():
    faiss.omp_set_num_threads(BUILD_THREADS)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def _train(index: faiss.Index, vectors: np.ndarray) -> None:
    if not index.is_trained:
        step = max(1, len(vectors) // TRAIN_SAMPLE)
        with build_threads():
            index.train(np.ascontiguousarray(vectors[::step], dtype=np.float32))


def _rows(vectors: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, vectors.shape[-1])


class DenseIndex:
    def __init__(self, index: faiss.Index):
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, params: DenseParams = DenseParams(),
              like: "DenseIndex | None" = None) -> "DenseIndex":
        """An index of these vectors; ``like`` lends its trained quantiser when it has the same kind."""
        factory = params.factory(len(vectors))
        index = like.empty_like(factory) if like is not None and trained_enough(len(like)) else None
        if index is None:
            index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
            if isinstance(index, faiss.IndexHNSW):
                index.hnsw.efConstruction = params.ef_construction
            _train(index, vectors)
        with build_threads():
            for lo in range(0, len(vectors), 100_000):
                index.add(_rows(vectors[lo:lo + 100_000]))
        built = cls(index)
        built.set_search(params)
        return built

    def empty_like(self, factory: str) -> faiss.Index | None:
        """A copy of this index without vectors, keeping its trained quantiser, if it is of that kind."""
        if self.factory != factory:
            return None
        index = faiss.clone_index(self.index)
        index.reset()
        return index

    @property
    def factory(self) -> str:
        return getattr(self, "_factory", "")

    def set_search(self, params: DenseParams) -> None:
        self._factory = params.factory(len(self))
        if isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = params.ef_search

    @property
    def dim(self) -> int:
        return self.index.d

    def __len__(self) -> int:
        return self.index.ntotal

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> dict[int, float]:
        """{passage id: cosine} for the k nearest passages of one query vector (among ``allowed`` ids if given)."""
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return {}
        query = _rows(query)
        if allowed is not None and len(allowed) <= FILTER_EXACT:
            return self._search_among(query[0], allowed, k)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
            params = (faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.index.hnsw.efSearch, k))
                      if isinstance(self.index, faiss.IndexHNSW) else faiss.SearchParameters(sel=selector))
        scores, ids = self.index.search(query, k, params=params)
        return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}

    def _search_among(self, query: np.ndarray, allowed: np.ndarray, k: int) -> dict[int, float]:
        """Exact search among a few allowed ids (a graph walk would miss passages a filter keeps)."""
        ids = np.sort(allowed.astype(np.int64))
        scores = self.vectors(ids) @ query
        top = np.lexsort((ids, -scores))[:k]
        return {int(ids[i]): float(scores[i]) for i in top}

    def vectors(self, ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        return self.index.reconstruct_batch(ids)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, params: DenseParams = DenseParams()) -> "DenseIndex":
        loaded = cls(faiss.read_index(str(path)))
        loaded.set_search(params)
        return loaded


class VectorCodes:
    """Vectors kept as quantised codes in a flat file, decoded on read; never searched."""

    def __init__(self, codec: faiss.Index, codes: np.ndarray, spec: str):
        self.codec, self.codes, self.spec = codec, codes, spec

    @classmethod
    def build(cls, vectors: np.ndarray, spec: str = "SQ8", like: "VectorCodes | None" = None) -> "VectorCodes":
        if like is not None and like.spec == spec and like.dim == vectors.shape[1]:
            codec = like.codec
        else:
            codec = faiss.index_factory(vectors.shape[1], spec, faiss.METRIC_INNER_PRODUCT)
            _train(codec, vectors)
        codes = np.concatenate([codec.sa_encode(_rows(vectors[lo:lo + 100_000]))
                                for lo in range(0, len(vectors), 100_000)] or
                               [np.zeros((0, codec.sa_code_size()), np.uint8)])
        return cls(codec, codes, spec)

    @property
    def dim(self) -> int:
        return self.codec.d

    def __len__(self) -> int:
        return len(self.codes)

    def vectors(self, ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        return self.codec.sa_decode(np.ascontiguousarray(self.codes[ids]))

    def save(self, folder: Path) -> None:
        """``codec.faiss`` (the trained quantiser), ``codes.bin`` (one row per vector), ``codes.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.codec, str(folder / "codec.faiss"))
        if Path(getattr(self.codes, "filename", None) or "") != (folder / "codes.bin").resolve():  # else written already
            self.codes.tofile(folder / "codes.bin")
        (folder / "codes.json").write_text(json.dumps({"spec": self.spec, "rows": len(self.codes),
                                                       "code_size": int(self.codes.shape[1])}))

    @classmethod
    def load(cls, folder: Path) -> "VectorCodes":
        shape = json.loads((folder / "codes.json").read_text())
        codec = faiss.read_index(str(folder / "codec.faiss"))
        rows, size = shape["rows"], shape["code_size"]
        codes = (np.memmap(folder / "codes.bin", dtype=np.uint8, mode="r", shape=(rows, size)) if rows
                 else np.zeros((0, size), np.uint8))
        return cls(codec, codes, shape["spec"])


class CodesWriter:
    """Codes appended to ``codes.bin`` block by block as a build makes them, so an archive's sentence
    codes (gigabytes at a million articles) never sit in memory; ``finish`` maps them back."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.rows = folder, 0
        self.file = open(folder / "codes.bin", "wb")

    def write(self, codes: np.ndarray) -> None:
        self.file.write(np.ascontiguousarray(codes, dtype=np.uint8).tobytes())
        self.rows += len(codes)

    def finish(self, codec: faiss.Index, spec: str) -> VectorCodes:
        self.file.close()
        size = codec.sa_code_size()
        codes = (np.memmap(self.folder / "codes.bin", dtype=np.uint8, mode="r", shape=(self.rows, size)) if self.rows
                 else np.zeros((0, size), np.uint8))
        return VectorCodes(codec, codes, spec)

    def __enter__(self) -> "CodesWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()
