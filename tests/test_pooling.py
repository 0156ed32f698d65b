"""Passage vectors pooled from sentence vectors (rag/pooling.py) and the build that uses them."""
from __future__ import annotations

import numpy as np
import pytest

from rag.build import build_index, previous_index
from rag.errors import RagError
from rag.pooling import PassagePooler, sentence_ranges, sentence_shares
from rag.reading import vector_key
from rag.retriever import Retriever


def spans(*rows: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    array = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return array[:, 0], array[:, 1], array[:, 2]


# Article 0: sentences [0,5) [5,12) [12,20); article 1 (same offsets, another file): [0,8).
SENTENCES = spans((0, 0, 5), (0, 5, 12), (0, 12, 20), (1, 0, 8))


def test_shares_weigh_each_sentence_by_the_characters_it_covers_in_the_passage():
    shares = sentence_shares(spans((0, 0, 10), (1, 0, 8)), SENTENCES)
    got = {(int(p), int(s)): round(float(w), 4) for p, s, w in zip(shares.passages, shares.sentences, shares.weights)}
    # Passage 0 covers all of sentence 0 (5 chars) and 5 of sentence 1's 7; never article 1's sentence.
    assert got == {(0, 0): 0.5, (0, 1): 0.5, (1, 3): 1.0}
    assert shares.pooled.tolist() == [True, True]


def test_a_passage_inside_one_sentence_is_encoded_not_pooled():
    shares = sentence_shares(spans((0, 6, 11), (0, 4, 20)), SENTENCES)
    assert shares.pooled.tolist() == [False, True]
    assert shares.encoded.tolist() == [0]
    assert set(shares.passages.tolist()) == {1}


def test_entries_are_in_sentence_order_even_when_sentence_rows_are_not():
    shuffled = spans((0, 12, 20), (0, 0, 5), (0, 5, 12))
    shares = sentence_shares(spans((0, 0, 20)), shuffled)
    assert shares.sentences.tolist() == [0, 1, 2]
    assert np.isclose(shares.weights.sum(), 1.0)


def test_sentence_ranges_are_the_runs_of_sentence_ids_overlapping_each_passage():
    ranges = sentence_ranges(spans((0, 0, 10), (0, 6, 11), (0, 12, 20), (1, 0, 8), (2, 0, 9)), SENTENCES)
    # Passage 4 is in an article without sentences: an empty run.
    assert ranges.tolist() == [[0, 2], [1, 2], [2, 3], [3, 4], [4, 4]]


def test_sentence_ranges_are_not_made_when_sentence_ids_are_out_of_file_order():
    assert sentence_ranges(spans((0, 0, 20)), spans((0, 12, 20), (0, 0, 5), (0, 5, 12))) is None


def test_a_build_saves_each_passages_sentences_and_search_reads_them_not_the_store(mini_corpus, fake_encoder,
                                                                                   tmp_path):
    data = build_index(mini_corpus, tmp_path / "index", fake_encoder, calibrate=False)
    store = data.store
    assert data.passage_sentences is not None and (tmp_path / "index" / "passage_sentences.npy").is_file()
    for pid, (first, past) in enumerate(data.passage_sentences.tolist()):
        p = store.passages[pid]
        assert list(range(first, past)) == store.sentences_within(p.source, p.start, p.end)
    retriever = Retriever(data, fake_encoder, tmp_path / "index")
    questions = [s.text[:12] for s in list(store.sentences)[::7]]
    with_runs = [retriever.search(q, k=5) for q in questions]
    data.passage_sentences = None  # an index built before the runs were saved asks the store
    assert [retriever.search(q, k=5) for q in questions] == with_runs


def test_pooling_in_blocks_gives_the_normalised_weighted_mean():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(4, 8)).astype(np.float32)
    shares = sentence_shares(spans((0, 0, 10), (0, 3, 20), (1, 0, 8)), SENTENCES)
    whole = np.zeros((3, 8), np.float16)
    pooler = PassagePooler(shares, whole)
    pooler.add(0, vectors)
    pooler.finish()
    split = np.zeros((3, 8), np.float16)
    pooler = PassagePooler(shares, split)
    pooler.add(0, vectors[:1])  # passage 1 straddles the two blocks
    pooler.add(1, vectors[1:])
    pooler.finish()
    expected = 0.5 * vectors[0] + 0.5 * vectors[1]
    assert np.allclose(whole[0], expected / np.linalg.norm(expected), atol=2e-3)
    assert np.allclose(whole, split, atol=2e-3)
    assert np.allclose(np.linalg.norm(whole.astype(np.float32), axis=1), 1.0, atol=2e-3)


