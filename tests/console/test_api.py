"""The console API over real HTTP: every state change, every refusal, and who may see what."""
import re
import time

import requests
from sqlalchemy import text

from bot.channels import outbound
from bot.desk import AddAgent, OpenHandoff, RecordCustomerMessage, load_policy
from bot.store import session_scope
from tests.console.conftest import Agent


def open_case(database_url, clock, conversation="web:c1", reason="request", topic="return_7day") -> int:
    with session_scope(database_url) as session:
        return OpenHandoff(session, load_policy(), clock)(conversation, reason, "客户要求转人工", topic=topic).case.id


def test_no_route_answers_without_a_session(console):
    spec = requests.get(f"{console}/api/openapi.json", timeout=30).json()
    checked = 0
    for path, operations in spec["paths"].items():
        url = console + re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            if (path, method) == ("/api/login", "post"):
                continue
            response = requests.request(method.upper(), url, json={}, timeout=30)
            assert response.status_code == 401, (method, path, response.status_code)
            checked += 1
    assert checked >= 18


def test_login_failures_do_not_say_which_part_was_wrong(console):
    agent = Agent(console)
    wrong_password = agent.login("wang", "not the password")
    no_such_user = agent.login("nobody", "whatever it is")
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert wrong_password.json() == no_such_user.json() == {"detail": "用户名或密码不正确"}


def test_the_session_cookie_is_http_only_and_strict(console):
    response = Agent(console).login("wang")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def test_changes_need_the_csrf_token(login, database_url, clock):
    wang = login("wang")
    case_id = open_case(database_url, clock)
    refused = wang.post(f"/api/cases/{case_id}/claim", csrf=False)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wang.csrf = "forged"
    assert wang.post(f"/api/cases/{case_id}/claim").status_code == 403


def test_an_agent_cannot_open_supervisors_pages(login):
    assert login("wang").get("/api/supervisor/agents").status_code == 403
    team = login("boss").get("/api/supervisor/agents")
    assert team.status_code == 200
    assert {row["username"]: row["online"] for row in team.json()} == {"boss": True, "li": False, "wang": True}


def test_logged_out_sessions_are_dead(login):
    wang = login("wang")
    assert wang.post("/api/logout").status_code == 200
    assert wang.get("/api/me").status_code == 401


def test_queue_claim_and_a_second_claim_refused(login, database_url, clock):
    wang, li = login("wang"), login("li")
    case_id = open_case(database_url, clock)
    assert [c["id"] for c in wang.get("/api/queue").json()] == [case_id]
    claimed = wang.post(f"/api/cases/{case_id}/claim")
    assert claimed.status_code == 200
    assert claimed.json()["first_contact_owner"]["display_name"] == "王芳"
    late = li.post(f"/api/cases/{case_id}/claim")
    assert late.status_code == 409
    assert late.json() == {"error": "already_claimed", "detail": f"会话 {case_id} 已由 王芳 接待"}
    assert wang.get("/api/queue").json() == []


def test_customers_still_waiting_hear_their_new_place_when_a_case_ahead_is_claimed(login, database_url, clock,
                                                                                    monkeypatch):
    delivered = []

    class RecordingSender:
        async def send(self, user_id, message):
            delivered.append((user_id, message["text"]))

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())
    wang = login("wang")
    first, second, third = (open_case(database_url, clock, conversation=f"test:q{n}") for n in (1, 2, 3))
    wang.post(f"/api/cases/{second}/claim")
    # q1 was ahead of the claimed case and stays first; q3 moves up from third to second.
    assert delivered == [("q2", "您好，我是人工客服王芳，接下来由我为您处理。"), ("q3", delivered[1][1])]
    assert delivered[1][1].startswith("排队更新：您前面还有 1 位")


