"""Quoted extracts from hits: verbatim sentences, each cited, never invented text.

The index stores every sentence with its own vector, so choosing quotes costs a few dot
products, not another model call. How sentences are scored and how the answer's confidence is
reckoned is told once, in the README ("How it works", rag/answer.py); below MIN_CONFIDENCE the
answer has no quotes.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from . import question as q
from .dense import VectorCodes
from .store import TextStore
from .text import tokenize
from .types import Hit, Passage, Quote

HITS_CONSIDERED = 5  # passages whose sentences may be quoted
MAX_QUOTES = 3
QUOTE_MARGIN = 0.08  # extra quotes must score within this of the best one
# Weights chosen with `rag eval` on eval/dev.jsonl; the figures are in eval/reports.
RANK_BONUS = 0.05  # added to a sentence from the best passage, shrinking as 1/rank
OVERLAP_WEIGHT = 0.3  # times the share of the question's distinctive words the sentence contains
QUANTITY_BONUS = 0.05  # a "how many / when" question prefers sentences that state a quantity
UNIT_BONUS = 0.3  # ... and much prefers a number of the unit it asks for ("多少户" -> "300户")
FOCUS_BONUS = 0.2  # times the share of the asked-about nouns (哪个纪念馆 -> 纪念馆) the sentence mentions
PLACE_BONUS = 0.2  # a where-question prefers a sentence naming a new place (哪个县 -> 清水河县)
REASON_BONUS = 0.1  # a why-question prefers a sentence with a cause or purpose word (由于…导致)

# Confidence: the highest threshold that refuses at most 4% of answerable dev questions, rounded
# (`rag eval` reports it as "calibrated_threshold_on_this_set"). Higher means more confident.
MIN_CONFIDENCE = 0.40
FOCUS_PENALTY = 0.2  # the noun the question asks about appears in no candidate sentence
UNSTATED_PENALTY = 1.0  # nothing states the asked value, role or place (see confidence)
PLACE_LOOKS = 2  # a where-question's place must be named in one of the 2 best sentences
REASON_LOOKS = 3  # a why-question's cause or purpose should be given in one of the 3 best sentences
REASON_PENALTY = 0.3  # ... else confidence drops by this, softly: reasons often go without a cause word
ACTION_LOOKS = 3  # a how-question's action (怎么计算 -> 计算) should be named in one of the 3 best sentences
ACTION_PENALTY = 0.2  # ... else confidence drops by this, softly: an answer may say it in other words


@dataclass(frozen=True)
class Candidate:
    sentence: Passage
    cosine: float  # between question and sentence vectors
    hit_rank: int  # 0 for the best passage
    overlap: float = 0.0  # share of the question's distinctive words (weighted) in the sentence
    states_quantity: bool = False  # only set for questions that ask for a quantity
    states_unit: bool = False  # states a number of the unit the question asks for
    states_asked_value: bool = False  # could answer a how-many/when question (rag.question.states_asked_value)
    focus_share: float = 0.0  # share of the question's focus nouns the sentence mentions
    names_place: bool = False  # names a place the where-question does not (rag.question.names_new_place)
    gives_reason: bool = False  # holds a cause or purpose word, for a why-question

    @property
    def relevance(self) -> float:
        """How well the sentence matches the question, before the place and reason bonuses; the
        where/why checks look at the best sentences by this, or the bonuses would promote any
        sentence naming a place into the sentences checked for one."""
        return (self.cosine + RANK_BONUS / (1 + self.hit_rank) + OVERLAP_WEIGHT * self.overlap
                + QUANTITY_BONUS * self.states_quantity + UNIT_BONUS * self.states_unit
                + FOCUS_BONUS * self.focus_share)

    @property
    def score(self) -> float:
        """What quotes are ranked by."""
        return self.relevance + PLACE_BONUS * self.names_place + REASON_BONUS * self.gives_reason


class SentenceStore:
    """The index's sentences and their vectors; ``within`` finds the sentences inside a passage."""

    def __init__(self, sentences: Sequence[Passage], vectors: VectorCodes, store: TextStore):
        self.sentences, self.vectors, self.store = sentences, vectors, store

    def within(self, source: str, start: int, end: int) -> list[int]:
        """Ids of sentences that overlap [start, end) in source, in file order."""
        return self.store.sentences_within(source, start, end)


