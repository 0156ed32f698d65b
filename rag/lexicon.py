"""The Chinese answer-type vocabulary, as tables: measure words and units, roles and titles,
place kinds, event verbs, cause words, speech verbs. rag/question.py builds its patterns from
these tables and holds no word lists of its own; a new word is one table entry.

Every entry is a general fact of the language or of news writing (a 县 is answered by a name
ending in 县 or 旗, 由于 gives a cause, 说 attributes speech), never a fix for one question.
Patterns are written for normalised text (rag.text.normalize: simplified, half-width, lower case).
"""
from __future__ import annotations

from dataclasses import dataclass

# Digits and numerals: "300", "３００", "三百", "两万".
NUMERALS = "0-9０-９一二三四五六七八九十百千万亿两"

# --- quantities ---------------------------------------------------------------------------------

# Measure words a how-many question may ask for (多少户, 几名); longer ones first where one
# begins another (公里 before 公...). "a" is 几A级景区, folded.
ASKED_UNITS = ("公里 小时 块钱 万元 平方米 个月 分钟 公斤 公顷 人次 个 名 位 人 户 元 钱 亩 吨 岁 天 次 处 家 项 米 袋 册 份 场 "
               "支 条 所 座 间 辆 台 架 艘 棵 株 栋 届 期 批 张 件 套 篇 周 年 季 倍 头 只 匹 例 公尺 公分 世纪 a").split()
# Units that begin no other word: "多少辆车" asks for 辆 though jieba makes 辆车 one word.
ALWAYS_UNITS = frozenset("辆 台 架 艘 棵 株 栋 届 期 批 岁 亩 吨 户 头 只 匹 例 a".split())
# Units of time: "过了几年成立" counts years, not 成立; "几世纪时传入日本" centuries, not 日本.
TIME_UNITS = frozenset("年 个月 周 天 小时 分钟 世纪".split())
# Units that state the same count: 几位 is answered by 5名 or 5人; 几支突击队 by 突击队4个.
# Money is stated in other currencies too: "150万美元", "1万日圆", "3000英镑".
CURRENCIES = tuple("美元 欧元 日元 日圆 英镑 港元 港币 澳元 加元 韩元 台币 卢布 法郎 马克 比索 先令 里拉".split())
SAME_UNITS = {"名": ("名", "人", "位"), "位": ("名", "人", "位"), "人": ("名", "人", "位"), "钱": ("元",) + CURRENCIES, "块钱": ("元",),
              "万元": ("元",), "支": ("支", "个")}
# A number followed by one of these states some quantity ("300户", "20公里" by its 公, "5%").
QUANTITY_MARKS = "个名人年月日次项家处亩米吨元万亿%％岁天种类支条余多公世"
# Measure words between a question word and the noun it asks about (哪家公司, 几个村).
FOCUS_MEASURES = "个名位户家些所支份项条种类座处点天句级"
AGE_UNITS = ("岁", "周岁")
MONEY_UNITS = ("元",) + CURRENCIES + ("%", "％", "倍", "成")
RATE_UNITS = ("%", "％", "成")

