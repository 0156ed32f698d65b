"""eval/fit_weights.py keys its caches by what the hits depend on: the index's content and the QA set's."""
from __future__ import annotations

import sys
from pathlib import Path

from rag.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "eval"))
import fit_weights  # noqa: E402


def build(corpus: Path, index: Path) -> Path:
    assert main(["index", "build", "--corpus", str(corpus), "--index", str(index), "--model", "fake-64"]) == 0
    return index


def test_a_rebuilt_index_keeps_its_caches_and_an_edited_set_does_not(mini_corpus, tmp_path, capsys):
    first, second = build(mini_corpus, tmp_path / "a"), build(mini_corpus, tmp_path / "b")
    qa_set = tmp_path / "qa.jsonl"
    qa_set.write_text('{"id": "q1", "question": "网格员培训?"}\n', encoding="utf-8")
    assert fit_weights.cache_path(first, qa_set) == fit_weights.cache_path(second, qa_set)
    assert fit_weights.probes_path(first) == fit_weights.probes_path(second)
    before = fit_weights.cache_path(first, qa_set)
    qa_set.write_text('{"id": "q1", "question": "网格员培训了几天?"}\n', encoding="utf-8")
    assert fit_weights.cache_path(first, qa_set) != before
    (mini_corpus / "page_c.txt").write_text("新的一页\n\n正文内容在这里。\n", encoding="utf-8")
    assert fit_weights.probes_path(build(mini_corpus, tmp_path / "c")) != fit_weights.probes_path(first)


def test_figures_replay_the_cached_questions_at_each_corpus_threshold(mini_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(fit_weights, "CACHE", tmp_path / "cache")
    index = build(mini_corpus, tmp_path / "a")
    qa_set = tmp_path / "dev.jsonl"
    qa_set.write_text(
        '{"id": "d1", "question": "流动图书车借出图书多少册?", "seed": "page_a.txt", "evidence": ["借出图书3600册"], '
        '"answer": "3600册", "type": "number"}\n'
        '{"id": "d2", "question": "火星上有几座图书馆?", "seed": null, "evidence": [], "answer": "", '
        '"type": "unanswerable"}\n', encoding="utf-8")
    fit_weights.cache(index, qa_set)
    result = fit_weights.replay_figures([(str(index), str(qa_set))])
    seeds, dev = result["seeds"], result["dev"]
    assert (seeds["n_answerable"], seeds["n_unanswerable"]) == (1, 1) and dev["threshold"] == seeds["threshold"]
    assert 0.0 <= seeds["answerable_refused"] <= 1.0 and seeds["first_quote_correct"] <= 1 - seeds["answerable_refused"]


def test_targets_are_counted_per_set_with_the_seed_or_public_bounds():
    seed_like = {"first_quote_correct": 0.86, "answerable_refused": 0.045, "unanswerable_refused": 0.82}
    assert fit_weights.targets_met(seed_like, public=False) == 3
    assert fit_weights.targets_met(seed_like, public=True) == 0  # 0.90 / 0.04 / 0.95 for a public draw
    no_unanswerable = {"first_quote_correct": 0.95, "answerable_refused": 0.0, "unanswerable_refused": None}
    assert fit_weights.targets_met(no_unanswerable, public=True) == 2
