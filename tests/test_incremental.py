"""Incremental builds: unchanged units keep their vectors; `rag index add` / `remove` update an index."""
from __future__ import annotations

import json
import shutil
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest

import rag
from rag.build import build_index, vector_key
from rag.pooling import sentence_shares
from rag.update import add_files
from rag.cli import main
from rag.testing import FakeEncoder
from rag.index import KEYS_DIR, MANIFEST, VECTORS, load_index

from support import corpus_files, read_source


class CountingEncoder(FakeEncoder):
    """The fake encoder, counting the units it is asked to embed."""

    def __init__(self, dim: int = 64):
        super().__init__(dim)
        self.encoded = 0

    def encode_passages(self, passages, progress=None):
        self.encoded += len(passages)
        return super().encode_passages(passages, progress)


def units(data) -> int:
    return len(data.passages) + len(data.sentences)


def encoded_texts(data) -> list:
    """What a build encodes: every sentence, and the passages holding no whole sentence (the rest are
    pooled from their sentences' vectors, rag/pooling.py)."""
    pooled = sentence_shares(data.store.spans("passages"), data.store.spans("sentences")).pooled
    return [p for p, is_pooled in zip(data.passages, pooled) if not is_pooled] + list(data.sentences)


def encoded(data) -> int:
    return units(data) - data.manifest["build"]["pooled"]


def search_results(index_dir: Path, queries=("网格员培训", "群众办事少跑腿", "宣传册")) -> list:
    r = rag.Retriever.load(index_dir, encoder=FakeEncoder(64))
    return [[(h.source, h.start, h.end, round(h.score, 6)) for h in r.search(q, k=5, mode=mode)]
            for q in queries for mode in rag.MODES]


def edit_paragraph(corpus: Path) -> None:
    path = corpus / "page_b.txt"
    text = read_source(corpus, "page_b.txt")
    assert "过去办一件事要跑三趟" in text
    path.write_bytes(text.replace("过去办一件事要跑三趟", "过去办一件事要跑五趟").encode("utf-8"))


def test_unchanged_corpus_encodes_nothing_the_second_time(mini_corpus, tmp_path):
    enc = CountingEncoder()
    first = build_index(mini_corpus, tmp_path / "idx", enc)
    pooled = first.manifest["build"]["pooled"]
    assert 0 < pooled <= len(first.passages) and enc.encoded == len(encoded_texts(first)) == encoded(first)
    assert first.manifest["build"] == {"embedded": encoded(first), "reused": 0, "pooled": pooled}
    enc.encoded = 0
    second = build_index(mini_corpus, tmp_path / "idx", enc)
    assert enc.encoded == 0
    assert second.manifest["build"] == {"embedded": 0, "reused": encoded(second), "pooled": pooled}


def test_one_changed_paragraph_reencodes_only_its_units(mini_corpus, tmp_path):
    enc = CountingEncoder()
    before = build_index(mini_corpus, tmp_path / "idx", enc)
    old_keys = {vector_key(enc, u) for u in before.passages + before.sentences}
    edit_paragraph(mini_corpus)
    enc.encoded = 0
    after = build_index(mini_corpus, tmp_path / "idx", enc)
    changed = [u for u in encoded_texts(after) if vector_key(enc, u) not in old_keys]
    assert changed and {u.source for u in changed} == {"page_b.txt"}
    assert all("五趟" in u.text for u in changed)
    assert enc.encoded == len(changed) < encoded(after)


def test_incremental_result_equals_a_fresh_build(mini_corpus, tmp_path):
    build_index(mini_corpus, tmp_path / "inc", FakeEncoder(64))
    edit_paragraph(mini_corpus)
    (mini_corpus / "page_a.txt").rename(mini_corpus / "page_c.txt")  # moved file: same text, new source
    inc = build_index(mini_corpus, tmp_path / "inc", CountingEncoder())
    fresh = build_index(mini_corpus, tmp_path / "fresh", FakeEncoder(64), incremental=False)
    assert inc.manifest["build"]["reused"] > 0
    assert [astuple(p) for p in inc.passages] == [astuple(p) for p in fresh.passages]
    assert [astuple(s) for s in inc.sentences] == [astuple(s) for s in fresh.sentences]
    # The incremental build keeps the quantisers it was trained with, a fresh one trains its own:
    # equal up to 8-bit quantisation.
    n, m = len(fresh.passages), len(fresh.sentences)
    assert np.allclose(inc.dense.vectors(list(range(n))), fresh.dense.vectors(list(range(n))), atol=0.02)
    assert np.allclose(inc.sentence_dense.vectors(list(range(m))), fresh.sentence_dense.vectors(list(range(m))), atol=0.02)
    for got, want in zip(search_results(tmp_path / "inc"), search_results(tmp_path / "fresh")):
        assert [h[:3] for h in got] == [h[:3] for h in want]
        assert np.allclose([h[3] for h in got], [h[3] for h in want], atol=0.01)


