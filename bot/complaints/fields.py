"""Reading each complaint field from what the customer typed, and pulling several out of one long message.

Every parser returns ``None`` when it cannot read a usable value, so the form can ask again with an example.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.complaints.amounts import parse_amount
from bot.complaints.dates import parse_date
from bot.store.privacy import mask_text
from bot.text import is_meaningful, normalise

# Online platforms customers name; the longer name first so 苏宁易购 wins over 苏宁.
PLATFORMS = (
    "天猫", "淘宝", "京东", "拼多多", "抖音", "快手", "美团", "饿了么", "唯品会", "苏宁易购", "苏宁", "小红书",
    "闲鱼", "得物", "携程", "去哪儿", "飞猪", "大众点评", "当当", "亚马逊", "1688", "微信", "盒马", "叮咚买菜",
)
_PLATFORM = re.compile("|".join(PLATFORMS))
_GENERIC_BUSINESS = {"商家", "店家", "卖家", "商店", "店", "店铺", "他们", "这家店", "那家店", "一家店", "网店", "公司", "平台"}
# A shop's name ends in a word like 旗舰店 or 超市 and starts after 在/从/的 or a comma; it never spans 在/买/了.
_SHOP = re.compile(
    r"(?:(?<=[在从去到的，,。 ])|^)((?:(?![在从去到买了是])[\u4e00-\u9fffA-Za-z0-9]){2,20}?"
    r"(?:旗舰店|专卖店|专营店|官方店|超市|商场|商城|有限公司|公司|健身房|健身中心|门店|专柜|4S店|酒店|餐厅|"
    r"饭店|药店|药房|营业厅|培训机构|培训班|美容院|理发店|家具城|数码城|店))"
)
_FILLER_BEFORE = re.compile(r"^(?:是|在|就是|商家是|商家叫|店铺是|店名是|店名叫|店叫|叫|我在|我是在)")
_FILLER_AFTER = re.compile(r"(?:上面?|里面?|平台|APP|app)?(?:买的|购买的|下的单|消费的|办的)?[。！!，,.]*$")

_DEMAND_WORDS = {
    "退货": re.compile(r"退货|退回去|退掉|把货退"),
    "退款": re.compile(r"退款|退钱|把钱退|钱退|全额退|退一赔|返还.{0,4}钱|退费"),
    "换货": re.compile(r"换货|换一[个台件双部]|换个新|换新|调换|更换"),
    "维修": re.compile(r"维修|修好|修理|保修|返修|修一下"),
    "赔偿": re.compile(r"赔偿|赔钱|补偿|赔付|[退假]一赔|\d+倍|[二三四五六七八九十]倍"),
    "道歉": re.compile(r"道歉|赔礼|认错"),
}
_MULTIPLE = re.compile(r"[退假]一赔([一二三四五六七八九十\d]+)|([一二三四五六七八九十\d]+)\s*倍")
_COMPENSATION_AMOUNT = re.compile(r"(?:赔偿|补偿|赔付|赔)(?:我)?(.{0,12})")
_CN_SMALL = dict(zip("一二三四五六七八九十", range(1, 11)))

EVIDENCE_KINDS = {
    "发票/小票": re.compile(r"发票|小票|收据|票据|购物凭证"),
    "订单/付款记录": re.compile(r"订单截图|订单记录|订单页面|付款记录|支付记录|转账记录|账单|付款截图"),
    "聊天记录": re.compile(r"聊天记录|聊天截图|对话截图|客服记录|微信记录|截图"),
    "照片/视频": re.compile(r"照片|图片|拍了|拍的|视频|实物"),
    "合同/协议": re.compile(r"合同|协议"),
    "录音": re.compile(r"录音|通话记录"),
    "检测报告": re.compile(r"检测报告|鉴定报告|检验报告|质检报告"),
    "质保卡": re.compile(r"保修卡|质保卡|三包凭证"),
}
_NEGATED = re.compile(r"(?:没有|没|无|丢了|找不到)$")
_NOTHING = re.compile(r"^(?:没有|没|无|暂无|都没有|什么都没有|啥都没有|没留|没有证据|暂时没有|没什么)")

_NO = re.compile(r"^(?:没|还没|未|否|没有|木有|不曾|不是)|没(?:有)?(?:联系|找|问|沟通|打|说)|还没")
_YES = re.compile(r"^(?:是|对|有|嗯|联系过|找过|问过|打过)|联系过|找过|问过|沟通过|打过|投诉过|反映过|协商过|联系了|找了|说过|申请过|退过")

_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{7,8})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_ORDER_LABELLED = re.compile(r"(?:订单号|订单编号|单号|合同号|合同编号|订单)[:：是为\s]*([A-Za-z0-9][A-Za-z0-9_-]{3,39})")
_ORDER_TOKEN = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9][A-Za-z0-9_-]{3,39})(?![A-Za-z0-9])")
_NONE_GIVEN = re.compile(r"^(?:没有|没|无|不记得|忘了|不知道|找不到|没有订单号|线下买的|现金)")

_NAME_PREFIX = re.compile(r"^(?:我叫|我是|我姓名是|姓名是?|名字是?|叫我|叫)[:：]?")
_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z·. ]{2,20}$")

_PRODUCT_VERB = re.compile(
    r"(?:买了|购买了|买的|订了|订购了|办了|报了|充了|租了|用的|点了)"
    r"(?:一|1|两|2|几)?(?:个|台|部|件|双|份|张|套|瓶|箱|盒|辆|款|只|条|袋|次)?"
    r"([^，。,；;！!？?\s]{1,20})"
)
_PRODUCT_TAIL = re.compile(
    r"(?:花了|一共|共|总共|价格|价值|结果|但是|可是|后来|过期|坏了|有问题|发现|不能|质量|收到|竟然|居然|是假|漏|破).*$"
)


@dataclass(frozen=True)
class Demand:
    """What the customer wants: one or more kinds, an amount or multiple for 赔偿, and their own words."""

    kinds: tuple[str, ...]
    compensation_amount: Decimal | None = None
    compensation_multiple: int | None = None
    detail: str = ""

    @property
    def lacks_compensation_amount(self) -> bool:
        return "赔偿" in self.kinds and self.compensation_amount is None and self.compensation_multiple is None

    def describe(self) -> str:
        parts = []
        for kind in self.kinds:
            if kind == "赔偿" and self.compensation_amount is not None:
                parts.append(f"赔偿 {self.compensation_amount} 元")
            elif kind == "赔偿" and self.compensation_multiple:
                parts.append(f"赔偿（价款的 {self.compensation_multiple} 倍）")
            elif kind == "其他":
                parts.append(f"其他：{self.detail}")
            else:
                parts.append(kind)
        return "、".join(parts)


def _small_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in _CN_SMALL:
        return _CN_SMALL[text]
    return None


def parse_demand(text: str) -> Demand | None:
    text = normalise(text or "")
    if not is_meaningful(text):
        return None
    kinds = tuple(kind for kind, pattern in _DEMAND_WORDS.items() if pattern.search(text))
    if not kinds:
        return Demand(("其他",), detail=mask_text(text))
    multiple = None
    if match := _MULTIPLE.search(text):
        multiple = _small_number(match.group(1) or match.group(2))
    amount = None
    if "赔偿" in kinds and multiple is None and (match := _COMPENSATION_AMOUNT.search(text)):
        amount = parse_amount(match.group(1))
    return Demand(kinds, amount, multiple, mask_text(text))


def parse_evidence(text: str) -> list[str] | None:
    """The kinds of evidence held, [] for none, None if we cannot tell."""
    text = normalise(text or "")
    held = []
    for kind, pattern in EVIDENCE_KINDS.items():
        for match in pattern.finditer(text):
            if not _NEGATED.search(text[max(0, match.start() - 3):match.start()]):
                held.append(kind)
                break
    if held:
        return held
    return [] if _NOTHING.search(text) else None


def parse_contacted(text: str) -> bool | None:
    """Whether the customer already contacted the business; None if the answer says neither."""
    text = normalise(text or "")
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None


def parse_phone(text: str) -> str | None:
    """A mainland mobile (13812345678) or landline (010-12345678) number, normalised; None otherwise."""
    text = normalise(text or "")
    if match := _MOBILE.search(text):
        return "".join(match.groups())
    if match := _LANDLINE.search(text):
        return f"{match.group(1)}-{match.group(2)}"
    return None


def parse_id_number(text: str) -> str | None:
    """An 18-character resident ID number whose check digit is right; None otherwise."""
    match = _ID_NUMBER.search(normalise(text or ""))
    if not match:
        return None
    number = match.group(1).upper()
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS))
    return number if _ID_CHECK[total % 11] == number[17] else None


def parse_order_number(text: str) -> str | None:
    """The order or contract number; '' when the customer has none; None if unreadable."""
    text = normalise(text or "")
    if _NONE_GIVEN.search(text):
        return ""
    match = _ORDER_LABELLED.search(text)
    tokens = [match.group(1)] if match else _ORDER_TOKEN.findall(text)
    tokens = [token for token in tokens if sum(ch.isdigit() for ch in token) >= 4]
    return max(tokens, key=len) if tokens else None


def parse_name(text: str) -> str | None:
    text = _NAME_PREFIX.sub("", normalise(text or "")).strip(" 。，,.!！")
    return text if _NAME.match(text) and not re.search(r"\d", text) else None


def parse_business(text: str) -> tuple[str, str | None] | None:
    """(business name, online platform or None); None if the text names no particular business."""
    text = _FILLER_BEFORE.sub("", normalise(text or "")).strip()
    platform_match = _PLATFORM.search(text)
    platform = platform_match.group(0) if platform_match else None
    name = text
    if platform:
        rest = _FILLER_BEFORE.sub("", _FILLER_AFTER.sub("", text.replace(platform, "", 1))).strip(" 上的里，,")
        # "京东自营" or just "拼多多": the platform itself is the business.
        name = rest if len(rest) >= 2 and rest not in {"自营", "官方", "官方旗舰店"} else platform + rest
    name = _FILLER_AFTER.sub("", name).strip(" ，,。")
    if len(name) < 2 or name in _GENERIC_BUSINESS or not is_meaningful(name) or len(name) > 100:
        return None
    return name, platform


def parse_product(text: str) -> str | None:
    text = re.sub(r"^(?:买了|买的是|买的|是|用的是|办的是)", "", normalise(text or "")).strip(" 。，,.")
    return text if is_meaningful(text) and len(text) <= 100 else None


def parse_facts(text: str) -> str | None:
    """The customer's account in their own words (phone and ID numbers masked); too short to act on → None."""
    text = normalise(text or "")
    return mask_text(text) if len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", text)) >= 8 else None


