"""Ingesting users' own archives: every format and encoding, bad files skipped, traditional characters.

Fast: the fake encoder, tiny fixtures from tests/fixtures/formats (see make_fixtures.py there).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import rag
from rag import corpus
from rag.build import build_index
from rag.corpus import corpus_file_hashes
from rag.corpus import Skipped, html_text, parse_html, parse_markdown, read_corpus, read_text
from rag.testing import FakeEncoder
from rag.errors import CorpusError
from rag.index import IndexData
from rag.text import normalize, to_simplified, tokenize

FORMATS = Path(__file__).parent / "fixtures" / "formats"
ALL_FILES = [
    "article.html", "article_gbk.htm", "articles.jsonl", "notes.md", "page_gbk.txt", "page_traditional.txt",
    "page_utf16be.txt", "page_utf16le.txt", "page_utf8.txt", "page_utf8_bom_crlf.txt",
]


@pytest.fixture
def formats(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FORMATS, tmp_path / "corpus", ignore=shutil.ignore_patterns("*.py", "__pycache__")))


@pytest.fixture
def built(formats: Path, tmp_path: Path) -> tuple[IndexData, rag.Retriever, list[str]]:
    """(what build_index returned, the retriever loaded from disk, the build's warnings)."""
    warnings: list[str] = []
    index_dir = tmp_path / "index"
    data = build_index(formats, index_dir, FakeEncoder(64), warn=warnings.append)
    return data, rag.Retriever.load(index_dir, encoder=FakeEncoder(64)), warnings


def add_bad_files(folder: Path) -> None:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "sub").mkdir()
    (folder / "sub" / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "undecodable.md").write_bytes("标题\n\n正文。".encode("utf-8") + b"\x80\xff\x80")


# --------------------------------------------------------------------------
# Reading every format and encoding
# --------------------------------------------------------------------------


def test_every_format_and_encoding_is_listed_and_read(formats: Path):
    assert [source for source, _ in corpus.iter_sources(formats)] == ALL_FILES
    report = read_corpus(formats)
    assert report.skipped == []
    assert [p.source for p in report.pages] == ALL_FILES
    titles = {p.source: [a.title for a in p.articles] for p in report.pages}
    assert titles["page_gbk.txt"] == ["边境派出所开展普法宣传"]
    assert titles["page_utf16le.txt"] == ["沙地种树三十年"]
    assert titles["page_utf16be.txt"] == ["冰雪旅游迎来旺季"]
    assert titles["page_utf8_bom_crlf.txt"] == ["冬季供暖保障有力"]
    assert titles["notes.md"] == ["社区食堂温暖老人"]
    assert titles["article.html"] == ["草原上的流动图书馆"]  # <h1> over <title>
    assert titles["article_gbk.htm"] == ["旗县融媒体中心揭牌"]  # <title>, page declares gb2312
    assert titles["articles.jsonl"] == ["牧区通上了光纤", "没有标题的一条简讯", "多余的 空白"]


def test_gbk_without_bom_and_utf16_both_byte_orders_decode():
    assert read_text(FORMATS / "page_gbk.txt").startswith("◎广角\n\n边境派出所")
    assert (FORMATS / "page_utf16le.txt").read_bytes()[:2] == b"\xff\xfe"
    assert (FORMATS / "page_utf16be.txt").read_bytes()[:2] == b"\xfe\xff"
    assert "沙地种树三十年" in read_text(FORMATS / "page_utf16le.txt")
    assert "冰雪旅游迎来旺季" in read_text(FORMATS / "page_utf16be.txt")
    assert read_text(FORMATS / "page_utf8_bom_crlf.txt").startswith("◎广角\r\n")


def test_dates_and_urls_are_carried(formats: Path):
    pages = {p.source: p for p in read_corpus(formats).pages}
    first, untitled, spaced = pages["articles.jsonl"].articles
    assert (first.date, first.url) == ("2022-05-20", "https://example.com/a/1")
    assert (untitled.date, untitled.url) == ("2022-05-21", "")
    assert (spaced.date, spaced.url) == ("", "")
    html = pages["article.html"].articles[0]
    assert (html.date, html.url) == ("2022-06-01", "https://example.com/news/1.html")


