"""What a question asks for: a quantity or a date (the unit, what it counts, the dated event),
a person's role, a place, a reason, and its focus noun.

Classic answer-type checks. A question asking "多少户" is answered only by a sentence that
states a number of households; "支队长是谁" only by text that names a 支队长; "在哪个县" only
by a name ending in 县. The embedding model sees topic, not these details, so a question about
a real subject asking for a detail the archive never gives looks answerable to it; these
checks catch most of those (figures: the README and eval/reports).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import (ADMINISTRATIVE_ENDS, AFTER_ASKED_KIND, AGE_UNITS, ALWAYS_UNITS, ASKED_PLACE_KINDS, ASKED_UNITS, ASPECT_VERBS, BARE_TITLES,
                      CAUSE_WORDS, CLASS_NOUNS, CLOCK_MARKS, DATE_MARKS, DATE_WORDS, DATED_FESTIVALS, DEPUTY_TITLE_ENDS, FESTIVAL_TIMES, FESTIVALS, DYNASTIES, DYNASTY_CHARS,
                      DYNASTY_TIME_ENDS, EARNING_VERBS, ENGLISH_COUNTED, ENGLISH_COUNTED_NOUNS, ENGLISH_MEASURED_NOUNS, ENGLISH_MONEY, FOCUS_MEASURES, ADDING_WORDS, FRAMING_INSTANCES, FRAMING_OUTCOMES,
                      FRAMING_ROLES, FRAMING_WORDS, FUNCTION_CHARS, GOAL_VERBS, MEANS_NOUNS, MEANS_VERBS, MEASURE_VERBS, GENERIC_WORDS, GEOLOGICAL_PERIODS, HOW_WORDS, KEYWORD_SLOTS,
                      LIGHT_VERBS, LIST_WORDS, LINKING_CHARS, MONEY_NOUNS, MONEY_UNITS, MORE_TITLE_ENDS, NAMED_BY_USE, NAMING_VERB_ENDS,
                      NO_NAME_BEFORE_TITLE_PLACE, NO_NAME_CHARS, NOT_ADMINISTRATIVE_ENDS, NOT_PLACES, NUMERALS, PARTY_BODIES, PEOPLE_NOUNS,
                      PERSON_ROLE_ENDS, PLACE_KINDS, PROVINCE_NAMES, QUANTITY_MARKS, RATE_NOUNS, RATE_UNITS, REIGN_TIME_END, SAME_EVENTS,
                      SAME_UNITS, SPEECH_VERBS, TIME_UNITS, TITLE_PLACE_ENDS, TITLE_SHORT_FORMS, VERB_COMPLEMENTS, WENT_WRONG_NOUNS,
                      WHERE_AFTER_WHICH_SOME)
from .text import normalize, tokenize

NUMBER = f"[{NUMERALS}]+"


def _any(words) -> str:
    """An alternation of the words, in the order given (the first that matches wins)."""
    return "|".join(words)

# The question asks for a number or a date ...
ASKS_QUANTITY = re.compile(r"多少|(?<!哪)几(?![乎何])|多长|(?<![很许])多大|多久|哪一?年|何时|什么时候"
                           r"|how (many|much|long|old)|what year|which year|\bwhen\b", re.I)
# ... and a sentence states one (a number followed by a measure word).
STATES_QUANTITY = re.compile(NUMBER + rf"\s*[{QUANTITY_MARKS}]|分之" + NUMBER)

# ... or, for "when" questions, a date or time ("2015年", "7点", "今年").
ASKS_DATE = re.compile(r"哪一?年|哪一?天|何时|什么时候|\bwhen\b|what year|which year", re.I)
# A clock time needs digits: "三点建议" and "一时间" are no times. A period of history dates too (lexicon).
STATES_DATE = re.compile(NUMBER.replace("]", "〇零]") + rf"\s*[{DATE_MARKS}]|[0-9０-９]+\s*[{CLOCK_MARKS}]|"
                         + _any(DATE_WORDS + DYNASTIES + GEOLOGICAL_PERIODS) + rf"|[{DYNASTY_CHARS}][{DYNASTY_TIME_ENDS}]"
                         + rf"|[\u4e00-\u9fff]{{2}}{REIGN_TIME_END}|" + NUMBER + r"\s*世纪|" + _any(FESTIVALS)
                         + f"|(?:{_any(DATED_FESTIVALS)})[”\"’']?(?:节|{_any(FESTIVAL_TIMES)})")  # “七一”前夕
# "排名第几 / 第几大": a rank, stated as an ordinal ("第二大", "第五").
ASKS_ORDINAL = re.compile(r"第几")
STATES_ORDINAL = re.compile("第" + NUMBER)

# "多少户 / 几名 / 多少钱": the unit a quantity question asks for, and the units that state it.
# The unit list's "a" is the A of "几A级景区", folded: a unit only before 级.
ASKED_UNIT = re.compile(r"(?<!哪)(?:多少|几)\s*(" + _any(u for u in ASKED_UNITS if u != "a") + r"|a(?=级))")
# "多大年纪 / 几岁 / 年龄": an age, stated in 岁.
ASKS_AGE = re.compile(r"多大年纪|多大岁数|年龄|年纪多大|how old", re.I)
# "多少收入 / 工资是多少": an amount of money, stated in 元 (万元, 2万余元) - or, for a change
# ("收入增长了多少"), as a share or a multiple.
_MONEY = _any(MONEY_NOUNS)
ASKS_MONEY = re.compile(rf"(?:多少|几)\w{{0,3}}(?:{_MONEY})|(?:{_MONEY})\w{{0,3}}(?:是多少|有多少|多少)"
                        rf"|(?:{_any(EARNING_VERBS)})[了到得]?多少")  # 能挣多少, 赚了多少
# "满意率是多少 / 占比多少": a share, stated in % (or 成, or as a fraction: 百分之三十, 四分之三).
ASKS_RATE = re.compile(r"(?:率(?![领先队])|" + _any(RATE_NOUNS) + r")\w{0,3}多少|多少(?:" + _any(RATE_NOUNS) + ")")  # 率领多少党员 counts people
# "接待多少游客 / 常住人口有多少": a number of people, stated in 人/名/位 next to who is counted.
# People before 多少 are counted only when 多少 asks for no amount of money or share of its own:
# "干部每人能拿多少奖金" asks for money, not for how many 干部.
_PEOPLE = _any(PEOPLE_NOUNS)
ASKS_PEOPLE = re.compile(rf"多少({_PEOPLE})|({_PEOPLE})\w{{0,4}}?多少(?![名位个人户元钱]|{_MONEY}|{_any(RATE_NOUNS)})")

# The focus noun sits just before "是谁 / 是多少 / 叫什么" or just after "多少 / 几 / 哪" (+ a measure word).
_WORD = r"[\u4e00-\u9fffA-Za-z0-9]"
_MEASURE = FOCUS_MEASURES
_FOCUS_BEFORE = re.compile(rf"({_WORD}{{2,8}}?)(?:是谁|叫什么|是多少|有多少|是哪|是什么|指什么)")
# "门票多少钱 / 人口多少": a noun right before 多少 is what is measured (a verb there, 拿到多少, is the event).
_FOCUS_BARE = re.compile(rf"({_WORD}{{2,8}}?)多少")
_FOCUS_AFTER = re.compile(rf"(?:多少|[几哪][一两二三四五六七八九十]?)[{_MEASURE}]*({_WORD}{{2,6}})")
# Words that name no particular thing ("what is the name", "which aspects").
_GENERIC_WORDS = GENERIC_WORDS


@dataclass(frozen=True)
class QuestionFrame:
    text: str
    terms: frozenset[str]  # keyword tokens, for lexical overlap with sentences
    wants_quantity: bool
    wants_date: bool
    unit_pattern: re.Pattern | None  # matches a number of the asked unit, when a unit is asked
    counted: tuple[str, ...]  # what the asked unit counts: "多少名选手" -> 选手
    focus: tuple[str, ...]  # nouns the answer must mention (all in normalised form)
    role: str | None = None  # "支队长是谁" -> 支队长: who holds it is said only where it is named
    role_place: str | None = None  # "巴林左旗的旗委书记" -> 林左旗: the holder must be named with the place
    event: str | None = None  # "哪一年成立" -> 成立: a date answers only next to the event it dates
    wants_place: bool = False  # "在哪里举办 / 哪个社区": only a sentence naming a new place answers
    wants_reason: bool = False  # "为什么 / 因为什么": only a sentence giving a cause or purpose answers
    action: tuple[str, ...] = ()  # "怎么计算 / 如何兑换" -> 计算: how it is done is told where it is named
    # The question normalised (rag.text.normalize), as every check reads it; as written, where a keyword
    # query's slot nouns (数量, 成立时间) are read into the other fields as questions (slot_questions).
    folded: str = ""
    place_kinds: str | None = None  # "哪个县" -> "县|旗": the kinds of name that answer a where-question
    # Proper names the question mentions ("凡尔赛条约中…" -> 凡尔赛; see asked_names), less its focus:
    # the kind of thing asked for is the answer's category, which the answer need not repeat, even
    # where jieba tags it as a name; the focus check weighs it.
    names: tuple[str, ...] = ()
    wants_ordinal: bool = False  # "排名第几 / 第几大": a rank, stated as an ordinal ("第二大")
    measured: tuple[str, ...] = ()  # "注册资本是多少" -> 注册资本: a value answers only next to what it measures
    wants_list: bool = False  # "有哪些 / 哪几方面": several things, which news lists after a lead sentence
    pinned: frozenset[str] = frozenset()  # "2021年的产值 / 第十五届": only text naming that year or edition answers
    places: tuple[str, ...] = ()  # "苏尼特右旗…": administrative places named, which an answer's passage names too
    asks_for_something: bool = False  # a question word ("哪一家报纸", "谁"): the answer is something it lacks
    # "How many police officers" -> 民警, 警察, …: what an English question counts, in Chinese. A guess
    # from a table, so it ranks sentences (the unit check) and never gates the value.
    counted_in_english: tuple[str, ...] = ()
    # “四室一站”都包括什么 -> 四室一站: the number abbreviations a question asks to have spelled out (a what
    # or which question, not how many, where, why or who).
    abbreviations: tuple[str, ...] = ()
    # 《使琉球录》的作者是谁 -> 使琉球录; 由NASA发射 -> nasa: the titles and terms the question quotes and
    # the Latin words of a Chinese question, which text telling of them writes as they are.
    verbatim: tuple[str, ...] = ()
    # 采取了哪些措施提高通关效率 -> 通关效率: what a how-question's measures serve, its goal's head noun.
    goal: str = ""
    # 阿拉巴马州的州花是什么 -> 阿拉, 拉巴, …, 州花: the pairs of characters the question is made of, less its
    # question and function words (content_pairs), which the quote that answers repeats.
    pairs: frozenset[str] = frozenset()

    @property
    def asks_value(self) -> bool:
        """A how-many, how-much or when question: only a sentence stating such a value answers."""
        return self.wants_quantity or self.wants_date or self.unit_pattern is not None


QUESTION_MARKS = "？?"
MIN_PART_CHARS = 4  # a shorter question ('是哪个?') asks nothing alone: it stays with the one before


def stands_alone(part: str) -> bool:
    """A question of a longer message that can be asked on its own: it names the place or the person,
    thing or body it asks about. One that names none leaves them to the question before it
    ('…设立了驻包党群服务中心?外出流动人口有多少?'), and asked alone it is about any of them."""
    frame = analyse(part)
    return bool(frame.names or frame.places)


def question_parts(text: str) -> list[str]:
    """The questions of a message that asks several ('旗委书记是谁?该镇的党委书记又是谁?'), each
    with its question mark; one part when it asks one."""
    parts: list[str] = []
    for part in re.split(f"(?<=[{QUESTION_MARKS}])", text):
        part = part.strip()
        if not part.strip(QUESTION_MARKS):
            continue
        if parts and len(part.strip(QUESTION_MARKS)) < MIN_PART_CHARS:
            parts[-1] += part
        else:
            parts.append(part)
    return parts or [text]


@lru_cache(maxsize=1024)  # a frame is immutable; a compound message's parts are read twice (stands_alone, then answered)
def analyse(question: str) -> QuestionFrame:
    written = full_titles(normalize(question))  # 幾個 -> 几个, ＧＤＰ -> gdp: the patterns are written for simplified text
    folded = slot_questions(written)  # the checks read a keyword query as the question it stands for
    role, focus = asked_role(folded), tuple(focus_nouns(folded))
    english_measured = english_measured_nouns(folded)  # 'What is the population…' asks a quantity, as 人口多少 does
    quantity = bool(ASKS_QUANTITY.search(folded) or english_measured)
    date, reason = bool(ASKS_DATE.search(folded)), asks_reason(folded)
    return QuestionFrame(question, frozenset(tokenize(question)), quantity,
                         date, asked_unit_pattern(folded), counted_nouns(folded),
                         focus, role, role and role_place(folded, role), dated_event(folded),
                         bool(ASKS_PLACE.search(folded) or ASKS_PLACE_KIND.search(folded))
                         and not NOT_WHERE.search(folded),
                         reason, asked_action(folded), written, asked_place_kinds(folded),
                         tuple(name for name in asked_names(without_qualifier(folded)) if name not in focus),
                         wants_ordinal=bool(ASKS_ORDINAL.search(folded)), wants_list=bool(ASKS_LIST.search(folded)),
                         pinned=pins(folded), places=named_places(folded), asks_for_something=bool(ASKS_FOR.search(folded)),
                         # A when-question's date is held to its event instead (dated_event): '哪一年问世'.
                         measured=measured_nouns(folded) + english_measured if quantity and not date else (),
                         counted_in_english=english_counted_nouns(folded),
                         abbreviations=named_abbreviations(folded)
                         if not (quantity or date or reason or ASKS_PLACE.search(folded) or role) else (),
                         verbatim=verbatim_terms(folded), goal=asked_goal(folded) if not reason else "",
                         pairs=content_pairs(folded))


# A keyword query names what it seeks with a noun where a question has its question word ('技术服务站
# 数量', '国门护卫队 成立时间', '季季评 考核方式'): each such word of the query, read as the question it
# stands for (KEYWORD_SLOTS).
_SLOT = re.compile(f"^(.*?)({_any(sorted(KEYWORD_SLOTS, key=len, reverse=True))})$")


def slot_questions(folded: str) -> str:
    """A keyword query (words between spaces, no question word) with each word that ends in a slot
    noun put as the question it stands for ('成立时间' -> '什么时候成立'); any other text as it is."""
    words = folded.split()
    if len(words) < 2 or _ASKS.search(folded):
        return folded
    read: list[str] = []
    for w in words:
        if not (m := _SLOT.match(w)):
            read.append(w)
        elif m.group(1) or not read:
            read.append(KEYWORD_SLOTS[m.group(2)].format(m.group(1)))
        else:  # a bare slot noun asks about the word before it: '技术服务站 数量' is 技术服务站的数量
            read[-1] = KEYWORD_SLOTS[m.group(2)].format(read[-1])
    return " ".join(read)


def content_pairs(folded: str) -> frozenset[str]:
    """The pairs of adjacent Chinese characters in the question less its question words, where no
    character is a function word ('阿拉巴马州的州花是什么?' -> 阿拉 拉巴 巴马 马州 州花). Pairs, not jieba
    words: jieba splits names and rare nouns unpredictably (州花 -> 州/花)."""
    runs = _CJK_WORD.findall(ASKS_FOR.sub(" ", folded))
    return frozenset(p for run in runs for i in range(len(run) - 1) if not set(p := run[i:i + 2]) & FUNCTION_CHARS)


# Not inside a longer title: the 支书 of 党总支书记 is no short form.
_SHORT_TITLE = re.compile(f"(?:{_any(TITLE_SHORT_FORMS)})(?![记员])")


def full_titles(folded: str) -> str:
    """The question with short forms of titles written out as articles write them (村支书 ->
    村党支部书记), so the role, focus and name checks look for the article's words."""
    return _SHORT_TITLE.sub(lambda m: TITLE_SHORT_FORMS[m.group()], folded)