def test_transfer_keeps_the_owner_and_tells_them(login, database_url, clock):
    wang, li = login("wang"), login("li")
    case_id = open_case(database_url, clock)
    wang.post(f"/api/cases/{case_id}/claim")
    no_reason = wang.post(f"/api/cases/{case_id}/transfer", {"reason": " ", "to_agent": "li"})
    assert no_reason.status_code == 422 and no_reason.json()["error"] == "reason_required"
    moved = wang.post(f"/api/cases/{case_id}/transfer", {"reason": "需要查物流", "to_agent": "li"}).json()
    assert (moved["current_agent"]["username"], moved["first_contact_owner"]["username"]) == ("li", "wang")
    assert [c["id"] for c in li.get("/api/cases").json()] == [case_id]
    assert [c["id"] for c in wang.get("/api/cases?scope=owned").json()] == [case_id]
    assert wang.get("/api/cases").json() == []
    assert li.get("/api/notifications").json()[0]["kind"] == "transferred_to_you"
    assert wang.get("/api/cases?scope=everything").status_code == 422


def test_a_reply_is_recorded_and_delivered_to_the_customers_channel(login, database_url, clock, monkeypatch):
    delivered = []

    class RecordingSender:
        async def send(self, user_id, message):
            delivered.append((user_id, message))

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())  # the console runs in this process
    wang = login("wang")
    case_id = open_case(database_url, clock, conversation="test:cust-1")
    wang.post(f"/api/cases/{case_id}/claim")
    sent = wang.post(f"/api/cases/{case_id}/replies", {"text": "您好，我是王芳，正在为您查询。"})
    assert sent.status_code == 200
    # The customer is told who took the case, then reads the reply, both signed with the agent's name.
    assert [(user, m["text"], m["sender_name"]) for user, m in delivered] == [
        ("cust-1", "您好，我是人工客服王芳，接下来由我为您处理。", "王芳"),
        ("cust-1", "您好，我是王芳，正在为您查询。", "王芳"),
    ]
    events = wang.get(f"/api/cases/{case_id}").json()["events"]
    assert events[-1]["action"] == "agent_replied" and events[-1]["actor"] == "agent:wang"


def test_a_reply_that_cannot_reach_its_channel_says_so(login, database_url, clock):
    wang = login("wang")
    case_id = open_case(database_url, clock, conversation="nowhere:cust-2")
    wang.post(f"/api/cases/{case_id}/claim")
    failed = wang.post(f"/api/cases/{case_id}/replies", {"text": "您好"})
    assert failed.status_code == 502 and "未能送达" in failed.json()["detail"]


def test_resolution_hand_back_and_confirmation_rules(login, database_url, clock):
    wang = login("wang")
    case_id = open_case(database_url, clock)
    wang.post(f"/api/cases/{case_id}/claim")
    assert wang.post(f"/api/cases/{case_id}/hand-back", {"note": "机器人继续"}).json()["with_person"] is False
    proposed = wang.post(f"/api/cases/{case_id}/resolution", {"summary": "商家同意退款"}).json()
    assert proposed["status"] == "awaiting_confirmation"
    early = wang.post(f"/api/cases/{case_id}/close")
    assert early.status_code == 409 and "期限" in early.json()["detail"]
    assert wang.post(f"/api/cases/{case_id}/confirmation-attempts", {"note": ""}).status_code == 422


def test_ownership_moves_only_on_acceptance(login, database_url, clock):
    wang, li = login("wang"), login("li")
    case_id = open_case(database_url, clock)
    wang.post(f"/api/cases/{case_id}/claim")
    assert li.post(f"/api/cases/{case_id}/ownership-offers", {"to": "boss", "reason": "x"}).status_code == 409
    offer = wang.post(f"/api/cases/{case_id}/ownership-offers", {"to": "li", "reason": "休假"}).json()
    assert wang.get(f"/api/cases/{case_id}").json()["first_contact_owner"]["username"] == "wang"
    accepted = li.post(f"/api/ownership-offers/{offer['id']}", {"accept": True}).json()
    assert accepted["first_contact_owner"]["username"] == "li"


def test_unknown_cases_are_404(login):
    missing = login("wang").get("/api/cases/999")
    assert missing.status_code == 404 and missing.json()["error"] == "case_not_found"


