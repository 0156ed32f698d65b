"""The query encoder: the model's int8 ONNX export, run by ONNX Runtime on the CPU.

A search waits for its query's vector, and on a CPU without bfloat16 (AVX2 alone) the float32 model
takes most of a search (README, issue 13). Matrix products in int8 do about twice the work per
cycle there. The export (rag/exports.py) is the float32 trace of the whole pipeline, saved as ONNX
at opset 23, whose Attention, RotaryEmbedding and RMSNormalization operators each run one layer's
step as a single kernel (836 nodes, against 2,168 at opset 18 with ONNX Runtime's transformer
optimiser: 0.91 of the time per query, same vectors). Then every attention and MLP projection is
quantized: int8 weights per output channel, and int8 activations scaled per call. Passages are
still embedded in full precision by the passage encoder.

Two choices keep the retrieval and answers those of float32 queries (README):
- weights use 7 bits (reduce_range). On CPUs without VNNI, the int8 product sums pairs into 16 bits,
  and full 8-bit weights overflow them (cosine 0.96 median, 0.49 at worst).
- before the trace, each MLP's output projection (down_proj) takes part of its input's range into its
  weights, as SmoothQuant does (smooth_mlp_outputs). Its input, GELU(gate) x up, has channels far
  larger than the rest, and one int8 scale per call cannot hold both: quantized as it is, the cosine
  to float32 was 0.988 median. Smoothed, it is 0.992 median and 0.974 at worst, yet recall@5 and
  first quotes stay within 0.003 of version 2's (export version 3). Version 2 kept down_proj float32:
  a query took 1/0.857 of version 3's time, at cosine 0.9965.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from . import exports
from .errors import ModelError

EXPORT_FILES = ("model.onnx", "model.onnx.data")
# 3: down_proj smoothed and quantized too; 2: opset 23 fused operators; 1: opset 18 and the transformer optimiser
EXPORT_VERSION = 3
OPSET = 23
# The projections quantized, by the torch module they were traced from (Gemma-style names).
QUANTIZED_MODULES = re.compile(r"\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)$")
# How much of down_proj's input range moves into its weights (SmoothQuant's alpha): 0.5 splits the
# difficulty evenly between activations and weights. Not fitted; the paper's default.
SMOOTHING_ALPHA = 0.5
# Sentences whose activations set those ranges: seed-page sentences and an English question.
CALIBRATION_TEXTS = Path(__file__).parent / "model_files" / "int8_calibration.json"
NAME_SCOPES = "pkg.torch.onnx.name_scopes"  # where torch.onnx records each node's module path
INTEGER_PRODUCTS = {"MatMulInteger", "DynamicQuantizeMatMul", "MatMulIntegerToFloat"}


def export_version_for(query_encoder: str) -> int | None:
    """The export version behind a query encoder's vectors (None: float, the passage encoder's own):
    an index calibrated under another version holds a threshold fitted on other query vectors."""
    return EXPORT_VERSION if query_encoder == "int8" else None


def onnx_runtime_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401  (torch.onnx's exporter)
    except ImportError:
        return False
    return True


def export_model(model_folder: Path, out: Path) -> None:
    """The int8 export in ``out``; any failure is a ModelError naming the way round it."""
    try:
        _export(model_folder, out)
    except ModelError:
        raise
    except Exception as failed:  # torch.onnx, the optimiser and the quantizer raise their own kinds
        raise ModelError(f"the int8 query export failed ({type(failed).__name__}: {failed}); "
                         f"set RAG_QUERY_ENCODER=float to embed queries with the passage encoder") from failed


def _export(model_folder: Path, out: Path) -> None:
    """Trace the pipeline, save it as ONNX and quantize its projections into out/model.onnx."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    program = exports.traced_pipeline(model_folder, prepare=smooth_for_int8)
    with tempfile.TemporaryDirectory(dir=out) as work:
        traced = Path(work) / "traced.onnx"
        with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):  # the exporter's progress lines
            torch.onnx.export(program, f=str(traced), input_names=["input_ids", "attention_mask"],
                              output_names=["vectors"], dynamo=True, external_data=True, opset_version=OPSET)
        names = quantized_nodes(onnx.load(str(traced), load_external_data=False))
        with _quiet(None):  # the quantizer's advice to pre-process, which the traced graph does not need
            quantize_dynamic(str(traced), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=True, op_types_to_quantize=["MatMul"], nodes_to_quantize=names,
                             use_external_data_format=True)
    done = quantized_count(onnx.load(str(out / "model.onnx"), load_external_data=False))
    if done != len(names):  # the exporter renamed or fused a projection: not the model this module describes
        raise ModelError(f"the int8 query export quantized {done} of its {len(names)} projections")


