"""Micro-batched query encoding (rag.batching): concurrent questions share model calls, each gets
its own rows, errors reach every caller, and passages bypass the batching."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import rag
from rag.batching import BatchingEncoder
from rag.testing import FakeEncoder


class SlowEncoder(FakeEncoder):
    """The fake encoder, holding its first query call until released, and counting calls."""

    def __init__(self):
        super().__init__(64)
        self.release, self.entered, self.batches = threading.Event(), threading.Event(), []

    def encode_queries(self, queries):
        self.batches.append(len(queries))
        self.entered.set()
        assert self.release.wait(10), "the test never released the encoder"
        return super().encode_queries(queries)


QUESTIONS = [f"第{i}个问题:网格员做什么工作?" for i in range(12)]


def test_questions_waiting_together_share_one_model_call():
    slow = SlowEncoder()
    batching = BatchingEncoder(slow)
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        first = pool.submit(batching.encode_queries, [QUESTIONS[0]])
        assert slow.entered.wait(5)
        rest = [pool.submit(batching.encode_queries, [q]) for q in QUESTIONS[1:]]
        while len(batching._waiting) < len(rest):  # all queued behind the first call
            threading.Event().wait(0.005)
        slow.release.set()
        vectors = [first.result()] + [f.result() for f in rest]
    assert slow.batches == [1, len(QUESTIONS) - 1] and batching.calls == 2
    plain = FakeEncoder(64)
    for q, v in zip(QUESTIONS, vectors):
        assert v.shape == (1, 64) and np.array_equal(v, plain.encode_queries([q]))


def test_batches_are_capped():
    slow = SlowEncoder()
    batching = BatchingEncoder(slow, max_batch=4)
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        first = pool.submit(batching.encode_queries, [QUESTIONS[0]])
        assert slow.entered.wait(5)
        rest = [pool.submit(batching.encode_queries, [q]) for q in QUESTIONS[1:]]
        while len(batching._waiting) < len(rest):
            threading.Event().wait(0.005)
        slow.release.set()
        assert all(f.result().shape == (1, 64) for f in [first, *rest])
    assert slow.batches[0] == 1 and max(slow.batches) == 4 and sum(slow.batches) == len(QUESTIONS)


def test_a_failed_call_raises_in_every_waiting_caller_and_the_next_call_works():
    class Failing(FakeEncoder):
        fail = True

        def encode_queries(self, queries):
            if self.fail:
                raise rag.ModelError("model file vanished")
            return super().encode_queries(queries)

    inner = Failing(64)
    batching = BatchingEncoder(inner)
    with pytest.raises(rag.ModelError, match="vanished"):
        batching.encode_queries(["网格员"])
    inner.fail = False
    assert batching.encode_queries(["网格员", "图书"]).shape == (2, 64)


def test_a_retriever_with_batching_answers_like_one_without(mini_index):
    plain = rag.Retriever.load(mini_index, encoder=FakeEncoder(64))
    batched = rag.Retriever.load(mini_index, encoder=BatchingEncoder(FakeEncoder(64)))
    questions = ["流动图书车借出了多少册图书?", "网格员培训班有多少人参加?", "宣传册发了多少份?"] * 4
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda q: batched.answer(q), questions))
    for q, a in zip(questions, answers):
        assert [(x.source, x.start, x.end) for x in a.quotes] == [(x.source, x.start, x.end) for x in plain.answer(q).quotes]


def test_batching_reads_queries_as_its_encoder_does():
    from rag.batching import BatchingEncoder
    from rag.testing import FakeEncoder

    inner = FakeEncoder(16)
    long = "网格员" * 1000
    assert BatchingEncoder(inner).read_query(long) == inner.read_query(long) and len(inner.read_query(long)) < len(long)