# English nouns a how-many question counts, and the Chinese measure words that count each: an
# English question meets a Chinese answer's count only through them ("How many households" -> 户, 家).
# Things counted one by one take 个 too, the general measure word (6个分校); people take 名, 人, 位.
ENGLISH_COUNTED = {
    **dict.fromkeys("people persons residents members workers volunteers students officers cadres villagers "
                    "visitors tourists participants trainees children elders staff employees farmers herders "
                    "policemen teachers doctors soldiers viewers athletes players".split(), ("名", "人", "位")),
    **dict.fromkeys("households families".split(), ("户", "家")),
    **dict.fromkeys("companies enterprises firms".split(), ("家", "个")),
    **dict.fromkeys("vehicles cars trucks".split(), ("辆", "台")),
    "schools": ("所", "个"), "yuan": ("元",), "tons": ("吨",), "tonnes": ("吨",), "mu": ("亩",), "hectares": ("公顷",),
    "kilometres": ("公里",), "kilometers": ("公里",), "metres": ("米",), "meters": ("米",), "years": ("年",),
    "months": ("个月",), "days": ("天",), "hours": ("小时",), "minutes": ("分钟",), "times": ("次",),
}
# The Chinese nouns for what an English how-many question counts: a count may go without a measure
# word ("24万党员干部" for "How many Party members and cadres"), and a measure word counts the asked
# thing only next to its noun ("142名民警", not "437名学员", for "How many police officers").
ENGLISH_COUNTED_NOUNS = {
    "members": ("党员", "成员", "会员", "社员", "队员"), "cadres": ("干部",), "officials": ("干部", "官员"),
    **dict.fromkeys("officers policemen police".split(), ("民警", "警察", "交警", "警员", "干部", "官兵")),
    "students": ("学生", "学员"), "trainees": ("学员",), "volunteers": ("志愿者", "队员", "志愿服务"),
    "villagers": ("村民", "农牧民", "群众"), "farmers": ("农户", "农民", "农牧民"), "herders": ("牧民", "牧户", "农牧民"),
    "children": ("孩子", "儿童", "学生"), "visitors": ("游客",), "tourists": ("游客",),
    "workers": ("工人", "职工", "员工"), "employees": ("员工", "职工"), "teachers": ("教师", "老师"),
    "doctors": ("医生", "医护"), "elders": ("老人", "老年人"), "residents": ("居民", "群众"),
    "soldiers": ("官兵", "战士", "士兵"), "athletes": ("运动员",), "players": ("选手", "球员"),
    **dict.fromkeys("companies enterprises firms".split(), ("企业", "公司")), "schools": ("学校",),
    **dict.fromkeys("vehicles cars trucks".split(), ("车辆", "汽车", "货车")),
}
# The Chinese nouns for what an English question measures ("What is the population of…" -> 人口,
# "What monthly salary…" -> 工资, 薪酬…): a value answers only next to what it measures, as in Chinese
# (news states a gain in income as 增收: "农户每年增收2万余元").
ENGLISH_MEASURED_NOUNS = {
    "population": ("人口",),
    **dict.fromkeys("salary salaries wage wages pay".split(), ("工资", "薪", "收入", "待遇")),
    "budget": ("预算", "经费"), **dict.fromkeys("profit profits".split(), ("利润", "盈利", "收益", "纯收入")),
    "revenue": ("收入", "营收", "营业额", "销售额"), "income": ("收入", "增收"), "investment": ("投资",),
    "output": ("产值", "产量"),
}
# English words for money: "How much funding" asks for an amount in 元.
ENGLISH_MONEY = "money funding funds investment income revenue profit profits cost costs subsidy subsidies salary wages budget capital".split()
# Nouns for money: "收入增长了多少" asks for an amount in 元, or a share or a multiple.
MONEY_NOUNS = ("收入 工资 薪酬 价格 票价 奖金 利润 费用 资金 经费 成本 收益 产值 投资 补贴 营业额 收费 售价 单价 价钱 租金 "
               "学费").split()
# Verbs of earning: "工人一天能挣多少" asks for money (日工资130元), not for how many 工人.
EARNING_VERBS = ("挣", "赚")
# Nouns for groups of people: "接待多少游客" asks for a number of people.
PEOPLE_NOUNS = ("游客 人口 居民 学员 党员 群众 村民 职工 员工 民警 志愿者 老年人 老人 儿童 学生 孩子 干部 选手 观众 工人 "
                "人员").split()
# Nouns for a share: "满意率是多少" asks for a percentage.
RATE_NOUNS = ("比例", "占比", "比重", "百分比")

# --- dates and events ---------------------------------------------------------------------------

