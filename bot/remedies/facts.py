"""The facts of a customer's case, as the remedy rules need them.

Every fact is optional: ``None`` means "we do not know yet", never "no". The rules ask for what they still need
(see :func:`question_for`) instead of guessing. Facts arrive three ways: a JSON facts file (``remedy assess``),
free Chinese text (:func:`extract_facts`) and answers to our own questions (:func:`parse_answer`).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Tuple

import cn2an

from bot.text import normalise

# Channels of sale. 第25条 gives the 7-day no-reason return only for distance sales.
CHANNELS = ("online", "tv", "phone", "mail_order", "in_store")
DISTANCE_CHANNELS = frozenset({"online", "tv", "phone", "mail_order"})

SUBJECTS = ("goods", "service")

CATEGORIES = (
    "food", "fresh", "electronics", "custom_made", "digital", "periodicals", "telecom", "prepaid",
    "clothing", "cosmetics", "other",
)
FOOD_CATEGORIES = frozenset({"food", "fresh"})

# Condition of returned goods. Opening the box to inspect still counts as intact (七日无理由退货办法 第8条);
# use beyond inspection does not (第9条).
CONDITIONS = ("unopened", "opened", "used", "damaged")
INTACT_CONDITIONS = frozenset({"unopened", "opened"})

# 第55条第2款 needs death or serious harm to health; a minor injury still gives ordinary compensation (第49条).
INJURIES = ("none", "minor", "serious", "death")

# What went wrong with a prepaid card. Only the business's failure gives a statutory refund (第53条).
PREPAID_PROBLEMS = ("not_as_agreed", "closed_or_moved", "changed_mind")


@dataclass(frozen=True)
class CaseFacts:
    channel: Optional[str] = None
    subject: Optional[str] = None
    category: Optional[str] = None
    days_since_receipt: Optional[int] = None  # whole days after the day of receipt; the receipt day is 0
    goods_condition: Optional[str] = None
    confirmed_not_returnable: Optional[bool] = None  # customer confirmed "不适用七日无理由退货" when buying
    wants_return: Optional[bool] = None  # wants to return without a quality reason (不想要了)
    has_defect: Optional[bool] = None
    fraud: Optional[bool] = None  # fraud or false advertising by the business
    knowingly_unsafe: Optional[bool] = None  # business knew the goods were defective/unsafe
    injury: Optional[str] = None
    food_below_standard: Optional[bool] = None  # food not meeting food-safety standards (过期、变质…)
    label_flaw_only: Optional[bool] = None  # only a label flaw that neither affects safety nor misleads
    price: Optional[float] = None  # price paid, yuan
    loss: Optional[float] = None  # loss suffered, yuan
    business_contacted: Optional[bool] = None
    unfair_term: Optional[bool] = None
    personal_info_violation: Optional[bool] = None
    prepaid_problem: Optional[str] = None
    prepaid_balance: Optional[float] = None  # unused balance on a prepaid card, yuan
    auto_renewed: Optional[bool] = None
    renewal_notice_given: Optional[bool] = None  # prominent notice before the auto-renewal

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "CaseFacts":
        """Validated facts; raises ValueError naming the first bad field."""
        if not isinstance(data, dict):
            raise ValueError(f"facts must be a JSON object of field: value, got {type(data).__name__}")
        unknown = sorted(set(data) - set(FACT_TYPES))
        if unknown:
            raise ValueError(f"unknown fact field {unknown[0]!r}; known fields: {', '.join(FACT_TYPES)}")
        return cls(**{name: _validated(name, value) for name, value in data.items()})

    def to_dict(self) -> Dict[str, Any]:
        """Only the known facts, ready for JSON or a Rasa slot."""
        return {name: value for name, value in asdict(self).items() if value is not None}

    def merged(self, newer: Dict[str, Any]) -> "CaseFacts":
        """These facts updated with newer known ones (a later answer overrides an earlier guess of the text)."""
        return CaseFacts.from_dict({**self.to_dict(), **{k: v for k, v in newer.items() if v is not None}})


# Each fact's kind: a tuple of allowed values, or bool / int / float.
FACT_TYPES: Dict[str, Any] = {
    "channel": CHANNELS, "subject": SUBJECTS, "category": CATEGORIES, "days_since_receipt": int,
    "goods_condition": CONDITIONS, "confirmed_not_returnable": bool, "wants_return": bool, "has_defect": bool,
    "fraud": bool, "knowingly_unsafe": bool, "injury": INJURIES, "food_below_standard": bool,
    "label_flaw_only": bool, "price": float, "loss": float, "business_contacted": bool, "unfair_term": bool,
    "personal_info_violation": bool, "prepaid_problem": PREPAID_PROBLEMS, "prepaid_balance": float,
    "auto_renewed": bool, "renewal_notice_given": bool,
}


def _validated(name: str, value: Any) -> Any:
    kind = FACT_TYPES[name]
    if value is None:
        return None
    if isinstance(kind, tuple):
        if value not in kind:
            raise ValueError(f"fact {name!r} must be one of {', '.join(kind)}; got {value!r}")
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"fact {name!r} must be true or false; got {value!r}")
        return value
    # Numbers: bool is an int in Python, but `"price": true` is a mistake, not 1 yuan.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"fact {name!r} must be a number; got {value!r}")
    if value < 0:
        raise ValueError(f"fact {name!r} must not be negative; got {value!r}")
    if kind is int:
        if value != int(value):
            raise ValueError(f"fact {name!r} must be a whole number of days; got {value!r}")
        return int(value)
    return float(value)


# ---------------------------------------------------------------------------------------------------------
# Reading facts out of a customer's message.

_CN_NUMBER = "零一二两三四五六七八九十百千万点"
_NUMBER = rf"(\d+(?:\.\d+)?|[{_CN_NUMBER}]+)"


def _number(text: str) -> Optional[float]:
    try:
        return float(text) if text[0].isdigit() else float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, IndexError):
        return None


_AMOUNT = re.compile(rf"(?:[¥￥]\s*(\d+(?:\.\d+)?)(万)?)|(?:{_NUMBER}\s*(万)?\s*(?:元|块|圆|rmb|RMB))")
# Words just before an amount that make it a loss, or a prepaid balance, rather than the price.
_LOSS_CUE = re.compile(r"(损失|医药费|医疗费|治疗费|住院费|看病|误工|花了.{0,4}医)")
_BALANCE_CUE = re.compile(r"(余额|还剩|剩下|卡里还有|没用完|没消费)")

_DAYS_PATTERNS: Tuple[Tuple[re.Pattern, float], ...] = (
    (re.compile(rf"(?:收到|签收|到货|拿到)[货了]*(?:后|以后)?(?:的)?第\s*{_NUMBER}\s*[天日]"), 1),
    (re.compile(rf"第\s*{_NUMBER}\s*[天日]"), 1),
    (re.compile(rf"(?:买了|收到|签收|到货|拿到|用了)[货了]*(?:已经)?\s*{_NUMBER}\s*[天日]"), 1),
    (re.compile(rf"{_NUMBER}\s*[天日](?:前|之前)(?:收到|签收|到货|买)"), 1),
    (re.compile(rf"(?:买了|收到|签收|到货|用了)[货了]*(?:已经)?\s*{_NUMBER}\s*(?:个)?(?:星期|周)"), 7),
    (re.compile(rf"(?:买了|收到|签收|到货|用了)[货了]*(?:已经)?\s*{_NUMBER}\s*个月"), 30),
)
# A bare duration, only read when we have just asked how many days it has been ("一周", "两个月").
_DURATIONS: Tuple[Tuple[re.Pattern, float], ...] = (
    (re.compile(rf"{_NUMBER}\s*[天日]"), 1),
    (re.compile(rf"{_NUMBER}\s*(?:个)?(?:星期|周|礼拜)"), 7),
    (re.compile(rf"{_NUMBER}\s*个(?:多)?月"), 30),
)
_DAYS_WORDS = (("今天刚收到", 0), ("刚收到", 0), ("今天收到", 0), ("刚到货", 0), ("昨天收到", 1),
               ("前天收到", 2), ("半个月", 15))

# (fact, value, pattern) — the first matching line for a fact wins, so more specific words come first.
_WORD_RULES: Tuple[Tuple[str, Any, str], ...] = (
    ("channel", "tv", r"电视购物|电视上买|电视广告"),
    ("channel", "phone", r"电话推销|电话购物|电话里买|打电话买|电话下单"),
    ("channel", "mail_order", r"邮购"),
    ("channel", "online", r"网上|网购|网店|淘宝|天猫|京东|拼多多|抖音|快手|直播|小程序|app|APP|电商|官网|外卖"),
    ("channel", "in_store", r"实体店|商场|超市|门店|店里|专卖店|线下|柜台"),
    ("category", "custom_made", r"定制|定做|订做|私人订制|刻字"),
    ("category", "fresh", r"生鲜|海鲜|水果|鲜花|蔬菜|活鱼|鲜活|螃蟹|大闸蟹"),
    ("category", "periodicals", r"报纸|杂志|期刊"),
    ("category", "digital", r"软件|激活码|光盘|CD|DVD|电子书|游戏账号|数字商品|下载"),
    ("category", "telecom", r"话费|流量|运营商|中国移动|联通|中国电信|宽带|手机卡|电话卡|手机号|套餐"),
    ("category", "prepaid", r"预付卡|会员卡|健身卡|美容卡|美发卡|洗车卡|购物卡|储值卡|充值卡|办了卡|办卡|储值|次卡|年卡|充了.{0,6}钱"),
    ("category", "food", r"食品|食物|吃的|零食|奶粉|饮料|月饼|牛奶|酸奶|面包|蛋糕|肉|罐头|保健品|白酒|茶叶"),
    ("category", "electronics", r"翻新机|手机|电脑|笔记本|平板|耳机|相机|电视机|冰箱|空调|洗衣机|家电|iPhone|华为|小米"),
    ("category", "clothing", r"衣服|裤子|鞋|裙|外套|羽绒服|T恤|衬衫|包包"),
    ("category", "cosmetics", r"化妆品|口红|面霜|护肤|精华|面膜"),
    ("subject", "service", r"服务|美容|健身|培训|课程|装修|理发|美发|洗车|家政|旅游"),
    ("goods_condition", "unopened", r"没拆|未拆|没开封|未开封|没打开|原封"),
    ("goods_condition", "damaged", r"摔坏|摔了|我弄坏|被我弄坏|不小心弄坏"),
    ("goods_condition", "used", r"用过|用了几次|穿过|洗过|已激活|激活了|使用过"),
    ("goods_condition", "opened", r"拆了|拆封|打开看|开箱|试了一下"),
    ("wants_return", True, r"不想要|不喜欢|不合适|无理由|后悔|买错|不要了"),
    ("has_defect", True, r"坏了|质量问题|故障|不能用|用不了|开不了机|死机|漏水|破损|裂了|瑕疵|不工作|黑屏|异响|掉色|开线"),
    ("fraud", True, r"翻新|假货|冒牌|山寨|以次充好|以旧充新|虚假宣传|虚假广告|欺诈|欺骗|骗了|假冒|货不对板|不是正品|冒充|二手.{0,4}当.{0,2}新"),
    ("knowingly_unsafe", True, r"明知|知道有问题还|故意卖|明明知道"),
    ("injury", "death", r"死亡|去世|身亡"),
    ("injury", "serious", r"重伤|骨折|住院|残疾|抢救|ICU|重症|严重受伤|毁容"),
    ("injury", "minor", r"受伤|烫伤|划伤|割伤|过敏|拉肚子|腹泻|中毒|呕吐|起疹子|红肿"),
    ("food_below_standard", True, r"过期|变质|发霉|霉变|异物|虫子|三无|不合格|超过保质期|腐烂|有毒"),
    ("business_contacted", False, r"还没联系|没联系|没找(?:过)?(?:商家|客服)|还没找"),
    ("business_contacted", True, r"联系了|联系过|找了客服|找过|找了商家|商家不理|商家拒绝|客服不管|不给退|拒绝退|不给换|不给赔|不理我|协商"),
    ("unfair_term", True, r"最终解释权|概不退换|霸王条款|格式条款|定金不退|不退定金|概不负责"),
    ("personal_info_violation", True, r"个人信息|信息泄露|泄露|骚扰电话|骚扰短信|隐私|卖了我的信息|人脸|被拍"),
    ("prepaid_problem", "closed_or_moved", r"跑路|关门|倒闭|停业|搬走|搬迁|联系不上|人去楼空"),
    ("prepaid_problem", "not_as_agreed", r"不按约定|服务缩水|降低服务|涨价|加价|缩水|换老师|不给用"),
    ("prepaid_problem", "changed_mind", r"不想去了|不想用了|不想练了|不想学了"),
    ("auto_renewed", True, r"自动续费|自动扣费|自动续订|自动扣款|自动续期|自动展期"),
    ("renewal_notice_given", False, r"没提醒|没有提醒|没提示|没有提示|没通知|没有通知|偷偷|悄悄"),
    ("renewal_notice_given", True, r"提醒过|有提示|提前通知了|发了提醒"),
)
_COMPILED_WORD_RULES = tuple((fact, value, re.compile(pattern)) for fact, value, pattern in _WORD_RULES)


def extract_facts(text: str) -> Dict[str, Any]:
    """The facts we can read from a customer's message; facts not mentioned are left out, not guessed."""
    text = normalise(text)
    facts: Dict[str, Any] = {}
    for fact, value, pattern in _COMPILED_WORD_RULES:
        if fact not in facts and pattern.search(text):
            facts[fact] = value
    _add_amounts(text, facts)
    days = _days(text)
    if days is not None:
        facts["days_since_receipt"] = days
    _add_implied(text, facts)
    return facts


