"""What a question asks for: quantity or date, unit and what it counts, focus, role."""
from __future__ import annotations

import pytest

from rag.question import (analyse, asks_how, restates_goal, question_kind, tells_measure, question_parts, stands_alone, asked_names, named_places, names_no_other_edition, names_places, mentions_event, mentions_names, counted_nouns, english_counted_units, focus_nouns, gives_asked_reason, mentions_focus, measured_nouns, lists_items, names_action, names_new_place, names_role, spells_out, writes_verbatim, states_asked_unit, states_counted_unit,
                          Sentence, states_asked_value, states_measured, states_pinned, states_quantity)


@pytest.mark.parametrize("question, nouns", [
    ("八龙湾大峡谷景区的门票价格是多少?", ["门票价格"]),
    ("阿拉善边境管理支队的支队长是谁?", ["支队长"]),
    ("李军的抖音号一共有多少粉丝?", ["粉丝"]),
    ("赤峰干教学习平台是由哪家公司开发建设的?", ["公司"]),
    ("乌拉特中旗哪位领导说要走出去?", []),  # 领导 names no office: the article says 旗委书记
    ("乌兰察布市委组织部常务副部长叫什么名字?", ["部长"]),  # not 名字: it names nothing in particular
    ("How many tourists visited?", []),
    ("有多少村民参加?", ["村民"]),  # the word the measure-word match cut into, not the verb after it
    # The asked event of a when-question is the value check's (dated_event), not a focus the answer must repeat.
    ("他是哪一年加入中国共产党的?", []),
    ("哪一座位于韩国的岛屿植被是阔叶常绿植被?", []),  # a verb opening a clause about the thing asked
    ("罗塞塔号是由哪个机构发射的?", []),  # a class named without its word: 欧洲空间局
    ("韩国国会的哪一个职位两年一换?", []),
    ("参观了哪个纪念馆?", ["纪念馆"]),  # a kind its names end in: 集宁战役纪念馆
    ("办公厅印发了哪份文件?", []),  # segmented 份文件; and a document is named by its title, not 文件
    ("伽利略在哪本著作中介绍了木星的卫星?", []),  # a work is named by its title: 《星际信使》
    ("两次争取到的帮扶资金加起来有多少?", []),  # 起来 closes the verb, it names nothing
    ("网格员李洋负责的是哪个小区的网格群?", ["小区"]),  # not 负责: '负责的' is what comes after 是
    ("车间的面积是多少?", []),  # an attribute, stated by its value: 建成1200平方米的车间
    ("景区的门票多少钱?", ["门票"]),  # the noun right before 多少 is what is measured
    ("全市人口多少?", ["人口"]),
    ("民警给多少个孩子送了书包?", ["孩子"]),  # not 民警: a verb (给) stands between it and 多少
])
def test_focus_nouns(question, nouns):
    assert focus_nouns(question) == nouns


def test_asked_unit_accepts_equivalent_units():
    frame = analyse("有多少名民警参加?")
    assert frame.counted == ("民警",)
    assert states_asked_unit(frame, "142人次民警参加了轮训。") and states_asked_unit(frame, "共有5位民警。")
    assert not states_asked_unit(frame, "建了3个站点。")
    assert not states_asked_unit(frame, "142人参加了轮训。"), "a number of people, but not of 民警"
    assert analyse("少先队员有多少人?").counted == () and states_asked_unit(analyse("少先队员有多少人?"), "共30人")
    assert analyse("门票价格是多少?").unit_pattern.search("票价50元")  # an amount of money: 元
    assert analyse("门票有多少种?").unit_pattern is None
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


@pytest.mark.parametrize("question, nouns", [("有多少名学员结束了培训?", ("学员",)), ("辽阳村有多少户村民?", ("村民",)),
                                             ("评出了多少个干事创业好班子?", ("干事", "班子")),
                                             ("每人奖励多少钱?呼和浩特市哪位书记?", ()), ("建了多少处设施?", ()),
                                             ("解决了多少亩地的浇水问题?", ()), ("过了几年成立服务队?", ()),
                                             ("山地大多高达海拔多少米之上?", ())])  # a locative bounds the number
def test_counted_nouns(question, nouns):
    assert counted_nouns(question) == nouns


def test_a_number_next_to_the_head_of_the_counted_phrase_counts():
    frame = analyse("杭锦后旗评出了多少个干事创业好班子?")
    assert states_asked_unit(frame, "该旗评选出干事创业好班子12个,分别给予10万元奖励。")
    assert not states_asked_unit(frame, "全旗有12个单位参加评选。")


def test_when_questions_need_a_date_and_which_ones_is_no_quantity():
    when = analyse("乌力吉口岸预计什么时候建成通关?")
    assert when.wants_date and states_asked_value(when, "口岸于2015年建成。") and states_asked_value(when, "今年建成通关。")
    assert not states_asked_value(when, "口岸建成了3个通道。")
    assert not states_asked_value(when, "今年2月成立了国门护卫队。"), "a date of another event"
    assert not states_asked_value(when, "日前,口岸建成通关。"), "日前 gives no date"
    how_many = analyse("建成了几个通道?")
    assert states_asked_value(how_many, "口岸建成了3个通道。") and not states_asked_value(how_many, "口岸正在建设。")
    assert not analyse("有哪几位代表?").wants_quantity  # 哪几 asks which ones, not how many


@pytest.mark.parametrize("question, event", [("固阳县驻包党群服务中心是哪一年成立的?", "成立"),
                                             ("李军是哪一年加入中国共产党的?", "加入"),
                                             ("他是哪一年在内蒙古率先开通平台的?", None),  # a place, no verb
                                             ("述职会是哪天开的?", None), ("有多少人?", None)])
def test_dated_event(question, event):
    assert analyse(question).event == event


def test_a_date_counts_next_to_a_same_kind_of_verb():
    meeting = analyse("观摩活动是什么时候举行的?")
    assert states_asked_value(meeting, "7月26日,全市召开观摩会。") and not states_asked_value(meeting, "7月26日,全市成立观摩组。")


@pytest.mark.parametrize("question, unit_text, other_text", [
    ("乌海市雷锋车队一共有多少辆车?", "车队有30辆车。", "队长连续8年接送考生。"),  # 辆车 is one jieba word
    ("半身不遂的陈永今年多大年纪?", "陈永今年45岁。", "5年来一直卧床。"),
    ("马鞍山景区是国家几A级景区?", "马鞍山是国家4A级景区。", "有13个旅游村。"),
    ("高雪芹担任书记多少年了?", "她担任书记已有12年。", "社区有2012户居民。"),
    ("李军开通平台后过了几年成立服务队?", "2015年,李军成立了服务队。", "服务队帮扶了4个家庭。")])
def test_more_units_and_ages(question, unit_text, other_text):
    frame = analyse(question)
    assert states_asked_value(frame, unit_text) and not states_asked_value(frame, other_text)


@pytest.mark.parametrize("question, wants", [("培训班在哪里举办?", True), ("乌拉特中旗哪个社区开了书法班?", True),
                                             ("在哪所学校办的?", True), ("Where was it held?", True),
                                             ("茶座一般在什么地点举办?", True),
                                             ("是在哪一年铺设步道的?", False), ("结果用在哪些方面?", False),
                                             ("在哪天举办?", False), ("有多少人?", False)])
