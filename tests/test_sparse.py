"""BM25 (rag/sparse.py): the scores bm25s gives, found through postings or a full array alike."""
from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from rag.sparse import SparseIndex
from rag.text import tokenize

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["网格员做什么工作", "呼和浩特 民警 书包", "内蒙古 内蒙古 草原", "How many books?", "图书馆"]


@pytest.fixture(scope="module")
def docs() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    return [t[i:i + 300] for t in texts for i in range(0, len(t), 250)]


@pytest.mark.parametrize("query", QUERIES)
def test_scores_are_bm25s_lucene_scores(docs, query):
    ours = SparseIndex.build(docs)
    ref = bm25s.BM25()
    ref.index([tokenize(t) or [""] for t in docs], show_progress=False)
    tokens = tokenize(query)
    known = [t for t in tokens if t in ref.vocab_dict]
    expected = ref.get_scores(known) if known else np.zeros(len(docs))
    assert np.allclose(ours.get_scores(tokens, ours.lookup(tokens)), expected, atol=1e-5)


@pytest.mark.parametrize("query", QUERIES)
def test_search_through_postings_equals_a_full_sort(docs, query):
    index = SparseIndex.build(docs)
    tokens = tokenize(query)
    full = index.get_scores(tokens, index.lookup(tokens))
    expected = [int(i) for i in np.argsort(-full, kind="stable")[:10] if full[i] > 0]
    assert list(index.search(query, 10)[0]) == expected
    mask = np.arange(len(docs)) % 2 == 0
    assert all(i % 2 == 0 for i in index.search(query, 10, mask)[0])


def test_saved_arrays_load_memory_mapped(docs, tmp_path):
    index = SparseIndex.build(docs)
    index.save(tmp_path / "bm25")
    loaded = SparseIndex.load(tmp_path / "bm25", index.n_docs, index.lookup)
    assert isinstance(loaded.scores, np.memmap)
    assert loaded.search("网格员", 5) == index.search("网格员", 5)


def test_skipping_common_words_finds_the_exact_top_k(monkeypatch):
    """The MaxScore shortcut (common words' postings not read) returns what scoring every posting does,
    for queries mixing rare and common words, with and without a filter mask, including queries where
    the shortcut cannot prove its answer and falls back."""
    rng = np.random.default_rng(3)
    vocab = [f"词{i}" for i in range(400)]
    ranks = np.arange(1, len(vocab) + 1)
    zipf = (1 / ranks) / (1 / ranks).sum()  # a few words in nearly every passage, most in few
    docs = [" ".join(rng.choice(vocab, size=rng.integers(5, 40), p=zipf)) for _ in range(3000)]
    index = SparseIndex.build(docs)
    monkeypatch.setattr("rag.sparse.COMMON_POSTINGS", 100)
    full = SparseIndex(index.indptr, index.docs, index.scores, index.n_docs, index.lookup)
    monkeypatch.setattr(full, "_top_by_rare_tokens", lambda *a: None)
    used = 0
    for trial in range(200):
        words = list(rng.choice(vocab[:5], size=rng.integers(1, 3))) + list(rng.choice(vocab[20:], size=rng.integers(0, 3)))
        query = " ".join(words)
        mask = rng.random(index.n_docs) < 0.5 if trial % 2 else None
        k = int(rng.choice([1, 10, 50]))
        got, coverage = index.search(query, k, mask)
        want, want_coverage = full.search(query, k, mask)
        assert coverage == want_coverage
        assert list(got) == list(want) and list(got.values()) == pytest.approx(list(want.values()), rel=1e-9), query
        tokens = tokenize(query)
        used += index._top_by_rare_tokens(tokens, index.lookup(tokens), k, mask) is not None
    assert used > 50  # the shortcut really ran, not only the fallback
