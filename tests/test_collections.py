"""The Library's collections (rag.collections) with the fake encoder: names, uploads, removal,
limits, refusals, the read-only default, and indexing in the background with the swap at the end."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import rag
from rag.testing import FakeEncoder

from support import corpus_files

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = FIXTURES / "formats"
MUSEUM_PAGE = "◎文化\n\n博物馆夜间开放\n\n本报记者 测试员\n\n乌兰察布市博物馆从七月起每周五晚上开放到九点,市民下班后也能参观恐龙化石展。\n"


@pytest.fixture
def library(mini_index: Path, fake_encoder: FakeEncoder, tmp_path: Path):
    lib = rag.Library(mini_index, tmp_path / "collections", encoder=fake_encoder)
    yield lib
    lib.close()


@pytest.fixture
def museum(tmp_path: Path) -> Path:
    """An upload as Gradio hands it over: a file in a temporary folder, under its original name."""
    path = tmp_path / "upload" / "博物馆.txt"
    path.parent.mkdir()
    path.write_text(MUSEUM_PAGE, encoding="utf-8")
    return path


def finished(job: rag.Job, timeout: float = 30) -> rag.Job:
    deadline = time.monotonic() + timeout
    while not job.finished:
        assert time.monotonic() < deadline, f"job still {job.state} after {timeout} s"
        time.sleep(0.02)
    return job


def add(library: rag.Library, name: str, *paths: Path) -> rag.Job:
    job = finished(library.submit_add(name, list(paths)))
    assert job.state == "done", job.error
    return job


def sources_found(library: rag.Library, name: str, query: str) -> set[str]:
    return {h.source for h in library.retriever(name).search(query, k=10)}


# --- names -----------------------------------------------------------------------------

def test_create_lists_the_collection_after_the_default(library, tmp_path):
    assert library.names() == [rag.DEFAULT_COLLECTION]
    assert library.create(" 2024年报道 ") == "2024年报道"
    library.create("b-news")
    assert library.names() == [rag.DEFAULT_COLLECTION, "2024年报道", "b-news"]
    assert (tmp_path / "collections" / "2024年报道" / "corpus").is_dir()
    assert library.documents("2024年报道") == [] and library.retriever("2024年报道") is None
    with pytest.raises(rag.CorpusError, match="already exists"):
        library.create("b-news")


@pytest.mark.parametrize("bad", ["", "  ", "../x", "a/b", ".hidden", "_x", "-x", "a b", "a.b", "x" * 41,
                                 rag.DEFAULT_COLLECTION, None, 7])
def test_bad_collection_names_are_refused_with_the_rule(library, bad, tmp_path):
    with pytest.raises(rag.CorpusError, match="not allowed|read-only default"):
        library.create(bad)
    assert library.names() == [rag.DEFAULT_COLLECTION]
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("given, stored", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\报道.md", "报道.md"),
    (".hidden.txt", "hidden.txt"),
    ("...txt.txt", "txt.txt"),
    ("页面 A.TXT", "页面 A.TXT"),
    ('a<b>:c"d|e?f*.jsonl', "a_b__c_d_e_f_.jsonl"),
    ("tab\tand\x00nul.htm", "tab_and_nul.htm"),
    ("长" * 200 + ".html", "长" * 115 + ".html"),
])
def test_upload_names_are_made_safe(given, stored):
    assert rag.safe_file_name(given) == stored


@pytest.mark.parametrize("given", ["report.pdf", "archive.tar.gz", ".txt", "noext", "../", "", "x.txt/.."])
def test_upload_names_without_a_known_suffix_are_refused(given):
    with pytest.raises(rag.CorpusError, match=r"takes only \.txt, \.md, \.html, \.htm, \.jsonl"):
        rag.safe_file_name(given)


def test_names_ignore_folders_that_are_no_collection(library, tmp_path):
    root = tmp_path / "collections"
    (root / ".incoming" / "corpus").mkdir(parents=True)
    (root / "no-corpus").mkdir()
    library.create("real")
    assert library.names() == [rag.DEFAULT_COLLECTION, "real"]


# --- adding and listing ---------------------------------------------------------------------

def test_upload_indexes_the_file_and_lists_it(library, museum, mini_corpus):
    default_before = library.retriever(rag.DEFAULT_COLLECTION)
    started = time.time()
    library.create("文化")
    job = add(library, "文化", museum)
    assert job.files == ("博物馆.txt",) and job.total > 0 and job.done == job.total
    [doc] = library.documents("文化")
    assert (doc.source, doc.articles) == ("博物馆.txt", 1)
    assert doc.passages >= 1 and started - 1 <= doc.added <= time.time() + 1 and doc.size == museum.stat().st_size
    assert sources_found(library, "文化", "博物馆晚上开放到几点?") == {"博物馆.txt"}
    answer = library.retriever("文化").answer("乌兰察布市博物馆每周五晚上开放到几点?")
    assert answer.quotes and answer.quotes[0].source == "博物馆.txt"
    assert library.retriever(rag.DEFAULT_COLLECTION) is default_before  # other collections untouched
    assert "博物馆.txt" not in corpus_files(mini_corpus)


def test_every_format_and_encoding_the_cli_reads_is_taken(library, tmp_path):
    names = ["page_gbk.txt", "page_utf16le.txt", "page_utf8_bom_crlf.txt", "article.html", "article_gbk.htm",
             "articles.jsonl", "notes.md"]
    library.create("formats")
    add(library, "formats", *[FORMATS / n for n in names])
    docs = library.documents("formats")
    assert [d.source for d in docs] == sorted(names)
    assert all(d.articles >= 1 and d.passages >= 1 for d in docs), docs


def test_second_upload_goes_through_the_journal_and_a_same_name_replaces(library, museum, tmp_path):
    library.create("news")
    add(library, "news", museum)
    add(library, "news", FIXTURES / "mini_corpus" / "page_b.txt")
    assert [d.source for d in library.documents("news")] == ["page_b.txt", "博物馆.txt"]
    museum.write_text(MUSEUM_PAGE.replace("恐龙化石展", "草原岩画展"), encoding="utf-8")
    add(library, "news", museum)
    assert [d.source for d in library.documents("news")] == ["page_b.txt", "博物馆.txt"]
    assert "草原岩画展" in (tmp_path / "collections" / "news" / "corpus" / "博物馆.txt").read_text(encoding="utf-8")
    assert not list((tmp_path / "collections" / "news" / ".incoming").iterdir())  # uploads cleaned up


def test_removing_files_updates_the_index_and_removing_all_empties_it(library, museum, tmp_path):
    library.create("news")
    add(library, "news", museum, FIXTURES / "mini_corpus" / "page_b.txt")
    job = finished(library.submit_remove("news", ["博物馆.txt"]))
    assert job.state == "done", job.error
    assert [d.source for d in library.documents("news")] == ["page_b.txt"]
    assert "博物馆.txt" not in sources_found(library, "news", "博物馆晚上开放")
    assert finished(library.submit_remove("news", ["page_b.txt"])).state == "done"
    assert library.documents("news") == [] and library.retriever("news") is None
    assert not (tmp_path / "collections" / "news" / "index").exists()
    add(library, "news", museum)  # an emptied collection takes files again
    assert sources_found(library, "news", "博物馆晚上开放") == {"博物馆.txt"}


def test_removing_an_unknown_file_fails_the_job_and_changes_nothing(library, museum):
    library.create("news")
    add(library, "news", museum)
    before = library.retriever("news")
    job = finished(library.submit_remove("news", ["nope.txt"]))
    assert job.state == "failed" and "nope.txt" in job.error
    assert library.retriever("news") is before and [d.source for d in library.documents("news")] == ["博物馆.txt"]
    with pytest.raises(rag.CorpusError, match="no document chosen"):
        library.submit_remove("news", [])


# --- refusals -------------------------------------------------------------------------------

def unchanged(library: rag.Library, name: str, tmp_path: Path) -> list[str]:
    """The collection's files, after checking no upload was left behind."""
    incoming = tmp_path / "collections" / name / ".incoming"
    assert not incoming.exists() or not list(incoming.iterdir())
    assert library.job(name) is None or library.job(name).finished
    return [d.source for d in library.documents(name)]