def test_where_questions(question, wants):
    assert analyse(question).wants_place is wants


def test_a_where_answer_names_a_place_the_question_does_not():
    question = "赤峰市的培训班在哪里举办?"
    assert names_new_place(analyse(question), "培训班在中国人民公安大学举办。")
    assert names_new_place(analyse(question), "培训班在兴和县举办。")
    assert not names_new_place(analyse(question), "赤峰市437名学员结束了培训班。"), "赤峰市 is in the question"
    assert not names_new_place(analyse(question), "辖区学员结束了培训。"), "辖区 names no place"


def test_the_number_must_count_the_asked_noun():
    frame = analyse("霍林郭勒市划分了多少个网格?")
    assert states_asked_unit(frame, "全市划分网格236个,配备网格员260人。")
    assert states_asked_unit(frame, "全市共有236个网格。")
    assert not states_asked_unit(frame, "改革前,霍林郭勒市12个单位在基层铺设了8类网格。"), "12个 counts 单位"


def test_money_questions_ask_for_yuan_and_latin_words_can_be_the_focus():
    income = analyse("八龙湾村的蔬菜大棚给农户带来多少收入?")
    assert states_asked_unit(income, "农户每年增收2万余元。") and not states_asked_unit(income, "建了50多个大棚。")
    assert analyse("乌兰察布市的GDP是多少?").focus == ("gdp",)


def test_traditional_and_full_width_questions_are_analysed_like_simplified_ones():
    assert analyse("霍林郭勒市劃分了多少個網格?").counted == ("网格",)
    assert analyse("支隊長是誰?").focus == ("支队长",)
    assert analyse("ＧＤＰ是多少?").focus == ("gdp",)


def test_who_questions_name_their_role():
    frame = analyse("阿拉善边境管理支队的支队长是谁?")
    assert frame.role == "支队长"
    assert names_role(frame, ["阿拉善边境管理支队支队长王某说。"])
    assert not names_role(frame, ["阿拉善边境管理支队政治委员李某说。"])
    assert analyse("谁是书记?").role is None and names_role(analyse("谁是书记?"), [])


def test_a_deputy_or_another_bodys_officer_does_not_name_the_role():
    head = analyse("乌兰察布市委组织部部长是谁?")
    assert not names_role(head, ["乌兰察布市委组织部常务副部长刘永忠说。"]), "副部长 is someone else"
    assert names_role(head, ["市委组织部部长乔宇说。"])
    deputy = analyse("乌兰察布市委组织部常务副部长是谁?")
    assert deputy.role == "副部长" and names_role(deputy, ["乌兰察布市委组织部常务副部长刘永忠说。"])
    secretary = analyse("霍林郭勒市委书记叫什么名字?")  # 叫什么名字 asks for a person too
    assert secretary.role == "市委书记"
    assert not names_role(secretary, ["霍林郭勒市委政法委书记张得明说。"]), "政法委书记 is another office"


def test_a_persons_role_must_be_followed_by_a_name():
    secretary = analyse("带头走上讲台讲政策的赤峰市委书记是谁?")
    assert not names_role(secretary, ["推动“千名领导干部上讲台”,市委书记率先垂范,发改等部门负责同志走上讲台。"])
    assert names_role(secretary, ["赤峰市委书记孟某某说。"])
    girl = analyse("被路人抬车救出的那个小女孩叫什么名字?")
    assert not names_role(girl, ["众人合力将越野车抬起,救出了卷在车底的小女孩,乌海市雷锋车队队长李某说。"])
    assert names_role(analyse("察哈尔社区党总支书记是谁?"), ["察哈尔社区党总支书记高雪芹告诉记者。"])
    assert names_role(analyse("锡林郭勒盟人社局的局长叫什么名字?"), ["锡林郭勒盟人力资源和社会保障局局长阿拉木斯说。"]), \
        "a Mongolian name: no surname, but a verb of speech"


def test_a_second_title_or_the_party_body_may_stand_between_role_and_name():
    assert names_role(analyse("介绍新城区计划的组织部副部长是谁?"),
                      ["新城区委组织部副部长、干部人事档案中心副主任冀志江介绍说。"])
    assert names_role(analyse("在茶座上分享治理模式的中山社区书记是谁?"), ["呼和浩特市新城区中山社区党委书记汪栋。"])


def test_plain_jiao_shenme_asks_for_a_person_only_after_a_persons_title():
    assert analyse("八龙湾村党总支书记叫什么?").role == "党总支书记"
    assert analyse("甘其毛都出入境边检站创建的党建品牌叫什么?").role is None


def test_a_short_title_asks_for_its_full_form():
    frame = analyse("碧流台村支书是谁?")
    assert frame.role == "党支部书记"
    assert names_role(frame, ["碧流台镇碧流台村党支部书记梁国武接到了电话。"])
    assert analyse("支队的政委是谁?").role == "政治委员"
    assert analyse("八龙湾村党总支书记是谁?").role == "党总支书记"  # no 支书 inside a longer title


def test_the_officer_of_a_named_place_must_be_named_with_that_place():
    frame = analyse("巴林左旗碧流台镇的党委书记是谁?")
    assert frame.role_place == "流台镇"
    assert not names_role(frame, ["呼和浩特市第四中学党委书记陈长青今年4月被提拔任现职。"])
    assert names_role(frame, ["碧流台镇党委书记王某说。"])
    assert analyse("喀喇沁旗委书记是谁?").role_place == "喇沁旗"
    assert analyse("赤峰市委书记叫什么名字?").role_place == "赤峰市"
    assert analyse("征询意见的社区党总支书记是谁?").role_place is None, "意见的社区 names no place"


@pytest.mark.parametrize("question, action", [("霍林郭勒网格员的“以奖代补”奖金具体怎么计算?", ("计算",)),
                                              ("爱心超市的积分可以怎样兑换?", ("兑换",)),
                                              ("郭建忠忘了密码,最后是怎么解决的?", ()),  # a light verb names nothing
                                              ("积分兑换如何进行?", ())])  # the action before the how-word
def test_how_questions_name_what_is_done(question, action):
    assert analyse(question).action == action


def test_a_how_questions_action_must_be_named():
    frame = analyse("爱心超市的积分可以怎样兑换?")
    assert not names_action(frame, ["实行示范服务积分制,对表现突出的党员予以表彰。"])
    assert names_action(frame, ["积分可在爱心超市兑换生活用品。"])


