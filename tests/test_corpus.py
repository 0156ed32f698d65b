"""Tests for rag.corpus: file decoding and splitting seed pages into articles.

The expected articles per seed page were written by reading the pages, not
copied from parser output. Fast: no models.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.corpus import parse_page, read_corpus, read_text
from rag.errors import CorpusError
from rag.types import Article

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).parent / "fixtures"

P0, P1, P2, P3, P4 = (
    "000_5a48dc7921c40574.txt",
    "001_ab45300101d5d155.txt",
    "002_e73aa7af9360683a.txt",
    "003_0a0b4f20625ba754.txt",
    "004_2668ce89a97b4a1b.txt",
)

# (kind, title, section, byline) in reading order, decided by reading each page.
EXPECTED = {
    P0: [
        ("article", "凡人微光 点亮北疆精神火炬", "广角", "本报记者 白丹"),
        ("caption", "党员先锋冲在前", "", "本报记者 巴依斯古楞"),
        ("article", "党建活起来带动业务强起来", "学思践悟", "本报记者 巴依斯古楞"),
        # 信息集装箱: the first item has lost its bullet; "(本报记者 X)" lines
        # close the item above them, as in every other box on these pages.
        ("brief", "为进一步发挥基层党组织战斗堡垒作用", "信息集装箱", "本报记者 安寅东"),
        ("brief", "近日,巴彦淖尔市乌拉特前旗公安局2022年度政治轮训结束", "信息集装箱", "本报记者 陈春艳"),
        ("brief", "日前,鄂尔多斯出入境边防检查站组织民警前往鄂尔多斯市日兴红色文化博物馆开展喜迎二", "信息集装箱", ""),
        ("caption", "炕头上的党课", "", "董雅芝"),
        ("article", "容错纠错让干部想为敢为", "观潮", ""),  # title printed before its 观潮 mark
        ("article", "警地牵手 打造红色边境党建长廊", "知行合一", "本报记者 安寅东"),
        ("article", "差异考 提干劲", "五化协同 大抓基层②", "本报记者 宋爽"),
    ],
    P1: [
        ("article", "“学习提升”增长本领才干 “竞优比武”激励敢做善为", "初心如磐", "本报记者 宋爽"),
        ("brief", "党委组织部门的责任", "每周一学", ""),
        ("brief", "对党支部建设的监督", "每周一学", ""),
        ("article", "“固里”同心温暖外出游子", "知行合一", "本报记者 李国萍"),
        ("brief", "为了把党的声音和关怀传递到大漠深处", "信息集装箱", "本报记者 宋爽"),
        ("brief", "为扎实开展“抓党建、整作风、强素质、树形象”专项活动", "信息集装箱", "本报记者 陈春艳"),
        ("brief", "锡林郭勒盟苏尼特左旗坚持以抓党建引领“两新”组织", "信息集装箱", "尤可"),
        ("brief", "近年来,呼伦贝尔市新巴尔虎右旗坚持把党员教育管理作为党的建设基础性经常性工作",
         "信息集装箱", "包乌日汗"),
        ("caption", "人才沙龙", "", "邹佳运"),
        ("caption", "扛起职责使命", "掠影", "本报记者 孟朝鲁 通讯员 杜星宇"),
        ("article", "“小书记党建茶座”唠点啥?", "北疆党旗红", "本报记者 宋爽"),
        ("article", "勤修调查研究这项“基本功”", "观潮", "张丞玮"),
        # no mark of its own on the page: keeps the section above it
        ("article", "微光成炬", "观潮", "本报记者 安黄东"),
    ],
    P2: [
        ("article", "“红色引擎”频发力 一“网”兜起大小事", "广角", "本报记者 李晗"),
        ("caption", "情暖童心", "", "本报记者 陈春艳"),
        # headline printed after its body, before the next ◎ mark
        ("article", "党建“组合拳”为乡村振兴添活力", "红船初心", "本报记者 安冀东"),
        ("article", "定制套餐 为党员干部“补钙壮骨”", "学思践悟", "本报记者 宋爽 通讯员 迟亚军"),
        ("caption", "不忘初心 书香同行", "", "本报记者 安冀东"),
        # three paragraphs on 传统政德 printed before the 观潮 mark, with no title
        ("article", "浩如烟海的中国古籍", "", ""),
        ("article", "从传统政德汲取文化养分", "观潮", "孙阳阳"),  # ◎孙阳阳 is the author
        ("caption", "专题培训", "", "本报记者 郝佳丽"),
        ("brief", "为深入学习贯彻习近平新时代中国特色社会主义思想和党的十九届六中全会精神",
         "信息集装箱", "本报记者 安冀东"),
        ("brief", "近日,包头市按照全域统筹、梯次推进的工作思路", "信息集装箱", "本报记者 宋爽"),
        ("brief", "日前,自治区党委老干部局举办全区老干部局(处)长学习贯彻《关于加强新时代离退休干",
         "信息集装箱", "见习记者 杨柳"),
        ("brief", "近日,自治区信访局召开机关团员青年座谈会", "信息集装箱", "见习记者 杨柳"),
        # headline is the last line of the page
        ("article", "结对服务好不好,群众说了算", "五化协同 大抓基层", "本报记者 宋爽"),
    ],
    P3: [
        ("article", "拓宽为老服务圈 守护幸福“夕阳红”", "初心如磐", "本报记者 宋爽"),
        ("brief", "党的代表会议", "每周一学", ""),
        ("brief", "党的全国代表大会的职权", "每周一学", ""),
        ("brief", "中央政治局", "每周一学", ""),
        ("brief", "中央书记处", "每周一学", ""),
        ("brief", "中央书记处", "每周一学", ""),
        ("article", "支部领头干 乡村产业兴", "知行合一", "本报记者 巴依斯古楞"),
        ("brief", "乌海市乌达区注重加强新时代人才思想淬炼、专业训练、能力锻炼", "信息集装箱", "本报记者 宋爽"),
        ("brief", "为积极发挥党组织和党员引领带动作用", "信息集装箱", "本报记者 宋爽"),
        ("brief", "近日,为期一周的自治区公安厅新任党支部书记政治培训班在内蒙古警察职业学院举办",
         "信息集装箱", "本报记者 陈春艳"),
        ("brief", "国家电投集团白晋华自备电厂党委充分发挥党建引领作用", "信息集装箱", "符振坤"),
        ("caption", "民生跟着民声走", "掠影", "本报记者 毛彦泽"),
        ("article", "这里的党员示范服务基地“出圈”了", "掠影", "本报记者 潘佳 通讯员 王世达"),
        ("article", "移风易俗“吹”来文明新风", "学思践悟", "本报记者 白丹"),
        ("article", "实干“风向标”激发担当作为新动能", "北疆党旗红", "本报记者 宋爽 通讯员 陈晓然"),
        ("caption", "政务服务有温度", "", "本报记者 李新军 实习生 吴越"),
    ],
    P4: [
        ("article", "亮出精气神 晒出好作风 比出真干劲", "广角", "本报记者 宋爽"),
        ("caption", "祝福祖国", "", "崔超"),
        ("article", "党建+旅游 延长致富产业链", "知行合一", "本报记者 潘佳 通讯员 杜金辉"),
        ("brief", "为全面落实自治区党委组织部关于高标准抓好发展党员工作要求", "信息集装箱", "张雨"),
        ("brief", "日前，兴安盟突泉县非公党工委开展两新党组织互学互鉴、党群组织关心关爱活动",
         "信息集装箱", "本报记者 宋爽"),
        ("brief", "呼和浩特市公安局聚焦喜迎二十大、忠诚保平安主题实践活动", "信息集装箱", "本报记者 陈春艳"),
        ("caption", "志愿宣讲", "", "鲍明全"),
        ("article", "党旗飘扬", "观潮", ""),
        ("caption", "讲好红色故事", "掠影", "本报记者 陈春艳"),
        ("article", "联创共建共享 守护国门荣光", "学思践悟", "本报记者 安寅东"),  # on the ◎ line
        # printed without a headline: first clause of the body stands in
        ("article", "祝你生日快乐", "五化协同 大抓基层", "本报记者 宋爽"),
    ],
}

UNMARKED_SECTIONS = {"初心如磐", "每周一学", "知行合一", "信息集装箱", "掠影", "北疆党旗红", "观潮"}
BYLINE_LINE = re.compile(r"^(□.+|[(（]?(本报记者|见习记者|通讯员)[^。，,]*[)）]?|.{2,30} 摄)$")


def seed(name: str) -> str:
    return read_text(SEEDS / name)


def articles(name: str) -> list[Article]:
    return parse_page(seed(name), name)


def paragraph_texts(text: str, arts: list[Article]) -> list[str]:
    return [text[s:e] for a in arts for s, e in a.paragraphs]


def find(arts: list[Article], title: str) -> Article:
    return next(a for a in arts if a.title == title)


# --------------------------------------------------------------------------
# Seed pages
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_page_articles(name: str):
    got = [(a.kind, a.title, a.section, a.byline) for a in articles(name)]
    assert got == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_spans_slice_to_their_text(name: str):
    text = seed(name)
    for a in articles(name):
        assert a.source == name
        s, e = a.title_span
        assert text[s:e] == a.title and a.title.strip() == a.title and a.title
        assert a.paragraphs, f"{a.title}: no body"
        for ps, pe in a.paragraphs:
            para = text[ps:pe]
            assert para and para == para.strip()
            assert "◎" not in para
        starts = [ps for ps, _ in a.paragraphs]
        assert starts == sorted(starts), f"{a.title}: paragraphs out of order"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_paragraphs_never_overlap(name: str):
    spans = sorted(sp for a in articles(name) for sp in a.paragraphs)
    for (_, e1), (s2, _) in zip(spans, spans[1:]):
        assert e1 <= s2


def test_exact_paragraphs_of_first_article():
    text = seed(P0)
    a = articles(P0)[0]
    paras = [text[s:e] for s, e in a.paragraphs]
    assert paras[0] == "榜样是时代的最美使者,是社会的精神坐标。"
    assert paras[5] == "发掘身边榜样 弘扬凡人善举"  # subheading kept as a paragraph
    assert paras[-1].endswith("内蒙古正在崇德向善的新风中焕发出别样的生机和魅力。")
    assert len(paras) == 22
    assert "本报记者 白丹" not in "".join(paras)


def test_caption_and_brief_text():
    text = seed(P0)
    arts = articles(P0)
    cap = find(arts, "党员先锋冲在前")
    assert cap.kind == "caption" and len(cap.paragraphs) == 1
    s, e = cap.paragraphs[0]
    assert text[s:e].startswith("近日,锡林浩特供电公司") and text[s:e].endswith("保电护航。")
    brief = arts[4]
    s, e = brief.paragraphs[0]
    assert text[s:e].startswith("近日,巴彦淖尔市")  # bullet glyph left out
    assert brief.title_span[0] == s
    # inline photo credit stays in the caption paragraph; the credit is the byline
    text4 = seed(P4)
    cap4 = find(articles(P4), "祝福祖国")
    s, e = cap4.paragraphs[0]
    assert text4[s:e].endswith("国泰民安。崔超 摄")


@pytest.mark.parametrize(
    ("name", "head", "tail"),
    [
        (P0, "诠释爱", "岗敬业"),
        (P0, "更加出", "彩的绚丽篇章"),
        (P0, "打通", "服务群众最后一公里"),
        (P0, "述职情", "况,该旗评选出"),
        (P1, "交警指挥中心", "和高速交警取得联系"),
        (P2, "在基层铺", "设了8类网格"),  # head is a short line with a comma
        (P2, "其行程轨迹已遍布诸多人流密集场所。该市", "立即启动联动机制"),
        (P2, "吸引优秀人", "才扎根网格"),
        (P3, "积极探", "索并搭建"),
        (P3, "意", "见,从建立健全"),
        (P4, "由社区干部任", "组长"),
        (P4, "生活幸", "福、健康长寿"),
    ],
)
def test_broken_paragraph_is_one_span(name: str, head: str, tail: str):
    text = seed(name)
    joined = f"{head}\n\n{tail}"
    hits = [p for p in paragraph_texts(text, articles(name)) if joined in p]
    assert len(hits) == 1, f"{head}|{tail} not joined in one paragraph"


def test_complete_paragraphs_are_not_joined():
    text = seed(P0)
    paras = paragraph_texts(text, articles(P0))
    assert all("\n" not in p for p in paras if p.startswith("榜样是时代"))
    # a heading between the two halves: kept as three paragraphs, none spanning it
    assert "为有效引导各地区各部门明确工作重" in paras
    assert "日常评 激斗志" in paras


def test_repeated_paragraph_appears_once():
    text = seed(P2)
    needle = "“廉委组织部党员罗鹏霖每次上门都非常热情"
    assert text.count(needle) == 3
    arts = articles(P2)
    hits = [(a.title, s) for a in arts for s, e in a.paragraphs if needle in text[s:e]]
    assert len(hits) == 1
    assert hits[0][1] == text.index(needle)  # the first occurrence is the one kept
    # the real continuation "受社会和群众监督" is still kept
    assert any(text[s:e].startswith("受社会和群众监督") for a in arts for s, e in a.paragraphs)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_paragraph_text_twice(name: str):
    paras = paragraph_texts(seed(name), articles(name))
    assert len(paras) == len(set(paras))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_body_character_is_covered(name: str):
    """Apart from marks, bylines, titles and repeats, all text is in some paragraph."""
    text = seed(name)
    covered = bytearray(len(text))
    for a in articles(name):
        for s, e in [a.title_span, *a.paragraphs]:
            covered[s:e] = b"\x01" * (e - s)
    seen: set[str] = set()
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        missed = "".join(c for i, c in enumerate(line) if not covered[start + i] and not c.isspace())
        if missed and missed not in "●◆★" and not (
            stripped.startswith("◎")
            or stripped in UNMARKED_SECTIONS
            or BYLINE_LINE.match(stripped)
            or stripped in seen
        ):
            pytest.fail(f"{name}: text lost: {stripped[:40]!r}")
        seen.add(stripped)


def test_author_mark_and_inline_title():
    arts2 = articles(P2)
    a = find(arts2, "从传统政德汲取文化养分")
    assert a.byline == "孙阳阳" and a.section == "观潮"
    text4 = seed(P4)
    b = find(articles(P4), "联创共建共享 守护国门荣光")
    s, e = b.title_span
    assert text4[s - len("◎学思践悟 "):e] == "◎学思践悟 联创共建共享 守护国门荣光"


def test_late_title_spans_point_after_body():
    text = seed(P2)
    a = find(articles(P2), "结对服务好不好,群众说了算")
    assert a.title_span[1] == len(text.rstrip())
    assert a.start == a.paragraphs[0][0] and a.end == a.title_span[1]


def test_crlf_page_parses_the_same():
    text = seed(P0)
    crlf = text.replace("\n", "\r\n")
    want = [(a.kind, a.title, a.section, a.byline, len(a.paragraphs)) for a in parse_page(text, P0)]
    arts = parse_page(crlf, P0)
    assert [(a.kind, a.title, a.section, a.byline, len(a.paragraphs)) for a in arts] == want
    for a in arts:
        s, e = a.title_span
        assert crlf[s:e] == a.title


# --------------------------------------------------------------------------
# Arbitrary text never breaks the parser
# --------------------------------------------------------------------------

LINES = st.sampled_from(
    ["", "", " ", "◎广角", "◎", "◎孙阳阳", "观潮", "标题一行", "□本报记者 宋爽", "(本报记者 宋爽)",
     "本报记者 白丹 摄", "●", "●近日,某地开展活动。(尤可)", "★名词:解释。", "正文一段话,没有结束",
     "继续的正文。", "图为民警在工作。 本报记者 陈春艳 摄", "。。。", "“", "\r", "\t\u3000"]
)


def _check_spans(text: str, arts: list[Article]) -> None:
    n = len(text)
    paras = []
    for a in arts:
        assert a.title_span is not None
        ts, te = a.title_span
        assert 0 <= ts < te <= n and a.title == text[ts:te]
        for s, e in a.paragraphs:
            assert 0 <= s < e <= n and text[s:e].strip()
            paras.append((s, e))
        inside_first = bool(a.paragraphs) and a.paragraphs[0][0] <= ts and te <= a.paragraphs[0][1]
        # a title line is its own text; a derived title lies inside the first paragraph
        if not inside_first:
            assert all(te <= s or e <= ts for s, e in a.paragraphs)
    paras.sort()
    for (_, e1), (s2, _) in zip(paras, paras[1:]):
        assert e1 <= s2, "paragraph spans overlap"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_page_never_raises_on_random_text(text: str):
    _check_spans(text, parse_page(text, "x.txt"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(LINES, st.text(max_size=12)), max_size=40), st.sampled_from(["\n", "\r\n", "\n\n"]))
def test_parse_page_never_raises_on_page_like_text(lines: list[str], sep: str):
    text = sep.join(lines)
    _check_spans(text, parse_page(text, "x.txt"))


@pytest.mark.parametrize("text", ["", "\n\n\n", "。", "◎", "标题", "●", "(本报记者 宋爽)", "abc" * 500])
def test_parse_page_edge_cases(text: str):
    _check_spans(text, parse_page(text, "x.txt"))


# --------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------


def test_read_text_utf8_bom_keeps_crlf():
    assert read_text(FIXTURES / "utf8_bom.txt") == "◎广角\r\n\r\n标题\r\n\r\n正文。\r\n"


def test_read_text_utf16_with_bom():
    assert read_text(FIXTURES / "utf16_bom.txt") == "◎观潮\n\n党旗飘扬\n\n正文。\n"


def test_read_text_gb18030():
    raw = (FIXTURES / "gb18030.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert read_text(FIXTURES / "gb18030.txt") == "◎掠影\n\n讲好红色故事\n\n民警为孩子们讲述党史故事。\n"


def test_read_text_binary_is_refused():
    with pytest.raises(CorpusError, match=r"binary\.txt.*(binary|NUL)"):
        read_text(FIXTURES / "binary.txt")


def test_read_text_undecodable_is_refused(tmp_path: Path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok \x80\xff")
    with pytest.raises(CorpusError, match=r"bad\.txt.*UTF-8"):
        read_text(bad)


def test_read_text_missing_file(tmp_path: Path):
    with pytest.raises(CorpusError, match="nope.txt"):
        read_text(tmp_path / "nope.txt")


def test_seed_offsets_match_plain_utf8_reading():
    for name in EXPECTED:
        assert seed(name) == (SEEDS / name).read_bytes().decode("utf-8")


# --------------------------------------------------------------------------
# Loading a corpus folder
# --------------------------------------------------------------------------


def test_read_corpus_seeds():
    pages = read_corpus(SEEDS).pages
    assert [p.source for p in pages] == sorted(EXPECTED)
    for page in pages:
        assert [a.title for a in page.articles] == [t for _, t, _, _ in EXPECTED[page.source]]
        source, text, arts = page  # also usable as a plain tuple
        assert text == seed(source) and arts == page.articles


def test_read_corpus_nested_sorted_and_hidden_skipped(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "p.txt").write_text("标题\n\n□本报记者 宋爽\n\n正文。\n", encoding="utf-8")
    (tmp_path / "a.txt").write_bytes("◎观潮\n\n正文。\n".encode("gb18030"))
    (tmp_path / ".git" / "x.txt").write_text("x", encoding="utf-8")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    pages = read_corpus(tmp_path).pages
    assert [p.source for p in pages] == ["a.txt", "b/p.txt"]
    assert pages[1].articles[0].title == "标题"
    assert pages[1].articles[0].byline == "本报记者 宋爽"


def test_read_corpus_errors(tmp_path: Path):
    with pytest.raises(CorpusError, match="not found"):
        read_corpus(tmp_path / "missing").pages
    with pytest.raises(CorpusError, match="no \\*.txt"):
        read_corpus(tmp_path).pages
