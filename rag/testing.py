"""Test doubles that ship with the package: the deterministic fake encoder behind ``--model fake-N``.

It needs no model and takes milliseconds, so unit tests and the index-machinery benchmarks use it.
"""
from __future__ import annotations

import hashlib
from typing import Callable, Sequence

import numpy as np

from .embed import FAKE_PREFIX, MAX_QUERY_TOKENS
from .text import normalize
from .types import Passage


class FakeEncoder:
    """Deterministic hashed character n-grams: no model, milliseconds, good enough for unit tests."""

    max_query_tokens = MAX_QUERY_TOKENS  # a character is a token

    def __init__(self, dim: int = 64):
        self.name, self.dim, self.fingerprint = f"{FAKE_PREFIX}{dim}", dim, f"{FAKE_PREFIX}{dim}"

    def _vector(self, text: str) -> np.ndarray:
        text = normalize(text)
        vec = np.zeros(self.dim, dtype=np.float32)
        for n in (1, 2):
            for i in range(len(text) - n + 1):
                gram = text[i:i + n]
                if gram.strip():
                    h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=4).digest(), "little")
                    vec[h % self.dim] += 1.0 if n == 2 else 0.3
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def read_query(self, query: str) -> str:
        return query[:self.max_query_tokens]

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        rows = [self._vector(self.read_query(q)) for q in queries]
        return np.stack(rows) if rows else np.zeros((0, self.dim), np.float32)

    def input_text(self, passage: Passage) -> str:
        return passage.title + "\n" + passage.text

    def encode_passages(self, passages: Sequence[Passage], progress: Callable[[int], None] | None = None) -> np.ndarray:
        rows = [self._vector(self.input_text(p)) for p in passages]
        if progress:
            progress(len(rows))
        return np.stack(rows) if rows else np.zeros((0, self.dim), np.float32)