@pytest.mark.parametrize("sentence, told", [
    ("同时,采取“规定动作+自选动作”的方式,实行示范服务积分制。", 1.0),  # a way taken, one more measure
    ("通过城乡低保待遇、提供就业创业便利等帮扶方式,对好人予以帮助。", 1.0),
    ("出台优化备案验放等20项便民举措，确保车辆随到随检。", 1.0),  # full-width commas fold
    ("此外,该市还为网格员缴纳了五险一金。", 1.0),
    ("近年来,我区坚持把评选好人作为精神文明创建的重要载体。", 0.0),  # the frame
    ("该旗以“三个聚焦”为抓手,推行党员示范服务新模式。", 0.0),
    ("该站以创建丝路国门党旗红党建品牌为抓手,提高党建工作的吸引力。", 0.0),  # a long name in the frame
    ("形成了党员想示范、群众得实惠的良好局面。", 0.0),
    ("季季评是该市激励干部担当作为的举措之一。", 0.0),
    ("这是该旗推行新模式的一个缩影。", 0.0),
    ("八龙湾村向农户发放有机肥料245吨。", 0.5),  # neither: a measure told without its marks
    ("学员在报到的同时领取资料。", 0.5),  # 同时 inside a clause: at the same time, not one more measure
])
def test_how_questions_are_answered_by_a_measure_not_by_the_frame(sentence, told):
    """News frames a way of working first (总述: 坚持…, 以…为抓手) and tells its measures after
    (分述: 采取…的方式, 出台, 同时…); a how-question asks for a measure."""
    assert tells_measure(analyse("巴林左旗用什么办法调动党员的积极性?"), sentence) == told


def test_only_how_questions_ask_for_a_measure():
    assert asks_how(analyse("巴林左旗用什么办法调动党员的积极性?"))
    assert asks_how(analyse("爱心超市的积分可以怎样兑换?"))
    assert not asks_how(analyse("李军为什么要做交通安全宣传?"))  # a cause answers
    assert not asks_how(analyse("巴林左旗推行了什么模式?"))


@pytest.mark.parametrize("question, goal", [
    ("海关采取了哪些措施提高通关效率?", "通关效率"), ("学校怎么调动学生参加社团活动的积极性呢?", "积极性"),
    ("合作社如何帮农户降低种植成本?", "种植成本"), ("怎樣推進移風易俗?", "移风易俗"),
    ("该镇如何解决群众办事难的问题?", ""),  # 问题 names nothing
    ("为什么要提高通关效率?", ""), ("怎么计算奖励金额?", "")])  # a why-question; no goal verb
def test_a_how_question_names_the_goal_its_measures_serve(question, goal):
    assert analyse(question).goal == goal


def test_a_sentence_telling_what_a_measure_achieved_restates_the_goal():
    """News tells a measure with its outcome, often in other words (通关效能 for 通关效率); a sentence
    about another aim does not restate it."""
    frame = analyse("海关采取了哪些措施提高通关效率?")
    assert restates_goal(frame, "推行预约通关,有效提升了通关效能。")
    assert not restates_goal(frame, "为提升党建工作合力,以创建党建品牌为抓手,提高队伍的凝聚力。")


@pytest.mark.parametrize("question", ["霍林郭勒是靠哪些办法留住网格员的?", "边检站靠什么做到车辆随到随检?",
                                      "边检站采取了哪些举措提升通关效率?", "通过何种途径礼遇好人?",
                                      "他用的什么方法?", "这事咋办?"])
def test_a_question_word_before_a_noun_of_means_asks_how(question):
    """什么/哪些/何种 + 办法/措施/途径… asks for the means, as 怎样 does; so do 靠什么 and spoken 咋."""
    frame = analyse(question)
    assert asks_how(frame) and question_kind(frame) == "why-how"


@pytest.mark.parametrize("question, sentence", [
    ("是哪个村的党小组?", "针对农村党员开展组织生活难的问题,推行炕头上的党课。"),
    ("养老服务中心设在哪个社区?", "乌拉特中旗以社区为依托、居家为基础,搭建养老服务平台。"),
    ("养老服务中心设在哪个社区?", "围绕社区治理开展工作。"),
    ("他在哪所学校读书?", "还积极协调学校、社区给予孩子关怀。"),
    ("服务中心设在包头市哪个区?", "自治区党委办公厅印发意见。")])
def test_words_that_are_no_names_do_not_end_a_place(question, sentence):
    assert not names_new_place(analyse(question), sentence)


def test_a_name_before_the_kind_of_place_still_counts():
    assert names_new_place(analyse("是哪个村的党小组?"), "图为日前苏波盖乡丹进营村党小组在炕头上学习。")  # 进营 is tagged vn
    assert names_new_place(analyse("培训班在哪个县办的?"), "培训班在兴和县举办。")  # 和 ends a name


def test_an_idiom_with_yin_gives_no_cause():
    why = analyse("八龙湾村为什么叫“八龙湾”?")
    assert not gives_asked_reason(why, ["全村因地制宜,因村施策,大力发展瓜类和蔬菜种植。"])
    assert gives_asked_reason(why, ["因村里有八条山沟汇入一处河湾而得名。"])


def test_teams_counted_in_zhi_may_be_stated_in_ge():
    frame = analyse("甘其毛都边检站组建了几支党员突击队?")
    assert states_asked_unit(frame, "组建党员突击队4个、党员先锋岗6个。")


def test_a_things_name_is_no_persons_role():
    assert analyse("自治区党委办公厅印发的那份文件叫什么名字?").role is None
    assert analyse("察哈尔社区党总支书记叫什么名字?").role == "党总支书记"


def test_rates_cases_and_funds_are_asked_values():
    rate = analyse("回访满意率是多少?")
    assert states_asked_unit(rate, "群众满意率达98.5%。") and not states_asked_unit(rate, "回访群众1200户。")
    cases = analyse("这轮疫情一共报告了多少例确诊病例?")
    assert states_asked_unit(cases, "累计报告确诊病例35例。") and not states_asked_unit(cases, "动员2.4万余名党员干部。")
    funds = analyse("每年安排的网格化管理经费有多少?")
    assert states_asked_unit(funds, "安排网格化管理经费300万元。")
    assert not states_asked_unit(funds, "市委、市政府安排了网格化管理经费。")


def test_the_counted_thing_may_be_a_set_phrase():
    frame = analyse("喀喇沁旗现在有多少家乡村旅游接待户?")  # jieba: 多少/家/乡村/旅游/接待户(l)
    assert states_asked_unit(frame, "乡村旅游接待户总数达到142家,直接从业人员945人。")


def test_time_words_are_no_focus():
    assert analyse("那场直播最后大概有多少人看?").focus == ()


def test_phrasings_found_on_holdout11():
    assert not analyse("网格管理的问题出在哪,为什么会各自为战?").wants_place  # 出在哪 asks what, not where
    assert analyse("孩子放假没人照看,社区是怎么帮忙的?").action == ()  # 帮忙 names nothing done
    assert analyse("培训班有多少人参加、培训了几天?").counted == ()  # people are counted, not 参加
    assert analyse("一共有多少名选手参加?").counted == ("选手",)
    assert states_quantity("不得超过中央委员总数的五分之一。")
    minister = analyse("赤峰市委组织部长是谁?")
    assert minister.role == "组织部长" and names_role(minister, ["赤峰市委常委、组织部部长乔宇说。"])


@pytest.mark.parametrize("question, sentence", [("在哪个县举办?", "活动在多伦县举办。"), ("在哪个县?", "五原县"),
                                                ("在哪个市举办?", "活动在大同市举办。"), ("他在哪个村工作?", "他在前进村工作。")])
def test_place_names_that_begin_with_a_numeral_or_a_verb(question, sentence):
    assert names_new_place(analyse(question), sentence)


