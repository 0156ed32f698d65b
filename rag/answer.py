"""Quoted extracts from hits: verbatim sentences, each cited, never invented text.

The index stores every sentence with its own vector, so choosing quotes costs a few dot
products, not another model call. How sentences are scored and how the answer's confidence is
reckoned is told once, in the README ("How it works", rag/answer.py); below the index's refusal
threshold the answer has no quotes. The weights are fitted (eval/fit_weights.py) and shipped in
one versioned file, rag/params/answer-v<N>.json; every `rag eval` report names it and its hash.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np

from . import question as q
from .dense import VectorCodes
from .lexicon import POINTING_DEMONSTRATIVES, REFERS_BACK_OPENERS, SPEECH_VERBS, SUBJECTLESS_OPENING_TAGS
from .store import TextStore
from .text import normalize, tokenize
from .types import Hit, Passage, Quote

HITS_CONSIDERED = 5  # passages whose sentences may be quoted
MAX_QUOTES = 3
PARAMS_FILE = "answer-v22.json"  # in rag/params/ (v21 … v1: the fits it refines; v0: the hand-set weights)

# Set from the params file by use_params (below the checks):
QUOTE_MARGIN = 0.0  # extra quotes must score within this of the best one
NEIGHBOUR_MARGIN = float("-inf")  # a sentence touching a quote joins it when it scores within this of the best one
RANK_BONUS = 0.0  # added to a sentence from the best passage, shrinking as 1/rank
OVERLAP_WEIGHT = 0.0  # times the share of the question's distinctive words the sentence contains
CONFIDENCE_WEIGHTS: dict[str, float] = {}  # answer features (see answer_features) added to the confidence
# The refusal threshold of an index without its own calibration (rag/calibration.py): the highest
# threshold that refuses at most 4% of the answerable dev questions. Higher means more confident.
MIN_CONFIDENCE = 0.0
PARAMS: dict = {}
PARAMS_ID: dict = {}  # {"file", "name", "version", "sha256"}: recorded in every rag eval report


@dataclass(frozen=True)
class Check:
    """One answer-type check: what it looks for in the question, how it tests a sentence, what a
    sentence that passes gains and what an answer that fails loses.

    asked: the question asks for it (from its frame: rag.question.analyse reads the question once).
    holds: how far a sentence passes, 0..1 (True/False for most).
    bonus: added to a passing sentence's score (times holds). ``ranks``: the bonus counts in the
        sentence's relevance too; the where/why bonuses do not, or they would promote a sentence
        into the very check they reward (see Candidate.relevance).
    penalty: taken off the answer's confidence when the check fails: none of the ``looks`` most
        relevant sentences passes (None: no candidate at all), or, ``together``, the candidates
        together do not pass (every focus noun somewhere). ``gate``: the confidence is the best
        cosine among passing sentences only; the penalty applies when none passes.
    in_passage: what holds reads is the passage the sentence was found in and its article's title,
        for facts a news or encyclopedia sentence leaves to its context (its subject, named once).
    jointly: with in_passage, what holds reads is every passage considered, as one text (each of
        several places asked about may be told in a different article).
    """

    name: str
    asked: Callable[[q.QuestionFrame], bool]
    holds: Callable[[q.QuestionFrame, q.Sentence], float]
    bonus: float = 0.0
    ranks: bool = True
    penalty: float = 0.0
    looks: int | None = None
    together: Callable[[q.QuestionFrame, list[q.Sentence]], bool] | None = None
    gate: bool = False
    # gate: a passing sentence counts this share of the better cosine of a sentence touching it (a value
    # stated in a short sentence that leaves its story to its neighbour: '7点半直播结束,观看人数将近5000人。').
    neighbour_share: float = 0.0
    # gate: a sentence that passes only in part (holds < 1: a date in a sentence that does not name
    # the asked event) counts its cosine less this; infinite, it does not pass.
    partial_cost: float = math.inf
    in_passage: bool = False  # holds reads the sentence's passage and article title, not the sentence alone
    jointly: bool = False


# In the order their bonuses are added and their penalties taken (sums in this order). Bonus and
# penalty: from the params file (use_params).
CHECKS = (
    # "多少 / 何时": a sentence stating some quantity.
    Check("quantity", lambda f: f.wants_quantity, lambda f, s: q.states_quantity(s)),
    # "多少户": a number of the asked unit, next to what is counted ("300户").
    Check("unit", lambda f: f.unit_pattern is not None, q.states_counted_unit),
    # Any how-many/when question: only a sentence stating such a value can answer.
    Check("value", lambda f: f.asks_value, q.asked_value_held, gate=True),
    # "注册资本是多少": a value next to what it measures, in one of the most relevant sentences.
    Check("measured", lambda f: bool(f.measured), q.states_measured, looks=3),
    # "支队长是谁": the role, whole and followed by its holder's name.
    Check("role", lambda f: f.role is not None, lambda f, s: q.names_role(f, [s])),
    # "在哪里 / 哪个县": a place the question does not name, of the asked kind (清水河县).
    Check("place", lambda f: f.wants_place, q.names_new_place, ranks=False, looks=2),
    # "为什么": a cause or purpose word (由于…导致); softly, reasons often go without one.
    Check("reason", lambda f: f.wants_reason, lambda f, s: q.gives_asked_reason(f, [s]), ranks=False, looks=3),
    # "怎么计算": the action named; softly, an answer may say it in other words.
    Check("action", lambda f: bool(f.action), lambda f, s: q.names_action(f, [s]), looks=3),
    # "哪个纪念馆": the nouns asked about (纪念馆), as a share; every one somewhere among the candidates.
    Check("focus", lambda f: bool(f.focus), q.focus_share, together=q.mentions_focus),
    # "凡尔赛条约中…": the proper names the question mentions; every one somewhere among the candidates.
    Check("names", lambda f: bool(f.names), q.names_share, together=q.mentions_names),
    # "霍布斯出生于哪个郡": every such name in the passage (or article title) of the most relevant
    # sentence. An answer's sentence may leave its subject to the passage ("他出生于…"), but one from
    # a passage that never names it is about something else ("达尔文生于…").
    Check("names_here", lambda f: bool(f.names), lambda f, s: float(q.mentions_names(f, [s])), looks=1,
          in_passage=True),
    # "2021年的产值 / 第十五届": the year, edition or quarter the question is pinned to, named in the
    # passage (or article title) of one of the most relevant sentences.
    Check("pinned", lambda f: bool(f.pinned), q.states_pinned, looks=3, in_passage=True),
    # "第十三届 / 第三季度": the passages considered name another edition, quarter or clause of the
    # kind (第十四届) and not the asked one: they tell of another event than the one asked about.
    Check("other_edition", lambda f: bool(q.pinned_editions(f)), q.names_no_other_edition,
          in_passage=True, jointly=True),
    # "苏尼特右旗…": every administrative place the question names, somewhere in the passages considered
    # (or their articles' titles). A question about a neighbouring banner or village is about another story.
    Check("places", lambda f: bool(f.places), q.names_places, in_passage=True, jointly=True),
    # "《使琉球录》的作者是谁 / NASA于哪一年成立": every title or term the question quotes and every Latin word
    # of a Chinese question, written in the passages considered (or their articles' titles). They are
    # names no paraphrase replaces: passages that lack them tell of something else.
    Check("verbatim", lambda f: bool(f.verbatim), q.writes_verbatim, in_passage=True, jointly=True),
    # "有哪些": a sentence that lists. It weighs nothing; a lead sentence that does not list gets the
    # next sentence, where news gives the items, in its quote (news_units).
    Check("list", lambda f: f.wants_list, lambda f, s: float(q.lists_items(s))),
    # "“四室一站”都包括什么": the sentence that spells out the abbreviation's items next to it (即…、…).
    Check("spelled", lambda f: bool(f.abbreviations), lambda f, s: float(q.spells_out(f, s)), ranks=False),
    # "怎样 / 通过什么方式": a sentence telling a measure taken (采取…方式, 出台, 同时…), not the framing
    # sentence that names the approach in the abstract (坚持…, 以…为抓手, 形成…局面): news frames a
    # way of working first (总述) and tells its measures after (分述). A score only.
    Check("means", q.asks_how, q.tells_measure, ranks=False),
    # "采取了哪些措施提高通关效率": a sentence naming the goal (通关效率, or in part: 通关效能). News tells
    # a measure with what it achieved (…，有效提升了通关效能), while the framing sentence that leads
    # the measures names the approach or a wider aim. A score only.
    Check("goal", lambda f: bool(f.goal), q.restates_goal, ranks=False),
    # "为什么 / 怎样": a sentence of the article's body, not its lede. News opens with who, what, when
    # and where and tells the why and the how after it (the inverted pyramid): the lede matches such a
    # question's topic best and seldom answers it. A score only: the confidence is not lowered.
    Check("body", lambda f: q.question_kind(f) == "why-how", lambda f, s: float(not s.opens_article), ranks=False),
)
CHECK = {c.name: c for c in CHECKS}


def read_params(name: str = PARAMS_FILE) -> tuple[dict, bytes]:
    """A params file of rag/params (package data) or a path: (its contents, its bytes)."""
    from .errors import RagError

    try:
        raw = (resources.files("rag") / "params" / name).read_bytes() if "/" not in name else open(name, "rb").read()
        return json.loads(raw), raw
    except (OSError, ValueError) as exc:
        raise RagError(f"cannot read answer params {name} ({exc}); reinstall the package or pass a valid "
                       "params file (eval/fit_weights.py writes them)") from None


# What a params file sets for each check, and what a field the file leaves out is (an older file
# predates it): 0, and no partial passes.
FITTED_CHECK_FIELDS = {"bonus": 0.0, "penalty": 0.0, "neighbour_share": 0.0, "partial_cost": math.inf}


def use_params(params: dict, raw: bytes | None = None, file: str = "") -> None:
    """Set the scoring and confidence weights (the fit script swaps them; answers read them per call)."""
    global QUOTE_MARGIN, RANK_BONUS, OVERLAP_WEIGHT, CONFIDENCE_WEIGHTS, MIN_CONFIDENCE, CHECKS, CHECK, PARAMS, PARAMS_ID, \
        NEIGHBOUR_MARGIN
    raw = raw if raw is not None else json.dumps(params, sort_keys=True).encode()
    score = params["score"]
    QUOTE_MARGIN, RANK_BONUS, OVERLAP_WEIGHT = score["quote_margin"], score["rank_bonus"], score["overlap"]
    NEIGHBOUR_MARGIN = score.get("neighbour_margin", float("-inf"))  # older params: no neighbour joins
    CONFIDENCE_WEIGHTS = dict(params["confidence"])
    MIN_CONFIDENCE = params["min_confidence"]
    # A check newer than the params file weighs nothing in it: older files keep their figures.
    CHECKS = tuple(dataclasses.replace(c, **{**FITTED_CHECK_FIELDS, **params["checks"].get(c.name, {})}) for c in CHECKS)
    CHECK = {c.name: c for c in CHECKS}
    PARAMS = params
    PARAMS_ID = {"file": file, "name": params["name"], "version": params["version"],
                 "sha256": hashlib.sha256(raw).hexdigest()[:16]}


use_params(*read_params(), file=PARAMS_FILE)


@dataclass(frozen=True)
class Candidate:
    sentence: Passage
    cosine: float  # between question and sentence vectors
    hit_rank: int  # 0 for the best passage
    overlap: float = 0.0  # share of the question's distinctive words (weighted) in the sentence
    holds: dict[str, float] = field(default_factory=dict)  # check name -> how far the sentence passes (asked checks)
    read: q.Sentence | None = field(default=None, compare=False, repr=False)  # the sentence as the checks read it
    sid: int | None = field(default=None, compare=False)  # its row in the index's sentences, when known
    new_words: int = 99  # how many of its keywords the question lacks, when it asks for something (restates)

    @property
    def relevance(self) -> float:
        """How well the sentence matches the question, before the place and reason bonuses; the
        where/why checks look at the best sentences by this, or the bonuses would promote any
        sentence naming a place into the sentences checked for one."""
        total = self.cosine + RANK_BONUS / (1 + self.hit_rank) + OVERLAP_WEIGHT * self.overlap
        for check in CHECKS:
            if check.ranks and check.bonus:
                total += check.bonus * self.holds.get(check.name, 0.0)
        return total

    @property
    def score(self) -> float:
        """What quotes are ranked by."""
        total = self.relevance
        for check in CHECKS:
            if not check.ranks and check.bonus:
                total += check.bonus * self.holds.get(check.name, 0.0)
        return total

    def passes(self, name: str) -> bool:
        return bool(self.holds.get(name))

    def as_read(self) -> q.Sentence:
        return self.read or q.Sentence(self.sentence.text)


class SentenceStore:
    """The index's sentences and their vectors; ``within`` finds the sentences inside a passage."""

    def __init__(self, sentences: Sequence[Passage], vectors: VectorCodes, store: TextStore):
        self.sentences, self.vectors, self.store = sentences, vectors, store

    def within(self, source: str, start: int, end: int) -> list[int]:
        """Ids of sentences that overlap [start, end) in source, in file order."""
        return self.store.sentences_within(source, start, end)

    def within_each(self, spans: Sequence[tuple[str, int, int]]) -> list[list[int]]:
        """``within`` for each (source, start, end), in one query."""
        return self.store.sentences_within_many(spans)

    def gaps_before(self, ids: Sequence[int]) -> dict[int, str]:
        """{sentence id: the whitespace parting it from the sentence before it in its article}
        (rag.store.TextStore.gaps_before); {} where the store does not keep them."""
        gaps = getattr(self.store, "gaps_before", None)
        return gaps(ids) if gaps else {}

    def just_before(self, c: Candidate) -> Candidate | None:
        """The sentence that ends where the candidate's begins, touching it in the same file and
        article, as a candidate that scores nothing: read only to complete a quote."""
        if not c.sid:
            return None
        s, before = c.sentence, self.sentences[c.sid - 1]
        if (before.source, before.end, before.title) != (s.source, s.start, s.title):
            return None
        return Candidate(before, float("-inf"), HITS_CONSIDERED, sid=c.sid - 1)


