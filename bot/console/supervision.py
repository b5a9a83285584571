"""The supervisor's view (主管视图): the live desk, the per-owner figures of a period, and the complaint analytics.

Every ``/api/supervisor/…`` route here needs the supervisor role. The page (``/supervisor``) is static like the
console's; when the API refuses an agent, the page says so. Periods are days of the desk's time zone (Beijing),
both included, ``YYYY-MM-DD``; without them, the last seven days up to today.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, ContextManager, Optional, Tuple

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import FileResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.console.views import agent_view, case_view
from bot.desk.deadlines import overdue
from bot.desk.figures import PeriodFigures, as_csv, day_period, owner_figures
from bot.desk.models import OPEN_STATUSES, DeskAgent, Handoff
from bot.desk.policy import DeskPolicy
from bot.desk.queue import DeskQueue

PAGE = Path(__file__).resolve().parent / "static" / "supervisor.html"
DEFAULT_DAYS = 7

_SINCE = Query(None, description="first day to include, YYYY-MM-DD (Beijing); default: six days before until")
_UNTIL = Query(None, description="last day to include, YYYY-MM-DD (Beijing); default: today")


def _minutes(span: timedelta) -> float:
    return round(span.total_seconds() / 60, 1)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(422, f"{what}“{text}”不是有效日期，请写成 YYYY-MM-DD，例如 2026-12-01") from None


def supervision_routes(
    transaction: Callable[[], ContextManager[Session]], supervisor: Callable[..., Any], policy: DeskPolicy,
    clock: Callable[[], datetime],
) -> APIRouter:
    """The routes, built inside ``create_app`` with its transaction, its supervisor check, policy and clock."""
    router = APIRouter()

    def period(since: Optional[str], until: Optional[str]) -> Tuple[date, date]:
        today = clock().replace(tzinfo=timezone.utc).astimezone(policy.hours.zone).date()
        last = _day(until, "结束日期") if until else today
        first = _day(since, "开始日期") if since else last - timedelta(days=DEFAULT_DAYS - 1)
        if last < first:
            raise HTTPException(422, f"结束日期 {last} 早于开始日期 {first}")
        return first, last

    def figures_of(first: date, last: date) -> PeriodFigures:
        with transaction() as session:
            return owner_figures(session, *day_period(first, last, policy.hours.zone))

    @router.get("/api/supervisor/overview")
    def overview(caller=Depends(supervisor)):
        """The desk now: the queue, who is online with how many cases, and every deadline near or past."""
        with transaction() as session:
            now = clock()
            desk = DeskQueue(session, policy, clock)
            owned_open = dict(session.execute(
                select(Handoff.first_contact_owner_id, func.count(Handoff.id))
                .where(Handoff.status_value.in_(OPEN_STATUSES)).group_by(Handoff.first_contact_owner_id)
            ).all())
            agents = session.execute(
                select(DeskAgent).where(DeskAgent.active.is_(True))
                .order_by(DeskAgent.online.desc(), DeskAgent.username)
            ).scalars()
            return {
                "at": now.isoformat() + "Z",
                "queue": [case_view(case, now) for case in desk.waiting()],
                "agents": [{**agent_view(agent), "load": desk.load(agent), "owned_open": owned_open.get(agent.id, 0)}
                           for agent in agents],
                "deadlines": [{
                    "case_id": case.id,
                    "priority": case.priority,
                    "skill": case.skill,
                    "case_status": case.status_value,
                    "deadline": state.name,
                    "status": state.status,
                    "used_minutes": _minutes(state.used),
                    "limit_minutes": _minutes(state.limit),
                    "due": state.due.isoformat() + "Z" if state.due else None,
                    "first_contact_owner": agent_view(case.owner),
                    "current_agent": agent_view(case.current_agent),
                } for case, state in overdue(session, policy, now)],
            }

    @router.get("/api/supervisor/figures")
    def figures(since: Optional[str] = _SINCE, until: Optional[str] = _UNTIL, caller=Depends(supervisor)):
        """Per first-contact owner, from the history of the period (see ``bot.desk.figures``)."""
        first, last = period(since, until)
        found = figures_of(first, last)
        return {"since": first.isoformat(), "until": last.isoformat(),
                "rows": [asdict(row) for row in found.rows], "breaches_before_claim": found.breaches_before_claim}

    @router.get("/api/supervisor/figures.csv")
    def figures_csv(since: Optional[str] = _SINCE, until: Optional[str] = _UNTIL, caller=Depends(supervisor)):
        first, last = period(since, until)
        return Response(as_csv(figures_of(first, last).rows), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="desk-figures-{first}-{last}.csv"'})

    @router.get("/api/supervisor/analytics")
    def analytics(since: Optional[str] = _SINCE, until: Optional[str] = _UNTIL, caller=Depends(supervisor)):
        """The complaint analysis of the period (docs/analytics.md): counts, and the recurring problems with
        label, size, businesses named most, masked examples and weekly trend."""
        # Imported here: scikit-learn and the sentence model load only once a supervisor asks for an analysis.
        from bot.analytics import analyse

        first, last = period(since, until)
        with transaction() as session:
            return analyse(session, first, last).as_dict()

    @router.get("/supervisor", include_in_schema=False)
    def page():
        return FileResponse(PAGE)

    return router