def _add_amounts(text: str, facts: Dict[str, Any]) -> None:
    for match in _AMOUNT.finditer(text):
        digits, wan_after_symbol, number, wan = match.groups()
        amount = _number(digits or number)
        if amount is None:
            continue
        if wan_after_symbol or wan:
            amount *= 10000
        before = text[max(0, match.start() - 8):match.start()]
        if _LOSS_CUE.search(before):
            key = "loss"
        elif _BALANCE_CUE.search(before):
            key = "prepaid_balance"
        else:
            key = "price"
        facts.setdefault(key, amount)


def _days(text: str) -> Optional[int]:
    for phrase, days in _DAYS_WORDS:
        if phrase in text:
            return days
    for pattern, unit in _DAYS_PATTERNS:
        match = pattern.search(text)
        if match:
            number = _number(match.group(1))
            if number is not None:
                return int(number * unit)
    return None


def _first_duration(text: str) -> Optional[int]:
    for pattern, unit in _DURATIONS:
        match = pattern.search(text)
        number = _number(match.group(1)) if match else None
        if number is not None:
            return int(number * unit)
    match = re.fullmatch(r"\s*(\d+)\s*", text)
    return int(match.group(1)) if match else None


def _add_implied(text: str, facts: Dict[str, Any]) -> None:
    """Facts that follow from others: spoiled food is food; telecom and prepaid cards are services."""
    if facts.get("food_below_standard") and "category" not in facts and facts.get("subject") != "service":
        facts["category"] = "food"
    if facts.get("food_below_standard") and facts.get("category") not in FOOD_CATEGORIES:
        # 过期/不合格 said of a phone or a membership is not a food-safety matter.
        del facts["food_below_standard"]
    if facts.get("category") in _SERVICE_CATEGORIES or facts.get("auto_renewed"):
        facts.setdefault("subject", "service")
    elif facts.get("category") in _GOODS_CATEGORIES or _BOUGHT_GOODS.search(text):
        facts.setdefault("subject", "goods")