def candidates(hits: list[Hit], store: SentenceStore, query_vector: np.ndarray,
               frame: q.QuestionFrame) -> list[Candidate]:
    """Each sentence of the top passages once, tagged with the best rank it was found at and
    with how far it passes each check the question asks for."""
    rank_of: dict[int, int] = {}
    for rank, sids in enumerate(store.within_each([(h.source, h.start, h.end) for h in hits[:HITS_CONSIDERED]])):
        for sid in sids:
            rank_of.setdefault(sid, rank)
    ids = list(rank_of)
    cosines = (store.vectors.vectors(ids) @ query_vector).tolist() if ids else []
    sentences = store.sentences.many(ids)  # one query for all, not one per sentence
    gaps = store.gaps_before(ids)
    overlaps = word_overlaps(frame.terms, [s.text for s in sentences])
    asked = [check for check in CHECKS if check.asked(frame)]
    ledes = article_openers(ids, sentences, store) if any(c.name == "body" for c in asked) else set()
    reads = [q.Sentence(s.text, sid in ledes) for sid, s in zip(ids, sentences)]  # each normalised once, for every check
    in_passage = {check.name: passage_holds(check, frame, hits[:HITS_CONSIDERED]) for check in asked if check.in_passage}
    cands = [Candidate(after_gap(s, gaps.get(sid, "")), cos, rank_of[sid], overlap,
                       {**checked(frame, asked, read), **{name: held[rank_of[sid]] for name, held in in_passage.items()}},
                       read, sid, len(sentence_words(s.text) - frame.terms) if frame.asks_for_something else 99)
             for sid, s, cos, overlap, read in zip(ids, sentences, cosines, overlaps, reads)]
    return reasons_next_door(cands) if frame.wants_reason else cands