def test_rebuilding_an_unchanged_small_corpus_keeps_every_sentence_code(mini_corpus, tmp_path):
    """A quantiser trained on a few pages is retrained when new text comes, but a rebuild with nothing
    new must not decode and code the reused vectors again: they would drift at every rebuild."""
    first = build_index(mini_corpus, tmp_path / "idx", FakeEncoder(64))
    m = len(first.sentences)
    codes = first.sentence_dense.vectors(list(range(m)))
    for _ in range(2):
        again = build_index(mini_corpus, tmp_path / "idx", CountingEncoder())
        assert again.manifest["build"]["embedded"] == 0
        assert np.array_equal(again.sentence_dense.vectors(list(range(m))), codes)


def test_unusable_previous_index_is_ignored(mini_corpus, tmp_path):
    enc = CountingEncoder()
    first = build_index(mini_corpus, tmp_path / "idx", enc)
    (tmp_path / "idx" / VECTORS).write_bytes(b"garbage")
    enc.encoded = 0
    build_index(mini_corpus, tmp_path / "idx", enc)
    assert enc.encoded == encoded(first)  # corrupt: everything embedded again
    enc.encoded, other = 0, CountingEncoder(32)
    build_index(mini_corpus, tmp_path / "idx", other)
    assert other.encoded == encoded(first)  # another model: nothing reused
    assert load_index(tmp_path / "idx").dense.dim == 32


def test_vectors_are_not_reused_when_the_recorded_keys_differ(mini_corpus, tmp_path):
    """Keys are the ones recorded at build time, e.g. before a prompt template changed."""
    enc = CountingEncoder()
    first = build_index(mini_corpus, tmp_path / "idx", enc)
    manifest_path = tmp_path / "idx" / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    shutil.rmtree(tmp_path / "idx" / KEYS_DIR)  # an index from before incremental builds
    manifest["parts"] = {k: v for k, v in manifest["parts"].items() if not k.startswith(f"{KEYS_DIR}/")}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    enc.encoded = 0
    build_index(mini_corpus, tmp_path / "idx", enc)
    assert enc.encoded == encoded(first)


# --- rag index add / remove ------------------------------------------------------

@pytest.fixture
def cli_index(mini_corpus, tmp_path, capsys):
    """An index over a corpus of page_a.txt only; page_b.txt is kept aside to be added."""
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.move(mini_corpus / "page_b.txt", extra / "page_b.txt")
    index_dir = tmp_path / "idx"
    assert main(["index", "build", "--corpus", str(mini_corpus), "--index", str(index_dir), "--model", "fake-64"]) == 0
    capsys.readouterr()
    return index_dir


def sources_found(index_dir: Path, capsys, query: str = "群众办事少跑腿") -> set[str]:
    assert main(["search", query, "--k", "10", "--json", "--index", str(index_dir)]) == 0
    return {h["source"] for h in json.loads(capsys.readouterr().out)}


def test_add_then_remove_updates_search(cli_index, mini_corpus, tmp_path, capsys):
    assert sources_found(cli_index, capsys) == {"page_a.txt"}
    assert main(["index", "add", str(tmp_path / "extra" / "page_b.txt"), "--index", str(cli_index)]) == 0
    out = capsys.readouterr().out
    assert "updated" in out and "reused" in out and "embedded" in out
    assert (mini_corpus / "page_b.txt").is_file()
    assert sources_found(cli_index, capsys) == {"page_a.txt", "page_b.txt"}
    manifest = load_index(cli_index).manifest
    assert manifest["build"]["reused"] > 0 and manifest["build"]["embedded"] > 0
    assert main(["index", "remove", "page_b.txt", "--index", str(cli_index)]) == 0
    assert "0 embedded" in capsys.readouterr().out  # page_a's units are all reused
    assert not (mini_corpus / "page_b.txt").exists()
    assert sources_found(cli_index, capsys) == {"page_a.txt"}
    assert rag.Retriever.load(cli_index, encoder=FakeEncoder(64))  # fresh against the corpus on disk


