"""The int8 query encoder with the real model: its export is the verified one in the cache, its
vectors stay close to the float model's, and a query's vector does not depend on its batch."""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from rag import query_int8
from rag.embed import OpenVINOEncoder
from rag.models import DEFAULT_MODEL

from support import ROOT

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def encoders() -> tuple[OpenVINOEncoder, OpenVINOEncoder]:
    int8 = OpenVINOEncoder(DEFAULT_MODEL, log=lambda m: None, query_encoder="int8")
    return int8, OpenVINOEncoder(DEFAULT_MODEL, log=lambda m: None, query_encoder="float")


@pytest.fixture(scope="module")
def questions() -> list[str]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:80]


def test_it_loads_the_verified_export_without_exporting(encoders, monkeypatch):
    def no_export(*args):
        raise AssertionError("exported again although the cache holds a verified export")

    monkeypatch.setattr(query_int8, "export_model", no_export)
    folder = query_int8.ensure_export(DEFAULT_MODEL, log=lambda m: None, full_check=True)
    graph = onnx.load(str(folder / "model.onnx"), load_external_data=False)
    assert query_int8.quantized_count(graph) == 7 * 24  # q, k, v, o, gate, up and down of every layer
    operators = [node.op_type for node in graph.graph.node]
    # each layer's attention one fused operator (opset 23), not the 60-odd nodes opset 18 traces
    assert operators.count("Attention") == 24 and "Softmax" not in operators


def test_int8_query_vectors_stay_close_to_the_float_models(encoders, questions):
    # Export version 3 (down_proj smoothed and quantized), on 200 seed questions: cosine 0.9919 median,
    # 0.9742 at worst, with recall and first quotes within 0.003 of float queries (README).
    int8, full = (e.encode_queries(questions) for e in encoders)
    cosine = (int8 * full).sum(axis=1)
    assert np.median(cosine) >= 0.99 and cosine.min() >= 0.965


def test_a_query_gets_the_same_vector_alone_or_in_a_batch(encoders, questions):
    int8 = encoders[0]
    batch = int8.encode_queries(questions[:6])  # padded to the longest, then run one by one
    alone = np.stack([int8.encode_queries([q])[0] for q in questions[:6]])
    assert np.array_equal(batch, alone)


def test_passages_are_still_embedded_in_full_precision(encoders):
    int8, full = encoders
    units = ["title: none | text: 网格员走访居民", "title: 新闻 | text: 流动图书车借出图书1200册"]
    assert np.array_equal(int8._encode(units), full._encode(units))