DATE_MARKS = "年月日号"  # after a number: "2015年", "7月", "3日", "5号"
CLOCK_MARKS = "时点"  # after digits only: "三点建议" and "一时间" are no times
DATE_WORDS = ("今年", "去年", "前年", "当天", "当日")
# News dates an event by the holiday it falls near as often as by the calendar ("国庆前夕",
# "春节期间", "中秋节当天"). Holidays whose name means nothing else date alone; the others (named by
# their date, "七一"; or also a word or given name, "清明", "国庆") only before 节 or a time word,
# since "八一中学", "政治清明" and "王国庆" name no time.
FESTIVALS = tuple("春节 除夕 元旦 端午 中秋 重阳 劳动节 儿童节 教师节 妇女节 建党节 建军节 植树节".split())
DATED_FESTIVALS = tuple("五一 六一 七一 八一 十一 三八 五四 国庆 清明 元宵 七夕 腊八".split())
FESTIVAL_TIMES = tuple("来临之际 前夕 期间 前后 之际 当天 当日 到来 假期 长假".split())
# History is dated by its periods as often as by years: a dynasty ("东汉", "始建于南宋", "宋代末",
# "清末民初"), an emperor's reign ("康熙年间", "清同治年间"), a century (a number before 世纪, in
# QUANTITY_MARKS' 世), a geological period ("侏罗纪"). Dynasties named by one character take 朝, 代
# or a 末/初 (元朝, 清代, 明末); 民国 and 三国 are left out, being names of states as often as times.
DYNASTIES = tuple("西周 东周 春秋 战国 西汉 东汉 西晋 东晋 南北朝 北魏 北齐 北周 北宋 南宋".split())
DYNASTY_CHARS = "夏商周秦汉晋隋唐宋元明清"
DYNASTY_TIME_ENDS = "朝代末初"
REIGN_TIME_END = "年间"  # after a reign's name (two characters): 康熙年间, 同治年间
GEOLOGICAL_PERIODS = tuple("寒武纪 奥陶纪 志留纪 泥盆纪 石炭纪 二叠纪 三叠纪 侏罗纪 白垩纪 古近纪 新近纪 第四纪".split())
# Reporters vary the verb: a meeting 举行 in the question is 召开 in the article.
SAME_EVENTS = (("举行", "举办", "召开", "开幕", "开班"),
               ("成立", "组建", "创建", "建立", "创办", "设立", "创立", "设置", "改设"),
               ("开始", "启动", "开启", "推行", "实施", "年起", "月起", "日起"),
               ("兴建", "修建", "始建", "建造", "建成", "建于", "动工", "开工"),
               ("颁布", "公布", "发布", "颁行"), ("产生", "形成", "出现"))
# Verbs of aspect: they say that something begins or goes on, not what happens.
ASPECT_VERBS = frozenset("开始 正式 首次 陆续 逐渐 继续 重新 着手".split())

# --- people: roles, titles, speech --------------------------------------------------------------

# Titles that alone say little: whose 书记? (党支部书记, 组织部部长, 旗委书记)
BARE_TITLES = frozenset("书记 部长 主任 队长 局长 站长 所长 校长 院长 社长 处长 科长 会长 主席".split())
# How the names of roles held by one person end: the article names the holder next to them.
# A kin word names a person's place as a title does ("李军的妻子叫什么名字": the article names her
# after it, 妻子王某).
PERSON_ROLE_ENDS = ("长", "书记", "主任", "委员", "主席", "员", "老师", "主持人", "女孩", "男孩", "爷爷", "奶奶", "师傅", "医生",
                    "妻子", "丈夫", "爱人", "儿子", "女儿", "父亲", "母亲", "祖父", "祖母")