def after_gap(s: Passage, gap: str) -> Passage:
    """The sentence with the whitespace before it (a paragraph break), so that it touches the sentence
    before it: a news story goes on from paragraph to paragraph ('他把银行卡密码忘记了……。' / '了解到
    老人的需求后，……为老人办理好密码重置业务。'), and the answer to a how or why question is often
    the next paragraph's opening. Its checks read the sentence alone; a quote never opens on the gap."""
    return dataclasses.replace(s, start=s.start - len(gap), text=gap + s.text) if gap else s


def article_openers(ids: list[int], sentences: list[Passage], store: SentenceStore) -> set[int]:
    """Which of these sentences open their article: the sentence before it (by id, in file order)
    belongs to another file or article (title, section, date). The sentence before is mostly a
    candidate too (passages hold runs of sentences); the rest are read."""
    known = dict(zip(ids, sentences))
    missing = [sid - 1 for sid in ids if sid > 0 and sid - 1 not in known]
    known.update(zip(missing, store.sentences.many(missing)))
    return {sid for sid, s in zip(ids, sentences) if sid == 0 or article_of(known[sid - 1]) != article_of(s)}


def article_of(s: Passage) -> tuple[str, str | None, str, str]:
    return s.source, s.title, s.section, s.date


NEXT_DOOR = 0.5  # how far a sentence passes the reason check when only a sentence touching it gives the cause


