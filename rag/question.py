"""What a question asks for: a quantity or a date, the unit and what it counts, and its focus.

Classic answer-type checks. A question asking "多少户" is answered only by a sentence that
states a number of households; "支队长是谁" only by text that mentions a 支队长. The
embedding model sees topic, not these details, so a question about a real subject asking for a
detail the archive never gives looks answerable to it; these checks catch many of those.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import normalize, tokenize

NUMBER = "[0-9０-９一二三四五六七八九十百千万两]+"

# The question asks for a number or a date ...
ASKS_QUANTITY = re.compile(r"多少|(?<!哪)几(?!乎)|多长|(?<![很许])多大|多久|哪一?年|何时|什么时候"
                           r"|how (many|much|long|old)|what year|which year|\bwhen\b", re.I)
# ... and a sentence states one (a number followed by a measure word).
STATES_QUANTITY = re.compile(NUMBER + r"\s*[个名人年月日次项家处亩米吨元万%％岁天种类支条余多]")

# ... or, for "when" questions, a date or time ("2015年", "7点", "今年").
ASKS_DATE = re.compile(r"哪一?年|哪一?天|何时|什么时候|\bwhen\b|what year|which year", re.I)
# A clock time needs digits: "三点建议" and "一时间" are no times.
STATES_DATE = re.compile(NUMBER.replace("]", "〇零]") + r"\s*[年月日号]|[0-9０-９]+\s*[时点]|今年|去年|前年|当天|当日|近日|日前")

# "多少户 / 几名 / 多少钱": the unit a quantity question asks for, and the units that state it.
ASKED_UNIT = re.compile(r"(?<!哪)(?:多少|几)\s*(公里|小时|块钱|个|名|位|人|户|元|钱|亩|吨|岁|天|次|处|家|项|米|袋|册|份|场|支|条|所|座|间)")
SAME_UNITS = {"名": ("名", "人", "位"), "位": ("名", "人", "位"), "人": ("名", "人", "位"), "钱": ("元",), "块钱": ("元",)}
# "多少收入 / 工资是多少": an amount of money, stated in 元 (万元, 2万余元) - or, for a change
# ("收入增长了多少"), as a share or a multiple.
_MONEY = "收入|工资|薪酬|价格|票价|奖金|利润|费用|资金|成本|收益|产值|投资|补贴|营业额"
ASKS_MONEY = re.compile(rf"(?:多少|几)\w{{0,3}}(?:{_MONEY})|(?:{_MONEY})\w{{0,3}}(?:是多少|有多少|多少)")
MONEY_UNITS = ("元", "%", "％", "倍", "成")

# The focus noun sits just before "是谁 / 是多少 / 叫什么" or just after "多少 / 几 / 哪" (+ a measure word).
_WORD = r"[\u4e00-\u9fffA-Za-z0-9]"
_MEASURE = "个名位户家些所支份项条种类座处点天句级"
_FOCUS_BEFORE = re.compile(rf"({_WORD}{{2,8}}?)(?:是谁|叫什么|是多少|有多少|是哪|是什么|指什么)")
_FOCUS_AFTER = re.compile(rf"(?:多少|[几哪][一两二三四五六七八九十]?)[{_MEASURE}]*({_WORD}{{2,6}})")
# Words that name no particular thing ("what is the name", "which aspects").
_GENERIC_WORDS = frozenset("时间 名字 东西 地方 方面 情况 问题 工作 活动 单位 人员 内容 方式 办法 措施 作用 意义 "
                           "一共 总共 共有 具体 现在 分别 主要 大概 大约 设施".split())


@dataclass(frozen=True)
class QuestionFrame:
    text: str
    terms: frozenset[str]  # keyword tokens, for lexical overlap with sentences
    wants_quantity: bool
    wants_date: bool
    unit_pattern: re.Pattern | None  # matches a number of the asked unit, when a unit is asked
    unit_noun: str | None  # what is counted: "多少名选手" -> 选手
    focus: tuple[str, ...]  # nouns the answer must mention (all in normalised form)
    role: str | None = None  # "支队长是谁" -> 支队长: who holds it is said only where it is named

    @property
    def asks_value(self) -> bool:
        """A how-many, how-much or when question: only a sentence stating such a value answers."""
        return self.wants_quantity or self.wants_date or self.unit_pattern is not None


def analyse(question: str) -> QuestionFrame:
    folded = normalize(question)  # 幾個 -> 几个, ＧＤＰ -> gdp: the patterns are written for simplified text
    return QuestionFrame(question, frozenset(tokenize(question)), bool(ASKS_QUANTITY.search(folded)),
                         bool(ASKS_DATE.search(folded)), asked_unit_pattern(folded), counted_noun(folded),
                         tuple(focus_nouns(folded)), asked_role(folded))


def asked_unit(question: str) -> re.Match | None:
    """The first "多少/几 + unit" whose unit is a word of its own: in '多少项目' or '多少人口'
    the 项 and 人 begin another word and ask for no unit."""
    for m in ASKED_UNIT.finditer(question):
        if any(start <= m.start(1) < end == m.end(1) for start, end, _, _ in _words(question)):
            return m
    return None


def asked_unit_pattern(question: str) -> re.Pattern | None:
    asked = asked_unit(question)
    if asked:
        units = SAME_UNITS.get(asked.group(1), (asked.group(1),))
    elif ASKS_MONEY.search(question):
        units = MONEY_UNITS
    else:
        return None
    return re.compile(NUMBER + r"\s*(?:多|余)?\s*(?:" + "|".join(map(re.escape, units)) + ")")


_WHO = re.compile(rf"({_WORD}{{2,8}}?)是谁")


def asked_role(question: str) -> str | None:
    """The role a who-question asks about: '阿拉善边境管理支队的支队长是谁' -> 支队长."""
    m = _WHO.search(question)
    if not m:
        return None
    words = [w for _, end, w, _ in _content_words(question) if m.start(1) < end <= m.end(1)]
    return words[-1] if words and len(words[-1]) >= 2 and words[-1] not in _GENERIC_WORDS else None


def counted_noun(question: str) -> str | None:
    """The noun right after the asked unit: '多少名选手参赛' -> 选手, '多少户村民' -> 村民."""
    asked = asked_unit(question)
    if not asked:
        return None
    words = [w for start, _, w, _ in _content_words(question) if start == asked.end()]
    return words[0] if words and len(words[0]) >= 2 and words[0] not in _GENERIC_WORDS else None


def focus_nouns(question: str) -> list[str]:
    """The nouns a question asks about: '门票价格是多少' -> 门票价格, '有多少粉丝' -> 粉丝, '哪家公司' -> 公司."""
    words = _content_words(question)  # segmented as a whole: a fragment alone segments worse

    def inside(m: re.Match) -> list[tuple[str, str]]:
        """Words ending in the group: one that begins before it ('多少村民' -> 村民) counts too."""
        return [(w, flag) for start, end, w, flag in words if m.start(1) < end <= m.end(1)]

    # Before 是谁/是多少: the last word of the phrase, whatever jieba tags it (处长 comes out as a verb).
    found = [ws[-1][0] for m in _FOCUS_BEFORE.finditer(question) if (ws := inside(m))]
    # After 多少/几/哪: the first word, a thing ('哪家公司' -> 公司) or an event ('哪一年加入' -> 加入):
    # a date of some other event does not answer.
    found += [ws[0][0] for m in _FOCUS_AFTER.finditer(question) if (ws := inside(m))]
    return [w for w in dict.fromkeys(found) if w not in _GENERIC_WORDS and len(w) >= 2]


# Parts of speech that never name the thing asked about: particles, adverbs, prepositions,
# conjunctions, pronouns, numerals, measure words (jieba's tags).
_FUNCTION_TAGS = ("u", "d", "p", "c", "r", "m", "q", "y", "e", "x")  # but "eng" (a Latin word) names things


_QUESTION_WORD = re.compile(r"多少|[几哪]\w*")


def _words(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, word, part-of-speech tag) of every word, as jieba segments the whole text."""
    out, pos = [], 0
    for word, flag in _pos_words(text):
        out.append((pos, pos + len(word), word, flag))
        pos += len(word)
    return out


