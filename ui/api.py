"""The chat app's HTTP API beside the page: search and ask as JSON, for gradio_client or curl.

    from gradio_client import Client
    c = Client("http://127.0.0.1:7860/")
    c.predict("网格员做什么工作?", 5, "hybrid", [], "", "", "", api_name="/search")  # list of hits
    c.predict("霍林郭勒市划分了多少个网格?", [], "", "", "", api_name="/ask")        # quotes, confidence

Each hit or quote is ``text, source, start, end, title, score, date``; ``file_text[start:end] ==
text``. An empty ``sources`` list and empty dates mean no filter. A bad argument comes back as
an error whose message names the fix.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import gradio as gr

import rag


def make_endpoints(current: Callable[[], rag.Retriever]) -> tuple[Callable, Callable]:
    """The two endpoint functions over whatever retriever ``current()`` returns at call time."""

    def search(query: str, k: int = 5, mode: str = rag.DEFAULT_MODE, sources: list[str] | None = None,
               since: str = "", until: str = "", section: str = "") -> list[dict]:
        """The k most relevant passages, best first, each cited by file and exact offsets."""
        with user_errors():
            hits = current().search(query, k=k, mode=mode, **filters(sources, since, until, section))
        return [h.to_dict() for h in hits]

    def ask(question: str, sources: list[str] | None = None, since: str = "", until: str = "",
            section: str = "") -> dict:
        """Quoted sentences that answer the question; no quotes (and the nearest passages) when
        the archive does not say."""
        with user_errors():
            return current().answer(question, **filters(sources, since, until, section)).to_dict()

    return search, ask


def register(current: Callable[[], rag.Retriever]) -> None:
    """Add /search and /ask to the gr.Blocks being built."""
    search, ask = make_endpoints(current)
    gr.api(search, api_name="search")
    gr.api(ask, api_name="ask")


def filters(sources: list[str] | None, since: str, until: str, section: str) -> dict:
    """The retriever's filter arguments; empty values mean no filter."""
    return {"sources": list(sources) if sources else None, "since": since or None, "until": until or None,
            "section": section or None}


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """A RagError becomes a gr.Error, so an API client sees its message instead of a bare failure."""
    try:
        yield
    except rag.RagError as err:
        raise gr.Error(str(err)) from None