def test_misfires_a_review_found():
    assert analyse("村党支部书记率领多少党员参加义务劳动?").unit_pattern.search("带领30名党员")  # 率领 is no rate
    assert analyse("这场演出在哪里举行?").wants_place  # 演出 is no 问题出在哪
    assert analyse("有多少人参加培训?").counted == ()
    assert analyse("当地社区的网格员是谁?").role_place is None
    secretary = analyse("赤峰市委书记是谁?")
    for nobody in ["赤峰市委书记在会上指出,要抓好落实。", "赤峰市委书记对记者说。", "赤峰市委书记党建工作会议召开。"]:
        assert not names_role(secretary, [nobody]), nobody
    for somebody in ["赤峰市委书记名叫孟某某。", "现任赤峰市委书记是孟某某。", "赤峰市委书记 孟某某说。"]:
        assert names_role(secretary, [somebody]), somebody


def test_head_of_livestock_and_visits_are_units():
    cattle = analyse("巴林左旗的肉牛存栏量是多少头?")
    assert states_asked_unit(cattle, "全旗肉牛存栏12万头。") and not states_asked_unit(cattle, "建立技术服务站20余个。")
    visits = analyse("马鞍山旅游景区一年接待多少人次游客?")
    assert states_asked_unit(visits, "景区年接待游客30万人次。")
    assert not states_asked_unit(visits, "乡村旅游接待户总数达到142家,直接从业人员945人。")


def test_fees_are_amounts_of_money():
    frame = analyse("为老服务餐厅每份餐收费多少?")
    assert states_asked_unit(frame, "每餐收费10元。") and not states_asked_unit(frame, "为60周岁以上老年人提供配餐。")


@pytest.mark.parametrize("question, role", [("向阳村党支部书记是谁?", "党支部书记"), ("赤峰市委组织部部长是谁?", "组织部部长"),
                                            ("霍林郭勒市委政法委书记是谁?", "政法委书记"),
                                            ("阿拉善边境管理支队的支队长是谁?", "支队长"),
                                            ("旗委书记是谁?乌拉河镇的党委书记又是谁?", None)])  # two parts: no check
def test_a_bare_title_keeps_the_body_it_belongs_to(question, role):
    assert analyse(question).role == role


@pytest.mark.parametrize("question, wants", [("向阳村为什么要办编织袋加工厂?", True), ("张斌是因为什么事迹获奖的?", True),
                                             ("Why did the village build a factory?", True),
                                             ("擂台赛的目的是什么?", True), ("设立基金的用意何在?", True),  # a purpose
                                             ("西班牙將耶穌會成員驅逐出境的原因為?", True),  # the reason is…?
                                             ("他辞职的理由为何?", True), ("这次事故的起因是什么?", True),
                                             ("小女孩是怎么被救出来的?", False), ("向阳村办了什么厂?", False),
                                             ("擂台赛的目的地是哪里?", False),
                                             # spoken and stressed forms
                                             ("村里为啥要把学员派出去学习?", True), ("搞擂台赛,目的到底是什么?", True),
                                             ("他天天准点开播,图的是什么?", True), ("他这么做图啥?", True)])
def test_why_questions(question, wants):
    assert analyse(question).wants_reason is wants


def test_a_named_kind_of_place_needs_a_name_of_that_kind():
    question = "乌兰察布全市入党积极分子示范培训班在哪个县举办?"
    assert analyse(question).wants_place
    assert names_new_place(analyse(question), "乌兰察布市委组织部在兴和县举办培训班。")
    assert not names_new_place(analyse(question), "培训在中国人民公安大学举办。"), "a university is no 县"
    assert not names_new_place(analyse(question), "全县党员参加了培训。"), "全县 names no 县"
    village = "付飞飞帮扶的独居老人住在哪个嘎查?"
    assert analyse(village).wants_place and names_new_place(analyse(village), "老人住在巴音嘎查。")
    assert not names_new_place(analyse(village), "鄂尔多斯市鄂托克前旗包联党员付飞飞帮扶老人。"), "a city is no 嘎查"
    assert not names_new_place(analyse("在哪个乡举办?"), "党建引领乡村振兴。"), "乡村 is no 乡"


def test_people_counts():
    visitors = analyse("八龙湾大峡谷景区一年接待多少游客?")
    assert visitors.counted == ("游客",)
    assert states_asked_unit(visitors, "景区全年接待游客10万人次。")
    assert not states_asked_unit(visitors, "大峡谷全长3.5公里,吸引着八方游客。")
    assert not states_asked_unit(analyse("霍林郭勒市的常住人口有多少?"), "全市兼职网格员1000余名。")
    assert states_asked_unit(analyse("学习平台让多少党员干部在线学习?"), "全市24万党员干部足不出户。")


def test_same_kind_founding_verbs():
    assert states_asked_value(analyse("服务中心是哪一年设立的?"), "2014年成立的服务中心。")
    assert states_asked_value(analyse("从哪一年开始合为一网?"), "2021年起,两网合为一网。")


def test_ages_in_zhousui_and_generic_event_verbs():
    assert states_asked_unit(analyse("为老服务餐厅服务对象的年龄?"), "为辖区60周岁以上老年人提供就餐服务。")
    assert analyse("小女孩被救是哪天发生的?").event is None  # 发生 dates nothing in particular


@pytest.mark.parametrize("question, wants", [
    ("幾何光學，又稱為什麼?", False),  # 称为 + 什么: what it is called
    ("这家企业名为什么?", False),
    ("彰化市內市政最高的決策機構為何?", False),  # closing 为何 after a noun: what it is
    ("这是为什么?", True), ("他为何离开了家乡?", True), ("向阳村为什么要办编织袋加工厂?", True),
])
def test_why_words_that_ask_what(question, wants):
    assert analyse(question).wants_reason is wants


def test_geometry_asks_no_quantity_and_foreign_units_are_units():
    assert not analyse("幾何光學與物理光學的關係是什麼?").wants_quantity
    assert analyse("平均海拔是多少公尺?").unit_pattern.search("平均海拔1100公尺。")


def test_which_kind_asks_no_place():
    assert not analyse("在哪種表演的衝擊下，相聲失去了觀眾?").wants_place
    assert analyse("演出在哪里举行?").wants_place


def test_aspect_verbs_do_not_name_the_dated_event():
    assert analyse("会通河在哪一年开始动工?").event == "动工"
    assert analyse("南加大的多媒体部门是于何时创立?").event == "创立"
    assert mentions_event("创立", "该部门于2001年成立。")
    # Wherever the aspect verb stands ('哪一年时开始参加'), the event is what follows it; alone, none.
    assert analyse("卡尔梅克人于哪一年时开始参加德国国防军?").event == "参加"
    assert analyse("哪一年正式成立?").event == "成立"
    assert analyse("这项工作是什么时候开始的?").event is None


@pytest.mark.parametrize("event, sentence", [("兴建", "镇淮楼始建于南宋。"), ("颁布", "1684年，清廷公布渡台禁令。"),
                                             ("设置", "1993年12月，撤销景洪县，改设景洪市。"),
                                             ("产生", "自此形成了所谓“汉地十八省”的格局。")])