_SERVICE_CATEGORIES = frozenset({"telecom", "prepaid"})
_GOODS_CATEGORIES = frozenset(CATEGORIES) - _SERVICE_CATEGORIES - {"other"}
_BOUGHT_GOODS = re.compile(r"收到货|到货|签收|商品|快递")


# ---------------------------------------------------------------------------------------------------------
# Asking for missing facts.

@dataclass(frozen=True)
class Option:
    title: str  # button text; clicking it sends the same text back, which parse_answer understands
    value: Any


@dataclass(frozen=True)
class Question:
    fact: str
    text: str
    options: Tuple[Option, ...] = ()


_YES_NO = (Option("是的", True), Option("不是", False))

# "problem" is not a fact of its own: it is the first question when we know nothing, and each answer sets the
# fact that decides which remedies to look at.
PROBLEM = "problem"
_PROBLEM_OPTIONS = (
    Option("不想要了，想退货", {"wants_return": True}),
    Option("商品有质量问题", {"has_defect": True}),
    Option("被骗了或虚假宣传", {"fraud": True}),
    Option("食品不安全（过期、变质）", {"food_below_standard": True, "category": "food"}),
    Option("用了商品受伤了", {"injury": "minor"}),
    Option("个人信息被泄露或滥用", {"personal_info_violation": True}),
    Option("预付卡、会员卡退不了钱", {"category": "prepaid", "subject": "service"}),
    Option("被自动续费", {"auto_renewed": True, "subject": "service"}),
    Option("合同条款不公平", {"unfair_term": True}),
)