def test_markdown_marks_are_not_in_spans():
    text = read_text(FORMATS / "notes.md")
    [article] = parse_markdown(text, "notes.md")
    paragraphs = [text[s:e] for s, e in article.paragraphs]
    assert paragraphs == [
        "导语：社区食堂让老人吃上热乎饭。", "社区食堂每天为辖区老人提供午餐，\n价格实惠，菜品丰富。",
        "志愿者服务", "志愿者每天送餐上门。", "行动不便的老人也能按时吃饭。", "代码块里的文字也保留。",
    ]
    assert not any(p.startswith(("#", "-", ">", "`")) for p in paragraphs)


def test_markdown_titles_from_headings_or_first_line():
    text = "# 第一篇\n\n正文一。\n\n# 第二篇\n\n正文二。\n"
    assert [(a.title, len(a.paragraphs)) for a in parse_markdown(text, "m.md")] == [("第一篇", 1), ("第二篇", 1)]
    assert parse_markdown("短标题\n\n正文很长很长。\n", "m.md")[0].title == "短标题"
    assert parse_markdown("标题\n====\n\n正文。\n", "m.md")[0].title == "标题"
    long_first = "这是没有标题的一段很长的正文,第一句就是标题。第二句。\n"
    [article] = parse_markdown(long_first, "m.md")
    assert article.title == "这是没有标题的一段很长的正文" and len(article.paragraphs) == 1
    assert parse_markdown("# 只有标题\n", "m.md") == []


def test_html_drops_scripts_styles_nav_and_footer():
    text = read_text(FORMATS / "article.html")
    assert text == (
        "草原上的流动图书馆\n\n流动图书馆的汽车开到了 牧民家门口。\n\n孩子们第一次借到了<绘本>&故事书。\n\n"
        "牧民们说:“好!”\n\n下一步计划\n\n明年再增加两辆车。\n")
    for junk in ("不是正文", "color", "首页", "版权所有", "网站标题"):
        assert junk not in text


def test_html_without_title_or_paragraph_tags():
    doc = html_text("<div>第一段文字很长,说明了事情。<br>第二段。</div><div>第三段。</div>")
    assert doc.text == "第一段文字很长\n\n第一段文字很长,说明了事情。\n\n第二段。\n\n第三段。\n"
    [article] = parse_html(doc.text, "x.html")
    assert article.title == "第一段文字很长" and len(article.paragraphs) == 3
    assert html_text("<html><head><title>只有标题</title></head></html>").text == ""


