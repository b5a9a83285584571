"""A seeded synthetic complaint set with known groups, for measuring how well the clustering recovers them.

Nine recurring problems (充电宝起火, 预付卡跑路, 快递丢件 …), each written in many customer wordings by a small
generator: every complaint picks an opening, one of several ways to say what happened, how the business reacted
and what the customer wants, each from its own vocabulary, in a random order with random fillers. Thirty noise
complaints about one-off problems sit between them. Group sizes differ and some grow over the ten weeks, so the
high-frequency ranking and the weekly trend have something to show. Some complaints carry a phone number or the
customer's own name in the facts, as real ones do; both must never reach an analytics example.

    python -m bot.analytics.synthetic --database-url sqlite:///var/synthetic.db [--seed 7]

The complaints are saved through :func:`bot.complaints.service.submit`, exactly like the bot's.
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bot.complaints import service
from bot.complaints.fields import Demand
from bot.complaints.lifecycle import Policy

DEFAULT_SEED = 20261201
# Monday 21 September 2026, 10:00 Beijing time (stored as naive UTC); ten ISO weeks W39–W48 follow.
FIRST_WEEK = datetime(2026, 9, 21, 2, 0)
WEEKS = 10
NOISE_LABEL = "noise"


@dataclass(frozen=True)
class Problem:
    key: str
    name: str
    size: int
    growth: float  # > 0: more of them in later weeks
    businesses: tuple[str, ...]
    products: tuple[str, ...]
    events: tuple[str, ...]  # what happened, in several wordings; {product} {amount} {days} {n} slots
    details: tuple[str, ...]  # a second sentence about the same problem
    responses: tuple[str, ...]  # how the business reacted, specific to the problem
    demands: tuple[Demand, ...]


_SHARED_OPENINGS = (
    "{month}月{day}号在{business}买了{product}，",
    "我在{business}花{amount}元买的{product}，",
    "上个月从{business}入手了{product}，",
    "前段时间在{business}那里买了{product}，",
    "{business}的{product}，",
    "我是{month}月份在{business}办的{product}，",
    "",
)
_SHARED_RESPONSES = (
    "找客服一直推脱，",
    "商家不理不睬，",
    "客服说要等审核，等了好几天也没消息，",
    "跟他们协商了几次都没有结果，",
    "打电话过去没人接，",
    "在线客服只会发模板回复，",
    "",
)
_SHARED_ENDINGS = (
    "要求退款。",
    "希望赔偿我的损失。",
    "请帮我维权，谢谢。",
    "实在太气人了，希望有人管管。",
    "我要求他们给个说法。",
    "希望尽快处理。",
    "",
)
_NAME_LINES = ("我叫{name}，", "本人{name}，", "")
_PHONE_LINES = ("我的电话{phone}，请联系我。", "有问题打{phone}。", "")

PROBLEMS: tuple[Problem, ...] = (
    Problem(
        "powerbank_fire", "充电宝起火", 34, 0.8,
        ("闪电数码专营店", "罗马仕官方旗舰店", "品胜数码旗舰店"),
        ("充电宝", "移动电源", "20000毫安充电宝", "磁吸充电宝"),
        (
            "{product}用了{days}天就起火了，",
            "给手机充电的时候{product}突然冒烟着火，",
            "半夜{product}充着电自燃了，把床单烧了个洞，",
            "{product}外壳鼓包发烫，接着就冒烟起火，",
            "{product}在包里突然爆燃，差点烧到孩子，",
            "{product}插上电没多久就冒火星，屋里全是焦味，",
        ),
        (
            "电芯烧得发黑。", "还把桌子烫坏了。", "幸好人在旁边及时扑灭。", "现在家里人都不敢用了。",
            "消防员说是电池质量问题。", "",
        ),
        ("商家说是我使用不当，", "客服说起火不在保修范围，", "店家只同意换一个新的，"),
        (Demand(("退货", "赔偿")), Demand(("赔偿",)), Demand(("退货", "退款"))),
    ),
    Problem(
        "prepaid_runaway", "预付卡跑路", 30, 0.3,
        ("力美健身", "悦颜美容会所", "名剪造型"),
        ("健身年卡", "美容储值卡", "理发会员卡", "游泳次卡"),
        (
            "充了{amount}元的{product}，店突然关门了，",
            "门店人去楼空，老板联系不上，{product}里还有{amount}元，",
            "{product}里还剩{amount}元没用完，店铺就跑路了，",
            "门口贴了停业通知说装修，之后再也没开过门，办的{product}没法用，",
            "老板失联，电话打不通，刚办的{product}等于作废，",
            "店面已经搬空了，办卡的时候还说永久有效，",
        ),
        (
            "好多会员都在群里找老板。", "卡上余额一分都退不回来。", "工作人员也说被拖欠工资。",
            "附近的人都被坑了。", "",
        ),
        ("店员说老板换了，之前的卡不认，", "新老板说不承担以前的卡，", "群里说老板已经跑了，"),
        (Demand(("退款",)), Demand(("退款", "赔偿"))),
    ),
    Problem(
        "parcel_lost", "快递丢件", 28, 0.0,
        ("迅达快递", "通远物流", "快捷驿站"),
        ("快递包裹", "寄出的包裹", "网购的快递", "一箱水果快递"),
        (
            "物流显示{product}已经签收，但我根本没收到，",
            "{product}在中转站丢了，",
            "{product}显示已签收，去驿站问说没有这个件，",
            "物流信息停了{days}天一直不更新，最后告诉我{product}丢件了，",
            "{product}寄丢了，快递员一直说在找，",
            "查物流说{product}派送成功，可家里和门卫都没有，",
        ),
        ("里面的东西价值{amount}元。", "快递员不承认丢件。", "监控也调不出来。", "保价也没用。", ""),
        ("快递公司只肯按运费的{n}倍赔，", "网点说要等总部核实，", "快递员让我自己去找，"),
        (Demand(("赔偿",)), Demand(("赔偿", "道歉"))),
    ),
    Problem(
        "auto_renewal", "自动续费扣款", 26, 0.5,
        ("爱看视频", "酷听音乐", "云存网盘"),
        ("视频会员", "音乐会员", "网盘会员", "超级会员"),
        (
            "没有任何提醒就自动续费扣了我{amount}元，",
            "开通{product}的时候没告诉我会自动续费，每个月偷偷扣钱，",
            "{product}试用期结束直接扣款，取消续费的入口根本找不到，",
            "明明关了免密支付，{product}还是被续费扣款，",
            "{product}连续包月扣费，我根本没同意过，",
            "银行卡被{product}自动扣费{n}次，",
        ),
        ("扣款短信是半夜发的。", "自动续费藏在很小的字里。", "我好几个月都没用过。", ""),
        ("客服说扣了就不能退，", "平台说开通时已经同意了协议，", "客服让我自己去关自动续费，"),
        (Demand(("退款",)), Demand(("退款", "道歉"))),
    ),
    Problem(
        "food_foreign", "外卖异物", 24, 0.0,
        ("张记麻辣烫", "好味快餐", "川香小厨"),
        ("外卖", "外卖盒饭", "麻辣烫外卖", "蛋炒饭"),
        (
            "点的{product}里吃出了头发，",
            "{product}饭里有一只蟑螂，",
            "{product}吃到一半咬到一块塑料片，",
            "{product}的汤里漂着一只苍蝇，",
            "吃{product}咬到一颗小石子，牙都崩了，",
            "{product}里面有一根钢丝球的铁丝，",
        ),
        ("拍了照片留了证据。", "吃完肚子不舒服还拉肚子。", "恶心得吃不下去了。", "孩子也吃了几口。", ""),
        ("商家说不可能是他们的问题，", "店家只愿意退一份餐钱，", "平台让我跟商家自己沟通，"),
        (Demand(("退款", "赔偿")), Demand(("赔偿",), compensation_multiple=10)),
    ),
    Problem(
        "broadband_cancel", "宽带退订收费", 22, -0.3,
        ("城通宽带", "华网电信营业厅"),
        ("宽带", "光纤宽带", "家庭宽带套餐", "融合宽带"),
        (
            "搬家要退订{product}，营业厅说要交{amount}元违约金，",
            "注销{product}要收拆机费和违约金，",
            "办理{product}退订时说合约没到期要扣{amount}元，",
            "{product}不让在网上退订，必须去营业厅，还要收光猫钱，",
            "{product}已经停用了还继续收月租，",
            "想取消{product}，客服说要先交清剩下{n}个月的费用，",
        ),
        ("办的时候根本没说有最低消费期。", "光猫早就还回去了。", "合同里也没写违约金。", ""),
        ("营业员说这是规定，", "客服一直让我去线下办，", "装维人员说不归他们管，"),
        (Demand(("退款",)), Demand(("退款", "道歉"))),
    ),
    Problem(
        "odometer", "二手车调表", 20, 0.0,
        ("优信车行", "好车二手车市场", "诚信车行"),
        ("二手车", "二手SUV", "二手轿车"),
        (
            "买的{product}被调过表，实际公里数是表上的两倍，",
            "去4S店保养发现记录里程比仪表多了{n}万公里，{product}被调表了，",
            "卖家说{product}是准新车，查维保记录发现里程被改了，",
            "{product}仪表盘显示{n}万公里，实际已经跑了十几万公里，",
            "{product}的里程表被人动过，车况和描述完全不一样，",
        ),
        ("车价{amount}元。", "合同上写的是无重大事故、里程真实。", "车检也查出问题。", ""),
        ("车行说车卖出去概不负责，", "销售说里程他们也不知道，", "车商只肯补偿一点油费，"),
        (Demand(("退货", "赔偿"), compensation_multiple=3), Demand(("退货", "退款"))),
    ),
    Problem(
        "training_refund", "培训机构不退费", 18, 0.4,
        ("博学教育", "启航培训", "新思维学堂"),
        ("英语培训课", "编程课", "考研辅导班", "少儿美术课"),
        (
            "报了{product}只上了{n}节就不想上了，机构不给退费，",
            "报{product}时说好不满意随时退，现在一直拖着不退钱，",
            "{product}老师换了好几个，要求退剩下的课时费被拒，",
            "{product}签了培训贷，退课了还要继续还贷款，",
            "{product}交了{amount}元学费，机构说课程一经购买不退，",
            "孩子的{product}没上几次机构就要停课，学费却不退，",
        ),
        ("合同里写的退费条款根本不执行。", "剩下的课时还有{n}节。", "课程顾问已经离职了。", ""),
        ("机构说只能转课不能退，", "校长说要扣一半手续费，", "课程顾问不回消息，"),
        (Demand(("退款",)), Demand(("退款", "赔偿"))),
    ),
    Problem(
        "screen_defect", "手机屏幕质量问题", 16, 0.0,
        ("星辰手机官方店", "智选数码", "极光手机专卖店"),
        ("新手机", "折叠屏手机", "5G手机"),
        (
            "{product}用了{days}天屏幕就出现绿线，",
            "{product}才买一个月屏幕就开始闪屏，",
            "{product}屏幕自己出现横纹，触摸也失灵了，",
            "{product}屏幕有好几个亮点和坏点，",
            "{product}没摔没碰，屏幕上突然出现一条竖线，",
        ),
        ("送修说要自费换屏。", "售后检测说是人为损坏。", "屏幕一半都看不清了。", ""),
        ("售后说屏幕不在三包范围，", "客服让我自己寄去检测，", "门店说要收{amount}元换屏费，"),
        (Demand(("退货",)), Demand(("换货",)), Demand(("维修",))),
    ),
)

# One-off problems: each appears once, in its own words, with its own business.
NOISE: tuple[tuple[str, str, str], ...] = (
    ("如家快捷酒店", "酒店房间", "酒店房间一股霉味，床单上还有污渍，前台不给换房。"),
    ("快车出行", "网约车", "网约车司机故意绕路，多收了我四十多块车费。"),
    ("蓝天航空", "机票", "机票改签收了一半的手续费，规则里根本没写这么高。"),
    ("云山景区", "景区门票", "下暴雨景区关闭了，门票却不给退。"),
    ("安居房产中介", "租房押金", "退租的时候中介找各种理由扣押金，一分不退。"),
    ("美家家具城", "实木衣柜", "送来的衣柜尺寸和页面写的不一样，装不进房间。"),
    ("洁净洗衣店", "羊毛大衣", "大衣送去干洗回来缩水变形了，店里只肯赔洗衣费。"),
    ("匠心装修公司", "房屋装修", "装修合同约定两个月完工，现在拖了半年还没弄完。"),
    ("绿源电动车行", "电动车", "电动车宣传续航八十公里，实际骑二十公里就没电。"),
    ("明视眼镜店", "近视眼镜", "配的眼镜度数不对，戴着头晕，店里不给重新验光。"),
    ("喜乐影城", "电影票", "电影放到一半停电了，影院不退票也不补场。"),
    ("鲜果园生鲜", "进口车厘子", "买的车厘子一半是烂的，商家说签收了就不管。"),
    ("快乐宠物店", "小狗", "买回来的小狗第三天就病了，宠物店说是我没养好。"),
    ("汇通银行", "信用卡", "信用卡年费没通知就扣了，说好的首年免年费。"),
    ("安心保险代理", "意外险", "销售说随时可以退保，退保时只退了很少一部分。"),
    ("优品家电", "空调安装", "空调安装师傅额外收了三百块材料费，事先没说。"),
    ("佳美婚纱摄影", "婚纱照套餐", "婚纱照拍完后说底片要另外加钱才给。"),
    ("阳光驾校", "驾校报名", "驾校报名后一直排不上练车，想退学费被拒绝。"),
    ("康宁药房", "保健品", "药店推销的保健品说能治高血压，吃了没有任何效果。"),
    ("城市停车场", "停车费", "停车场收费标准没有公示，停两个小时收了六十块。"),
    ("一品月子中心", "月子套餐", "月子中心的餐食和合同里写的完全不一样，天天都是剩菜。"),
    ("欢乐游乐园", "年卡", "游乐园年卡突然规定节假日不能用，当初没说。"),
    ("好运旅行社", "跟团游", "跟团游被导游强制购物，不买就不让上车。"),
    ("悦动体育", "跑步鞋", "跑鞋穿了两周鞋底就开胶了，店家说是正常磨损。"),
    ("万家超市", "牛奶", "超市货架上的牛奶已经过期三天了还在卖。"),
    ("飞速网吧", "上网费", "网吧充值的钱不能退，机器还经常死机。"),
    ("金典珠宝", "金项链", "买的金项链去检测发现含金量不够，不是足金。"),
    ("博雅书店", "图书", "网上买的书是盗版，印刷模糊还缺页。"),
    ("清风家政", "保洁服务", "保洁阿姨打扫时打碎了花瓶，家政公司不肯赔。"),
    ("乐享外卖平台", "会员红包", "平台承诺的会员红包一直领不了，客服说活动结束了。"),
)

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "建华", "志强")


@dataclass(frozen=True)
class SyntheticComplaint:
    group: str  # a Problem key, or NOISE_LABEL
    draft: service.ComplaintDraft
    customer: service.Customer
    created_at: datetime


def _week_weights(growth: float, rng: random.Random) -> list[float]:
    # A linear trend over the weeks plus a little jitter; growth 0.8 makes the last week ~1.8x the first.
    return [max(0.05, 1 + growth * (week / (WEEKS - 1) - 0.5) * 2 + rng.uniform(-0.15, 0.15)) for week in range(WEEKS)]


def _moment(week: int, rng: random.Random) -> datetime:
    return FIRST_WEEK + timedelta(days=7 * week + rng.randrange(7), hours=rng.randrange(12), minutes=rng.randrange(60))


def _fill(template: str, rng: random.Random, **slots: str) -> str:
    values = dict(
        amount=str(rng.choice((199, 399, 680, 1280, 2000, 3600, 5000, 12800))),
        days=str(rng.randint(2, 40)),
        n=str(rng.randint(2, 9)),
        month=str(rng.randint(1, 12)),
        day=str(rng.randint(1, 28)),
    )
    values.update(slots)
    return template.format(**values)


def _facts(problem: Problem, business: str, product: str, name: str, phone: str, rng: random.Random) -> str:
    slots = dict(business=business, product=product, name=name, phone=phone)
    event = _fill(rng.choice(problem.events), rng, **slots)
    if rng.random() < 0.15:  # the terse ones: "充电宝用了3天就起火了！！"
        return event.rstrip("，") + rng.choice(("！！", "。", "，怎么办", "？"))
    opening = _fill(rng.choice(_SHARED_OPENINGS), rng, **slots)
    detail = _fill(rng.choice(problem.details), rng, **slots)
    if rng.random() < 0.15:  # an aside about another problem, as in "上次快递丢了也没人管"
        other = rng.choice([p for p in PROBLEMS if p is not problem])
        aside = _fill(rng.choice(other.events), rng, product=rng.choice(other.products), business="", name="", phone="")
        detail += f"之前还遇到过{aside.rstrip('，')}。"
    response = _fill(rng.choice(problem.responses + _SHARED_RESPONSES), rng, **slots)
    ending = _fill(rng.choice(_SHARED_ENDINGS), rng, **slots)
    middle = [event + detail, response] if rng.random() < 0.7 else [response, event + detail]
    who = _fill(rng.choice(_NAME_LINES), rng, **slots) if rng.random() < 0.3 else ""
    contact = _fill(rng.choice(_PHONE_LINES), rng, **slots) if rng.random() < 0.25 else ""
    return (who + opening + "".join(middle) + ending + contact).strip("，") or event


def _person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    phone = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    return name, phone


def _draft(business: str, product: str, facts: str, demand: Demand, moment: datetime, name: str, phone: str,
           rng: random.Random) -> service.ComplaintDraft:
    return service.ComplaintDraft(
        business_name=business, business_platform=rng.choice((None, "淘宝", "京东", "美团", "抖音")),
        product=product, purchase_date=(moment - timedelta(days=rng.randint(3, 60))).date(),
        amount=Decimal(rng.choice((59, 199, 399, 680, 1280, 3600))), order_number=None, facts=facts,
        demand=demand, contacted_business=rng.random() < 0.8, evidence=["聊天记录"], name=name, phone=phone,
    )


def generate(seed: int = DEFAULT_SEED) -> list[SyntheticComplaint]:
    """The synthetic set for ``seed``, oldest first: the same seed always gives the same complaints."""
    rng = random.Random(seed)
    made: list[SyntheticComplaint] = []
    for problem in PROBLEMS:
        weights = _week_weights(problem.growth, rng)
        for _ in range(problem.size):
            moment = _moment(rng.choices(range(WEEKS), weights)[0], rng)
            # A minority of complaints name a business of another group's kind (a marketplace shop), as real
            # complaints do, so the business alone never gives the group away.
            business = rng.choice(problem.businesses) if rng.random() < 0.85 else rng.choice(("天猫超市", "拼多多店铺"))
            product = rng.choice(problem.products)
            name, phone = _person(rng)
            facts = _facts(problem, business, product, name, phone, rng)
            draft = _draft(business, product, facts, rng.choice(problem.demands), moment, name, phone, rng)
            made.append(SyntheticComplaint(problem.key, draft, service.Customer("web", f"syn-{len(made):04d}"), moment))
    for business, product, facts in NOISE:
        moment = _moment(rng.randrange(WEEKS), rng)
        name, phone = _person(rng)
        draft = _draft(business, product, facts, Demand(("退款",)), moment, name, phone, rng)
        made.append(SyntheticComplaint(NOISE_LABEL, draft, service.Customer("web", f"syn-{len(made):04d}"), moment))
    made.sort(key=lambda item: (item.created_at, item.customer.sender_id))
    return made


def write(complaints: list[SyntheticComplaint], url: str | None = None) -> dict[str, str]:
    """Submit every complaint through the complaint service; returns ticket → known group."""
    policy = Policy()
    groups = {}
    for item in complaints:
        submitted = service.submit(
            item.draft, item.customer, consented_at=item.created_at, now=item.created_at, policy=policy, url=url
        )
        groups[submitted.ticket] = item.group
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.analytics.synthetic", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="SQLAlchemy URL of the database to fill")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import migrate

    try:
        migrate(args.database_url)
        groups = write(generate(args.seed), args.database_url)
    except (SQLAlchemyError, service.ComplaintError) as error:
        print(f"error: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {len(groups)} synthetic complaints to {args.database_url}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
