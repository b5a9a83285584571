"""Agent assist over real HTTP: a warned reply is refused until the agent gives a reason, drafts are checked before
sending, and answers to insert are suggested for the customer's question."""
import pytest

from bot.channels import outbound
from bot.console import create_app
from bot.console.assist import Suggestion
from bot.desk import AddAgent, RecordCustomerMessage, load_policy
from bot.store import session_scope
from tests.console.conftest import PASSWORD, Agent, served
from tests.console.test_api import open_case

PHONE_REPLY = "您好，回电号码是13812345678吗？"
PHONE_WARNING = {"code": "full_phone_number",
                 "message": "回复中写了完整的电话号码（138****5678）：客户的号码在对话里只能写成打码形式，如 138****5678。"}


@pytest.fixture
def delivered(monkeypatch):
    """What reaches customers of the ``test`` channel (the console runs in this process)."""
    sent = []

    class RecordingSender:
        async def send(self, user_id, message):
            sent.append(message["text"])

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())
    return sent


def claimed_case(login, database_url, clock, conversation="test:cust-1"):
    wang = login("wang")
    case_id = open_case(database_url, clock, conversation=conversation)
    wang.post(f"/api/cases/{case_id}/claim")
    return wang, case_id


def customer_writes(database_url, clock, case_id, text):
    with session_scope(database_url) as session:
        RecordCustomerMessage(session, load_policy(), clock)(case_id, text)


def test_a_warned_reply_is_refused_with_its_warnings_and_nothing_is_recorded_or_sent(login, database_url, clock,
                                                                                     delivered):
    wang, case_id = claimed_case(login, database_url, clock)
    before = wang.get(f"/api/cases/{case_id}").json()["events"]
    for body in ({"text": PHONE_REPLY}, {"text": PHONE_REPLY, "override_reason": "   "}):
        refused = wang.post(f"/api/cases/{case_id}/replies", body)
        assert refused.status_code == 422
        assert refused.json()["error"] == "reply_warnings" and refused.json()["warnings"] == [PHONE_WARNING]
    assert wang.get(f"/api/cases/{case_id}").json()["events"] == before
    assert delivered == ["您好，我是人工客服王芳，接下来由我为您处理。"]  # the claim notice only


def test_sending_anyway_with_a_reason_is_recorded_then_delivered(login, database_url, clock, delivered):
    wang, case_id = claimed_case(login, database_url, clock)
    sent = wang.post(f"/api/cases/{case_id}/replies", {"text": PHONE_REPLY, "override_reason": "客户要求核对回电号码"})
    assert sent.status_code == 200
    assert delivered[-1] == PHONE_REPLY
    override, reply = wang.get(f"/api/cases/{case_id}").json()["events"][-2:]
    assert (override["action"], override["actor"], override["note"]) == (
        "assist_overridden", "agent:wang", "未按发送前提醒修改（full_phone_number），理由：客户要求核对回电号码")
    assert (reply["action"], reply["note"]) == ("agent_replied", "您好，回电号码是138****5678吗？")


def test_a_draft_is_checked_before_sending_by_the_agents_on_the_case_only(login, database_url, clock):
    wang, case_id = claimed_case(login, database_url, clock)
    check = f"/api/cases/{case_id}/replies/check"
    assert wang.post(check, {"text": PHONE_REPLY}).json() == {"warnings": [PHONE_WARNING]}
    assert wang.post(check, {"text": "您好，我来帮您联系商家。"}).json() == {"warnings": []}
    assert wang.post(check, {"text": PHONE_REPLY}, csrf=False).status_code == 403
    assert login("li").post(check, {"text": PHONE_REPLY}).status_code == 409


def test_answers_are_suggested_for_the_customers_last_message_or_the_draft(login, database_url, clock,
                                                                          offered_answers):
    offered_answers.entries = [Suggestion("return_7day_01", "网购商品可以七天无理由退货吗？", "可以。……\n\n法律依据：……", 0.91)]
    wang, case_id = claimed_case(login, database_url, clock)
    suggestions = f"/api/cases/{case_id}/suggestions"
    assert wang.get(suggestions).json() == {"text": "", "entries": [], "remedy": None}  # nothing asked yet
    assert offered_answers.asked == []

    customer_writes(database_url, clock, case_id, "衣服不想要了能退吗？我电话13812345678")
    found = wang.get(suggestions).json()
    assert found == {"text": "衣服不想要了能退吗？我电话138****5678", "remedy": None, "entries": [
        {"entry_id": "return_7day_01", "question": "网购商品可以七天无理由退货吗？", "text": "可以。……\n\n法律依据：……",
         "score": 0.91}]}
    assert wang.get(suggestions, params={"text": "七天无理由 从哪天算"}).json()["text"] == "七天无理由 从哪天算"
    assert offered_answers.asked == ["衣服不想要了能退吗？我电话138****5678", "七天无理由 从哪天算"]
    assert login("li").get(suggestions).status_code == 409


def test_the_remedy_assessment_is_suggested_when_the_conversation_holds_its_facts(login, database_url, clock,
                                                                                 bot_trackers):
    facts = {"channel": "online", "subject": "goods", "category": "clothing", "wants_return": True,
             "days_since_receipt": 3}
    bot_trackers["test:cust-1"] = {"slots": {"remedy_facts": facts, "remedy_skipped": []}, "events": []}
    wang, case_id = claimed_case(login, database_url, clock)
    remedy = wang.get(f"/api/cases/{case_id}/suggestions").json()["remedy"]
    assert remedy.startswith("我理解的情况是：购买方式：网购") and "收货后天数：3" in remedy


def test_the_real_knowledge_base_suggests_a_seven_day_return_entry(database_url, clock, knowledge_service):
    from bot.console.assist import knowledge_suggestions
    from bot.console.transcript import TranscriptUnavailable

    async def no_bot(conversation_id):
        raise TranscriptUnavailable("no bot in this test")

    policy = load_policy()
    with session_scope(database_url) as session:
        AddAgent(session, policy)("wang", PASSWORD, skills=["ecommerce"], display_name="王芳")
    app = create_app(database_url, policy, clock, send_to_customer=outbound.deliver, read_tracker=no_bot,
                     suggest=knowledge_suggestions)
    with served(app) as url:
        wang = Agent(url)
        wang.login("wang")
        wang.put("/api/me/presence", {"online": True})
        case_id = open_case(database_url, clock)
        wang.post(f"/api/cases/{case_id}/claim")
        customer_writes(database_url, clock, case_id, "网上买的衣服不喜欢，七天无理由退货可以吗")
        entries = wang.get(f"/api/cases/{case_id}/suggestions").json()["entries"]
    assert len(entries) == 3
    assert entries[0]["entry_id"].startswith("return_7day_")
    assert "法律依据：" in entries[0]["text"] and entries[0]["score"] >= entries[1]["score"]
