"""Quote selection on hand-made sentences and vectors."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from rag import answer
from rag.answer import (Candidate, candidates, confidence, merge_adjacent,
                        select_quotes, word_overlaps)
from rag import question as q_module
from rag.question import analyse
from rag.testing import sentence_store
from rag.types import Hit, Passage, Quote

TEXT = "第一句话。第二句话。第三句。"


@pytest.fixture(autouse=True)
def hand_set_weights():
    """These tests pin how the checks work (gate, looks, penalties), with the hand-set weights
    (round numbers); the shipped, fitted weights are checked against data by eval/fit_weights.py."""
    answer.use_params(*answer.read_params("answer-v0.json"), file="answer-v0.json")
    yield
    answer.use_params(*answer.read_params(), file=answer.PARAMS_FILE)


def test_the_shipped_params_cover_every_check_and_are_recorded():
    params, raw = answer.read_params()
    assert set(params["checks"]) == set(answer.CHECK)
    assert all(c["penalty"] >= 0 and c["bonus"] >= 0 for c in params["checks"].values())
    assert 50 < params["calibration_absent_percentile"] < 100 and params["version"] >= 1
    assert 0 <= params.get("calibration_gap_weight", 0.0) < 1  # a move towards the present probes, never past them
    answer.use_params(params, raw, answer.PARAMS_FILE)
    assert answer.PARAMS_ID == {"file": answer.PARAMS_FILE, "name": "answer", "version": params["version"],
                                "sha256": hashlib.sha256(raw).hexdigest()[:16]}
    assert answer.MIN_CONFIDENCE == params["min_confidence"]
    assert set(params["confidence"]) <= {"coverage", "top_overlap", "missing_pairs", *answer.KIND_FEATURES}


def test_a_question_kind_weight_moves_only_that_kinds_confidence():
    params, _ = answer.read_params("answer-v0.json")
    params["confidence"] = {"asks_english": 0.2}
    answer.use_params(params)
    cands = [Candidate(sentence(0, 5), 0.5, 0)]
    english, chinese = analyse("What is the second sentence?"), analyse("第二句话是什么?")
    assert answer.answer_features(english, cands) == {"asks_english": 1.0}
    assert answer.answer_features(chinese, cands) == {"asks_english": 0.0}
    assert confidence(english, cands) == pytest.approx(confidence(chinese, cands) + 0.2)


def test_a_quote_lacking_what_the_question_says_lowers_the_confidence():
    """missing_pairs: the share of the question's character pairs (less question and function words)
    that the best sentence's article (its title and candidate sentences) lacks; past the half an
    answer's article may lack (a reworded question, the fact it asks for), a confidence penalty."""
    from rag.question import content_pairs
    assert content_pairs("阿拉巴马州的州花是什么?") == {"阿拉", "拉巴", "巴马", "马州", "州花"}
    assert content_pairs("what is it?") == frozenset()
    params, _ = answer.read_params("answer-v0.json")
    params["confidence"] = {"missing_pairs": 0.2}
    answer.use_params(params)
    about_it = Passage("a.txt", "", "", 0, 14, "阿拉巴马州的州花是山茶花。")
    near_it = Passage("b.txt", "", "", 0, 20, "阿拉巴马州州长决定独立参选。")
    about_another = Passage("c.txt", "", "", 0, 11, "阿拉斯加的首府是朱诺。")
    frame = analyse("阿拉巴马州的州花是什么?")
    here, near, elsewhere = ([Candidate(p, 0.5, 0)] for p in (about_it, near_it, about_another))
    assert answer.missing_pairs(frame, near) == pytest.approx(0.2)  # lacks 州花 of 5: within the allowance
    assert answer.answer_features(frame, here) == answer.answer_features(frame, near) == {"missing_pairs": 0.0}
    assert answer.missing_pairs(frame, elsewhere) == pytest.approx(0.8)  # shares 阿拉 alone
    assert answer.answer_features(frame, elsewhere) == {"missing_pairs": pytest.approx(-0.6)}  # (0.8 - 0.5) / 0.5
    assert confidence(frame, elsewhere) == pytest.approx(confidence(frame, here) - 0.2 * 0.6)
    assert answer.answer_features(analyse("What is the state flower?"), elsewhere) == {"missing_pairs": 0.0}


def sentence(start: int, end: int, source: str = "a.txt") -> Passage:
    return Passage(source, "标题", "", start, end, TEXT[start:end])


def test_below_threshold_there_are_no_quotes():
    cands = [Candidate(sentence(0, 5), 0.4, 0)]
    assert select_quotes(cands, 0.4, min_confidence=0.5) == []
    assert select_quotes(cands, 0.4, min_confidence=0.3)[0].text == "第一句话。"


def test_best_first_within_margin_and_adjacent_sentences_merge():
    cands = [Candidate(sentence(5, 10), 0.80, 0), Candidate(sentence(0, 5), 0.78, 0),
             Candidate(sentence(10, 14), 0.30, 1)]
    quotes = select_quotes(cands, 1.0, min_confidence=0.0)
    assert [(q.text, q.start, q.end) for q in quotes] == [("第一句话。第二句话。", 0, 10)]