def test_a_private_note_stays_in_the_history_and_never_reaches_the_customer(login, database_url, clock, monkeypatch):
    delivered = []

    class RecordingSender:
        async def send(self, user_id, message):
            delivered.append(message["text"])

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())
    wang, li = login("wang"), login("li")
    case_id = open_case(database_url, clock, conversation="test:cust-3")
    wang.post(f"/api/cases/{case_id}/claim")
    added = wang.post(f"/api/cases/{case_id}/notes", {"text": "客户备用电话13912345678，下午再联系"})
    assert added.status_code == 200
    last = wang.get(f"/api/cases/{case_id}").json()["events"][-1]
    assert (last["action"], last["actor"], last["note"]) == ("note_added", "agent:wang", "客户备用电话139****5678，下午再联系")
    assert delivered == ["您好，我是人工客服王芳，接下来由我为您处理。"]  # the claim notice, and no note

    empty = wang.post(f"/api/cases/{case_id}/notes", {"text": "  "})
    assert empty.status_code == 422 and empty.json() == {"error": "text_required", "detail": "备注内容不能为空"}
    assert wang.post(f"/api/cases/{case_id}/notes", {"text": "无令牌"}, csrf=False).status_code == 403
    outsider = li.post(f"/api/cases/{case_id}/notes", {"text": "我也写一句"})
    assert outsider.status_code == 409 and outsider.json()["error"] == "not_allowed"
    assert [e["action"] for e in wang.get(f"/api/cases/{case_id}").json()["events"]].count("note_added") == 1


def test_canned_replies_are_offered_for_the_cases_skill_group(login):
    wang = login("wang")
    everything = [reply["title"] for reply in wang.get("/api/canned-replies").json()]
    telecom = [reply["title"] for reply in wang.get("/api/canned-replies", params={"skill": "telecom"}).json()]
    assert "七日无理由退货" in everything and "请说明电信业务情况" in everything
    assert "请说明电信业务情况" in telecom and "问候" in telecom and "七日无理由退货" not in telecom


def test_a_masked_number_is_revealed_only_for_a_reason_and_the_reveal_is_recorded(login, database_url, clock):
    wang, li, boss = login("wang"), login("li"), login("boss")
    case_id = open_case(database_url, clock)
    wang.post(f"/api/cases/{case_id}/claim")
    with session_scope(database_url) as session:
        RecordCustomerMessage(session, load_policy(), clock)(case_id, "请回电13812345678")
    message = wang.get(f"/api/cases/{case_id}").json()["events"][-1]
    assert message["note"] == "请回电138****5678"
    reveal = f"/api/cases/{case_id}/events/{message['id']}/reveal"

    assert wang.post(reveal, {"reason": "回电核实"}, csrf=False).status_code == 403
    outsider = li.post(reveal, {"reason": "看看"})
    assert outsider.status_code == 409 and outsider.json()["error"] == "not_allowed"
    no_reason = wang.post(reveal, {})
    assert no_reason.status_code == 422 and no_reason.json() == {
        "error": "reason_required", "detail": "查看完整信息必须填写原因"}
    assert wang.post(f"/api/cases/{case_id}/events/99999/reveal", {"reason": "回电"}).status_code == 404

    shown = wang.post(reveal, {"reason": "回电核实"})
    assert shown.status_code == 200 and shown.json() == {"text": "请回电13812345678"}
    assert boss.post(reveal, {"reason": "质检抽查"}).json() == {"text": "请回电13812345678"}
    events = wang.get(f"/api/cases/{case_id}").json()["events"]
    assert [(e["action"], e["actor"]) for e in events][-2:] == [
        ("personal_data_revealed", "agent:wang"), ("personal_data_revealed", "agent:boss")]
    assert f"记录 {message['id']}" in events[-2]["note"] and events[-2]["note"].endswith("原因：回电核实")
    assert events[-1]["note"].endswith("原因：质检抽查")
    assert next(e for e in events if e["id"] == message["id"])["note"] == "请回电138****5678"  # still masked

    with session_scope(database_url) as session:
        stored = session.execute(text("SELECT note, sealed_note FROM handoff_events WHERE id = :id"),
                                 {"id": message["id"]}).one()
    assert stored.sealed_note and all("13812345678" not in column for column in stored)


