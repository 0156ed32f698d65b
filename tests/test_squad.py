"""SQuAD-format sets as a corpus and a QA set (rag eval --squad): fast, no model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import squad
from rag.corpus import read_corpus, read_text
from rag.errors import RagError
from rag.evaluation import load_qa_set, locate_evidence

FIXTURE = Path(__file__).parent / "fixtures" / "squad_mini.json"


def test_load_reads_articles_paragraphs_and_answers():
    articles = squad.load(FIXTURE)
    assert [a.title for a in articles] == ["呼伦湖", "响沙湾", "昭君墓", "五当召"]
    first = articles[0].paragraphs[0].questions[0]
    assert (first.id, first.answers) == ("hl-1", ("2339平方公里",))
    assert articles[0].paragraphs[1].questions[1].answers == ()  # SQuAD 2.0 is_impossible


def test_sample_is_reproducible_and_disjoint():
    articles = squad.load(FIXTURE)
    a, b = squad.sample(articles, 2, 1, seed=3), squad.sample(articles, 2, 1, seed=3)
    assert a == b and len(a.indexed) == 2 and len(a.absent) == 1
    assert not {x.title for x in a.indexed} & {x.title for x in a.absent}
    with pytest.raises(RagError, match="fewer than --articles 4 \\+ --absent 1"):
        squad.sample(articles, 4, 1)


def test_corpus_and_qa_set_agree(tmp_path: Path):
    chosen = squad.sample(squad.load(FIXTURE), 3, 1, seed=0)
    squad.write_corpus(chosen.indexed, tmp_path / "corpus")
    items = squad.qa_items(chosen)
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    loaded = load_qa_set(qa)  # the contract's format
    answerable = [i for i in loaded if i["seed"]]
    absent_titles = {a.title for a in chosen.absent}
    assert len(loaded) == sum(len(p.questions) for a in chosen.indexed + chosen.absent for p in a.paragraphs)
    for item in answerable:  # every evidence string is found in its own paragraph's file
        assert locate_evidence(item, tmp_path / "corpus")
    assert {i["type"] for i in loaded if not i["seed"]} <= {"unanswerable", "unanswerable-near"}
    left_out = [i for i in loaded if i["type"] == "unanswerable"]  # their gold answers kept, for the report
    assert left_out and all(i["left_out_answers"] == list(q.answers) for i, q in
                            zip(left_out, [q for a in chosen.absent for p in a.paragraphs for q in p.questions]))
    pages = read_corpus(tmp_path / "corpus").pages
    assert {a.title for p in pages for a in p.articles}.isdisjoint(absent_titles)
    text = read_text(tmp_path / "corpus" / answerable[0]["seed"])
    assert answerable[0]["evidence"][0] in text


def test_write_corpus_removes_an_earlier_sample(tmp_path: Path):
    articles = squad.load(FIXTURE)
    squad.write_corpus(articles, tmp_path)
    squad.write_corpus(articles[:1], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0000_000.jsonl", "0000_001.jsonl"]


@pytest.mark.parametrize("content, words", [("{", "not UTF-8 JSON"), ('{"data": [{"title": "x"}]}', "not in SQuAD format"),
                                            ('{"data": []}', "holds no articles")])
def test_bad_files_name_the_fix(tmp_path: Path, content: str, words: str):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(RagError, match=words):
        squad.load(bad)


def test_simplify_squad_keeps_every_answer_at_its_offset():
    import importlib.util

    spec = importlib.util.spec_from_file_location("simplify_squad", Path(__file__).parent.parent / "eval" / "simplify_squad.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = "乾隆年間，臺灣的鄉鎮發展迅速。瞭解歷史的學者說，這裡曾經是貿易重鎮。"
    answers = [{"text": t, "answer_start": context.index(t)} for t in ("臺灣的鄉鎮", "學者", "貿易重鎮")]
    data = {"data": [{"title": "臺灣歷史", "paragraphs": [{"context": context, "qas": [
        {"id": "1-1-1", "question": "誰說這裡曾經是貿易重鎮？", "answers": answers}]}]}]}
    out = module.simplify(data)["data"][0]
    paragraph = out["paragraphs"][0]
    assert out["title"] == "台湾历史" and "贸易" in paragraph["context"]
    for answer in paragraph["qas"][0]["answers"]:
        start = answer["answer_start"]
        assert paragraph["context"][start:start + len(answer["text"])] == answer["text"]
    assert [a["text"] for a in paragraph["qas"][0]["answers"]] == ["台湾的乡镇", "学者", "贸易重镇"]