def test_reporters_vary_the_verb_of_an_event(event, sentence):
    assert mentions_event(event, sentence)


def test_who_did_it_asks_no_role_of_the_thing_done():
    assert analyse("建立国际联盟的想法是谁提出的?").role is None
    assert analyse("支队长是谁?").role == "支队长"


def test_traditional_sentences_state_quantities_dates_and_causes():
    """The sentence tests read the normalised sentence, as the question is read: 個, 億, 為了."""
    assert states_quantity("人口約有2億人。") and states_quantity("共有3個村。")
    assert states_asked_unit(analyse("目前全世界約有多少台機車?"), "目前全世界約有2億台機車。")
    assert states_asked_value(analyse("何時成立?"), "該會於１９８８年成立。")
    assert gives_asked_reason(analyse("為什麼改名?"), ["為了紀念他，改名為中山路。"])


@pytest.mark.parametrize("question, kinds", [("旅港福建商會位於香港的哪一個區域?", None),
                                             ("美麗島事件發生於哪一個縣市?", None),
                                             ("哪一個城市最先使用混合動力巴士?", None),
                                             ("服务中心设在包头市哪个区?", "区"), ("培训班在哪个县办的?", "县|旗")])
def test_the_asked_kind_of_place_is_a_word_of_its_own(question, kinds):
    """哪个区域 and 哪个县市 ask where, not for a 区 or a 县; 哪个城市 is answered by 伦敦 as by 赤峰市."""
    frame = analyse(question)
    assert frame.wants_place and frame.place_kinds == kinds


@pytest.mark.parametrize("question, kinds", [("他是从哪所大学毕业的?", "大学|学院"), ("活动在哪个村里办的?", "村|嘎查"),
                                             ("服务中心在包头哪条街上?", "街|路|道|巷")])
def test_a_kind_asked_for_may_carry_a_locative_or_graduation(question, kinds):
    """jieba glues 里 / 上 (村里, 街上) and 毕业 (大学毕业) to the kind: the question still asks for one; a
    street is asked with 条 (哪条街)."""
    frame = analyse(question)
    assert frame.wants_place and frame.place_kinds == kinds


@pytest.mark.parametrize("question", ["批判哪個路線的人?", "乡村振兴要走哪条路?"])
def test_a_way_or_a_line_is_no_place(question):
    assert not analyse(question).wants_place


def test_a_street_is_answered_by_a_named_road_and_not_by_a_district():
    frame = analyse("服务中心在包头哪条街上?")
    assert names_new_place(frame, "服务中心位于包头市昆区钢铁大街。")
    assert names_new_place(frame, "服务中心位于青山区幸福路。")
    assert not names_new_place(frame, "2014年成立的服务中心成了外出群众办事、学习的家园。")


def test_which_match_is_no_where_question():
    assert not analyse("巴西是在哪場比賽奪冠的?").wants_place
    assert not analyse("他在哪届大会上当选?").wants_place


@pytest.mark.parametrize("question, focus", [("喇叭裙是哪一個國家的服飾?", ()), ("施護是哪一個朝代的人?", ("施护",)),
                                             ("政治轮训期间民警参观了哪个纪念馆?", ("纪念馆",)),
                                             ("内地新娘在哪一年之后成为新移民主体?", ())])
def test_a_class_word_is_no_focus_an_answer_must_mention(question, focus):
    """哪个国家 is answered by 法国, 哪个朝代 by 元代: the class word is not in the answer (哪个纪念馆 is)."""
    assert analyse(question).focus == focus


def test_how_large_a_share_asks_for_a_percentage():
    frame = analyse("信仰基督教的人口大約占多少比例?")
    assert states_asked_unit(frame, "信仰基督教的人口約占12%。") and not states_asked_unit(frame, "教徒約有80萬人。")


@pytest.mark.parametrize("question, kind", [
    ("新城区 雁阵效应", "keywords"),  # nothing asks
    ("阿拉善右旗 五送 送什么", "fact"),  # 什么 asks
    ("What did Li Jun set up in 2015?", "english"),
    ("李军2015年成立的志愿服务team叫什么", "fact"),  # more Chinese characters than Latin letters
    ("文明实践站为什么给老人集体过生日?", "why-how"),
    ("乌兰察布是怎么应对的?", "why-how"),
    ("赛罕区民警给多少个留守孩子送了书包?", "fact"),
])
def test_question_kind(question, kind):
    from rag.question import question_kind
    assert question_kind(analyse(question)) == kind


def test_a_keyword_query_is_read_as_the_question_its_nouns_stand_for():
    """A search box is asked in nouns where a reader asks in words: 数量 for 有多少, 成立时间 for
    什么时候成立, 考核方式 for 用什么方式考核; the query stays a keyword query."""
    from rag.question import question_kind, slot_questions
    assert slot_questions("国门护卫队 成立时间") == "国门护卫队 什么时候成立"
    count, when = analyse("技术服务站 数量"), analyse("国门护卫队 成立时间")
    assert count.wants_quantity and when.wants_date and when.event == "成立"
    assert analyse("办实事 目的").wants_reason and analyse("季季评 考核方式").action == ("考核",)
    assert question_kind(count) == "keywords" and count.folded == "技术服务站 数量"
    assert not analyse("国门护卫队成立时间").wants_date  # one word: no query of keywords
    assert slot_questions("党员 有多少 人数") == "党员 有多少 人数"  # it asks already
    # A slot noun standing alone asks about the word before it: 技术服务站 数量 is 技术服务站的数量.
    assert slot_questions("巴林左旗 技术服务站 数量") == "巴林左旗 技术服务站有多少"
    assert analyse("巴林左旗 技术服务站 数量").measured == ("服务站",)
    assert slot_questions("数量 技术服务站") == "有多少 技术服务站"  # nothing before it


@pytest.mark.parametrize("question, names", [
    ("凡爾賽條約中，德國被要求付多少賠償?", ("凡尔赛", "德国")),  # read after folding to simplified
    ("赛罕区民警给多少个留守孩子送了书包?", ("赛罕区",)),
    ("什么东西被认为是20世纪最重要的发明之一?", ()),  # 东西 names nothing in particular
    ("村里建了多少亩大棚?", ()),
])
def test_asked_names_are_the_questions_proper_names(question, names):
    assert asked_names(analyse(question).folded) == names
    assert analyse(question).names == names


def test_names_in_a_qualifying_clause_are_no_names_the_answer_must_hold():
    """'脱贫户马树夸的那个合作社': the clause tells which cooperative is meant; the sentence giving its
    members may name the cooperative without him."""
    assert analyse("脱贫户马树夸的那个合作社有多少社员?").names == ()
    assert analyse("马树夸的合作社有多少社员?").names == ("马树夸",)  # no qualifying clause: he is asked about
    assert analyse("去年在赤峰获奖的那位教师在哪所学校任教?").names == ()
    assert analyse("赤峰的学校里,获奖的那位教师姓什么?").names == ("赤峰",)  # the clause begins after a comma