# A question word asks for something the question does not say; "…吗?" and "是否…" ask yes or no.
ASKS_FOR = re.compile(r"什么|谁|哪|几|多少|怎|如何|为何|何时|何地|何处|何人|\b(?:what|who|which|where|when|how|why)\b", re.I)
# A Chinese question says it asks: a question word, a question particle or a question mark.
_ASKS = re.compile(r"[?？吗呢]|什么|谁|哪|几|多少|怎|如何|为何|何时|何地|何处|何人|是否")
_LATIN = re.compile(r"[A-Za-z]")
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")


def written_in_english(question: str) -> bool:
    """More Latin letters than Chinese characters outside what the question quotes: 「Early
    cultivators of science in Japan」是谁的论文 is a Chinese question about an English title."""
    unquoted = _QUOTED.sub("", question)
    text = unquoted if _LATIN.search(unquoted) or _CJK_CHAR.search(unquoted) else question
    return len(_LATIN.findall(text)) > len(_CJK_CHAR.findall(text))


def question_kind(frame: QuestionFrame) -> str:
    """'english' (see written_in_english), 'keywords' (Chinese words with nothing
    that asks: '阿拉善右旗 五送 送什么' asks, '新城区 雁阵效应' does not), 'why-how' (a cause or a way
    asked) or 'fact'. Their answers match the question in different measure: a reason or a method
    adds what the question lacks, keywords carry no question's words, and English meets Chinese
    across languages, so each kind's confidence runs at its own height."""
    if written_in_english(frame.text):
        return "english"
    if not _ASKS.search(frame.folded):
        return "keywords"
    return "why-how" if frame.wants_reason or frame.action or ASKS_HOW.search(frame.folded) else "fact"


