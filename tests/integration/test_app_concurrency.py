"""Many users at once: the chat app under 20 concurrent clients.

Uses the real default index and model (marker ``model``) and drives ``python -m ui.app`` through
gradio_client over loopback, the way the page does: ``/user_turn`` then ``/respond`` in one
session. It prints p50/p95 latency and asserts no timing, only that every reply is a cited answer
or the no-answer message.
"""
from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
import pytest

import rag
from rag.index import load_index

from support import ROOT, read_source, running_app

pytestmark = pytest.mark.model

CLIENTS, QUESTIONS_EACH = 20, 10
START_TIMEOUT = 180  # the app loads the embedding model before it listens
TOTAL_TIMEOUT = 900  # all 200 questions
ENGLISH = ["How many grid workers does Huolingol have?", "What does a grid worker do every day?",
           "Who was honoured as a national model of bravery in 2022?", "What is the weather on Mars?"]
CITED = re.compile(r"\\\[1\\\].*\.\w+:\d+\\-\d+")  # “\[1\] title, file.txt:12\-34” in the reply Markdown
NO_ANSWER = ("档案中没有能回答这个问题的段落", "档案中没有找到相关段落", "The archive holds no")


def dev_questions(n: int) -> list[str]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


def reply_text(history: list) -> str:
    content = history[-1]["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def ask(url: str, questions: list[str]) -> list[tuple[float, str | None]]:
    """One user: a session of its own, questions one after another; (seconds, error or None) each."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    results = []
    for q in questions:
        t0 = time.perf_counter()
        try:
            history, _ = client.predict(q, [], api_name="/user_turn")
            history, _sources, cites = client.predict(history, 5, rag.DEFAULT_MODE, api_name="/respond")
            reply = reply_text(history)
            ok = bool(CITED.search(reply)) and cites.startswith("[1] ") or any(m in reply for m in NO_ANSWER)
            error = None if ok else f"{q!r}: neither cited nor the no-answer message: {reply[:200]!r}"
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
            error = f"{q!r}: {type(exc).__name__}: {exc}"
        results.append((time.perf_counter() - t0, error))
    return results


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


def test_twenty_concurrent_users_get_cited_answers(app_url):
    pool = dev_questions(40) + ENGLISH
    url = app_url
    with ThreadPoolExecutor(CLIENTS) as executor:
        futures = [executor.submit(ask, url, [pool[(c * 7 + i * 3) % len(pool)] for i in range(QUESTIONS_EACH)])
                   for c in range(CLIENTS)]
        done, pending = wait(futures, timeout=TOTAL_TIMEOUT)
        assert not pending, f"{len(pending)} clients still waiting after {TOTAL_TIMEOUT} s"
    results = [r for f in done for r in f.result()]
    latencies = np.array([t for t, _ in results])
    errors = [e for _, e in results if e]
    print(f"\n{len(results)} questions from {CLIENTS} concurrent clients: p50 {np.percentile(latencies, 50):.2f} s, "
          f"p95 {np.percentile(latencies, 95):.2f} s, max {latencies.max():.2f} s, errors {len(errors)}")
    assert len(results) == CLIENTS * QUESTIONS_EACH
    assert not errors, "\n".join(errors[:10])
