"""What a question asks for: quantity, unit and focus noun."""
from __future__ import annotations

import pytest

from rag.question import analyse, focus_nouns, mentions_focus, states_asked_unit, states_quantity


@pytest.mark.parametrize("question, nouns", [
    ("八龙湾大峡谷景区的门票价格是多少?", ["门票价格"]),
    ("阿拉善边境管理支队的支队长是谁?", ["支队长"]),
    ("李军的抖音号一共有多少粉丝?", ["粉丝"]),
    ("赤峰干教学习平台是由哪家公司开发建设的?", ["公司"]),
    ("乌拉特中旗哪位领导说要走出去?", ["领导"]),
    ("乌兰察布市委组织部常务副部长叫什么名字?", ["部长"]),  # not 名字: it names nothing in particular
    ("How many tourists visited?", []),
])
def test_focus_nouns(question, nouns):
    assert focus_nouns(question) == nouns


def test_asked_unit_accepts_equivalent_units():
    frame = analyse("有多少名民警参加?")
    assert states_asked_unit(frame, "142人参加了轮训。") and states_asked_unit(frame, "共有5位民警。")
    assert not states_asked_unit(frame, "建了3个站点。")
    assert analyse("门票价格是多少?").unit_stated is None
    assert states_asked_unit(analyse("一年能多挣多少钱?"), "每年增收2万余元。")


def test_quantity_questions_and_sentences():
    assert analyse("哪一年成立的?").wants_quantity and analyse("how many teams?").wants_quantity
    assert not analyse("谁是书记?").wants_quantity
    assert states_quantity("建了50多个大棚") and not states_quantity("建了大棚")


def test_focus_is_matched_after_normalising_traditional_and_width():
    frame = analyse("景區的門票價格是多少?")
    assert mentions_focus(frame, ["景区门票价格为50元。"])
    assert not mentions_focus(frame, ["景区风景优美。"])
    assert mentions_focus(analyse("谁?"), [])
