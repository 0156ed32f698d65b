"""The app's /search and /ask endpoint functions (ui/api.py), on the mini index: fast, no server."""
from __future__ import annotations

import gradio as gr
import pytest

from ui.api import make_endpoints

from support import read_source


def test_search_returns_cited_hits(mini_retriever, mini_corpus):
    search, _ = make_endpoints(lambda: mini_retriever)
    hits = search("流动图书馆", 3)
    assert len(hits) == 3 and set(hits[0]) == {"text", "source", "start", "end", "title", "score", "date"}
    for h in hits:
        assert read_source(mini_corpus, h["source"])[h["start"]:h["end"]] == h["text"]
    assert {h["source"] for h in search("流动图书馆", 10, "hybrid", ["page_b.txt"])} == {"page_b.txt"}


def test_ask_returns_quotes_or_nearest(mini_retriever):
    _, ask = make_endpoints(lambda: mini_retriever)
    reply = ask("流动图书车累计行驶了多少公里?")
    assert set(reply) == {"question", "quotes", "confidence", "nearest"}
    assert reply["quotes"] or reply["nearest"]


@pytest.mark.parametrize("call, words", [(lambda s, a: s("", 5), "query is empty"), (lambda s, a: s("x", 0), "k must be"),
                                         (lambda s, a: a("x", [], "2023-13"), "since must be a date")])
def test_bad_arguments_come_back_as_messages(mini_retriever, call, words):
    search, ask = make_endpoints(lambda: mini_retriever)
    with pytest.raises(gr.Error, match=words):
        call(search, ask)
