"""Test doubles that ship with the package: the deterministic fake encoder behind ``--model fake-N``.

It needs no model and encodes a batch in one pass of numpy, so unit tests and the index-machinery
benchmarks (eval/bench_scale.py) use it: a million articles time the index, not the encoder.
"""
from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .embed import FAKE_PREFIX, MAX_QUERY_TOKENS
from .text import normalize
from .types import Passage

_UNIGRAM_WEIGHT, _BIGRAM_WEIGHT = 0.3, 1.0
_MIX_A, _MIX_B = np.uint64(0x9E3779B1), np.uint64(0x85EBCA6B)  # odd multipliers spread code points


class FakeEncoder:
    """Deterministic hashed character uni- and bigrams: no model, good enough for unit tests."""

    max_query_tokens = MAX_QUERY_TOKENS  # a character is a token
    query_encoder = "float"  # queries and passages alike

    def __init__(self, dim: int = 64):
        self.name, self.dim, self.fingerprint = f"{FAKE_PREFIX}{dim}", dim, f"{FAKE_PREFIX}{dim}"

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit rows, one per text, hashed a batch at a time in one vectorised pass each."""
        batches = [self._batch(texts[lo:lo + 1024]) for lo in range(0, len(texts), 1024)]
        return np.concatenate(batches) if batches else np.zeros((0, self.dim), dtype=np.float32)

    def _batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        normalized = [normalize(t) for t in texts]
        codes = np.frombuffer("".join(normalized).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lengths = np.fromiter((len(t) for t in normalized), dtype=np.int64, count=len(texts))
        row = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        solid = ~np.isin(codes, _WHITESPACE)
        self._add(out, row[solid], (codes[solid] * _MIX_A) >> np.uint64(7), _UNIGRAM_WEIGHT)
        # A bigram stays inside one text and is kept unless both its characters are blank.
        same = row[1:] == row[:-1]
        keep = same & (solid[1:] | solid[:-1])
        mixed = (codes[:-1][keep] * _MIX_A) ^ (codes[1:][keep] * _MIX_B)
        self._add(out, row[1:][keep], mixed >> np.uint64(5), _BIGRAM_WEIGHT)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)

    def _add(self, out: np.ndarray, rows: np.ndarray, hashes: np.ndarray, weight: float) -> None:
        cells = rows * self.dim + (hashes % np.uint64(self.dim)).astype(np.int64)
        out += weight * np.bincount(cells, minlength=out.size).reshape(out.shape).astype(np.float32)

    def read_query(self, query: str) -> str:
        return query[:self.max_query_tokens]

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        return self.vectors([self.read_query(q) for q in queries])

    def input_text(self, passage: Passage) -> str:
        return passage.title + "\n" + passage.text

    def encode_passages(self, passages: Sequence[Passage], progress: Callable[[int], None] | None = None) -> np.ndarray:
        rows = self.vectors([self.input_text(p) for p in passages])
        if progress:
            progress(len(rows))
        return rows


_WHITESPACE = np.array([ord(c) for c in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003"
                        "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"], dtype=np.uint64)


def sentence_store(sentences: Sequence[Passage], vectors: np.ndarray, folder: Path | None = None,
                   text: str | None = None):
    """An answer.SentenceStore over hand-made sentences (file order) with exact vectors, for tests;
    with the file's ``text`` (one file), the store keeps the whitespace between them as a build does."""
    from .answer import SentenceStore
    from .chunking import whitespace_gaps
    from .dense import VectorCodes
    from .store import StoreWriter, TextStore

    path = Path(folder or tempfile.mkdtemp(prefix="rag-sentences-")) / "store.sqlite"
    writer = StoreWriter(path)
    for source in dict.fromkeys(s.source for s in sentences):
        in_file = [s for s in sentences if s.source == source]
        for _title, article in itertools.groupby(in_file, key=lambda s: s.title):  # a run under one title
            article = list(article)
            writer.add_article(source, [], article, None if text is None else whitespace_gaps(article, text))
    writer.close()
    store = TextStore(path)
    return SentenceStore(store.sentences, VectorCodes.build(np.asarray(vectors, np.float32), "Flat"), store)
