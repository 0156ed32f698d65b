"""Micro-batching of query encodings: questions asked at the same moment share one model call.

On a CPU a transformer call has a large fixed cost, and calls made at once from several threads
fight over the same cores; one call for eight short questions costs little more than one for a
single question. ``BatchingEncoder`` wraps an encoder: a thread that finds the model idle encodes
every question waiting at that moment in one call, and the others wait for their rows. Nothing is
delayed on purpose: a lone question is encoded at once, and under load a batch forms while the
previous one runs. Passages (index builds) go straight to the wrapped encoder.
"""
from __future__ import annotations

import threading
from typing import Callable, Sequence

import numpy as np

from .embed import Encoder
from .types import Passage

MAX_BATCH = 32  # questions in one model call; more wait for the next call


class _Request:
    def __init__(self, queries: list[str]):
        self.queries, self.vectors, self.error = queries, None, None

    @property
    def done(self) -> bool:
        return self.vectors is not None or self.error is not None


class BatchingEncoder:
    """An Encoder whose concurrent ``encode_queries`` calls are merged into few model calls. The int8
    query model still runs the queries of a merged call one by one (rag/query_int8.py), so with it the
    merging saves the waiting, not the compute."""

    def __init__(self, encoder: Encoder, max_batch: int = MAX_BATCH):
        self.inner, self.max_batch = encoder, max_batch
        self.name, self.dim, self.fingerprint = encoder.name, encoder.dim, encoder.fingerprint
        self.query_encoder = getattr(encoder, "query_encoder", "float")
        self._waiting: list[_Request] = []
        self._busy = False
        self._cond = threading.Condition()
        self.calls = 0  # model calls made, for tests and benchmarks

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        request = _Request(list(queries))
        with self._cond:
            self._waiting.append(request)
            while not request.done:
                if self._busy:
                    self._cond.wait()
                    continue
                batch = self._take_batch()
                self._busy = True
                self._cond.release()
                try:
                    self._encode(batch)
                finally:
                    self._cond.acquire()
                    self._busy = False
                    self._cond.notify_all()
        if request.error is not None:
            raise request.error
        return request.vectors

    def _take_batch(self) -> list[_Request]:
        """The oldest waiting requests, up to max_batch questions (always at least one request)."""
        batch, size = [], 0
        while self._waiting and (not batch or size + len(self._waiting[0].queries) <= self.max_batch):
            request = self._waiting.pop(0)
            batch.append(request)
            size += len(request.queries)
        return batch

    def _encode(self, batch: list[_Request]) -> None:
        """One model call for the batch; each request gets its rows, or the call's error."""
        self.calls += 1
        queries = [q for r in batch for q in r.queries]
        try:
            vectors = self.inner.encode_queries(queries) if queries else np.zeros((0, self.dim), np.float32)
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting caller
            for r in batch:
                r.error = exc
            return
        start = 0
        for r in batch:
            r.vectors, start = vectors[start:start + len(r.queries)], start + len(r.queries)

    def read_query(self, query: str) -> str:
        return self.inner.read_query(query)

    def input_text(self, passage: Passage) -> str:
        return self.inner.input_text(passage)

    def encode_passages(self, passages: Sequence[Passage], progress: Callable[[int], None] | None = None) -> np.ndarray:
        return self.inner.encode_passages(passages, progress)