def test_the_kind_asked_for_is_no_name_the_answer_must_repeat():
    # jieba tags 城市 and 都市 as place names: they name a kind, and the answer names a city ("在雅典举行").
    assert analyse("2004年的奧運會是在哪一個城市舉行的?").names == ()
    assert analyse("阿拉巴马州人口最多的都市是哪一个?").names == ("阿拉巴马州",)
    # A focus noun jieba tags as a name is the answer's kind too: 哪个海港 -> 基斯马尤.
    frame = analyse("索马里最大的海港是哪一个?")
    assert "海港" in asked_names(frame.folded) and "海港" in frame.focus and frame.names == ("索马里",)


@pytest.mark.parametrize("sentence", ["中国在其东汉时期发展出较为成熟的青瓷制法。", "城中央有镇淮楼，始建于南宋。",
                                      "清同治年间改称镇淮楼。", "康熙年间形成三个将军辖区。", "至宋代末逐渐失去军事色彩。",
                                      "自19世纪晚期，天城文被定为标准书写系统。", "盘古大陆在侏罗纪开始分裂。",
                                      "元朝正式称孟子为亚圣。"])
def test_a_period_of_history_dates_an_event(sentence):
    assert states_asked_value(analyse("这是什么时候的事?"), sentence)


@pytest.mark.parametrize("sentence", ["中华民国政府迁台。", "三国领导人举行会谈。", "他说这件事很重要。"])
def test_names_of_states_are_no_periods(sentence):
    assert not states_asked_value(analyse("这是什么时候的事?"), sentence)


def test_a_rank_is_stated_as_an_ordinal_and_billions_are_amounts():
    rank = analyse("东京证券交易所是全球第几大证券交易所?")
    assert states_asked_value(rank, "东京证券交易所是全球第二大证券交易所。")
    assert not states_asked_value(rank, "东京证券交易所是全球重要的证券交易所。")
    assert states_asked_value(analyse("掠夺经济资源达多少美元?"), "价值达80亿美元。")


@pytest.mark.parametrize("question, wants", [("八龙湾村的共同体有哪些成员单位?", True),
                                             ("收益主要分配到哪几方面?", True), ("五送都送些什么?", True),
                                             ("“五送”送的是哪五样?", True), ("“三亮”要求亮出哪三样?", True),
                                             ("共同体的成员单位是什么?", False), ("他是哪一年入党的?", False)])
def test_a_list_question_asks_for_several_things(question, wants):
    assert analyse(question).wants_list is wants


@pytest.mark.parametrize("sentence, lists", [("收益用于帮扶、救助和建设。", True), ("一是完善制度,二是加强考核。", True),
                                              ("收益用于帮扶困难群众；", True), ("收益公开进行分配。", False)])
def test_a_sentence_lists_items_between_enumeration_marks(sentence, lists):
    assert lists_items(Sentence(sentence)) is lists


@pytest.mark.parametrize("question, named", [
    ("杭锦旗社区设的“四室一站”都包括什么？", ("四室一站",)), ("杭锦旗社区四室一站里的四个室是哪些?", ("四室一站",)),
    ("阿拉善右旗“五讲五送”里的“五送”都送什么", ("五讲五送", "五送")), ("“3岗18级”是什么?", ("3岗18级",)),
    ("“四室一站”设在几个社区?", ()),  # how many: a count answers, not the items
    ("巴林左旗有哪些主导特色产业?", ()), ("第十三届表彰大会上谁获奖?", ())])
def test_a_number_abbreviation_the_question_asks_to_have_spelled_out(question, named):
    assert analyse(question).abbreviations == named


def test_a_number_abbreviation_is_spelled_out_next_to_it():
    """News coins an abbreviation for a set of items (四室一站, 五讲五送) and spells the items out once,
    next to it: 即…, or listed between 、 before or after it."""
    rooms = analyse("杭锦旗社区设的“四室一站”都包括什么？")
    assert spells_out(rooms, "全旗已在2个社区设立四室一站，即影音室、绘本阅览室、科普体验馆。")
    assert not spells_out(rooms, "社区不断完善健身房、舞蹈室、声乐室等各类活动室娱乐设施。")  # lists, but not them
    assert not spells_out(rooms, "四室一站建成以来深受欢迎。")  # names it, spells nothing out
    gifts = analyse("阿拉善右旗“五讲五送”里的“五送”都送什么")
    assert spells_out(gifts, "开展“讲精神、知党恩”的“五讲”和“送法律、送健康、送温暖”的“五送”活动。")
    assert not spells_out(analyse("“四室一站”都有什么?"), "提供一站式服务、上门办理。")  # 一站 unquoted is no part


@pytest.mark.parametrize("question, verbatim", [
    ("《使琉球錄》的作者是誰?", ("使琉球录",)),  # read as folded: simplified
    ("「俗講」的定義是?", ("俗讲",)), ("什么是“河长制”?", ("河长制",)), ('什么是"河长制"?', ("河长制",)),
    ("由NASA發射的衛星叫什麼?", ("nasa",)), ("“APP”的下载量是多少?", ("app",)),  # Latin words, lower-cased
    ("What does “河长制” mean for the \"river chief\"?", ("河长制",)),  # an English question's English words: no
    ("「婚姻是我們社群中最被珍惜、最值得的行為」這句話是誰說的?", ()),  # a quoted sentence may be quoted loosely
    ("“四室一站”都包括什么?", ()),  # a number abbreviation: the spelled check reads it
    ("巴林左旗有哪些主导特色产业?", ())])
def test_the_titles_terms_and_latin_words_a_question_holds_verbatim(question, verbatim):
    assert analyse(question).verbatim == verbatim


@pytest.mark.parametrize("question, kind", [("「Early cultivators of science in Japan」是誰的論文作品?", "fact"),
                                            ("What is 《使琉球录》 about?", "english"),
                                            ('"What is the annual budget?"', "english")])
def test_a_quoted_title_does_not_set_the_language_of_its_question(question, kind):
    """An English title quoted in a Chinese question leaves it Chinese: its Latin words are held verbatim."""
    frame = analyse(question)
    assert question_kind(frame) == kind
    assert ("japan" in frame.verbatim) == (kind == "fact")


def test_a_verbatim_term_is_written_as_the_question_writes_it():
    """A quoted title or term, or a Latin word, is a name no paraphrase replaces: text telling of it writes it whole."""
    book = analyse("《使琉球录》的作者是谁?")
    assert writes_verbatim(book, "陈侃著有《使琉球錄》一书。")  # traditional text, folded alike
    assert not writes_verbatim(book, "琉球国向明朝朝贡，使者往来频繁。")  # its words, not the title
    assert writes_verbatim(analyse("NASA于哪一年成立?"), "美国国家航空航天局(Nasa)成立于1958年。")
    assert writes_verbatim(analyse("什么时候开通?"), "任何文字")  # nothing verbatim: nothing to find


@pytest.mark.parametrize("question, units", [
    ("How many farming and herding households have the bases helped?", ("户", "家")),
    ("How many Party organisations and Party members take part?", ("名", "人", "位")),
    ("How many branch schools does the banner have?", ("所", "个")),
    ("How many villages have residents?", ()),  # the phrase ends at its verb: residents is not counted
    ("How many urgent problems were solved?", ())])
def test_an_english_how_many_question_is_counted_in_chinese_measure_words(question, units):
    assert english_counted_units(question) == units


