"""Dates as customers write them, resolved against a fixed today: Monday 23 November 2026."""
from datetime import date

import pytest

from bot.complaints.dates import parse_date

TODAY = date(2026, 11, 23)  # a Monday; last week ran 16–22 November

EXPRESSIONS = [
    ("今天", date(2026, 11, 23)),
    ("昨天", date(2026, 11, 22)),
    ("昨天晚上八点", date(2026, 11, 22)),
    ("前天", date(2026, 11, 21)),
    ("大前天", date(2026, 11, 20)),
    ("上周三", date(2026, 11, 18)),
    ("上星期五", date(2026, 11, 20)),
    ("上礼拜天", date(2026, 11, 22)),
    ("上周日", date(2026, 11, 22)),
    ("上上周五", date(2026, 11, 13)),
    ("这周一", date(2026, 11, 23)),
    ("本周一", date(2026, 11, 23)),
    ("星期一", date(2026, 11, 23)),
    ("我是上周三买的", date(2026, 11, 18)),
    ("3月5号", date(2026, 3, 5)),
    ("3月5日", date(2026, 3, 5)),
    ("三月五号", date(2026, 3, 5)),
    ("十一月二十号", date(2026, 11, 20)),
    ("11月23日", date(2026, 11, 23)),
    ("12月30日", date(2025, 12, 30)),  # not yet this year: last year's
    ("3月5日下午三点左右", date(2026, 3, 5)),
    ("大概是10月1号吧", date(2026, 10, 1)),
    ("2026年10月1日", date(2026, 10, 1)),
    ("2026年10月01号", date(2026, 10, 1)),
    ("二零二六年十月一日", date(2026, 10, 1)),
    ("2025-12-31", date(2025, 12, 31)),
    ("2026/9/3", date(2026, 9, 3)),
    ("2026.9.3", date(2026, 9, 3)),
    ("26年5月1日", date(2026, 5, 1)),
    ("今年3月5号", date(2026, 3, 5)),
    ("去年12月3号", date(2025, 12, 3)),
    ("前年12月1日", date(2024, 12, 1)),
    ("上个月5号", date(2026, 10, 5)),
    ("上月28号", date(2026, 10, 28)),
    ("上上个月10号", date(2026, 9, 10)),
    ("这个月3号", date(2026, 11, 3)),
    ("本月3日", date(2026, 11, 3)),
    ("5号", date(2026, 11, 5)),
    ("25号", date(2026, 10, 25)),  # the 25th has not come yet this month
    ("三天前", date(2026, 11, 20)),
    ("10天前", date(2026, 11, 13)),
    ("两周前", date(2026, 11, 9)),
    ("一个月前", date(2026, 10, 23)),
    ("两个月之前", date(2026, 9, 23)),
    ("一年前", date(2025, 11, 23)),
    ("双十一", date(2026, 11, 11)),
    ("双11那天", date(2026, 11, 11)),
    ("去年双十一", date(2025, 11, 11)),
    ("双十二", date(2025, 12, 12)),
    ("618大促的时候", date(2026, 6, 18)),
    ("元旦", date(2026, 1, 1)),
    ("2月29日", date(2024, 2, 29)),  # the latest year that has one
    ("３月５号", date(2026, 3, 5)),  # full-width digits from an IME
    ("上週三", date(2026, 11, 18)),  # traditional characters
]


@pytest.mark.parametrize("text, expected", EXPRESSIONS)
def test_expressions_resolve_to_the_day_meant(text, expected):
    assert parse_date(text, TODAY) == expected


def test_there_are_at_least_forty_expressions():
    assert len(EXPRESSIONS) >= 40


@pytest.mark.parametrize(
    "text",
    ["上周", "前几天", "半个月前", "最近", "月初", "不记得了", "2月30日", "13月5日", "2026年10月", "那天", "", "周三"],
)
def test_vague_or_impossible_dates_are_not_guessed(text):
    # 周三 said on a Monday could be last week's or this week's.
    assert parse_date(text, TODAY) is None


def test_explicit_future_dates_are_returned_for_the_form_to_refuse():
    assert parse_date("2027年1月1日", TODAY) == date(2027, 1, 1)


def test_relative_dates_cross_year_and_month_ends():
    new_year = date(2026, 1, 5)  # Monday
    assert parse_date("上周三", new_year) == date(2025, 12, 31)
    assert parse_date("上个月5号", new_year) == date(2025, 12, 5)
    assert parse_date("一个月前", date(2026, 3, 31)) == date(2026, 2, 28)


def test_a_date_inside_a_long_message_is_found_and_seven_day_returns_are_not_a_date():
    assert parse_date("我10月1号在华联超市买的牛奶，过期了", TODAY) == date(2026, 10, 1)
    assert parse_date("商家不给7日无理由退货", TODAY) is None
