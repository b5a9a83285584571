"""The agent console's JSON API (``/api/…``, described at ``/api/openapi.json``).

Every route but ``POST /api/login`` needs a live server-side session; every state-changing route also needs the
session's CSRF token in ``X-CSRF-Token``; supervisors' routes need the supervisor role. Each route is a thin
adapter: it opens one transaction, calls one desk service object, and returns the case as the console shows it.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional

from fastapi import APIRouter, Cookie, Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from starlette.concurrency import run_in_threadpool

from bot.channels.relay_client import RasaRelay, RelayError
from bot.channels.outbound import UndeliverableError
from bot.complaints import filing
from bot.complaints.views import china_date, china_time
from bot.console import schemas
from bot.console.assist import Suggest, assist_routes, knowledge_suggestions
from bot.console.transcript import RasaTranscript, TranscriptUnavailable, case_context
from bot.console.sessions import ConsoleSession, LoginFailed, csrf_matches, log_in, log_out, session_for
from bot.console.supervision import supervision_routes
from bot.console.views import agent_view, case_view, event_view
from bot.desk import (
    CONFIRM_PAYLOAD,
    CONFIRM_TITLE,
    DISPUTE_PAYLOAD,
    DISPUTE_TITLE,
    AddNote,
    AgentNotFound,
    AgentUnavailable,
    AlreadyClaimed,
    AnswerOwnershipOffer,
    CaseNotFound,
    ClaimCase,
    CloseUnconfirmed,
    ConsentRequired,
    DeskError,
    DeskNotification,
    DeskPolicy,
    DeskQueue,
    EventNotFound,
    FileComplaintForCustomer,
    HandBackToBot,
    Handoff,
    InvalidFields,
    LinkComplaint,
    NotAllowed,
    OfferOwnership,
    ProposeResolution,
    ReasonRequired,
    RecordAgentReply,
    RecordConfirmationAttempt,
    RevealPersonalData,
    Role,
    SetPresence,
    TextRequired,
    TransferCase,
    load_canned_replies,
    load_policy,
)
from bot.desk.assist import ReplyNeedsReview
from bot.desk.models import OPEN_STATUSES, DeskAgent, utcnow
from bot.desk.deadlines import CheckDeadlines
from bot.desk.replies import queue_update_message
from bot.desk.satisfaction import AskSatisfaction
from bot.store import session_scope

log = logging.getLogger(__name__)

SESSION_COOKIE = "desk_session"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# The pages load nothing from elsewhere and are never framed: a customer's words shown in them cannot pull in
# a script, and no other site can overlay the console.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_STATUS_FOR = {CaseNotFound: 404, AgentNotFound: 404, EventNotFound: 404, AlreadyClaimed: 409, NotAllowed: 409,
               AgentUnavailable: 409, ReasonRequired: 422, TextRequired: 422, ConsentRequired: 422,
               InvalidFields: 422}


# How a message reaches a customer: by default through the Rasa server that holds their channel
# (bot.channels.desk_relay), which also adds it to the transcript.
SendToCustomer = Callable[[str, Dict[str, Any]], Awaitable[Any]]
# How the console reads a conversation's tracker: by default from the Rasa server's HTTP API (loopback).
ReadTracker = Callable[[str], Awaitable[Dict[str, Any]]]
HANDED_BACK_NOTICE = "人工客服已结束本次接待，接下来由智能助手继续为您服务；需要时随时再说“转人工”。"


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the session says (plain values: each route opens its own transaction)."""

    session_id: int
    agent_id: int
    role: str
    csrf_token: str