def test_an_english_count_is_answered_by_a_number_of_its_measure_word():
    frame = analyse("How many households have the bases helped?")
    assert states_asked_unit(frame, "基地已带动1万余户农牧民增收。")
    assert not states_asked_unit(frame, "建立技术服务站20余个。")
    assert states_asked_unit(analyse("How much funding did the village raise?"), "争取帮扶资金171万元。")


@pytest.mark.parametrize("question, measured", [
    ("What is the total population of Ulanqab city?", ("人口",)),
    ("What's the annual budget of the detachment?", ("预算", "经费")),
    ("What monthly salary do grid workers receive?", ("工资", "薪", "收入", "待遇")),
    ("How much extra income per year do the farmers earn?", ("收入", "增收")),  # 农户每年增收2万余元
    ("What happened to the population after the flood?", ())])  # a verb phrase between: no value asked
def test_an_english_value_noun_asks_for_a_quantity_measured_in_chinese(question, measured):
    frame = analyse(question)
    assert frame.measured == measured and frame.wants_quantity == bool(measured)


def test_an_english_value_is_answered_only_next_to_what_it_measures():
    frame = analyse("What is the total population of Ulanqab city?")
    assert states_measured(frame, "乌兰察布市常住人口约170万人。")
    assert not states_measured(frame, "全市11个旗县市区的党组织书记参加述职。")


def test_an_english_count_ranks_by_the_chinese_noun_it_counts():
    """A count may go without a measure word ("24万党员干部"), and a measure word counts the asked
    thing only next to its noun: "437名学员" does not say how many Party members. The nouns are a
    guess from a table, so they rank sentences and never gate the value: any count of people may
    still answer."""
    members = analyse("How many Party members and cadres in Chifeng can study online?")
    assert states_counted_unit(members, "全市24万党员干部足不出户。")
    assert not states_counted_unit(members, "赤峰市437名学员结束了为期3天的培训班。")
    assert states_asked_unit(members, "赤峰市437名学员结束了为期3天的培训班。")  # the value gate's test
    police = analyse("How many police officers took part in the training?")
    assert states_counted_unit(police, "142名民警参加了培训。")
    assert not states_counted_unit(police, "成立了国门护卫队,有队员25名。")
    assert analyse("How many people attended?").counted_in_english == ()  # people: any count of people
    assert states_counted_unit(analyse("多少名民警参加了培训?"), "142名民警参加了培训。")


@pytest.mark.parametrize("question, pinned", [("向阳村编织袋加工厂2021年的产值是多少?", {"2021年"}),
                                              ("2022年第三季度有哪些人入选?", {"2022年", "3季度"}),
                                              ("第十三届表彰大会上谁获奖?", {"13届"}), ("他哪一年入党?", set()),
                                              ("643年的時候，誰統治了拜占庭帝國?", {"643年"}),  # a year of history
                                              ("近500年来这里发生了什么?", set()), ("300年来有何变化?", set()),  # spans
                                              ("这座桥建成100多年了吗?", set())])
def test_a_question_is_pinned_to_the_years_editions_and_quarters_it_names(question, pinned):
    assert analyse(question).pinned == pinned


def test_a_clause_of_a_rule_pins_the_question_to_it():
    clause = analyse("哈布其拉嘎查村规民约第十三条写的是什么?")
    assert clause.pinned == {"13条"}
    assert not states_pinned(clause, "嘎查“村规民约”第十二条内容这样写道。")
    assert states_pinned(clause, "村规民约第13条规定红白喜事从简。")


def test_text_naming_another_edition_and_not_the_asked_one_tells_of_another_event():
    edition = analyse("第十三届全国见义勇为英雄模范表彰大会上内蒙古有谁获奖?")
    assert not names_no_other_edition(edition, "2022年7月,第十四届全国见义勇为英雄模范表彰大会上,张斌被授予模范。")
    assert names_no_other_edition(edition, "第十三届、第十四届表彰大会")  # names the asked one too
    assert names_no_other_edition(edition, "表彰大会在北京举行。")  # names none: the pinned check's business
    quarter = analyse("2022年第三季度中国好人榜上有谁?")
    assert not names_no_other_edition(quarter, "2022年第二季度中国好人榜发布。")
    assert names_no_other_edition(analyse("2021年的产值是多少?"), "2020年产值100万元。")  # years: pinned only


@pytest.mark.parametrize("question, places", [
    ("苏尼特右旗抓“两新”组织党建用的是什么模式?", ("苏尼特右旗",)),
    ("向阳村编织袋加工厂去年实际产值是多少?", ("向阳村",)),  # jieba: 向阳/村
    ("通辽市科左中旗的村规民约规定礼金最多多少?", ("通辽市", "左中旗")),  # 科/左/中旗: the pieces of a name
    ("乌拉河镇三季度最后拿到真抓实干红旗了吗?", ("乌拉河镇",)),  # a red flag (红旗) is no banner
    ("臺北市的市長是誰?", ("台北市",)),
    ("乌兰察布全市有多少名党员到社区报到?", ()),  # 全市: the whole city, not a name's piece
    ("中国的镇在什么时候之前有军事的特色?", ()),
    ("马鞍山旅游景区是哪一年评上4A级的?", ()),  # a scenic area is no administrative unit
])
def test_the_administrative_places_a_question_names(question, places):
    assert named_places(analyse(question).folded) == places


def test_a_place_is_named_whole_or_without_its_unit():
    frame = analyse("呼和浩特市苏尼特右旗有什么新做法?")
    assert names_places(frame, "呼和浩特苏尼特右旗推行新做法。")
    assert not names_places(frame, "呼和浩特市苏尼特左旗推行新做法。")  # the neighbouring banner


def test_only_text_naming_the_pinned_year_or_edition_answers():
    edition = analyse("第十五届运动会在哪里举办?")
    assert states_pinned(edition, "第15届运动会在赤峰举办。")
    assert not states_pinned(edition, "第十四届运动会在赤峰举办。")
    year = analyse("2021年的产值是多少?")
    assert not states_pinned(year, "2020年产值达到100万元。")
    assert states_pinned(year, "预计今年产值可达150万元。")  # the article's date would settle 今年
    assert states_pinned(analyse("产值是多少?"), "产值达到100万元。")  # nothing pinned
    fort = analyse("这里在1755年时是什么?")
    assert states_pinned(fort, "1750年,法国商人在这里建立了一个要塞,但在1759年将它废弃了。")  # between the two
    assert not states_pinned(fort, "1700年建城,1800年扩建。")  # too far apart to tell of 1755


def test_every_asked_name_must_occur_whole_somewhere():
    frame = analyse("凡尔赛条约中，德国被要求付多少赔偿?")
    assert mentions_names(frame, ["《凡爾賽和約》签订。", "德国须赔款1320亿金马克。"])
    assert not mentions_names(frame, ["《凡尔赛和约》签订。", "法国要求赔款。"])
    assert mentions_names(analyse("村里建了多少亩大棚?"), [])  # no name asked, nothing to miss