def test_same_text_is_never_quoted_twice():
    twin = Passage("b.txt", "别的", "", 0, 5, "第一句话。")
    quotes = select_quotes([Candidate(sentence(0, 5), 0.9, 0), Candidate(twin, 0.9, 1)], 0.9, min_confidence=0.0)
    assert [q.text for q in quotes] == ["第一句话。"]


def test_merge_adjacent_keeps_separate_files_apart():
    a = Quote("第一句话。", "a.txt", 0, 5, "t", 0.9)
    b = Quote("第二句话。", "b.txt", 5, 10, "t", 0.8)
    assert merge_adjacent([a, b]) == [a, b]


def frame_and_candidates(question: str, texts: list[str], cosines: list[float] | float = 0.7, title: str = "t"):
    """The question's frame and rag.answer.candidates() over these sentences of one passage (of an
    article with this title), with sentence vectors chosen so each sentence's cosine to the question
    is as given."""
    frame = analyse(question)
    cosines = cosines if isinstance(cosines, list) else [cosines] * len(texts)
    sentences, start = [], 0
    for t in texts:
        sentences.append(Passage("a.txt", title, "", start, start + len(t), t))
        start += len(t)
    store = sentence_store(sentences, np.eye(len(texts), dtype=np.float32))
    hit = Hit("".join(texts), "a.txt", 0, start, title, 1.0)
    return frame, candidates([hit], store, np.array(cosines, dtype=np.float32), frame)


def test_a_quantity_never_stated_lowers_confidence_below_any_threshold():
    texts = ["全村共有农户300户。", "村里建了大棚。"]
    frame, cands = frame_and_candidates("村里有多少户?", texts)
    assert confidence(frame, cands) == pytest.approx(0.7)
    frame, cands = frame_and_candidates("村里建了多少亩大棚?", texts)
    assert confidence(frame, cands) < 0
    frame, cands = frame_and_candidates("有哪几位代表?", texts[1:])
    assert confidence(frame, cands) > 0


def test_a_focus_noun_no_sentence_mentions_lowers_confidence():
    texts = ["八龙湾大峡谷全长20公里。", "景区风景优美。"]
    asked_price, cands = frame_and_candidates("八龙湾大峡谷景区的门票价格是多少?", texts)
    asked_length, same = frame_and_candidates("八龙湾大峡谷有多长?", texts)
    assert confidence(asked_price, cands) < confidence(asked_length, same)


def test_a_name_no_candidate_mentions_lowers_confidence():
    # A question about a place the archive lacks, answered from a neighbour's article at the same cosine.
    names = {"bonus": 0.0, "penalty": 0.2}
    answer.use_params({**answer.PARAMS, "checks": {**answer.PARAMS["checks"], "names": names}})
    texts = ["尼日利亚北边与尼日尔接壤。", "尼日利亚是西非国家。"]
    absent, cands = frame_and_candidates("卢安达北边与哪个国家相邻?", texts)
    present, same = frame_and_candidates("尼日利亚北边与哪个国家相邻?", texts)
    assert confidence(absent, cands) == pytest.approx(confidence(present, same) - 0.2)


def test_a_name_the_best_passage_never_gives_lowers_confidence_and_its_title_is_enough():
    # "他出生于…" answers about 霍布斯 in his own article; the same words in Darwin's article do not.
    answer.use_params({**answer.PARAMS, "checks": {**answer.PARAMS["checks"], "names": {"bonus": 0.0, "penalty": 0.0},
                                                   "names_here": {"bonus": 0.0, "penalty": 0.2}}})
    texts = ["他出生于威尔特郡。", "他是一位哲学家。"]
    own, cands = frame_and_candidates("霍布斯出生于哪个郡?", texts, title="托马斯·霍布斯")
    other, same = frame_and_candidates("霍布斯出生于哪个郡?", texts, title="查尔斯·达尔文")
    assert confidence(other, same) == pytest.approx(confidence(own, cands) - 0.2)
    named, in_text = frame_and_candidates("霍布斯出生于哪个郡?", ["霍布斯出生于威尔特郡。"], title="查尔斯·达尔文")
    assert confidence(named, in_text) == pytest.approx(confidence(own, cands))
    assert all(c.holds["names_here"] == 1.0 for c in cands) and not any(c.holds["names_here"] for c in same)


@pytest.mark.parametrize("check, texts, title, own_question, other_question", [
    # A question about the neighbouring banner, answered from this banner's article at the same cosine.
    ("places", ["该旗坚持以党建引领“两新”组织。", "推行“党建+”模式。"], "苏尼特左旗:党建引领",
     "苏尼特左旗抓“两新”组织党建用什么模式?", "苏尼特右旗抓“两新”组织党建用什么模式?"),
    # A question about a book the archive lacks, answered from an article on the same kingdom.
    ("verbatim", ["陈侃出使琉球后写成《使琉球录》。", "书中记载了琉球的风俗。"], "琉球",
     "《使琉球录》的作者是谁?", "《中山传信录》的作者是谁?")])
