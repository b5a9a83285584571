"""What a customer is told when the bot hands them to people."""
from bot.desk import ClaimCase, OpenHandoff, TransferCase, load_policy
from bot.desk.replies import handoff_message, queue_update_message


def test_in_hours_the_customer_hears_why_their_place_and_the_wait(desk, agents):
    desk(OpenHandoff, "web:a", "request", topic="return_7day")
    ticket = desk(OpenHandoff, "web:b", "injury", "烫伤", topic="quality_sanbao")
    assert handoff_message(ticket, load_policy()) == (
        "涉及人身安全或伤害，需要人工客服尽快处理，正在为您转接人工客服。您前面还有 0 位，预计等待约 2 分钟。"
        "客服接入后会在这里回复您；等待期间您的留言都会转给客服。"
    )
    second = desk(OpenHandoff, "web:c", "request", topic="return_7day")
    assert "您前面还有 2 位，预计等待约 6 分钟" in handoff_message(second, load_policy())


def test_out_of_hours_the_customer_hears_when_someone_will_call_back(desk, agents, clock):
    clock.now = clock.now.replace(hour=13)  # 21:00 in Beijing
    ticket = desk(OpenHandoff, "web:late", "account", topic="return_7day")
    assert handoff_message(ticket, load_policy()) == (
        "这需要查询您的订单或账户，只有人工客服能查。现在人工客服不在线（下次上班：12月2日 09:00），"
        "已为您登记回访，最晚 12月2日 11:00 前会有客服联系您。在此之前您可以继续问我问题，我会尽量解答。"
    )


def test_a_returning_customer_hears_they_are_back_with_their_agent(desk, agents):
    case_id = desk(OpenHandoff, "web:r", "request", topic="return_7day").case.id
    desk(ClaimCase, case_id, "wang")
    desk(TransferCase, case_id, "wang", "先回队列", to_skill="ecommerce")
    ticket = desk(OpenHandoff, "web:r", "request")
    assert handoff_message(ticket, load_policy()).startswith("您希望由人工客服处理。已为您接回王芳")


def test_queue_updates_count_down():
    assert queue_update_message(3, 7.6) == "排队更新：您前面还有 2 位，预计还需约 8 分钟。"
    assert queue_update_message(1, 2.0) == "马上就轮到您了，请稍候。"