def reasons_next_door(cands: list[Candidate]) -> list[Candidate]:
    """A why-question's sentence passes the reason check in part (NEXT_DOOR) when the sentence just
    before or after it gives the cause: news tells an action and its cause in neighbouring sentences
    ('改革前…铺设了8类网格。但由于网格员待遇低…'), and the quote then holds both (news_units)."""
    gives = {(c.sentence.source, c.sentence.start, c.sentence.end) for c in cands if c.holds.get("reason") == 1}
    starts = {(src, start) for src, start, _ in gives}
    ends = {(src, end) for src, _, end in gives}
    return [dataclasses.replace(c, holds={**c.holds, "reason": NEXT_DOOR})
            if not c.holds.get("reason") and ((c.sentence.source, c.sentence.end) in starts
                                              or (c.sentence.source, c.sentence.start) in ends) else c
            for c in cands]


def checked(frame: q.QuestionFrame, asked: list[Check], sentence: q.Sentence) -> dict[str, float]:
    return {check.name: check.holds(frame, sentence) for check in asked if not check.in_passage}


def passage_holds(check: Check, frame: q.QuestionFrame, hits: list[Hit]) -> list[float]:
    """How far each hit passes a check that reads a passage with its article's title (``jointly``:
    all the hits' passages read as one text)."""
    texts = [f"{hit.title or ''}\n{hit.text}" for hit in hits]
    if check.jointly:
        return [check.holds(frame, q.Sentence("\n".join(texts)))] * len(hits)
    return [check.holds(frame, q.Sentence(text)) for text in texts]


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
    total = sum(weight[w] for w in sorted(question_words))  # sorted: the same sum in every process (hash order)
    return [sum(weight[w] for w in sorted(words)) / total for words in words_of]


