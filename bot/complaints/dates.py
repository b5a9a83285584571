"""Chinese date expressions → dates: 上周三, 3月5号, 2026年10月1日, 三天前, 去年双十一.

Relative expressions are resolved against an explicit ``today`` so results are testable. Anything vague
(上周, 前几天, 月初, 半个月前) or impossible (2月30日) gives ``None``: the form then asks again with an example
instead of guessing. Purchases lie in the past, so a month and day without a year (3月5号) means its most
recent occurrence; a bare weekday (周三) means this week's and is refused if it has not come yet.
"""
from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta

import cn2an

from bot.text import normalise

_CHINESE_NUMBER = re.compile(r"[零〇一二两三四五六七八九十]+")
_DIGIT_BY_DIGIT = re.compile(r"^[零〇一二三四五六七八九]{2,}$")  # 二零二六 is read digit by digit
_DIGITS = str.maketrans("零〇一二三四五六七八九", "00123456789")

_WEEKDAY = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6}
_DAY_WORDS = {"大前天": 3, "前天": 2, "昨天": 1, "昨日": 1, "今天": 0, "今日": 0}
_YEAR_WORDS = {"前年": 2, "去年": 1, "今年": 0}
_FESTIVALS = {"双11": (11, 11), "双12": (12, 12), "618": (6, 18), "元旦": (1, 1)}

_FULL_DATE = re.compile(r"(?<!\d)(\d{4}|\d{2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})(?!\d)")
_YEAR_WORD_MONTH_DAY = re.compile(r"(前年|去年|今年)\s*(\d{1,2})\s*月\s*(\d{1,2})(?!\d)")
_MONTH_DAY = re.compile(r"(?<![\d.])(\d{1,2})\s*月\s*(\d{1,2})\s*(?:日|号)?(?!\d)")
_MONTH_WORD_DAY = re.compile(r"(上上个?月|上个?月|这个?月|本月)\s*(\d{1,2})\s*(?:日|号)")
_DAY_ONLY = re.compile(r"(?<![\d月.])(\d{1,2})\s*(?:日|号)(?!内|以内|之内|无理由)")  # not "7日无理由退货"
_WEEKDAY_REF = re.compile(r"(上上|上|这|本)?(?:个)?(?:周|星期|礼拜)([1-7日天])")
_AGO = re.compile(r"(\d{1,3})\s*(天|日|周|个星期|个礼拜|星期|个月|年)\s*(?:前|之前|以前)")
_FESTIVAL = re.compile(r"(前年|去年|今年)?\s*(双\s*11|双\s*12|元旦|(?<!\d)618(?!\s*\d|\s*[元块]))")
_DAY_WORD = re.compile("|".join(_DAY_WORDS))


def _arabic(text: str) -> str:
    """Write Chinese numerals as digits: 三月五号 → 3月5号, 二零二六年 → 2026年, 双十一 → 双11."""

    def convert(match: re.Match) -> str:
        run = match.group(0)
        if _DIGIT_BY_DIGIT.match(run):
            return run.translate(_DIGITS)
        try:
            return str(cn2an.cn2an(run.replace("两", "二"), "normal"))
        except ValueError:
            return run

    return _CHINESE_NUMBER.sub(convert, text)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _most_recent(month: int, day: int, today: date) -> date | None:
    """The latest month/day on or before ``today`` (this year, else last year)."""
    this_year = _make(today.year, month, day)
    if this_year is not None and this_year <= today:
        return this_year
    # 2月29日 may not exist last year; look back to the last year that has it.
    for years_back in range(1, 9):
        candidate = _make(today.year - years_back, month, day)
        if candidate is not None:
            return candidate
    return None


def _months_back(today: date, months: int, day: int | None = None) -> date | None:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    if day is None:  # "一个月前": same day of that month, clamped to its length
        day = min(today.day, monthrange(year, month)[1])
    return _make(year, month, day)


def parse_date(text: str, today: date) -> date | None:
    """The date ``text`` names, relative to ``today``; None if it names no single day."""
    text = _arabic(normalise(text or "")).replace(" ", "")
    if not text:
        return None

    if match := _FULL_DATE.search(text):
        year = int(match.group(1))
        year += 2000 if year < 100 else 0
        return _make(year, int(match.group(2)), int(match.group(3)))

    if match := _YEAR_WORD_MONTH_DAY.search(text):
        return _make(today.year - _YEAR_WORDS[match.group(1)], int(match.group(2)), int(match.group(3)))

    if match := _MONTH_WORD_DAY.search(text):
        back = 2 if match.group(1).startswith("上上") else 1 if match.group(1).startswith("上") else 0
        return _months_back(today, back, int(match.group(2)))

    if match := _MONTH_DAY.search(text):
        return _most_recent(int(match.group(1)), int(match.group(2)), today)

    if match := _FESTIVAL.search(text):
        month, day = _FESTIVALS[match.group(2).replace(" ", "")]
        if match.group(1):
            return _make(today.year - _YEAR_WORDS[match.group(1)], month, day)
        return _most_recent(month, day, today)

    if match := _AGO.search(text):
        count, unit = int(match.group(1)), match.group(2)
        if unit in ("天", "日"):
            return today - timedelta(days=count)
        if unit == "个月":
            return _months_back(today, count)
        if unit == "年":
            return _months_back(today, 12 * count)
        return today - timedelta(weeks=count)

    if match := _WEEKDAY_REF.search(text):
        weeks_back = {"上上": 2, "上": 1}.get(match.group(1) or "", 0)
        monday = today - timedelta(days=today.weekday(), weeks=weeks_back)
        resolved = monday + timedelta(days=_WEEKDAY[match.group(2)])
        # "周三" said on a Monday could mean last week's or this week's: ask rather than guess.
        return None if match.group(1) is None and resolved > today else resolved

    if match := _DAY_WORD.search(text):
        return today - timedelta(days=_DAY_WORDS[match.group(0)])

    if match := _DAY_ONLY.search(text):
        day = int(match.group(1))
        return _make(today.year, today.month, day) if day <= today.day else _months_back(today, 1, day)

    return None
