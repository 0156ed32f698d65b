"""Search filters (sources, dates, section) and article dates: fast, with the fake encoder."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import rag
from rag.build import build_index
from rag.cli import main
from rag.corpus import parse_page, read_text
from rag.corpus.dates import normalize_date
from rag.testing import FakeEncoder

DATED = [  # one article a day, each about a different town's library
    {"title": "东胜区图书馆开馆", "text": "东胜区图书馆今天开馆,藏书五万册。", "date": "2023-05-01"},
    {"title": "康巴什图书馆开馆", "text": "康巴什区图书馆今天开馆,藏书八万册。", "date": "2023年5月20日"},
    {"title": "达拉特旗图书馆开馆", "text": "达拉特旗图书馆今天开馆,藏书三万册。", "date": "2023/6/3"},
    {"title": "准格尔旗图书馆开馆", "text": "准格尔旗图书馆今天开馆,藏书四万册。"},
]


@pytest.fixture
def dated_index(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in DATED), encoding="utf-8")
    (corpus / "page.txt").write_text("2023年7月1日 星期六\n\n◎广角\n\n杭锦旗图书馆开馆\n\n杭锦旗图书馆今天开馆,藏书两万册。\n",
                                     encoding="utf-8")
    build_index(corpus, tmp_path / "index", FakeEncoder(64))
    return tmp_path / "index"


@pytest.fixture
def dated(dated_index: Path) -> rag.Retriever:
    return rag.Retriever.load(dated_index, encoder=FakeEncoder(64))


@pytest.mark.parametrize("text, iso", [("2023-05-12", "2023-05-12"), ("2023年5月12日", "2023-05-12"),
                                       ("2023/5/12 08:00", "2023-05-12"), ("２０２３年５月１２日", "2023-05-12"),
                                       ("20230512", "2023-05-12"), ("2023-05-12T08:00:00+08:00", "2023-05-12"),
                                       ("Fri, 12 May 2023 08:00:00 +0800", "2023-05-12"), ("2023年5月", "2023-05"),
                                       ("2023", "2023"), ("2023-02-30", ""), ("昨天", ""), ("", "")])
def test_dates_become_iso(text, iso):
    assert normalize_date(text) == iso


def test_a_page_date_line_dates_its_articles_and_is_no_text():
    text = "内蒙古日报 2023年7月1日 星期六 第3版\n\n◎广角\n\n标题在这里\n\n□本报记者 宋爽\n\n正文第一段。\n"
    articles = parse_page(text, "p.txt")
    assert [(a.title, a.date) for a in articles] == [("标题在这里", "2023-07-01")]
    assert all("2023" not in text[s:e] for a in articles for s, e in a.paragraphs)


def test_a_date_inside_an_article_dates_nothing():
    text = "◎广角\n\n标题在这里\n\n正文第一段。\n\n2023年7月1日\n\n正文第二段。\n"
    assert [a.date for a in parse_page(text, "p.txt")] == [""]


def test_hits_and_quotes_carry_their_date(dated: rag.Retriever):
    hits = dated.search("图书馆开馆", k=10)
    assert {h.title: h.date for h in hits} == {"东胜区图书馆开馆": "2023-05-01", "康巴什图书馆开馆": "2023-05-20",
                                               "达拉特旗图书馆开馆": "2023-06-03", "准格尔旗图书馆开馆": "",
                                               "杭锦旗图书馆开馆": "2023-07-01"}
    quote = dated.answer("东胜区图书馆藏书多少册?", min_confidence=-9).quotes[0]
    assert (quote.title, quote.date) == ("东胜区图书馆开馆", "2023-05-01")


@pytest.mark.parametrize("mode", rag.MODES)
def test_since_until_keep_the_dated_range(dated: rag.Retriever, mode: str):
    titles = {h.title for h in dated.search("图书馆开馆", k=10, mode=mode, since="2023-05-10", until="2023-06")}
    assert titles == {"康巴什图书馆开馆", "达拉特旗图书馆开馆"}
    assert {h.date for h in dated.search("图书馆", k=10, mode=mode, since="2023")} == {
        "2023-05-01", "2023-05-20", "2023-06-03", "2023-07-01"}  # undated passages are left out


@pytest.mark.parametrize("mode", rag.MODES)
def test_sources_and_section_keep_only_theirs(dated: rag.Retriever, mode: str):
    assert {h.source for h in dated.search("图书馆开馆", k=10, mode=mode, sources=["page.txt"])} == {"page.txt"}
    assert {h.title for h in dated.search("图书馆开馆", k=10, mode=mode, section="广角")} == {"杭锦旗图书馆开馆"}


def test_answers_are_filtered_too(dated: rag.Retriever):
    answer = dated.answer("图书馆藏书多少册?", sources=["page.txt"], min_confidence=-9)
    assert answer.quotes and {q.source for q in answer.quotes} == {"page.txt"}
    assert {h.source for h in answer.hits} == {"page.txt"}


def test_a_range_with_no_article_finds_nothing(dated: rag.Retriever):
    assert dated.search("图书馆", since="2030-01-01") == []
    assert dated.answer("图书馆藏书多少册?", until="1999").quotes == []


@pytest.mark.parametrize("kwargs, words", [
    ({"since": "2023-13-01"}, "since must be a date"), ({"until": "May 2023"}, "until must be a date"),
    ({"since": "2023-06", "until": "2023-05"}, "swap them"), ({"sources": ["nope.txt"]}, "known: news.jsonl, page.txt"),
    ({"sources": 3}, "sources must be a list"), ({"section": "体育"}, "no section named 体育"),
])
def test_bad_filters_name_the_fix(dated: rag.Retriever, kwargs: dict, words: str):
    with pytest.raises(rag.QueryError, match=words):
        dated.search("图书馆", **kwargs)


def test_cli_filters(dated_index: Path, capsys):
    assert main(["search", "图书馆开馆", "--k", "10", "--json", "--index", str(dated_index),
                 "--source", "news.jsonl", "--since", "2023-05-10"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert {(h["source"], h["date"]) for h in hits} == {("news.jsonl", "2023-05-20"), ("news.jsonl", "2023-06-03")}
    assert main(["search", "图书馆", "--index", str(dated_index), "--source", "page.txt", "--source", "news.jsonl",
                 "--until", "2023-05-01"]) == 0
    out = capsys.readouterr().out
    assert "东胜区图书馆开馆 (news.jsonl" in out and "2023-05-01)" in out and "康巴什" not in out
    assert main(["ask", "图书馆", "--index", str(dated_index), "--since", "2023-99"]) == 2
    assert "since must be a date" in capsys.readouterr().err


def test_langchain_retriever_returns_cited_documents(dated: rag.Retriever, dated_index: Path):
    from langchain_core.retrievers import BaseRetriever

    from rag.integrations.langchain import RagRetriever

    lc = RagRetriever(retriever=dated, k=3, since="2023-05-10")
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke("图书馆开馆")
    assert docs and {d.metadata["date"] for d in docs} <= {"2023-05-20", "2023-06-03", "2023-07-01"}
    corpus = dated_index.parent / "corpus"
    for d in docs:
        assert set(d.metadata) == {"source", "start", "end", "title", "score", "date"}
        assert read_text(corpus / d.metadata["source"])[d.metadata["start"]:d.metadata["end"]] == d.page_content
