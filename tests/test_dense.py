"""Vector stores (rag/dense.py): exact SQ8 below a size, HNSW above, filters exact, codes by id."""
from __future__ import annotations

import numpy as np
import pytest

from rag.dense import DenseIndex, DenseParams, VectorCodes
from rag.errors import RagError


def unit_rows(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return list(np.argsort(-(vectors @ query), kind="stable")[:k])


def test_small_index_is_exact_over_sq8_codes():
    x = unit_rows(500)
    index = DenseIndex.build(x)
    assert index.factory == "SQ8" and len(index) == 500
    decoded = index.vectors(range(500))
    assert np.abs(decoded - x).max() < 0.02  # 8-bit codes
    for q in x[:20]:
        assert list(index.search(q, 5)) == exact_top(decoded, q, 5)


def test_large_index_is_hnsw_with_high_recall_and_params_from_the_manifest():
    x = unit_rows(3000, seed=1)
    params = DenseParams(exact_limit=1000, ef_search=64)
    index = DenseIndex.build(x, params)
    assert index.factory == "HNSW32,SQ8" and index.index.hnsw.efSearch == 64
    decoded = index.vectors(range(3000))
    recall = np.mean([len(set(index.search(q, 10)) & set(exact_top(decoded, q, 10))) / 10 for q in unit_rows(50, seed=2)])
    assert recall >= 0.95


@pytest.mark.parametrize("allowed_count", [30, 2500])
def test_filtered_search_stays_within_the_allowed_ids(allowed_count):
    x = unit_rows(3000, seed=3)
    index = DenseIndex.build(x, DenseParams(exact_limit=1000))
    allowed = np.random.default_rng(4).choice(3000, allowed_count, replace=False)
    hits = index.search(x[int(allowed[0])], 10, allowed)
    assert set(hits) <= set(allowed.tolist()) and len(hits) == 10
    assert next(iter(hits)) == int(allowed[0])  # the query's own vector comes first


def test_a_kept_quantiser_gives_reused_vectors_their_very_codes(monkeypatch):
    import rag.dense

    monkeypatch.setattr(rag.dense, "TRAIN_SAMPLE", 100)
    x = unit_rows(400, seed=5)
    first = DenseIndex.build(x)
    again = DenseIndex.build(first.vectors(range(400)), like=first)
    assert (again.vectors(range(400)) == first.vectors(range(400))).all()
    codes = VectorCodes.build(x, "SQ8")
    recoded = VectorCodes.build(codes.vectors(range(400)), "SQ8", like=codes)
    assert (recoded.codes == codes.codes).all()


def test_codes_round_trip_through_a_memory_mapped_file(tmp_path):
    x = unit_rows(50, seed=6)
    VectorCodes.build(x, "SQ8").save(tmp_path / "s")
    loaded = VectorCodes.load(tmp_path / "s")
    assert isinstance(loaded.codes, np.memmap) and len(loaded) == 50
    assert np.abs(loaded.vectors([3, 7]) - x[[3, 7]]).max() < 0.02


def test_ef_search_is_set_at_serving_time_without_a_rebuild(monkeypatch):
    recorded = DenseParams(exact_limit=1000, ef_search=64).as_dict()
    assert DenseParams.serving(recorded).ef_search == 64
    monkeypatch.setenv("RAG_EF_SEARCH", "300")
    assert DenseParams.serving(recorded) == DenseParams(exact_limit=1000, ef_search=300)
    monkeypatch.setenv("RAG_EF_SEARCH", "lots")
    with pytest.raises(RagError, match="RAG_EF_SEARCH='lots'.*256"):
        DenseParams.serving(recorded)
