"""HTML files (``.html``, ``.htm``): the article text of a page, laid out as plain text.

The decoded text the spans index is that layout (see ``html_text``), so quotes read as text.
"""
from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import NamedTuple

from rag.types import Article

from .dates import normalize_date
from .spans import Draft, Parsed, first_clause, freeze, text_lines

_HTML_DROP = frozenset({"script", "style", "noscript", "template", "nav", "aside", "footer", "svg", "iframe",
                        "select", "button"})
_HTML_PARA = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt",
                        "figcaption", "td", "th"})
_HTML_BLOCK = _HTML_PARA | {"div", "section", "article", "header", "main", "body", "table", "tr", "ul", "ol",
                            "dl", "figure", "address", "hr", "form", "center"}
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_DATE_META = frozenset({"article:published_time", "og:published_time", "pubdate", "publishdate", "publish_date",
                        "date", "dc.date", "dc.date.issued", "datepublished"})


class HtmlDoc(NamedTuple):
    """An HTML file as plain text (its decoded text for offsets) plus its metadata."""

    text: str
    date: str = ""
    url: str = ""


def html_text(markup: str) -> HtmlDoc:
    """The article text of an HTML page: the decoded text its spans index.

    Layout: the title (first ``<h1>``, else ``<title>``, else the first clause
    of the first paragraph) on the first line, then each paragraph (text of
    ``<p>``, ``<h2>``-``<h6>``, ``<li>``, ...; a ``<br>`` starts a new one) on
    its own line, all separated by blank lines and ending with a newline.
    Scripts, styles, navigation, asides and footers are dropped; when a page has
    no paragraph tags, the text of its other blocks (``<div>``) is used.
    Whitespace runs become one space. Date and URL come from ``<meta>``,
    ``<time datetime>`` and ``<link rel=canonical>``.
    """
    parser = _HtmlExtractor()
    parser.feed(markup)
    parser.close()
    return parser.doc()


def parse_html(text: str, source: str) -> list[Article]:
    """The article in ``html_text`` output: first line the title, each further line a paragraph."""
    lines = text_lines(text)
    if len(lines) < 2:
        return []
    return [freeze(text, source, Draft("", title_span=lines[0], paras=lines[1:]))]


class _HtmlExtractor(HTMLParser):
    """Collects title, paragraph blocks and metadata from one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.drop = 0            # depth inside dropped elements
        self.para = 0            # depth inside paragraph elements
        self.in_title = False
        self.title: list[str] = []
        self.buf: list[str] = []
        self.buf_para = False
        self.buf_h1 = False
        self.blocks: list[tuple[str, bool, bool]] = []  # (text, from a paragraph tag, is an h1)
        self.date = self.url = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self.in_title = True
        elif tag == "meta":
            self._meta(a)
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split():
            self.url = self.url or a.get("href", "").strip()
        elif tag == "time" and a.get("datetime"):
            self.date = self.date or a["datetime"].strip()
        if tag in _HTML_DROP:
            self.drop += 1
        elif tag == "br":
            self.buf.append("\n")
        elif tag in _HTML_BLOCK:
            self._flush()
            if tag in _HTML_PARA:
                self.para += 1
                self.buf_h1 = tag == "h1"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_DROP:  # <script/> opens nothing
            return
        self.handle_starttag(tag, attrs)
        if tag in _HTML_PARA:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _HTML_DROP:
            self.drop = max(0, self.drop - 1)
        elif tag in _HTML_BLOCK:
            self._flush()
            if tag in _HTML_PARA:
                self.para = max(0, self.para - 1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.drop:
            self.buf.append(data)
            self.buf_para = self.buf_para or self.para > 0

    def _meta(self, a: dict[str, str]) -> None:
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
        content = a.get("content", "").strip()
        if key in _DATE_META and content:
            self.date = self.date or content
        elif key == "og:url" and content:
            self.url = self.url or content

    def _flush(self) -> None:
        """Close the text read since the last block boundary as paragraphs (one per line)."""
        for line in "".join(self.buf).split("\n"):
            line = _HTML_SPACE.sub(" ", line).strip()
            if line:
                self.blocks.append((line, self.buf_para, self.buf_h1))
        self.buf, self.buf_para, self.buf_h1 = [], False, False

    def doc(self) -> HtmlDoc:
        self._flush()
        blocks = self.blocks
        if any(from_para for _, from_para, _ in blocks):
            blocks = [b for b in blocks if b[1]]
        paras = [t for t, _, _ in blocks]
        h1 = next((i for i, b in enumerate(blocks) if b[2]), None)
        if h1 is not None:
            title = paras.pop(h1)
        else:
            title = _HTML_SPACE.sub(" ", "".join(self.title)).strip()
        if not paras:
            return HtmlDoc("", self.date, self.url)
        if not title:
            s, e = first_clause(paras[0], (0, len(paras[0])))
            title = paras[0][s:e]
        return HtmlDoc("\n\n".join([title, *paras]) + "\n", self.date, self.url)


def read_html(raw: str, source: str) -> Parsed:
    doc = html_text(raw)
    date = normalize_date(doc.date)
    return Parsed(doc.text, [replace(a, date=date, url=doc.url) for a in parse_html(doc.text, source)])