QUESTIONS: Dict[str, Question] = {q.fact: q for q in (
    Question(PROBLEM, "想先了解一下，您遇到的是哪种情况呢？", _PROBLEM_OPTIONS),
    Question("channel", "您是通过什么方式买的呢？", (
        Option("网上买的（网店、直播间、App）", "online"), Option("电视购物", "tv"), Option("电话购物", "phone"),
        Option("邮购", "mail_order"), Option("实体店买的", "in_store"))),
    Question("subject", "您买的是商品，还是一项服务（比如美容、培训、健身）？", (
        Option("商品", "goods"), Option("服务", "service"))),
    Question("category", "买的是哪一类东西呢？", (
        Option("食品", "food"), Option("生鲜、鲜花", "fresh"), Option("手机、电脑、家电", "electronics"),
        Option("定制的商品", "custom_made"), Option("软件、音像等数字商品", "digital"), Option("报纸、期刊", "periodicals"),
        Option("衣服鞋包", "clothing"), Option("化妆品", "cosmetics"), Option("其他", "other"))),
    Question("days_since_receipt", "收到商品到今天几天了？（签收当天不算，比如“第8天”）", (
        Option("今天刚收到", 0),)),
    Question("goods_condition", "商品现在是什么状态？", (
        Option("没拆封", "unopened"), Option("拆开看过，没用", "opened"), Option("已经用过", "used"),
        Option("弄坏了", "damaged"))),
    Question("confirmed_not_returnable", "下单时，页面有没有让您单独确认过“该商品不支持七天无理由退货”？",
             _YES_NO),
    Question("has_defect", "商品本身有没有质量问题？", _YES_NO),
    Question("fraud", "商家有没有虚假宣传，或者以假充真、以旧充新？", _YES_NO),
    Question("knowingly_unsafe", "商家是不是明知道商品有缺陷还卖给您？", _YES_NO),
    Question("injury", "人身受到了多重的伤害？", (
        Option("没有受伤", "none"), Option("轻微受伤", "minor"), Option("严重伤害（住院、骨折等）", "serious"),
        Option("有人不幸去世", "death"))),
    Question("food_below_standard", "这个食品是不是不符合安全标准，比如过期、变质、有异物？", _YES_NO),
    Question("price", "您实际付了多少钱？（比如“3000元”）"),
    Question("loss", "因此一共损失了多少钱？（比如医药费、误工费合计“5000元”）"),
    Question("business_contacted", "您已经和商家联系过了吗？", (Option("联系过了", True), Option("还没有", False))),
    Question("prepaid_problem", "预付卡具体出了什么问题？", (
        Option("商家没按约定提供服务", "not_as_agreed"), Option("商家关门、搬走或跑路了", "closed_or_moved"),
        Option("我自己不想用了", "changed_mind"))),
    Question("prepaid_balance", "卡里还剩多少钱没用？（比如“2000元”）"),
    Question("renewal_notice_given", "续费前，商家有没有用显眼的方式提醒您要自动续费？", (
        Option("没有提醒", False), Option("提醒过", True))),
)}


