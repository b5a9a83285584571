"""The console API over real HTTP: every state change, every refusal, and who may see what."""
import re

import requests

from bot.channels import outbound
from bot.desk import OpenHandoff, load_policy
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
    assert delivered[0][0] == "cust-1"
    assert delivered[0][1]["text"] == "您好，我是王芳，正在为您查询。" and delivered[0][1]["sender_name"] == "王芳"
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
