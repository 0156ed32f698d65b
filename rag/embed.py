"""Encoders: the Encoder protocol, the sentence-transformers encoder, and how to load one by name.

Every encoder returns float32 rows of unit length, so inner product is cosine.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, Protocol, Sequence

import numpy as np

from . import models
from .errors import RagError
from .text import clean_for_embedding
from .types import Passage

# Tokens of a query the model reads, its prompt and special tokens included; the rest is cut by the
# model's own tokenizer. The QA sets' questions run to 56 tokens; 256 (~325 Chinese characters) leaves
# room for long ones and keeps a 100,000-character query near 130 ms (README, eval/sweep_query_limits.py).
MAX_QUERY_TOKENS = 256


FAKE_PREFIX = "fake-"


class Encoder(Protocol):
    name: str
    dim: int
    fingerprint: str  # identifies the exact weights; stored in index manifests

    def read_query(self, query: str) -> str: ...  # the prefix of query that encode_queries embeds

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray: ...  # each cut to what read_query reads

    def input_text(self, passage: Passage) -> str: ...  # exactly what encode_passages embeds; keys reused vectors

    def encode_passages(self, passages: Sequence[Passage], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


def passage_input(passage: Passage, template: str) -> str:
    """The text a model sees for a passage: its article title as context, column breaks joined."""
    title = passage.title or "none"
    return template.format(title=title) + clean_for_embedding(passage.text)


def cpu_has_bf16() -> bool:
    """True on CPUs with native bfloat16 dot products (AVX512-BF16 or AMX)."""
    try:
        flags = open("/proc/cpuinfo", encoding="ascii", errors="ignore").read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def compute_dtype():
    """bfloat16 where the CPU computes it natively (faster query encoding at cosine >= 0.998 to float32
    vectors, see the README). RAG_DTYPE=float32 forces full precision."""
    import torch

    wanted = os.environ.get("RAG_DTYPE") or ("bfloat16" if cpu_has_bf16() else "float32")
    return {"bfloat16": torch.bfloat16, "float32": torch.float32}[wanted]


class SentenceTransformerEncoder:
    """A cached, verified model from the registry, run on the CPU with the hub switched off."""

    batch_size = 16
    max_query_tokens = MAX_QUERY_TOKENS

    def __init__(self, name: str = models.DEFAULT_MODEL):
        spec = models.get_spec(name)
        folder = models.model_dir(name)
        self.fingerprint = models.model_fingerprint(name)  # raises ModelError if absent or truncated
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading bars in the CLI
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(folder), device="cpu", local_files_only=True,
                                         model_kwargs={"torch_dtype": compute_dtype()})
        self.name, self.dim, self.spec = name, spec.dim, spec
        # The fast tokenizer keeps its padding and truncation settings as shared state: a call from
        # another thread between setting and using them breaks a batch ("expected sequence of length").
        self._tokenizer_lock = threading.Lock()

    def _encode(self, texts: list[str], **kwargs) -> np.ndarray:
        with self._tokenizer_lock:
            vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False, **kwargs)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _query_truncation(self) -> dict:
        return {"truncation": True, "max_length": self.max_query_tokens}

    def read_query(self, query: str) -> str:
        """The prefix of the query the model reads: the tokenizer's own cut of prompt + query at
        max_query_tokens tokens, mapped back to characters through its offsets."""
        prompt = self.spec.query_prompt
        with self._tokenizer_lock:
            enc = self.model.tokenizer(prompt + query, return_offsets_mapping=True, **self._query_truncation())
        if not enc.encodings[0].overflowing:
            return query
        end = max(stop for _, stop in enc["offset_mapping"])
        return query[:max(0, end - len(prompt))]

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        """The prompt kept and at most max_query_tokens tokens of each, cut by the model's tokenizer."""
        return self._encode([self.spec.query_prompt + q for q in queries],
                            processing_kwargs={"text": self._query_truncation()})

    def input_text(self, passage: Passage) -> str:
        return passage_input(passage, self.spec.document_prompt)

    def encode_passages(self, passages: Sequence[Passage], progress: Callable[[int], None] | None = None) -> np.ndarray:
        inputs = [self.input_text(p) for p in passages]
        # Longest first so each batch pads little; results are put back in order.
        order = sorted(range(len(inputs)), key=lambda i: -len(inputs[i]))
        out = np.zeros((len(inputs), self.dim), dtype=np.float32)
        for lo in range(0, len(order), self.batch_size):
            batch = order[lo:lo + self.batch_size]
            out[batch] = self._encode([inputs[i] for i in batch])
            if progress:
                progress(len(batch))
        return out


def load_encoder(name: str) -> Encoder:
    """The encoder for a model name; "fake-N" gives the test encoder (rag.testing)."""
    if is_fake(name):
        from .testing import FakeEncoder

        return FakeEncoder(int(name.split("-", 1)[1]))
    return SentenceTransformerEncoder(name)


def prepare_encoder(name: str, log: Callable[[str], None]) -> Encoder:
    """The encoder for a model name, fetching and verifying the model into the cache first if needed."""
    if not is_fake(name):
        models.ensure_model(name, log=log)
    return load_encoder(name)


def expected_fingerprint(name: str) -> str | None:
    """The fingerprint an index built now with this model would record; None when the model is not cached."""
    if is_fake(name):
        return name
    try:
        return models.model_fingerprint(name)
    except RagError:
        return None


def is_fake(name: str) -> bool:
    """"fake-N": the deterministic test encoder with N dimensions, for timing the index machinery."""
    return name.startswith(FAKE_PREFIX)