class Sentence:
    """A candidate sentence as the checks read it: as written (quantities, dates and cause words
    are matched there, as before normalising) and normalised, once (names, roles, places, nouns)."""

    __slots__ = ("text", "_folded", "opens_article")

    def __init__(self, text: str, opens_article: bool = False):
        self.text, self._folded = text, None
        self.opens_article = opens_article  # the article's first sentence, its lede (set where known)

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = normalize(self.text)
        return self._folded


def read(sentence: str | Sentence) -> Sentence:
    return sentence if isinstance(sentence, Sentence) else Sentence(sentence)


def _folded_join(texts: list) -> str:
    return "\n".join(read(t).folded for t in texts)


def asked_unit(question: str) -> re.Match | None:
    """The first "多少/几 + unit" whose unit is a word of its own: in '多少项目' or '多少人口'
    the 项 and 人 begin another word and ask for no unit."""
    for m in ASKED_UNIT.finditer(question):
        own_word = any(start <= m.start(1) < end == m.end(1) for start, end, _, _ in _words(question))
        if own_word or m.group(1) in ALWAYS_UNITS:
            return m
    return None


# "How many farming and herding households have…": the counted noun is among the words after "how
# many", before the verb or preposition that closes the phrase.
_ENGLISH_HOW_MANY = re.compile(r"\bhow many\s+([a-z\s-]+)", re.I)
_ENGLISH_PHRASE_ENDS = frozenset("have has had did do does are were was is will would can could in at on for to from by "
                                 "with that who".split())
# "What is the total population of…", "What monthly salary…": a value noun after what / how much asks
# for a quantity, as 多少 does in Chinese; up to two qualifiers may stand between ('the total annual
# budget'), but no verb phrase ('what happened to the population').
ENGLISH_ASKS_MEASURE = re.compile(r"\b(?:what|how much)(?:'s|\s+(?:is|was|are|were))?(?:\s+(?:the|its|their|his|her|a|an))?"
                                  rf"(?:\s+[a-z-]+){{0,2}}?\s+({_any(ENGLISH_MEASURED_NOUNS)})\b", re.I)
ENGLISH_ASKS_MONEY = re.compile(rf"\bhow much\s+(?:[a-z-]+\s+){{0,2}}?(?:{_any(ENGLISH_MONEY)})\b", re.I)


def english_counted_words(question: str) -> list[str]:
    """The words of an English how-many question's counted phrase ('How many Party members and cadres
    in Chifeng…' -> party, members, and, cadres), up to six, ending where the phrase ends."""
    m = _ENGLISH_HOW_MANY.search(question)
    words = []
    for word in (m.group(1).lower().split()[:6] if m else ()):
        if word in _ENGLISH_PHRASE_ENDS:
            break
        words.append(word)
    return words


def english_measured_nouns(question: str) -> tuple[str, ...]:
    """The Chinese nouns for what an English question measures ('What is the population of…' -> 人口)."""
    m = ENGLISH_ASKS_MEASURE.search(question)
    return ENGLISH_MEASURED_NOUNS[m.group(1).lower()] if m else ()


def english_counted_units(question: str) -> tuple[str, ...]:
    """The Chinese measure words for what an English how-many question counts ('How many households
    have…' -> 户, 家), or none."""
    return next((ENGLISH_COUNTED[w] for w in english_counted_words(question) if w in ENGLISH_COUNTED), ())


def english_counted_nouns(question: str) -> tuple[str, ...]:
    """The Chinese nouns for what an English how-many question counts ('How many police officers' ->
    民警, 警察, …), or none: every counted word's (members and cadres)."""
    return tuple(dict.fromkeys(noun for w in english_counted_words(question) for noun in ENGLISH_COUNTED_NOUNS.get(w, ())))


def asked_unit_pattern(question: str) -> re.Pattern | None:
    asked = asked_unit(question)
    if asked:
        units = SAME_UNITS.get(asked.group(1), (asked.group(1),))
    elif ASKS_AGE.search(question):
        units = AGE_UNITS
    elif ASKS_RATE.search(question):
        return re.compile(NUMBER + r"\s*(?:" + _any(RATE_UNITS) + ")|" + NUMBER + "分之" + NUMBER)
    elif ASKS_MONEY.search(question):
        units = MONEY_UNITS
    elif ASKS_PEOPLE.search(question):
        units = SAME_UNITS["人"]
    elif english := english_counted_units(question):
        units = english
    elif ENGLISH_ASKS_MONEY.search(question):
        units = MONEY_UNITS
    else:
        return None
    return re.compile(NUMBER + r"\s*(?:多|余)?\s*(?:" + "|".join(map(re.escape, units)) + ")")


_BARE_TITLES = BARE_TITLES
# "是谁" asks for a person; "叫什么(名字)" asks for one only after a person's title
# ("党总支书记叫什么"), not after a thing ("那份文件叫什么名字", "企业叫什么").
_WHO = re.compile(rf"({_WORD}{{2,8}}?)(?:是谁|叫什么)")
# Roles held by one person, whose name the article gives next to the role ("党总支书记高雪芹说").
PERSON_ROLE = re.compile(f"(?:{_any(PERSON_ROLE_ENDS)})$")


def asked_role(question: str) -> str | None:
    """The role a who-question asks about: '阿拉善边境管理支队的支队长是谁' -> 支队长."""
    m = _WHO.search(question)
    if not m or len([part for part in re.split(r"[?？]", question) if part.strip()]) > 1:
        return None  # a two-part question may be answered in part: quotes for the other part still help
    words = [(start, w) for start, end, w, _ in _content_words(question) if m.start(1) < end <= m.end(1)]
    if not words or len(words[-1][1]) < 2 or words[-1][1] in _GENERIC_WORDS:
        return None
    start, role = words[-1]
    if question[start - 1:start] == "副":
        role = "副" + role  # 常务副部长 -> 副部长: jieba splits 副 off
    elif role in _BARE_TITLES and len(words) > 1 and words[-2][0] + len(words[-2][1]) == start:
        role = words[-2][1] + role  # 党支部书记, 组织部部长, 旗委书记: whose 书记, not any 书记
    if "是谁" in m.group() and not re.match(r"[\u4e00-\u9fff]", question[m.end():]):
        return role  # '支队长是谁?': whoever the noun is, it names a person's place
    return role if PERSON_ROLE.search(role) else None  # '这想法是谁提出的': 谁 proposed it; 想法 is no role


_PLACE_END = _any(TITLE_PLACE_ENDS)
_NO_NAME = NO_NAME_CHARS  # 全县, 该村, 各社区 name no place
_NO_NAME_IN_ROLE_PLACE = NO_NAME_BEFORE_TITLE_PLACE  # '意见的社区', '当地社区' name no place either


def role_place(question: str, role: str) -> str | None:
    """The place whose officer a who-question asks about, when named right before the role:
    '巴林左旗的旗委书记' -> 林左旗, '赤峰市委书记' -> 赤峰市 (two characters and the kind of place;
    jieba splits such names unpredictably)."""
    head = question[:max(question.find(role), 0)].removesuffix("的")
    if re.match(f"(?:{_PLACE_END})委", role) and not re.search(f"(?:{_PLACE_END})$", head):
        head += role[0]  # 赤峰 + 市委书记: the 市 is the place's
    m = re.search(f"[\u4e00-\u9fff]{{2}}(?:{_PLACE_END})$", head)
    return m.group() if m and not set(m.group()[:2]) & _NO_NAME_IN_ROLE_PLACE else None


