"""The `rag` command on the fixture corpus with the fake encoder."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.cli import main

from support import read_source


@pytest.fixture
def built(mini_corpus, tmp_path, capsys):
    index_dir = tmp_path / "idx"
    assert main(["index", "build", "--corpus", str(mini_corpus), "--index", str(index_dir), "--model", "fake-64"]) == 0
    assert "passages" in capsys.readouterr().out
    return index_dir


def test_search_json_prints_verbatim_hits(built, mini_corpus, capsys, monkeypatch):
    assert main(["search", "网格员培训", "--k", "3", "--json", "--index", str(built)]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    for h in hits:
        assert set(h) == {"text", "source", "start", "end", "title", "score", "date"}  # the contract's six, and date
        assert read_source(mini_corpus, h["source"])[h["start"]:h["end"]] == h["text"]


def test_build_if_stale_skips_a_fresh_index(built, mini_corpus, capsys):
    args = ["index", "build", "--corpus", str(mini_corpus), "--index", str(built), "--model", "fake-64", "--if-stale"]
    assert main(args) == 0
    assert "up to date" in capsys.readouterr().out
    (mini_corpus / "page_c.txt").write_text("新的一页\n\n正文内容在这里。\n", encoding="utf-8")
    assert main(args) == 0
    assert "built" in capsys.readouterr().out


def test_build_if_stale_recalibrates_an_index_fitted_under_other_answer_params(built, mini_corpus, capsys):
    from rag.index import read_manifest, update_manifest

    args = ["index", "build", "--corpus", str(mini_corpus), "--index", str(built), "--model", "fake-64", "--if-stale"]
    stale = {"threshold": 0.5, "percentile": 85.0, "probes": 200, "params": {"file": "answer-v1.json", "sha256": "0" * 16}}
    update_manifest(built, calibration=stale)
    assert main(args) == 0
    assert "built" in capsys.readouterr().out
    assert read_manifest(built)["calibration"] != stale
    assert main(args) == 0
    assert "up to date" in capsys.readouterr().out


def test_errors_are_one_line_with_the_fix_and_exit_2(tmp_path, capsys):
    assert main(["search", "图书", "--index", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rag: error:") and "rag index build" in err and "Traceback" not in err


def test_ask_json(built, capsys):
    assert main(["ask", "赤峰发放了多少份宣传册?", "--json", "--index", str(built)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["question"] and isinstance(out["quotes"], list)
    assert isinstance(out["confidence"], float) and isinstance(out["nearest"], list)
    assert bool(out["quotes"]) != bool(out["nearest"])  # nearest passages only when there is no answer


def test_ask_without_an_answer_says_so_and_shows_the_nearest_passages(built, mini_corpus, capsys):
    assert main(["ask", "赤峰的门票价格是多少元?", "--index", str(built)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The archive holds no passage that answers this question")
    assert "[1] “" in out and ".txt " in out
    assert main(["ask", "赤峰的门票价格是多少元?", "--json", "--index", str(built)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["quotes"] == [] and answer["nearest"]
    for h in answer["nearest"]:
        assert read_source(mini_corpus, h["source"])[h["start"]:h["end"]] == h["text"]


def test_eval_sets_add_up_whether_listed_after_one_flag_or_repeated():
    from rag.cli import parser

    assert parser().parse_args(["eval", "--set", "a.jsonl", "b.jsonl"]).sets == [Path("a.jsonl"), Path("b.jsonl")]
    assert parser().parse_args(["eval", "--set", "a.jsonl", "--set", "b.jsonl"]).sets == [Path("a.jsonl"), Path("b.jsonl")]
    assert parser().parse_args(["eval"]).sets is None


def test_build_if_stale_recalibrates_an_index_fitted_with_other_query_vectors(built, mini_corpus, capsys, monkeypatch):
    from rag import answer, embed, query_int8
    from rag.cli import calibration_is_current

    fitted = {"threshold": 0.5, "percentile": 88.0, "probes": 200, "params": answer.PARAMS_ID}
    monkeypatch.setattr(embed, "query_encoder_for", lambda model, device=None: "int8")
    assert not calibration_is_current({"calibration": fitted}, "embeddinggemma-300m")  # older builds: float
    current = {**fitted, "query_encoder": "int8", "query_export": query_int8.EXPORT_VERSION}
    assert calibration_is_current({"calibration": current}, "embeddinggemma-300m")
    older_export = {**current, "query_export": query_int8.EXPORT_VERSION - 1}  # other int8 vectors
    assert not calibration_is_current({"calibration": older_export}, "embeddinggemma-300m")
    assert not calibration_is_current({"calibration": {**fitted, "query_encoder": "int8"}}, "embeddinggemma-300m")
    monkeypatch.undo()
    from rag.index import read_manifest, update_manifest

    update_manifest(built, calibration={**fitted, "query_encoder": "int8"})  # fake-64 serves float queries
    args = ["index", "build", "--corpus", str(mini_corpus), "--index", str(built), "--model", "fake-64", "--if-stale"]
    assert main(args) == 0
    assert "built" in capsys.readouterr().out
    assert (read_manifest(built)["calibration"] or {}).get("query_encoder", "float") == "float"
