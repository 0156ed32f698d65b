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
COMMON_POSTINGS = 20_000  # a word in more passages than this (and than 2% of them) is read only if it must be
Lookup = Callable[[list[str]], dict[str, int]]  # {token: column} for the tokens the index knows


def count_tokens(tokens: list[str], vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray, int]:
    """(distinct ids, their counts, length) of one passage's tokens, ids from ``vocab`` (grown as needed)."""
    tokens = tokens or [""]  # an empty passage still has a length, as in bm25s
    ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokens), dtype=np.int32, count=len(tokens))
    unique, counts = np.unique(ids, return_counts=True)
    return unique.astype(np.int32), counts.astype(np.float32), len(tokens)


class SparseBuilder:
    """Collects each passage's token counts as a build reads it; ``finish`` computes the scores.

    Counts are kept in flat arrays grown a file at a time, not one small array per passage: at millions
    of passages the per-object overhead would outweigh the counts."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        self._tokens: list[np.ndarray] = []  # per file: the distinct token ids of its passages, concatenated
        self._counts: list[np.ndarray] = []
        self._per_passage: list[np.ndarray] = []  # per file: how many distinct tokens each passage has
        self._lengths: list[np.ndarray] = []  # per file: each passage's length in tokens

    def add(self, text: str) -> None:
        self.add_tokens(tokenize(text))

    def add_tokens(self, tokens: list[str]) -> None:
        """One passage, already tokenised."""
        vocab: dict[str, int] = {}
        ids, counts, length = count_tokens(tokens, vocab)
        self.add_file(list(vocab), [ids], [counts], [length])

    def add_file(self, vocab: list[str], token_ids: list[np.ndarray], counts: list[np.ndarray], lengths: list[int]) -> None:
        """Passages counted against their own small vocabulary (a file's): each distinct token is looked up once."""
        if not lengths:
            return
        to_global = np.fromiter((self.vocab.setdefault(t, len(self.vocab)) for t in vocab), dtype=np.int32, count=len(vocab))
        self._tokens.append(to_global[np.concatenate(token_ids)])
        self._counts.append(np.concatenate(counts).astype(np.float32))
        self._per_passage.append(np.fromiter((len(t) for t in token_ids), dtype=np.int64, count=len(token_ids)))
        self._lengths.append(np.asarray(lengths, dtype=np.float32))

    def finish(self) -> "SparseIndex":
        from scipy.sparse import csr_matrix

        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.float32)
        n_docs, n_vocab = len(lengths), len(self.vocab)
        per_doc = np.concatenate(self._per_passage) if n_docs else np.zeros(0, np.int64)
        tokens = np.concatenate(self._tokens) if n_docs else np.zeros(0, np.int32)
        tf = np.concatenate(self._counts) if n_docs else np.zeros(0, np.float32)
        self._tokens, self._counts = [], []
        docs = np.repeat(np.arange(n_docs, dtype=np.int32), per_doc)
        df = np.bincount(tokens, minlength=n_vocab).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = K1 * ((1 - B) + B * lengths / max(lengths.mean() if n_docs else 1.0, 1e-9))
        scores = (idf[tokens] * tf / (norm[docs] + tf)).astype(np.float32)
        del docs, tf
        # Token-major, passages in id order within a token: the CSR (passage x token) to CSC conversion
        # is a counting sort, linear in the postings, where an argsort of them was n log n and twice the memory.
        indptr_docs = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(per_doc, out=indptr_docs[1:])
        by_token = csr_matrix((scores, tokens, indptr_docs), shape=(n_docs, n_vocab)).tocsc()
        return SparseIndex(by_token.indptr.astype(np.int64), by_token.indices.astype(np.int32),
                           by_token.data.astype(np.float32), n_docs, VocabLookup(dict(self.vocab)))


class SparseIndex:
    def __init__(self, indptr: np.ndarray, docs: np.ndarray, scores: np.ndarray, n_docs: int, lookup: Lookup):
        self.indptr, self.docs, self.scores, self.n_docs, self.lookup = indptr, docs, scores, n_docs, lookup
        self._max_scores: dict[int, float] = {}  # column -> its highest score, filled as queries need them

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
        found = self._top_by_rare_tokens(tokens, known, k, mask)
        ids, scores = found if found is not None else self._kept(*self.matching(tokens, known), mask)
        return {int(ids[i]): float(scores[i]) for i in top_k(scores, k)}, self.coverage(tokens, known)

    @staticmethod
    def _kept(ids: np.ndarray, scores: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        keep = scores > 0
        if mask is not None:
            keep &= mask[ids]
        return ids[keep], scores[keep]

    def _top_by_rare_tokens(self, tokens: list[str], known: dict[str, int], k: int,
                            mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
        """The exact top k without reading the postings of common words (的, 在, 发展: millions of
        passages in an archive), or None when that cannot be proven (MaxScore).

        Candidates are the passages holding a rarer query word. A passage holding only common words
        scores at most the sum of their highest scores; if even that stays below the k-th candidate's
        partial score, no such passage can enter the top k, and the candidates' common-word scores
        are looked up by binary search in those words' postings (sorted by passage id)."""
        weight = {t: tokens.count(t) for t in known}  # a repeated word counts again, as in bm25s
        spans = {t: (int(self.indptr[known[t]]), int(self.indptr[known[t] + 1])) for t in weight}
        common = {t for t, (lo, hi) in spans.items() if hi - lo > max(COMMON_POSTINGS, self.n_docs // 50)}
        if not common or len(common) == len(spans):
            return None
        rare = [t for t in tokens if t in known and t not in common]
        ids, scores = self._kept(*self.matching(rare, known), mask)
        if len(ids) < k:
            return None
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        if sum(weight[t] * self._max_score(known[t], *spans[t]) for t in common) >= threshold:
            return None
        for t in common:
            lo, hi = spans[t]
            at = lo + np.searchsorted(self.docs[lo:hi], ids)
            inside = at < hi
            hit = np.zeros(len(ids), dtype=bool)
            hit[inside] = self.docs[at[inside]] == ids[inside]
            scores[hit] += weight[t] * self.scores[at[hit]]
        return ids, scores

    def _max_score(self, column: int, lo: int, hi: int) -> float:
        """A word's highest BM25 over all passages, read once per word and kept."""
        if column not in self._max_scores:
            self._max_scores[column] = float(self.scores[lo:hi].max())
        return self._max_scores[column]

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
