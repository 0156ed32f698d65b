"""Retrieval evaluation: relevance rule, metrics on hand-made hit lists, QA set checks, the runner."""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from rag import evaluation as ev
from rag.cli import main
from rag.errors import RagError
from rag.types import Hit


def hit(source: str, start: int, end: int, score: float = 1.0) -> Hit:
    return Hit(text="x" * (end - start), source=source, start=start, end=end, title="t", score=score)


def rel(*covered: set[int]) -> list[frozenset[int]]:
    return [frozenset(c) for c in covered]


# --- relevance -------------------------------------------------------------------

def test_half_coverage_boundary_even_length():
    e = ev.Evidence("a.txt", 10, (100,))
    assert ev.covers(hit("a.txt", 105, 200), e)  # exactly 5 of 10 characters
    assert not ev.covers(hit("a.txt", 106, 200), e)  # 4 of 10
    assert ev.covers(hit("a.txt", 0, 105), e)  # from the left, 5 of 10
    assert not ev.covers(hit("a.txt", 0, 104), e)
    assert ev.covers(hit("a.txt", 102, 108), e)  # inside the evidence, 6 of 10
    assert not ev.covers(hit("b.txt", 100, 110), e)  # right span, wrong file


def test_half_coverage_boundary_odd_length():
    e = ev.Evidence("a.txt", 9, (0,))
    assert not ev.covers(hit("a.txt", 5, 50), e)  # 4 of 9 < 4.5
    assert ev.covers(hit("a.txt", 4, 50), e)  # 5 of 9
    assert not ev.covers(hit("a.txt", 9, 50), e)  # adjacent, no overlap


def test_any_occurrence_counts():
    text = "ABCD----ABCD--"
    assert ev.find_all(text, "ABCD") == (0, 8)
    assert ev.find_all("aaaa", "aa") == (0, 1, 2)  # overlapping occurrences too
    e = ev.Evidence("a.txt", 4, ev.find_all(text, "ABCD"))
    assert ev.covers(hit("a.txt", 9, 14), e)  # 3 of 4 characters of the second occurrence
    assert not ev.covers(hit("a.txt", 3, 9), e)  # 1 of the first, 1 of the second: neither reaches half


def test_locate_evidence_reads_bom_and_crlf_verbatim(tmp_path: Path):
    (tmp_path / "p.txt").write_bytes("\ufeff标题\r\n正文一句。\r\n正文一句。".encode("utf-8"))
    item = {"id": "q", "seed": "p.txt", "evidence": ["正文一句"]}
    [e] = ev.locate_evidence(item, tmp_path)
    assert e.starts == (4, 11)  # BOM dropped, "\r\n" kept as two characters
    with pytest.raises(RagError, match="does not occur"):
        ev.locate_evidence({"id": "q", "seed": "p.txt", "evidence": ["不存在"]}, tmp_path)
    with pytest.raises(RagError, match="not in the corpus"):
        ev.locate_evidence({"id": "q", "seed": "nope.txt", "evidence": ["正文"]}, tmp_path)


def test_multi_hop_evidence_maps_to_its_own_seed():
    item = {"seed": "a.txt", "seeds": ["a.txt", "b.txt"], "evidence": ["one", "two"]}
    assert ev.evidence_sources(item) == [("a.txt", "one"), ("b.txt", "two")]
    assert ev.evidence_sources({"seed": "a.txt", "evidence": ["one", "two"]}) == [("a.txt", "one"), ("a.txt", "two")]


def test_relevance_lists_covered_evidence_per_hit():
    evidence = [ev.Evidence("a.txt", 10, (0,)), ev.Evidence("b.txt", 4, (20,))]
    hits = [hit("a.txt", 50, 90), hit("a.txt", 0, 10), hit("b.txt", 18, 23)]
    assert ev.relevance(hits, evidence) == rel(set(), {0}, {1})


# --- metrics -----------------------------------------------------------------------

