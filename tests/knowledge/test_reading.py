"""Reading a question: its focus clause, its acts, what it denies, who is asking."""
from __future__ import annotations

from bot.knowledge.reading import concepts_of, read, split_clauses


def test_long_story_focus_is_the_question_clause_not_the_situation():
    reading = read("手表23天坏了，去消协投诉有用吗")
    assert reading.focus == "去消协投诉有用吗"
    assert reading.situation == "手表23天坏了"
    assert "complain_where" in reading.acts
    assert "exchange_repair" not in reading.acts


def test_focus_is_the_last_question_even_without_punctuation():
    reading = read("上个月买的羽绒服 穿了两次就开线了 商家说不管 我能去哪里投诉他们")
    assert reading.focus == "我能去哪里投诉他们"
    assert "羽绒服" in reading.situation


def test_a_too_short_question_is_read_with_the_clause_before_it():
    reading = read("衣服买大了，不想要了，能退吗")
    assert reading.focus == "不想要了，能退吗"
    assert "return_refund" in reading.acts


def test_question_acts():
    assert "compensation" in read("商家卖假货，能赔多少").acts
    assert "who_pays" in read("质量问题退货，运费谁出").acts
    assert "time_limit" in read("退款多久能到账").acts
    assert "human" in read("你好，是人工吗").acts


def test_denied_quality_problem_is_not_a_defect_question():
    reading = read("没有质量问题，就是不想要了，能退吗")
    assert reading.negated == {"defect"}
    assert "质量问题" not in reading.focus_matching_text
    assert "defect" not in concepts_of("没有质量问题，就是不想要了")
    assert "defect" in concepts_of("收到就有质量问题，能退吗")


def test_denied_counterfeit():
    assert "counterfeit" in read("我确定不是假货，就是颜色和图片不一样").negated
    assert read("这是假货吗").negated == frozenset()


def test_sender_of_a_parcel_is_not_the_buyer():
    assert read("我寄给朋友的相机被快递弄丢了，只赔运费").roles >= {"sender"}
    assert "buyer" not in read("我寄给朋友的相机被快递弄丢了，只赔运费").roles
    assert "buyer" in read("网上买的东西快递弄丢了，卖家不管").roles


def test_where_it_was_bought():
    assert "online_buyer" in read("我在网上买的衣服不想要了，七天内能退吗").roles
    assert "store_buyer" in read("商场专柜买的鞋能七天无理由退吗").roles


def test_subscriber_roles():
    assert "telecom_subscriber" in read("联通每个月多扣我话费").roles
    assert "member" in read("视频会员自动续费了不想要").roles


def test_contrast_is_noticed():
    assert read("质量问题是退货还是换货").contrast
    assert not read("质量问题能退货吗").contrast


def test_clauses_split_on_punctuation_and_spaces():
    assert split_clauses("你好，我想问 快递丢了谁赔？") == ["你好", "我想问", "快递丢了谁赔"]
