"""Per-index calibration (rag/calibration.py): probe questions, the fitted threshold, the manifest."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import rag
from rag import calibration
from rag.build import build_index
from rag.cli import main
from rag.filters import LeftOut
from rag.testing import FakeEncoder


@pytest.mark.parametrize("sentence, question", [
    ("霍林郭勒市共划分了136个网格,配备网格员300余名。", "霍林郭勒市共划分了多少个网格？"),
    ("呼伦湖是内蒙古第一大湖,面积约2339平方公里。", "呼伦湖是内蒙古第一大湖,面积约多少平方公里？"),  # a short clause takes in its neighbour
    ("1786年2月2日，亞洲協會在加爾各答舉行。", "哪一年2月2日，亞洲協會在加爾各答舉行？"),  # traditional stays traditional
    ("2022年,第十四届表彰大会在北京召开。", "哪一年,第十四届表彰大会在北京召开？"),  # 第十四届 is no quantity
    ("亚洲协会在加尔各答举行会议。", "哪个单位在加尔各答举行会议？"),
    ("他们说这样很好。", None),  # no number, year or name to ask about
])
def test_probe_questions_ask_for_a_fact_of_the_sentence(sentence, question):
    assert calibration.probe_question(sentence) == question


def test_probes_are_drawn_reproducibly_and_skip_unusable_sentences():
    sentences = [f"第{i}个村有{i + 10}户村民参加了培训。" for i in range(50)] + ["短句。", "没有可问的事实的一句话。"]
    a, b = calibration.draw_probes(sentences, 10, seed=1), calibration.draw_probes(sentences, 10, seed=1)
    assert a == b and len(a) == 10 and all("多少户" in q for q in a)
    assert calibration.draw_probes(sentences, 10, seed=2) != a


def month_of(question: str) -> int:
    return int(question[question.index("年") + 1:question.index("月")])


def test_threshold_is_the_percentile_of_the_absent_probes_below_the_cap():
    sentences = [f"今年{i + 1}月共有{i + 100}名选手报名参加比赛活动。" for i in range(40)]
    absent = [(i + 1) / 100 for i in range(40)]  # asked without their article: low
    fitted = calibration.calibrate(sentences, lambda probes: [(0.9, month_of(q) / 100) for _, q in probes], n=40, share=80, gap_weight=0)
    assert fitted is not None and fitted.probes == 40 and fitted.figures["bound"] == "absent"
    assert fitted.threshold == pytest.approx(calibration.percentile(absent, 80))
    assert fitted.figures["absent"]["found"] == 40 and fitted.as_dict()["percentile"] == 80
    assert calibration.calibrate(sentences[:5], lambda probes: [(0.5, 0.1)] * len(probes)) is None  # too few probes: the default applies


def test_the_gap_weight_moves_the_threshold_towards_the_present_probes():
    """Where answerable probes stand far above absent ones, the threshold takes that share of the gap."""
    present, absent = [0.8] * 30, [i / 100 for i in range(30)]
    start = calibration.percentile(absent, 80)
    assert calibration.threshold_of(present, absent, 80, 0.25) == (pytest.approx(start + 0.25 * (0.8 - start)), "absent")
    assert calibration.threshold_of(present, absent, 80, 1.0)[0] == pytest.approx(0.8)  # all the way: the cap
    assert calibration.threshold_of([0.1] * 30, absent, 80, 0.25) == (pytest.approx(0.1), "cap")  # the cap still binds
    sentences = [f"今年{i + 1}月共有{i + 100}名选手报名参加比赛活动。" for i in range(40)]
    fitted = calibration.calibrate(sentences, lambda probes: [(0.9, month_of(q) / 100) for _, q in probes], n=40, share=80)
    assert fitted.gap_weight == calibration.fitted_gap_weight() == rag.answer.PARAMS["calibration_gap_weight"]
    assert fitted.as_dict()["gap_weight"] == fitted.gap_weight


def test_the_present_probes_cap_the_threshold():
    """An archive that repeats its stories answers absent probes from the copies: the threshold then
    refuses no more than CAP_SHARE percent of the probes asked of the whole index."""
    sentences = [f"今年{i + 1}月共有{i + 100}名选手报名参加比赛活动。" for i in range(40)]
    present = [0.5 + month_of(s) / 100 for s in sentences]
    fitted = calibration.calibrate(sentences, lambda probes: [(0.5 + month_of(q) / 100, 0.95) for _, q in probes], n=40, share=80)
    assert fitted.figures["bound"] == "cap"
    assert fitted.threshold == pytest.approx(calibration.percentile(present, calibration.CAP_SHARE))
    assert fitted.threshold < 0.95


def test_absent_probes_that_find_nothing_count_lowest_and_too_few_leave_the_cap():
    some_found = [float("-inf")] * 10 + [0.3] * 20
    assert calibration.threshold_of([0.8] * 30, some_found, 50) == (pytest.approx(0.3), "absent")
    assert calibration.threshold_of([0.8] * 30, some_found, 20)[0] < 0.3  # nothing found: below every answer
    low, bound = calibration.threshold_of([0.8] * 30, [float("-inf")] * 20 + [0.3] * 10, 50)
    assert bound == "cap" and low == pytest.approx(0.8)  # an archive of one article: nothing found without it


def test_left_out_article_is_never_searched_or_quoted(tmp_path: Path):
    corpus, index = make_corpus(tmp_path / "corpus", 40), tmp_path / "index"
    build_index(corpus, index, FakeEncoder(64), calibrate=False)
    r = rag.Retriever.load(index, encoder=FakeEncoder(64))
    question = "巴彦嘎查3组共有多少户牧民参加了培训?"
    whole = r.answer(question, min_confidence=float("-inf"))
    top = whole.quotes[0]
    assert "3组" in top.text
    gone = LeftOut(top.source, top.title)
    without = r.answer(question, min_confidence=float("-inf"), left_out=gone)
    assert without.hits and not any(gone.drops(h) for h in without.hits + without.quotes)
    assert r.probe_confidences(question, gone) == (pytest.approx(whole.confidence), pytest.approx(without.confidence))
    others = ["巴彦嘎查5组有多少户牧民?", "培训在哪里举行?"]
    together = r.probe_confidences_many([(question, gone)] + [(q, gone) for q in others])
    alone = [r.probe_confidences(q, gone) for q in [question] + others]
    assert np.allclose(together, alone, atol=1e-6)
    assert [h.to_dict() for h in r.search(question, k=10)] == [h.to_dict() for h in r.search(question, k=10)]


def make_corpus(folder: Path, n: int) -> Path:
    folder.mkdir()
    lines = [{"title": f"第{i}个嘎查的新闻", "text": f"今年{i % 12 + 1}月,巴彦嘎查{i}组共有{i + 20}户牧民参加了培训。"
                                                   f"培训持续了{i % 5 + 2}天。"} for i in range(n)]
    for k in range(0, n, 4):  # four articles a file, so an article left out leaves others to answer
        (folder / f"news{k // 4:02d}.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines[k:k + 4]),
                                                         encoding="utf-8")
    return folder


def test_build_records_the_fitted_threshold_and_answers_use_it(tmp_path: Path):
    corpus, index = make_corpus(tmp_path / "corpus", 40), tmp_path / "index"
    data = build_index(corpus, index, FakeEncoder(64))
    fitted = data.manifest["calibration"]
    assert fitted["probes"] >= calibration.MIN_PROBES and fitted["percentile"] == calibration.fitted_share()
    assert fitted["figures"]["absent"]["found"] > 0 and fitted["figures"]["bound"] in ("absent", "cap")
    r = rag.Retriever.load(index, encoder=FakeEncoder(64))
    assert r.threshold == fitted["threshold"]
    question = "巴彦嘎查3组共有多少户牧民参加了培训?"
    conf = r.answer(question, min_confidence=float("-inf")).confidence
    assert bool(r.answer(question).quotes) == (conf >= r.threshold)


def test_small_corpus_keeps_the_default_threshold(mini_retriever):
    assert mini_retriever.data.manifest["calibration"] is None
    assert mini_retriever.threshold == rag.answer.MIN_CONFIDENCE


def test_index_calibrate_rewrites_the_manifest_only(tmp_path: Path, capsys, monkeypatch):
    corpus, index = make_corpus(tmp_path / "corpus", 40), tmp_path / "index"
    build_index(corpus, index, FakeEncoder(64), calibrate=False)
    assert rag.Retriever.load(index, encoder=FakeEncoder(64)).data.manifest.get("calibration") is None
    parts = {p.name: p.read_bytes() for p in index.resolve().iterdir() if p.name != "manifest.json" and p.is_file()}
    assert main(["index", "calibrate", "--index", str(index)]) == 0
    assert "refusal threshold" in capsys.readouterr().out
    r = rag.Retriever.load(index)  # still loads: part hashes hold
    assert r.data.manifest["calibration"]["threshold"] == r.threshold
    assert parts == {p.name: p.read_bytes() for p in index.resolve().iterdir() if p.name != "manifest.json" and p.is_file()}
    assert main(["index", "status", "--index", str(index)]) == 0
    assert "calibrated on its corpus" in capsys.readouterr().out


class Int8Queries(FakeEncoder):
    query_encoder = "int8"  # as OpenVINOEncoder reports it when the int8 export embeds its queries


def test_the_calibration_records_what_embedded_its_probes_through_any_wrapper(tmp_path: Path):
    from rag import query_int8
    from rag.batching import BatchingEncoder
    from rag.distributed import RayEncoder

    corpus, index = make_corpus(tmp_path / "corpus", 40), tmp_path / "index"
    assert build_index(corpus, index, FakeEncoder(64)).manifest["calibration"]["query_encoder"] == "float"
    for wrapped in (BatchingEncoder(Int8Queries(64)), RayEncoder(Int8Queries(64), workers=1)):
        r = rag.Retriever.load(index, encoder=wrapped)
        fitted = calibration.calibrate_retriever(r)
        assert (fitted.query_encoder, fitted.query_export) == ("int8", query_int8.EXPORT_VERSION)