def smooth_for_int8(st) -> None:
    """smooth_mlp_outputs with the shipped calibration texts, each embedded as a query."""
    texts = json.loads(CALIBRATION_TEXTS.read_text(encoding="utf-8"))["texts"]
    prompt = (getattr(st, "prompts", None) or {}).get("query", "")
    smooth_mlp_outputs(st, [prompt + text for text in texts])


def smooth_mlp_outputs(st, texts: list[str], alpha: float = SMOOTHING_ALPHA) -> int:
    """Divide each MLP's up_proj output channels by a scale and multiply down_proj's matching input
    channels by it: the same function in float32 (GELU(gate) x up is linear in up), but down_proj's
    input ranges evened out, so that one int8 scale per call holds them. Scale per channel:
    range(input)^alpha / range(weights)^(1 - alpha), the input's ranges from ``texts`` embedded one
    by one (no padding). Returns the number of MLPs smoothed; none is a ModelError."""
    import torch

    mlps = [m for m in st.modules() if hasattr(m, "up_proj") and hasattr(m, "down_proj")]
    if not mlps:
        raise ModelError("the int8 query export found no MLP with up_proj and down_proj to smooth; "
                         "set RAG_QUERY_ENCODER=float to embed queries with the passage encoder")
    ranges: dict = {}

    def recorder(mlp):
        def record(_module, inputs):
            seen = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(0)
            ranges[mlp] = torch.maximum(ranges[mlp], seen) if mlp in ranges else seen
        return record

    hooks = [m.down_proj.register_forward_pre_hook(recorder(m)) for m in mlps]
    try:
        with torch.no_grad():
            for text in texts:
                st.encode([text], prompt="", show_progress_bar=False)
    finally:
        for hook in hooks:
            hook.remove()
    with torch.no_grad():
        for m in mlps:
            weights = m.down_proj.weight.abs().amax(0).clamp(min=1e-5)  # per input channel
            scale = ranges[m].clamp(min=1e-5) ** alpha / weights ** (1 - alpha)
            m.up_proj.weight.div_(scale[:, None])
            if m.up_proj.bias is not None:
                m.up_proj.bias.div_(scale)
            m.down_proj.weight.mul_(scale[None, :])
    return len(mlps)


def quantized_count(model) -> int:
    """How many integer matrix products a model holds."""
    return sum(node.op_type in INTEGER_PRODUCTS for node in model.graph.node)


@contextlib.contextmanager
def _quiet(logger_name: str | None):
    """Warnings of a library's logger (None: the root logger) held back for the duration."""
    logger = logging.getLogger(logger_name)
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


def quantized_nodes(model) -> list[str]:
    """The MatMul nodes traced from the projections QUANTIZED_MODULES names. Raises ModelError when
    there are none (another architecture, or an exporter that no longer records module paths)."""
    names = []
    for node in model.graph.node:
        scopes = next((p.value for p in node.metadata_props if p.key == NAME_SCOPES), "")
        if node.op_type == "MatMul" and any(QUANTIZED_MODULES.search(scope) for scope in _scopes(scopes)):
            names.append(node.name)
    if not names:
        raise ModelError("the int8 query export found no attention or MLP projection to quantize; "
                         "set RAG_QUERY_ENCODER=float to embed queries with the passage encoder")
    return names


def _scopes(value: str) -> list[str]:
    """A name_scopes entry (the repr of a list of module paths) as its paths."""
    return re.findall(r"'([^']*)'", value)


# export_model is looked up at build time, so tests can swap it.
ONNX_INT8 = exports.ExportKind("onnx-int8", EXPORT_VERSION, EXPORT_FILES, lambda model, out: export_model(model, out))


def ensure_export(name: str, log: Callable[[str], None] = print, full_check: bool = False) -> Path:
    """The verified int8 query export of a cached model, exporting it first (a few minutes) when absent or broken."""
    return exports.ensure(ONNX_INT8, name, log, full_check)


class Int8QueryModel:
    """The int8 export in an ONNX Runtime session; ``forward`` maps token ids to vectors like OpenVINOModel's."""

    def __init__(self, folder: Path, threads: int | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = exports.cpu_threads(threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # the optimiser's notes on unused initialisers are not the user's business
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def forward(self, features: dict) -> np.ndarray:
        """One query at a time, its padding cut off. Activations are scaled per call, so a query run in a
        batch would get a scale set by its neighbours: alone, its vector is the same however it arrives."""
        rows = []
        for ids, mask in zip(features["input_ids"], features["attention_mask"]):
            kept = mask.astype(bool)  # whichever side the tokenizer pads
            inputs = {"input_ids": ids[None, kept].astype(np.int64), "attention_mask": mask[None, kept].astype(np.int64)}
            rows.append(self.session.run(None, inputs)[0][0])
        return np.stack(rows).astype(np.float32)
