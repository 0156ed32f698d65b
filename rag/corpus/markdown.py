"""Markdown files (``.md``): articles by level-1 heading; the decoded text is the file itself."""
from __future__ import annotations

import re

from rag.types import Article, Span

from .spans import Draft, Parsed, freeze, line_bounds, looks_short, trim

_MD_HEADING = re.compile(r" {0,3}(#{1,6})(?=\s|$)")
_MD_CLOSING = re.compile(r"(?:^|\s)#+\s*$")
_MD_RULE = re.compile(r" {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|=+[ \t]*|-+[ \t]*)$")
_MD_FENCE = re.compile(r" {0,3}(?:`{3,}|~{3,})")
_MD_ITEM = re.compile(r"[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?=[ \t])|>)")


def parse_markdown(text: str, source: str) -> list[Article]:
    """Articles of a markdown file, whose decoded text is the file itself.

    Each level-1 heading starts an article titled by it; before the first one,
    the title is the first heading, else a short first line, else the first
    clause of the first paragraph. Paragraphs are blocks separated by blank
    lines; other headings, list items and quotes are paragraphs of their own.
    Spans leave out the markup at a line start (``#``, ``-``, ``1.``, ``>``);
    inline markup (``**bold**``, links) stays, since spans are verbatim.
    """
    drafts = [Draft("")]
    block: list[int] = []  # [start, end, lines] of the paragraph being read
    fenced = False

    def flush() -> None:
        if block:
            _md_paragraph(text, drafts[-1], (block[0], block[1]), block[2])
            block.clear()

    for s, e in line_bounds(text):
        line = text[s:e]
        if _MD_FENCE.match(line):
            flush()
            fenced = not fenced
        elif not line.strip():
            flush()
        elif not fenced and (m := _MD_HEADING.match(line)):
            flush()
            _md_heading(text, drafts, s + m.end(), e, len(m.group(1)))
        elif not fenced and _MD_RULE.match(line):
            if block and block[2] == 1 and line.strip()[0] in "=-":  # setext underline
                span = (block[0], block[1])
                block.clear()
                _md_heading(text, drafts, *span, 1 if "=" in line else 2)
            else:
                flush()
        else:
            if not fenced and (m := _MD_ITEM.match(line)):
                flush()
                s += m.end()
            ts, te = trim(text, s, e)
            if te == ts:
                continue
            if block:
                block[1], block[2] = te, block[2] + 1
            else:
                block[:] = [ts, te, 1]
    flush()
    return [a for d in drafts if (a := freeze(text, source, d)) is not None]


def _md_heading(text: str, drafts: list[Draft], start: int, end: int, level: int) -> None:
    """A heading: title of a new article (level 1), of an untitled one, else a paragraph."""
    m = _MD_CLOSING.search(text, start, end)
    span = trim(text, start, m.start() if m else end)
    if span[1] == span[0]:
        return
    cur = drafts[-1]
    if level == 1 and (cur.title_span or cur.paras):
        cur = Draft("")
        drafts.append(cur)
    if cur.title_span is None and not cur.paras:
        cur.title_span = span
    else:
        cur.paras.append(span)


def _md_paragraph(text: str, draft: Draft, span: Span, lines: int) -> None:
    """A paragraph; a short single line opening an untitled article is its title."""
    if draft.title_span is None and not draft.paras and lines == 1 and looks_short(text[span[0]:span[1]]):
        draft.title_span = span
    else:
        draft.paras.append(span)


def read_markdown(raw: str, source: str) -> Parsed:
    return Parsed(raw, parse_markdown(raw, source))