def test_add_refuses_an_existing_name_unless_replace(cli_index, mini_corpus, tmp_path, capsys):
    new = tmp_path / "elsewhere" / "page_a.txt"
    new.parent.mkdir()
    new.write_text("◎新闻\n\n新的标题\n\n博物馆延长开放时间,市民晚上也能参观。\n",
                   encoding="utf-8")
    with pytest.raises(rag.CorpusError, match="--replace"):
        add_files(cli_index, [new])
    assert main(["index", "add", str(new), "--index", str(cli_index)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag: error:") and "page_a.txt" in err and "--replace" in err
    assert "博物馆" not in read_source(mini_corpus, "page_a.txt")
    assert main(["index", "add", str(new), "--replace", "--index", str(cli_index)]) == 0
    capsys.readouterr()
    assert "博物馆" in read_source(mini_corpus, "page_a.txt")
    assert sources_found(cli_index, capsys, "博物馆延长开放时间") == {"page_a.txt"}


@pytest.mark.parametrize("args, words", [
    (["index", "remove", "nope.txt"], ["nope.txt", "page_a.txt"]),
    (["index", "remove", "page_a.txt"], ["every file"]),
    (["index", "add", "missing.txt"], ["missing.txt", "no such file"]),
    (["index", "add", str(Path(__file__).parent / "fixtures" / "binary.txt")], ["binary.txt", "NUL bytes", "UTF-8"]),
])
def test_bad_add_or_remove_is_a_rag_error_with_exit_2(cli_index, mini_corpus, capsys, args, words):
    before = corpus_files(mini_corpus)
    assert main([*args, "--index", str(cli_index)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag: error:") and "Traceback" not in err
    assert all(w in err for w in words), err
    assert corpus_files(mini_corpus) == before
    assert not [p for p in mini_corpus.iterdir() if p.name not in before and p.name != ".rag-lock"]


def test_add_to_a_missing_index_names_the_fix(tmp_path, capsys):
    assert main(["index", "add", str(tmp_path / "x.txt"), "--index", str(tmp_path / "none")]) == 2
    assert "rag index build" in capsys.readouterr().err


def test_the_seed_corpus_is_never_changed_by_add_or_remove(tmp_path, monkeypatch):
    import json

    from rag.update import SEED_CORPUS
    from rag.cli import main
    from rag.index import FORMAT_VERSION
    from rag.text import TOKENIZER_VERSION

    index_dir = tmp_path / "idx"
    index_dir.mkdir()
    manifest = {"format_version": FORMAT_VERSION, "tokenizer": TOKENIZER_VERSION,
                "corpus": {"root": str(SEED_CORPUS)}, "model": {"name": "fake-64"}, "chunking": {"size": 300, "overlap": 60}}
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = sorted(p.name for p in SEED_CORPUS.iterdir())
    assert main(["index", "remove", before[0], "--index", str(index_dir)]) == 2
    assert sorted(p.name for p in SEED_CORPUS.iterdir()) == before


def test_a_plain_build_writes_nothing_into_the_corpus(mini_corpus, tmp_path):
    before = sorted(p.name for p in mini_corpus.iterdir())
    assert main(["index", "build", "--corpus", str(mini_corpus), "--index", str(tmp_path / "i"), "--model", "fake-64"]) == 0
    assert sorted(p.name for p in mini_corpus.iterdir()) == before  # no lock, no journal: seeds/ stays as shipped


def test_vectors_survive_a_new_keyword_tokeniser(mini_corpus, tmp_path):
    """Vectors do not depend on the keyword tokeniser: upgrading it rebuilds BM25, not the vectors."""
    enc = CountingEncoder()
    build_index(mini_corpus, tmp_path / "idx", enc)
    manifest_path = tmp_path / "idx" / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(json.dumps({**manifest, "tokenizer": "jieba-search/older"}), encoding="utf-8")
    with pytest.raises(rag.IndexStaleError, match="keyword tokeniser"):
        rag.Retriever.load(tmp_path / "idx", encoder=enc)
    enc.encoded = 0
    build_index(mini_corpus, tmp_path / "idx", enc)
    assert enc.encoded == 0
