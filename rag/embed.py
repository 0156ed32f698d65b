"""Encoders: the Encoder protocol, the real-model backends, and how to load one by name.

Backends (RAG_BACKEND): "torch" (sentence-transformers; CPU or GPU) and "openvino" (the model's
OpenVINO export, CPU; rag/openvino_encoder.py). "auto" (default) takes OpenVINO on the CPU for the
measured model and torch elsewhere. Both read the same tokens and give vectors within cosine 0.998 of
each other (README), so they share the model's fingerprint and an index serves queries from either.

With the OpenVINO backend on a CPU without native bfloat16, queries are embedded by the model's int8
export (rag/query_int8.py, RAG_QUERY_ENCODER): about half the float32 query time, at cosine 0.996.

Every encoder returns float32 rows of unit length, so inner product is cosine.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Callable, Protocol, Sequence

import numpy as np

from . import models
from .errors import RagError
from .text import clean_for_embedding
from .types import Passage
from .util import cpu_has_bf16

# Tokens of a query the model reads, its prompt and special tokens included; the rest is cut by the
# model's own tokenizer. The QA sets' questions run to 56 tokens; 256 (~325 Chinese characters) leaves
# room for long ones and keeps a 100,000-character query near 130 ms (README, eval/sweep_query_limits.py).
MAX_QUERY_TOKENS = 256


FAKE_PREFIX = "fake-"


class Encoder(Protocol):
    name: str
    dim: int
    fingerprint: str  # identifies the exact weights; stored in index manifests
    query_encoder: str  # what embeds queries: "int8" or "float" (resolve_query_encoder)

    def read_query(self, query: str) -> str: ...  # the prefix of query that encode_queries embeds

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray: ...  # each cut to what read_query reads

    def input_text(self, passage: Passage) -> str: ...  # exactly what encode_passages embeds; keys reused vectors

    def encode_passages(self, passages: Sequence[Passage], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


def passage_input(passage: Passage, template: str) -> str:
    """The text a model sees for a passage: its article title as context, column breaks joined."""
    title = passage.title or "none"
    return template.format(title=title) + clean_for_embedding(passage.text)


def compute_dtype():
    """bfloat16 where the CPU computes it natively (faster query encoding at cosine >= 0.998 to float32
    vectors, see the README). RAG_DTYPE=float32 forces full precision."""
    import torch

    wanted = os.environ.get("RAG_DTYPE") or ("bfloat16" if cpu_has_bf16() else "float32")
    return {"bfloat16": torch.bfloat16, "float32": torch.float32}[wanted]


BACKENDS = ("torch", "openvino")
# Models whose OpenVINO export has been measured against torch (README, eval/bench_embed.py).
OPENVINO_MODELS = frozenset({models.GEMMA.name})


def resolve_device(device: str | None = None) -> str:
    """"auto" (default, or RAG_DEVICE) -> "cuda" when torch sees a GPU, else "cpu"; "cpu"/"cuda[:N]" as given."""
    device = (device or os.environ.get("RAG_DEVICE") or "auto").strip().lower()
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return device
    if device == "cuda" or device.startswith("cuda:"):
        import torch

        if not torch.cuda.is_available():
            raise RagError(f"--device {device}: torch sees no GPU here; use --device cpu or auto")
        return device
    raise RagError(f"unknown device {device!r}; use auto, cpu or cuda[:N]")


def openvino_available() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_backend(name: str, device: str, backend: str | None = None) -> str:
    """The backend that runs a model: RAG_BACKEND (or ``backend``) = torch | openvino | auto (default).

    auto: OpenVINO for a measured model on the CPU when it is installed, torch otherwise (GPUs, e5).
    """
    backend = (backend or os.environ.get("RAG_BACKEND") or "auto").strip().lower()
    if backend not in (*BACKENDS, "auto"):
        raise RagError(f"unknown backend {backend!r} (RAG_BACKEND); use auto, {' or '.join(BACKENDS)}")
    if backend == "openvino" and device != "cpu":
        raise RagError(f"the openvino backend runs on the CPU only, not {device}; use RAG_BACKEND=torch for a GPU")
    if backend == "openvino" and not openvino_available():
        raise RagError("RAG_BACKEND=openvino but openvino is not installed; run `make install` or use RAG_BACKEND=torch")
    if backend != "auto":
        return backend
    if device == "cpu" and name in OPENVINO_MODELS and openvino_available():
        return "openvino"
    return "torch"


QUERY_ENCODERS = ("int8", "float")


def resolve_query_encoder(backend: str, setting: str | None = None) -> str:
    """What embeds queries: RAG_QUERY_ENCODER (or ``setting``) = int8 | float | auto (default).

    int8: the model's int8 ONNX export (rag/query_int8.py), for the CPU backend only. float: the
    passage encoder itself. auto: int8 with the OpenVINO backend on a CPU without native bfloat16 (where
    it was measured: half the float32 query time), when ONNX Runtime is installed; float elsewhere.
    """
    from .query_int8 import onnx_runtime_available

    setting = (setting or os.environ.get("RAG_QUERY_ENCODER") or "auto").strip().lower()
    if setting not in (*QUERY_ENCODERS, "auto"):
        raise RagError(f"unknown query encoder {setting!r} (RAG_QUERY_ENCODER); use auto, int8 or float")
    if setting == "int8" and backend != "openvino":
        raise RagError(f"RAG_QUERY_ENCODER=int8 runs with the openvino backend on the CPU, not {backend}; "
                       f"use RAG_QUERY_ENCODER=float")
    if setting == "int8" and not onnx_runtime_available():
        raise RagError("RAG_QUERY_ENCODER=int8 but onnxruntime is not installed; run `make install` "
                       "or use RAG_QUERY_ENCODER=float")
    if setting != "auto":
        return setting
    return "int8" if backend == "openvino" and not cpu_has_bf16() and onnx_runtime_available() else "float"


def query_encoder_for(name: str, device: str | None = None) -> str:
    """What would embed this model's queries here now (int8 or float), without loading it."""
    if is_fake(name):
        return "float"
    return resolve_query_encoder(resolve_backend(name, resolve_device(device)))


