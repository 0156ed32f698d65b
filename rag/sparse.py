"""BM25 keyword index over jieba tokens; nothing else imports bm25s."""
from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from .text import tokenize


class SparseIndex:
    def __init__(self, bm25: bm25s.BM25):
        self.bm25 = bm25
        self.vocab = bm25.vocab_dict

    @classmethod
    def build(cls, texts: list[str]) -> "SparseIndex":
        bm25 = bm25s.BM25()
        bm25.index([tokenize(t) or [""] for t in texts], show_progress=False)
        return cls(bm25)

    def coverage(self, tokens: list[str]) -> float:
        """Share of query tokens the corpus knows: 0 means keyword search has nothing to say."""
        return sum(t in self.vocab for t in tokens) / len(tokens) if tokens else 0.0

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> tuple[dict[int, float], float]:
        """({passage id: BM25 score > 0} for the top k, among passages where ``mask`` is True if given;
        query token coverage)."""
        tokens = tokenize(query)
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return {}, 0.0
        scores = self.bm25.get_scores(known)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}, self.coverage(tokens)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "SparseIndex":
        return cls(bm25s.BM25.load(str(folder), show_progress=False, mmap=False))
