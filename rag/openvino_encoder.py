"""The OpenVINO backend: the model exported once from the cached weights, then run by OpenVINO on the CPU.

The export (rag/exports.py) is the float32 trace of the whole sentence-transformers pipeline,
converted by OpenVINO and saved under the cache beside the model, verified by its VERIFIED.json.

On CPUs with AMX/AVX512-BF16 OpenVINO computes in bfloat16 from the float32 weights: cosine >= 0.9999
to torch float32 vectors, closer than torch's own bfloat16 (0.998), at less CPU per unit (README).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from . import exports, models

EXPORT_FILES = ("model.xml", "model.bin")
EXPORT_VERSION = 2  # bump when the export recipe changes, so old exports are rebuilt (2: attention without repeat_kv)


def export_model(model_folder: Path, out: Path) -> None:
    """Trace the whole sentence-transformers pipeline in float32 and save it as OpenVINO IR."""
    import openvino as ov
    import torch

    program = exports.traced_pipeline(model_folder)
    with torch.no_grad():
        converted = ov.convert_model(program)
    # float32 weights on disk: OpenVINO picks bfloat16 compute itself where the CPU has it.
    ov.save_model(converted, str(out / "model.xml"), compress_to_fp16=False)


# export_model is looked up at build time, so tests can swap it.
OPENVINO = exports.ExportKind("openvino", EXPORT_VERSION, EXPORT_FILES, lambda model, out: export_model(model, out))


def export_dir(name: str) -> Path:
    return exports.export_dir(OPENVINO, name)


def read_export_manifest(folder: Path, full: bool = False) -> dict:
    return exports.read_manifest(OPENVINO, folder, full)


def ensure_export(name: str, log: Callable[[str], None] = print, full_check: bool = False) -> Path:
    """The verified OpenVINO export folder of a cached model, exporting it first when absent or broken."""
    return exports.ensure(OPENVINO, name, log, full_check)


def inference_config(threads: int | None = None) -> dict:
    """OpenVINO CPU settings. RAG_THREADS caps the threads (default: every core this process may use).

    OpenVINO 2026.4 crashes compiling bfloat16 on a single thread (SIGFPE), so one thread runs float32.
    """
    threads = exports.cpu_threads(threads)
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
