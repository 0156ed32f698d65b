"""Model exports derived on this machine from the cached, verified weights (no hub).

Two exports exist: the OpenVINO IR that embeds passages, and queries unless the int8 one does
(rag/openvino_encoder.py), and the int8 ONNX model that embeds queries (rag/query_int8.py). Both start from the same float32 trace of the
whole sentence-transformers pipeline (``traced_pipeline``). Each is built once into a staging folder;
its files' sha256 and sizes go in a VERIFIED.json written last, and the folder is moved into place, so
a half-written, truncated or altered export is found and rebuilt.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from . import models
from .errors import ModelError
from .util import sha256_file


@dataclass(frozen=True)
class ExportKind:
    label: str  # names the folders ("openvino", "onnx-int8") and the log lines
    version: int  # bumped when the recipe changes, so older exports are rebuilt and removed
    files: tuple[str, ...]  # the first is small and hashed at every load; the rest are checked by size
    build: Callable[[Path, Path], None]  # (verified model folder, staging folder)


def export_dir(kind: ExportKind, name: str) -> Path:
    """Where an export lives: keyed by the weights' fingerprint, so new weights mean a new export."""
    return models.rag_home() / "exports" / f"{name}-{kind.label}-v{kind.version}-{models.model_fingerprint(name)}"


def read_manifest(kind: ExportKind, folder: Path, full: bool = False) -> dict:
    """The export's manifest after checking it: sizes always, sha256 of every file when ``full``.

    Raises ModelError naming the broken file; ``ensure`` rebuilds on that error.
    """
    path = folder / models.VERIFIED_FILE
    if not path.exists():
        raise ModelError(f"no complete {kind.label} export in {folder}; run `rag models fetch`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        sizes, hashes = dict(manifest["sizes"]), dict(manifest["sha256"])
    except (ValueError, KeyError, TypeError) as broken:
        raise ModelError(f"the {kind.label} export record {path} is unreadable ({broken}); "
                         f"run `rag models fetch` to rebuild it") from broken
    for rel in kind.files:
        file = folder / rel
        if not file.exists() or file.stat().st_size != sizes.get(rel):
            raise ModelError(f"{kind.label} export file {file} is missing or truncated; "
                             f"run `rag models fetch` to rebuild it")
        if (full or rel == kind.files[0]) and sha256_file(file) != hashes.get(rel):
            raise ModelError(f"{kind.label} export file {file} fails its sha256; run `rag models fetch` to rebuild it")
    return manifest


def ensure(kind: ExportKind, name: str, log: Callable[[str], None] = print, full_check: bool = False) -> Path:
    """The verified export folder of a cached model, exporting it first when absent or broken."""
    folder = export_dir(kind, name)
    try:
        read_manifest(kind, folder, full=full_check)
        return folder
    except ModelError as broken:
        if folder.exists():
            log(f"rebuilding the {kind.label} export: {broken}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        log(f"exporting {name} to {kind.label} (a minute or a few, once)")
        kind.build(models.model_dir(name), staging)
        manifest = {"name": name, "backend": kind.label, "export_version": kind.version,
                    "model_fingerprint": models.model_fingerprint(name),
                    "sha256": {rel: sha256_file(staging / rel) for rel in kind.files},
                    "sizes": {rel: (staging / rel).stat().st_size for rel in kind.files}}
        models.publish_verified(staging, folder, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"{name}: {kind.label} export verified in {folder}")
    remove_superseded(kind, name, folder, log)
    return folder


def remove_superseded(kind: ExportKind, name: str, current: Path, log: Callable[[str], None]) -> None:
    """Delete this model's exports of the same kind and older recipes or weights (about 1 GB each): only
    ``current`` is ever loaded again. A process still running an old one keeps its copy in memory."""
    for old in current.parent.glob(f"{name}-{kind.label}-v*"):
        if old != current and old.is_dir() and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
            log(f"removed the superseded {kind.label} export {old.name}")


def traced_pipeline(model_folder: Path, prepare: Callable[[Any], None] | None = None):
    """The whole sentence-transformers pipeline (transformer, pooling, dense layers, normalisation) in
    float32, traced by torch.export with dynamic batch and sequence: (input_ids, attention_mask) -> vectors.
    ``prepare`` may change the loaded SentenceTransformer's weights before the trace (rag.query_int8)."""
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_folder), device="cpu", local_files_only=True,
                             model_kwargs={"torch_dtype": torch.float32})
    if prepare:
        prepare(st)

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
        return torch.export.export(Pipeline(st.eval()), (example["input_ids"], example["attention_mask"]),
                                   dynamic_shapes={"input_ids": {0: batch, 1: seq},
                                                   "attention_mask": {0: batch, 1: seq}}, strict=False)


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


def cpu_threads(threads: int | None = None) -> int:
    """Threads for an export's runtime: ``threads``, else RAG_THREADS, else every core this process may use."""
    return threads or int(os.environ.get("RAG_THREADS") or 0) or len(os.sched_getaffinity(0))
