"""Quoted extracts from hits: verbatim sentences, each cited, never invented text."""
from __future__ import annotations

from .embed import Encoder
from .text import sentence_spans, tokenize
from .types import Hit, Quote

MAX_QUOTES = 3
HITS_CONSIDERED = 3
MIN_HIT_SCORE = 0.0  # calibrated by the answers work; higher means more confident


def candidate_sentences(hits: list[Hit]) -> list[tuple[Hit, int, int]]:
    """Every sentence of the top hits as (hit, start, end) in file offsets."""
    return [(hit, hit.start + s, hit.start + e) for hit in hits[:HITS_CONSIDERED] for s, e in sentence_spans(hit.text)]


def overlap(question_tokens: set[str], sentence: str) -> float:
    """Share of the question's content words that the sentence contains."""
    if not question_tokens:
        return 0.0
    return len(question_tokens & set(tokenize(sentence))) / len(question_tokens)


def extract_quotes(question: str, hits: list[Hit], encoder: Encoder | None = None) -> list[Quote]:
    """Best sentences of the best passages, at most one copy of any text, in score order."""
    if not hits or hits[0].score < MIN_HIT_SCORE:
        return []
    q_tokens = set(tokenize(question))
    scored = []
    for rank, (hit, start, end) in enumerate(candidate_sentences(hits)):
        text = hit.text[start - hit.start:end - hit.start]
        score = hit.score + 0.5 * overlap(q_tokens, text)
        scored.append((score, -rank, Quote(text, hit.source, start, end, hit.title, score)))
    quotes, seen = [], set()
    for _, _, quote in sorted(scored, key=lambda t: (t[0], t[1]), reverse=True):
        if quote.text not in seen and (quote.source, quote.start) not in {(q.source, q.start) for q in quotes}:
            seen.add(quote.text)
            quotes.append(quote)
        if len(quotes) == MAX_QUOTES:
            break
    return quotes