def _content_words(text: str) -> list[tuple[int, int, str, str]]:
    """The words that could name a thing: no function words, no question words (哪个, 几, 多少)."""
    return [(start, end, w, flag) for start, end, w, flag in _words(text)
            if (flag == "eng" or not flag.startswith(_FUNCTION_TAGS)) and not _QUESTION_WORD.fullmatch(w)]


@lru_cache(maxsize=4096)
def _pos_words(text: str) -> tuple[tuple[str, str], ...]:
    from jieba import posseg

    from .text import _jieba

    _jieba()  # initialised quietly, once
    return tuple((p.word, p.flag) for p in posseg.lcut(text))


def states_quantity(sentence: str) -> bool:
    return bool(STATES_QUANTITY.search(sentence))


def states_asked_value(frame: QuestionFrame, sentence: str) -> bool:
    """The sentence could answer a how-many or when question: it states a number of the asked
    unit (see states_asked_unit), a date for a when-question, or else some quantity."""
    if frame.unit_pattern is not None:
        return states_asked_unit(frame, sentence)
    return bool((STATES_DATE if frame.wants_date else STATES_QUANTITY).search(sentence))


COUNTED_NEARBY = 4  # characters allowed between the number and what it counts ("网格236个", "283个党组织")


def states_asked_unit(frame: QuestionFrame, sentence: str) -> bool:
    """A number of the asked unit, next to what is counted ("142名民警" or "民警142名" for
    "多少名民警"): "12个单位" in a sentence that also mentions 网格 does not say how many 网格."""
    if frame.unit_pattern is None:
        return False
    text = normalize(sentence)
    for m in frame.unit_pattern.finditer(text):
        if frame.unit_noun is None:
            return True
        reach = COUNTED_NEARBY + len(frame.unit_noun)
        if mentions(frame.unit_noun, text[max(0, m.start() - reach):m.end() + reach]):
            return True
    return False


def names_role(frame: QuestionFrame, texts: list[str]) -> bool:
    """False when a who-question's role appears in none of the texts: then none says who holds it."""
    return frame.role is None or mentions(frame.role, normalize("\n".join(texts)))


def mentions_focus(frame: QuestionFrame, texts: list[str]) -> bool:
    """True when every focus noun occurs in the texts (or the question has none)."""
    joined = normalize("\n".join(texts))
    return all(mentions(noun, joined) for noun in frame.focus)


def mentions(noun: str, normalised_text: str) -> bool:
    """The noun occurs, or for a Chinese noun its last two characters: Chinese compounds end in
    their head (支队长 -> 队长, 局局长 -> 局长), and segmentation splits compounds unpredictably."""
    if noun in normalised_text:
        return True
    return len(noun) > 2 and bool(_CJK.match(noun[-2:])) and noun[-2:] in normalised_text


_CJK = re.compile(r"[\u4e00-\u9fff]{2}")
