"""Readers while an index is rebuilt: every load sees one whole build, every hit its exact text."""
from __future__ import annotations

import threading

import rag
from rag.build import build_index
from rag.chunking import ChunkingParams

from support import read_source


def test_reads_stay_correct_while_the_index_is_rebuilt(mini_corpus, mini_index, fake_encoder):
    """Two threads load and search over and over while another rebuilds the same index 5 times."""
    stop, failures, searches = threading.Event(), [], [0]

    def reader() -> None:
        while not stop.is_set():
            try:
                r = rag.Retriever.load(mini_index, encoder=fake_encoder)
                for q in ("网格员", "流动图书馆", "How many books?"):
                    hits = r.search(q, k=3)
                    assert hits, q
                    for h in hits:
                        assert read_source(mini_corpus, h.source)[h.start:h.end] == h.text
                searches[0] += 1
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for n in range(5):
            build_index(mini_corpus, mini_index, fake_encoder, ChunkingParams(size=120 + 40 * n, overlap=20),
                        warn=lambda m: None)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not failures, failures[:5]
    assert searches[0] > 0
    assert len(list(mini_index.parent.iterdir())) == 2  # the link and its one build folder