@lru_cache(maxsize=65536)
def sentence_words(text: str) -> frozenset[str]:
    """A sentence's keyword tokens; cached, since the same sentences come back query after query."""
    return frozenset(tokenize(text))


def confidence(frame: q.QuestionFrame, cands: list[Candidate]) -> float:
    """How sure we are that the candidates answer: the best cosine among sentences that could
    answer, less the penalty of each check the candidates fail (the README tells the checks)."""
    best = max((c.cosine for c in cands), default=float("-inf"))
    most_relevant = sorted(cands, key=lambda c: (-c.relevance, c.sentence.source, c.sentence.start))
    touching = None  # built when a gate needs it
    for check in CHECKS:
        if not (check.penalty or check.gate) or not check.asked(frame):
            continue
        if check.gate:
            touching = touching or Touching(cands)
            whole = [gate_cosine(c, check.neighbour_share, touching) for c in cands if c.holds.get(check.name, 0) >= 1]
            part = [gate_cosine(c, check.neighbour_share, touching) - check.partial_cost
                    for c in cands if passes_gate(check, c) and c.holds[check.name] < 1]
            best = max(whole + part) if whole else max([best - check.penalty] + part)  # a part never costs more than none
        elif check.together is not None:
            best -= check.penalty * (not check.together(frame, [c.as_read() for c in cands]))
        else:
            best -= check.penalty * (not any(c.passes(check.name) for c in most_relevant[:check.looks]))
    for name, value in answer_features(frame, cands).items():
        best += CONFIDENCE_WEIGHTS[name] * value
    return best


class Touching:
    """The candidates that touch a candidate in its file (the sentence just before and just after)."""

    def __init__(self, cands: list[Candidate]):
        self.by_start = {(c.sentence.source, c.sentence.start): c for c in cands}
        self.by_end = {(c.sentence.source, c.sentence.end): c for c in cands}

    def of(self, c: Candidate) -> list[Candidate]:
        s = c.sentence
        return [n for n in (self.by_end.get((s.source, s.start)), self.by_start.get((s.source, s.end))) if n]


def passes_gate(check: Check, c: Candidate) -> bool:
    """The candidate passes a gate check: wholly, or in part when a partial pass has a finite cost."""
    held = c.holds.get(check.name, 0.0)
    return held >= 1 or (held > 0 and math.isfinite(check.partial_cost))


def gate_cosine(c: Candidate, neighbour_share: float, touching: Touching) -> float:
    """A gated sentence's cosine, moved neighbour_share of the way to a touching sentence's when
    that is higher: news states a value in a short sentence whose story is told next door."""
    if not neighbour_share:
        return c.cosine
    return max([c.cosine] + [c.cosine + neighbour_share * (n.cosine - c.cosine) for n in touching.of(c)])