# "哪一年成立 / 什么时候举行 / 何时开通": the verb right after the when-words names the event.
_WHEN_EVENT = re.compile(r"(?:什么时候|何时|哪一?年|哪一?天|哪个月|几月几[日号])\s*([\u4e00-\u9fff]{2,6})")
_SAME_EVENTS = SAME_EVENTS  # reporters vary the verb: 举行 in the question is 召开 in the article
_ASPECT_VERBS = ASPECT_VERBS  # they say that something begins or goes on, not what happens


def dated_event(question: str) -> str | None:
    """The event a when-question dates: its first verb of two or more characters after the
    when-words ('是哪一年加入中国共产党的' -> 加入). Nouns there ('哪一年在内蒙古…') are skipped."""
    m = _WHEN_EVENT.search(question)
    if not m:
        return None
    words = [(w, flag) for start, end, w, flag in _content_words(question) if m.start(1) <= start and end <= m.end(1)]
    for i, (word, flag) in enumerate(words):
        # '哪一年开始动工', '哪一年时开始参加': 开始 says when it began, not what happened; the word
        # after it is the event, whatever jieba tags it (动工: n).
        if word not in _ASPECT_VERBS and (flag.startswith("v") or i and words[i - 1][0] in _ASPECT_VERBS):
            return word if len(word) >= 2 and word not in _GENERIC_WORDS else None
    return None


def mentions_event(event: str, normalised_text: str) -> bool:
    same = next((group for group in _SAME_EVENTS if event in group), (event,))
    return any(mentions(verb, normalised_text) for verb in same)


def counted_nouns(question: str) -> tuple[str, ...]:
    """What the asked unit counts: the first word and the last noun of the phrase after it
    ('多少名学员结束了培训' -> 学员; '多少个干事创业好班子' -> 干事, 班子): reporters put the number
    next to either ('干事创业好班子12个')."""
    asked = asked_unit(question)
    if not asked and not ASKS_MONEY.search(question) and (people := ASKS_PEOPLE.search(question)):
        return (people.group(1) or people.group(2),)
    if not asked or asked.group(1) in TIME_UNITS:  # '过了几年成立' counts years, not 成立
        return ()
    phrase = []
    for start, _, word, flag in _words(question):
        if start < asked.end():
            continue
        if flag.startswith(_FUNCTION_TAGS) and flag != "eng" or flag == "f" or _QUESTION_WORD.fullmatch(word):
            # The phrase ends at punctuation, a particle or the next question word, and at a locative:
            # '多少米之上', '多少人以上' bound the number, they count nothing.
            break
        phrase.append((word, flag))
    nouns = [w for w, flag in phrase[1:] if flag.startswith("n") and flag != "nr" or flag == "l"]  # not a verb (l: 接待户)
    # The first word, unless a verb alone or with just its object ('多少人参加、', '多少人参加培训'
    # count people, not 参加).
    verb_alone = bool(phrase) and phrase[0][1] == "v" and (
        len(phrase) == 1 or len(phrase) == 2 and phrase[1][1] in ("n", "vn"))
    first = [] if verb_alone else [w for w, _ in phrase[:1]]
    ends = dict.fromkeys(first + nouns[-1:])
    return tuple(w for w in ends if len(w) >= 2 and w not in _GENERIC_WORDS)


def focus_nouns(question: str) -> list[str]:
    """The nouns a question asks about: '门票价格是多少' -> 门票价格, '有多少粉丝' -> 粉丝, '哪家公司' -> 公司."""
    return [noun.word for noun in asked_nouns(question) if noun.word not in _GENERIC_WORDS | CLASS_NOUNS
            and len(noun.word) >= 2]


@dataclass(frozen=True)
class AskedNoun:
    word: str
    tag: str  # jieba's part of speech
    before_measured: bool = False  # right before 多少 and another noun after it ('帝国多少比例')


@lru_cache(maxsize=4096)
def asked_nouns(question: str) -> tuple[AskedNoun, ...]:
    """Each noun next to a question word, once, in order: before 是谁/是多少, bare before 多少,
    after 多少/几/哪 (+ a measure word). Cached: analyse reads them twice, for the focus and for
    what is measured."""
    words = _content_words(question)  # segmented as a whole: a fragment alone segments worse

    def inside(m: re.Match) -> list[tuple[int, int, str, str]]:
        """Words ending in the group: one that begins before it ('多少村民' -> 村民) counts too."""
        return [(start, end, w, flag) for start, end, w, flag in words if m.start(1) < end <= m.end(1)]

    # Before 是谁/是多少: the last word of the phrase, whatever jieba tags it (处长 comes out as a verb),
    # unless a verb ends there: '负责的是哪个小区' asks what comes after 是, '加起来有多少' a sum.
    found = [AskedNoun(ws[-1][2], ws[-1][3]) for m in _FOCUS_BEFORE.finditer(question)
             if (ws := inside(m)) and ws[-1][3] not in ("t", "f") and not ends_verb_phrase(ws[-1], question)]
    after = [(m.start(), noun) for m in _FOCUS_AFTER.finditer(question) if (noun := head_noun(inside(m), m.start(1)))]
    found += [AskedNoun(ws[-1][2], ws[-1][3], any(start == m.end(1) for start, _ in after))
              for m in _FOCUS_BARE.finditer(question) if (ws := inside(m)) and ws[-1][1] == m.end(1)
              and ws[-1][3] in ("n", "nz", "vn")]
    tag = {w: flag for _, _, w, flag in words}
    found += [AskedNoun(noun, tag.get(noun, "n")) for _, noun in after]
    first: dict[str, AskedNoun] = {}
    for noun in found:
        first.setdefault(noun.word, noun)
    return tuple(first.values())


def measured_nouns(question: str) -> tuple[str, ...]:
    """What a how-many or how-much question measures, which a sentence stating its value names
    with it: '注册资本是多少' -> 注册资本, '有多少粉丝' -> 粉丝, '多少名楼栋长' -> 楼栋长. A sum of
    money counts (a company's 200万条 of bags is not its 产值), other classes do not: '面积是多少' is
    answered by '1200平方米'. Nor does the whole a share is taken of ('帝国多少比例')."""
    return tuple(noun.word for noun in asked_nouns(question)
                 if len(noun.word) >= 2 and noun.word not in _GENERIC_WORDS and names_thing(noun.tag)
                 and (noun.word not in CLASS_NOUNS or noun.word in MONEY_NOUNS) and not noun.before_measured)


def ends_verb_phrase(word: tuple[int, int, str, str], question: str) -> bool:
    """The word closes a verb phrase: a verb nominalised by 的 ('负责的'), or a complement ('加起来')."""
    _, end, text, _ = word
    return question[end:end + 1] == "的" and not names_thing(word[3]) or text in VERB_COMPLEMENTS


def head_noun(phrase: list[tuple[int, int, str, str]], start: int) -> str | None:
    """After 多少/几/哪: the noun the phrase opens with. None when it opens with a verb: that is the
    asked event ('哪一年加入'), which the value check holds to its date (dated_event), or a clause
    about the thing ('哪一家位于韩国'); either way no noun the answer must repeat. A word glued to
    the measure word ('哪份文件' segmented 份文件) keeps the part after it, with the next word when
    that part is one character ('多少名楼栋长' segmented 名楼/栋长 -> 楼栋长)."""
    if not phrase or not names_thing(phrase[0][3]):
        return None
    w_start, w_end, text, _ = phrase[0]
    if w_start < start:
        rest = text[start - w_start:]
        if len(rest) < 2 and len(phrase) > 1 and phrase[1][0] == w_end:  # 多少名楼栋长 segmented 名楼/栋长
            rest += phrase[1][2]
        return rest if len(rest) >= 2 else text
    return text


def names_thing(tag: str) -> bool:
    """jieba tags of words that name a thing: nouns, idioms and abbreviations, verbal nouns, Latin words."""
    return tag.startswith("n") or tag in ("l", "j", "vn", "eng")


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


def states_quantity(sentence: str | Sentence) -> bool:
    return bool(STATES_QUANTITY.search(read(sentence).folded))


