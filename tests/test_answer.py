"""Quote selection on hand-made sentences and vectors."""
from __future__ import annotations

import numpy as np

from rag.answer import Candidate, SentenceStore, merge_adjacent, select_quotes
from rag.dense import DenseIndex
from rag.types import Passage, Quote

TEXT = "第一句话。第二句话。第三句。"


def sentence(start: int, end: int, source: str = "a.txt") -> Passage:
    return Passage(source, "标题", "", start, end, TEXT[start:end])


def test_store_finds_sentences_overlapping_a_span():
    sents = [sentence(0, 5), sentence(5, 10), sentence(10, 14), sentence(0, 5, "b.txt")]
    store = SentenceStore(sents, DenseIndex.build(np.eye(4, dtype=np.float32)))
    assert store.within("a.txt", 3, 10) == [0, 1]
    assert store.within("a.txt", 10, 14) == [2]
    assert store.within("b.txt", 0, 100) == [3]
    assert store.within("c.txt", 0, 100) == []


def test_below_threshold_there_are_no_quotes():
    cands = [Candidate(sentence(0, 5), 0.4, 0)]
    assert select_quotes("q", cands, min_confidence=0.5) == []
    assert select_quotes("q", cands, min_confidence=0.3)[0].text == "第一句话。"


def test_best_first_within_margin_and_adjacent_sentences_merge():
    cands = [Candidate(sentence(5, 10), 0.80, 0), Candidate(sentence(0, 5), 0.78, 0),
             Candidate(sentence(10, 14), 0.30, 1)]
    quotes = select_quotes("q", cands, min_confidence=0.0)
    assert [(q.text, q.start, q.end) for q in quotes] == [("第一句话。第二句话。", 0, 10)]


def test_same_text_is_never_quoted_twice():
    twin = Passage("b.txt", "别的", "", 0, 5, "第一句话。")
    quotes = select_quotes("q", [Candidate(sentence(0, 5), 0.9, 0), Candidate(twin, 0.9, 1)], min_confidence=0.0)
    assert [q.text for q in quotes] == ["第一句话。"]


def test_merge_adjacent_keeps_separate_files_apart():
    a = Quote("第一句话。", "a.txt", 0, 5, "t", 0.9)
    b = Quote("第二句话。", "b.txt", 5, 10, "t", 0.8)
    assert merge_adjacent([a, b]) == [a, b]


def test_a_quantity_never_stated_gets_no_quote():
    text = "全村共有农户300户。村里建了大棚。"
    hh = Passage("a.txt", "t", "", 0, 10, text[:10])
    other = Passage("a.txt", "t", "", 10, 16, text[10:])
    assert select_quotes("村里有多少户?", [Candidate(hh, 0.7, 0)], min_confidence=0.5)
    assert select_quotes("村里建了多少亩大棚?", [Candidate(hh, 0.7, 0), Candidate(other, 0.7, 0)],
                         min_confidence=0.5) == []
    assert select_quotes("有哪几位代表?", [Candidate(other, 0.7, 0)], min_confidence=0.5)