def answer_features(frame: q.QuestionFrame, cands: list[Candidate]) -> dict[str, float]:
    """What the confidence weighs besides the best cosine and the checks (weights 0: not computed).
    coverage: the share of the question's words found in some candidate sentence (a question about
    an article the index lacks names things no candidate does); top_overlap: the highest share of
    the question's distinctive words in one sentence; missing_pairs: minus the share of the question's
    character pairs that the first quote's article lacks beyond the share an answer's may lack
    (missing_pairs_beyond); asks_<kind>: 1 for a question of that kind (KIND_FEATURES)."""
    out = {}
    if CONFIDENCE_WEIGHTS.get("coverage"):
        found = frozenset().union(*(sentence_words(c.sentence.text) for c in cands))
        out["coverage"] = len(frame.terms & found) / len(frame.terms) if frame.terms else 1.0
    if CONFIDENCE_WEIGHTS.get("top_overlap"):
        out["top_overlap"] = max((c.overlap for c in cands), default=0.0)
    if CONFIDENCE_WEIGHTS.get("missing_pairs"):
        out["missing_pairs"] = -missing_pairs_beyond(missing_pairs(frame, cands))
    kind = q.question_kind(frame)
    for name in KIND_FEATURES:
        if CONFIDENCE_WEIGHTS.get(name):
            out[name] = float(kind == name.removeprefix("asks_"))
    return out


def missing_pairs(frame: q.QuestionFrame, cands: list[Candidate]) -> float:
    """The share of the question's character pairs (frame.pairs) that the best-scored sentence's article
    lacks: its title and its candidate sentences. An answer's article says most of what the question
    says; an article about something else (a left-out article's question answered from a neighbour)
    shares the subject's name and little more. 0 for a question with no Chinese pairs (English)."""
    if not frame.pairs or not cands:
        return 0.0
    top = min(cands, key=lambda c: (-c.score, c.sentence.source, c.sentence.start))
    article = [normalize(top.sentence.title or "")] + [c.as_read().folded for c in cands
                                                        if c.sentence.source == top.sentence.source]
    text = "\n".join(article)
    return sum(pair not in text for pair in frame.pairs) / len(frame.pairs)


# The share of a question's character pairs its answer's article may lack at no cost. A reader's
# question rewords the article and names what it asks for, which the article need not hold (a near
# miss lacks its one missing fact); a question about another subject shares little past a name.
# Measured with eval/fit_weights.py's cache: at most half the pairs are missing for 0.95 of the seeds'
# answerable questions and 0.83 of DRCD's, and for 0.87 of the seeds' near misses; more than half for
# 0.97 of DRCD's questions about a left-out article. Charging the whole share lowered the seeds' near
# misses with the left-out questions and the calibration probes, and let them through.
MISSING_PAIRS_ALLOWED = 0.5


def missing_pairs_beyond(share: float) -> float:
    """The part of a missing share above MISSING_PAIRS_ALLOWED, on a 0-1 scale."""
    return max(0.0, share - MISSING_PAIRS_ALLOWED) / (1.0 - MISSING_PAIRS_ALLOWED)


# Question kinds (rag.question.question_kind) whose confidence the params may raise or lower: the
# calibration probes are factual questions, and the other kinds match their answers less closely.
KIND_FEATURES = ("asks_why-how", "asks_keywords", "asks_english")


def select_quotes(cands: list[Candidate], conf: float, min_confidence: float | None = None,
                  store: SentenceStore | None = None) -> list[Quote]:
    """1-3 best sentences, adjacent ones merged, no text twice; [] below the confidence threshold.
    With the ``store``, a quote that opens by pointing back may take in a sentence outside the candidates."""
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
    return merge_adjacent(distinct(news_units(chosen, cands, ranked[0].score, store)))


UNIT_CAP = 220  # characters a quote may grow to by whole neighbouring sentences
# A sentence that only says who spoke ('……敖云娜感激地说。'): the words it attributes come before it.
ATTRIBUTION = re.compile(r"^[^“”\"「」]{1,30}(?:" + "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
                         + r")[\u4e00-\u9fff]{0,2}[。！!]?$")
# A sentence that announces what follows: speech ('他说：') or a list ('主要有以下几点：').
LEADS_ON = re.compile(r"[：:]$|(?:如下|以下几[点个项条方面])[。：:]?$")


