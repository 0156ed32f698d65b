"""A long query costs what is read of it: the encoder gets at most its token limit, keyword search
and question analysis at most their prefix, and the API, the CLI and the chat say it was shortened."""
from __future__ import annotations

import json

import jieba
import jieba.posseg
import rjieba
import pytest

import rag
from rag.cli import main
from rag.testing import FakeEncoder
from rag.question import analyse
from rag.retriever import MAX_KEYWORD_CHARS, MAX_QUERY_CHARS
from ui import app

QUESTION = "流动图书车借出了多少册图书?"
LONG = QUESTION + "网格员走访居民" * 15_000  # 105,014 characters


class RecordingEncoder(FakeEncoder):
    """The fake encoder, noting every query it is asked to embed."""

    def __init__(self, dim: int = 64):
        super().__init__(dim)
        self.queries: list[str] = []

    def encode_queries(self, queries):
        self.queries += list(queries)
        return super().encode_queries(queries)


@pytest.fixture
def recording(mini_index) -> rag.Retriever:
    return rag.Retriever.load(mini_index, encoder=RecordingEncoder(64))


@pytest.fixture
def jieba_inputs(monkeypatch) -> list[str]:
    """Every text handed to jieba (search-mode words for BM25, parts of speech for question analysis)."""
    seen: list[str] = []

    def recorder(fn):
        def wrapped(text, *args, **kwargs):
            seen.append(text)
            return fn(text, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(rjieba, "cut_for_search", recorder(rjieba.cut_for_search))
    monkeypatch.setattr(jieba.posseg, "lcut", recorder(jieba.posseg.lcut))
    analyse.cache_clear()  # frames are cached by question: start empty, so this test's analysis reads it
    return seen


@pytest.mark.parametrize("call", ["search hybrid", "search dense", "answer"])
def test_the_encoder_gets_at_most_its_token_limit(recording, call):
    if call == "answer":
        recording.answer(LONG)
    else:
        recording.search(LONG, mode=call.split()[1])
    limit = recording.encoder.max_query_tokens  # the fake encoder's tokens are characters
    assert recording.encoder.queries
    assert all(len(q) <= limit and LONG.startswith(q) for q in recording.encoder.queries)


@pytest.mark.parametrize("mode", rag.MODES)
def test_keyword_search_and_question_analysis_read_at_most_their_prefix(recording, jieba_inputs, mode):
    recording.answer(LONG, mode=mode)
    recording.search(LONG, mode=mode)
    question_inputs = [t for t in jieba_inputs if t.startswith(("流动图书车", QUESTION))]
    assert question_inputs, "jieba never saw the question"
    assert max(len(t) for t in jieba_inputs) <= MAX_KEYWORD_CHARS


def test_an_ordinary_question_is_read_whole(recording):
    read = recording.read_query("  " + QUESTION + "\n")
    assert read == rag.QueryText(QUESTION, QUESTION, QUESTION, shortened=False)
    assert recording.answer(QUESTION).question == QUESTION


def test_a_long_question_is_read_from_its_beginning_and_says_so(recording):
    read = recording.read_query(LONG)
    assert read.shortened and read.text == LONG[:MAX_QUERY_CHARS]
    assert read.dense == LONG[:recording.encoder.max_query_tokens] and read.keywords == LONG[:MAX_KEYWORD_CHARS]
    assert read.chars_read == max(len(read.dense), len(read.keywords))
    assert recording.answer(LONG).question == read.text


def test_a_question_longer_than_one_side_reads_is_shortened(recording):
    limit = recording.encoder.max_query_tokens
    assert not recording.read_query("图" * limit).shortened
    assert recording.read_query("图" * (MAX_KEYWORD_CHARS + 1)).shortened  # the model read 256, BM25 500


def test_blank_query_is_still_refused(recording):
    with pytest.raises(rag.QueryError, match="empty"):
        recording.read_query(" \x00 ")


def test_chat_says_once_that_a_long_question_was_shortened(mini_retriever):
    respond = app.make_responder(mini_retriever)
    reply = respond(LONG, [], 3, "hybrid")[0][-1]["content"]
    note = app.TEXTS["zh"]["shortened"].format(n=MAX_KEYWORD_CHARS)
    assert reply.count(note) == 1 and reply.startswith("*" + note)
    english = respond("How many books did the mobile library lend? " * 100, [], 3, "hybrid")[0][-1]["content"]
    assert english.count("only its first") == 1
    for short in (QUESTION, "How many books did the mobile library lend?"):
        reply = respond(short, [], 3, "hybrid")[0][-1]["content"]
        assert "只读了开头" not in reply and "only its first" not in reply


def test_cli_notes_a_shortened_query_on_stderr_and_keeps_json_clean(mini_index, capsys):
    assert main(["search", LONG, "--json", "--index", str(mini_index)]) == 0
    out, err = capsys.readouterr()
    assert isinstance(json.loads(out), list) and f"only its first {MAX_KEYWORD_CHARS} characters" in err
    assert main(["ask", LONG, "--json", "--index", str(mini_index)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["question"] == LONG[:MAX_QUERY_CHARS] and "only its first" in err
    assert main(["ask", QUESTION, "--index", str(mini_index)]) == 0
    assert "only its first" not in capsys.readouterr().err