def states_asked_value(frame: QuestionFrame, sentence: str | Sentence) -> bool:
    """The sentence could answer a how-many or when question: it states a number of the asked
    unit (see states_asked_unit), a date of the asked event for a when-question, an ordinal for a
    rank (第几), or else some quantity."""
    s = read(sentence)
    if frame.unit_pattern is not None:
        return states_asked_unit(frame, s)
    if frame.wants_date:  # a date, in a sentence naming the event it dates ("2014年成立" for "哪一年成立")
        return bool(STATES_DATE.search(s.folded)) and (frame.event is None or mentions_event(frame.event, s.folded))
    if frame.wants_ordinal and STATES_ORDINAL.search(s.folded):
        return True
    return bool(STATES_QUANTITY.search(s.folded))


# How far a when-question's sentence passes the value check when it states a date but does not
# name the asked event (see asked_value_held).
EVENTLESS_DATE = 0.5


def asked_value_held(frame: QuestionFrame, sentence: str | Sentence) -> float:
    """How far the sentence could answer a how-many or when question: 1 when it states the asked
    value (states_asked_value); EVENTLESS_DATE when a when-question's sentence states a date but does
    not name the asked event or a verb of its kind. Writers date an event in words of their own (灭亡 /
    覆亡, 获颁 / 获得, 爆发 / 发生), so such a date may still answer; any date passes so, and the value
    check's partial_cost says how much less it counts (a date of another event pays it too)."""
    s = read(sentence)
    if states_asked_value(frame, s):
        return 1.0
    if frame.wants_date and frame.unit_pattern is None and frame.event is not None and STATES_DATE.search(s.folded):
        return EVENTLESS_DATE
    return 0.0


def states_measured(frame: QuestionFrame, sentence: str | Sentence) -> bool:
    """The sentence states a value of what the question measures, naming it: '注册资本是多少' is not
    answered by '新建600平方米加工车间' in an article about the company, which gives no 注册资本."""
    s = read(sentence)
    return states_asked_value(frame, s) and any(mentions(noun, s.folded) for noun in frame.measured)


# "2021年的产值 / 第十五届 / 第三季度 / 第十三条": a question pinned to one year, edition, quarter or
# clause of a rule is answered only by text about that one (an article on the 第十四届 says nothing
# of the 第十五届, one quoting 第十二条 nothing of 第十三条).
# A year of three digits is a date of history ("643年的时候") unless it reads as a span of years
# ("300年来", "近500年", "100多年").
_PINNED_YEAR = re.compile(r"(?<![0-9])((?:1[0-9]|20)[0-9]{2}|(?<![近约逾])[1-9][0-9]{2}(?=年(?!代|来|间|多|后|前|左右|以[上来后内]|的历史)))年")
_PINNED_EDITION = re.compile(r"第([〇零一二三四五六七八九十百两0-9]+)([届期批条款])")
_PINNED_QUARTER = re.compile(r"([一二三四1-4])季度")
# Years a news article names by its own date: the asked year may be one of them.
RELATIVE_YEARS = re.compile(r"今年|去年|前年|明年|当年|同年|本年度")


def pins(text: str) -> frozenset[str]:
    """The years, editions, quarters and clauses a (normalised) text names, as '2021年', '15届', '3季度', '13条'."""
    return frozenset([m.group(1) + "年" for m in _PINNED_YEAR.finditer(text)]
                     + [f"{chinese_number(m.group(1))}{m.group(2)}" for m in _PINNED_EDITION.finditer(text)]
                     + [f"{chinese_number(m.group(1))}季度" for m in _PINNED_QUARTER.finditer(text)])


def chinese_number(numeral: str) -> int:
    """十三 -> 13, 二十 -> 20, 105 -> 105: the numbers editions and quarters are written in."""
    if numeral.isdigit():
        return int(numeral)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    total, current = 0, 0
    for c in numeral:
        if c in digits:
            current = digits[c]
        elif c in "十百":
            total += (current or 1) * (10 if c == "十" else 100)
            current = 0
    return total + current


def names_no_other_edition(frame: QuestionFrame, text: str | Sentence) -> bool:
    """False when the text names another edition, quarter or clause of the kind the question is pinned
    to, and not the asked one: an article on the 第十四届 (第二季度, 第十二条) tells of that one, and
    the question about the 第十三届 is about another story. (Years are left to states_pinned: a
    history names many, and the asked one may lie between them.)"""
    named = pins(read(text).folded)
    return not any(pin not in named and any(_pin_kind(other) == _pin_kind(pin) for other in named)
                   for pin in pinned_editions(frame))


def pinned_editions(frame: QuestionFrame) -> list[str]:
    """The question's pins that are not years: editions, quarters, clauses."""
    return [pin for pin in frame.pinned if not pin.endswith("年")]


def _pin_kind(pin: str) -> str:
    return pin.lstrip("0123456789")  # '13届' -> '届'


YEARS_SPANNED = 10  # a text naming years this close on both sides of the asked year tells of it too


def states_pinned(frame: QuestionFrame, sentence: str | Sentence) -> bool:
    """The text names every year, edition and quarter the question is pinned to. A year may also be
    named by a word news uses for it (今年, 去年), which the article's date would have to settle, or
    lie between two years the text names close together ('1750年建立…1759年废弃' tells of 1755)."""
    text = read(sentence).folded
    named = pins(text)
    years = [int(m.group(1)) for m in _PINNED_YEAR.finditer(text)]

    def spanned(year: int) -> bool:
        before, after = [y for y in years if y <= year], [y for y in years if y >= year]
        return bool(before and after) and min(after) - max(before) <= YEARS_SPANNED

    return all(pin in named or (pin.endswith("年") and (RELATIVE_YEARS.search(text) or spanned(int(pin[:-1]))))
               for pin in frame.pinned)


COUNTED_NEARBY = 4  # characters allowed between the number and what it counts ("网格236个", "283个党组织")
# A large count is stated in 万 or 亿 with no unit after what it counts ("人口为62万", "游客达1.2亿"),
# and ends there (not "62万元").
_COUNT_IN_TEN_THOUSANDS = r"[为是有达约近逾超过共计总]{0,3}[0-9０-９.．一二三四五六七八九十百千两]+[万亿](?:多|余)?(?![\u4e00-\u9fff])"


def states_asked_unit(frame: QuestionFrame, sentence: str | Sentence) -> bool:
    """A number of the asked unit, next to what is counted ("142名民警" or "民警142名" for
    "多少名民警"): "12个单位" in a sentence that also mentions 网格 does not say how many 网格."""
    return frame.unit_pattern is not None and counts(frame.unit_pattern, frame.counted, read(sentence).folded)


def states_counted_unit(frame: QuestionFrame, sentence: str | Sentence) -> bool:
    """states_asked_unit, with an English question's counted thing in Chinese (counted_in_english):
    "How many Party members" is answered by "24万党员干部", not by "437名学员"."""
    if frame.unit_pattern is None or not frame.counted_in_english:
        return states_asked_unit(frame, sentence)
    return counts(frame.unit_pattern, frame.counted_in_english, read(sentence).folded)


def counts(unit_pattern: re.Pattern, counted: tuple[str, ...], text: str) -> bool:
    """The (normalised) text states a number of the unit next to one of the counted nouns (any number
    of the unit when none is known), or a number right before or in 万 right after such a noun."""
    if any(re.search(NUMBER + r"(?:多|余)?" + re.escape(noun), text) for noun in counted):
        return True  # "24万党员干部": the number right before what it counts, no unit
    if any(re.search(re.escape(noun) + _COUNT_IN_TEN_THOUSANDS, text) for noun in counted):
        return True  # "人口为62万": a count in 万 or 亿 right after what it counts, no unit
    for m in unit_pattern.finditer(text):
        if not counted:
            return True
        for noun in counted:
            reach = COUNTED_NEARBY + len(noun)
            if mentions(noun, text[max(0, m.start() - reach):m.end() + reach]):
                return True
    return False


# "在哪里 / 哪个社区 / 哪所学校" ask for a place; "在哪一年 / 在哪些方面 / 在哪个大队" do not.
_PLACE_NOUNS = _any(k.name for k in PLACE_KINDS if k.asked_where)
ASKS_PLACE = re.compile(rf"哪里|哪儿|什么地方|什么地点|哪个地点|何处|何地|在哪(?![一些个天年月日种类样场次届])|哪[一两二三四五六七八九十几]?个(?:{_PLACE_NOUNS})"
                        rf"|哪些(?:{_any(WHERE_AFTER_WHICH_SOME)})|哪所|\bwhere\b", re.I)
