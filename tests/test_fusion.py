from rag.fusion import max_normalized, ranked, weighted


def test_ranked_orders_by_score_then_id():
    assert ranked({3: 0.5, 1: 0.9, 2: 0.5}) == [(1, 0.9), (2, 0.5), (3, 0.5)]


def test_max_normalized_handles_empty_and_zero():
    assert max_normalized({}) == {}
    assert max_normalized({1: 0.0}) == {}
    assert max_normalized({1: 2.0, 2: 1.0}) == {1: 1.0, 2: 0.5}


def test_weighted_ignores_keyword_side_without_coverage():
    dense = {1: 0.8, 2: 0.6}
    sparse = {2: 12.0, 3: 10.0}
    fused = weighted(dense, sparse, sparse_weight=0.5, coverage=0.0)
    assert [d for d, _ in ranked(fused)][:2] == [1, 2]


def test_weighted_lets_keywords_reorder_close_dense_scores():
    fused = weighted({1: 0.80, 2: 0.78}, {2: 5.0}, sparse_weight=0.3, coverage=1.0)
    assert ranked(fused)[0][0] == 2
    assert fused[1] == 0.80