def news_units(chosen: list[Candidate], cands: list[Candidate], best: float,
               store: SentenceStore | None = None) -> list[Quote]:
    """Each chosen sentence as the unit news writing makes of it, verbatim and contiguous, at most
    UNIT_CAP characters: an attribution with the words it attributes, a lead with its items or
    quoted words, for a why or how question the answering sentence with its continuation, and a
    sentence with the next one when that one goes on about its subject ('这种书体被称为…'), and
    with a neighbour that scores nearly as well as the best sentence (NEIGHBOUR_MARGIN): the story's
    next or previous step, often the detail asked, at the cost of one sentence in the same quote.
    A list question's lead that lists nothing gets the next sentence, and a clause ending in ； the
    rest of its sentence (whole_sentence). Only sentences that touch it in the file are joined, and
    only candidates, but for the words an attribution or a sentence that points back ('这也是商机。')
    needs: those are read from the ``store`` when no top passage holds them. A sentence that only
    restates the question is quoted with both its neighbours, one of which tells what is asked."""
    touching = Touching(cands)
    by_start, by_end = touching.by_start, touching.by_end
    close = best - NEIGHBOUR_MARGIN  # a neighbour scoring this joins (best: the best candidate's score)
    units = []
    for c in chosen:
        s = c.sentence
        start, end, text = s.start, s.end, s.text
        before, after = by_end.get((s.source, start)), by_start.get((s.source, end))
        if before and len(before.sentence.text) + len(text) <= UNIT_CAP and (
                dangles(c) or neighbour_gives_asked(c, before)):
            start, text = before.sentence.start, before.sentence.text + text
        elif after and len(text) + len(after.sentence.text) <= UNIT_CAP and neighbour_gives_asked(c, after):
            end, text = after.sentence.end, text + after.sentence.text
        elif restates(c):  # it repeats the question: what is asked is told next to it
            if before and len(before.sentence.text) + len(text) <= UNIT_CAP:
                start, text = before.sentence.start, before.sentence.text + text
            if after and len(text) + len(after.sentence.text) <= UNIT_CAP:
                end, text = after.sentence.end, text + after.sentence.text
        if (after := by_start.get((s.source, end))) and after.score >= close \
                and len(text) + len(after.sentence.text) <= UNIT_CAP:
            end, text = after.sentence.end, text + after.sentence.text
        if (before := by_end.get((s.source, start))) and before.score >= close \
                and len(before.sentence.text) + len(text) <= UNIT_CAP:
            start, text = before.sentence.start, before.sentence.text + text
        follow = 99 if LEADS_ON.search(text.strip()) else 1 if {"reason", "action", "means"} & set(c.holds) \
            or c.holds.get("list") == 0 else 0
        if not follow and (after := by_start.get((s.source, end))) and refers_back(after.as_read().folded):
            follow = 1  # the next sentence goes on about this one's subject ('……。这种书体被称为…')
        while follow and (after := by_start.get((s.source, end))) and len(text) + len(after.sentence.text) <= UNIT_CAP:
            end, text, follow = after.sentence.end, text + after.sentence.text, follow - 1
        start, end, text = whole_sentence(s.source, start, end, text, touching)
        start, text = completed_opening(c, start, text, touching, store)
        opening_gap = len(text) - len(text.lstrip())  # a paragraph break before its first sentence (after_gap)
        start, text = start + opening_gap, text[opening_gap:]
        units.append(Quote(text, s.source, start, end, s.title, round(c.score, 4), s.date))
    return units


# A sentence that adds at most this many words to the question's restates it ('这是中国报纸第一次获得
# 最佳报纸称号。' for '中国报纸第一次获得最佳报纸称号的是哪一家报纸?'): the answer is what the question
# lacks, so it is told next to that sentence, before or after.
RESTATES_NEW_WORDS = 0


def restates(c: Candidate) -> bool:
    """The sentence says nothing the question does not (RESTATES_NEW_WORDS)."""
    return c.new_words <= RESTATES_NEW_WORDS


def dangles(c: Candidate) -> bool:
    """The sentence needs the one before it: it only says who spoke, or it points back ('这也是商机。')."""
    return bool(ATTRIBUTION.match(c.sentence.text.strip())) or refers_back(c.as_read().folded)


