"""A refusal threshold fitted to each index, from questions made out of its own sentences.

How high the confidence of an answerable question runs depends on the corpus: its script
(traditional text scores lower), its domain, how alike its articles are. So no one constant
serves every archive. Instead, PROBES sentences are drawn from the index and each becomes a
question by putting a question word where one of its facts stood ("划分了136个网格" ->
"划分了多少个网格？", "张斌被授予…" -> "谁被授予…？"); only the clause holding the fact is kept,
as a reader's question would.

Each probe is answered twice. With its own article left out of the search (rag.filters.LeftOut)
it is a question about an article the archive lacks, and these "absent" confidences follow the
unanswerable questions of a held-out corpus closely; asked of the whole index, the "present"
confidences stand for answerable questions, but run higher than readers' paraphrases in their
low tail. So the threshold starts at a high percentile of the absent probes (the share of them
refused, the params file's "calibration_absent_percentile") and moves a fitted part of the way
("calibration_gap_weight") towards the CAP_SHARE-th percentile of the present ones. Readers'
questions about a missing article score a little above the absent probes; where a corpus's
answerable probes stand far above its absent ones there is room to refuse them at little cost to
answerable questions, and where the two sides nearly meet (a newspaper retelling its stories)
there is none and the threshold stays near the percentile. Both parameters are fitted across
corpora (eval/fit_two_sided.py). The threshold is never above that present percentile: an
archive that repeats its stories answers absent probes from the copies, and the cap keeps it from
refusing its own questions. The result goes in the index manifest ("calibration", naming the
params it was fitted with, and the probe figures); `rag index calibrate` redoes it.
"""
from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import answer
from .query_int8 import export_version_for
from .text import to_simplified

if TYPE_CHECKING:
    from .retriever import Retriever

# Questions per calibration. With 200, the threshold of one corpus moved by 0.010-0.014 (s.d.) with the
# draw of probes, and one DRCD draw's came out 0.025 low (0.465 against 0.490 from 1000: 0.903 of its
# unanswerable questions refused against 0.926); 1000 cut the spread to under half. Encoded in
# batches, they cost about the time 200 asked one by one did.
PROBES = 1000
SEED = 0
MIN_CHARS, MAX_CHARS = 10, 160  # sentences too short say nothing; long ones are lists
MIN_CONTEXT = 6  # characters of the question besides the question word
MIN_PROBES = 20  # fewer, and a percentile says little: the shipped default threshold applies
# The threshold never refuses more than this percentile of the present probes. Not fitted: a guard
# that binds only when the absent probes find their answers elsewhere (repeated stories).
CAP_SHARE = 10.0

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
    percentile: float  # the percentile of the absent probes the threshold starts from (unless the cap binds)
    probes: int  # how many probe questions the threshold stands on
    params: dict | None = None  # the answer params (rag.answer.PARAMS_ID) whose confidence scale it fits
    figures: dict | None = None  # the probes' confidences that placed it (see probe_figures)
    gap_weight: float = 0.0  # how far it moved from that percentile towards the cap
    query_encoder: str = "float"  # what embedded the probes (rag.embed.resolve_query_encoder): int8 or float
    query_export: int | None = None  # the int8 export's version when int8 embedded them (rag.query_int8)

    def as_dict(self) -> dict:
        return {"threshold": round(self.threshold, 4), "percentile": self.percentile, "gap_weight": self.gap_weight,
                "probes": self.probes,
                "method": f"percentile of corpus-made probe questions asked with their article left out, moved "
                          f"gap_weight of the way to the {CAP_SHARE:g}th percentile of the same asked of the whole "
                          f"index, and never above it",
                "figures": self.figures, "params": self.params, "query_encoder": self.query_encoder,
                "query_export": self.query_export}


def fitted_share() -> float:
    """The percentile of the absent probes' confidences that sets the threshold, fitted across corpora."""
    return float(answer.PARAMS["calibration_absent_percentile"])


def fitted_gap_weight() -> float:
    """How far the threshold moves from the absent percentile towards the present one (0: not at
    all; params before version 6 have no such weight)."""
    return float(answer.PARAMS.get("calibration_gap_weight", 0.0))


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
    return [q for _, q in draw_probe_sources(sentences, n, seed)]