def extract_fields(text: str, today: date) -> dict:
    """Every field we can read from one long message, keyed like the form's slots.

    Only confident readings are returned; what is missing is asked for afterwards.
    """
    text = normalise(text or "")
    found: dict = {}
    if (shop := _SHOP.search(text)) or _PLATFORM.search(text):
        span = shop.group(1) if shop else ""
        platform = _PLATFORM.search(text)
        business = parse_business(span) if span else None
        if business:
            found["business_name"] = business[0]
            found["business_platform"] = business[1] or (platform.group(0) if platform else None)
        elif platform:
            found["business_platform"] = platform.group(0)
    if match := _PRODUCT_VERB.search(text):
        product = _PRODUCT_TAIL.sub("", match.group(1)).rstrip("的")
        if is_meaningful(product):
            found["product"] = product
    if (purchased := parse_date(text, today)) is not None:
        found["purchase_date"] = purchased
    # "赔偿500元" is what they want, not what they paid.
    paid_clauses = "，".join(c for c in re.split(r"[，。,；;！!？?]", text) if not re.search(r"赔|补偿", c))
    if (amount := parse_amount(paid_clauses, require_marker=True)) is not None:
        found["amount_paid"] = amount
    if match := _ORDER_LABELLED.search(text):
        found["order_number"] = match.group(1)
    for clause in re.split(r"[，。,；;！!？?]", text):
        if re.search(r"要求|希望|想要|(?:我要|请.{0,4})(?:退|赔|换|修|道歉)", clause):
            demand = parse_demand(clause)
            if demand is not None and demand.kinds != ("其他",):
                found["demand"] = demand
                break
    talked = r"联系|找过|沟通|协商|客服"
    if re.search(talked, text) and (contacted := parse_contacted(_sentence_about(text, talked))) is not None:
        found["contacted_business"] = contacted
    if evidence := parse_evidence(text):
        found["evidence"] = evidence
    if phone := parse_phone(text):
        found["phone"] = phone
    if len(text) >= 40:
        found["facts"] = mask_text(text)
    return found


def _sentence_about(text: str, topic: str) -> str:
    """The clause of ``text`` that mentions ``topic``, so a 没有 elsewhere does not flip the answer."""
    for clause in re.split(r"[，。,；;！!？?]", text):
        if re.search(topic, clause):
            return clause
    return text
