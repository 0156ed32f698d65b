"""Spans and drafts shared by the format readers: lines, trimming, derived titles.

Every span is ``(start, end)`` into a file's decoded text, so ``text[start:end]`` is verbatim.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from rag.types import Article, Span

BULLETS = "●◆★■▲•◇☆"
TITLE_MAX = 40        # longest derived title (first clause of a caption/brief)
SHORT_MAX = 32        # longest line that can be a title or subheading
MIN_COMMA_CLAUSE = 5  # "近日," is too short to be a title: cut at a later comma

NEWLINE = re.compile(r"\r\n|\r|\n")
_NOT_TITLE_END = set("，,、；;：:。…“‘(（")
_HARD_STOPS = set("。！？!?：:；;")
_COMMAS = set("，,")


class Parsed(NamedTuple):
    """What a format reader makes of a file's characters: the text spans index, and its articles."""

    text: str
    articles: list[Article]
    bad_lines: list[tuple[int, str]] = []  # (1-based line, reason) of a JSON lines file


@dataclass
class Draft:
    """An article being assembled."""

    section: str
    kind: str = "article"
    title_span: Span | None = None
    byline: str = ""
    paras: list[Span] = field(default_factory=list)


def trim(text: str, start: int, end: int) -> Span:
    """``(start, end)`` narrowed past surrounding whitespace (empty when all blank)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def line_bounds(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """``(start, end)`` of each line of text[start:end], newline characters excluded."""
    end = len(text) if end is None else end
    bounds, pos = [], start
    for m in NEWLINE.finditer(text, start, end):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, end))
    return bounds


def text_lines(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Trimmed spans of the non-blank lines of text[start:end]."""
    return [(s, e) for s, e in (trim(text, *b) for b in line_bounds(text, start, end)) if e > s]


def freeze(text: str, source: str, d: Draft, date: str = "", url: str = "") -> Article | None:
    """An article from a draft with body text; untitled ones get their first clause as title."""
    if not d.paras:
        return None
    if d.title_span is None:
        d.title_span = first_clause(text, text_lines(text, *d.paras[0])[0])
    s, e = d.title_span
    return Article(source=source, title=text[s:e], section=d.section, byline=d.byline, kind=d.kind,
                   title_span=d.title_span, paragraphs=tuple(d.paras), date=date, url=url)


def first_clause(text: str, span: Span) -> Span:
    """Span of a paragraph's first clause (to 。:; or a later ，), at most TITLE_MAX.

    Used as title for captions, briefs and articles printed without one.
    """
    start, end = span
    s = start
    while s < end and (text[s] in BULLETS or text[s].isspace()):
        s += 1
    if s >= end:
        s = start
    cut = end
    for k in range(s, end):
        ch = text[k]
        if ch in _HARD_STOPS or (ch in _COMMAS and k - s >= MIN_COMMA_CLAUSE):
            cut = k
            break
    if cut == s:  # the paragraph starts with a stop: take its beginning
        cut = end
    cut = min(cut, s + TITLE_MAX)
    while cut > s + 1 and text[cut - 1].isspace():
        cut -= 1
    return (s, cut)


def looks_short(s: str) -> bool:
    """Title/subheading shape: short, no sentence punctuation inside or at the end."""
    if len(s) > SHORT_MAX or s[-1] in _NOT_TITLE_END or "。" in s or ";" in s or "；" in s:
        return False
    inner = s[:-1]
    if any(c in inner for c in "!?！？"):
        return False
    return not (s[-1] in "!?！？" and len(s) > 20)
