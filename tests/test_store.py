"""The text store (rag/store.py): texts once, passages and sentences as offsets, read back verbatim."""
from __future__ import annotations

import pytest

from rag.store import StoreWriter, TextStore
from rag.types import Passage

TEXT = "第一句话。第二句话。第三句。\n\n另一篇文章的第一句。"


def unit(start: int, end: int, source: str = "a.txt", title: str = "标题", date: str = "") -> Passage:
    return Passage(source, title, "广角", start, end, TEXT[start:end], date)


@pytest.fixture
def store(tmp_path) -> TextStore:
    writer = StoreWriter(tmp_path / "store.sqlite")
    writer.add_article("a.txt", [unit(0, 14)], [unit(0, 5), unit(5, 10), unit(10, 14)])
    writer.add_article("a.txt", [unit(16, 26, title="另一篇", date="2023-05-01")], [unit(16, 26, title="另一篇", date="2023-05-01")])
    writer.add_article("b.txt", [unit(0, 5, "b.txt")], [unit(0, 5, "b.txt")])
    writer.close()
    return TextStore(tmp_path / "store.sqlite")


def test_units_come_back_verbatim_with_their_article_fields(store):
    assert list(store.passages) == [unit(0, 14), unit(16, 26, title="另一篇", date="2023-05-01"), unit(0, 5, "b.txt")]
    assert store.sentences[3] == unit(16, 26, title="另一篇", date="2023-05-01")
    assert store.sentences[-1] == unit(0, 5, "b.txt")
    assert store.passages.many([2, 0]) == [unit(0, 5, "b.txt"), unit(0, 14)]
    with pytest.raises(IndexError):
        store.passages[3]


def test_sentences_overlapping_a_span_in_file_order(store):
    assert store.sentences_within("a.txt", 3, 10) == [0, 1]
    assert store.sentences_within("a.txt", 10, 14) == [2]
    assert store.sentences_within("a.txt", 0, 100) == [0, 1, 2, 3]
    assert store.sentences_within("b.txt", 0, 100) == [4]
    assert store.sentences_within("c.txt", 0, 100) == []


def test_sentences_within_many_spans_in_one_query_answer_each_as_alone(store):
    spans = [("a.txt", 3, 10), ("c.txt", 0, 100), ("b.txt", 0, 100), ("a.txt", 0, 100), ("a.txt", 10, 14)]
    assert store.sentences_within_many(spans) == [store.sentences_within(*span) for span in spans]
    assert store.sentences_within_many([]) == []


def test_a_gap_between_an_articles_runs_is_not_stored(tmp_path):
    """Text between two runs of one article belongs to another article: the store keeps blanks there."""
    writer = StoreWriter(tmp_path / "s.sqlite")
    writer.add_article("a.txt", [unit(0, 5), unit(16, 26)], [])
    writer.close()
    (text,) = TextStore(tmp_path / "s.sqlite").query("SELECT text FROM articles")[0]
    assert text == TEXT[0:5] + " " * 11 + TEXT[16:26]