def test_recall_and_first_rank():
    r = rel(set(), set(), {0}, set())
    assert ev.first_relevant_rank(r) == 3
    assert [ev.recall_at(r, k) for k in (1, 3, 5, 10)] == [0.0, 1.0, 1.0, 1.0]
    assert ev.first_relevant_rank(rel(set(), set())) is None


def test_mrr():
    assert ev.mrr_at(rel(set(), set(), {0}), 10) == pytest.approx(1 / 3)
    assert ev.mrr_at(rel({0}, {0}), 10) == 1.0
    assert ev.mrr_at(rel(set(), {0}), 1) == 0.0  # outside the cut-off
    assert ev.mrr_at([], 10) == 0.0


def test_ndcg_single_evidence():
    assert ev.ndcg_at(rel({0}), 1, 10) == 1.0
    assert ev.ndcg_at(rel(set(), {0}), 1, 10) == pytest.approx(1 / math.log2(3))  # 0.6309
    # a second hit on the same evidence earns nothing (novelty), so the value stays 1
    assert ev.ndcg_at(rel({0}, {0}), 1, 10) == 1.0


def test_ndcg_two_evidence_by_hand():
    # gains at ranks 1 (evidence 0) and 3 (evidence 1); rank 2 repeats evidence 0
    dcg = 1 + 1 / math.log2(4)  # 1.5
    ideal = 1 + 1 / math.log2(3)  # 1.6309
    assert ev.ndcg_at(rel({0}, {0}, {1}), 2, 10) == pytest.approx(dcg / ideal)  # 0.9197
    assert ev.ndcg_at(rel({0}, {0}, {1}), 2, 2) == pytest.approx(1 / ideal)
    assert ev.ndcg_at(rel(set(), set()), 2, 10) == 0.0


def test_complete_at_5_multi_hop():
    assert ev.complete_at(rel({0}, set(), set(), set(), {1}), 2) == 1.0
    assert ev.complete_at(rel({0}, set(), set(), set(), set(), {1}), 2) == 0.0  # second piece at rank 6
    assert ev.complete_at(rel({0, 1}), 2) == 1.0  # one passage holding both
    assert ev.complete_at(rel({0}), 1) == 1.0
    assert ev.complete_at([], 1) == 0.0


def test_question_metrics_names_and_values():
    m = ev.question_metrics(rel(set(), {0}), 1, 10)
    assert list(m) == ["recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10", "complete@5"]
    assert m["recall@1"] == 0.0 and m["recall@3"] == 1.0 and m["mrr@10"] == 0.5
    assert ev.metric_names(20)[:5] == ["recall@1", "recall@3", "recall@5", "recall@10", "recall@20"]


def test_aggregate_and_percentile():
    rows = [
        {"answerable": True, "type": "fact", "metrics": {"recall@1": 1.0}},
        {"answerable": True, "type": "fact", "metrics": {"recall@1": 0.0}},
        {"answerable": True, "type": "number", "metrics": {"recall@1": 1.0}},
        {"answerable": False, "type": "unanswerable"},
    ]
    agg = ev.aggregate(rows)
    assert agg["overall"] == {"n": 3, "recall@1": pytest.approx(2 / 3)}
    assert agg["by_type"] == {"fact": {"n": 2, "recall@1": 0.5}, "number": {"n": 1, "recall@1": 1.0}}
    assert ev.percentile([1, 2, 3, 4], 50) == 2.5
    assert ev.percentile([5.0], 95) == 5.0
    assert ev.percentile([], 50) is None
    assert ev.percentile(list(range(101)), 95) == 95


# --- QA sets -------------------------------------------------------------------------