# Short forms of titles and the full forms articles write: a question asks for the 政委 or the 村支书,
# the article names the 政治委员 or the 村党支部书记.
TITLE_SHORT_FORMS = {"政委": "政治委员", "支书": "党支部书记"}
# How a deputy's title ends (副部长, 副主任): a deputy is another person.
DEPUTY_TITLE_ENDS = ("长", "书记", "主任", "委员", "队长")
# A second title between a role and its holder's name ("副部长、干部人事档案中心副主任冀志江").
MORE_TITLE_ENDS = ("长", "书记", "主任", "委员", "主席")
# Party bodies between a place and a title ("中山社区党委书记"; 组织部部长 is the 组织部长).
PARTY_BODIES = ("党委", "党总支", "党支部", "党组", "党工委", "部")
# Verbs of speech: a name before one is a person's ("策根说").
SPEECH_VERBS = frozenset("说 介绍 告诉 表示 指出 坦言 感慨 谈到".split())
# Words that open a sentence continuing the one before: a pronoun standing for someone or
# something named there (他提出…, 该馆…), or a time told there (同年…, 此后…). Such a sentence
# says who, what or when only together with the one before it.
REFERS_BACK_OPENERS = ("他们 她们 它们 牠们 祂们 他 她 它 牠 祂 其 该 此 这 那 上述 前者 后者 本人 同年 次年 翌年 当年 同月 "
                       "次月 当时 此后 其后 之后 随后 随即").split()  # 牠, 祂: the written pronouns of an animal, a god
# A demonstrative in a sentence's first clause, wherever it stands ('然而经过这次毁灭之后…', '…的就业机会在该市'):
# the thing it points to was named in the sentence before, and may be what a question asks for.
POINTING_DEMONSTRATIVES = ("这个 这次 这种 这座 这位 这场 这项 这些 这一 这是 这里 此次 此地 此时 该").split()
# Parts of speech (jieba's tags) whose word opening a sentence means it has no subject of its own,
# as Chinese leaves out a subject the sentence before has named ('完成了…', '曾自称…'): verbs and
# adverbs. Conjunctions opening a sentence (因此, 而) are passed over to the word after.
SUBJECTLESS_OPENING_TAGS = ("v", "d")

# --- places -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceKind:
    """A kind of place and how questions and articles use it.

    answered_by: the kinds of name that answer "哪个<kind>" (哪个县: 清水河县 or 阿拉善右旗), in
        the order they are tried; empty when questions do not ask for this kind; "*": any place
        name answers (哪个城市: 赤峰市, but also 伦敦).
    asked_where: "哪个<kind>" asks where (哪个社区); "哪个大队" does not.
    title_place: an administrative unit whose name may stand before an officer's title
        (赤峰市委书记, 巴林左旗的旗委书记) and ends a place name, not a person's.
    ends_place: a word ending in it names a place: "named" after at least two characters
        (兴和县; not 辖区), "any" however short (社区).
    named_by_use: names of this kind say what is done there, a verb before the kind being part of
        the name (实践基地, 示范基地), not a verb that takes it as object (协调学校)."""

    name: str
    answered_by: tuple[str, ...] = ()
    asked_where: bool = False
    title_place: bool = False
    ends_place: str | None = None
    named_by_use: bool = False


def _place(name: str, answered_by: str = "", asked_where: bool = False, title_place: bool = False,
           ends_place: str | None = None, named_by_use: bool = False) -> PlaceKind:
    return PlaceKind(name, tuple(answered_by.split()), asked_where, title_place, ends_place, named_by_use)