def test_binary_upload_is_refused_before_anything_is_staged(library, museum, tmp_path):
    library.create("news")
    add(library, "news", museum)
    with pytest.raises(rag.CorpusError, match=r"cannot add binary\.txt: contains NUL bytes.*binary.*UTF-8"):
        library.submit_add("news", [FIXTURES / "binary.txt"])
    assert unchanged(library, "news", tmp_path) == ["博物馆.txt"]


@pytest.mark.parametrize("content, why", [
    (b"", "empty file"),
    ("标题\n\n正文。".encode("utf-8") + b"\x80\xff\x80", "not valid gb18030"),
    ("◎新闻\n\n".encode("utf-8"), "no article text"),
    ("一\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10".encode() * 4, "is full of control characters"),
], ids=["empty", "undecodable", "no-article", "control-characters"])
def test_unusable_text_is_refused_with_the_reason(library, tmp_path, content, why):
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    library.create("news")
    with pytest.raises(rag.CorpusError, match=f"cannot add bad.md: {why}"):
        library.submit_add("news", [bad])
    assert unchanged(library, "news", tmp_path) == []


def test_one_bad_file_in_a_batch_refuses_the_whole_batch(library, museum, tmp_path):
    library.create("news")
    with pytest.raises(rag.CorpusError, match="binary.txt"):
        library.submit_add("news", [museum, FIXTURES / "binary.txt"])
    assert unchanged(library, "news", tmp_path) == []


