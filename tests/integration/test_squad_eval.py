"""rag eval --squad end to end with the real model, on a tiny SQuAD-format file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.cli import main

pytestmark = pytest.mark.model

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "squad_mini.json"


def test_squad_eval_indexes_contexts_and_reports(tmp_path: Path, capsys):
    args = ["eval", "--squad", str(FIXTURE), "--articles", "3", "--absent", "1", "--work", str(tmp_path / "work"),
            "--out", str(tmp_path / "out"), "--config", "default", "keyword"]
    assert main(args) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    default = report["configs"]["default"]
    assert default["overall"]["recall@5"] >= 0.8  # 4-6 short paragraphs: the right one is near the top
    answers = report["answers"]
    assert answers["n_answerable"] == default["n_questions"] and answers["n_unanswerable"] >= 1
    assert (tmp_path / "out" / "report.png").exists() and "| default |" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "work" / "corpus").iterdir())  # one file per paragraph
    assert main(args[:1] + ["--squad", str(FIXTURE), "--set", "eval/dev.jsonl"]) == 2  # one or the other