# "问题出在哪" asks what went wrong, not where (演出在哪里举行 does ask where).
NOT_WHERE = re.compile(f"(?:{_any(WENT_WRONG_NOUNS)})" + r"\w{0,4}?出在哪")
# "哪个县 / 哪所党校 / 哪些乡镇" name the kind of place: only a name of that kind answers.
_PLACE_KINDS = ASKED_PLACE_KINDS
ASKS_PLACE_KIND = re.compile(r"(?:哪[一两二三四五六七八九十几]?[个所座家些条]|什么)("
                             + "|".join(sorted(_PLACE_KINDS, key=len, reverse=True)) + ")")
# A place: a word that ends like one ("兴和县", "中国人民公安大学", "界碑"; not "辖区"), or that jieba tags as one.
_PLACE_WORD = re.compile(r"\w{2,}(?:" + _any(k.name for k in PLACE_KINDS if k.ends_place == "named") + r")"
                         r"|\w*(?:" + _any(k.name for k in PLACE_KINDS if k.ends_place == "any") + ")")


# "为什么 / 因为什么 / 什么原因" ask for a reason, "目的是什么 / 为了什么" for a purpose; a sentence gives
# either with a cause or purpose word. A reason the article never gives leaves only sentences
# restating the premise ("张斌被授予全国见义勇为模范" for "张斌因为什么事迹被授予…").
# 到底 / 究竟 only stress the question ('目的到底是什么'); 图什么 asks what one does it for ('他图的是什么').
ASKS_REASON = re.compile(r"因为什么|什么原因|(?:原因|理由|缘由|起因|缘故)(?:到底|究竟)?(?:是|为)"
                         r"|(?:目的|用意|初衷)(?:到底|究竟)?(?:是|是什么|何在|在哪)|为了什么|图(?:的是)?(?:什么|啥)|\bwhy\b", re.I)
# 为什么 / 为何 / 为啥 (spoken) ask why, except where 为 ends a verb of naming ('又称为什么', '名为什么':
# what it is called) or the words close the question after a noun ('决策机构为何?': what it is).
_WHY = re.compile(r"为(?:什么|何|啥)")
_NAMING_VERB_ENDS = NAMING_VERB_ENDS


def asks_reason(question: str) -> bool:
    for m in _WHY.finditer(question):
        before = question[m.start() - 1:m.start()]
        closes = not question[m.end():].strip(" ?？!！。")
        if before not in _NAMING_VERB_ENDS and not (closes and before not in ("", "是")):
            return True
    return bool(ASKS_REASON.search(question))
_CAUSE_WORDS = frozenset(CAUSE_WORDS)
_CAUSE_BY_YIN = re.compile(r"因(?![\u4e00-\u9fff][制施])")  # 因病, 因此而: a cause; 因地制宜, 因村施策: none


def states_reason(folded: str) -> bool:
    """The (normalised) sentence has a cause or purpose word, whole: a word jieba segments, so
    伴随着 and 使用 give no cause while 随着 and 使得 do."""
    at = 0
    for word in _plain_words(folded):
        if word in _CAUSE_WORDS or (word[0] == "因" and _CAUSE_BY_YIN.match(folded, at)):
            return True
        at += len(word)
    return False


@lru_cache(maxsize=65536)
def _plain_words(text: str) -> tuple[str, ...]:
    """jieba's words of the text (accurate mode, no part of speech: cheaper than _pos_words)."""
    import jieba

    from .text import _jieba

    _jieba()
    return tuple(jieba.lcut(text))


# "怎样 / 如何 / 通过什么途径" ask how something is done; the words right after name what is done.
ASKS_HOW = re.compile(_any(HOW_WORDS))
ASKS_LIST = re.compile(_any(LIST_WORDS))
# A sentence that lists: items between 、 or ；, or numbered (一是…二是, 其一, （一）).
_LISTS_ITEMS = re.compile(r"[、；;]|一是|其一|[（(][一1][）)]")


# A number abbreviation (数字略语: “四室一站”, “五讲五送”, “三亮”, “3岗18级”): a numeral and what it
# counts, quoted, or two such pairs unquoted (四室一站). News coins one for a set of items and spells
# the items out once, next to it (即…, 包括…, or listed between 、 before or after it).
_NUMERALS = "一二三四五六七八九十两百0-9"
_ABBREVIATION = re.compile(rf"[“「\"']([{_NUMERALS}][^“”「」\"',;:?!。]{{1,7}}?)[”」\"']"
                           rf"|(?<![{_NUMERALS}])([{_NUMERALS}][\u4e00-\u9fff][{_NUMERALS}][\u4e00-\u9fff])(?![{_NUMERALS}])")
_ABBREVIATION_PART = re.compile(rf"[{_NUMERALS}]+[^{_NUMERALS}]+")
_SPELLED_OUT = re.compile(r"[、;]|即|包括|分别")
SPELLED_REACH = 30  # characters either side of the abbreviation where its items are spelled out


def named_abbreviations(question: str) -> tuple[str, ...]:
    """The number abbreviations a (normalised) question names: '“四室一站”都包括什么' -> 四室一站."""
    return tuple(dict.fromkeys(m.group(1) or m.group(2) for m in _ABBREVIATION.finditer(question)))


def spells_out(frame: QuestionFrame, sentence: str | Sentence) -> bool:
    """The sentence names an abbreviation the question asks about and spells out items next to it
    ('设立四室一站，即影音室、绘本阅览室…'). Its parts count when quoted ('…”的“五送”' for 五讲五送);
    unquoted, a part is too short to be that abbreviation (一站式)."""
    text = read(sentence).folded
    for abbreviation in frame.abbreviations:
        forms = [abbreviation] + [f"“{part}”" for part in _ABBREVIATION_PART.findall(abbreviation) if part != abbreviation]
        for form in forms:
            for m in re.finditer(re.escape(form), text):
                around = text[max(0, m.start() - SPELLED_REACH):m.start()] + text[m.end():m.end() + SPELLED_REACH]
                if _SPELLED_OUT.search(around):
                    return True
    return False


# A quoted title or term (《使琉球录》, 「俗讲」, “河长制”) and a Latin word in Chinese text (NASA, DNA,
# iPhone) are names no paraphrase replaces, so an archive that tells of them writes them as the
# question does. Not a quoted sentence or list (a reader may quote it loosely), nor a number
# abbreviation (news may quote its parts apart: “五讲”“五送”).
_QUOTED = re.compile(r"《([^《》]+)》|「([^「」]+)」|“([^“”]+)”|『([^『』]+)』|‘([^‘’]+)’|\"([^\"]+)\"")
_NOT_A_TERM = re.compile(r"[,;:?!。、，；：？！]")
MAX_QUOTED_CHARS = 20
_LATIN_WORD = re.compile(r"(?<![a-z0-9])[a-z][a-z0-9.\-]*[a-z0-9]")  # two characters or more, normalised: lower case


def verbatim_terms(question: str) -> tuple[str, ...]:
    """The titles and terms a (normalised) question quotes, and its Latin words when it is written in
    Chinese. An English question's words and quotes are English, which Chinese text does not hold:
    of its quotes, only those in Chinese count."""
    english = written_in_english(question)
    quoted = (next(g for g in m.groups() if g is not None).strip() for m in _QUOTED.finditer(question))
    terms = [t for t in quoted if 2 <= len(t) <= MAX_QUOTED_CHARS and not _NOT_A_TERM.search(t)
             and not _ABBREVIATION.fullmatch(f"“{t}”") and (_CJK_CHAR.search(t) or not english)]
    if not english:
        terms += [w for w in _LATIN_WORD.findall(question) if not any(w in t for t in terms)]
    return tuple(dict.fromkeys(terms))


def writes_verbatim(frame: QuestionFrame, text: str | Sentence) -> bool:
    """The text writes every title, term and Latin word the question holds verbatim."""
    folded = read(text).folded
    return all(term in folded for term in frame.verbatim)


def lists_items(sentence: Sentence) -> bool:
    """The sentence itself lists things; a list question's sentence that does not is a list's lead,
    and its items follow (rag.answer.news_units)."""
    return bool(_LISTS_ITEMS.search(sentence.text))


_LIGHT_VERBS = LIGHT_VERBS  # '怎么解决的' is told without 解决 ('办理好密码重置')


def asked_action(question: str) -> tuple[str, ...]:
    """What a how-question asks about: up to two verbs or nouns among the three words after the
    how-word, light verbs and generic words left out ('奖励金额是怎么计算的' -> 计算;
    '怎样借助乌兰牧骑' -> 借助, 乌兰牧骑: an answer may name either)."""
    m = ASKS_HOW.search(question)
    if not m:
        return ()
    after = [(w, flag) for start, _, w, flag in _content_words(question) if start >= m.end()][:3]
    return tuple([w for w, flag in after if len(w) >= 2 and w not in _GENERIC_WORDS | _LIGHT_VERBS
                  and flag[0] in "vn"][:2])


