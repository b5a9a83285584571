"""Money as customers say it → a Decimal number of yuan: ¥299, 299元, 三百五, 两千五块, 1.5万, 三块五, 2k.

cn2an reads the Chinese numerals (including the colloquial 三百五 = 350 and 两千五 = 2500); this module
finds the amount in the sentence and handles currency words, 块/毛 subunits and k/w shorthands. Vague or
several amounts (三百多, 两三百, 一百到两百, 几百) give ``None`` so the form asks again rather than guess.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import cn2an

from bot.text import normalise

MAXIMUM = Decimal("100000000")  # 1亿: above this it is a phone or order number, not a price

_NUMERAL = "0-9.零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬"
_CURRENCY_BEFORE = r"(?:¥|￥|RMB|rmb|人民币)"
_CURRENCY_AFTER = r"(?:元|圆|块钱|块|RMB|rmb)"
_SUBUNIT = r"(?:[0-9一二两三四五六七八九])(?:毛|角)?(?:钱)?"
# One amount: an optional currency sign, a numeral run (with k/w shorthand), then an optional currency word
# and 毛/角 remainder, or a bare "5毛".
_AMOUNT = re.compile(
    rf"(?P<before>{_CURRENCY_BEFORE})?\s*(?P<number>[{_NUMERAL}]+[kKwW]?)\s*"
    rf"(?:(?P<after>{_CURRENCY_AFTER})(?P<sub>{_SUBUNIT})?|(?P<jiao>毛|角)钱?)?"
)
_VAGUE = re.compile(r"^(?:\d+|[一二两三四五六七八九十百千万]+)?[多余来几]|[几]|^[一二两三四五六七八九]{2}[十百千万]")
_RANGE = re.compile(r"[到至~～-]|—")
# What follows a number that is not money: dates, counts, multiples, percentages.
_NOT_MONEY_AFTER = re.compile(r"\s*(?:年|月|日|号|天|周|点|个|次|件|台|部|双|倍|%|％|折|斤|公斤|小时|分钟|岁|楼|层|期)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # 1,299 → 1299
_FREE = re.compile(r"免费|没花钱|没付钱|没有花钱|没有付钱")
_JIAO_DIGITS = {**{str(d): d for d in range(10)}, **dict(zip("一二两三四五六七八九", (1, 2, 2, 3, 4, 5, 6, 7, 8, 9)))}


def _number(numeral: str) -> Decimal | None:
    numeral = numeral.replace("萬", "万").replace("k", "千").replace("K", "千").replace("w", "万").replace("W", "万")
    if re.fullmatch(r"\d+(?:\.\d+)?", numeral):
        return Decimal(numeral)
    try:
        value = cn2an.cn2an(numeral, "smart")
    except (ValueError, KeyError):
        return None
    return Decimal(str(value))


def _subunit(text: str | None) -> Decimal:
    """块/元 followed by 5 or 五毛 means 0.5 yuan."""
    if not text:
        return Decimal(0)
    return Decimal(_JIAO_DIGITS[text[0]]) / 10


def _candidates(text: str):
    """(amount, has_currency_marker, span) for every number in ``text`` that may be money."""
    for match in _AMOUNT.finditer(text):
        numeral = match.group("number").strip(".")
        if not numeral or not re.search(r"[0-9零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬]", numeral):
            continue
        marked = bool(match.group("before") or match.group("after") or match.group("jiao"))
        if not marked and _NOT_MONEY_AFTER.match(text, match.end()):
            continue
        if _VAGUE.search(numeral) or re.match(r"[多余来]", text[match.end():match.end() + 1]):
            yield None, marked, match.span()
            continue
        value = _number(numeral)
        if value is None:
            yield None, marked, match.span()
            continue
        if match.group("jiao"):
            value = value / 10
        else:
            value += _subunit(match.group("sub"))
        yield value, marked, match.span()


def money_amounts(text: str) -> list[Decimal]:
    """Every definite amount written as money (¥, 元, 块, 人民币) in ``text``, in yuan."""
    text = _THOUSANDS.sub("", normalise(text or ""))
    return [value for value, marked, _ in _candidates(text) if marked and value is not None and 0 <= value < MAXIMUM]


def parse_amount(text: str, *, require_marker: bool = False) -> Decimal | None:
    """The one amount of money in ``text``, in yuan with two decimals; None if there is none, several or it is vague.

    With ``require_marker`` only numbers written as money (¥, 元, 块, 人民币) count — used when picking the
    price out of a long message that also holds dates, quantities and order numbers.
    """
    text = _THOUSANDS.sub("", normalise(text or ""))
    if _FREE.search(text):
        return Decimal("0.00")
    found = list(_candidates(text))
    marked = [c for c in found if c[1]]
    if require_marker:
        found = marked
    elif len(found) > 1 and marked:
        found = marked
    if len(found) != 1:
        return None
    value, _, span = found[0]
    if value is None or value < 0 or value >= MAXIMUM:
        return None
    # "100到200元", "200-300": a range is not an amount.
    if _RANGE.search(text[max(0, span[0] - 1):span[0]]) or _RANGE.match(text, span[1]):
        return None
    try:
        return value.quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