PLACE_KINDS = (
    _place("省", "省 自治区", asked_where=True, ends_place="named"),
    _place("省份", "省 自治区"),
    _place("自治区"),
    _place("盟", title_place=True),
    _place("市", "市", asked_where=True, title_place=True, ends_place="named"),
    _place("城市", "*", asked_where=True),
    _place("县", "县 旗", asked_where=True, title_place=True, ends_place="named"),
    _place("旗", "旗 县", asked_where=True, title_place=True, ends_place="named"),
    _place("区", "区", asked_where=True, title_place=True, ends_place="named"),
    _place("镇", "镇 乡 苏木", asked_where=True, title_place=True, ends_place="named"),
    _place("乡", "乡 镇 苏木", asked_where=True, title_place=True, ends_place="named"),
    _place("乡镇", "乡 镇 苏木"),
    _place("苏木", "苏木 镇 乡", asked_where=True, title_place=True, ends_place="any"),
    _place("村", "村 嘎查", asked_where=True, title_place=True, ends_place="named"),
    _place("嘎查", "嘎查 村", asked_where=True, title_place=True, ends_place="any"),
    _place("社区", "社区", asked_where=True, title_place=True, ends_place="any"),
    _place("街道", "街道", asked_where=True, title_place=True, ends_place="any"),
    _place("中心", ends_place="named"),
    _place("学校", "学校 大学 学院 中学 小学 党校 院校 军校 警校 技校", asked_where=True, ends_place="any"),
    _place("大学", "大学 学院", asked_where=True, ends_place="any"),
    _place("学院", ends_place="any"),
    _place("院校", "学校 大学 学院 党校 院校", asked_where=True),
    _place("党校", "党校"),
    _place("博物馆", "博物馆 纪念馆 展览馆", asked_where=True, ends_place="any"),
    _place("纪念馆", "纪念馆 博物馆", ends_place="any"),
    _place("基地", "基地", ends_place="any", named_by_use=True),
    # 哪条街: an address names a street or a road (新华大街, 中山路). Not 路 itself: 走哪条路 asks for
    # a way, 哪个路线 for a line.
    _place("街", "街 路 道 巷", asked_where=True),
    _place("大街", "街 路 道", asked_where=True),
    *(_place(name, ends_place="any") for name in "图书馆 广场 公园 窗口 口岸 界碑 礼堂 会议室 活动室".split()),
    _place("地方", asked_where=True),
)
# What jieba glues to the end of a place kind in a question, leaving the kind asked for all the same:
# a locative (哪个村里, 哪条街上, 哪个镇上) and 毕业 after a school (哪所大学毕业, 哪所中学毕业).
AFTER_ASKED_KIND = ("上", "里", "内", "中", "外", "毕业")
# China's provinces, regions and municipalities, named without their kind (黑龙江 for 黑龙江省): such a
# name answers 哪个省 as well as one that ends in 省.
PROVINCE_NAMES = tuple("北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 "
                       "四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆".split())
# The kinds a question may ask for, and what answers each.
ASKED_PLACE_KINDS = {k.name: "|".join(k.answered_by) for k in PLACE_KINDS if k.answered_by}
TITLE_PLACE_ENDS = tuple(k.name for k in PLACE_KINDS if k.title_place)
NAMED_BY_USE = frozenset(k.name for k in PLACE_KINDS if k.named_by_use)
# Administrative units: a name ending in one is one place, and its neighbour differs by a character
# (苏尼特左旗 / 苏尼特右旗, 乌拉特前旗 / 乌拉特后旗).
ADMINISTRATIVE_ENDS = ("省", "自治区", "自治州", "州", "新区") + TITLE_PLACE_ENDS
# ... but these words end in a unit's character and name no unit: flags, markets, kinds of area, and
# 地区, a region as loosely drawn as the writer likes (华北地区, 青海地区, 满洲地区).
NOT_ADMINISTRATIVE_ENDS = tuple("红旗 国旗 党旗 锦旗 彩旗 军旗 团旗 队旗 超市 城市 都市 夜市 集市 股市 门市 菜市 "
                                "地区 景区 园区 小区 城区 市区 郊区 辖区 牧区 灾区 展区 校区 片区 街区 库区 矿区 林区 山区 "
                                "营区 院区 厂区 港区 湖区".split())
# Words that ask where when they close a "哪些…" question: 哪些省份, 哪些地方.
WHERE_AFTER_WHICH_SOME = ("省份", "地方", "地区", "城市")
# Characters that name no place before a kind: 全县, 该村, 各社区, 十个村.
NO_NAME_CHARS = frozenset("全该本各每此其这那个一二两三四五六七八九十几多外")
# ... nor, before a place named with a title, these: '意见的社区', '当地社区'.
NO_NAME_BEFORE_TITLE_PLACE = NO_NAME_CHARS | frozenset("的之当在")
# Prepositions and conjunctions: '且离县城', '以社区为依托' (和 and 同 end names: 兴和县, 大同市).
LINKING_CHARS = frozenset("以对为从且离在与及等的向到了把被将给跟或并而由于")
# 内蒙古 itself, in '我区' reporting: never the answer to 哪个区.
NOT_PLACES = frozenset(["自治区"])
# "问题出在哪" asks what went wrong, not where.
WENT_WRONG_NOUNS = ("问题", "症结", "毛病", "差距", "短板", "根源", "原因", "关键")

