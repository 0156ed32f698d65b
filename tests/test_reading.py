"""The first pass (rag/reading.py): parsing on worker processes builds the very index one process does."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import rag
from rag import reading
from rag.build import build_index
from rag.index import load_index, read_keys
from rag.testing import FakeEncoder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "eval"))
import bench_scale  # noqa: E402  (make_archive, sentence_pool)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """400 synthetic articles of real sentences in 10 .jsonl files, one of them unusable."""
    folder = tmp_path_factory.mktemp("archive")
    saved, bench_scale.ARTICLES_PER_FILE = bench_scale.ARTICLES_PER_FILE, 40
    try:
        bench_scale.make_archive(folder, 400, bench_scale.sentence_pool(), seed=5)
    finally:
        bench_scale.ARTICLES_PER_FILE = saved
    (folder / "00003.jsonl").write_bytes(b"\x00\x01\x02 not text")
    return folder


def build_with_workers(archive: Path, index: Path, workers: int, monkeypatch) -> tuple[rag.Retriever, list[str]]:
    monkeypatch.setenv("RAG_READ_WORKERS", str(workers))
    warnings: list[str] = []
    build_index(archive, index, FakeEncoder(64), warn=warnings.append)
    return rag.Retriever.load(index, encoder=FakeEncoder(64)), warnings


def test_parallel_read_builds_the_serial_index(archive, tmp_path, monkeypatch):
    assert len(list(archive.glob("*.jsonl"))) >= reading.PARALLEL_FILES  # so the pool is really used
    serial, serial_warned = build_with_workers(archive, tmp_path / "one", 1, monkeypatch)
    parallel, parallel_warned = build_with_workers(archive, tmp_path / "two", 2, monkeypatch)
    assert parallel_warned == serial_warned and "00003.jsonl" in serial_warned[0]
    one, two = load_index(tmp_path / "one"), load_index(tmp_path / "two")
    assert len(one.passages) > 300 and list(two.passages) == list(one.passages)
    assert list(two.sentences) == list(one.sentences)
    for table, keys in read_keys((tmp_path / "one").resolve()).items():
        assert np.array_equal(read_keys((tmp_path / "two").resolve())[table], keys), table
    for name in ("indptr", "docs", "scores"):  # the same keyword index, column for column
        assert np.array_equal(getattr(two.sparse, name), getattr(one.sparse, name)), name
    for query in ("城市建设", "总统选举", "學校"):
        assert ([(h.source, h.start, h.end, round(h.score, 6)) for h in parallel.search(query, k=8)]
                == [(h.source, h.start, h.end, round(h.score, 6)) for h in serial.search(query, k=8)])


def test_build_records_where_its_time_went(archive, tmp_path, monkeypatch):
    retriever, _ = build_with_workers(archive, tmp_path / "idx", 2, monkeypatch)
    seconds = retriever.data.manifest["build_seconds"]
    assert {"read", "sentences", "passage_vectors", "passage_index", "save"} <= set(seconds)
    assert all(v >= 0 for v in seconds.values()) and seconds["read"] > 0
