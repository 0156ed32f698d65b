"""JSON lines files (``.jsonl``): one article a line, ``{"title", "text", "date"?, "url"?}``."""
from __future__ import annotations

import json
from typing import NamedTuple

from rag.types import Article

from .dates import normalize_date
from .spans import Draft, Parsed, freeze, text_lines

class JsonlDoc(NamedTuple):
    """A JSON lines file as text (its decoded text for offsets), its articles and its bad lines."""

    text: str
    articles: list[Article]
    bad_lines: list[tuple[int, str]]  # (1-based line number, reason)


def jsonl_text(raw: str, source: str) -> JsonlDoc:
    """Articles of a JSON lines file, one object a line: ``{"title", "text", "date"?, "url"?}``.

    The decoded text the spans index is the layout ``title\\n\\ntext\\n\\n`` for
    each usable line in file order (``text\\n\\n`` when the title is missing or
    empty; the title's whitespace runs become one space). Each non-blank line
    of ``text`` is a paragraph. A line that is not such an object is left out
    and listed in ``bad_lines``.
    """
    parts: list[str] = []
    drafts: list[tuple[Draft, str, str]] = []
    bad: list[tuple[int, str]] = []
    pos = 0
    for number, line in enumerate(raw.split("\n"), 1):  # not splitlines: U+2028 may sit in a string
        if not line.strip():
            continue
        item, reason = _jsonl_item(line)
        if item is None:
            bad.append((number, reason))
            continue
        title = " ".join(_scalar(item.get("title")).split())
        head = f"{title}\n\n" if title else ""
        body = item["text"]
        draft = Draft("", title_span=(pos, pos + len(title)) if title else None,
                       paras=[(pos + len(head) + s, pos + len(head) + e) for s, e in text_lines(body)])
        drafts.append((draft, normalize_date(_scalar(item.get("date"))), _scalar(item.get("url")).strip()))
        parts.append(f"{head}{body}\n\n")
        pos += len(parts[-1])
    text = "".join(parts)
    return JsonlDoc(text, [freeze(text, source, d, date, url) for d, date, url in drafts], bad)


def _jsonl_item(line: str) -> tuple[dict | None, str]:
    """The object on one line, or None and why it cannot be used."""
    try:
        item = json.loads(line)
    except ValueError as e:
        return None, f"not valid JSON: {getattr(e, 'msg', e)}"
    if not isinstance(item, dict):
        return None, "not a JSON object"
    if not isinstance(item.get("text"), str) or not item["text"].strip():
        return None, 'no "text" string with article text'
    return item, ""


def _scalar(value: object) -> str:
    """A metadata value as text; lists, objects and null become ""."""
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def read_jsonl(raw: str, source: str) -> Parsed:
    doc = jsonl_text(raw, source)
    return Parsed(doc.text, doc.articles, doc.bad_lines)