def test_a_cause_word_counts_only_as_a_whole_word():
    why = analyse("编织袋加工厂为什么办起来?")
    assert not gives_asked_reason(why, ["伴随着缝纫机的脚步声,工人们忙碌着。"])  # 伴随 accompanies
    assert not gives_asked_reason(why, ["老人学会了使用智能手机。"])  # 使用 uses
    assert not gives_asked_reason(why, ["这里成为了全旗的示范点。"])  # 成为了 becomes
    assert gives_asked_reason(why, ["随着园区增多,包装袋的用量随之加大。"])
    assert gives_asked_reason(why, ["园区增多使得包装袋用量加大。"])  # a causal compound
    assert gives_asked_reason(why, ["各站开展集体祝寿活动,以此引导群众移风易俗。"])  # a purpose


@pytest.mark.parametrize("question, measured", [
    ("裕阳振农包装制品有限公司的注册资本是多少?", ("注册资本",)),
    ("李军的抖音号一共有多少粉丝?", ("粉丝",)),
    ("察哈尔社区一共有多少名楼栋长?", ("楼栋长",)),
    ("向阳村编织袋厂去年一共赚了多少利润?", ("利润",)),  # a sum of money is measured, though a class noun
    ("车间的面积是多少?", ()),  # an attribute stated by its value alone: 建成1200平方米的车间
    ("普鲁士王国的领土占整个帝国多少比例?", ()),  # 帝国 is the whole the share is of
    ("赤峰干教学习平台是由哪家公司开发建设的?", ()),  # no value asked
    ("平壤的几所小学自哪一年起停止授课?", ()),  # a date, held to its event instead
])
def test_measured_nouns(question, measured):
    assert analyse(question).measured == measured


def test_a_value_answers_only_next_to_what_it_measures():
    frame = analyse("裕阳振农包装制品有限公司的注册资本是多少?")
    assert states_measured(frame, "公司注册资本500万元。")
    assert not states_measured(frame, "新建600平方米加工车间,每年生产销售各类包装袋200万条。")
    assert not states_measured(frame, "公司的注册资本尚未公布。")  # the noun without a value
    assert measured_nouns("景区的门票多少钱?") == ("门票",)


@pytest.mark.parametrize("message, parts", [
    ("旗委书记是谁?该镇的党委书记又是谁?", ["旗委书记是谁?", "该镇的党委书记又是谁?"]),
    ("Who chairs it? Where does it meet?", ["Who chairs it?", "Where does it meet?"]),
    ("属于同一个县吗？是哪个？", ["属于同一个县吗？是哪个？"]),  # too short to ask alone: stays with the one before
    ("流动图书车每月进几次嘎查？", ["流动图书车每月进几次嘎查？"]),
    ("没有问号的一句话", ["没有问号的一句话"]),
])
def test_a_message_is_split_into_its_questions(message, parts):
    assert question_parts(message) == parts


def test_a_question_stands_alone_when_it_names_what_it_asks_about():
    assert stands_alone("达茂旗在包头市城区有没有设立驻包党群服务中心?")
    assert not stands_alone("外出流动人口有多少?")  # whose? the question before says


@pytest.mark.parametrize("sentence", ["国庆前夕,边检站执勤二队与兄弟单位开展交流活动。", "春节期间,志愿者走访慰问困难群众。",
                                      "“七一”前夕,社区党委为老党员颁发纪念章。", "中秋节当天,社区举办游园活动。",
                                      "國慶前夕,兩站開展聯誼活動。"])
def test_news_dates_an_event_by_a_holiday(sentence):
    assert states_asked_value(analyse("这是什么时候的事?"), sentence)


@pytest.mark.parametrize("sentence", ["八一中学的学生参加了活动。", "营造风清气正、政治清明的环境。", "王国庆说这件事很重要。"])
def test_holiday_names_that_are_also_other_words_need_a_time_word(sentence):
    assert not states_asked_value(analyse("这是什么时候的事?"), sentence)


def test_people_before_an_asked_amount_of_money_are_not_counted():
    frame = analyse("评出的好干部每人能拿多少奖金?")
    assert frame.counted == ()
    assert states_asked_value(frame, "对评选出的好干部35名,分别给予3000元奖励。")
    assert analyse("景区一年接待的游客有多少?").counted == ("游客",)


def test_what_people_earn_is_an_amount_of_money():
    frame = analyse("编织袋厂的工人一天能挣多少?")  # 挣多少: money, not how many 工人
    assert frame.counted == ()
    assert states_asked_value(frame, "工人日工资130元左右,预计今年产值可达150万元。")
    assert not states_asked_value(frame, "车间共有工人35名。")
    assert analyse("合作社去年赚了多少?").unit_pattern.search("赚了12万元")


def test_a_base_is_named_by_what_is_done_there():
    frame = analyse("服务中心2022年被定为包头市的什么基地?")
    assert names_new_place(frame, "服务中心成为包头市铸牢中华民族共同体意识实践基地。")
    assert not names_new_place(analyse("他在哪所学校读书?"), "还积极协调学校、社区给予孩子关怀。")


@pytest.mark.parametrize("question, sentence", [
    ("修路花了欧盟多少经费?", "欧盟出资150万美元修路。"),
    ("初期的录影带价格最高到多少钱?", "初期的录影带售价最高达1万日圆。"),
])
def test_money_is_stated_in_other_currencies_too(question, sentence):
    assert states_asked_value(analyse(question), sentence)


def test_a_share_is_stated_as_a_fraction_too():
    frame = analyse("粮食作物播种面积约占总播种面积多少比例?")
    assert states_asked_value(frame, "粮食作物播种面积约占总播种面积的四分之三。")
    assert states_asked_value(frame, "占比达百分之三十。")
    assert not states_asked_value(frame, "粮食作物播种面积很大。")


def test_a_large_count_is_stated_in_ten_thousands_after_what_it_counts():
    frame = analyse("2012年全市的人口数为多少?")
    assert frame.counted == ("人口",)
    assert states_asked_unit(frame, "总面积为3322平方千米,2012年人口为62万。")
    assert not states_asked_unit(frame, "2012年人口普查花费62万元。"), "a sum of money, not a count"


def test_centuries_count_time_not_the_noun_after_them():
    frame = analyse("佛教大约于几世纪时传入日本?")
    assert frame.counted == ()
    assert states_asked_value(frame, "佛教于公元6世纪由百济传入。")


def test_a_province_is_named_without_its_kind():
    frame = analyse("铁路通车里程最长的省份是哪一个省?")
    assert names_new_place(frame, "黑龙江的铁路营业里程达5654.9千米,为铁路通车里程最长的省份。")
    assert not names_new_place(frame, "全国铁路营业里程最长的省份在东北。")
    assert not names_new_place(analyse("黑龙江位于哪一个省的北面?"), "黑龙江的铁路营业里程最长。"), \
        "the province the question names answers nothing"


def test_a_kin_word_is_a_role_its_holder_is_named_after():
    frame = analyse("交警李军的妻子叫什么名字?")
    assert frame.role == "妻子"
    assert names_role(frame, ["他的妻子王丽是一名小学教师。"])
    assert not names_role(frame, ["李军清晨6点就要与交警指挥中心取得联系。"])
    assert analyse("这件事的起因叫什么?").role is None  # not every noun before 叫什么 is a person's place
