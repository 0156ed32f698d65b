"""The OpenVINO backend: the model exported once from the cached weights, then run by OpenVINO on the CPU.

The export is derived on this machine (no hub): the verified sentence-transformers folder is loaded in
float32, traced whole (transformer, pooling, dense layers, normalisation) with torch.export, converted
by OpenVINO and saved under the cache beside the model. Its file hashes and sizes are recorded in a
VERIFIED.json written last, so a half-written, truncated or altered export is found and rebuilt.

On CPUs with AMX/AVX512-BF16 OpenVINO computes in bfloat16 from the float32 weights: cosine >= 0.9999
to torch float32 vectors, closer than torch's own bfloat16 (0.998), at less CPU per unit (README).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from . import models
from .errors import ModelError
from .util import sha256_file

EXPORT_FILES = ("model.xml", "model.bin")
EXPORT_VERSION = 2  # bump when the export recipe changes, so old exports are rebuilt (2: attention without repeat_kv)


def export_dir(name: str) -> Path:
    """Where the export of a model lives: keyed by the weights' fingerprint, so new weights mean a new export."""
    return models.rag_home() / "exports" / f"{name}-openvino-v{EXPORT_VERSION}-{models.model_fingerprint(name)}"


def read_export_manifest(folder: Path, full: bool = False) -> dict:
    """The export's manifest after checking it: sizes always, sha256 of every file when ``full``.

    Raises ModelError naming the broken file; ensure_export rebuilds on that error.
    """
    path = folder / models.VERIFIED_FILE
    if not path.exists():
        raise ModelError(f"no complete OpenVINO export in {folder}; run `rag models fetch`")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for rel in EXPORT_FILES:
        file = folder / rel
        if not file.exists() or file.stat().st_size != manifest["sizes"].get(rel):
            raise ModelError(f"OpenVINO export file {file} is missing or truncated; run `rag models fetch` to rebuild it")
        if (full or rel == "model.xml") and sha256_file(file) != manifest["sha256"][rel]:
            raise ModelError(f"OpenVINO export file {file} fails its sha256; run `rag models fetch` to rebuild it")
    return manifest


def ensure_export(name: str, log: Callable[[str], None] = print, full_check: bool = False) -> Path:
    """The verified export folder of a cached model, exporting it first when absent or broken."""
    folder = export_dir(name)
    try:
        read_export_manifest(folder, full=full_check)
        return folder
    except ModelError as broken:
        if folder.exists():
            log(f"rebuilding the OpenVINO export: {broken}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        log(f"exporting {name} to OpenVINO (about a minute, once)")
        export_model(models.model_dir(name), staging)
        manifest = {"name": name, "backend": "openvino", "export_version": EXPORT_VERSION,
                    "model_fingerprint": models.model_fingerprint(name),
                    "sha256": {rel: sha256_file(staging / rel) for rel in EXPORT_FILES},
                    "sizes": {rel: (staging / rel).stat().st_size for rel in EXPORT_FILES}}
        models.publish_verified(staging, folder, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"{name}: OpenVINO export verified in {folder}")
    remove_superseded_exports(name, folder, log)
    return folder


def remove_superseded_exports(name: str, current: Path, log: Callable[[str], None]) -> None:
    """Delete this model's exports of older recipes or weights (1.2 GB each): only ``current`` is ever
    loaded again. A process still running an old one keeps its compiled copy in memory."""
    for old in current.parent.glob(f"{name}-openvino-v*"):
        if old != current and old.is_dir() and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
            log(f"removed the superseded OpenVINO export {old.name}")


def export_model(model_folder: Path, out: Path) -> None:
    """Trace the whole sentence-transformers pipeline in float32 and save it as OpenVINO IR."""
    import openvino as ov
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_folder), device="cpu", local_files_only=True,
                             model_kwargs={"torch_dtype": torch.float32})

    class Pipeline(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]

    example = st.tokenizer(["title: none | text: 网格员走访居民", "query: 何时?"], padding=True, return_tensors="pt")
    batch, seq = torch.export.Dim("batch", min=1, max=4096), torch.export.Dim("seq", min=2, max=8192)
    with torch.no_grad(), warnings.catch_warnings(), _grouped_query_attention():
        warnings.simplefilter("ignore", FutureWarning)  # torch.export's own deprecations, not ours
        program = torch.export.export(Pipeline(st.eval()), (example["input_ids"], example["attention_mask"]),
                                      dynamic_shapes={"input_ids": {0: batch, 1: seq},
                                                      "attention_mask": {0: batch, 1: seq}}, strict=False)
        converted = ov.convert_model(program)
    # float32 weights on disk: OpenVINO picks bfloat16 compute itself where the CPU has it.
    ov.save_model(converted, str(out / "model.xml"), compress_to_fp16=False)


@contextlib.contextmanager
def _grouped_query_attention():
    """Trace attention with its shared key/value heads left shared (SDPA's enable_gqa).

    Otherwise transformers copies the one key/value head out to every query head before attention
    when a padding mask is given; OpenVINO ran those copies as float32 Broadcasts and Reorders,
    about a fifth of the time per unit. Same vectors (cosine to float32 unchanged), 1.2x faster.
    """
    key, before = "TRANSFORMERS_SDPA_FORCE_GQA", os.environ.get("TRANSFORMERS_SDPA_FORCE_GQA")
    os.environ[key] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def inference_config(threads: int | None = None) -> dict:
    """OpenVINO CPU settings. RAG_THREADS caps the threads (default: every core this process may use).

    OpenVINO 2026.4 crashes compiling bfloat16 on a single thread (SIGFPE), so one thread runs float32.
    """
    threads = threads or int(os.environ.get("RAG_THREADS") or 0) or len(os.sched_getaffinity(0))
    config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads}
    if threads == 1 or os.environ.get("RAG_DTYPE") == "float32":
        config["INFERENCE_PRECISION_HINT"] = "f32"
    return config


class OpenVINOModel:
    """The exported pipeline with the model's own tokenizer; ``forward`` maps token ids to unit vectors."""

    def __init__(self, name: str, folder: Path, threads: int | None = None):
        import openvino as ov
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(models.model_dir(name)), local_files_only=True)
        self.compiled = ov.Core().compile_model(str(folder / "model.xml"), "CPU", inference_config(threads))
        self._request = self.compiled.create_infer_request()
        self._lock = threading.Lock()  # one infer request: calls from several threads take turns

    def forward(self, features: dict) -> np.ndarray:
        with self._lock:
            self._request.infer({"input_ids": features["input_ids"], "attention_mask": features["attention_mask"]})
            return np.array(self._request.get_output_tensor(0).data, dtype=np.float32)