def write_set(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


GOOD = {"id": "q1", "question": "问?", "seed": "a.txt", "evidence": ["证据"], "answer": "", "type": "fact"}


@pytest.mark.parametrize("bad, match", [
    ("{not json", r"qa.jsonl:2: invalid JSON"),
    ({**GOOD, "id": "q2", "seed": None}, r":2: 'seed' is null but evidence"),
    ({**GOOD, "id": "q2", "evidence": []}, r":2: .*no evidence"),
    ({**GOOD, "id": "q2", "seeds": ["a.txt"], "evidence": ["x", "y"]}, r":2: 'seeds' must list one file"),
    ({k: v for k, v in GOOD.items() if k != "type"} | {"id": "q2"}, r":2: missing field\(s\) type"),
    (GOOD, r":2: id 'q1' already used on line 1"),
    ([1, 2], r":2: expected a JSON object"),
])
def test_load_qa_set_errors_name_line_and_fix(tmp_path: Path, bad, match):
    path = write_set(tmp_path / "qa.jsonl", [GOOD, bad])
    with pytest.raises(RagError, match=match):
        ev.load_qa_set(path)


def test_load_qa_set_reads_project_sets():
    for name in ("dev.jsonl", "holdout.jsonl"):
        items = ev.load_qa_set(ev.PROJECT_ROOT / "eval" / name)
        assert items and all(ev.is_answerable(i) == bool(i["evidence"]) for i in items)
    with pytest.raises(RagError, match="cannot read QA set"):
        ev.load_qa_set(Path("/nonexistent/qa.jsonl"))


# --- one configuration with a stub retriever -----------------------------------------

class StubRetriever:
    """Returns canned hits per question; records the modes it was asked for."""

    def __init__(self, root: Path, hits: dict[str, list[Hit]]):
        self.data = SimpleNamespace(manifest={"corpus": {"root": str(root)}})
        self.hits, self.modes = hits, []

    def search(self, query: str, k: int = 5, mode: str | None = None) -> list[Hit]:
        self.modes.append(mode)
        return self.hits.get(query, [])[:k]


def test_evaluate_retriever_excludes_unanswerable(tmp_path: Path):
    (tmp_path / "a.txt").write_text("0123456789证据在这里abc", encoding="utf-8")
    items = [
        {**GOOD, "question": "q1", "evidence": ["证据在这里"]},  # evidence at 10..15
        {**GOOD, "id": "q2", "question": "q2", "evidence": ["abc"]},  # at 15..18, never found
        {**GOOD, "id": "q3", "question": "q3", "seed": None, "evidence": [], "type": "unanswerable"},
    ]
    stub = StubRetriever(tmp_path, {"q1": [hit("a.txt", 0, 5), hit("a.txt", 8, 13)], "q3": [hit("a.txt", 0, 5, 0.2)]})
    res = ev.evaluate_retriever(stub, items, "keyword", 10)
    assert set(stub.modes) == {"keyword"}
    assert res["n_questions"] == 2 and res["n_unanswerable"] == 1
    assert res["overall"]["recall@1"] == 0.0 and res["overall"]["recall@3"] == 0.5
    assert res["overall"]["mrr@10"] == pytest.approx(0.25)
    assert res["by_type"] == {"fact": res["overall"]}
    assert [r.get("first_rank") for r in res["rows"]] == [2, None, None]
    assert res["rows"][2]["top_score"] == 0.2
    assert res["latency_ms"]["n"] == 3 and res["latency_ms"]["p50"] >= 0


# --- the runner end to end on the mini corpus ---------------------------------------

def mini_set(path: Path) -> Path:
    return write_set(path, [
        {"id": "m1", "question": "流动图书车每月进入嘎查几次?", "seed": "page_a.txt",
         "evidence": ["流动图书车每月进入嘎查一次"], "answer": "一次", "type": "number"},
        {"id": "m2", "question": "包头市网格员培训班有多少人参加?", "seed": "page_a.txt",
         "evidence": ["200名网格员参加学习"], "answer": "200名", "type": "number"},
        {"id": "m3", "question": "呼和浩特市政务服务中心把多少事项搬到网上?", "seed": "page_b.txt",
         "evidence": ["把132项事项搬到网上"], "answer": "132项", "type": "fact"},
        {"id": "m4", "question": "How many brochures did Chifeng hand out?", "seed": "page_a.txt",
         "evidence": ["发放宣传册5000份"], "answer": "5000", "type": "english"},
        {"id": "m5", "question": "流动图书车借出多少图书,政务服务中心搬了多少事项上网?", "seed": "page_a.txt",
         "seeds": ["page_a.txt", "page_b.txt"], "evidence": ["借出图书3600册", "把132项事项搬到网上"],
         "answer": "3600册;132项", "type": "multi-hop"},
        {"id": "m6", "question": "火星上有几座城市?", "seed": None, "evidence": [], "answer": "",
         "type": "unanswerable"},
    ])


def test_run_evaluation_writes_report(tmp_path: Path, mini_retriever):
    qa = mini_set(tmp_path / "mini.jsonl")
    loaded = []

    def load(model: str):
        loaded.append(model)
        if "e5" in model:
            raise RagError("model multilingual-e5-small is not in the cache")
        return mini_retriever

    out = tmp_path / "report"
    report = ev.run_evaluation([qa], out, ["default", "keyword", "dense-gemma", "dense-e5", "hybrid-e5"],
                               load=load, show_progress=False)
    assert loaded == ["embeddinggemma-300m", "multilingual-e5-small"]  # each model loaded once, failures not retried
    for name in ("report.json", "report.md", "report.png"):
        assert (out / name).stat().st_size > 0
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(report))
    assert set(data) >= {"sets", "k_max", "metrics", "n_questions", "n_unanswerable", "configs", "errors",
                         "questions", "answers", "default_config"}
    assert data["default_config"] == "default"
    answers = data["answers"]
    assert answers["config"] == "default" and answers["n_answerable"] + answers["n_unanswerable"] > 0
    for key in ("first_quote_correct", "answerable_refused", "unanswerable_refused"):
        assert answers[key] is None or 0.0 <= answers[key] <= 1.0
    assert "## Answers" in (out / "report.md").read_text(encoding="utf-8")
    from rag.answer import PARAMS_FILE, PARAMS_ID, read_params
    assert answers["params"]["file"] == PARAMS_FILE and answers["params"]["sha256"] == PARAMS_ID["sha256"]
    assert hashlib.sha256(read_params()[1]).hexdigest().startswith(answers["params"]["sha256"])
    assert f"Answer weights: {PARAMS_FILE}" in (out / "report.md").read_text(encoding="utf-8")
    assert list(data["configs"]) == ["default", "keyword", "dense-gemma"]
    assert set(data["errors"]) == {"dense-e5", "hybrid-e5"} and "not in the cache" in data["errors"]["hybrid-e5"]
    assert data["n_questions"] == 5 and data["n_unanswerable"] == 1
    for name, res in data["configs"].items():
        assert res["n_questions"] == 5 and res["n_unanswerable"] == 1
        assert set(res) >= {"model", "mode", "overall", "by_type", "latency_ms"}
        assert set(res["by_type"]) == {"number", "fact", "english", "multi-hop"}
        for metric in data["metrics"]:
            assert 0.0 <= res["overall"][metric] <= 1.0
        assert res["overall"]["recall@1"] <= res["overall"]["recall@5"] <= res["overall"]["recall@10"]
        assert 0 <= res["latency_ms"]["p50"] <= res["latency_ms"]["p95"]
    # the mini corpus has four passages: BM25 finds every Chinese question's passage(s), none for English
    keyword = data["configs"]["keyword"]["by_type"]
    assert keyword["number"]["recall@10"] == keyword["fact"]["recall@10"] == 1.0
    assert keyword["multi-hop"]["complete@5"] == 1.0 and keyword["english"]["recall@10"] == 0.0
    assert data["configs"]["dense-gemma"]["overall"]["recall@10"] == 1.0  # dense always ranks all four
    rows = {r["id"]: r for r in data["questions"]}
    assert rows["m6"]["first_rank"] == {} and not rows["m6"]["answerable"]
    assert set(rows["m1"]["first_rank"]) == {"default", "keyword", "dense-gemma"}
    assert all(1 <= rank <= 10 for rank in rows["m1"]["first_rank"].values())
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| keyword |" in md and "failed:" in md and "english recall@5" in md


