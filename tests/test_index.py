"""Index build, save/load round trip, and refusal of missing, corrupted, stale or foreign indexes."""
from __future__ import annotations

import json

import pytest

import rag
from rag.build import build_index
from rag.testing import FakeEncoder
from rag.index import FORMAT_VERSION, MANIFEST, VECTORS, load_index

from support import read_source


def test_round_trip_keeps_every_passage_verbatim(mini_index, mini_corpus):
    data = load_index(mini_index)
    assert len(data.passages) == len(data.dense) == data.manifest["passages"] > 3
    for p in data.passages:
        assert read_source(mini_corpus, p.source)[p.start:p.end] == p.text
    assert {p.title for p in data.passages} >= {"草原上的流动图书馆", "让数据多跑路"}


def test_the_store_keeps_the_whitespace_between_an_articles_sentences_verbatim(mini_index, mini_corpus):
    """A paragraph break a quote may cross (rag.answer.after_gap) is read from the store as the file has it."""
    data = load_index(mini_index)
    sentences = list(data.sentences)
    gaps = data.store.gaps_before(list(range(len(sentences))))
    assert data.store.gaps_kept and any("\n" in gap for gap in gaps.values())
    for sid, gap in gaps.items():
        before, after = sentences[sid - 1], sentences[sid]
        assert read_source(mini_corpus, after.source)[before.end:after.start] == gap and gap.isspace()


def test_manifest_names_model_chunking_corpus_and_parts(mini_index):
    manifest = json.loads((mini_index / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == {"name": "fake-64", "fingerprint": "fake-64", "dim": 64}
    assert manifest["chunking"]["size"] > manifest["chunking"]["overlap"] > 0
    assert set(manifest["corpus"]["files"]) == {"page_a.txt", "page_b.txt"}
    assert VECTORS in manifest["parts"] and "store.sqlite" in manifest["parts"]
    assert "embedding_keys" not in manifest  # the keys are a part of their own (keys/)


def test_missing_index_names_the_build_command(tmp_path, fake_encoder):
    with pytest.raises(rag.IndexMissingError, match="rag index build"):
        rag.Retriever.load(tmp_path / "nowhere", encoder=fake_encoder)


@pytest.mark.parametrize("part", [VECTORS, "store.sqlite", MANIFEST])
def test_truncated_part_is_a_rag_error_naming_file_and_fix(mini_index, fake_encoder, part):
    path = mini_index / part
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(rag.RagError, match="rag index build") as err:
        rag.Retriever.load(mini_index, encoder=fake_encoder)
    assert part in str(err.value) or "manifest" in str(err.value)


def test_other_format_version_is_refused(mini_index, fake_encoder):
    path = mini_index / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "format_version": 99}), encoding="utf-8")
    with pytest.raises(rag.IndexCorruptError, match="version 99.*rag index build"):
        rag.Retriever.load(mini_index, encoder=fake_encoder)


def test_changed_corpus_makes_the_index_stale(mini_index, mini_corpus, fake_encoder):
    with open(mini_corpus / "page_b.txt", "a", encoding="utf-8") as f:
        f.write("\n新增的一段话。\n")
    with pytest.raises(rag.IndexStaleError, match="page_b.txt.*rag index build"):
        rag.Retriever.load(mini_index, encoder=fake_encoder)


def test_index_from_another_model_is_refused(mini_index):
    with pytest.raises(rag.IndexStaleError, match="fake-64.*--model fake-32"):
        rag.Retriever.load(mini_index, encoder=FakeEncoder(32))


def test_rebuild_replaces_atomically_and_cleans_up(mini_index, mini_corpus, fake_encoder):
    first = mini_index.resolve()
    build_index(mini_corpus, mini_index, fake_encoder)
    assert mini_index.resolve() != first and not first.exists()
    siblings = [p.name for p in mini_index.parent.iterdir()]
    assert len(siblings) == 2  # the link and the one build it points to


def test_crash_before_the_swap_leaves_the_previous_index_loadable(mini_index, mini_corpus, fake_encoder, monkeypatch):
    before = load_index(mini_index).passages

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("rag.index._write_durably", crash)  # the manifest is the last write
    with open(mini_corpus / "page_a.txt", "a", encoding="utf-8") as f:
        f.write("\n追加内容。\n")
    with pytest.raises(OSError):
        build_index(mini_corpus, mini_index, fake_encoder)
    assert load_index(mini_index).passages == before


def test_empty_corpus_is_a_clear_error(tmp_path, fake_encoder):
    (tmp_path / "corpus").mkdir()
    with pytest.raises(rag.CorpusError, match="corpus"):
        build_index(tmp_path / "corpus", tmp_path / "idx", fake_encoder)
    assert not (tmp_path / "idx").exists()