def test_uploads_over_the_size_limit_are_refused(mini_index, fake_encoder, museum, tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MAX_UPLOAD_MB", "0.0001")  # 104 bytes: the museum page is larger
    library = rag.Library(mini_index, tmp_path / "collections", encoder=fake_encoder)
    library.create("news")
    with pytest.raises(rag.CorpusError, match=r"博物馆.txt: it is 0\.0 MB and uploads are limited to 0\.0001 MB"):
        library.submit_add("news", [museum])
    assert unchanged(library, "news", tmp_path) == []
    roomy = rag.Library(mini_index, tmp_path / "collections", max_upload_mb=1, encoder=fake_encoder)
    assert finished(roomy.submit_add("news", [museum])).state == "done"


def test_default_limit_is_twenty_megabytes(mini_index, fake_encoder, tmp_path, monkeypatch):
    monkeypatch.delenv("RAG_MAX_UPLOAD_MB", raising=False)
    assert rag.Library(mini_index, tmp_path, encoder=fake_encoder).max_upload_mb == rag.MAX_UPLOAD_MB == 20
    with pytest.raises(rag.CorpusError, match="above 0"):
        rag.Library(mini_index, tmp_path, max_upload_mb=0, encoder=fake_encoder)


def test_the_default_collection_is_read_only(library, museum, mini_corpus):
    before = corpus_files(mini_corpus)
    for change in (lambda: library.submit_add(rag.DEFAULT_COLLECTION, [museum]),
                   lambda: library.submit_remove(rag.DEFAULT_COLLECTION, ["page_a.txt"])):
        with pytest.raises(rag.CorpusError, match="read-only"):
            change()
    assert corpus_files(mini_corpus) == before
    assert [d.source for d in library.documents(rag.DEFAULT_COLLECTION)] == ["page_a.txt", "page_b.txt"]


def test_unknown_collection_is_named(library, museum):
    with pytest.raises(rag.CorpusError, match="no collection named 'ghost'"):
        library.submit_add("ghost", [museum])


# --- background indexing and the swap ---------------------------------------------------------

class GatedEncoder(FakeEncoder):
    """The fake encoder, holding every passage encoding until the gate opens."""

    def __init__(self):
        super().__init__(64)
        self.gate = threading.Event()
        self.gate.set()

    def encode_passages(self, passages, progress=None):
        assert self.gate.wait(30), "the test never opened the gate"
        return super().encode_passages(passages, progress)


def test_chat_keeps_the_previous_index_until_the_new_one_is_swapped_in(mini_index, museum, tmp_path):
    encoder = GatedEncoder()
    library = rag.Library(mini_index, tmp_path / "collections", encoder=encoder)
    library.create("news")
    encoder.gate.clear()
    first = library.submit_add("news", [FIXTURES / "mini_corpus" / "page_b.txt"])
    while first.state == "queued":
        time.sleep(0.01)
    assert library.documents("news") == [] and library.retriever("news") is None  # listed once indexed
    encoder.gate.set()
    assert finished(first).state == "done"
    previous = library.retriever("news")
    encoder.gate.clear()
    job = library.submit_add("news", [museum])
    while job.state == "queued":
        time.sleep(0.01)
    assert job.state == "running" and library.retriever("news") is previous
    assert "博物馆.txt" not in sources_found(library, "news", "博物馆晚上开放")
    encoder.gate.set()
    assert finished(job).state == "done"
    assert library.retriever("news") is not previous
    assert "博物馆.txt" in sources_found(library, "news", "博物馆晚上开放")
    library.close()


def test_collections_root_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_COLLECTIONS", str(tmp_path / "elsewhere"))
    assert rag.default_collections_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("RAG_COLLECTIONS")
    assert rag.default_collections_dir().parts[-2:] == ("indexes", "collections")


def test_collection_copy_survives_a_fresh_library(library, museum, mini_index, fake_encoder, tmp_path):
    library.create("news")
    add(library, "news", museum)
    again = rag.Library(mini_index, tmp_path / "collections", encoder=fake_encoder)
    assert [d.source for d in again.documents("news")] == ["博物馆.txt"]
    assert sources_found(again, "news", "博物馆晚上开放") == {"博物馆.txt"}


def test_an_upload_for_the_default_collection_can_go_to_a_new_one(library, museum, tmp_path):
    with pytest.raises(rag.CorpusError, match="binary.txt"):
        library.submit_add(rag.DEFAULT_COLLECTION, [FIXTURES / "binary.txt"], new_if_read_only=True)
    assert library.names() == [rag.DEFAULT_COLLECTION]  # a refused upload creates nothing
    job = finished(library.submit_add(rag.DEFAULT_COLLECTION, [museum], new_if_read_only=True))
    assert job.state == "done" and job.collection.startswith("uploads-")
    assert library.names() == [rag.DEFAULT_COLLECTION, job.collection]
    assert [d.source for d in library.documents(job.collection)] == ["博物馆.txt"]