def names_action(frame: QuestionFrame, texts: list[str | Sentence]) -> bool:
    """False when a how-question's action appears in none of the texts."""
    joined = _folded_join(texts)
    return not frame.action or any(mentions(w, joined) for w in frame.action)


# The goal after the how-word: a furthering verb and its object, to the clause's end (的, 呢 at
# its end are particles, not the object).
_GOAL = re.compile(f"(?:{_any(GOAL_VERBS)})([^,;:。!?]*)")
_CLOSING_PARTICLES = "的呢了吗啊呀"
GOAL_HEAD_CHARS = 4  # the head of a Chinese noun phrase is at its end: 党员参与示范服务的积极性 -> 积极性


def asked_goal(question: str) -> str:
    """The head of what a how-question's measures are for, after the how-word ('采取了哪些措施提高
    通关效率' -> 通关效率, '怎么调动党员参与示范服务的积极性' -> 积极性): the object of a furthering
    verb, its last whole words after the last 的, at most GOAL_HEAD_CHARS; '' when it asks no such goal or
    the head is a generic word (工作, 问题)."""
    how = ASKS_HOW.search(question)
    goal = how and _GOAL.search(question, how.end())
    if not goal:
        return ""
    head = ""
    for _, _, word, _ in reversed(_words(goal.group(1).rstrip(_CLOSING_PARTICLES).rsplit("的", 1)[-1])):
        if len(head + word) > GOAL_HEAD_CHARS:
            break
        head = word + head
    return head if len(_CJK_CHAR.findall(head)) == len(head) >= 2 and head not in _GENERIC_WORDS else ""


def restates_goal(frame: QuestionFrame, sentence: str | Sentence) -> float:
    """1 when the sentence names the question's goal, whole or in part (at least half its character
    pairs: 通关效率 in 有效提升了通关效能), as news tells a measure with what it achieved; else 0."""
    pairs = [frame.goal[i:i + 2] for i in range(len(frame.goal) - 1)]
    folded = read(sentence).folded
    return float(2 * sum(pair in folded for pair in pairs) >= len(pairs))


IN_CLAUSE = r"[^,;:。!?]"  # within one clause of the folded sentence (NFKC: ，；：！？ -> ,;:!?)
# A framing sentence (总述): 坚持…, 以…为抓手, 形成…局面, …举措之一, 是…的一个缩影 (lexicon).
_FRAMES = re.compile(f"(?:{_any(FRAMING_WORDS)})|以{IN_CLAUSE}{{1,20}}为(?:{_any(FRAMING_ROLES)})"
                     f"|形成{IN_CLAUSE}{{0,16}}(?:{_any(FRAMING_OUTCOMES)})|(?:{_any(FRAMING_INSTANCES)})之一"
                     f"|的(?:一个)?(?:缩影|实例)")
# A measure (分述): 采取/通过…方式, 出台, 实行; or one more measure: 同时, 此外 opening a clause.
_TELLS_MEASURE = re.compile(f"(?:{_any(MEANS_VERBS)}){IN_CLAUSE}{{0,30}}(?:{_any(MEANS_NOUNS)})"
                            f"|(?:{_any(MEASURE_VERBS)})|(?:^|[,;])(?:{_any(ADDING_WORDS)})")


def asks_how(frame: QuestionFrame) -> bool:
    """The question asks how something is done (怎样, 通过什么方式), not why."""
    return not frame.wants_reason and bool(frame.action or ASKS_HOW.search(frame.folded))


def tells_measure(frame: QuestionFrame, sentence: str | Sentence) -> float:
    """How far the sentence tells a measure taken, as a how-question asks: 1 for a measure
    (采取…的方式, 出台, 同时…), 0 for a framing sentence that only names the approach (坚持…,
    以…为抓手, 形成…局面), 0.5 for neither."""
    folded = read(sentence).folded
    return 1.0 if _TELLS_MEASURE.search(folded) else 0.0 if _FRAMES.search(folded) else 0.5


def gives_asked_reason(frame: QuestionFrame, texts: list[str | Sentence]) -> bool:
    """False when a why-question's texts hold no cause or purpose word at all."""
    return not frame.wants_reason or any(states_reason(read(text).folded) for text in texts)


def asked_place_kinds(question: str) -> str | None:
    """"哪个县" -> "县|旗": the kinds of name that answer, when the question names the kind of place."""
    kind = ASKS_PLACE_KIND.search(question)
    if not kind or _PLACE_KINDS[kind.group(1)] == "*":
        return None
    return _PLACE_KINDS[kind.group(1)] if ends_word(question, kind.end(1)) else None


def ends_word(question: str, at: int) -> bool:
    """A word of the question ends at `at`: 哪个区域 and 哪个县市 do not ask for a 区 or a 县. A word
    that goes on past it only with a locative or 毕业 counts as ending there (村里, 街上, 大学毕业)."""
    return any(end == at or start < at < end and question[at:end] in AFTER_ASKED_KIND
               for start, end, _, _ in _words(question))


def names_new_place(frame: QuestionFrame, sentence: str | Sentence) -> bool:
    """The sentence names a place the question does not: '在兴和县举办' answers '在哪个县举办',
    '赤峰市437名学员结束了培训班' does not answer '赤峰市的培训班在哪里举办'. When the question
    names the kind of place (哪个嘎查), the place must be of that kind."""
    asked, text = frame.folded, read(sentence).folded
    if frame.place_kinds:
        return names_place_of_kind(frame.place_kinds, asked, text)
    return any(len(w) >= 2 and w not in asked and (flag.startswith("ns") or _PLACE_WORD.fullmatch(w))
               for _, _, w, flag in _words(text))


def names_place_of_kind(kinds: str, asked: str, text: str) -> bool:
    """A two-character name before one of the kinds ('兴和'+'县' for 县|旗) that the question does
    not contain. Characters, not jieba words: jieba splits names ('白音他拉村' -> 他/拉/村); but
    a word that is no name ends no place ('针对农村', '围绕社区', '协调学校', '自治区')."""
    if "省" in kinds.split("|") and any(name in text and name not in asked for name in PROVINCE_NAMES):
        return True  # provinces go by their names alone: 黑龙江 answers 哪个省
    words = None
    for m in re.finditer(f"(?:{kinds})(?!村)", text):  # the 乡 of 乡村 ends no name
        name = text[max(0, m.start() - 2):m.start()]
        if not _CJK.fullmatch(name) or name[-1] in _NO_NAME | _LINKING_CHARS \
                or name + m.group() in asked or name + m.group() in _NO_PLACE:
            continue
        words = words or _words(text)
        # A verb before a kind that is a word of its own (协调/学校, 围绕/社区) is no name; before a
        # one-character kind it may be (前进/村, 跃进/村).
        # Kinds named by their use take a verb in the name (实践基地).
        not_name = _NOT_NAME_TAGS_BEFORE_PLACE | ({"v"} if len(m.group()) > 1 and m.group() not in NAMED_BY_USE else set())
        if not any(start == m.start() - 2 and end == m.start() and flag in not_name
                   or start == m.start() - 1 < m.start() < end and not flag.startswith("ns")  # 农村(党员)
                   for start, end, _, flag in words):
            return True
    return False


# Prepositions and conjunctions: '且离县城', '以社区为依托' (和 and 同 end names: 兴和县, 大同市).
_LINKING_CHARS = LINKING_CHARS
# A two-character pronoun, adverb... right before the kind: '其他社区' (not vn: 丹进营村).
_NOT_NAME_TAGS_BEFORE_PLACE = frozenset("p c r d".split())
_NO_PLACE = NOT_PLACES  # 内蒙古 itself, in '我区' reporting: never the answer to 哪个区


_DEPUTY = re.compile(r"副[\u4e00-\u9fff]{0,4}?(?:" + _any(DEPUTY_TITLE_ENDS) + ")")


def names_role(frame: QuestionFrame, texts: list[str | Sentence]) -> bool:
    """False when none of the texts says who holds a who-question's role. The role must appear
    whole (政法委书记 is not the 市委书记) and not as a deputy's (副部长); a person's role must
    be followed by a name ('市委书记率先垂范' names nobody), in a sentence naming the role's place
    when the question gives one (the 党委书记 of another 镇 is someone else)."""
    if frame.role is None:
        return True
    if PERSON_ROLE.search(frame.role):
        return any(names_holder(frame, read(text).folded) for text in texts)
    text = _folded_join(texts)
    return frame.role in (text if frame.role.startswith("副") else _hide_deputies(text))