# --- reasons and ways ---------------------------------------------------------------------------

# Words that give a cause or a purpose (由于…导致, 为了, 随着; 让 and 使 give an effect's cause).
# Each counts as a whole word only, as jieba segments the sentence: 伴随着 accompanies, 使用 uses,
# 成为了 becomes, 转让 transfers; so the compounds that do give a cause are listed too (使得, 之所以).
CAUSE_WORDS = ("因为 由于 原因 导致 造成 所以 因此 旨在 目的 为了 随着 随之 针对 为此 以便 从而 得益于 源于 谐音 "
               "让 使 在于 否则 不然 "
               "使得 促使 迫使 致使 是因为 之所以 关键在于 起源于 来源于 以致 以免 为的是 以此 以期 借以 用以").split()
# 为 ends these verbs of naming: '又称为什么' asks what it is called, not why.
NAMING_VERB_ENDS = frozenset("称名成作视改定列分认译叫转变更")
# Phrases that ask for several things: 有哪些成员单位, 哪几方面, 几个方面, 都送些什么; a number after 哪
# asks for that many (“五送”送的是哪五样, 亮出哪三样); 哪一 asks for one.
LIST_WORDS = ("哪些", "哪几", "几个方面", "几方面", "些什么", "都有什么", "包括什么") + tuple(f"哪{n}" for n in "两三四五六七八九十")
# How news tells a way of doing things: a framing sentence (总述) names the approach in the abstract,
# and the sentences after it tell the measures one by one (分述). A how-question is answered by a
# measure, not by the frame, though the frame matches the question's topic best.
# The frame: 坚持…, 以…为抓手/载体, 形成…局面, …举措之一, 是…的一个缩影.
FRAMING_WORDS = ("坚持",)
FRAMING_ROLES = ("抓手 载体 重点 主线 引领 保障 核心 契机 切入点 突破口 目标 导向".split())  # 以…为抓手
FRAMING_OUTCOMES = ("局面 格局 氛围 态势 合力 热潮".split())  # 形成…良好局面
FRAMING_INSTANCES = ("举措 实例 缩影 做法".split())  # …举措之一, 是…的一个缩影
# A measure: a way taken (采取/通过…方式), a rule issued or put in force (出台, 实行), or one more
# measure added (同时, 此外, 另外).
MEANS_VERBS = ("采取 通过 采用 利用 借助 运用 依托".split())
MEANS_NOUNS = ("方式 办法 措施 举措 途径 手段 形式 渠道".split())
MEASURE_VERBS = ("出台 实行 采取".split())
# Phrases that ask how something is done: 怎样, 如何, 咋 (spoken), 靠什么, or a question word before a noun of means
# (用什么办法, 靠哪些办法, 采取了哪些举措, 通过何种途径): the question then asks for the means, not a thing.
# Not 形式 or 渠道: '呈现什么形式' asks for a shape, a thing.
MEANS_ASKED = ("方式 方法 办法 措施 举措 途径 手段 做法".split())
HOW_WORDS = ("怎样", "怎么", "如何", "咋", "通过什么", "靠什么",
             *(f"{which}{means}" for which in ("什么", "哪些", "哪几种", "哪种", "何种") for means in MEANS_ASKED))
ADDING_WORDS = ("同时 此外 另外".split())
# Verbs of furthering a goal (提高通关效率, 调动…积极性): a how-question names its goal with one, and
# news tells each measure with the goal it served, often in other words (有效提升了通关效能).
GOAL_VERBS = ("提高 提升 增强 加强 改善 优化 促进 推动 推进 调动 激发 激励 带动 保障 确保 加快 扩大 增加 降低 "
              "减少 缩短 减轻 维护 巩固 壮大 发挥 助力 破解 化解 满足 激活 增进 强化".split())
