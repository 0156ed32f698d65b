"""Passage vectors pooled from sentence vectors, so a build encodes each text once.

A build encodes every sentence anyway (answers quote sentences), and a passage is made of sentences:
encoding the passage again was 44% of a build's tokens on the seeds. A passage's vector is instead
the mean of its sentences' vectors, each weighted by the characters it covers in the passage (the
model itself pools a text by averaging its tokens), normalised. Search finds candidates with these
vectors and scores them by their best sentence (rag/retriever.py), which is what keeps recall@1.
A passage that holds no whole sentence (a cut inside one long sentence) is encoded as before.
``rag index build --passage-vectors encoded`` encodes every passage: builds cost 1.74x more on the
seeds, and the top passage is right more often (recall@1 0.925 against 0.908 on the seeds' sets).

Passages and sentences are rows (article, start, end) of the text store; both are pooled block by
block as the sentence vectors come, never all in memory.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

Spans = tuple[np.ndarray, np.ndarray, np.ndarray]  # (article, start, end) per row, in id order


@dataclass
class Shares:
    """Which sentences make up each pooled passage, and with what weight; entries sorted by sentence."""

    passages: np.ndarray  # passage id of each entry
    sentences: np.ndarray  # sentence id of each entry (ascending)
    weights: np.ndarray  # share of the passage's covered characters that this sentence gives
    pooled: np.ndarray  # per passage: True when it holds a whole sentence, so its vector is pooled

    @classmethod
    def none(cls, passages: int) -> "Shares":
        """No passage pooled: every passage encoded (``--passage-vectors encoded``)."""
        empty = np.zeros(0, np.int64)
        return cls(empty, empty, np.zeros(0, np.float32), np.zeros(passages, bool))

    @property
    def encoded(self) -> np.ndarray:
        """Ids of the passages that are encoded, not pooled."""
        return np.flatnonzero(~self.pooled)


def _overlap_bounds(passages: Spans, sentences: Spans) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, first, past): the sentences sorted by (article, start), and for each passage the
    positions in that order of the first sentence that ends after it starts and of the first that
    starts at or after its end; the ones between overlap it."""
    p_article, p_start, p_end = passages
    s_article, s_start, s_end = sentences
    at_start = (s_article << 32) | s_start  # one sortable key: article, then offset
    order = np.argsort(at_start, kind="stable")
    starts = at_start[order]
    # Running maximum: searchable even if two sentences were to overlap.
    ends = np.maximum.accumulate(((s_article << 32) | s_end)[order]) if len(order) else starts
    first = np.searchsorted(ends, (p_article << 32) | p_start, side="right")
    past = np.searchsorted(starts, (p_article << 32) | p_end, side="left")
    return order, first, past


def sentence_ranges(passages: Spans, sentences: Spans) -> np.ndarray | None:
    """(first, past) sentence ids per passage: its sentences are ids first..past-1 (none when equal).
    Search reads them to score a passage by its best sentence without querying the store. None when
    the sentence ids do not follow (article, start) order, so a passage's sentences need not be a run."""
    order, first, past = _overlap_bounds(passages, sentences)
    if not np.array_equal(order, np.arange(len(order))):
        return None
    return np.stack([first, np.maximum(past, first)], axis=1).astype(np.int64)


def sentence_shares(passages: Spans, sentences: Spans) -> Shares:
    """The sentences overlapping each passage (same article, overlapping offsets) and their shares."""
    p_article, p_start, p_end = passages
    s_article, s_start, s_end = sentences
    n = len(p_article)
    order, first, past = _overlap_bounds(passages, sentences)
    counts = np.maximum(past - first, 0)
    rows = np.repeat(np.arange(n), counts)
    cols = order[first[rows] + np.arange(len(rows)) - (np.cumsum(counts) - counts)[rows]]
    overlap = np.minimum(p_end[rows], s_end[cols]) - np.maximum(p_start[rows], s_start[cols])
    keep = (overlap > 0) & (s_article[cols] == p_article[rows])
    rows, cols, overlap = rows[keep], cols[keep], overlap[keep]
    whole = (s_start[cols] >= p_start[rows]) & (s_end[cols] <= p_end[rows])
    pooled = np.bincount(rows[whole], minlength=n) > 0
    covered = np.bincount(rows, weights=overlap, minlength=n)
    keep = pooled[rows]
    rows, cols, overlap = rows[keep], cols[keep], overlap[keep]
    by_sentence = np.argsort(cols, kind="stable")
    weights = (overlap / covered[rows]).astype(np.float32)
    return Shares(rows[by_sentence], cols[by_sentence], weights[by_sentence], pooled)


class PassagePooler:
    """Adds each block of sentence vectors into the vectors of the passages they make up (``out``,
    float16, one row per passage); ``finish`` normalises the pooled rows."""

    def __init__(self, shares: Shares, out: np.ndarray):
        self.shares, self.out = shares, out

    def add(self, first: int, vectors: np.ndarray) -> None:
        """Pool the vectors of sentences first..first+len(vectors)."""
        s = self.shares
        lo, hi = np.searchsorted(s.sentences, [first, first + len(vectors)])
        if lo == hi:
            return
        rows, cols, weights = s.passages[lo:hi], s.sentences[lo:hi] - first, s.weights[lo:hi]
        base = int(rows.min())
        block = csr_matrix((weights, (rows - base, cols)), shape=(int(rows.max()) - base + 1, len(vectors)))
        summed = np.asarray(block @ vectors.astype(np.float32))
        touched = np.unique(rows)
        # A passage straddling two blocks gets its two partial sums added.
        self.out[touched] = (self.out[touched].astype(np.float32) + summed[touched - base]).astype(self.out.dtype)

    def finish(self, rows: int = 65_536) -> None:
        pooled = np.flatnonzero(self.shares.pooled)
        for lo in range(0, len(pooled), rows):
            ids = pooled[lo:lo + rows]
            block = self.out[ids].astype(np.float32)
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            self.out[ids] = (block / np.maximum(norms, 1e-12)).astype(self.out.dtype)
