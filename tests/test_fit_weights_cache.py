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
