"""The int8 query encoder without the model: which projections it quantizes, how it is chosen, how its
export is kept, and that a query's vector does not depend on the batch it arrives in."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from rag import embed, exports, models, openvino_encoder, query_int8
from rag.errors import ModelError, RagError

GEMMA = models.DEFAULT_MODEL


def matmul(name: str, scope: str | None) -> onnx.NodeProto:
    node = helper.make_node("MatMul", ["x", "w"], [name + "_out"], name=name)
    if scope is not None:  # as torch.onnx records it: the module path of every enclosing module
        entry = node.metadata_props.add()
        entry.key, entry.value = query_int8.NAME_SCOPES, repr(["", "i", "i.0", scope, "linear_4"])
    return node


def graph_of(nodes) -> onnx.ModelProto:
    value = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    return helper.make_model(helper.make_graph(nodes, "g", [value], [value]))


def test_it_quantizes_every_attention_and_mlp_projection_and_nothing_else():
    nodes = [matmul(f"{kind}", f"i.0.model.layers.3.{kind}") for kind in
             ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
              "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")]
    nodes += [matmul("scores", "i.0.model.layers.3.self_attn"),  # query x key: no weights to quantize
              matmul("head", "i.2.linear"),  # the sentence-transformers dense head
              matmul("untraced", None)]
    assert query_int8.quantized_nodes(graph_of(nodes)) == [
        "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj",
        "mlp.down_proj"]


class TinyMLP:
    """A Gemma-style MLP, down_proj(GELU(gate_proj(x)) * up_proj(x)), one input channel of down_proj
    made far larger than the rest, and the two calls smooth_mlp_outputs makes of a SentenceTransformer."""

    def __init__(self, bias: bool = False):
        import torch

        torch.manual_seed(0)
        self.mlp = torch.nn.Module()
        self.mlp.gate_proj = torch.nn.Linear(8, 16, bias=False)
        self.mlp.up_proj = torch.nn.Linear(8, 16, bias=bias)
        self.mlp.down_proj = torch.nn.Linear(16, 8, bias=False)
        with torch.no_grad():
            self.mlp.up_proj.weight[3] *= 50
        self.inputs = {text: torch.randn(len(text), 8) for text in ("一二三四", "五六七八九", "query text")}

    def modules(self):
        return [self.mlp]

    def forward(self, x):
        import torch

        m = self.mlp
        return m.down_proj(torch.nn.functional.gelu(m.gate_proj(x)) * m.up_proj(x))

    def encode(self, texts, prompt=None, show_progress_bar=None):
        return [self.forward(self.inputs[text]) for text in texts]

    def down_inputs(self, x):
        import torch

        m = self.mlp
        return torch.nn.functional.gelu(m.gate_proj(x)) * m.up_proj(x)


@pytest.mark.parametrize("bias", [False, True])
def test_smoothing_keeps_the_function_and_evens_out_down_projs_input(bias):
    import torch

    tiny = TinyMLP(bias)
    x = torch.cat(list(tiny.inputs.values()))
    with torch.no_grad():
        before, spread_before = tiny.forward(x), tiny.down_inputs(x).abs().amax(0)
        assert query_int8.smooth_mlp_outputs(tiny, list(tiny.inputs)) == 1
        after, spread_after = tiny.forward(x), tiny.down_inputs(x).abs().amax(0)
    assert torch.allclose(before, after, rtol=1e-4, atol=1e-5)  # the same function in float32
    ratio = lambda r: float(r.max() / r.median())  # noqa: E731
    assert ratio(spread_before) > 20 and ratio(spread_after) < ratio(spread_before) / 4


def test_a_model_without_such_mlps_cannot_be_smoothed():
    class NoMLP:
        def modules(self):
            return []

    with pytest.raises(ModelError, match="RAG_QUERY_ENCODER=float"):
        query_int8.smooth_mlp_outputs(NoMLP(), ["text"])


def test_the_calibration_texts_ship_with_the_package():
    import json

    texts = json.loads(query_int8.CALIBRATION_TEXTS.read_text(encoding="utf-8"))["texts"]
    assert len(texts) == 61 and all(isinstance(t, str) and t.strip() for t in texts)


def test_a_graph_without_module_paths_is_an_error_not_a_float_model():
    with pytest.raises(ModelError, match="RAG_QUERY_ENCODER=float"):
        query_int8.quantized_nodes(graph_of([matmul("a", None), matmul("b", None)]))


def test_an_export_that_fails_says_how_to_do_without_it(tmp_path, monkeypatch):
    def broken(model_folder, out):
        raise RuntimeError("Killed")

    monkeypatch.setattr(query_int8, "_export", broken)
    with pytest.raises(ModelError, match="RuntimeError: Killed.*RAG_QUERY_ENCODER=float"):
        query_int8.export_model(tmp_path, tmp_path)


def test_an_unreadable_export_record_is_rebuilt_not_a_crash(fake_exports):
    folder = query_int8.ensure_export(GEMMA, log=lambda m: None)
    (folder / models.VERIFIED_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable"):
        exports.read_manifest(query_int8.ONNX_INT8, folder)
    assert query_int8.ensure_export(GEMMA, log=lambda m: None) == folder and len(fake_exports) == 2


def tiny_model(path) -> None:
    """input_ids, attention_mask -> [sum of ids, token count, ids' largest]: shows what a row was run with."""
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "s"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "s"])
    out = helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["b", 3])
    axes = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")
    nodes = [helper.make_node("Cast", ["input_ids"], ["f"], to=TensorProto.FLOAT),
             helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
             helper.make_node("ReduceSum", ["f", "axes"], ["total"], keepdims=1),
             helper.make_node("ReduceSum", ["m", "axes"], ["count"], keepdims=1),
             helper.make_node("ReduceMax", ["f", "axes"], ["top"], keepdims=1),
             helper.make_node("Concat", ["total", "count", "top"], ["vectors"], axis=1)]
    graph = helper.make_graph(nodes, "tiny", [ids, mask], [out], [axes])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path / "model.onnx"))