def test_a_name_no_passage_or_title_writes_lowers_confidence(check, texts, title, own_question, other_question):
    answer.use_params({**answer.PARAMS, "checks": {**answer.PARAMS["checks"], check: {"bonus": 0.0, "penalty": 0.2}}})
    own, cands = frame_and_candidates(own_question, texts, title=title)
    other, same = frame_and_candidates(other_question, texts, title=title)
    assert confidence(other, same) == pytest.approx(confidence(own, cands) - 0.2)
    assert all(c.holds[check] == 1.0 for c in cands) and not any(c.holds[check] for c in same)


def test_the_places_check_reads_every_passage_considered_as_one():
    # "X和Y分别…": each place told in its own article; the question is answered when both are there.
    frame = analyse("杭锦旗和乌拉特中旗分别建了多少处老年食堂?")
    texts = ["杭锦旗建成老年食堂12处。", "乌拉特中旗建成老年食堂8处。"]
    sentences = [Passage(f"{i}.txt", "t", "", 0, len(t), t) for i, t in enumerate(texts)]
    store = sentence_store(sentences, np.eye(2, dtype=np.float32))
    hits = [Hit(t, f"{i}.txt", 0, len(t), "t", 1.0) for i, t in enumerate(texts)]
    cands = candidates(hits, store, np.array([0.7, 0.7], dtype=np.float32), frame)
    assert all(c.holds["places"] == 1.0 for c in cands)


def test_the_sentence_stating_the_asked_unit_outranks_the_topic_sentence():
    texts = ["八龙湾村大力发展蔬菜大棚种植。", "50多个现代化温室种植大棚整齐排列。"]
    _, cands = frame_and_candidates("八龙湾村有多少个温室大棚?", texts, [0.75, 0.7])
    assert select_quotes(cands, 0.75, min_confidence=0.0)[0].text == texts[1]


def test_word_overlap_weighs_words_by_rarity_among_the_candidates():
    # 八龙湾村 is in every sentence, so only 灌溉渠 tells them apart.
    texts = ["八龙湾村修了灌溉渠。", "八龙湾村建了大棚。", "八龙湾村发了化肥。"]
    overlaps = word_overlaps(analyse("八龙湾村的灌溉渠有多长?").terms, texts)
    assert overlaps[0] > 2 * overlaps[1] and overlaps[1] == overlaps[2]
    assert word_overlaps(frozenset(), texts) == [0.0, 0.0, 0.0]


def test_a_when_question_is_as_confident_as_its_best_dated_sentence():
    texts = ["乌力吉口岸是重要的陆路口岸。", "口岸于2015年开通。"]
    frame, cands = frame_and_candidates("乌力吉口岸什么时候开通?", texts, [0.8, 0.7])
    assert confidence(frame, cands) == pytest.approx(0.7)  # the dated sentence's cosine, not the topic sentence's
    frame, cands = frame_and_candidates("乌力吉口岸什么时候开通?", texts[:1])
    assert confidence(frame, cands) < 0


def test_a_who_question_whose_role_is_never_named_gets_no_answer():
    texts = ["阿拉善边境管理支队政治委员李某介绍了工作。", "支队开展了政治轮训。"]
    frame, cands = frame_and_candidates("阿拉善边境管理支队的支队长是谁?", texts, [0.7, 0.6])
    assert confidence(frame, cands) < 0
    frame, cands = frame_and_candidates("阿拉善边境管理支队的政治委员是谁?", texts, [0.7, 0.6])
    assert confidence(frame, cands) == pytest.approx(0.7)


def test_a_when_question_ignores_dates_of_other_events():
    texts = ["乌力吉口岸正处于建设阶段。", "派出所于今年2月成立了国门护卫队。"]
    frame, cands = frame_and_candidates("乌力吉口岸预计什么时候建成通关?", texts, [0.8, 0.6])
    assert confidence(frame, cands) < 0  # the only date is the 护卫队's founding


def test_a_date_next_to_another_verb_than_the_asked_event_passes_the_when_gate_in_part():
    """Writers date an event in words of their own ('覆亡' for the asked '灭亡'): with a partial_cost
    such a date counts its cosine less that cost, never less than failing the gate would leave; a date
    next to the asked event counts whole; without a partial_cost (older params) it does not pass."""
    texts = ["第二帝国的历史很长。", "1870年9月4日,第二帝国覆亡。", "帝国于1852年12月2日灭亡了议会。"]
    question = "第二帝国在哪一年灭亡?"
    frame, cands = frame_and_candidates(question, texts, [0.5, 0.75, 0.3])
    assert [c.holds["value"] for c in cands] == [0.0, q_module.EVENTLESS_DATE, 1.0]
    assert confidence(frame, cands) == pytest.approx(0.3)  # v0: only the sentence naming 灭亡 passes
    params, _ = answer.read_params("answer-v0.json")
    params["checks"]["value"].update(partial_cost=0.1, penalty=0.25)
    answer.use_params(params)
    assert confidence(frame, cands) == pytest.approx(0.65)  # 覆亡's date, 0.1 less
    frame, cands = frame_and_candidates(question, texts[:2], [0.8, 0.6])
    assert confidence(frame, cands) == pytest.approx(0.8 - 0.25)  # no date of 灭亡: the gate's penalty
    frame, cands = frame_and_candidates(question, texts[:2], [0.8, 0.4])
    assert confidence(frame, cands) == pytest.approx(0.8 - 0.25)  # a part never costs more than no date
    frame, cands = frame_and_candidates(question, texts[:2], [0.8, 0.75])
    assert confidence(frame, cands) == pytest.approx(0.65)  # and counts when it costs less


