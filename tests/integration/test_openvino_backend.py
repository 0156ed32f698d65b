"""The OpenVINO backend loads its verified export from the cache and embeds like torch: the same
tokens, and vectors within the cosine measured here (README: cosine to torch float32 >= 0.9999)."""
from __future__ import annotations

import numpy as np
import pytest

from rag import corpus, openvino_encoder
from rag.chunking import article_sentences, chunk_articles
from rag.embed import OpenVINOEncoder, load_encoder, prepare_backend
from rag.models import DEFAULT_MODEL

from support import ROOT

pytestmark = pytest.mark.model

QUESTIONS = ["网格员平时负责哪些工作?", "流动图书车借出了多少册图书?", "今年的粮食产量是多少?"]


@pytest.fixture(scope="module")
def openvino(tmp_path_factory) -> OpenVINOEncoder:
    prepare_backend(DEFAULT_MODEL, log=lambda m: None)  # as `rag models fetch` does: export once if absent
    return OpenVINOEncoder(DEFAULT_MODEL, log=lambda m: None, query_encoder="float")  # int8: test_query_int8.py


@pytest.fixture(scope="module")
def torch_encoder():
    return load_encoder(DEFAULT_MODEL, device="cpu", backend="torch")


@pytest.fixture(scope="module")
def units() -> list:
    page = corpus.read_corpus(ROOT / "seeds").pages[0]
    sentences = [s for a in page.articles for s in article_sentences(a, page.text)]
    return chunk_articles(page.articles, page.text)[:16] + sentences[:16]


def test_it_loads_the_verified_export_from_the_cache_without_exporting(openvino, monkeypatch):
    def no_export(*args):
        raise AssertionError("exported again although the cache holds a verified export")

    monkeypatch.setattr(openvino_encoder, "export_model", no_export)
    folder = openvino_encoder.ensure_export(DEFAULT_MODEL, log=lambda m: None, full_check=True)
    assert openvino_encoder.read_export_manifest(folder, full=True)["model_fingerprint"] == openvino.fingerprint
    assert OpenVINOEncoder(DEFAULT_MODEL, log=lambda m: None).encode_queries(QUESTIONS[:1]).shape == (1, openvino.dim)


def test_vectors_agree_with_torch(openvino, torch_encoder, units):
    # Measured on the seeds: passages and sentences min 0.998, queries 0.999 (torch in bfloat16 here;
    # both in float32 on CPUs without bfloat16, where they agree closer still).
    for ov_vectors, torch_vectors in [(openvino.encode_passages(units), torch_encoder.encode_passages(units)),
                                      (openvino.encode_queries(QUESTIONS), torch_encoder.encode_queries(QUESTIONS))]:
        assert np.allclose(np.linalg.norm(ov_vectors, axis=1), 1, atol=1e-5)
        cosine = (ov_vectors * torch_vectors).sum(axis=1)
        assert cosine.min() >= 0.995 and np.median(cosine) >= 0.998


def test_same_tokens_prompts_and_query_cut_as_torch(openvino, torch_encoder, units):
    long_query = QUESTIONS[0] + "网格员走访居民" * 400
    assert openvino.read_query(long_query) == torch_encoder.read_query(long_query) != long_query
    assert openvino.input_text(units[0]) == torch_encoder.input_text(units[0])
    assert openvino.fingerprint == torch_encoder.fingerprint  # interchangeable by measurement (README)