def completed_opening(c: Candidate, start: int, text: str, touching: Touching,
                      store: SentenceStore | None) -> tuple[int, str]:
    """A unit whose opening sentence dangles takes in the sentence before it, within UNIT_CAP: a
    quote never opens on words whose subject or speaker it leaves out. That sentence is a candidate,
    or, when no top passage holds it (a passage may begin just after it), read from the ``store``."""
    source = c.sentence.source
    first = c if start == c.sentence.start else touching.by_start.get((source, start))
    # points_back only here, not in dangles: joined last, the sentence before never takes the room
    # (UNIT_CAP) that a why-answer's continuation or a date's neighbour needs.
    while first is not None and (dangles(first) or points_back(first.as_read().folded)):
        before = touching.by_end.get((source, start)) or (store.just_before(first) if store else None)
        if before is None or len(before.sentence.text) + len(text) > UNIT_CAP:
            break
        start, text, first = before.sentence.start, before.sentence.text + text, before
    return start, text


def whole_sentence(source: str, start: int, end: int, text: str, touching: Touching) -> tuple[int, int, str]:
    """The unit grown, within UNIT_CAP, to the sentence its clauses belong to. A clause ending in ；
    does not end its sentence: Chinese chains parallel clauses with ； up to the 。, those after it go on
    with the list ('…用于帮扶；用于扩大再生产；…。') and those before it hold the subject."""
    while ends_clause(text) and (after := touching.by_start.get((source, end))) \
            and len(text) + len(after.sentence.text) <= UNIT_CAP:
        end, text = after.sentence.end, text + after.sentence.text
    while (before := touching.by_end.get((source, start))) and ends_clause(before.sentence.text) \
            and len(before.sentence.text) + len(text) <= UNIT_CAP:
        start, text = before.sentence.start, before.sentence.text + text
    return start, end, text


def ends_clause(text: str) -> bool:
    return text.rstrip().endswith(("；", ";"))


def neighbour_gives_asked(chosen: Candidate, neighbour: Candidate) -> bool:
    """The neighbour gives what the question asks and the chosen sentence lacks. A how-many or when
    question's sentence states no such value and the sentence next to it does:
    news and encyclopedic writing give an event's date or count once, in the sentence that opens it
    ('1976年10月30日，在庆祝…大会上…。铁道部随即…请示…。'). Likewise a why-question's sentence and
    the neighbour that gives its cause (reasons_next_door)."""
    value = chosen.holds.get("value")
    return (value is not None and value < 1 and neighbour.holds.get("value") == 1) or \
        (chosen.holds.get("reason") == NEXT_DOOR and neighbour.holds.get("reason") == 1)


def refers_back(folded: str) -> bool:
    """The (normalised) sentence continues the one before and names its subject only there: it opens,
    after any conjunction, with a pronoun or a time word standing for something told before
    ('因此他提出…', '同年…') or with a verb or adverb, having no subject of its own ('完成了…')."""
    opening = folded.lstrip(" \t\n“”\"'「」『』（(")
    for word, flag in q._pos_words(opening[:12]):  # the opening alone: cached, and cheap
        if flag == "c" or flag.startswith("x"):
            continue  # 因此, 而, 但: the next word tells
        return word in REFERS_BACK_OPENERS or any(word.startswith(w) for w in REFERS_BACK_OPENERS if len(w) == 1) \
            or flag in SUBJECTLESS_OPENING_TAGS
    return False


# Not 应该 or 活该, where 该 is no demonstrative.
_POINTING = re.compile("|".join(("(?<![应活])该(?=[\u4e00-\u9fff])" if w == "该" else w) for w in POINTING_DEMONSTRATIVES))
_FIRST_CLAUSE = re.compile(q.IN_CLAUSE + "*")


def points_back(folded: str) -> bool:
    """The (normalised) sentence's first clause points with a demonstrative to something named before it
    ('加拿大约1/6的就业机会在该市。'): a quote opening on it leaves out what it points to."""
    return bool(_POINTING.search(_FIRST_CLAUSE.match(folded).group()))


def distinct(units: list[Quote]) -> list[Quote]:
    """Units in rank order, none twice: one inside another gives way to it, at the better rank."""
    kept: list[Quote] = []
    for unit in units:
        if any(inside(unit, k) for k in kept):
            continue
        holders = [i for i, k in enumerate(kept) if inside(k, unit)]
        if holders:
            first = kept[holders[0]]
            kept = [k for i, k in enumerate(kept) if i not in holders[1:]]
            kept[holders[0]] = Quote(unit.text, unit.source, unit.start, unit.end, unit.title, first.score, unit.date)
        else:
            kept.append(unit)
    return kept


def inside(quote: Quote, other: Quote) -> bool:
    return quote.source == other.source and other.start <= quote.start and quote.end <= other.end


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