def test_a_where_question_needs_a_new_place_in_its_best_sentences():
    texts = ["赤峰市举办的培训班结束了。", "培训班旨在提高能力。", "会议在中国人民公安大学召开。"]
    frame, cands = frame_and_candidates("赤峰市的培训班在哪里举办?", texts, [0.8, 0.7, 0.3])
    assert confidence(frame, cands) < 0  # the place is only in the third, unrelated sentence
    frame, cands = frame_and_candidates("赤峰市的培训班在哪里举办?", texts, [0.8, 0.3, 0.75])
    assert confidence(frame, cands) == pytest.approx(0.8)


def test_the_sentence_naming_the_asked_thing_is_quoted_first():
    texts = ["乌兰察布边境管理支队开展全员政治轮训。", "民警参观了集宁战役纪念馆。"]
    frame, cands = frame_and_candidates("政治轮训期间民警参观了哪个纪念馆?", texts, [0.6, 0.5])
    assert frame.focus == ("纪念馆",)
    assert select_quotes(cands, confidence(frame, cands))[0].text == texts[1]


def test_a_why_question_needs_a_cause_or_purpose_in_its_best_sentences():
    premise = ["2022年7月,张斌被授予全国见义勇为模范。", "表彰大会在呼和浩特召开。"]
    frame, cands = frame_and_candidates("张斌是因为什么事迹被授予全国见义勇为模范的?", premise, [0.65, 0.5])
    assert frame.wants_reason
    conf = confidence(frame, cands)
    assert conf == pytest.approx(0.65 - answer.CHECK["reason"].penalty) and conf < answer.MIN_CONFIDENCE  # the premise restated, no reason
    reason = ["乌力吉口岸正处于建设阶段,随着大量外来务工人员涌入,产生不少矛盾纠纷。"]
    frame, cands = frame_and_candidates("乌力吉口岸为什么会出现不少矛盾纠纷?", reason, [0.8])
    assert confidence(frame, cands) == pytest.approx(0.8)


def test_a_how_question_needs_its_action_named_in_its_best_sentences():
    premise = ["“市委、市政府安排了网格化管理经费,并实施网格员‘以奖代补’政策。”"]
    frame, cands = frame_and_candidates("霍林郭勒网格员的“以奖代补”奖金具体怎么计算?", premise, [0.55])
    conf = confidence(frame, cands)
    assert conf == pytest.approx(0.55 - answer.CHECK["action"].penalty) and conf < answer.MIN_CONFIDENCE
    told = ["奖金按网格员季度考核得分计算,每分50元。"]
    frame, cands = frame_and_candidates("霍林郭勒网格员的“以奖代补”奖金具体怎么计算?", told, [0.6])
    assert confidence(frame, cands) == pytest.approx(0.6)


def test_where_and_why_questions_quote_the_sentence_of_the_asked_kind_first():
    texts = ["八龙湾村水资源丰富,交通便利,大力发展蔬菜大棚种植。", "走进清水河县城关镇八龙湾村蔬菜大棚种植基地。"]
    _, cands = frame_and_candidates("八龙湾村的蔬菜大棚基地位于哪个县?", texts, [0.7, 0.6])
    assert max(cands, key=lambda c: c.score).sentence.text == texts[1]
    texts = ["改革前,全市12个单位铺设了8类网格。", "但由于网格员待遇低、不专职,导致力量分散。"]
    _, cands = frame_and_candidates("改革前网格力量为什么分散?", texts, [0.62, 0.56])
    assert texts[1] in select_quotes(cands, 1.0, min_confidence=0.0)[0].text  # with the sentence before it, or alone
    _, cands = frame_and_candidates("改革前网格力量为什么分散?", texts, [0.72, 0.56])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0] + texts[1]  # its cause comes with it


def test_the_place_bonus_does_not_promote_a_sentence_into_the_place_check():
    texts = ["赤峰市举办的培训班结束了。", "培训班旨在提高能力。", "会议在中国人民公安大学召开。"]
    frame, cands = frame_and_candidates("赤峰市的培训班在哪里举办?", texts, [0.8, 0.62, 0.5])
    assert max(cands, key=lambda c: c.score).sentence.text == texts[0]
    assert sorted(cands, key=lambda c: -c.score)[1].sentence.text == texts[2]  # promoted for quoting ...
    assert confidence(frame, cands) < 0  # ... but not among the two most relevant sentences checked


def test_an_attribution_is_quoted_with_the_words_it_attributes():
    texts = ["“这些年日子越过越好。”", "镇里群众敖云娜感激地说。", "镇里还修了路。"]
    frame, cands = frame_and_candidates("群众为什么感激?", texts, [0.3, 0.8, 0.2])
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert first.text.startswith(texts[0] + texts[1]) and (first.start, first.text) == (0, "".join(texts)[:first.end])


