"""Frozen value types that flow through the pipeline.

files -> Article -> Passage -> Hit -> Quote/Answer. Offsets are Python str
indices into a file's decoded text, read without newline translation, so
``file_text[start:end] == text`` always holds for passages, hits and quotes.
Scores: higher is always more relevant.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

Span = tuple[int, int]
NEAREST_SHOWN = 3  # passages shown when nothing answers, so the reader can judge for themselves


@dataclass(frozen=True)
class Article:
    """One article (or photo caption, or news brief) found on a page.

    ``paragraphs`` are body spans into the file text, in reading order. A
    paragraph broken across columns is one span that contains the break;
    a paragraph repeated on the page appears once.
    """

    source: str
    title: str
    section: str = ""
    byline: str = ""
    kind: str = "article"  # "article" | "caption" | "brief"
    title_span: Span | None = None
    paragraphs: tuple[Span, ...] = ()
    date: str = ""
    url: str = ""

    @property
    def start(self) -> int:
        spans = ([self.title_span] if self.title_span else []) + list(self.paragraphs)
        return min(s for s, _ in spans)

    @property
    def end(self) -> int:
        spans = ([self.title_span] if self.title_span else []) + list(self.paragraphs)
        return max(e for _, e in spans)


@dataclass(frozen=True)
class Passage:
    """A verbatim slice of one article, the unit that is indexed."""

    source: str
    title: str
    section: str
    start: int
    end: int
    text: str
    date: str = ""  # the article's date, ISO (YYYY-MM-DD, or shorter when that is all it says); "" if unknown


@dataclass(frozen=True)
class Cited:
    """Verbatim text with its citation (``file_text[start:end] == text``) and a score (higher is better)."""

    text: str
    source: str
    start: int
    end: int
    title: str
    score: float
    date: str = ""  # the article's date, ISO; "" when the file gives none

    def to_dict(self) -> dict:
        """JSON-ready: text, source, start, end, title, score, date."""
        return asdict(self)


@dataclass(frozen=True)
class Hit(Cited):
    """One search result: a passage with its score."""


@dataclass(frozen=True)
class Quote(Cited):
    """A verbatim extract that answers a question."""


@dataclass(frozen=True)
class Answer:
    """Quoted extracts for a question; no quotes means no supporting passage."""

    question: str
    quotes: list[Quote] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    confidence: float = float("-inf")  # see rag.answer.confidence; quotes are empty below the threshold

    @property
    def nearest(self) -> list[Hit]:
        """With no quotes, the passages closest to the question (at most NEAREST_SHOWN); else none."""
        return [] if self.quotes else self.hits[:NEAREST_SHOWN]

    def to_dict(self) -> dict:
        """JSON-ready: question, quotes, confidence (None when nothing was retrieved) and nearest."""
        return {"question": self.question, "quotes": [q.to_dict() for q in self.quotes],
                "confidence": round(self.confidence, 4) if math.isfinite(self.confidence) else None,
                "nearest": [h.to_dict() for h in self.nearest]}