def quiet_transformers() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading bars in the CLI
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class _ModelEncoder:
    """What every real-model backend shares: the model's prompts, the query cut, the tokenizer lock.

    A backend sets ``self.model`` (with a ``tokenizer``) and implements ``_encode``.
    """

    batch_size = 16
    max_query_tokens = MAX_QUERY_TOKENS
    backend = ""

    def __init__(self, name: str):
        self.spec = models.get_spec(name)
        self.fingerprint = models.model_fingerprint(name)  # raises ModelError if absent or truncated
        self.name, self.dim = name, self.spec.dim
        # The fast tokenizer keeps its padding and truncation settings as shared state: a call from
        # another thread between setting and using them breaks a batch ("expected sequence of length").
        self._tokenizer_lock = threading.Lock()

    query_encoder = "float"  # what embeds queries (resolve_query_encoder); recorded with an index's calibration

    def _encode(self, texts: list[str], truncation: dict | None = None, query: bool = False) -> np.ndarray:
        raise NotImplementedError

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
        return self._encode([self.spec.query_prompt + q for q in queries], self._query_truncation(), query=True)

    def input_text(self, passage: Passage) -> str:
        return passage_input(passage, self.spec.document_prompt)

    def _token_counts(self, texts: list[str]) -> list[int]:
        """Tokens per text. Sorting by tokens, not characters, cuts padding, since characters per token
        differ by script (a Chinese character is about a token, a Latin word or number one token for
        several characters): padded positions in the seeds' build 12% -> 3%."""
        with self._tokenizer_lock:
            ids = self.model.tokenizer(texts, add_special_tokens=True)["input_ids"]
        return [len(x) for x in ids]

    def encode_passages(self, passages: Sequence[Passage], progress: Callable[[int], None] | None = None) -> np.ndarray:
        inputs = [self.input_text(p) for p in passages]
        # Longest first so each batch pads little; results are put back in order.
        lengths = self._token_counts(inputs)
        order = sorted(range(len(inputs)), key=lambda i: -lengths[i])
        out = np.zeros((len(inputs), self.dim), dtype=np.float32)
        for lo in range(0, len(order), self.batch_size):
            batch = order[lo:lo + self.batch_size]
            out[batch] = self._encode([inputs[i] for i in batch])
            if progress:
                progress(len(batch))
        return out