def dangling_opening(first_source: str = "a.txt", before: tuple[str, ...] = ("园区增多,包装袋用量随之加大。",)):
    """A store of sentences of which the hit holds the last two: the quote's best sentence points
    back ('这也是商机。') to the ones ``before`` it, which no top passage holds."""
    texts = [*before, "“这也是商机。”", "镇里建成了加工车间。"]
    sentences, start = [], 0
    for i, t in enumerate(texts):
        sentences.append(Passage(first_source if i == 0 else "a.txt", "t", "", start, start + len(t), t))
        start += len(t)
    store = sentence_store(sentences, np.eye(len(texts), dtype=np.float32))
    hit = Hit("".join(texts[-2:]), "a.txt", len("".join(texts[:-2])), start, "t", 1.0)
    frame = analyse("镇里为什么建加工车间?")
    vector = np.array([0.3] * (len(texts) - 2) + [0.8, 0.3], dtype=np.float32)
    return texts[-3:], store, candidates([hit], store, vector, frame)


def test_a_quote_that_opens_by_pointing_back_takes_in_the_sentence_before_from_the_store():
    texts, store, cands = dangling_opening()
    assert {c.sentence.text for c in cands} == set(texts[1:])  # the cause is not a candidate
    assert not select_quotes(cands, 1.0, min_confidence=0.0)[0].text.startswith(texts[0])
    first = select_quotes(cands, 1.0, min_confidence=0.0, store=store)[0]
    assert first.text.startswith(texts[0] + texts[1]) and (first.start, first.source) == (0, "a.txt")
    assert first.text == "".join(texts)[first.start:first.end]


def test_sentences_that_point_back_in_a_row_are_all_taken_in():
    before = ("园区增多,包装袋用量随之加大。", "这让镇里看到了机会。")
    texts, store, cands = dangling_opening(before=before)
    first = select_quotes(cands, 1.0, min_confidence=0.0, store=store)[0]
    assert first.start == 0 and first.text.startswith("".join(before) + texts[1])


def test_the_sentence_before_is_not_taken_in_from_another_file():
    texts, store, cands = dangling_opening(first_source="b.txt")
    assert select_quotes(cands, 1.0, min_confidence=0.0, store=store)[0].text.startswith(texts[1])


def test_a_list_lead_is_quoted_with_its_items_within_the_cap():
    items = [f"{n}是完善第{n}项制度。" for n in "一二三四五六七八九十"] * 3
    texts = ["主要做法有以下几点："] + items
    frame, cands = frame_and_candidates("有哪些做法?", texts, [0.8] + [0.1] * len(items))
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert first.text.startswith(texts[0] + items[0] + items[1])
    assert len(first.text) <= answer.UNIT_CAP < len("".join(texts))
    assert first.text == "".join(texts)[first.start:first.end]


def test_a_value_stated_next_to_its_story_counts_part_of_that_sentences_cosine():
    texts = ["李军又一次准时开始直播路况。", "观看人数将近5000人。", "他说要坚持下去。"]
    frame, cands = frame_and_candidates("李军的直播有多少人观看?", texts, [0.8, 0.4, 0.9])
    assert confidence(frame, cands) == pytest.approx(0.4)  # the gate: only the sentence stating the value
    params, _ = answer.read_params("answer-v0.json")
    params["checks"]["value"]["neighbour_share"] = 0.5
    answer.use_params(params)
    assert confidence(frame, cands) == pytest.approx(0.4 + 0.5 * (0.9 - 0.4))  # the better neighbour
    answer.use_params(*answer.read_params("answer-v0.json"))
    assert answer.CHECK["value"].neighbour_share == 0.0  # a params file without it resets it


def test_a_list_question_quotes_a_lead_that_lists_nothing_with_the_next_sentence():
    texts = ["工厂的收益公开进行分配。", "收益主要用于帮扶困难群众、救助重病村民。", "工厂还招了新工人。"]
    frame, cands = frame_and_candidates("工厂的收益分配到哪些方面?", texts, [0.8, 0.4, 0.2])
    assert frame.wants_list
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0] + texts[1]
    texts = ["工厂的收益用于帮扶、救助和建设。", "收益公开进行分配。", "工厂还招了新工人。"]
    _, cands = frame_and_candidates("工厂的收益分配到哪些方面?", texts, [0.8, 0.4, 0.2])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0]  # it lists: it stands alone


def test_a_clause_ending_in_a_semicolon_is_quoted_to_its_sentences_end():
    texts = ["一部分用于帮扶党员群众；", "一部分用于扩大再生产；", "其余用于公益事业。", "工厂还招了新工人。"]
    _, cands = frame_and_candidates("收益用于帮扶谁?", texts, [0.8, 0.3, 0.3, 0.2])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == "".join(texts[:3])
    _, cands = frame_and_candidates("收益用于什么再生产?", texts, [0.3, 0.8, 0.3, 0.2])
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert (first.start, first.text) == (0, "".join(texts[:3]))  # the clauses before it too
    texts = ["收益公开分配。", "工厂还招了新工人。"]
    _, cands = frame_and_candidates("收益分配了吗?", texts, [0.8, 0.3])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0]  # a sentence's end stops it