def create_app(
    database_url: Optional[str] = None, policy: Optional[DeskPolicy] = None, clock: Callable[[], datetime] = utcnow,
    send_to_customer: Optional[SendToCustomer] = None, read_tracker: Optional[ReadTracker] = None,
    check_deadlines_every: Optional[float] = None, suggest: Optional[Suggest] = None,
) -> FastAPI:
    """``check_deadlines_every``: seconds between deadline checks (``CheckDeadlines``) while the console runs, so
    owners and supervisors are warned before a deadline breaks; None checks nothing (tests drive it).
    ``suggest``: how answers to insert are found (default: the bot's knowledge service, loaded on first use)."""
    policy = policy or load_policy()
    send_to_customer = send_to_customer or RasaRelay().send
    read_tracker = read_tracker or RasaTranscript().tracker
    canned_replies = load_canned_replies(known_skills={*policy.skills, policy.default_skill})  # a bad file stops here
    app = FastAPI(title="消费维权客服 · 坐席台 API", version="1", openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None)
    api = APIRouter(prefix="/api")

    # Each route runs its own transaction inside its body, so the commit happens before the response is sent
    # (FastAPI 0.99 runs the exit code of yield-dependencies only after the response).
    def transaction():
        return session_scope(database_url)

    def signed_in(
        request: Request, desk_session: Optional[str] = Cookie(None), x_csrf_token: Optional[str] = Header(None)
    ) -> Caller:
        with transaction() as session:
            found = session_for(session, desk_session, clock())
            if found is None:
                raise HTTPException(401, "请先登录")
            if request.method not in ("GET", "HEAD") and not csrf_matches(found, x_csrf_token):
                raise HTTPException(403, "缺少或错误的 CSRF 令牌")
            return Caller(found.id, found.agent_id, found.agent.role, found.csrf_token)

    def supervisor(caller: Caller = Depends(signed_in)) -> Caller:
        if caller.role != Role.SUPERVISOR.value:
            raise HTTPException(403, "仅主管可用")
        return caller

    def service(kind, session: Session):
        return kind(session, policy, clock)

    @app.exception_handler(DeskError)
    async def desk_refusal(_request, error: DeskError):
        body = {"error": error.code, "detail": str(error)}
        if isinstance(error, InvalidFields):
            body["problems"] = error.problems  # by field, for the page to show beside each one
        return JSONResponse(body, status_code=_STATUS_FOR.get(type(error), 409))

    @app.exception_handler(ReplyNeedsReview)
    async def reply_needs_review(_request, error: ReplyNeedsReview):
        """Each warning, for the page to show and to ask for a reason to send anyway."""
        return JSONResponse({"error": error.code, "detail": str(error),
                             "warnings": [warning.as_dict() for warning in error.warnings]}, status_code=422)

    @api.post("/login")
    def login(body: schemas.Login, response: Response):
        with transaction() as session:
            try:
                issued = log_in(session, body.username, body.password, clock())
            except LoginFailed as failure:
                raise HTTPException(401, str(failure)) from None
            agent = agent_view(issued.agent)
        response.set_cookie(SESSION_COOKIE, issued.token, httponly=True, samesite="strict", path="/")
        return {"agent": agent, "csrf_token": issued.csrf_token}

    @api.post("/logout")
    def logout(response: Response, caller: Caller = Depends(signed_in)):
        with transaction() as session:
            log_out(session.get(ConsoleSession, caller.session_id), clock())
        response.delete_cookie(SESSION_COOKIE, path="/")
        return {"ok": True}

    @api.get("/me")
    def me(caller: Caller = Depends(signed_in)):
        with transaction() as session:
            return {"agent": agent_view(session.get(DeskAgent, caller.agent_id)), "csrf_token": caller.csrf_token}

    @api.put("/me/presence")
    def presence(body: schemas.Presence, caller: Caller = Depends(signed_in)):
        with transaction() as session:
            return agent_view(service(SetPresence, session)(caller.agent_id, body.online))

    @api.get("/queue")
    def queue(caller: Caller = Depends(signed_in)):
        """Cases the queue offers this agent now: their skills, while they are online and have room."""
        with transaction() as session:
            desk_queue = service(DeskQueue, session)
            now = clock()
            return [case_view(case, now) for case in desk_queue.offered_to(desk_queue.agent(caller.agent_id))]

    @api.get("/cases")
    def cases(scope: str = "working", caller: Caller = Depends(signed_in)):
        """``working``: cases this agent works on now; ``owned``: every open case they answer for, wherever it is."""
        column = {"working": Handoff.current_agent_id, "owned": Handoff.first_contact_owner_id}.get(scope)
        if column is None:
            raise HTTPException(422, "scope 只能是 working 或 owned")
        with transaction() as session:
            found = session.execute(
                select(Handoff).where(column == caller.agent_id, Handoff.status_value.in_(OPEN_STATUSES))
                .order_by(Handoff.priority, Handoff.id)
            ).scalars()
            now = clock()
            return [case_view(case, now) for case in found]

    @api.get("/cases/{case_id}")
    def case_detail(case_id: int, caller: Caller = Depends(signed_in)):
        with transaction() as session:
            case = service(DeskQueue, session).case(case_id)
            return {**case_view(case, clock()), "events": [event_view(e) for e in case.events]}

    def act(kind, *args) -> dict:
        """Run one desk service in its own transaction and show the case as it is afterwards."""
        with transaction() as session:
            return case_view(service(kind, session)(*args), clock())

    async def act_and_tell(kind, args: tuple, notice: Callable[[Handoff, str], Optional[Dict[str, Any]]]) -> dict:
        """Run one desk service, then tell the customer what changed. The change stands even if the notice cannot
        be delivered now (it is logged; the transcript and the case history have the truth)."""

        def run() -> tuple:
            with transaction() as session:
                case = service(kind, session)(*args)
                message = notice(case, session.get(DeskAgent, args[1]).display_name)
                return case.conversation_id, message, case_view(case, clock())

        conversation_id, message, view = await run_in_threadpool(run)
        if message:
            try:
                await send_to_customer(conversation_id, message)
            except (RelayError, UndeliverableError) as error:
                log.warning("case %s: the customer's notice was not delivered: %s", view["id"], error)
        return view

    def queue_places() -> dict:
        with transaction() as session:
            return service(DeskQueue, session).places()

    async def tell_who_moved_up(before: dict) -> None:
        """Customers still waiting hear their new place when it changed."""
        for conversation_id, place in (await run_in_threadpool(queue_places)).items():
            if conversation_id in before and before[conversation_id].position != place.position:
                try:
                    await send_to_customer(conversation_id, {
                        "text": queue_update_message(place.position, place.estimated_wait_minutes)})
                except (RelayError, UndeliverableError) as error:
                    log.info("queue update for %s not delivered: %s", conversation_id, error)

    @api.post("/cases/{case_id}/claim")
    async def claim(case_id: int, caller: Caller = Depends(signed_in)):
        before = await run_in_threadpool(queue_places)
        view = await act_and_tell(ClaimCase, (case_id, caller.agent_id), lambda case, name: {
            "text": f"您好，我是人工客服{name}，接下来由我为您处理。", "sender_name": name})
        await tell_who_moved_up(before)
        return view

    @api.post("/cases/{case_id}/transfer")
    async def transfer(case_id: int, body: schemas.Transfer, caller: Caller = Depends(signed_in)):
        def notice(case: Handoff, name: str) -> dict:
            to = case.current_agent.display_name if case.current_agent else "下一位客服"
            return {"text": f"您的问题已转给{to}继续处理；{case.owner.display_name}作为首问负责人会跟进到办结。",
                    "sender_name": name}

        return await act_and_tell(TransferCase, (case_id, caller.agent_id, body.reason, body.to_agent, body.to_skill),
                                  notice)

    @api.post("/cases/{case_id}/replies")
    async def reply(case_id: int, body: schemas.Reply, caller: Caller = Depends(signed_in)):
        """The reply is recorded first, then delivered to the customer's channel in real time. One with assist
        warnings is refused (422 with ``warnings``) unless ``override_reason`` says why to send it anyway."""

        def record() -> tuple:
            with transaction() as session:
                case = service(RecordAgentReply, session)(case_id, caller.agent_id, body.text, body.override_reason)
                name = session.get(DeskAgent, caller.agent_id).display_name
                return case.conversation_id, name, case_view(case, clock())

        conversation_id, name, view = await run_in_threadpool(record)
        try:
            await send_to_customer(conversation_id, {"text": body.text, "sender_name": name})
        except (RelayError, UndeliverableError) as error:
            log.error("agent reply on case %s not delivered: %s", case_id, error)
            raise HTTPException(502, "消息已记录，但未能送达客户的渠道") from None
        return view

    @api.post("/cases/{case_id}/resolution")
    async def propose(case_id: int, body: schemas.Summary, caller: Caller = Depends(signed_in)):
        """The customer is asked to confirm the result (结果确认) in their channel."""
        return await act_and_tell(ProposeResolution, (case_id, caller.agent_id, body.summary), lambda case, name: {
            "text": f"处理结果：{case.resolution}\n您的问题解决了吗？确认后本次服务结案。", "sender_name": name,
            "buttons": [{"title": CONFIRM_TITLE, "payload": CONFIRM_PAYLOAD},
                        {"title": DISPUTE_TITLE, "payload": DISPUTE_PAYLOAD}]})

    @api.post("/cases/{case_id}/confirmation-attempts")
    def attempt(case_id: int, body: schemas.Note, caller: Caller = Depends(signed_in)):
        return act(RecordConfirmationAttempt, case_id, caller.agent_id, body.note)

    @api.post("/cases/{case_id}/close")
    async def close(case_id: int, caller: Caller = Depends(signed_in)):
        """Close without the customer's answer: only the owner, after the deadline and a recorded attempt. The
        customer is still asked, once, how satisfied they were."""
        return await act_and_tell(CloseUnconfirmed, (case_id, caller.agent_id), lambda case, name: service(
            AskSatisfaction, object_session(case))(case.id))

    @api.post("/cases/{case_id}/hand-back")
    async def hand_back(case_id: int, body: schemas.Note, caller: Caller = Depends(signed_in)):
        return await act_and_tell(HandBackToBot, (case_id, caller.agent_id, body.note),
                                  lambda case, name: {"text": HANDED_BACK_NOTICE})

    @api.post("/cases/{case_id}/notes")
    def add_note(case_id: int, body: schemas.PrivateNote, caller: Caller = Depends(signed_in)):
        """A private note (内部备注) for colleagues on the case; the customer never sees it."""
        return act(AddNote, case_id, caller.agent_id, body.text)

    @api.post("/cases/{case_id}/events/{event_id}/reveal")
    def reveal(case_id: int, event_id: int, body: schemas.Reveal, caller: Caller = Depends(signed_in)):
        """The original of one masked history entry, for a stated reason; the reveal joins the case's history."""
        with transaction() as session:
            return {"text": service(RevealPersonalData, session)(case_id, event_id, caller.agent_id, body.reason)}

    @api.get("/canned-replies")
    def canned(skill: Optional[str] = None, caller: Caller = Depends(signed_in)):
        """Replies to insert and edit before sending; with ``skill``, only those meant for the case's group."""
        return [{"title": reply.title, "text": reply.text, "skills": list(reply.skills)}
                for reply in canned_replies if skill is None or reply.fits(skill)]

    @api.post("/cases/{case_id}/ownership-offers")
    def offer(case_id: int, body: schemas.OwnershipOfferRequest, caller: Caller = Depends(signed_in)):
        with transaction() as session:
            made = service(OfferOwnership, session)(case_id, caller.agent_id, body.to, body.reason)
            return {"id": made.id, "case_id": case_id, "to": body.to}

    @api.post("/ownership-offers/{offer_id}")
    def answer(offer_id: int, body: schemas.OwnershipAnswer, caller: Caller = Depends(signed_in)):
        return act(AnswerOwnershipOffer, offer_id, caller.agent_id, body.accept)

    def conversation_of(case_id: int) -> tuple:
        """The case's conversation id and the bot's words on why it handed off."""
        with transaction() as session:
            case = service(DeskQueue, session).case(case_id)
            return case.conversation_id, case.detail

    async def tracker_of(case_id: int, conversation_id: str) -> tuple:
        """The conversation's tracker, or None and what to tell the agent when the bot cannot be asked."""
        try:
            return await read_tracker(conversation_id), None
        except TranscriptUnavailable as error:
            log.warning("case %s: no transcript: %s", case_id, error)
            return None, "暂时无法从机器人读取对话记录"

    @api.get("/cases/{case_id}/context")
    async def context(case_id: int, caller: Caller = Depends(signed_in)):
        """The conversation before and around the case (retrieval hits included), the remedy assessment and the
        customer's complaints, all masked. Without the bot, the rest is still shown and the gap is said."""
        conversation_id, _ = await run_in_threadpool(conversation_of, case_id)
        tracker, unavailable = await tracker_of(case_id, conversation_id)
        found = await run_in_threadpool(case_context, conversation_id, tracker, database_url)
        return {**found, "transcript_error": unavailable}

    @api.get("/cases/{case_id}/complaint-draft")
    async def complaint_draft(case_id: int, caller: Caller = Depends(signed_in)):
        """The complaint fields, prefilled from what the conversation already says (the bot form's answers, the
        remedy facts, the customer's words; without the bot, the case's detail alone), for the agent to complete.
        Name and phone are never prefilled: the console shows personal data only masked."""
        conversation_id, detail = await run_in_threadpool(conversation_of, case_id)
        tracker, unavailable = await tracker_of(case_id, conversation_id)
        prefilled = filing.prefill(tracker, detail, china_date(clock()))
        return {"fields": filing.form(prefilled), "transcript_error": unavailable}

    @api.post("/cases/{case_id}/complaints", status_code=201)
    async def file_complaint(case_id: int, body: schemas.ComplaintFiling, caller: Caller = Depends(signed_in)):
        """File a complaint for the customer, who agreed in the chat to their data being kept; it is linked to the
        case, and the customer is told its ticket and deadline. Fields that cannot be filed answer 422 with
        ``problems`` by field."""

        def notice(case: Handoff, name: str) -> dict:
            complaint = case.complaint
            return {"text": f"已为您登记投诉，投诉编号：{complaint.ticket}。我们会在 "
                            f"{china_time(complaint.status_deadline)} 前开始调查核实，进展会在这里告诉您。",
                    "sender_name": name}

        return await act_and_tell(FileComplaintForCustomer,
                                  (case_id, caller.agent_id, body.fields, body.customer_consented), notice)

    @api.post("/cases/{case_id}/complaint")
    def link_complaint(case_id: int, body: schemas.ComplaintLink, caller: Caller = Depends(signed_in)):
        return act(LinkComplaint, case_id, caller.agent_id, body.ticket)

    @api.get("/notifications")
    def notifications(caller: Caller = Depends(signed_in)):
        with transaction() as session:
            found = session.execute(
                select(DeskNotification).where(DeskNotification.agent_id == caller.agent_id)
                .order_by(DeskNotification.id.desc()).limit(100)
            ).scalars()
            return [{"id": n.id, "case_id": n.handoff_id, "kind": n.kind, "text": n.text,
                     "at": n.created_at.isoformat() + "Z", "read": n.read_at is not None} for n in found]

    @api.get("/agents")
    def colleagues(caller: Caller = Depends(signed_in)):
        """Colleagues to transfer to or hand ownership to."""
        with transaction() as session:
            found = session.execute(select(DeskAgent).where(DeskAgent.active.is_(True)).order_by(DeskAgent.username))
            return [agent_view(agent) for agent in found.scalars()]

    @api.get("/supervisor/agents")
    def team(caller: Caller = Depends(supervisor)):
        """Every agent with the cases they work on now and the open cases they answer for."""
        with transaction() as session:
            desk = service(DeskQueue, session)
            rows = []
            for agent in session.execute(select(DeskAgent).order_by(DeskAgent.username)).scalars():
                owned = session.execute(
                    select(Handoff.id).where(Handoff.first_contact_owner_id == agent.id,
                                             Handoff.status_value.in_(OPEN_STATUSES))
                ).scalars().all()
                rows.append({**agent_view(agent), "active": agent.active, "load": desk.load(agent),
                             "owned_open": len(owned)})
            return rows

    async def deadline_ticker() -> None:
        def check() -> int:
            with transaction() as session:
                return len(service(CheckDeadlines, session)())

        while True:
            try:
                reached = await run_in_threadpool(check)
                if reached:
                    log.info("deadlines: %d warned or breached", reached)
            except Exception:  # a failed check must not stop the next one
                log.exception("deadline check failed")
            await asyncio.sleep(check_deadlines_every)

    @app.on_event("startup")
    async def start_deadline_ticker() -> None:
        if check_deadlines_every:
            app.state.deadline_ticker = asyncio.get_running_loop().create_task(deadline_ticker())

    @app.on_event("shutdown")
    async def stop_deadline_ticker() -> None:
        ticker = getattr(app.state, "deadline_ticker", None)
        if ticker is not None:
            ticker.cancel()

    app.include_router(api)
    app.include_router(supervision_routes(transaction, supervisor, policy, clock))
    app.include_router(assist_routes(transaction, signed_in, policy, clock, read_tracker,
                                     suggest or knowledge_suggestions))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC_DIR / "index.html")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if request.url.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app