def candidates(hits: list[Hit], store: SentenceStore, query_vector: np.ndarray,
               frame: q.QuestionFrame) -> list[Candidate]:
    """Each sentence of the top passages once, tagged with the best rank it was found at."""
    rank_of: dict[int, int] = {}
    for rank, hit in enumerate(hits[:HITS_CONSIDERED]):
        for sid in store.within(hit.source, hit.start, hit.end):
            rank_of.setdefault(sid, rank)
    ids = list(rank_of)
    cosines = (store.vectors.vectors(ids) @ query_vector).tolist() if ids else []
    sentences = [store.sentences[sid] for sid in ids]
    overlaps = word_overlaps(frame.terms, [s.text for s in sentences])
    return [Candidate(s, cos, rank_of[sid], overlap,
                      frame.wants_quantity and q.states_quantity(s.text), q.states_asked_unit(frame, s.text),
                      frame.asks_value and q.states_asked_value(frame, s.text), q.focus_share(frame, s.text),
                      frame.wants_place and q.names_new_place(frame.text, s.text),
                      frame.wants_reason and q.gives_asked_reason(frame, [s.text]))
            for sid, s, cos, overlap in zip(ids, sentences, cosines, overlaps)]


def word_overlaps(question_words: frozenset[str], sentences: list[str]) -> list[float]:
    """For each sentence, the weighted share of the question's words it contains.

    Words are weighted by their rarity among these candidate sentences, not the whole
    corpus: the subject of the article (八龙湾村) is in every candidate and says nothing
    about which sentence answers, while the asked-about words (温室大棚, 增收) do.
    """
    if not question_words or not sentences:
        return [0.0] * len(sentences)
    words_of = [sentence_words(text) & question_words for text in sentences]
    counts = Counter(w for words in words_of for w in words)
    n = len(sentences)
    weight = {w: math.log((n + 1) / (counts[w] + 0.5)) for w in question_words}
    total = sum(weight.values())
    return [sum(weight[w] for w in words) / total for words in words_of]


@lru_cache(maxsize=65536)
def sentence_words(text: str) -> frozenset[str]:
    """A sentence's keyword tokens; cached, since the same sentences come back query after query."""
    return frozenset(tokenize(text))


def confidence(frame: q.QuestionFrame, cands: list[Candidate]) -> float:
    """How sure we are that the candidates answer: the best cosine among sentences that could
    answer, less a penalty for each check the candidates fail (the README tells the checks)."""
    if frame.asks_value:
        able = [c.cosine for c in cands if c.states_asked_value]
        best = max(able) if able else max((c.cosine for c in cands), default=float("-inf")) - UNSTATED_PENALTY
    else:
        best = max((c.cosine for c in cands), default=float("-inf"))
    texts = [c.sentence.text for c in cands]
    # Each candidate already knows whether it names a new place or gives a reason (see candidates).
    most_relevant = sorted(cands, key=lambda c: (-c.relevance, c.sentence.source, c.sentence.start))
    unanswered = [not q.names_role(frame, texts),
                  frame.wants_place and not any(c.names_place for c in most_relevant[:PLACE_LOOKS])]
    best -= UNSTATED_PENALTY * sum(unanswered)
    if frame.wants_reason and not any(c.gives_reason for c in most_relevant[:REASON_LOOKS]):
        best -= REASON_PENALTY
    if not q.names_action(frame, [c.sentence.text for c in most_relevant[:ACTION_LOOKS]]):
        best -= ACTION_PENALTY
    if not q.mentions_focus(frame, texts):
        best -= FOCUS_PENALTY
    return best


def select_quotes(cands: list[Candidate], conf: float, min_confidence: float | None = None) -> list[Quote]:
    """1-3 best sentences, adjacent ones merged, no text twice; [] below the confidence threshold."""
    threshold = MIN_CONFIDENCE if min_confidence is None else min_confidence
    ranked = sorted(cands, key=lambda c: (-c.score, c.sentence.source, c.sentence.start))
    if not ranked or conf < threshold:
        return []
    chosen: list[Candidate] = []
    for cand in ranked:
        if len(chosen) == MAX_QUOTES or cand.score < ranked[0].score - QUOTE_MARGIN:
            break
        if all(cand.sentence.text != c.sentence.text for c in chosen):
            chosen.append(cand)
    return merge_adjacent([to_quote(c) for c in chosen])


def to_quote(c: Candidate) -> Quote:
    s = c.sentence
    return Quote(s.text, s.source, s.start, s.end, s.title, round(c.score, 4), s.date)


def merge_adjacent(quotes: list[Quote]) -> list[Quote]:
    """Join quotes that touch in the file (one sentence ends where the next begins), keeping the best order."""
    merged: list[Quote] = []
    for quote in quotes:
        for i, m in enumerate(merged):
            if m.source == quote.source and (m.end == quote.start or quote.end == m.start):
                first, second = (m, quote) if m.end == quote.start else (quote, m)
                merged[i] = Quote(first.text + second.text, m.source, first.start, second.end, m.title, m.score, m.date)
                break
        else:
            merged.append(quote)
    return merged