def test_a_query_is_run_alone_without_its_padding(tmp_path):
    tiny_model(tmp_path)
    model = query_int8.Int8QueryModel(tmp_path, threads=1)
    padded_right = {"input_ids": np.array([[5, 6, 7], [9, 0, 0]]), "attention_mask": np.array([[1, 1, 1], [1, 0, 0]])}
    padded_left = {"input_ids": np.array([[0, 0, 9]]), "attention_mask": np.array([[0, 0, 1]])}
    assert model.forward(padded_right).tolist() == [[18, 3, 7], [9, 1, 9]]
    assert model.forward(padded_left).tolist() == [[9, 1, 9]]


# --- which encoder embeds queries -------------------------------------------------

def test_auto_takes_int8_with_openvino_on_a_cpu_without_bfloat16(monkeypatch):
    monkeypatch.delenv("RAG_QUERY_ENCODER", raising=False)
    monkeypatch.setattr(query_int8, "onnx_runtime_available", lambda: True)
    monkeypatch.setattr(embed, "cpu_has_bf16", lambda: False)
    assert embed.resolve_query_encoder("openvino") == "int8"
    assert embed.resolve_query_encoder("torch") == "float"  # GPUs and e5: the passage encoder
    monkeypatch.setattr(embed, "cpu_has_bf16", lambda: True)  # OpenVINO's bfloat16 there: int8 unmeasured
    assert embed.resolve_query_encoder("openvino") == "float"
    assert embed.resolve_query_encoder("openvino", "int8") == "int8"
    monkeypatch.setattr(embed, "cpu_has_bf16", lambda: False)
    monkeypatch.setattr(query_int8, "onnx_runtime_available", lambda: False)
    assert embed.resolve_query_encoder("openvino") == "float"


def test_the_setting_is_checked(monkeypatch):
    monkeypatch.setattr(query_int8, "onnx_runtime_available", lambda: True)
    monkeypatch.setenv("RAG_QUERY_ENCODER", "float")
    assert embed.resolve_query_encoder("openvino") == "float"
    monkeypatch.setenv("RAG_QUERY_ENCODER", "INT8")
    assert embed.resolve_query_encoder("openvino") == "int8"
    with pytest.raises(RagError, match="openvino backend"):
        embed.resolve_query_encoder("torch")
    monkeypatch.setenv("RAG_QUERY_ENCODER", "fp16")
    with pytest.raises(RagError, match="use auto, int8 or float"):
        embed.resolve_query_encoder("openvino")
    monkeypatch.setattr(query_int8, "onnx_runtime_available", lambda: False)
    with pytest.raises(RagError, match="onnxruntime is not installed"):
        embed.resolve_query_encoder("openvino", "int8")


def test_a_fake_model_is_served_with_float_queries():
    assert embed.query_encoder_for("fake-16") == "float"


# --- the export: kept beside the OpenVINO one -------------------------------------

@pytest.fixture
def fake_exports(tmp_path, monkeypatch) -> list[str]:
    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    monkeypatch.setattr(models, "model_fingerprint", lambda name: "f" * 16)
    runs: list[str] = []

    def fake(kind_files):
        def export(model_folder, out):
            runs.append(out.name)
            for i, rel in enumerate(kind_files):
                (out / rel).write_bytes(bytes([i]) * 64)
        return export

    monkeypatch.setattr(query_int8, "export_model", fake(query_int8.EXPORT_FILES))
    monkeypatch.setattr(openvino_encoder, "export_model", fake(openvino_encoder.EXPORT_FILES))
    return runs


def test_the_int8_export_is_built_once_verified_and_rebuilt_when_broken(fake_exports):
    folder = query_int8.ensure_export(GEMMA, log=lambda m: None)
    assert query_int8.ensure_export(GEMMA, log=lambda m: None) == folder and len(fake_exports) == 1
    assert folder.name == f"{GEMMA}-onnx-int8-v{query_int8.EXPORT_VERSION}-{'f' * 16}"
    with open(folder / "model.onnx.data", "r+b") as f:
        f.truncate(10)
    with pytest.raises(ModelError, match="missing or truncated"):
        exports.read_manifest(query_int8.ONNX_INT8, folder)
    assert query_int8.ensure_export(GEMMA, log=lambda m: None) == folder and len(fake_exports) == 2
    exports.read_manifest(query_int8.ONNX_INT8, folder, full=True)


def test_each_export_kind_keeps_the_other(fake_exports):
    int8 = query_int8.ensure_export(GEMMA, log=lambda m: None)
    ov = openvino_encoder.ensure_export(GEMMA, log=lambda m: None)
    assert int8.exists() and ov.exists() and int8 != ov
    older = int8.parent / f"{GEMMA}-onnx-int8-v0-{'f' * 16}"
    older.mkdir()
    (int8 / models.VERIFIED_FILE).unlink()
    query_int8.ensure_export(GEMMA, log=lambda m: None)  # rebuilt: the older recipe goes, OpenVINO's stays
    assert not older.exists() and ov.exists()
    (ov / models.VERIFIED_FILE).unlink()
    openvino_encoder.ensure_export(GEMMA, log=lambda m: None)  # and the other way round
    assert int8.exists() and len(fake_exports) == 4
