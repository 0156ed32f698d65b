"""Articles -> passages: langchain-text-splitters with Chinese sentence boundaries, offsets kept.

A passage is always a contiguous, verbatim slice of its file. Paragraphs of an
article that sit next to each other in the file are split together; a gap (a
dropped repeat, another article in between) starts a new run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .text import sentence_spans
from .types import Article, Passage, Span

# Coarse to fine: paragraph, line, sentence end, clause, then characters.
CHINESE_SEPARATORS = ["\n\n", "\n", "。", "！", "？", "!", "?", "；", ";", "，", ",", "、", " ", ""]


@dataclass(frozen=True)
class ChunkingParams:
    size: int = 300  # characters
    overlap: int = 60

    def as_dict(self) -> dict:
        return {"size": self.size, "overlap": self.overlap, "separators": CHINESE_SEPARATORS}


def contiguous_runs(text: str, paragraphs: tuple[Span, ...]) -> list[Span]:
    """Merge paragraph spans separated only by whitespace into runs."""
    runs: list[list[int]] = []
    for start, end in paragraphs:
        if runs and start >= runs[-1][1] and not text[runs[-1][1]:start].strip():
            runs[-1][1] = end
        else:
            runs.append([start, end])
    return [(s, e) for s, e in runs]


def split_run(text: str, run: Span, splitter: RecursiveCharacterTextSplitter) -> list[Span]:
    """Split one run and locate each chunk in the file (chunks are verbatim, in order)."""
    run_start, run_end = run
    segment = text[run_start:run_end]
    spans, cursor = [], 0
    for chunk in splitter.split_text(segment):
        found = segment.find(chunk, cursor)
        if found < 0:  # cannot happen for a verbatim splitter; fail loudly rather than mis-cite
            raise AssertionError(f"chunk not found in its segment: {chunk[:40]!r}")
        spans.append((run_start + found, run_start + found + len(chunk)))
        cursor = found  # a later chunk may start where the previous one did (longer merge)
    return spans


def make_splitter(params: ChunkingParams) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=CHINESE_SEPARATORS,
        keep_separator="end",
        chunk_size=params.size,
        chunk_overlap=params.overlap,
        strip_whitespace=True,
    )


def chunk_article(article: Article, text: str, params: ChunkingParams = ChunkingParams()) -> list[Passage]:
    """Passages of one article; each keeps the article's title and section for context."""
    splitter = make_splitter(params)
    return [
        Passage(article.source, article.title, article.section, start, end, text[start:end], article.date)
        for run in contiguous_runs(text, article.paragraphs)
        for start, end in split_run(text, run, splitter)
    ]


def chunk_articles(articles: list[Article], text: str, params: ChunkingParams = ChunkingParams()) -> list[Passage]:
    return [p for article in articles for p in chunk_article(article, text, params)]


MIN_SENTENCE_CHARS = 6  # shorter pieces ("一、二、三!") quote nothing useful


ATTRIBUTION = re.compile(r"^[^“”\"]{1,30}(说|表示|介绍|感慨|坦言|告诉记者)[。！!]?$")


def with_attributions(paragraph: str, spans: list[Span]) -> list[Span]:
    """Join '“……。”张三说。' into one sentence: the quoted words and who said them belong together."""
    joined: list[Span] = []
    for s, e in spans:
        if joined and joined[-1][1] == s and paragraph[s - 1] in "”\"" and ATTRIBUTION.match(paragraph[s:e]):
            joined[-1] = (joined[-1][0], e)
        else:
            joined.append((s, e))
    return joined


def article_sentences(article: Article, text: str) -> list[Passage]:
    """Every sentence of an article's paragraphs, verbatim with offsets: the units answers quote."""
    out = []
    for p_start, p_end in article.paragraphs:
        paragraph = text[p_start:p_end]
        for s, e in with_attributions(paragraph, sentence_spans(paragraph, lines_end_sentences=False)):
            if e - s >= MIN_SENTENCE_CHARS:
                out.append(Passage(article.source, article.title, article.section, p_start + s, p_start + e,
                                   text[p_start + s:p_start + e], article.date))
    return out


def whitespace_gaps(sentences: list[Passage], text: str) -> list[Passage]:
    """The whitespace between consecutive sentences of an article (a paragraph break, an indent),
    verbatim: the store keeps it so a quote may run from one paragraph into the next and still be a
    slice of the file. A gap holding anything else (a dropped fragment, another article) is left out."""
    return [Passage(a.source, a.title, a.section, a.end, b.start, text[a.end:b.start], a.date)
            for a, b in zip(sentences, sentences[1:]) if a.end < b.start and text[a.end:b.start].isspace()]