def test_bad_jsonl_lines_are_skipped_and_named(tmp_path: Path):
    lines = [json.dumps({"title": "好", "text": "好的一条。"}, ensure_ascii=False), "{not json", "[1, 2]",
             json.dumps({"title": "无正文", "text": "  "}, ensure_ascii=False), "",
             json.dumps({"title": "也好", "text": "也好的一条。"}, ensure_ascii=False)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = read_corpus(tmp_path)
    assert [a.title for a in report.pages[0].articles] == ["好", "也好"]
    assert [(s.source, s.line) for s in report.skipped] == [("a.jsonl", 2), ("a.jsonl", 3), ("a.jsonl", 4)]
    assert "a.jsonl line 2 (not valid JSON" in str(report.skipped[0])
    assert read_text(tmp_path / "a.jsonl") == "好\n\n好的一条。\n\n也好\n\n也好的一条。\n\n"


# --------------------------------------------------------------------------
# Building over the folder: offsets, bad files
# --------------------------------------------------------------------------


def test_build_over_all_formats_keeps_every_passage_verbatim(built, formats: Path):
    data, retriever, warnings = built
    assert warnings == []
    texts = {source: read_text(path) for source, path in corpus.iter_sources(formats)}
    units = data.passages + data.sentences
    assert {p.source for p in data.passages} == set(ALL_FILES)
    for p in units:
        assert p.text and texts[p.source][p.start:p.end] == p.text, p
    hits = retriever.search("流动图书馆 牧民", k=3, mode="keyword")
    assert hits[0].source == "article.html"
    assert texts["article.html"][hits[0].start:hits[0].end] == hits[0].text


def test_empty_binary_and_undecodable_files_are_skipped_with_one_warning(formats: Path, tmp_path: Path, capsys):
    add_bad_files(formats)
    build_index(formats, tmp_path / "index", FakeEncoder(64))
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    line = err[0]
    assert line.startswith("rag: warning: skipped 3 ")
    assert "empty.txt (empty file)" in line
    assert "sub/binary.html (contains NUL bytes" in line
    assert "undecodable.md (not valid gb18030" in line
    report = read_corpus(formats)
    assert [s.source for s in report.skipped] == ["empty.txt", "sub/binary.html", "undecodable.md"]
    assert [p.source for p in report.pages] == ALL_FILES


def test_skipped_files_count_for_freshness(formats: Path, tmp_path: Path):
    add_bad_files(formats)
    index_dir = tmp_path / "index"
    build_index(formats, index_dir, FakeEncoder(64), warn=lambda m: None)
    assert "empty.txt" in corpus_file_hashes(formats)
    rag.Retriever.load(index_dir, encoder=FakeEncoder(64))  # fresh
    (formats / "empty.txt").write_text("◎广角\n\n修好的文件\n\n正文。\n", encoding="utf-8")
    with pytest.raises(rag.IndexStaleError):
        rag.Retriever.load(index_dir, encoder=FakeEncoder(64))


def test_no_usable_file_is_an_error_naming_them(tmp_path: Path):
    add_bad_files(tmp_path)
    with pytest.raises(CorpusError, match=r"no usable file.*empty\.txt.*binary\.html.*undecodable\.md"):
        read_corpus(tmp_path)
    (tmp_path / "nothing").mkdir()
    (tmp_path / "nothing" / "notes.docx").write_bytes(b"PK")
    with pytest.raises(CorpusError, match=r"no \*\.txt, \*\.md"):
        read_corpus(tmp_path / "nothing")


def test_read_text_still_raises_on_bad_files(tmp_path: Path):
    add_bad_files(tmp_path)
    with pytest.raises(CorpusError, match=r"binary\.html.*NUL"):
        read_text(tmp_path / "sub" / "binary.html")
    assert read_text(tmp_path / "empty.txt") == ""


# --------------------------------------------------------------------------
# Traditional characters
# --------------------------------------------------------------------------


def test_normalize_folds_traditional_to_simplified():
    assert normalize("黨建引領鄉村振興 ＡＢＣ") == "党建引领乡村振兴 abc"
    assert to_simplified("乾淨 乾隆 後來") == "干净 乾隆 后来"  # phrase table keeps 乾隆
    assert normalize("党建引领乡村振兴") == "党建引领乡村振兴"
    assert tokenize("鄉村振興") == tokenize("乡村振兴")


def test_simplified_query_finds_traditional_article(built):
    _, retriever, _ = built
    hits = retriever.search("党建引领乡村振兴", k=3, mode="keyword")
    assert hits[0].source == "page_traditional.txt"
    assert hits[0].text == "近年來,鄂爾多斯市以黨建引領鄉村振興,農牧民收入穩步增長。"  # shown as written
    assert retriever.search("农牧民收入", k=1, mode="keyword")[0].source == "page_traditional.txt"


def test_skipped_renders_source_line_and_reason():
    assert str(Skipped("a.txt", "empty file")) == "a.txt (empty file)"
    assert str(Skipped("b.jsonl", "not a JSON object", 7)) == "b.jsonl line 7 (not a JSON object)"


def test_html_meta_charset_is_honoured(tmp_path: Path):
    page = "<meta charset=big5><title>黨建引領</title><p>鄉村振興,農牧民增收。</p>"
    (tmp_path / "big5.html").write_bytes(page.encode("big5"))
    assert read_text(tmp_path / "big5.html") == "黨建引領\n\n鄉村振興,農牧民增收。\n"
    wrong = "<meta charset=iso-8859-1><title>标题</title><p>正文。</p>"  # old pages often declare Latin-1
    (tmp_path / "wrong.html").write_bytes(wrong.encode("gbk"))
    assert read_text(tmp_path / "wrong.html") == "标题\n\n正文。\n"


def test_text_full_of_control_characters_is_binary(tmp_path: Path):
    (tmp_path / "data.txt").write_bytes(bytes(range(1, 32)) * 4)
    with pytest.raises(CorpusError, match="control characters"):
        read_text(tmp_path / "data.txt")
