"""The chat's pure formatting functions: corpus text stays inert, citations are numbered."""
from __future__ import annotations

import pytest

import rag
from rag import one_line
from ui import app

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> **bold** [link](http://x)'


def quote(text: str = "霍林郭勒市共划分网格123个", start: int = 10, source: str = "000_a.txt",
          title: str = "网格化管理") -> rag.Quote:
    return rag.Quote(text=text, source=source, start=start, end=start + len(text), title=title, score=0.9)


def hit(text: str, start: int = 0, source: str = "000_a.txt", title: str = "网格化管理") -> rag.Hit:
    return rag.Hit(text=text, source=source, start=start, end=start + len(text), title=title, score=0.8)


def test_answer_numbers_quotes_and_citations():
    q1, q2 = quote(), quote("网格员负责走访", 200, "001_b.txt", "网格员")
    md = app.format_answer(rag.Answer("霍林郭勒市划分了多少个网格?", [q1, q2], []))
    assert "> “霍林郭勒市共划分网格123个” \\[1\\]" in md
    assert "\\[2\\]" in md and "001\\_b.txt:200\\-207" in md
    assert app.format_citations(rag.Answer("q", [q1, q2], [])) == (
        "[1] 网格化管理, 000_a.txt:10-24\n[2] 网格员, 001_b.txt:200-207")


def test_answer_escapes_corpus_markup():
    md = app.format_answer(rag.Answer("问题", [quote(EVIL, title="<b>标题</b>")], []))
    assert "<script>" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md and "\\*\\*bold\\*\\*" in md and "\\[link\\]\\(http://x\\)" in md


def test_no_quotes_says_so_and_lists_nearest_passages():
    hits = [hit(f"段落{i}", i * 10) for i in range(5)]
    md = app.format_answer(rag.Answer("月球上有网格员吗?", [], hits))
    assert "没有能回答" in md and md.count("“段落") == rag.NEAREST_SHOWN
    assert "The archive holds no passage" in app.format_answer(rag.Answer("Is there a moon base?", [], hits))
    assert app.format_answer(rag.Answer("问题", [], [])) == app.TEXTS["zh"]["no_hits"]


def test_sources_html_escapes_everything_but_the_highlight():
    context = hit("前文。" + EVIL + "后文。", start=100, title="<i>题</i>")
    q = quote(EVIL, start=103, title="<i>题</i>")
    page = app.sources_html(rag.Answer("问题", [q], [context]))
    assert "<script" not in page and "<img" not in page and "<i>" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "前文。<mark>&lt;script&gt;" in page and "</mark>后文。" in page
    assert page.count("<mark>") == 1 and "000_a.txt" in page


def test_highlight_clamps_offsets():
    assert app.highlighted("abc<", 2, 99) == "ab<mark>c&lt;</mark>"
    assert app.highlighted("abc", -5, 1) == "<mark>a</mark>bc"


def test_context_hit_needs_containment():
    q = quote("网格", start=5)
    assert app.context_hit(q, [hit("x" * 10, 0, "other.txt"), hit("y" * 10, 0)]).text == "y" * 10
    assert app.context_hit(q, [hit("y" * 3, 0)]) is None


def test_user_turn_escapes_and_ignores_blank_input():
    history, box, pending = app.user_turn(" <b>hi</b> ", [])
    assert history == [{"role": "user", "content": "&lt;b&gt;hi&lt;/b&gt;"}] and box == ""
    assert pending == " <b>hi</b> "
    assert app.user_turn("   ", [])[0] == []


def test_language_and_parse_auth():
    assert app.language("网格员?") == "zh" and app.language("grid workers?") == "en"
    assert app.parse_auth("u:p:w") == ("u", "p:w") and app.parse_auth(None) is None


def test_one_line_joins_column_breaks():
    assert one_line("基层铺\n\n设了1000\n名") == "基层铺设了1000名"
    assert one_line("grid\n\nworkers") == "grid workers"


def test_respond_answers_and_reports_errors_in_the_chat(mini_retriever):
    respond = app.make_responder(mini_retriever)
    history, panel, cites = respond("流动图书车借出了多少册图书?", [], 3, "keyword")
    assert history[-1]["role"] == "assistant" and "\\[1\\]" in history[-1]["content"]
    assert cites.startswith("[1] ") and "src-card" in panel
    assert respond("   ", [], 3, "hybrid")[0][-1]["content"] == app.TEXTS["zh"]["empty"]
    assert respond("\x00\x07 ", [], 3, "hybrid")[0][-1]["content"] == app.TEXTS["en"]["empty"]
    error = respond("网格", [], 0, "hybrid")[0][-1]["content"]
    assert error.startswith(app.TEXTS["zh"]["error"]) and "k must be an integer between 1 and 100" in error


@pytest.mark.parametrize("message", ["网格" * 50_000, "网格\x00员\x1b[31m", "🙂🚓🙂", "网格 grid Сетка شبكة", "?!。,、……",
                                     "<script>alert(1)</script>", "\u200b\u200b网格"])
def test_respond_answers_any_text_without_raising(mini_retriever, message):
    history, panel, _ = app.make_responder(mini_retriever)(message, [], 3, "hybrid")
    assert history[-1]["role"] == "assistant" and history[-1]["content"]
    assert "<script>" not in history[-1]["content"] + panel


@pytest.mark.parametrize("k, mode, words", [(None, "hybrid", "k must be an integer"), (float("nan"), "hybrid", "k must be"),
                                            ("5", "hybrid", "k must be"), (3, "fuzzy", "mode must be one of")])
def test_respond_turns_bad_settings_into_a_message(mini_retriever, k, mode, words):
    reply = app.make_responder(mini_retriever)("网格", [], k, mode)[0][-1]["content"]
    assert reply.startswith(app.TEXTS["zh"]["error"]) and words in reply


def test_citations_show_the_date_where_known():
    dated = rag.Quote(text="正文。", source="news.jsonl", start=5, end=8, title="标题", score=0.9, date="2023-05-12")
    assert app.citation(dated) == "标题, news.jsonl:5-8, 2023-05-12"
    assert app.citation(quote("正文。", start=0)) == "网格化管理, 000_a.txt:0-3"  # undated: no date


def test_respond_applies_the_settings_filters(mini_retriever):
    respond = app.make_responder(mini_retriever)
    _, _, cites = respond("流动图书车借出了多少册图书?", [], 5, "hybrid", None, ["page_b.txt"], "", "", "")
    assert cites and all("page_b.txt" in line for line in cites.splitlines())
    error = respond("图书", [], 5, "hybrid", None, [], "2023-13", "", "")[0][-1]["content"]
    assert "since must be a date" in error
