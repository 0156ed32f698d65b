"""The real model reads at most MAX_QUERY_TOKENS tokens of a query, its prompt first, cut by its own
tokenizer; no question of the QA sets is long enough to be cut."""
from __future__ import annotations

import json

import pytest

from rag.embed import MAX_QUERY_TOKENS

from support import ROOT, seed_text

pytestmark = pytest.mark.model

LONG = "网格员平时负责哪些工作?\n" + seed_text("000_5a48dc7921c40574.txt") * 20  # over 100,000 characters


@pytest.fixture
def model_inputs(retriever, monkeypatch) -> list[list[int]]:
    """The token ids of every batch the query model runs."""
    seen: list[list[int]] = []
    model = getattr(retriever.encoder, "query_model", retriever.encoder.model)
    forward = model.forward

    def recording(features, *args, **kwargs):
        seen.extend(features["input_ids"].tolist())
        return forward(features, *args, **kwargs)

    monkeypatch.setattr(model, "forward", recording)
    return seen


def prompt_ids(encoder) -> list[int]:
    """The query prompt's token ids, without its last token (its trailing space joins the query's first word)."""
    return encoder.model.tokenizer(encoder.spec.query_prompt)["input_ids"][:-2]


def test_the_model_reads_at_most_max_query_tokens_prompt_first(retriever, model_inputs):
    assert len(LONG) > 100_000
    retriever.search(LONG, k=3)
    retriever.answer(LONG)
    assert len(model_inputs) == 2
    head = prompt_ids(retriever.encoder)
    for ids in model_inputs:
        assert len(ids) == MAX_QUERY_TOKENS and ids[:len(head)] == head


def test_read_query_is_what_the_model_reads(retriever, model_inputs):
    read = retriever.read_query(LONG)
    assert read.shortened and LONG.startswith(read.dense) and 100 < len(read.dense) < 1000
    whole, prefix = retriever.encoder.encode_queries([LONG, read.dense])
    assert model_inputs[0] == model_inputs[1]  # the same tokens, so the same vector
    assert float(whole @ prefix) > 0.995  # bfloat16 kernels may differ by row within a batch (0.9986 seen)


def test_no_question_of_the_qa_sets_is_shortened(retriever):
    questions = [json.loads(line)["question"] for path in sorted((ROOT / "eval").glob("*.jsonl"))
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(questions) > 1500
    shortened = [q for q in questions if retriever.read_query(q).shortened]
    assert shortened == []



def test_concurrent_reads_and_batched_encodings_share_the_tokenizer_safely(encoder):
    """The chat reads a question's prefix while another thread encodes a padded batch: the fast
    tokenizer's padding/truncation state must not leak between them (it did: 'expected sequence of
    length 27 at dim 1 (got 29)')."""
    from concurrent.futures import ThreadPoolExecutor

    from rag.batching import BatchingEncoder

    batching = BatchingEncoder(encoder)
    questions = ["网格员" * (i % 7 + 1) + "做什么工作?" for i in range(160)]

    def ask(q: str) -> None:
        batching.read_query(q)
        assert batching.encode_queries([q]).shape == (1, encoder.dim)

    with ThreadPoolExecutor(24) as pool:
        list(pool.map(ask, questions))
    assert batching.calls < len(questions)  # batches did form