def test_a_why_answer_keeps_its_continuation_and_other_answers_do_not():
    texts = ["由于连年干旱,草场退化严重。", "牧民因此减少了牲畜。", "当地还建了水窖。"]
    _, cands = frame_and_candidates("牧民为什么减少牲畜?", texts, [0.8, 0.3, 0.2])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0] + texts[1]
    # A how-question that names no action: the sentence telling the trouble comes with the one telling the fix.
    texts = ["老人忘了银行卡密码,出行又不便。", "信用社上门为他重置了密码。", "老人连连道谢。"]
    _, cands = frame_and_candidates("信用社是怎么帮他解决的?", texts, [0.8, 0.3, 0.2])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0] + texts[1]
    _, cands = frame_and_candidates("草场退化了吗?", texts, [0.8, 0.3, 0.2])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0]


def test_a_sentence_that_refers_back_is_quoted_with_the_one_before():
    texts = ["约翰·赫歇尔是英国天文学家。", "他还发明了蓝晒法。", "蓝晒法至今仍有人使用。"]
    _, cands = frame_and_candidates("蓝晒法是谁发明的?", texts, [0.3, 0.8, 0.5])
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert (first.start, first.text) == (0, texts[0] + texts[1])
    texts = ["约翰·赫歇尔是英国天文学家。", "完成了电视摄像的电子化。", "蓝晒法至今仍有人使用。"]
    _, cands = frame_and_candidates("谁完成了电视摄像的电子化?", texts, [0.3, 0.8, 0.5])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0] + texts[1]  # no subject of its own
    texts = ["约翰·赫歇尔是英国天文学家。", "赫歇尔发明了蓝晒法。"]
    _, cands = frame_and_candidates("蓝晒法是谁发明的?", texts, [0.3, 0.8])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[1]  # names its own subject


def test_a_sentence_pointing_back_with_a_demonstrative_is_quoted_with_the_one_before():
    """A demonstrative in the first clause ('该市', '这次') stands for a thing the sentence before names,
    which may be the very thing asked; as does 牠们, the written pronoun of animals."""
    texts = ["多伦多是加拿大的经济中心。", "加拿大约六分之一的就业机会在该市。", "多伦多还有许多大学。"]
    _, cands = frame_and_candidates("哪一城市拥有加拿大约六分之一的就业机会?", texts, [0.3, 0.8, 0.2])
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert (first.start, first.text) == (0, texts[0] + texts[1])
    texts = ["河狸是一种啮齿动物。", "牠们在建造水坝时大幅改变了生态系统。"]
    _, cands = frame_and_candidates("何种动物在建造水坝时会改变生态系统?", texts, [0.3, 0.8])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0] + texts[1]
    texts = ["多伦多是加拿大的经济中心。", "我们应该多建大学,学生很多。"]  # 应该: no demonstrative
    _, cands = frame_and_candidates("学生多吗?", texts, [0.3, 0.8])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[1]


def test_a_sentence_is_quoted_with_the_next_when_that_one_goes_on_about_it():
    texts = ["早期的文字都是在石碑或建筑物上的铭刻。", "这种书体被称为铭刻体。", "铭刻体后来演变为楷书。"]
    _, cands = frame_and_candidates("石碑上的书体被称为什么?", texts, [0.8, 0.4, 0.2])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0] + texts[1]
    texts = ["早期的文字都是在石碑或建筑物上的铭刻。", "铭刻体后来演变为楷书。"]
    _, cands = frame_and_candidates("石碑上的书体被称为什么?", texts, [0.8, 0.4])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0]  # the next names its own subject


def test_a_touching_sentence_scoring_near_the_best_joins_its_quote():
    answer.use_params({**answer.PARAMS, "score": {**answer.PARAMS["score"], "neighbour_margin": 0.2}})
    # A what-question: a how-question ('光伏电站怎么样?') keeps its sentence's continuation whatever it scores.
    texts = ["草原上建起了光伏电站。", "电站每年发电三千万度。", "牧民还养了骆驼。"]
    _, cands = frame_and_candidates("那里新建了什么设施?", texts, [0.8, 0.7, 0.3])
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert (first.start, first.text) == (0, texts[0] + texts[1])  # 0.3 is too far below the best to join
    _, cands = frame_and_candidates("那里新建了什么设施?", texts, [0.3, 0.8, 0.7])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[1] + texts[2]
    _, cands = frame_and_candidates("那里新建了什么设施?", texts, [0.8, 0.5, 0.3])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[0]


def test_a_when_answer_without_its_date_is_quoted_with_the_neighbour_that_gives_it():
    texts = ["1976年10月30日，铁路局召开大会。", "铁道部向国务院请示命名机车。", "机车由工人驾驶。"]
    frame, cands = frame_and_candidates("铁道部请示命名机车是在哪一年?", texts, [0.4, 0.8, 0.3])
    assert frame.wants_date and frame.event is None
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert (first.start, first.text) == (0, texts[0] + texts[1])
    _, cands = frame_and_candidates("铁道部请示命名什么?", texts, [0.4, 0.8, 0.3])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[1]  # no value asked: the sentence alone