def _hide_deputies(text: str) -> str:
    """A deputy is another person: '常务副部长刘永忠' does not say who the 部长 is."""
    return _DEPUTY.sub(lambda m: "#" * len(m.group()), text)  # same length: offsets still fit the text


# "中山社区党委书记" holds the 社区书记 role: the party body may stand between place and title
# (and 组织部部长 is the 组织部长).
_PARTY_BODY = f"(?:{_any(PARTY_BODIES)})?"
# A second title may stand between the role and the name ("副部长、干部人事档案中心副主任冀志江").
_MORE_TITLES = re.compile(r"(?:、[\u4e00-\u9fff]{1,12}?(?:" + _any(MORE_TITLE_ENDS) + "))*")


def names_holder(frame: QuestionFrame, text: str) -> bool:
    """The (normalised) text names the person holding the frame's role: the role, then a name."""
    if frame.role_place and frame.role_place not in text:
        return False
    role = frame.role
    bare = next((t for t in _BARE_TITLES if role.endswith(t) and len(role) > len(t)), None)
    pattern = re.escape(role[:-len(bare)]) + _PARTY_BODY + bare if bare and not role.startswith("副") \
        else re.escape(role)
    searched = text if role.startswith("副") else _hide_deputies(text)
    return any(is_name_at(text, _MORE_TITLES.match(text, m.end()).end())
               for m in re.finditer(pattern, searched))


_BEFORE_NAME = re.compile(r"\s*(?:名叫|叫|是|为)?\s*")  # '书记名叫孟某某', '书记是孟某某', '书记 孟某某'
_SPEECH_VERBS = SPEECH_VERBS
_PLACE_END_CHARS = re.compile("[" + "".join(k.name for k in PLACE_KINDS
                                            if len(k.name) == 1 and (k.title_place or k.ends_place)) + "]$")


def is_name_at(text: str, at: int) -> bool:
    """A person's name starts at text[at] (after 是, 名叫 or a space): a word jieba tags as a
    person's name, or as a place that does not end like one (梁国武 -> 梁国/ns, 乌云其木格/ns), or
    a noun right before a verb of speech ('策根说'; Mongolian names jieba does not know).
    '市委书记率先垂范', '书记在会上指出', '书记对记者说' name nobody."""
    at = _BEFORE_NAME.match(text, at).end()
    words = _pos_words(text[at:at + 8])
    if not words:
        return False
    (word, flag), following = words[0], words[1][0] if len(words) > 1 else ""
    if flag.startswith("nr") or flag in ("ns", "nz") and not _PLACE_END_CHARS.search(word):
        return True
    return 2 <= len(word) <= 4 and flag in ("n", "j") and following in _SPEECH_VERBS


# Words jieba may tag as names that name a kind, not one thing: 城市 and 都市 (ns), 县, 社区.
_NO_NAMES = _GENERIC_WORDS | CLASS_NOUNS | frozenset(kind.name for kind in PLACE_KINDS)


# A clause that picks out what is asked about by another fact, ending in 的那 + a measure word:
# '脱贫户马树夸的那个合作社有多少社员'. Its names tell which one is meant; the sentence that answers
# may name the thing without them (the fact is told in another sentence), so they are no names it must hold.
_QUALIFYING_CLAUSE = re.compile(r"^[^,;。?!]*?的那[个位场家所名条项次座支]")


def without_qualifier(folded: str) -> str:
    """The question without its opening qualifying clause (…的那个), when it has one."""
    m = _QUALIFYING_CLAUSE.search(folded)
    return folded[m.end():] if m else folded


def asked_names(question: str) -> tuple[str, ...]:
    """The proper names the question mentions: words jieba tags as a person, place, organisation or
    other name. An answer names them too, so a question naming what no candidate sentence names is
    about something the archive lacks (a left-out article's people and places)."""
    return tuple(dict.fromkeys(w for w, flag in _pos_words(question)
                               if (flag.startswith("nr") or flag in ("ns", "nt", "nz"))
                               and len(w) >= 2 and w not in _NO_NAMES))


_ADMINISTRATIVE_END = re.compile(f"(?:{_any(ADMINISTRATIVE_ENDS)})$")
_NAME_TAGS = ("nr", "ns", "nt", "nz")  # jieba's person, place, organisation and other names
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")
PLACE_NAME_WORDS = 3  # words a place name may be split into ('科/左/中旗', '向阳/村')


def named_places(question: str) -> tuple[str, ...]:
    """The administrative places the question names (苏尼特右旗, 向阳村, 臺北市): two characters or
    more before the unit, in a word jieba tags as a name or in the pieces it split the name into
    ('向阳/村', '乌拉/河镇', '科/左/中旗'; not '真抓实干/红旗', '乌兰察布/全市', '在/泉州'). A
    neighbouring place's name differs from it by one character (苏尼特左旗), so only text naming
    this place answers a question about it."""
    words, places = _words(question), []
    for i, (_, _, word, flag) in enumerate(words):
        if not (unit := _ADMINISTRATIVE_END.search(word)) or word.endswith(NOT_ADMINISTRATIVE_ENDS):
            continue
        name, tags, before = word, [flag], i
        if len(word) - len(unit.group()) < 2 and not (flag.startswith(_NAME_TAGS) or word == unit.group()):
            continue  # 全市, 结盟, 乡村: a word, not a piece of a name
        # Words before it join while the name part is shorter than two characters (科/左/中旗).
        while len(name) - len(unit.group()) < 2 and before > 0 and i - before < PLACE_NAME_WORDS - 1:
            before -= 1
            previous, previous_flag = words[before][2], words[before][3]
            # A name's pieces: a word tagged as a name, or a single character jieba left alone.
            if not _CJK_WORD.fullmatch(previous) or previous_flag.startswith(_FUNCTION_TAGS) \
                    or not (previous_flag.startswith(_NAME_TAGS) or len(previous) == 1):
                break
            name, tags = previous + name, tags + [previous_flag]
        if len(name) - len(unit.group()) >= 2 and any(t.startswith(_NAME_TAGS) for t in tags) \
                and name not in _NO_NAMES:
            places.append(name)
    return tuple(dict.fromkeys(places))


def names_places(frame: QuestionFrame, text: str | Sentence) -> bool:
    """The text names every place of the question, whole or without its unit (呼和浩特市 as 呼和浩特):
    articles drop the unit of a well-known place, never a character of its name."""
    folded = read(text).folded
    return all(place in folded or _ADMINISTRATIVE_END.sub("", place) in folded for place in frame.places)


def mentions_names(frame: QuestionFrame, texts: list[str | Sentence]) -> bool:
    """True when every name the question mentions occurs, whole, in the texts."""
    joined = _folded_join(texts)
    return all(name in joined for name in frame.names)


def names_share(frame: QuestionFrame, sentence: str | Sentence) -> float:
    """The share of the question's names the sentence mentions."""
    return _share_found(frame.names, read(sentence).folded, str.__contains__)


def mentions_focus(frame: QuestionFrame, texts: list[str | Sentence]) -> bool:
    """True when every focus noun occurs in the texts (or the question has none)."""
    joined = _folded_join(texts)
    return all(mentions(noun, joined) for noun in frame.focus)


def focus_share(frame: QuestionFrame, sentence: str | Sentence) -> float:
    """The share of the focus nouns the sentence mentions: '参观了哪个纪念馆' prefers the
    sentence naming a 纪念馆 over the article's lead."""
    return _share_found(frame.focus, read(sentence).folded, lambda text, noun: mentions(noun, text))


def _share_found(words: tuple[str, ...], text: str, found) -> float:
    """The share of the words that ``found(text, word)``; 0 for none."""
    return sum(bool(found(text, w)) for w in words) / len(words) if words else 0.0


def mentions(noun: str, normalised_text: str) -> bool:
    """The noun occurs, or for a Chinese noun its last two characters: Chinese compounds end in
    their head (支队长 -> 队长, 局局长 -> 局长), and segmentation splits compounds unpredictably."""
    if noun in normalised_text:
        return True
    return len(noun) > 2 and bool(_CJK.match(noun[-2:])) and noun[-2:] in normalised_text


_CJK = re.compile(r"[\u4e00-\u9fff]{2}")