class SentenceTransformerEncoder(_ModelEncoder):
    """A cached, verified model from the registry, run by sentence-transformers on torch, hub switched off."""

    backend = "torch"

    def __init__(self, name: str = models.DEFAULT_MODEL, device: str = "cpu"):
        super().__init__(name)
        quiet_transformers()
        from sentence_transformers import SentenceTransformer

        self.query_encoder = resolve_query_encoder(self.backend)  # float: RAG_QUERY_ENCODER=int8 is an error here
        dtype = compute_dtype() if device == "cpu" else None  # GPUs: the weights' own float32
        self.device = device
        self.model = SentenceTransformer(str(models.model_dir(name)), device=device, local_files_only=True,
                                         model_kwargs={"torch_dtype": dtype} if dtype else {})

    def _encode(self, texts: list[str], truncation: dict | None = None, query: bool = False) -> np.ndarray:
        kwargs = {"processing_kwargs": {"text": truncation}} if truncation else {}
        with self._tokenizer_lock:
            vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                        convert_to_numpy=True, show_progress_bar=False, **kwargs)
        vectors = vectors.astype(np.float32)  # bfloat16 rows are unit length only to ~0.002: renormalise
        return np.ascontiguousarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))


class OpenVINOEncoder(_ModelEncoder):
    """The model's OpenVINO export (rag/openvino_encoder.py) on the CPU: the same tokenizer, prompts
    and truncation as the torch encoder; vectors within cosine 0.999 of torch's (tests/integration).
    Queries go to ``query_model``: this one, or the int8 export (cosine 0.996; RAG_QUERY_ENCODER)."""

    backend = "openvino"
    device = "cpu"

    def __init__(self, name: str = models.DEFAULT_MODEL, log: Callable[[str], None] = print,
                 query_encoder: str | None = None):
        super().__init__(name)
        quiet_transformers()
        from .openvino_encoder import OpenVINOModel, ensure_export

        self.model = OpenVINOModel(name, ensure_export(name, log=log))
        self.query_model = self.model
        self.query_encoder = resolve_query_encoder(self.backend, query_encoder)
        if self.query_encoder == "int8":
            from . import query_int8

            self.query_model = query_int8.Int8QueryModel(query_int8.ensure_export(name, log=log))
        self.max_passage_tokens = self.model.tokenizer.model_max_length  # what sentence-transformers cuts at
        try:
            config = json.loads((models.model_dir(name) / "sentence_bert_config.json").read_text(encoding="utf-8"))
            self.max_passage_tokens = int(config["max_seq_length"])
        except (OSError, KeyError, ValueError):
            pass

    def _encode(self, texts: list[str], truncation: dict | None = None, query: bool = False) -> np.ndarray:
        truncation = truncation or {"truncation": True, "max_length": self.max_passage_tokens}
        model = self.query_model if query else self.model
        out = []
        for lo in range(0, len(texts), self.batch_size):
            with self._tokenizer_lock:
                features = self.model.tokenizer(texts[lo:lo + self.batch_size], padding=True,
                                                return_tensors="np", **truncation)
            out.append(model.forward({k: features[k].astype(np.int64) for k in ("input_ids", "attention_mask")}))
        vectors = np.concatenate(out).astype(np.float32)
        return np.ascontiguousarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))


def load_encoder(name: str, device: str | None = None, backend: str | None = None,
                 log: Callable[[str], None] = print, query_encoder: str | None = None) -> Encoder:
    """The encoder for a model name; "fake-N" gives the test encoder (rag.testing).

    ``device`` (or RAG_DEVICE): auto | cpu | cuda[:N]; ``backend`` (or RAG_BACKEND): auto | torch | openvino.
    """
    if is_fake(name):
        from .testing import FakeEncoder

        return FakeEncoder(int(name.split("-", 1)[1]))
    device = resolve_device(device)
    if resolve_backend(name, device, backend) == "openvino":
        return OpenVINOEncoder(name, log=log, query_encoder=query_encoder)
    return SentenceTransformerEncoder(name, device=device)


def prepare_encoder(name: str, log: Callable[[str], None], device: str | None = None) -> Encoder:
    """The encoder for a model name, fetching and verifying the model into the cache first if needed."""
    if not is_fake(name):
        models.ensure_model(name, log=log)
    return load_encoder(name, device=device, log=log)


def prepare_backend(name: str, log: Callable[[str], None] = print, full_check: bool = False) -> str:
    """Set-up (`rag models fetch`): build or check the export the default backend will load. Returns the backend."""
    backend = resolve_backend(name, resolve_device("cpu"))
    if backend == "openvino":
        from .openvino_encoder import ensure_export

        quiet_transformers()
        ensure_export(name, log=log, full_check=full_check)
        if resolve_query_encoder(backend) == "int8":
            from . import query_int8

            query_int8.ensure_export(name, log=log, full_check=full_check)
    return backend


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
