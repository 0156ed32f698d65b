"""The Library tab in a real browser (Debian's chromium, headless): upload through the page's
``<input type=file>``, the chat answering from the upload, removal, and a refused binary file.

The app runs on a fake-encoder index in a temporary folder with its collections beside it, so
nothing is written into the repository's indexes/ and no model is loaded. Screenshots go to
``artifacts/``.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_page import ARTIFACTS, ask, open_chat, open_tab
from support import ROOT, build_fake_index, running_app

pytestmark = pytest.mark.browser

FIXTURES = ROOT / "tests" / "fixtures"
NOTES = FIXTURES / "formats" / "notes.md"  # a second document, about something else
BIRDS = "月亮湖观鸟节.txt"
BIRDS_PAGE = """
◎文化

月亮湖观鸟节开幕

本报记者 测试员

第三届月亮湖观鸟节昨天开幕,吸引了1200名观鸟爱好者来到湖边,记录到白天鹅、灰鹤等48种鸟类。

观鸟节将持续到本月底,湖区新建的三座观鸟台免费开放。
"""
QUESTION = "月亮湖观鸟节吸引了多少名观鸟爱好者?"
LIBRARY_TAB, CHAT_TAB = "资料库 · Library", "问答 · Chat"
INDEXED_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def library_app(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """(URL, collections folder) of the app over a fake-encoder index of the mini corpus."""
    tmp = tmp_path_factory.mktemp("library")
    index = build_fake_index(FIXTURES / "mini_corpus", tmp / "index")
    with running_app("--index", str(index), "--collections", str(tmp / "collections")) as url:
        yield url, tmp / "collections"


def upload(page, *paths: Path) -> None:
    page.locator("#library-upload input[type=file]").set_input_files([str(p) for p in paths])


def wait_listed(page, name: str, listed: bool = True) -> None:
    """Until the document table has (or no longer has) the file name."""
    page.wait_for_function("([name, listed]) => document.querySelector('#library-docs')"
                           ".innerText.includes(name) === listed", arg=[name, listed], timeout=INDEXED_TIMEOUT_MS)


def chosen_collection(page) -> str:
    return page.locator("#collection input").input_value()


def screenshot(page, name: str) -> None:
    page.wait_for_timeout(800)  # let Gradio's end-of-event fade settle
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_uploaded_file_answers_in_the_chat_until_it_is_removed(page, library_app, tmp_path):
    url, collections = library_app
    birds = tmp_path / BIRDS
    birds.write_text(BIRDS_PAGE, encoding="utf-8")
    open_chat(page, url)
    assert chosen_collection(page) == "default"
    open_tab(page, LIBRARY_TAB)
    upload(page, birds, NOTES)
    wait_listed(page, BIRDS)
    name = chosen_collection(page)
    assert name.startswith("uploads-"), name  # the read-only default was chosen: a new collection
    assert sorted(p.name for p in (collections / name / "corpus").iterdir() if not p.name.startswith(".")) == \
        ["notes.md", BIRDS]
    assert "notes.md" in page.locator("#library-docs").inner_text()
    screenshot(page, "library_uploaded.png")

    open_tab(page, CHAT_TAB)
    reply = ask(page, QUESTION)
    assert BIRDS in reply and "1200" in reply and "[1]" in reply, reply
    screenshot(page, "library_chat_answer.png")

    open_tab(page, LIBRARY_TAB)
    page.locator("#library-remove-choice").get_by_label(BIRDS).check()
    page.locator("#library-remove").click()
    wait_listed(page, BIRDS, listed=False)
    assert "notes.md" in page.locator("#library-docs").inner_text()
    open_tab(page, CHAT_TAB)
    after = ask(page, QUESTION)
    assert BIRDS not in after and ("档案中没有" in after or "notes.md" in after), after
    screenshot(page, "library_chat_after_removal.png")


def test_binary_upload_shows_an_error_and_leaves_the_collection_unchanged(page, library_app):
    url, collections = library_app
    open_chat(page, url)
    open_tab(page, LIBRARY_TAB)
    page.locator("#library-new-name input, #library-new-name textarea").first.fill("二进制测试")
    page.locator("#library-create").click()
    page.wait_for_function("() => document.querySelector('#collection input').value === '二进制测试'",
                           timeout=30_000)
    upload(page, NOTES)
    wait_listed(page, "notes.md")
    upload(page, FIXTURES / "binary.txt")
    status = page.locator("#library-status .lib-error")
    status.wait_for(state="visible", timeout=30_000)
    assert "binary.txt" in status.inner_text() and "NUL" in status.inner_text()
    assert "binary.txt" not in page.locator("#library-docs").inner_text()
    assert sorted(p.name for p in (collections / "二进制测试" / "corpus").iterdir() if not p.name.startswith(".")) \
        == ["notes.md"]
    assert chosen_collection(page) == "二进制测试"
    screenshot(page, "library_binary_refused.png")