def test_a_why_sentence_whose_neighbour_gives_the_cause_passes_in_part_and_is_quoted_with_it():
    texts = ["幼儿园一放假就因为孩子没人照顾发愁。", "现在社区为孩子们提供了活动场所。", "社区还开了食堂。"]
    frame, cands = frame_and_candidates("社区为什么给孩子们提供活动场所?", texts, [0.3, 0.8, 0.2])
    held = {c.sentence.text: c.holds["reason"] for c in cands}
    assert held == {texts[0]: 1.0, texts[1]: answer.NEXT_DOOR, texts[2]: 0.0}
    assert confidence(frame, cands) == pytest.approx(0.8)  # the best sentence passes through its neighbour: no penalty
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert (first.start, first.text) == (0, texts[0] + texts[1] + texts[2])  # the cause, the sentence, its continuation
    _, cands = frame_and_candidates("社区提供了什么?", texts, [0.3, 0.8, 0.2])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[1]  # no why: the sentence alone


def test_a_value_of_something_else_lowers_confidence_by_the_measured_penalty():
    # The article gives the company's bags and workshop, never its 注册资本: a near miss, not an answer.
    texts = ["村里注册成立了裕阳振农包装制品有限公司,新建600平方米车间,年产包装袋200万条。", "公司带动村民就业。"]
    stated = [texts[0].replace("新建600平方米车间", "注册资本300万元"), texts[1]]
    question = "裕阳振农包装制品有限公司的注册资本是多少?"
    conf = {}
    for penalty in (0.0, 0.2):
        answer.use_params({**answer.PARAMS, "checks": {**answer.PARAMS["checks"], "measured": {"bonus": 0.0, "penalty": penalty}}})
        conf[penalty] = [confidence(*frame_and_candidates(question, t, [0.7, 0.5])) for t in (texts, stated)]
    assert analyse(question).measured == ("注册资本",)
    assert conf[0.2][0] == pytest.approx(conf[0.0][0] - 0.2)  # no value of it anywhere
    assert conf[0.2][1] == pytest.approx(conf[0.0][1])  # the best sentence states it


def test_a_why_or_how_question_ranks_the_articles_body_above_its_lede_and_keeps_its_confidence():
    """News opens with who, what, when and where, and tells why and how after: for such a question a
    sentence of the body gains the body bonus, the article's first sentence does not. The first
    sentence of the next article in the file is a lede again. The confidence does not move."""
    texts = ["今年,某旗启动牧区饮水安全工程。", "工程分三期实施,先打深井再铺管网。",  # article 1
             "某镇举办那达慕大会。", "大会设赛马、摔跤等项目。"]  # article 2, same file
    sentences, start = [], 0
    for i, t in enumerate(texts):
        sentences.append(Passage("a.txt", "饮水工程" if i < 2 else "那达慕", "", start, start + len(t), t))
        start += len(t)
    store = sentence_store(sentences, np.eye(len(texts), dtype=np.float32))
    hits = [Hit(texts[0] + texts[1], "a.txt", 0, len(texts[0] + texts[1]), "饮水工程", 1.0),
            Hit(texts[2] + texts[3], "a.txt", sentences[2].start, start, "那达慕", 0.5)]
    vector = np.array([0.70, 0.65, 0.3, 0.2], dtype=np.float32)
    how = analyse("某旗牧区饮水安全工程是怎样实施的?")
    before = candidates(hits, store, vector, how)
    assert {c.sentence.text: c.holds["body"] for c in before} == {texts[0]: 0.0, texts[1]: 1.0, texts[2]: 0.0, texts[3]: 1.0}
    scores, relevances, conf = [c.score for c in before], [c.relevance for c in before], confidence(how, before)
    params, _ = answer.read_params("answer-v0.json")
    params["checks"]["body"] = {"bonus": 0.1, "penalty": 0.0}
    answer.use_params(params)
    after = candidates(hits, store, vector, how)
    assert [a.score - s for a, s in zip(after, scores)] == pytest.approx([0.1 * b.holds["body"] for b in before])
    assert [a.relevance for a in after] == relevances  # what the confidence's checks look at
    assert confidence(how, after) == pytest.approx(conf)
    assert "body" not in candidates(hits, store, vector, analyse("某旗启动了什么工程?"))[0].holds  # not asked