def test_run_evaluation_rejects_bad_arguments(tmp_path: Path, mini_retriever):
    qa = mini_set(tmp_path / "mini.jsonl")
    with pytest.raises(RagError, match="unknown configuration"):
        ev.run_evaluation([qa], tmp_path / "o", ["nope"], load=lambda m: mini_retriever, show_progress=False)
    with pytest.raises(RagError, match="k-max"):
        ev.run_evaluation([qa], tmp_path / "o", ["keyword"], k_max=3, load=lambda m: mini_retriever,
                          show_progress=False)
    with pytest.raises(RagError, match="no configuration could be evaluated"):
        ev.run_evaluation([qa], tmp_path / "o", ["dense-e5"], load=lambda m: (_ for _ in ()).throw(RagError("gone")),
                          show_progress=False)


def test_cli_eval(tmp_path: Path, mini_retriever, monkeypatch, capsys):
    monkeypatch.setattr(ev, "load_retriever_for_model", lambda model: mini_retriever)
    qa = mini_set(tmp_path / "mini.jsonl")
    out = tmp_path / "cli-report"
    assert main(["eval", "--set", str(qa), "--out", str(out), "--config", "keyword", "hybrid-gemma"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("| config |") and "| hybrid-gemma |" in printed
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["sets"] == [str(qa)]
    assert main(["eval", "--set", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2


def test_answer_metrics_and_threshold_calibration_by_hand():
    from rag.evaluation import answer_metrics, calibrate_threshold

    rows = [{"answerable": True, "confidence": c, "first_quote_relevant": ok}
            for c, ok in [(0.9, True), (0.8, True), (0.7, False), (0.5, True)]]
    rows += [{"answerable": False, "confidence": c, "first_quote_relevant": False} for c in (0.6, 0.4)]
    m = answer_metrics(rows, 0.55)
    assert m["first_quote_correct"] == 0.5  # 0.9 and 0.8 answered right; 0.7 wrong; 0.5 refused
    assert m["answerable_refused"] == 0.25 and m["unanswerable_refused"] == 0.5
    assert calibrate_threshold(rows, max_refused=0.0) == 0.5
    assert calibrate_threshold(rows, max_refused=0.25) == 0.7
    assert "left_out_answered_with_its_answer" not in m  # a set without left-out articles


def test_questions_about_left_out_articles_answered_with_their_own_answer_are_counted():
    from rag.evaluation import answer_metrics, holds_answer
    from rag.report import left_out_line

    assert holds_answer("蘇聯於1991年解體。", ["1991年"]) and holds_answer("苏联于1991年解体。", ["於1991年"])
    assert not holds_answer("苏联于1922年成立。", ["1991年"]) and not holds_answer("任何一句。", [""])
    assert holds_answer("卡特被共和黨的隆納雷根擊敗。", ["隆納·雷根"])  # a name's dot set or left out
    assert not holds_answer("任何一句。", ["·"])
    rows = [{"answerable": False, "confidence": c, "first_quote_relevant": False, "quotes_left_out_answer": held}
            for c, held in [(0.9, True), (0.8, False), (0.3, True), (0.2, False)]]
    m = answer_metrics(rows, 0.5)  # 0.3 holds the answer, yet is refused: it does not count
    assert m["left_out_answered_with_its_answer"] == 0.25 and m["n_left_out"] == 4
    assert m["unanswerable_refused"] == 0.5
    assert left_out_line(m) == ["Of the 4 questions about left-out articles, 1 (0.250) were answered with a first "
                                "quote holding the left-out article's own answer: another indexed article states it."]
