"""The chat in a real browser (Debian's chromium, headless): answers, citations, inert corpus text.

Each test starts ``python -m ui.app`` on a free port and drives it with Playwright. Screenshots
go to ``artifacts/`` at the repository root.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
INJECTION_CORPUS = ROOT / "tests" / "fixtures" / "injection_corpus"
EXIT_INDEX_UNUSABLE = 2  # ui.app's exit code when the index is missing, stale or corrupt

from chat_page import ARTIFACTS, ask, open_chat  # noqa: E402
from support import AppExited, build_fake_index, running_app  # noqa: E402


@pytest.fixture
def default_app() -> Iterator[str]:
    """The app on the default index; skipped when that index cannot be used."""
    try:
        with running_app() as url:
            yield url
    except AppExited as err:
        if err.code != EXIT_INDEX_UNUSABLE:
            raise
        pytest.skip(f"default index unusable (`make index` builds it): {err.output.strip()}")


@pytest.fixture
def injection_app(tmp_path: Path) -> Iterator[str]:
    """The app on a tiny fake-encoder index of a page whose article body holds markup."""
    index = build_fake_index(INJECTION_CORPUS, tmp_path / "index")
    with running_app("--index", str(index)) as url:
        yield url


def seed_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "seeds").glob("*.txt"))


def test_chat_answers_chinese_and_english_with_citations(page, default_app):
    open_chat(page, default_app)
    started = time.monotonic()
    zh = ask(page, "霍林郭勒市划分了多少个网格?")
    print(f"\nfirst answer in the browser after {time.monotonic() - started:.1f} s")
    en = ask(page, "How many grid workers does Huolingol have?", click=True)
    for reply in (zh, en):
        assert "“" in reply and "[1]" in reply, reply
        assert any(name in reply for name in seed_names()), reply
    sources = page.locator("#sources-box")
    assert sources.locator(".src-card").count() >= 1 and sources.locator("mark").count() >= 1
    assert "[1]" in page.locator("#citations textarea").input_value()
    page.wait_for_timeout(1000)  # let Gradio's end-of-event fade settle before the screenshot
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)


def test_blank_question_gets_a_friendly_message(page, injection_app):
    open_chat(page, injection_app)
    page.locator("#ask").click()
    page.wait_for_function("""() => [...document.querySelectorAll('#chat [data-testid="bot"]')]
        .some(b => b.innerText.includes('请输入一个问题'))""", timeout=30_000)


def test_corpus_and_user_markup_render_as_text(page, injection_app):
    open_chat(page, injection_app)
    reply = ask(page, "智慧河套灌区服务平台的用户留言写了什么?")
    assert "000_injection_page.txt" in reply and "[1]" in reply
    sources = page.locator("#sources-box")
    assert "<script>window.__pwned=1</script>" in sources.inner_text()
    assert sources.get_by_text("<script>window.__pwned=1</script>", exact=False).first.is_visible()
    ask(page, '平台留言<img src=x onerror="window.__pwned=2"><b>图片</b>')
    assert '<img src=x onerror="window.__pwned=2">' in page.locator("#chat").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("#chat b, #sources-box script, #chat script").count() == 0
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "injection.png"), full_page=True)
