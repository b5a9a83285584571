"""A customer files, corrects, cancels and follows up complaints with the real, trained bot over REST."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.complaints import service
from bot.complaints.dates import parse_date
from bot.complaints.lifecycle import Status
from bot.complaints.models import utcnow
from bot.complaints.views import china_date
from bot.store import engine
from bot.store.database import dispose
from tests.e2e.bot_process import buttons, texts

pytestmark = pytest.mark.e2e

CONSENT_QUESTION = "您同意我们按上述方式处理您的个人信息吗"
LONG_MESSAGE = (
    "我要投诉，我上周三在淘宝的小米官方旗舰店买了一台空气净化器，花了1299元，订单号2026111812345678，"
    "收到后发现不能开机，联系过客服一直不处理，我有聊天截图和照片，要求退货退款，我的电话是13812345678"
)


def last_wednesday() -> str:
    return f"{parse_date('上周三', china_date(utcnow())):%Y年%m月%d日}"


class Chat:
    def __init__(self, bot, sender):
        self.bot, self.sender = bot, sender

    def __call__(self, message: str) -> str:
        self.replies = self.bot.say(self.sender, message)
        return texts(self.replies)

    @property
    def slots(self) -> dict:
        return self.bot.tracker(self.sender)["slots"]


@pytest.fixture
def chat(bot, sender):
    return Chat(bot, sender)


def stored_contacts(bot) -> list:
    url = f"sqlite:///{bot.workdir / 'var' / 'bot.db'}"
    with engine(url).connect() as connection:
        rows = connection.execute(text("select phone, name from customer_contacts")).all()
    dispose(url)
    return rows


def test_happy_path_one_question_at_a_time(bot, chat):
    consent = chat("我要投诉")
    assert CONSENT_QUESTION in consent and "保存多久" in consent and "收集什么" in consent
    assert "哪家商家" in chat("同意")
    assert "什么商品" in chat("淘宝上的小米官方旗舰店")
    assert "哪天买的" in chat("空气净化器")
    assert "付了多少钱" in chat("上周三")
    assert "订单号" in chat("1299元")
    assert "发生了什么" in chat("2026111812345678")
    assert "怎么解决" in chat("收到后发现不能开机，商家一直拖着不处理")
    assert "联系过商家" in chat("退货退款")
    assert "证据" in chat("联系过")
    assert "称呼" in chat("有聊天记录和照片")
    assert "联系电话" in chat("张三")
    summary = chat("13812345678")
    for line in ("1. 被投诉方：小米官方旗舰店（淘宝）", "2. 商品/服务：空气净化器", f"3. 购买时间：{last_wednesday()}",
                 "4. 金额：1299.00 元", "5. 订单号：2026111812345678", "7. 您的诉求：退货、退款",
                 "8. 是否联系过商家：联系过", "9. 证据：聊天记录、照片/视频", "10. 姓名：张*", "11. 联系电话：138****5678"):
        assert line in summary
    assert "13812345678" not in summary
    accepted = chat("确认提交")
    assert "您的投诉已受理，投诉编号：TS-" in accepted
    ticket = chat.slots["complaint_ticket"]
    assert ticket in accepted and chat.slots["complaint_phone"] is None

    # Committed and encrypted before the customer was told.
    assert all(phone.startswith("gAAAAA") and "13812345678" not in phone for phone, _ in stored_contacts(bot))
    status = chat(f"查一下我的投诉 {ticket}")
    assert "当前状态：已受理" in status and "开始调查核实" in status and "提交投诉" in status


def test_one_long_message_then_only_the_missing_questions(chat):
    assert CONSENT_QUESTION in chat(LONG_MESSAGE)
    assert "称呼" in chat("同意")  # everything else was in the message
    summary = chat("王芳")
    assert "1. 被投诉方：小米官方旗舰店（淘宝）" in summary and "4. 金额：1299.00 元" in summary
    assert f"3. 购买时间：{last_wednesday()}" in summary and "11. 联系电话：138****5678" in summary
    assert "7. 您的诉求：退货、退款" in summary and "9. 证据：聊天记录、照片/视频" in summary
    assert "投诉编号：TS-" in chat("确认提交")


def test_corrections_in_the_summary_and_in_the_middle(chat):
    chat(LONG_MESSAGE)
    chat("同意")
    corrected = chat("刚才日期说错了，应该是上周五")  # asked for the name
    assert "购买时间已改为" in corrected and "称呼" in corrected
    summary = chat("王芳")
    assert "3. 购买时间：" in summary and last_wednesday() not in summary
    changed = chat("金额改成1399")
    assert "金额已改为：1399.00 元" in changed and "4. 金额：1399.00 元" in changed
    assert "联系电话" in chat("电话写错了")
    assert "11. 联系电话：139****5678" in chat("13912345678")
    assert "投诉编号：TS-" in chat("确认提交")


def test_cancelling_keeps_nothing_and_the_chat_goes_on(chat):
    chat("我要投诉")
    chat("同意")
    chat("淘宝上的小米官方旗舰店")
    assert "这次投诉已取消" in chat("算了，不投诉了")
    slots = chat.slots
    assert slots["complaint_business"] is None and slots["complaint_consent"] is None
    assert slots["requested_slot"] is None and not (chat.bot.tracker(chat.sender)["active_loop"] or {}).get("name")
    assert "消费维权" in chat("你好")


def test_refusing_consent_ends_the_complaint(chat):
    chat("我要投诉")
    assert "不会保存您的任何信息" in chat("不同意")
    assert chat.slots["complaint_consent"] is None


def test_every_invalid_answer_gets_a_specific_message(chat):
    assert "请回复“同意”或“不同意”" in chat("我要投诉") + chat("随便")
    chat("同意")
    assert "商家的具体名称" in chat("商家")
    chat("京东自营")
    assert "买的是什么" in chat("！！")
    chat("手机")
    assert "具体日期" in chat("前几天")
    assert "日期还没到" in chat("2099年1月1日")
    chat("3月5号")
    assert "金额需要是数字，例如 299 或 二百九十九元" in chat("三千多")
    chat("两千九百九十九")
    assert "一串数字或字母" in chat("abc")
    chat("没有")
    assert "多说几句" in chat("坏了")
    chat("用了一周屏幕就花了，售后说是人为损坏不给保修")
    assert "赔偿多少" in chat("要求赔偿")
    chat("维修，再赔偿200元")
    assert "请回复“联系过”或“没联系过”" in chat("不清楚")
    chat("联系过")
    assert "有哪些证据" in chat("不知道")
    chat("有发票")
    assert "不含数字" in chat("12345")
    chat("李雷")
    assert "11 位数字" in chat("138123")
    summary = chat("13912345678")
    assert "4. 金额：2999.00 元" in summary and "7. 您的诉求：维修、赔偿 200.00 元" in summary
    assert "请回复“确认提交”" in chat("嗯……再想想")
    assert "投诉编号：TS-" in chat("确认提交")


def test_a_rights_question_in_the_middle_is_answered_and_the_form_continues(chat):
    chat("我要投诉")
    chat("同意")
    answer = chat("七天无理由退货是怎么规定的？")
    # The knowledge base's reply (answer, choice or fallback) comes first, then the form's question again;
    # the question is never read as the business's name.
    assert "哪家商家" in answer and answer.index("哪家商家") > 0
    assert "商家的具体名称" not in answer and chat.slots["complaint_business"] is None


def test_follow_up_from_another_channel_needs_the_phone_digits(bot, chat, sender):
    chat(LONG_MESSAGE)
    chat("同意")
    chat("王芳")
    chat("确认提交")
    ticket = chat.slots["complaint_ticket"]
    stranger = Chat(bot, sender + "-other")
    assert "手机号后四位" in stranger(f"查一下我的投诉 {ticket}")
    assert "当前状态：已受理" in stranger(f"查一下我的投诉 {ticket} 尾号5678")
    asked = chat(f"我要撤回投诉 {ticket}")
    assert "确定要撤回吗" in asked
    withdraw = next(b["payload"] for b in buttons(chat.replies) if b["title"] == "确认撤回")
    assert "已撤回" in chat(withdraw)
    assert "当前状态：已撤回" in chat(f"查一下我的投诉 {ticket}")


def _submitted(chat) -> str:
    chat(LONG_MESSAGE)
    chat("同意")
    chat("王芳")
    chat("确认提交")
    return chat.slots["complaint_ticket"]


def test_disputing_reopens_the_case_and_confirming_closes_it(bot, chat, monkeypatch):
    ticket = _submitted(chat)
    monkeypatch.setenv("BOT_VAR_DIR", str(bot.workdir / "var"))  # the bot's key, to read its database
    url = f"sqlite:///{bot.workdir / 'var' / 'bot.db'}"
    for status in (Status.INVESTIGATING, Status.RESPONDING, Status.AWAITING_CONFIRMATION):
        service.advance(ticket, status, "王芳", url=url)
    assert "当前状态：结果确认" in chat(f"查一下我的投诉 {ticket}")
    assert "重新进入调查核实" in chat("我对处理结果有异议，商家只退了一半")
    assert service.lookup(ticket, url=url).events[-1].action == "result_disputed"
    for status in (Status.RESPONDING, Status.AWAITING_CONFIRMATION):
        service.advance(ticket, status, "王芳", url=url)
    assert "已结案" in chat("处理结果我认可")
    dispose(url)


def test_customers_see_correct_and_delete_their_data(chat):
    ticket = _submitted(chat)
    shown = chat("查看我的个人信息")
    assert "联系电话：138****5678" in shown and ticket in shown and "13812345678" not in shown
    assert "139****5678" in chat("把手机号改成 13912345678")
    assert "确定要删除吗" in chat("删除我的个人信息")
    assert ticket in chat("确认删除我的个人信息")
    assert "没有保存您的个人信息" in chat("查看我的个人信息")