def question_for(fact: str) -> Question:
    """The Chinese question (with button options) that asks for one missing fact."""
    try:
        return QUESTIONS[fact]
    except KeyError:
        raise ValueError(f"no question for fact {fact!r}") from None


_UNSURE = re.compile(r"不清楚|不知道|不确定|不记得|忘了|说不好")
_YES = re.compile(r"^(是|是的|对|对的|有|有的|嗯|确认过|提醒过|联系过了?|知道)")
_NO = re.compile(r"^(不是|否|没有|没|不|无|还没有|没提醒|没有提醒)")


def parse_answer(fact: str, text: str) -> Dict[str, Any]:
    """Facts from a reply to our question about ``fact``: the button's value if it is one, else what the
    text says about that fact (yes/no, a number), plus anything else the text mentions."""
    text = normalise(text)
    question = QUESTIONS.get(fact)
    if question is not None:
        for option in question.options:
            if text == option.title:
                return dict(option.value) if fact == PROBLEM else {fact: option.value}
    if _UNSURE.search(text):
        return {}
    facts = extract_facts(text)
    if fact == PROBLEM or fact in facts:
        return facts
    kind = FACT_TYPES.get(fact)
    if kind is bool:
        if _NO.match(text):
            facts[fact] = False
        elif _YES.match(text):
            facts[fact] = True
    elif fact == "days_since_receipt":
        days = _days(text)
        days = _first_duration(text) if days is None else days
        if days is not None:
            facts[fact] = days
    elif kind is float:
        match = re.search(_NUMBER, text)
        number = _number(match.group(1)) if match else None
        if number is not None:
            facts[fact] = number
    return facts


