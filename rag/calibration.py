"""A refusal threshold fitted to each index, from questions made out of its own sentences.

How high the confidence of an answerable question runs depends on the corpus: its script
(traditional text scores lower), its domain, how alike its articles are. So no one constant
serves every archive. Instead, PROBES sentences are drawn from the index and each becomes a
question by putting a question word where one of its facts stood ("划分了136个网格" ->
"划分了多少个网格？", "张斌被授予…" -> "谁被授予…？"); only the clause holding the fact is kept,
as a reader's question would. Answering the probes gives this corpus's confidence for questions
it can answer; the threshold is a low percentile of them, a share fitted on several corpora
together with the confidence weights (the params file's "calibration_percentile"; figures by
eval/fit_weights.py and eval/fit_calibration.py). The result goes in the index manifest
("calibration", naming the params it was fitted with); `rag index calibrate` redoes it.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import answer
from .text import to_simplified

if TYPE_CHECKING:
    from .retriever import Retriever

PROBES = 200  # questions per calibration: enough for a stable low percentile, a few seconds to answer
SEED = 0
MIN_CHARS, MAX_CHARS = 10, 160  # sentences too short say nothing; long ones are lists
MIN_CONTEXT = 6  # characters of the question besides the question word
MIN_PROBES = 20  # fewer, and a percentile says little: the shipped default threshold applies

_NUM = r"[0-9０-９.．]+|[一二三四五六七八九十百千万两]+"
_UNIT = ("平方公里|公里|公顷|小时|万元|亿元|平方米|个月|分钟|公斤|人次|个|名|位|人|户|元|亩|吨|岁|天|次|处|家|项|米|册|份|场"
         "|支|条|所|座|间|辆|台|艘|棵|栋|届|批|张|件|套|篇|倍|头|只|%|％")
QUANTITY = re.compile(rf"(?<![第0-9０-９一二三四五六七八九十百千万两])(?:{_NUM})(?:多|余)?\s*({_UNIT})")
YEAR = re.compile(r"[0-9０-９]{4}\s*年")
CLAUSE_BREAKS = re.compile(r"[，,；;：:。！？!?]")
_ENTITY_WORDS = {"nr": "谁", "nrfg": "谁", "ns": "哪里", "nt": "哪个单位"}


@dataclass(frozen=True)
class Calibration:
    threshold: float
    percentile: float
    probes: int  # how many probe questions the threshold stands on
    params: dict | None = None  # the answer params (rag.answer.PARAMS_ID) whose confidence scale it fits

    def as_dict(self) -> dict:
        return {"threshold": round(self.threshold, 4), "percentile": self.percentile, "probes": self.probes,
                "method": "percentile of corpus-made probe questions", "params": self.params}


def fitted_share() -> float:
    """The percentile of the probes' confidences that sets the threshold, fitted with the weights."""
    return float(answer.PARAMS["calibration_percentile"])


def probe_question(sentence: str) -> str | None:
    """A question whose answer is a fact of the sentence, in the sentence's own words and script;
    None when the sentence holds no number, year or name to ask about."""
    for make in (_ask_quantity, _ask_year, _ask_entity):
        if (asked := make(sentence)) is not None:
            start, end, word = asked
            return _clause_question(sentence, start, end, word)
    return None


def _ask_quantity(s: str) -> tuple[int, int, str] | None:
    m = QUANTITY.search(s)
    return (m.start(), m.end(), "多少" + m.group(1)) if m else None


def _ask_year(s: str) -> tuple[int, int, str] | None:
    m = YEAR.search(s)
    return (m.start(), m.end(), "哪一年") if m else None


def _ask_entity(s: str) -> tuple[int, int, str] | None:
    """The first person, place or organisation jieba finds, tagged on the simplified text (the
    folding keeps lengths, so offsets hold in the original script)."""
    from jieba import posseg

    folded = to_simplified(s)
    if len(folded) != len(s):
        return None
    pos = 0
    for token in posseg.lcut(folded):
        word = _ENTITY_WORDS.get(token.flag)
        if word and len(token.word) >= 2:
            return pos, pos + len(token.word), word
        pos += len(token.word)
    return None


def _clause_question(sentence: str, start: int, end: int, word: str) -> str | None:
    """The clause around [start, end) with the question word in place of the fact, ending in ？;
    a clause with little besides the fact ("1786年2月2日，") takes in the next one."""
    breaks = [m.start() for m in CLAUSE_BREAKS.finditer(sentence)] + [len(sentence)]
    starts = [0] + [b + 1 for b in breaks if b < start]
    ends = [b for b in breaks if b >= end]
    lo, hi = starts.pop(), ends.pop(0)
    while _content(sentence[lo:start] + sentence[end:hi]) < MIN_CONTEXT and (ends or starts):
        if ends:
            hi = ends.pop(0)
        else:
            lo = starts.pop()
    context = sentence[lo:start] + sentence[end:hi]
    if _content(context) < MIN_CONTEXT:
        return None
    return (sentence[lo:start] + word + sentence[end:hi]).strip(" \t\n“”\"'「」『』，,；;：:。！？!?") + "？"


def _content(text: str) -> int:
    """Characters that carry words: not digits, spaces or punctuation."""
    return sum(ch.isalpha() for ch in text)


def draw_probes(sentences: Sequence[str], n: int = PROBES, seed: int = SEED) -> list[str]:
    """Up to n probe questions from sentences drawn at random (reproducibly)."""
    order = list(range(len(sentences)))
    random.Random(seed).shuffle(order)
    probes: list[str] = []
    for i in order:
        text = sentences[i]
        if MIN_CHARS <= len(text) <= MAX_CHARS and (q := probe_question(text)):
            probes.append(q)
            if len(probes) == n:
                break
    return probes


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def calibrate(sentences: Sequence[str], confidence_of: Callable[[str], float], n: int = PROBES,
              share: float | None = None) -> Calibration | None:
    """The threshold for a corpus: the share-th percentile of its probes' confidences; None when
    the corpus yields too few probes to stand on (the shipped default then applies)."""
    probes = draw_probes(sentences, n)
    if len(probes) < MIN_PROBES:
        return None
    share = fitted_share() if share is None else share
    return Calibration(percentile([confidence_of(q) for q in probes], share), share, len(probes), answer.PARAMS_ID)


def calibrate_retriever(retriever: "Retriever") -> Calibration | None:
    """Calibrate the index a retriever serves (its sentences are the probes' source)."""
    return calibrate(SentenceTexts(retriever.data.sentences),
                     lambda q: retriever.answer(q, min_confidence=float("-inf")).confidence)


class SentenceTexts(Sequence[str]):
    """The texts of an index's sentences, read on demand: probes draw a few hundred of millions."""

    def __init__(self, sentences: Sequence):
        self.sentences = sentences

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self.sentences[i].text
