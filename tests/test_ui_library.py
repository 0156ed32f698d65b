"""The Library tab's handlers and formatting, without a browser (fake encoder, temporary folders)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

import rag
from ui import app
from ui.library import LibraryTab, documents_html, job_html, status_html

FIXTURES = Path(__file__).parent / "fixtures"
NOTES = FIXTURES / "formats" / "notes.md"


@pytest.fixture
def library(mini_index, fake_encoder, tmp_path):
    lib = rag.Library(mini_index, tmp_path / "collections", encoder=fake_encoder)
    yield lib
    lib.close()


def settled(library: rag.Library, name: str) -> None:
    deadline = time.monotonic() + 30
    while library.job(name) and not library.job(name).finished:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_names_and_errors_are_escaped():
    doc = rag.Document('<img src=x onerror="x()">.txt', 2, 5, 0.0, 10)
    table = documents_html([doc])
    assert "<img" not in table and "&lt;img src=x" in table and "<td>2</td><td>5</td>" in table
    assert "<script>" not in status_html("error", "<script>x</script>\nline two")
    assert status_html("info", "a\nb").count("<br>") == 1
    job = rag.Job("c", "add", ("<b>a.txt</b>",), "failed", error="<i>boom</i>")
    assert "<b>" not in job_html(job) and "<i>" not in job_html(job) and "&lt;i&gt;boom" in job_html(job)


def test_a_running_job_shows_its_progress():
    job = rag.Job("c", "add", ("a.txt",), "running", done=3, total=12)
    assert '<progress max="12" value="3">' in job_html(job) and "3/12" in job_html(job)
    assert "正在删除" in job_html(rag.Job("c", "remove", ("a.txt",), "queued"))
    assert "已加入" in job_html(rag.Job("c", "add", ("a.txt",), "done"))


def test_upload_while_the_default_is_chosen_switches_to_a_new_collection(library):
    tab = LibraryTab(library)
    choice, status, cleared, timer = tab.upload([str(NOTES)], rag.DEFAULT_COLLECTION)
    name = choice["value"]
    assert name.startswith("uploads-") and name in choice["choices"] and cleared is None
    assert "notes.md" in status and timer.active
    settled(library, name)
    status, table, chosen, removal = tab.show(name)
    assert "notes.md" in table and chosen["choices"] == ["notes.md"] and removal["visible"]


def test_refused_upload_shows_the_reason_and_creates_nothing(library):
    tab = LibraryTab(library)
    choice, status, _, timer = tab.upload([str(FIXTURES / "binary.txt")], rag.DEFAULT_COLLECTION)
    assert "lib-error" in status and "binary.txt" in status and not timer.active
    assert library.names() == [rag.DEFAULT_COLLECTION]


def test_default_collection_offers_no_removal(library):
    status, table, chosen, removal = LibraryTab(library).show(rag.DEFAULT_COLLECTION)
    assert "read-only" in status and "page_a.txt" in table and removal["visible"] is False


def test_bad_name_is_refused_in_the_status(library):
    _, _, status = LibraryTab(library).create("../etc")
    assert "lib-error" in status and "not allowed" in status and library.names() == [rag.DEFAULT_COLLECTION]


def test_chat_answers_from_the_chosen_collection(library):
    respond = app.make_responder(library.retriever(rag.DEFAULT_COLLECTION), library)
    library.create("notes")
    empty = respond("社区食堂为老人提供什么?", [], 3, "hybrid", "notes")[0][-1]["content"]
    assert empty == app.TEXTS["zh"]["empty_collection"]
    library.submit_add("notes", [NOTES])
    settled(library, "notes")
    history, _, cites = respond("社区食堂为老人提供什么?", [], 3, "hybrid", "notes")
    assert "notes.md" in cites and "page_a.txt" not in cites
    _, _, default_cites = respond("流动图书车借出了多少册图书?", [], 3, "hybrid", rag.DEFAULT_COLLECTION)
    assert "page_a.txt" in default_cites
    unknown = respond("网格", [], 3, "hybrid", "ghost")[0][-1]["content"]
    assert unknown.startswith(app.TEXTS["zh"]["error"]) and "ghost" in unknown


def test_app_options_for_the_library_and_the_load(monkeypatch):
    monkeypatch.delenv("RAG_CONCURRENCY", raising=False)
    monkeypatch.delenv("RAG_BATCHING", raising=False)
    args = app.parse_args([])
    assert (args.concurrency, args.no_batching, args.collections, args.max_upload_mb) == (32, False, None, None)
    args = app.parse_args(["--collections", "/tmp/c", "--max-upload-mb", "5", "--concurrency", "8", "--no-batching"])
    assert (args.collections, args.max_upload_mb, args.concurrency, args.no_batching) == ("/tmp/c", 5.0, 8, True)
    monkeypatch.setenv("RAG_CONCURRENCY", "4")
    monkeypatch.setenv("RAG_BATCHING", "0")
    assert (app.parse_args([]).concurrency, app.parse_args([]).no_batching) == (4, True)
    with pytest.raises(SystemExit):
        app.parse_args(["--concurrency", "0"])