def test_a_how_question_ranks_a_measure_above_the_frame_and_keeps_its_confidence():
    """The means bonus lifts a sentence telling a measure over the framing sentence, scaled by how far
    each tells one; it is a score only, as the body bonus is."""
    texts = ["今年以来,某旗坚持以组织振兴为抓手,推行党员示范服务新模式。", "同时,采取积分制的方式激励党员。",
             "全旗共有党员3000名。"]
    sentences, start = [], 0
    for t in texts:
        sentences.append(Passage("a.txt", "示范服务", "", start, start + len(t), t))
        start += len(t)
    store = sentence_store(sentences, np.eye(len(texts), dtype=np.float32))
    hits = [Hit("".join(texts), "a.txt", 0, start, "示范服务", 1.0)]
    vector = np.array([0.75, 0.6, 0.5], dtype=np.float32)
    how = analyse("某旗用什么办法激励党员参与示范服务?")
    params, _ = answer.read_params("answer-v0.json")
    params["checks"]["means"] = {"bonus": 0.0, "penalty": 0.0}
    answer.use_params(params)
    before = candidates(hits, store, vector, how)
    assert {c.sentence.text: c.holds["means"] for c in before} == {texts[0]: 0.0, texts[1]: 1.0, texts[2]: 0.5}
    scores, conf = [c.score for c in before], confidence(how, before)
    best_before = max(before, key=lambda c: c.score).sentence.text
    params["checks"]["means"] = {"bonus": 0.3, "penalty": 0.0}
    answer.use_params(params)
    after = candidates(hits, store, vector, how)
    assert [a.score - s for a, s in zip(after, scores)] == pytest.approx([0.0, 0.3, 0.15])
    assert (best_before, max(after, key=lambda c: c.score).sentence.text) == (texts[0], texts[1])
    assert confidence(how, after) == pytest.approx(conf)
    assert "means" not in candidates(hits, store, vector, analyse("某旗为什么推行新模式?"))[0].holds  # a why-question


def test_article_openers_read_a_sentence_before_that_is_no_candidate_and_stop_at_a_files_start():
    texts = ["甲文第一句。", "甲文第二句。", "乙文第一句。", "乙文第二句。"]
    sentences = [Passage("a.txt" if i < 2 else "b.txt", "标题", "", 0 if i % 2 == 0 else 6, 6 if i % 2 == 0 else 12, t)
                 for i, t in enumerate(texts)]
    store = sentence_store(sentences, np.eye(4, dtype=np.float32))
    assert answer.article_openers([1, 2, 3], sentences[1:], store) == {2}  # same title, but another file
    assert answer.article_openers([1], sentences[1:2], store) == set()  # its lede, read from the store, is no candidate
    assert answer.article_openers([0, 3], [sentences[0], sentences[3]], store) == {0}


def test_a_sentence_that_restates_the_question_is_quoted_with_its_neighbours():
    texts = ["星系按形状分为几类。", "历史上星系是依据形状分类的。", "椭圆星系最为普通。", "天文学家还研究星系的演化。"]
    question = "历史上星系是依据形状分类的,哪种星系最普通?"
    _, cands = frame_and_candidates(question, texts, [0.4, 0.8, 0.3, 0.2])
    assert answer.restates(next(c for c in cands if c.sentence.text == texts[1]))
    first = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert (first.start, first.text) == (0, texts[0] + texts[1] + texts[2])  # the answer is told next to it
    _, cands = frame_and_candidates("历史上星系是依据形状分类的吗?", texts, [0.4, 0.8, 0.3, 0.2])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[1]  # yes or no: the sentence says it
    _, cands = frame_and_candidates("哪种星系最为普通?", texts, [0.2, 0.3, 0.8, 0.4])
    assert select_quotes(cands, 1.0, min_confidence=0.0)[0].text == texts[2]  # 椭圆 is new: it answers alone


def test_a_how_answer_in_the_next_paragraph_joins_the_quote_verbatim():
    """News goes on from paragraph to paragraph: the problem in one, what was done about it in the
    next. A store that keeps the whitespace between sentences lets the quote cross the break, as a
    slice of the file; one built without it (older indexes) keeps each paragraph apart."""
    paragraphs = ["老人把银行卡密码忘记了,就拨通了信用社的咨询电话。", "工作人员上门为老人办理好密码重置业务。"]
    text = paragraphs[0] + "\n\n\u3000\u3000" + paragraphs[1]
    second = text.index(paragraphs[1])
    sentences = [Passage("a.txt", "t", "", 0, len(paragraphs[0]), paragraphs[0]),
                 Passage("a.txt", "t", "", second, len(text), paragraphs[1])]
    hits = [Hit(text, "a.txt", 0, len(text), "t", 1.0)]
    frame = analyse("信用社是怎么帮老人办的?")
    vector = np.array([0.8, 0.5], dtype=np.float32)
    quoted = {}
    for kept in (True, False):
        store = sentence_store(sentences, np.eye(2, dtype=np.float32), text=text if kept else None)
        assert store.gaps_before([0, 1]) == ({1: "\n\n\u3000\u3000"} if kept else {})
        cands = candidates(hits, store, vector, frame)
        assert "means" in cands[0].holds  # a how-question: the quote goes on to the next sentence
        quoted[kept] = select_quotes(cands, 1.0, min_confidence=0.0)[0]
    assert (quoted[True].start, quoted[True].end) == (0, len(text))
    assert quoted[True].text == text[quoted[True].start:quoted[True].end]
    assert quoted[False].text == paragraphs[0]
    kept = sentence_store(sentences, np.eye(2, dtype=np.float32), text=text)
    alone = select_quotes(candidates(hits, kept, np.array([0.1, 0.9], dtype=np.float32), frame), 1.0, min_confidence=0.0)
    assert alone[0].text == paragraphs[1] and alone[0].start == second  # never opens on the break
