"""The running chat app: its HTTP API, and 20 concurrent clients.

Uses the real default index and model (marker ``model``) and drives ``python -m ui.app`` through
gradio_client over loopback: the README's /search and /ask calls, then the client loop of
eval/bench_concurrency.py (``/user_turn`` then ``/respond`` in one session, the way the page
does). It prints p50/p95 latency and asserts no timing, only that every reply is a cited answer
or the no-answer message. A call gradio_client cancels by its own stream race is asked again and
counted (see bench_concurrency.predict); every other failure fails the test.
"""
from __future__ import annotations

import sys

import pytest

import rag
from rag.index import load_index

from support import ROOT, read_source, running_app

sys.path.insert(0, str(ROOT / "eval"))
from bench_concurrency import run  # noqa: E402

pytestmark = pytest.mark.model

CLIENTS, QUESTIONS_EACH = 20, 10
START_TIMEOUT = 180  # the app loads the embedding model before it listens
TOTAL_TIMEOUT = 900  # all 200 questions


@pytest.fixture(scope="module")
def app_url():
    """The app on the default index, shared by this module's tests (it takes a while to start)."""
    try:
        load_index(rag.default_index_dir())
    except rag.IndexMissingError as err:
        pytest.skip(f"no default index: {err}")
    with running_app(start_timeout=START_TIMEOUT) as url:
        yield url


def test_http_api_search_and_ask(app_url):
    """The README's gradio_client calls: /search and /ask answer with cited JSON."""
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    hits = client.predict("网格员做什么工作?", 3, "hybrid", [], "", "", "", api_name="/search")
    assert len(hits) == 3 and all(read_source(ROOT / "seeds", h["source"])[h["start"]:h["end"]] == h["text"]
                                  for h in hits)
    reply = client.predict("霍林郭勒市划分了多少个网格?", [], "", "", "", api_name="/ask")
    assert reply["quotes"] and reply["quotes"][0]["source"].endswith(".txt")
    with pytest.raises(Exception, match="since must be a date"):
        client.predict("网格员", [], "yesterday", "", "", api_name="/ask")
    history, _ = client.predict("网格员做什么工作?", [], api_name="/user_turn")  # a client written before the
    cites = client.predict(history, 5, "hybrid", api_name="/respond")[2]     # filters still gets an answer
    assert cites.startswith("[1] ")


def test_twenty_concurrent_users_get_cited_answers(app_url):
    figures = run(app_url, CLIENTS, QUESTIONS_EACH, TOTAL_TIMEOUT)
    print(f"\n{CLIENTS * QUESTIONS_EACH} questions from {CLIENTS} concurrent clients: p50 {figures['p50_s']:.2f} s, "
          f"p95 {figures['p95_s']:.2f} s, max {figures['max_s']:.2f} s, errors {figures['errors']}, "
          f"calls gradio_client cancelled itself and asked again {figures['client_retries']}")
    assert figures["answered"] == CLIENTS * QUESTIONS_EACH, "\n".join(figures["error_examples"])
    assert figures["errors"] == 0