def test_a_build_pools_passages_and_encodes_only_sentences_and_sentence_less_passages(mini_corpus, fake_encoder,
                                                                                      tmp_path):
    data = build_index(mini_corpus, tmp_path / "index", fake_encoder, calibrate=False)
    counts, store = data.manifest["build"], data.store
    assert data.manifest["passage_vectors"] == "pooled"
    assert counts["pooled"] + counts["embedded"] + counts["reused"] == len(store.passages) + len(store.sentences)
    assert counts["pooled"] > 0 and counts["embedded"] == len(store.sentences) + len(store.passages) - counts["pooled"]
    shares = sentence_shares(store.spans("passages"), store.spans("sentences"))
    sentence_vectors = fake_encoder.encode_passages(list(store.sentences))
    for pid in np.flatnonzero(shares.pooled)[:20]:
        mine = shares.passages == pid
        mean = shares.weights[mine] @ sentence_vectors[shares.sentences[mine]]
        assert np.allclose(data.dense.vectors([int(pid)])[0], mean / np.linalg.norm(mean), atol=5e-3)


def test_a_rebuild_reuses_every_encoded_text_and_pools_again(mini_corpus, fake_encoder, tmp_path):
    first = build_index(mini_corpus, tmp_path / "index", fake_encoder, calibrate=False)
    again = build_index(mini_corpus, tmp_path / "index", fake_encoder, calibrate=False)
    assert again.manifest["build"]["embedded"] == 0
    assert again.manifest["build"]["pooled"] == first.manifest["build"]["pooled"]
    ids = list(range(len(first.passages)))
    assert np.allclose(first.dense.vectors(ids), again.dense.vectors(ids), atol=1e-2)


def test_a_pooled_vector_is_never_reused_for_a_passage_that_must_be_encoded(mini_corpus, fake_encoder, tmp_path):
    """Should a passage's sentences change around it (its text and key unchanged) so that it holds no whole
    sentence any more, its previous vector was pooled and must be encoded now."""

    data = build_index(mini_corpus, tmp_path / "index", fake_encoder, calibrate=False)
    previous = previous_index(tmp_path / "index", fake_encoder)
    keys = np.array([vector_key(fake_encoder, p) for p in data.passages])
    pooled = sentence_shares(data.store.spans("passages"), data.store.spans("sentences")).pooled
    assert (previous.rows("passages", keys) >= 0).all()
    assert ((previous.encoded_passage_rows(keys) >= 0) == ~pooled).all()


def test_encoded_passage_vectors_encode_every_passage_and_later_builds_keep_the_choice(mini_corpus, fake_encoder,
                                                                                     tmp_path):
    index = tmp_path / "index"
    data = build_index(mini_corpus, index, fake_encoder, calibrate=False, passage_vectors="encoded")
    assert data.manifest["passage_vectors"] == "encoded" and data.manifest["build"]["pooled"] == 0
    assert data.manifest["build"]["embedded"] == len(data.passages) + len(data.sentences)
    ids = list(range(len(data.passages)))
    assert np.allclose(data.dense.vectors(ids), fake_encoder.encode_passages(list(data.passages)), atol=2e-2)
    again = build_index(mini_corpus, index, fake_encoder, calibrate=False)  # e.g. `rag index add`
    assert again.manifest["passage_vectors"] == "encoded" and again.manifest["build"]["embedded"] == 0
    pooled = build_index(mini_corpus, index, fake_encoder, calibrate=False, passage_vectors="pooled")
    assert pooled.manifest["build"]["pooled"] > 0 and pooled.manifest["build"]["embedded"] == 0


def test_an_unknown_passage_vector_choice_is_refused_before_anything_is_built(mini_corpus, fake_encoder, tmp_path):
    with pytest.raises(RagError, match="pooled, encoded"):
        build_index(mini_corpus, tmp_path / "index", fake_encoder, passage_vectors="mean")
    assert not (tmp_path / "index").exists()
