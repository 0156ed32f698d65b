"""FAISS vector store; nothing else imports faiss.

Exact inner product (IndexFlatIP) on unit vectors: cosine, higher is better.
"""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class DenseIndex:
    def __init__(self, index: faiss.Index):
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> "DenseIndex":
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

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
        params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=params)
        return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}

    def vectors(self, ids: list[int]) -> np.ndarray:
        return np.stack([self.index.reconstruct(i) for i in ids]) if ids else np.zeros((0, self.dim), np.float32)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        return cls(faiss.read_index(str(path)))
