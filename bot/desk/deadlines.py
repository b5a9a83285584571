"""Deadlines (SLAs) of a hand-off case, worked out from its append-only history alone.

Because every clock is replayed from the history, the state of any case can be recomputed for any moment, past
ones included. Five clocks:

* ``claim``: while the case waits in the queue; it starts again when a transfer sends it back to a queue.
* ``first_response``: from the first claim to the first agent reply.
* ``next_response``: from a customer's message to the agent's next reply, while a person has the conversation.
* ``resolution``: from the hand-off to a proposed resolution; it pauses while the case waits on the customer
  (an agent replied and the customer has not answered yet), freezes at the proposal, resumes on a dispute.
* ``confirmation``: from the proposed resolution to the customer's answer (or the owner's closing).

Each is ``ok`` → ``warned`` (at the policy's share of its time) → ``breached`` while it runs, and ``met`` or
``breached`` once it stopped. Business-time clocks count only opening hours.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select

from bot.desk.models import OPEN_STATUSES, CaseStatus, DeskAgent, Handoff, Role
from bot.desk.policy import DeskPolicy
from bot.desk.service import DeskService

OK, WARNED, BREACHED, MET = "ok", "warned", "breached", "met"

_QUEUED_BY = {"opened"}
_CLAIMED_BY = {"claimed", "routed_to_owner"}


@dataclass(frozen=True)
class DeadlineState:
    name: str
    status: str
    limit: timedelta
    used: timedelta
    started_at: datetime  # when this run of the clock began (a restarted claim clock has a new one)
    running: bool
    due: Optional[datetime]  # when it breaches if it keeps running; None once stopped

    @property
    def key(self) -> str:
        """Names one run of one clock, so each step is notified once."""
        return f"{self.name}@{self.started_at:%Y%m%dT%H%M%S}"


class _Clock:
    def __init__(self) -> None:
        self.intervals: List[Tuple[datetime, Optional[datetime]]] = []
        self.started_at: Optional[datetime] = None
        self.stopped = False

    def start(self, at: datetime, restart: bool = False) -> None:
        if restart or self.started_at is None:
            self.intervals, self.started_at, self.stopped = [], at, False
        if not self.running:
            self.intervals.append((at, None))
        self.stopped = False

    def pause(self, at: datetime) -> None:
        if self.running:
            begin, _ = self.intervals[-1]
            self.intervals[-1] = (begin, at)

    def stop(self, at: datetime) -> None:
        self.pause(at)
        if self.started_at is not None:
            self.stopped = True

    @property
    def running(self) -> bool:
        return bool(self.intervals) and self.intervals[-1][1] is None


def _replay(case: Handoff) -> Dict[str, _Clock]:
    clocks = {name: _Clock() for name in ("claim", "first_response", "next_response", "resolution", "confirmation")}
    replied_once = False
    for event in case.events:
        at, action = event.at, event.action
        if action in _QUEUED_BY:
            clocks["claim"].start(at, restart=True)
            clocks["resolution"].start(at)
        elif action == "transferred" and event.to_status == CaseStatus.QUEUED.value:
            clocks["claim"].start(at, restart=True)  # a new skill group: its own time to claim
        elif action in _CLAIMED_BY:
            clocks["claim"].stop(at)
            if clocks["first_response"].started_at is None:
                clocks["first_response"].start(at)
        elif action == "agent_replied":
            if not replied_once:
                clocks["first_response"].stop(at)
                replied_once = True
            clocks["next_response"].stop(at)
            clocks["resolution"].pause(at)  # the ball is with the customer now
        elif action == "customer_message":
            if replied_once and case_has_person_at(case, at):
                clocks["next_response"].start(at, restart=not clocks["next_response"].running)
            if not clocks["resolution"].stopped:
                clocks["resolution"].start(at)
        elif action == "resolution_proposed":
            clocks["resolution"].stop(at)
            clocks["next_response"].stop(at)
            clocks["confirmation"].start(at, restart=True)
        elif action == "customer_disputed":
            clocks["confirmation"].stop(at)
            clocks["resolution"].start(at)
        elif action in ("customer_confirmed", "closed_unconfirmed"):
            clocks["confirmation"].stop(at)
        elif action == "handed_back":
            clocks["next_response"].stop(at)
    return clocks


def case_has_person_at(case: Handoff, at: datetime) -> bool:
    """Whether an agent had claimed the case and not handed it back by ``at``."""
    with_person = False
    for event in case.events:
        if event.at > at:
            break
        if event.action in _CLAIMED_BY:
            with_person = True
        elif event.action == "handed_back":
            with_person = False
    return with_person


def deadline_states(case: Handoff, now: datetime, policy: DeskPolicy) -> List[DeadlineState]:
    states = []
    for name, clock in _replay(case).items():
        limit = policy.deadlines.limit(case.priority, name)
        if limit is None or clock.started_at is None:
            continue
        business = name in policy.deadlines.business_time

        def span(begin: datetime, end: datetime) -> timedelta:
            return policy.hours.open_time_between(begin, end) if business else max(end - begin, timedelta(0))

        used = sum((span(begin, end or now) for begin, end in clock.intervals), timedelta(0))
        running = clock.running and case.is_open
        if used > limit:
            status = BREACHED
        elif not running and clock.stopped:
            status = MET
        elif used >= limit * policy.deadlines.warn_share:
            status = WARNED
        else:
            status = OK
        due = None
        if running and used <= limit:
            left = limit - used
            due = policy.hours.add_business_time(now, left) if business else now + left
        states.append(DeadlineState(name, status, limit, used, clock.started_at, running, due))
    return states


_LABEL = {"claim": "接入", "first_response": "首次回复", "next_response": "回复客户", "resolution": "解决",
          "confirmation": "客户确认"}


class CheckDeadlines(DeskService):
    """Run every minute or so: each deadline that reached ``warned`` or ``breached`` is recorded once in the case's
    history, and its first-contact owner (or, before anyone claimed it, the supervisors) and the supervisors are
    told."""

    def __call__(self) -> List[Tuple[Handoff, DeadlineState]]:
        now = self.clock()
        supervisors = list(self.session.execute(
            select(DeskAgent).where(DeskAgent.role == Role.SUPERVISOR.value, DeskAgent.active.is_(True))
        ).scalars())
        reached = []
        cases = self.session.execute(select(Handoff).where(Handoff.status_value.in_(OPEN_STATUSES))).scalars()
        for case in list(cases):
            told = {(e.action, e.note) for e in case.events if e.action in ("deadline_warned", "deadline_breached")}
            for state in deadline_states(case, now, self.policy):
                if state.status not in (WARNED, BREACHED) or (f"deadline_{state.status}", state.key) in told:
                    continue
                case.record(f"deadline_{state.status}", "system", now, state.key)
                verb = "即将超时" if state.status == WARNED else "已超时"
                text = f"会话 {case.id} 的「{_LABEL[state.name]}」时限{verb}（时限 {_minutes(state.limit)}）"
                recipients = {a.id: a for a in supervisors}
                if case.owner is not None:
                    recipients[case.owner.id] = case.owner
                for agent in recipients.values():
                    self.notify(agent, case, f"deadline_{state.status}", text)
                reached.append((case, state))
        return reached


def overdue(session, policy: DeskPolicy, now: datetime) -> List[Tuple[Handoff, DeadlineState]]:
    """Open cases with a deadline warned or breached, most urgent first."""
    found = []
    for case in session.execute(select(Handoff).where(Handoff.status_value.in_(OPEN_STATUSES))).scalars():
        for state in deadline_states(case, now, policy):
            if state.status in (WARNED, BREACHED):
                found.append((case, state))
    return sorted(found, key=lambda pair: (pair[1].status != BREACHED, pair[0].priority, pair[1].due or now))


def _minutes(limit: timedelta) -> str:
    minutes = int(limit.total_seconds() // 60)
    return f"{minutes // 60} 小时" if minutes >= 120 and minutes % 60 == 0 else f"{minutes} 分钟"