def test_without_the_bot_the_context_says_the_transcript_is_missing_and_still_shows_complaints(login, database_url,
                                                                                               clock):
    wang = login("wang")
    case_id = open_case(database_url, clock, conversation="web:nobot")
    context = wang.get(f"/api/cases/{case_id}/context").json()  # the console under test has no bot beside it
    assert context == {"transcript": None, "remedy": None, "complaints": [],
                       "transcript_error": "暂时无法从机器人读取对话记录"}


def test_only_this_customers_complaint_can_be_linked(login, database_url, clock):
    from datetime import date
    from decimal import Decimal

    from bot.complaints import service
    from bot.complaints.service import ComplaintDraft, Customer
    from bot.complaints.fields import Demand

    def filed(sender):
        draft = ComplaintDraft("某旗舰店", "淘宝", "电水壶", date(2026, 11, 20), Decimal("199"), None, "壶底漏水",
                               Demand(("退货",)), True, name="张三", phone="13812345678")
        return service.submit(draft, Customer("web", sender), consented_at=clock(), now=clock(),
                              url=database_url).ticket

    mine, theirs = filed("web:c9"), filed("web:someone-else")
    wang = login("wang")
    case_id = open_case(database_url, clock, conversation="web:c9")
    wang.post(f"/api/cases/{case_id}/claim")
    refused = wang.post(f"/api/cases/{case_id}/complaint", {"ticket": theirs})
    assert refused.status_code == 409 and "不是这位客户提交的" in refused.json()["detail"]
    assert wang.post(f"/api/cases/{case_id}/complaint", {"ticket": "TS-20990101-000001"}).status_code == 404
    linked = wang.post(f"/api/cases/{case_id}/complaint", {"ticket": mine}).json()
    assert linked["complaint_ticket"] == mine
    context = wang.get(f"/api/cases/{case_id}/context").json()
    assert [c["ticket"] for c in context["complaints"]] == [mine] and context["complaints"][0]["status"] == "已受理"
    assert wang.get(f"/api/cases/{case_id}").json()["events"][-1]["action"] == "complaint_linked"


def test_closing_without_the_customer_still_asks_them_once_how_satisfied_they_were(login, database_url, clock,
                                                                                    monkeypatch):
    from datetime import timedelta

    delivered = []

    class RecordingSender:
        async def send(self, user_id, message):
            delivered.append(message["text"])

    monkeypatch.setitem(outbound._senders, "test", RecordingSender())
    wang = login("wang")
    case_id = open_case(database_url, clock, conversation="test:quiet")
    wang.post(f"/api/cases/{case_id}/claim")
    wang.post(f"/api/cases/{case_id}/resolution", {"summary": "商家同意退款"})
    wang.post(f"/api/cases/{case_id}/confirmation-attempts", {"note": "打了两次电话未接"})
    clock.now += timedelta(hours=73)
    wang = login("wang")  # three days later: a new shift, a new session
    closed = wang.post(f"/api/cases/{case_id}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert delivered[-1].startswith("本次人工服务您满意吗")
    assert wang.get(f"/api/cases/{case_id}").json()["events"][-1]["action"] == "satisfaction_asked"


def test_the_running_console_warns_the_supervisor_before_a_claim_deadline_breaks(database_url, clock):
    """The console checks deadlines by itself while it runs: nobody has to run ``desk overdue``."""
    from datetime import timedelta

    from bot.console import create_app
    from tests.console.conftest import served

    policy = load_policy()
    with session_scope(database_url) as session:
        AddAgent(session, policy)("boss", "correct horse battery", role="supervisor", skills=["ecommerce"],
                                  display_name="陈主管")
    case_id = open_case(database_url, clock, conversation="test:late")
    clock.now += timedelta(minutes=9)  # priority 2: claim within 10 business minutes, warned at 80 %
    with served(create_app(database_url, policy, clock, check_deadlines_every=0.2)) as url:
        boss = Agent(url)
        boss.login("boss")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not boss.get("/api/notifications").json():
            time.sleep(0.2)
        (told,) = boss.get("/api/notifications").json()
    assert told["kind"] == "deadline_warned" and told["case_id"] == case_id and "即将超时" in told["text"]
