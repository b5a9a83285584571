"""The remedies the law gives a consumer, one declarative rule each, and :func:`assess` that applies them.

Each rule says which facts make it relevant (triggers), what the law requires (conditions), how to compute
the sum where the law gives one, the deadline, the steps and the evidence to keep. Checked by hand against
消费者权益保护法 第23–26、49、53、55条, 食品安全法 第54、148条, 网络购买商品七日无理由退货暂行办法 第6–10、12条,
消费者权益保护法实施条例 第10、17、19、22、49条, 侵害消费者权益行为处罚办法 第5、6、16条, 民法典 第496–498条
产品质量法 第40、45条 and 个人信息保护法 第44、47、50、69条.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from bot.knowledge.model import LegalBasis
from bot.remedies.facts import (
    DISTANCE_CHANNELS, FOOD_CATEGORIES, INTACT_CONDITIONS, PROBLEM, CaseFacts,
)
from bot.remedies.model import Amount, Assessment, Condition, Note, Remedy, RemedyRule, always, listed

CPL = "消费者权益保护法"
CPL_REGULATION = "消费者权益保护法实施条例"
SEVEN_DAY_MEASURES = "网络购买商品七日无理由退货暂行办法"

RETURN_WINDOW_DAYS = 7
FRAUD_MULTIPLE, FRAUD_FLOOR = 3, 500
FOOD_PRICE_MULTIPLE, FOOD_LOSS_MULTIPLE, FOOD_FLOOR = 10, 3, 1000
PUNITIVE_LOSS_MULTIPLE = 2
# 第25条第1款 and 七日无理由退货办法 第6条: never returnable without reason, whatever the customer confirmed.
NOT_RETURNABLE_CATEGORIES = frozenset({"custom_made", "fresh", "periodicals"})


def yuan(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def _basis(law: str, article: Optional[int] = None, paragraph: Optional[int] = None) -> LegalBasis:
    return LegalBasis(law, article, paragraph)


def _is(fact: str, *values) -> Callable[[CaseFacts], bool]:
    return lambda facts: getattr(facts, fact) in values


# ---------------------------------------------------------------------------------------------------------
# Amounts. Each returns None when a fact it needs is unknown.

def fraud_amount(facts: CaseFacts) -> Optional[Amount]:
    if facts.price is None:
        return None
    tripled = FRAUD_MULTIPLE * facts.price
    sum_text = f"{FRAUD_MULTIPLE} × {yuan(facts.price)} = {yuan(tripled)} 元"
    if tripled < FRAUD_FLOOR:
        return Amount(FRAUD_FLOOR, f"{sum_text}，不足 {FRAUD_FLOOR} 元，按 {FRAUD_FLOOR} 元计")
    return Amount(tripled, sum_text)


def food_amount(facts: CaseFacts) -> Optional[Amount]:
    if facts.price is None:
        return None
    by_price = FOOD_PRICE_MULTIPLE * facts.price
    parts = [f"{FOOD_PRICE_MULTIPLE} × {yuan(facts.price)} = {yuan(by_price)} 元"]
    best = by_price
    if facts.loss is not None:
        by_loss = FOOD_LOSS_MULTIPLE * facts.loss
        parts.append(f"{FOOD_LOSS_MULTIPLE} × {yuan(facts.loss)} = {yuan(by_loss)} 元")
        best = max(by_price, by_loss)
        parts.append(f"取较高的 {yuan(best)} 元")
    if best < FOOD_FLOOR:
        parts.append(f"不足 {FOOD_FLOOR} 元，按 {FOOD_FLOOR} 元计")
        best = FOOD_FLOOR
    return Amount(best, "；".join(parts))


def punitive_amount(facts: CaseFacts) -> Optional[Amount]:
    if facts.loss is None:
        return None
    ceiling = PUNITIVE_LOSS_MULTIPLE * facts.loss
    return Amount(
        ceiling,
        f"最高 {PUNITIVE_LOSS_MULTIPLE} × {yuan(facts.loss)} = {yuan(ceiling)} 元（另外还要赔偿实际损失 {yuan(facts.loss)} 元）",
        is_maximum=True,
    )


def _refund_of(fact: str, label: str) -> Callable[[CaseFacts], Optional[Amount]]:
    def amount(facts: CaseFacts) -> Optional[Amount]:
        value = getattr(facts, fact)
        return None if value is None else Amount(value, f"{label} {yuan(value)} 元")
    return amount


# ---------------------------------------------------------------------------------------------------------
# Deadlines.

def seven_day_deadline(facts: CaseFacts) -> str:
    rule = "从签收的第二天算起 7 天内向商家提出退货；商家收到退回的商品后 7 天内退款"
    if facts.days_since_receipt is None or facts.days_since_receipt > RETURN_WINDOW_DAYS:
        return rule
    left = RETURN_WINDOW_DAYS - facts.days_since_receipt
    return f"{rule}。您今天是第 {facts.days_since_receipt} 天，" + ("今天就是最后一天，请马上提出" if left == 0 else f"还剩 {left} 天")


def defect_return_deadline(facts: CaseFacts) -> str:
    rule = "收到商品之日起 7 天内提出退货"
    if facts.days_since_receipt is None:
        return rule
    left = RETURN_WINDOW_DAYS - facts.days_since_receipt
    return f"{rule}，" + ("今天是最后一天" if left == 0 else f"还剩 {left} 天")


def _fixed(text: str) -> Callable[[CaseFacts], str]:
    return lambda facts: text


LIMITATION = "越早主张越好：向市场监管部门投诉，一般要在知道权益受损之日起 3 年内；到法院起诉的诉讼时效一般也是 3 年"
# 产品质量法 第45条: claims for harm caused by a defective product have a two-year limitation period.
INJURY_LIMITATION = ("越早主张越好：因商品缺陷造成人身、财产损害要求赔偿的，诉讼时效是 2 年，从知道或者应当知道"
                     "受到损害时起算；向市场监管部门投诉，一般要在知道权益受损之日起 3 年内")


# ---------------------------------------------------------------------------------------------------------
# The rules, in the order we explain them (and ask for their facts).

FRAUD = RemedyRule(
    id="fraud_compensation",
    name="欺诈“退一赔三”",
    legal_basis=(_basis(CPL, 55, 1), _basis(CPL_REGULATION, 49), _basis("侵害消费者权益行为处罚办法", 16)),
    triggers=(Condition(("fraud",), _is("fraud", True), "商家有欺诈或虚假宣传", "没有欺诈行为"),),
    conditions=(
        Condition(("label_flaw_only",), lambda f: f.label_flaw_only is not True,
                  "问题不只是标签、说明书上的小瑕疵",
                  "只是标签、说明书、宣传材料上不影响质量、也不会误导人的小瑕疵，条例明确排除了三倍赔偿",
                  ask=False,
                  default_note="如果问题只是标签、说明书上不影响质量也不误导人的小瑕疵，就拿不到三倍赔偿。"),
    ),
    amount=fraud_amount,
    amount_needs=("price",),
    deadline=_fixed(LIMITATION),
    steps=(
        "先找商家，明确提出退货退款，并按价款的三倍要求增加赔偿",
        "商家不认，就向 12315 投诉，写清楚商家怎么宣传、实际给了您什么",
        "仍谈不拢，可以向法院起诉；小额案件走简易程序，费用不高",
    ),
    evidence=("商品页面、直播或广告的截图、录屏", "订单和付款记录", "商品实物和包装，别丢也别拆坏",
              "能证明真实情况的材料，比如官方售后查询的激活日期、鉴定或检测报告", "和客服的聊天记录"),
    tips=(Note(always, "三倍赔偿是在退还货款之外另加的；三倍不足 500 元的，按 500 元计。"),),
    uncertain=(
        Note(always, "是否构成欺诈，最终由市场监管部门或法院认定。以假充真、以次充好、谎称正品卖残次品、"
                     "隐瞒商品的重要质量信息等，直接认定为欺诈；卖冒用他人厂名厂址、认证标志的商品或侵犯他人注册商标的商品等，先推定为欺诈，"
                     "但商家能证明自己不是有意欺骗、误导您的除外。比如把翻新机当新机卖，要有证据证明商品确实是翻新的，"
                     "而且商家没有如实告诉您。"),
    ),
)

FOOD_SAFETY = RemedyRule(
    id="food_safety_compensation",
    name="食品安全“十倍赔偿”",
    legal_basis=(_basis("食品安全法", 148, 1), _basis("食品安全法", 148, 2), _basis("食品安全法", 54)),
    triggers=(Condition(("food_below_standard",), _is("food_below_standard", True),
                        "食品不符合食品安全标准", "食品符合安全标准"),),
    conditions=(
        Condition(("category",), lambda f: f.category in FOOD_CATEGORIES, "买的是食品", "买的不是食品，这条规定只管食品"),
        Condition(("label_flaw_only",), lambda f: f.label_flaw_only is not True,
                  "问题不只是标签、说明书上的小瑕疵",
                  "只是标签、说明书上不影响食品安全、也不会误导人的小瑕疵，法律明确排除了十倍赔偿",
                  ask=False,
                  default_note="如果问题只是标签、说明书上不影响安全也不误导人的小瑕疵，就拿不到十倍赔偿。"),
    ),
    amount=food_amount,
    amount_needs=("price",),
    deadline=_fixed(LIMITATION),
    steps=(
        "先向卖家或生产厂家要求赔偿，谁先接到都应当先赔，不能互相推诿（要十倍赔偿时，卖家不知情的，找生产厂家）",
        "保留好食品，可以向市场监管部门（12315）举报并申请检验",
        "协商不成，向法院起诉，同时主张实际损失和十倍（或损失三倍）赔偿",
    ),
    evidence=("剩余的食品和包装（拍清生产日期、保质期）", "购物小票、订单或付款记录", "就医病历和医药费票据（如果吃出了问题）"),
    tips=(
        Note(always, "十倍价款或三倍损失取较高的，不足 1000 元的按 1000 元计；这是在赔偿实际损失之外另加的。"),
        Note(lambda f: f.loss is None, "如果您还有其他损失（比如医药费），告诉我金额，可以按损失的三倍再算一次，取较高的。"),
    ),
    uncertain=(
        Note(lambda f: f.knowingly_unsafe is not True,
             "向生产厂家要十倍赔偿，不需要证明它知情；向卖家要，法律要求卖家“明知”食品不符合食品安全标准。"
             "卖家依法要定期检查库存、及时清理变质或过期的食品，仍把过期食品卖给您，可以作为明知的证据，最终由法院认定。"),
        Note(lambda f: f.fraud is True,
             "同一件事既可能按食品安全法要十倍，也可能按欺诈要三倍，一般只能选一个对您更有利的主张。"),
    ),
)

INJURY_PUNITIVE = RemedyRule(
    id="injury_punitive_damages",
    name="明知缺陷致人严重损害的惩罚性赔偿",
    legal_basis=(_basis(CPL, 55, 2), _basis(CPL, 49), _basis("产品质量法", 45)),
    triggers=(Condition(("injury",), _is("injury", "minor", "serious", "death"), "有人受到了伤害", "没有人受伤"),),
    conditions=(
        Condition(("injury",), _is("injury", "serious", "death"), "造成了死亡或健康严重损害",
                  "伤情没有达到死亡或健康严重损害，不适用惩罚性赔偿（实际损失仍然可以要求赔偿）"),
        Condition(("knowingly_unsafe",), _is("knowingly_unsafe", True), "商家明知商品有缺陷仍然出售",
                  "没有证据表明商家明知商品有缺陷"),
    ),
    amount=punitive_amount,
    amount_needs=("loss",),
    deadline=_fixed(INJURY_LIMITATION),
    steps=(
        "先治疗，所有票据都留好",
        "书面向商家或生产厂家提出赔偿要求，写明损失和惩罚性赔偿的金额",
        "这类案件金额大、证据要求高，建议尽快咨询律师或向法院起诉",
    ),
    evidence=("病历、诊断证明、伤情鉴定", "医药费、护理费、误工等损失的票据", "出问题的商品（别扔）",
              "能证明商家早就知道缺陷的材料，比如召回公告、之前的投诉、检测报告"),
    tips=(Note(always, "惩罚性赔偿最高是实际损失的两倍，具体多少由法院根据情况决定。"),),
    uncertain=(Note(always, "商家是否“明知”、伤情是否算“健康严重损害”，都需要证据，最终由法院认定。"),),
)

INJURY_COMPENSATION = RemedyRule(
    id="injury_compensation",
    name="人身伤害的损失赔偿",
    legal_basis=(_basis(CPL, 49), _basis("民法典", 1179), _basis("产品质量法", 45)),
    triggers=INJURY_PUNITIVE.triggers,
    conditions=(),
    amount=_refund_of("loss", "按实际损失赔偿"),
    amount_needs=("loss",),
    deadline=_fixed(INJURY_LIMITATION),
    steps=("先就医，保留所有票据", "向商家或生产厂家提出赔偿，写清每一项费用", "协商不成，可以投诉或起诉"),
    evidence=("病历和诊断证明", "医药费、交通费、误工收入减少的证明", "出问题的商品"),
    tips=(Note(always, "可以要的包括医疗费、护理费、交通费和误工损失；造成残疾或死亡的，还有相应的赔偿金。"),),
)

DEFECT_RETURN = RemedyRule(
    id="defect_return",
    name="质量问题 7 天内退货",
    legal_basis=(_basis(CPL, 24, 1), _basis(CPL, 24, 2)),
    triggers=(Condition(("has_defect",), _is("has_defect", True), "商品有质量问题", "商品没有质量问题"),),
    conditions=(
        Condition(("subject",), _is("subject", "goods"), "买的是商品", "这是服务，不是商品，适用服务合同的约定"),
        Condition(("days_since_receipt",), lambda f: f.days_since_receipt <= RETURN_WINDOW_DAYS,
                  "在收到商品 7 天以内", "已经超过收到商品后的 7 天"),
    ),
    amount=_refund_of("price", "退还货款"),
    amount_needs=("price",),
    deadline=defect_return_deadline,
    steps=("联系商家说明质量问题，要求退货退款", "寄回的运费等必要费用应由商家承担", "商家拒绝的，可以投诉"),
    evidence=("问题部位的照片或视频", "订单和付款记录", "和客服的沟通记录"),
)

DEFECT_REPAIR = RemedyRule(
    id="defect_replace_repair",
    name="质量问题更换、修理（三包）",
    legal_basis=(_basis(CPL, 24, 1), _basis(CPL, 23, 3), _basis("产品质量法", 40)),
    triggers=DEFECT_RETURN.triggers,
    conditions=(DEFECT_RETURN.conditions[0],),
    deadline=_fixed("在国家三包规定或商家承诺的换货期、保修期内提出"),
    steps=(
        "联系商家或品牌售后，要求更换或免费修理，来回运费由商家承担",
        "手机、电脑、家电等三包商品，按三包规定的换货期和保修期处理，保留好三包凭证",
        "商家拖延或拒绝的，可以投诉",
    ),
    evidence=("问题的照片或视频、检测单", "发票或三包凭证", "维修记录和沟通记录"),
    tips=(
        Note(lambda f: f.days_since_receipt is not None and f.days_since_receipt > RETURN_WINDOW_DAYS,
             "超过 7 天后，如果质量问题严重到符合法定解除合同的条件，仍然可以及时退货；否则可以要求更换、修理。"),
        Note(lambda f: f.category == "electronics" and f.days_since_receipt is not None and f.days_since_receipt <= 180,
             "电脑、电视、冰箱等耐用商品在 6 个月内发现的瑕疵，发生争议时由商家负责举证。"),
    ),
    uncertain=(
        Note(lambda f: f.days_since_receipt is not None and f.days_since_receipt > RETURN_WINDOW_DAYS,
             "7 天后还能不能直接退货，要看质量问题是否严重到“不能实现合同目的”，双方有争议时由调解机构或法院判断。"),
    ),
)

SEVEN_DAY_RETURN = RemedyRule(
    id="seven_day_return",
    name="七天无理由退货",
    legal_basis=(_basis(CPL, 25), _basis(SEVEN_DAY_MEASURES, 6), _basis(SEVEN_DAY_MEASURES, 7),
                 _basis(SEVEN_DAY_MEASURES, 8), _basis(SEVEN_DAY_MEASURES, 10), _basis(SEVEN_DAY_MEASURES, 12),
                 _basis(CPL_REGULATION, 19)),
    triggers=(Condition(("wants_return",), _is("wants_return", True), "想无理由退货", "不需要无理由退货"),),
    conditions=(
        Condition(("channel",), lambda f: f.channel in DISTANCE_CHANNELS, "通过网络、电视、电话或邮购购买",
                  "在实体店购买，法律没有规定无理由退货，要看商家自己有没有承诺"),
        Condition(("subject",), _is("subject", "goods"), "买的是商品", "服务不适用七天无理由退货"),
        Condition(("days_since_receipt",), lambda f: f.days_since_receipt <= RETURN_WINDOW_DAYS,
                  "在签收后 7 天以内", "已经超过签收后的 7 天"),
        Condition(("category",), lambda f: f.category not in NOT_RETURNABLE_CATEGORIES,
                  "不属于定作、鲜活易腐、报纸期刊这几类法定不退的商品",
                  "定作、鲜活易腐的商品和报纸期刊，法律规定不适用七天无理由退货"),
        Condition(("goods_condition",), lambda f: f.goods_condition in INTACT_CONDITIONS,
                  "商品完好（拆开查验不影响完好）", "商品已经超出查验需要使用或损坏，不算完好"),
        Condition(("category", "goods_condition"),
                  lambda f: not (f.category == "digital" and f.goods_condition != "unopened"),
                  "不是已拆封或在线下载的数字商品", "已拆封或在线下载的音像制品、软件等数字商品不能无理由退货"),
        Condition(("confirmed_not_returnable",), lambda f: f.confirmed_not_returnable is not True,
                  "购买时没有单独确认过“不适用无理由退货”",
                  "购买时您单独确认过这件商品不适用无理由退货（拆封后影响安全或品质、激活后贬值大、临期或有瑕疵的商品可以这样约定）",
                  ask=False,
                  default_note="如果下单时您单独确认过“该商品不支持七天无理由退货”，商家可以拒绝；"
                               "没有经过您确认的，商家不能拒绝。"),
    ),
    amount=_refund_of("price", "退还商品价款"),
    amount_needs=("price",),
    deadline=seven_day_deadline,
    steps=(
        "在平台上点“申请退货”或联系商家，写明“七天无理由退货”",
        "按商家给的地址寄回，商品、配件、赠品要一起退回，保留好快递单号",
        "退货运费一般由您承担，商家另有承诺（比如运费险）的按承诺",
    ),
    evidence=("签收时间记录", "退货申请和快递单号", "寄回前的商品照片（证明完好）"),
)

PREPAID_REFUND = RemedyRule(
    id="prepaid_refund",
    name="预付卡退款",
    legal_basis=(_basis(CPL, 53), _basis(CPL_REGULATION, 22)),
    triggers=(Condition(("category",), _is("category", "prepaid"), "是预付卡、会员卡消费", "不是预付消费"),),
    conditions=(
        Condition(("prepaid_problem",), _is("prepaid_problem", "not_as_agreed", "closed_or_moved"),
                  "商家没有按约定提供服务，或者停业、搬迁",
                  "是您自己不想用了，不属于商家违约；能不能退、怎么退，要看办卡时的合同约定"),
    ),
    amount=_refund_of("prepaid_balance", "退还未消费的余额"),
    amount_needs=("prepaid_balance",),
    deadline=_fixed("尽快提出；商家停业、搬迁的，越早主张越容易追回。" + LIMITATION),
    steps=(
        "书面（微信、短信也行）要求商家按约定继续提供服务，或者退还未消费的余额",
        "同时可以要求支付预付款的利息和您必须支出的合理费用",
        "商家拒绝或已经跑路的，向 12315 投诉；人数多的可以一起投诉或起诉",
    ),
    evidence=("办卡合同或协议", "付款和充值记录", "消费记录和卡内余额截图", "商家停业、搬迁或降低服务的照片和通知"),
)

AUTO_RENEWAL = RemedyRule(
    id="auto_renewal_refund",
    name="自动续费未显著提醒",
    legal_basis=(_basis(CPL_REGULATION, 10, 2), _basis(CPL, 26)),
    triggers=(Condition(("auto_renewed",), _is("auto_renewed", True), "被自动续费了", "没有自动续费"),),
    conditions=(
        Condition(("renewal_notice_given",), _is("renewal_notice_given", False),
                  "续费前商家没有用显著方式提醒您",
                  "商家在续费前已经显著提醒过您，单凭自动续费很难要求退款"),
    ),
    amount=_refund_of("price", "要求退还续费"),
    amount_needs=("price",),
    deadline=_fixed("发现后尽快提出，并马上关闭自动续费"),
    steps=(
        "先在 App 或支付软件里关闭自动续费，免得下次再扣",
        "联系商家客服，说明续费前没有收到显著提醒，要求退还这次续费",
        "商家拒绝的，向 12315 投诉",
    ),
    evidence=("扣费记录截图", "开通页面和续费提醒情况的截图（有没有提醒、提醒得是否醒目）", "和客服的沟通记录"),
    uncertain=(Note(always, "条例明确要求自动续费前显著提醒，但没有直接写明不提醒就必须退款；"
                            "能否退还，由协商、投诉处理或法院决定。"),),
)

PERSONAL_INFO = RemedyRule(
    id="personal_information",
    name="个人信息被侵害",
    legal_basis=(_basis("个人信息保护法", 47), _basis("个人信息保护法", 50), _basis("个人信息保护法", 69),
                 _basis(CPL, 29), _basis(CPL, 50)),
    triggers=(Condition(("personal_info_violation",), _is("personal_info_violation", True),
                        "个人信息被违法收集、使用或泄露", "个人信息没有被侵害"),),
    conditions=(),
    amount=_refund_of("loss", "赔偿损失"),
    deadline=_fixed(LIMITATION),
    steps=(
        "要求商家停止侵害、删除您的个人信息、赔礼道歉；商家拒绝的要说明理由",
        "向网信、市场监管（12315）等负责个人信息保护的部门投诉、举报",
        "商家拒绝您删除、查阅等请求，或者造成损失的，可以起诉；商家要证明自己没有过错，否则要赔",
    ),
    evidence=("骚扰电话、短信的记录", "注册、授权页面的截图", "信息被泄露或滥用的证据", "因此造成的损失证明"),
)

UNFAIR_TERMS = RemedyRule(
    id="unfair_terms",
    name="不公平格式条款无效",
    legal_basis=(_basis(CPL, 26), _basis("民法典", 496), _basis("民法典", 497), _basis("民法典", 498),
                 _basis(CPL_REGULATION, 17)),
    triggers=(Condition(("unfair_term",), _is("unfair_term", True), "商家用格式条款限制您的权利", "不涉及格式条款"),),
    conditions=(),
    deadline=_fixed("随时可以主张：不公平的格式条款本身就无效"),
    steps=(
        "把条款原文发给我，我帮您逐条看看哪些可能不公平",
        "告诉商家该条款排除或限制了您的权利，依法无效，请按法律规定处理",
        "商家坚持的，可以投诉或起诉；对条款理解有争议时，应作不利于商家的解释",
    ),
    evidence=("合同、协议或店堂告示的照片、截图", "商家依据这个条款拒绝您的记录"),
)

TELECOM = RemedyRule(
    id="telecom_dispute",
    name="电信服务或话费争议",
    legal_basis=(_basis("电信条例", 39), _basis("电信用户申诉处理办法")),
    triggers=(Condition(("category",), _is("category", "telecom"), "是电信服务（话费、流量、宽带、套餐）的问题",
                        "不是电信服务"),),
    conditions=(),
    deadline=_fixed("先向运营商投诉；运营商 15 天内没答复或您不满意，再向电信用户申诉受理中心申诉。"
                    "话费争议超过 5 个月的，申诉中心不受理，请尽早提出"),
    steps=(
        "打运营商客服热线或去营业厅，要求解决服务质量问题，或者说明对哪笔费用有异议、要求退还",
        "要求运营商提供收费清单和收费依据，记下投诉工单号",
        "运营商 15 天内没有答复或处理结果不满意，向工业和信息化部或所在省的电信用户申诉受理中心申诉",
    ),
    evidence=("话费账单和扣费短信", "套餐办理记录或合同", "投诉时间和工单号", "和客服的通话或聊天记录"),
)

RULES: Tuple[RemedyRule, ...] = (
    FRAUD, FOOD_SAFETY, INJURY_PUNITIVE, INJURY_COMPENSATION, DEFECT_RETURN, DEFECT_REPAIR, SEVEN_DAY_RETURN,
    PREPAID_REFUND, AUTO_RENEWAL, PERSONAL_INFO, UNFAIR_TERMS, TELECOM,
)


# ---------------------------------------------------------------------------------------------------------

def _known(facts: CaseFacts, names: Tuple[str, ...]) -> bool:
    return all(getattr(facts, name) is not None for name in names)


def _is_triggered(rule: RemedyRule, facts: CaseFacts) -> bool:
    return all(_known(facts, c.facts) and c.holds(facts) for c in rule.triggers)


class _Outcome:
    """One rule checked against one case: which conditions are met, failed, or still unknown."""

    def __init__(self, rule: RemedyRule, facts: CaseFacts):
        self.rule = rule
        self.met: List[str] = [c.met for c in rule.triggers]
        self.not_met: List[str] = []
        self.unknown: List[str] = []  # facts a condition needs
        self.uncertain: List[str] = []
        for condition in rule.conditions:
            if _known(facts, condition.facts):
                if condition.holds(facts):
                    self.met.append(condition.met)
                else:
                    self.not_met.append(condition.not_met)
            elif condition.ask:
                self.unknown.extend(name for name in condition.facts if getattr(facts, name) is None)
            else:
                self.met.append(condition.met)
                self.uncertain.append(condition.default_note)
        self.amount = rule.amount(facts) if rule.amount else None
        # Only worth asking for the sum's facts once the remedy is known to apply.
        self.unknown_for_amount: List[str] = [
            name for name in rule.amount_needs if getattr(facts, name) is None
        ] if self.applies and self.amount is None else []
        self.uncertain.extend(note.text for note in rule.uncertain if note.when(facts))
        self.tips = [note.text for note in rule.tips if note.when(facts)]

    @property
    def fails(self) -> bool:
        return bool(self.not_met)

    @property
    def applies(self) -> bool:
        """Every condition is met (the sum may still need a fact)."""
        return not self.not_met and not self.unknown

    def remedy(self, facts: CaseFacts) -> Remedy:
        rule = self.rule
        return Remedy(
            id=rule.id, name=rule.name, legal_basis=rule.legal_basis, conditions_met=tuple(self.met),
            conditions_not_met=tuple(self.not_met), amount=self.amount, deadline=rule.deadline(facts),
            steps=rule.steps, evidence=rule.evidence, tips=tuple(self.tips),
        )


def assess(facts: CaseFacts) -> Assessment:
    """The remedies the law gives for these facts, and what we still need to know to decide the rest."""
    remedies, not_applicable, missing, uncertain = [], [], [], []
    for rule in RULES:
        if not _is_triggered(rule, facts):
            continue
        outcome = _Outcome(rule, facts)
        if outcome.fails:
            # Its other unknown facts no longer matter, so they are not asked for.
            not_applicable.append(outcome.remedy(facts))
            continue
        if outcome.applies:
            # Listed even before its sum is known; the sum follows once the customer tells us the amount.
            remedies.append(outcome.remedy(facts))
        missing.extend(outcome.unknown + outcome.unknown_for_amount)
        uncertain.extend(outcome.uncertain)
    if not remedies and not not_applicable and not missing:
        missing.append(PROBLEM)
    return Assessment(facts, tuple(remedies), tuple(not_applicable), listed(missing), listed(uncertain))
