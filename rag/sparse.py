"""BM25 keyword index over jieba tokens.

Scores are bm25s's "lucene" BM25 (k1 1.5, b 0.75), precomputed per (token, passage) and stored
token-major in three flat arrays that are memory-mapped, not loaded: a query adds up one slice per
query token. The vocabulary (token -> column) lives in the text store, so loading reads nothing.
tests/test_sparse.py checks the scores against bm25s itself.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .text import tokenize

K1, B = 1.5, 0.75
PARTS = ("indptr", "docs", "scores")
# np.load parses .npy headers with ast.literal_eval, which CPython 3.11 can break when threads run it
# at once ("AST constructor recursion depth mismatch"): loads that may run side by side take turns.
NPY_HEADER_LOCK = threading.Lock()
Lookup = Callable[[list[str]], dict[str, int]]  # {token: column} for the tokens the index knows


class SparseBuilder:
    """Collects each passage's tokens as it is built; ``finish`` computes the scores."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        self._tokens: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._lengths: list[int] = []

    def add(self, text: str) -> None:
        self.add_tokens(tokenize(text))

    def add_tokens(self, tokens: list[str]) -> None:
        """A passage already tokenised (the Ray build tokenises on its workers)."""
        tokens = tokens or [""]  # an empty passage still has a length, as in bm25s
        ids = np.fromiter((self.vocab.setdefault(t, len(self.vocab)) for t in tokens), dtype=np.int32)
        unique, counts = np.unique(ids, return_counts=True)
        self._tokens.append(unique.astype(np.int32))
        self._counts.append(counts.astype(np.float32))
        self._lengths.append(len(tokens))

    def finish(self) -> "SparseIndex":
        n_docs, n_vocab = len(self._lengths), len(self.vocab)
        lengths = np.asarray(self._lengths, dtype=np.float32)
        per_doc = np.fromiter((len(t) for t in self._tokens), dtype=np.int64, count=n_docs)
        tokens = np.concatenate(self._tokens) if n_docs else np.zeros(0, np.int32)
        tf = np.concatenate(self._counts) if n_docs else np.zeros(0, np.float32)
        docs = np.repeat(np.arange(n_docs, dtype=np.int32), per_doc)
        df = np.bincount(tokens, minlength=n_vocab).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = K1 * ((1 - B) + B * lengths / max(lengths.mean() if n_docs else 1.0, 1e-9))
        scores = (idf[tokens] * tf / (norm[docs] + tf)).astype(np.float32)
        order = np.argsort(tokens, kind="stable")  # token-major; passages stay in id order within a token
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=indptr[1:])
        return SparseIndex(indptr, docs[order], scores[order], n_docs, VocabLookup(dict(self.vocab)))


class SparseIndex:
    def __init__(self, indptr: np.ndarray, docs: np.ndarray, scores: np.ndarray, n_docs: int, lookup: Lookup):
        self.indptr, self.docs, self.scores, self.n_docs, self.lookup = indptr, docs, scores, n_docs, lookup

    @classmethod
    def build(cls, texts: Iterable[str]) -> "SparseIndex":
        builder = SparseBuilder()
        for text in texts:
            builder.add(text)
        return builder.finish()

    def coverage(self, tokens: list[str], known: dict[str, int] | None = None) -> float:
        """Share of query tokens the corpus knows: 0 means keyword search has nothing to say."""
        known = self.lookup(tokens) if known is None else known
        return sum(t in known for t in tokens) / len(tokens) if tokens else 0.0

    def get_scores(self, tokens: list[str], known: dict[str, int]) -> np.ndarray:
        """BM25 of every passage for these query tokens (a repeated token counts again, as in bm25s)."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        for lo, hi in self._postings(tokens, known):
            scores[self.docs[lo:hi]] += self.scores[lo:hi]
        return scores

    def _postings(self, tokens: list[str], known: dict[str, int]) -> list[tuple[int, int]]:
        return [(int(self.indptr[known[t]]), int(self.indptr[known[t] + 1])) for t in tokens if t in known]

    def matching(self, tokens: list[str], known: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids in order, their BM25) of the passages holding a query token: touches only the
        query tokens' postings, not an array of every passage, unless they cover much of the index."""
        postings = self._postings(tokens, known)
        if sum(hi - lo for lo, hi in postings) > self.n_docs // 8:
            scores = self.get_scores(tokens, known)
            ids = np.flatnonzero(scores > 0)
            return ids, scores[ids]
        docs = np.concatenate([self.docs[lo:hi] for lo, hi in postings])
        weights = np.concatenate([self.scores[lo:hi] for lo, hi in postings]).astype(np.float64)
        ids, where = np.unique(docs, return_inverse=True)
        return ids.astype(np.int64), np.bincount(where, weights=weights, minlength=len(ids))

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> tuple[dict[int, float], float]:
        """({passage id: BM25 score > 0} for the top k, among passages where ``mask`` is True if given;
        query token coverage)."""
        tokens = tokenize(query)
        known = self.lookup(tokens)
        if not known:
            return {}, 0.0
        ids, scores = self.matching(tokens, known)
        keep = scores > 0
        if mask is not None:
            keep &= mask[ids]
        ids, scores = ids[keep], scores[keep]
        return {int(ids[i]): float(scores[i]) for i in top_k(scores, k)}, self.coverage(tokens, known)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in PARTS:
            np.save(folder / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path, n_docs: int, lookup: Lookup) -> "SparseIndex":
        with NPY_HEADER_LOCK:
            indptr, docs, scores = (np.load(folder / f"{name}.npy", mmap_mode="r") for name in PARTS)
        if not (indptr.ndim == docs.ndim == scores.ndim == 1 and len(indptr) and indptr[0] == 0
                and indptr[-1] == len(docs) == len(scores)):
            raise ValueError(f"keyword index arrays in {folder} disagree")
        return cls(indptr, docs, scores, n_docs, lookup)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Ids of the k highest scores, best first, ties by lower id (what a stable sort gives)."""
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]
    above = np.flatnonzero(scores > kth)
    chosen = np.concatenate([above, np.flatnonzero(scores == kth)[:k - len(above)]])
    return chosen[np.lexsort((chosen, -scores[chosen]))]


class VocabLookup:
    """The vocabulary of a freshly built index, in memory until the store takes it."""

    def __init__(self, vocab: dict[str, int]):
        self.vocab = vocab

    def __call__(self, tokens: list[str]) -> dict[str, int]:
        return {t: self.vocab[t] for t in tokens if t in self.vocab}