def draw_probe_sources(sentences: Sequence[str], n: int = PROBES, seed: int = SEED) -> list[tuple[int, str]]:
    """Up to n (sentence id, probe question) pairs from sentences drawn at random (reproducibly):
    reads a few hundred sentences, never all of them."""
    order = list(range(len(sentences)))
    random.Random(seed).shuffle(order)
    probes: list[tuple[int, str]] = []
    for i in order:
        text = sentences[i]
        if MIN_CHARS <= len(text) <= MAX_CHARS and (q := probe_question(text)):
            probes.append((i, q))
            if len(probes) == n:
                break
    return probes


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def threshold_of(present: Sequence[float], absent: Sequence[float], share: float,
                 gap_weight: float = 0.0) -> tuple[float, str]:
    """The threshold from the two sides' confidences, and which side set it ("absent" or "cap"):
    the absent probes' ``share`` percentile, moved ``gap_weight`` of the way to the cap.
    A probe whose search found nothing (-inf) counts as the lowest; when fewer than MIN_PROBES absent
    probes found anything (an archive of one article), the cap alone applies."""
    cap = percentile(_floored(present), CAP_SHARE)
    found = [c for c in absent if math.isfinite(c)]
    if len(found) < MIN_PROBES:
        return cap, "cap"
    refused = percentile(_floored(absent), share)
    return (refused + gap_weight * (cap - refused), "absent") if refused <= cap else (cap, "cap")


def _floored(values: Sequence[float]) -> list[float]:
    """Nothing found (-inf) as a finite lowest value, so percentiles interpolate."""
    floor = min([v for v in values if math.isfinite(v)], default=0.0) - 1.0
    return [v if math.isfinite(v) else floor for v in values]


def probe_figures(present: Sequence[float], absent: Sequence[float], share: float, bound: str) -> dict:
    """What the manifest keeps of the probes: a few percentiles of each side and which one set the threshold."""
    found = [c for c in absent if math.isfinite(c)]
    return {"present": {f"p{CAP_SHARE:g}": round(percentile(_floored(present), CAP_SHARE), 4),
                        "p50": round(percentile(_floored(present), 50), 4)},
            "absent": {"p50": round(percentile(_floored(absent), 50), 4) if found else None,
                       f"p{share:g}": round(percentile(_floored(absent), share), 4) if found else None,
                       "found": len(found)},
            "bound": bound}


def calibrate(sentences: Sequence[str], confidences_of: Callable[[list[tuple[int, str]]], list[tuple[float, float]]],
              n: int = PROBES, share: float | None = None, gap_weight: float | None = None,
              query_encoder: str = "float") -> Calibration | None:
    """The threshold for a corpus (threshold_of) from its probes' confidences: ``confidences_of(probes)``
    gives, for each (sentence id, question), (asked of the whole index, asked with that sentence's
    article left out); None when the corpus yields too few probes to stand on (the shipped default
    threshold then applies)."""
    probes = draw_probe_sources(sentences, n)
    if len(probes) < MIN_PROBES:
        return None
    share = fitted_share() if share is None else share
    gap_weight = fitted_gap_weight() if gap_weight is None else gap_weight
    present, absent = zip(*confidences_of(probes))
    threshold, bound = threshold_of(present, absent, share, gap_weight)
    return Calibration(threshold, share, len(probes), answer.PARAMS_ID, probe_figures(present, absent, share, bound),
                       gap_weight, query_encoder, export_version_for(query_encoder))


def calibrate_retriever(retriever: "Retriever") -> Calibration | None:
    """Calibrate the index a retriever serves (its sentences are the probes' source)."""
    from .filters import LeftOut

    sentences = retriever.data.sentences

    def confidences(probes: list[tuple[int, str]]) -> list[tuple[float, float]]:
        return retriever.probe_confidences_many(
            [(question, LeftOut(sentences[sid].source, sentences[sid].title)) for sid, question in probes])

    return calibrate(SentenceTexts(sentences), confidences,
                     query_encoder=getattr(retriever.encoder, "query_encoder", "float"))


class SentenceTexts(Sequence[str]):
    """The texts of an index's sentences, read on demand: probes draw a few hundred of millions."""

    def __init__(self, sentences: Sequence):
        self.sentences = sentences

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self.sentences[i].text