def known_facts_summary(facts: CaseFacts) -> List[str]:
    """Readable lines for the facts we hold, in Chinese, for the answer and for a complaint."""
    lines = []
    for name, value in facts.to_dict().items():
        label = FACT_LABELS[name]
        lines.append(f"{label}：{VALUE_LABELS.get((name, value), _plain(value))}")
    return lines


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g} 元"
    return str(value)


FACT_LABELS: Dict[str, str] = {
    "channel": "购买方式", "subject": "商品或服务", "category": "类别", "days_since_receipt": "收货后天数",
    "goods_condition": "商品状态", "confirmed_not_returnable": "购买时确认过不适用无理由退货",
    "wants_return": "想无理由退货", "has_defect": "有质量问题", "fraud": "欺诈或虚假宣传",
    "knowingly_unsafe": "商家明知有缺陷", "injury": "人身伤害", "food_below_standard": "食品不符合安全标准",
    "label_flaw_only": "仅标签小瑕疵", "price": "支付价款", "loss": "损失金额", "business_contacted": "已联系商家",
    "unfair_term": "涉及不公平条款", "personal_info_violation": "个人信息被侵害", "prepaid_problem": "预付卡问题",
    "prepaid_balance": "预付卡余额", "auto_renewed": "被自动续费", "renewal_notice_given": "续费前有显著提醒",
}

VALUE_LABELS: Dict[Tuple[str, Any], str] = {
    ("channel", "online"): "网购", ("channel", "tv"): "电视购物", ("channel", "phone"): "电话购物",
    ("channel", "mail_order"): "邮购", ("channel", "in_store"): "实体店",
    ("subject", "goods"): "商品", ("subject", "service"): "服务",
    ("category", "food"): "食品", ("category", "fresh"): "生鲜", ("category", "electronics"): "电子产品、家电",
    ("category", "custom_made"): "定制商品", ("category", "digital"): "数字商品", ("category", "periodicals"): "报刊",
    ("category", "telecom"): "电信服务", ("category", "prepaid"): "预付卡", ("category", "clothing"): "服装鞋包",
    ("category", "cosmetics"): "化妆品", ("category", "other"): "其他",
    ("goods_condition", "unopened"): "未拆封", ("goods_condition", "opened"): "拆封查验过",
    ("goods_condition", "used"): "已使用", ("goods_condition", "damaged"): "已损坏",
    ("injury", "none"): "没有", ("injury", "minor"): "轻伤", ("injury", "serious"): "严重损害健康",
    ("injury", "death"): "死亡", ("prepaid_problem", "not_as_agreed"): "商家未按约定提供",
    ("prepaid_problem", "closed_or_moved"): "商家停业或搬迁", ("prepaid_problem", "changed_mind"): "自己不想用了",
}
