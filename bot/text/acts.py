"""What a customer's message does, whatever it is about: asks for a person, asks a question, or leaves a step.

These are read from the wording, not learned: a request for a person must reach the hand-off in any wording
and any position ("……我要转人工" at the end of a long story), and a question typed in the middle of a form
("那如果超过七天呢？") must never be taken as the answer to the form's question. Texts are normalised first
(simplified, half-width), so "轉人工" and "是人工嗎" count too.
"""
from __future__ import annotations

import re

from bot.text.normalise import normalise

# Someone to talk to. 人工费/人工成本 (labour costs in a repair bill) and 人工智能 are not people.
_PERSON = r"(?:人工(?!费|成本|智能|合成)(?:客服|服务|坐席)?|真人(?:客服)?|活人|客服(?:人员|经理|主管)?|工作人员|负责人)"
# Asked for outright, anywhere in the message: 转人工, 我要找客服, 帮我叫个真人, 能不能让真人处理.
_REQUEST = re.compile(
    r"转(?:接)?(?:一下|个)?(?:人工|真人|客服)"
    r"|(?:我要|我想|要|想|帮我|给我|请|麻烦|能不能|可不可以|可以|快)(?:找|叫|换|接|让|联系)(?:一下|个|一个|你们的?)?"
    + _PERSON
    + r"|(?:找|叫)(?:你们的?|个|一个)" + _PERSON
    + r"|(?:我要|我想|让我)(?:跟|和)" + _PERSON
    + r"|(?:不想|不要)(?:跟|和)?机器人"
)
# Asking whether a person is there: 你好，是人工吗 / 你是真人吗 / 你们有人吗 / 有没有人工.
_IS_THERE_A_PERSON = re.compile(
    r"是(?:不是)?(?:人工|真人|活人)|(?:你们|这边|那边)有(?:没有)?人(?:吗|嘛|没|在)|有(?:没有)?(?:人工|真人)"
)
# A message that is nothing but the person asked for: 人工 / 人工客服 / 找客服 / 真人 / 人工人工人工.
_BARE = re.compile(r"(?:我要|我想|要|找|请|叫|联系|转接)?(?:" + _PERSON + r")+")
# Questions about the desk itself (its hours, the queue) are for the knowledge base: 周末有人工客服吗.
_ABOUT_THE_DESK = re.compile(r"几点|周末|晚上|早上|时间|上班|下班|节假日|过年|放假|多久|排队|多长|什么问题|哪些问题|什么情况")
_IMPERATIVE = re.compile(r"(?:我要|我想|帮我|给我|请|快|马上)(?:转|找|叫)")
# The customer's own order or account, which only a person can look up: 你们帮我申请退货了吗, 我的退款到哪了.
_OWN_ORDER = re.compile(
    r"(?:我的|我那个|我这个|我那笔|我这笔)(?:订单|退款|退货|换货|快递|包裹|货|钱|款|账户|账号|会员|售后)"
    r".{0,8}(?:到哪|在哪|哪了|进度|怎么样了|处理了?(?:吗|没)|退了?(?:吗|没)|到账|审核|发货|被封|封了|冻结|没了|不见了|办好)"
    r"|你们(?:帮我|给我|有没有)?(?:申请|处理|办理|退|审核|发货|安排|寄).{0,6}(?:了吗|了没|没有|好了吗)"
)
# Not a request: 不用转人工, 不需要人工客服, 别找客服.
_DECLINED = re.compile(r"(?:不用|不需要|不要|别|无需|不必|没必要)(?:给我|帮我)?(?:转|找|叫)?(?:接)?(?:人工|真人|客服)")
# Courtesies around a bare request: 你好，人工客服 / 人工客服在吗 / 人工呢.
_COURTESY = re.compile(r"你好|您好|请问|麻烦|谢谢|在吗|在不在|呢|吗|啊|呀|吧|哦|了|[\s,，.。!！?？~、…]+")
# Complaints are the bot's own self-service ("我的投诉处理了吗"), not a desk matter.
_COMPLAINT = re.compile(r"投诉")


def asks_for_person(text: str) -> bool:
    """Whether the customer asks for a person, or about their own order or account that only a person can see."""
    text = normalise(text or "")
    if not text or _DECLINED.search(text):
        return False
    about_the_desk = bool(_ABOUT_THE_DESK.search(text))
    if about_the_desk and not _IMPERATIVE.search(text):
        return False  # 转人工要排队等多久？ asks about the desk; the knowledge base answers it
    if _REQUEST.search(text):
        return True
    bare = _COURTESY.sub("", text)
    # 客服 alone is how customers address us ("客服你好"), not a request.
    if not about_the_desk and (_IS_THERE_A_PERSON.search(text) or (bare != "客服" and _BARE.fullmatch(bare))):
        return True
    return about_own_order(text)


def about_own_order(text: str) -> bool:
    """Whether the customer asks about their own order or account (我的退款到哪了), which only a person can see."""
    text = normalise(text or "")
    return bool(_OWN_ORDER.search(text)) and not _COMPLAINT.search(text)


# A follow-up leaning on what was said before ("那如果超过七天呢？", "要是没有发票呢").
_FOLLOW_UP = re.compile(r"^(?:那|那么|那要是|那如果|如果|要是|假如|万一|但是如果|可是如果)")
_QUESTION = re.compile(
    r"[？?]\s*$|[吗呢嘛][\s。!！]*$|怎么|如何|能不能|可不可以|能否|是不是|有没有|为什么|什么时候|哪里|多久|多长时间"
)
# Leaving the step: 算了 / 不用了 / 不想说了 / 先这样吧.
_LEAVE = re.compile(r"^(?:算了|不用了|不问了|不需要了|不想说了?|不说了|不聊了|没事了|先这样吧?|先不[用说弄要]了?|取消|退出|不弄了)")


def is_follow_up(text: str) -> bool:
    """A short message that continues a topic rather than answering a question: 那如果超过七天呢？"""
    text = normalise(text or "").strip()
    return len(text) <= 30 and bool(_FOLLOW_UP.match(text)) and bool(_QUESTION.search(text))


def is_question(text: str) -> bool:
    """Whether the message asks something (a question mark, 吗/呢 at the end, or a question word)."""
    return bool(_QUESTION.search(normalise(text or "")))


def leaves(text: str) -> bool:
    """Whether the customer wants to stop answering the questions: 算了, 不用了, 不想说了."""
    return bool(_LEAVE.match(normalise(text or "").strip()))
