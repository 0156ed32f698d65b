"""The default model and index on questions written from the seeds."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache

import pytest

import rag
from rag.corpus import parse_page

from support import ROOT, seed_text

pytestmark = pytest.mark.model


@lru_cache(maxsize=None)
def articles(source: str):
    return parse_page(seed_text(source), source)


def article_of(source: str, evidence: str) -> str:
    """Title of the article whose span holds the evidence string."""
    at = seed_text(source).index(evidence)
    for a in articles(source):
        if any(s <= at < e for s, e in a.paragraphs):
            return a.title
    raise AssertionError(f"evidence not inside any article: {evidence}")


def single_article_questions(dev_set: list[dict]) -> list[dict]:
    return [q for q in dev_set if q["seed"] and "seeds" not in q and q["type"] != "multi-hop"]


def test_right_article_in_top5_for_the_dev_questions(retriever, dev_set):
    questions = single_article_questions(dev_set)
    misses = []
    for q in questions:
        wanted = {article_of(q["seed"], ev) for ev in q["evidence"]}
        hits = retriever.search(q["question"], k=5)
        if not any(h.source == q["seed"] and h.title in wanted for h in hits):
            misses.append(q["id"])
    found = len(questions) - len(misses)
    assert found >= 20
    assert found / len(questions) >= 0.95, f"right article missing from the top 5 for {misses}"


def test_every_hit_is_verbatim_at_its_offsets(retriever, dev_set):
    for q in dev_set[:60]:
        for h in retriever.search(q["question"], k=5):
            assert seed_text(h.source)[h.start:h.end] == h.text


def test_english_question_finds_the_chinese_article(retriever):
    hits = retriever.search("How many grid workers does Huolingol city have?", k=5)
    assert any("260人" in h.text for h in hits)


def test_cli_search_json_prints_five_verbatim_hits(retriever):
    env = {**os.environ, "RAG_INDEX": str(retriever.index_dir)}
    out = subprocess.run([sys.executable, "-m", "rag.cli", "search", "网格员平时负责哪些工作?", "--json"],
                         capture_output=True, text=True, env=env, check=True, cwd=ROOT).stdout
    hits = json.loads(out)
    assert len(hits) == 5
    for h in hits:
        assert seed_text(h["source"])[h["start"]:h["end"]] == h["text"]


def test_real_index_round_trips_through_save_and_load(encoder, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "004.txt").write_bytes((ROOT / "seeds" / "004_2668ce89a97b4a1b.txt").read_bytes())
    from rag.build import build_index

    built = build_index(corpus, tmp_path / "idx", encoder)
    loaded = rag.Retriever.load(tmp_path / "idx", encoder=encoder)
    assert loaded.data.passages == built.passages
    query = "边境派出所民警和护边员在界碑前做了什么?"
    def spans(r: rag.Retriever) -> list[tuple[str, int, int]]:
        return [(h.source, h.start, h.end) for h in r.search(query, k=5)]

    assert spans(loaded) == spans(rag.Retriever(built, encoder, tmp_path / "idx"))
    assert "界碑" in loaded.search(query, k=1)[0].text