# Nouns that stand for a question word in a keyword query, and the question each makes of the query
# word it ends ({} is the rest of that word): '数量' -> '有多少', '成立时间' -> '什么时候成立',
# '考核方式' -> '用什么方式考核'. A search box is asked in nouns where a reader asks in words.
KEYWORD_SLOTS = {"数量": "{}有多少", "人数": "{}多少人", "个数": "{}有多少个", "总数": "{}共有多少", "次数": "{}多少次",
                 "时间": "什么时候{}", "日期": "什么时候{}", "年份": "哪一年{}",
                 "目的": "{}目的是什么", "原因": "{}原因是什么",
                 "方式": "用什么方式{}", "办法": "用什么办法{}", "措施": "采取什么措施{}", "做法": "有什么做法{}",
                 "地点": "在哪里{}"}
# Light verbs say nothing about what is done: '怎么解决的' is told without 解决.
LIGHT_VERBS = frozenset("解决 出来 开展 帮助 帮忙 进行 实现 处理".split())

# Characters that carry nothing of what is asked: particles and the commonest function words. A pair
# of characters holding one (州的, 是什) is no part of the question's content (rag.question.content_pairs).
FUNCTION_CHARS = frozenset("的了是在于和与及吗呢么也都而被把将")

# --- words that name nothing in particular ------------------------------------------------------

GENERIC_WORDS = frozenset("时间 名字 东西 地方 方面 情况 问题 工作 活动 单位 人员 内容 方式 办法 措施 作用 意义 "
                          "一共 总共 共有 具体 现在 分别 主要 大概 大约 设施 领导 发生 进行 出现 "
                          "时候 之后 之前 以后 以前 样子".split())
# Classes whose members are named without the class word: 哪个国家 is answered by 法国, 哪个朝代
# by 元代, 多少比例 by 30%; such a noun is no focus an answer must mention (哪个纪念馆 is:
# 集宁战役纪念馆 ends in its kind).
CLASS_NOUNS = frozenset("国家 朝代 民族 语言 宗教 身份 身分 职业 季节 颜色 年代 世纪 品种 物种 比例 占比 比重 百分比 "
                        # posts, bodies and people in the abstract: 哪个职位 -> 议长, 哪个机构 -> 美国电影学会
                        "职位 职务 官职 头衔 组织 机构 团体 部门 领导者 领导人 人物 作者 "
                        # times, kinds, parts and reasons: 哪段时期 -> 战国, 哪种形式 -> 纪录片
                        "时期 期间 时代 阶段 年份 月份 类型 种类 形式 部分 原因 理由 目的 用意 动机 "
                        # schools of thought and groups, named by their own word: 哪一宗派 -> 禅宗
                        "派别 教派 宗派 学派 流派 族群 理论 学说 疾病 "
                        # documents, works and words, named in title or quotation marks: 哪份文件 -> 《关于…的意见》,
                        # 哪本著作 -> 《星际信使》
                        "文件 全称 名称 口号 标语 古语 名言 著作 作品 典籍 书籍 文献 "
                        # measured attributes, stated by their value: 面积是多少 -> 建成1200平方米的车间
                        "面积 人数 数量 金额 总额 总数 长度 高度 宽度 深度 重量 距离 上限 下限 规模 "
                        # cities, named by their own names: 哪一个城市 -> 匹兹堡, 雅典
                        "城市 都市".split()
                        # sums of money, stated in a currency: 花了多少经费 -> 出资150万美元
                        + MONEY_NOUNS)
# Complements that close a verb ('加起来有多少'): they name no thing asked about.
VERB_COMPLEMENTS = frozenset("起来 下来 出来 上来 过来 回来 下去 出去 上去 进去 起去".split())
