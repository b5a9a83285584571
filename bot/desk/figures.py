"""The desk's figures per first-contact owner over a period, worked out from the append-only history and the
ratings alone, so any past period can be recomputed and gives the same figures tomorrow as today.

Each figure counts in the period in which its event happened, for the agent who owned the case at that moment
(the first claimer, or whoever accepted the ownership since):

* cases owned: first claims in the period; cases handled: the cases an agent was given (claimed, transferred
  to them, routed back to them) in the period;
* first response: from the first claim to the first agent reply, for first replies in the period;
* resolution: from the hand-off (``opened``) to the closing, for cases closed in the period;
* deadline breaches: ``deadline_breached`` entries of the period (recorded by ``CheckDeadlines``). A claim deadline
  missed while nobody owned the case yet is the desk's, not an agent's: it is counted on its own;
* satisfaction: ratings given in the period, for the owner and, separately, for every agent who handled the case.

Minutes are wall-clock minutes. Periods are [since, until) in naive UTC; :func:`day_period` turns days of the
desk's time zone into one.
"""
from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.desk.errors import DeskError
from bot.desk.models import DeskAgent, HandoffEvent, SatisfactionRating

# Entries that give the case to an agent (``to_agent_id``): the first of them makes its first-contact owner.
_GIVEN_BY = {"claimed", "transferred", "routed_to_owner"}
_CLOSED_BY = {"customer_confirmed", "closed_unconfirmed"}


class PeriodError(DeskError):
    """A period that ends before it starts."""

    code = "bad_period"


@dataclass(frozen=True)
class OwnerFigures:
    username: str
    display_name: str
    owned: int
    handled: int
    first_responses: int
    first_response_median_minutes: Optional[float]
    first_response_mean_minutes: Optional[float]
    resolved: int
    resolution_median_minutes: Optional[float]
    resolution_mean_minutes: Optional[float]
    breaches: int
    satisfaction_mean: Optional[float]  # ratings of the cases they owned
    satisfaction_count: int
    handled_satisfaction_mean: Optional[float]  # ratings of every case they worked on
    handled_satisfaction_count: int


@dataclass(frozen=True)
class PeriodFigures:
    since: datetime
    until: datetime
    rows: Tuple[OwnerFigures, ...]  # every agent of the team, and anyone who left but has figures in the period
    breaches_before_claim: int


@dataclass
class _Tally:
    owned: int = 0
    handled: set = field(default_factory=set)
    first_responses: List[float] = field(default_factory=list)
    resolutions: List[float] = field(default_factory=list)
    breaches: int = 0
    owner_scores: List[int] = field(default_factory=list)
    handler_scores: List[int] = field(default_factory=list)


def day_period(first: date, last: date, zone: ZoneInfo) -> Tuple[datetime, datetime]:
    """[start of ``first``, end of ``last``) in ``zone``, as naive UTC; both days included."""
    if last < first:
        raise PeriodError(f"结束日期 {last} 早于开始日期 {first}")

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(timezone.utc).replace(tzinfo=None)

    return start_of(first), start_of(last + timedelta(days=1))


def owner_figures(session: Session, since: datetime, until: datetime) -> PeriodFigures:
    if until <= since:
        raise PeriodError(f"结束时间 {until} 不晚于开始时间 {since}")
    ratings = {r.handoff_id: r for r in session.execute(
        select(SatisfactionRating).where(SatisfactionRating.rated_at >= since, SatisfactionRating.rated_at < until)
    ).scalars()}
    touched = select(HandoffEvent.handoff_id).where(HandoffEvent.at >= since, HandoffEvent.at < until)
    rated = select(SatisfactionRating.handoff_id).where(
        SatisfactionRating.rated_at >= since, SatisfactionRating.rated_at < until)
    # The whole history before ``until`` of every case with something in the period: who owned a case at an
    # event depends on what happened before the period began.
    events = session.execute(
        select(HandoffEvent)
        .where(or_(HandoffEvent.handoff_id.in_(touched), HandoffEvent.handoff_id.in_(rated)), HandoffEvent.at < until)
        .order_by(HandoffEvent.handoff_id, HandoffEvent.id)
    ).scalars()
    by_case: Dict[int, List[HandoffEvent]] = defaultdict(list)
    for event in events:
        by_case[event.handoff_id].append(event)

    tallies: Dict[int, _Tally] = defaultdict(_Tally)
    breaches_before_claim = 0
    for case_id, history in by_case.items():
        owner = opened_at = claimed_at = None
        replied = False
        handlers = set()
        for event in history:
            in_period = since <= event.at
            if event.action == "opened":
                opened_at = event.at
            elif event.action in _GIVEN_BY and event.to_agent_id is not None:
                handlers.add(event.to_agent_id)
                if in_period:
                    tallies[event.to_agent_id].handled.add(case_id)
                if owner is None:
                    owner, claimed_at = event.to_agent_id, event.at
                    if in_period:
                        tallies[owner].owned += 1
            elif event.action == "ownership_accepted":
                owner = event.to_agent_id
            elif event.action == "agent_replied" and not replied:
                replied = True
                if in_period:
                    tallies[owner].first_responses.append(_minutes(event.at - claimed_at))
            elif event.action in _CLOSED_BY and in_period:
                tallies[owner].resolutions.append(_minutes(event.at - opened_at))
            elif event.action == "deadline_breached" and in_period:
                if owner is None:
                    breaches_before_claim += 1
                else:
                    tallies[owner].breaches += 1
        rating = ratings.get(case_id)
        # A rating follows the closing, after which nobody claims, transfers or takes over the case: the owner
        # and the handlers at the end of the history are those of the rated case.
        if rating is not None:
            tallies[owner].owner_scores.append(rating.score)
            for agent_id in handlers:
                tallies[agent_id].handler_scores.append(rating.score)

    agents = session.execute(select(DeskAgent).order_by(DeskAgent.username)).scalars()
    rows = tuple(_row(agent, tallies.get(agent.id, _Tally())) for agent in agents
                 if agent.active or agent.id in tallies)
    return PeriodFigures(since, until, rows, breaches_before_claim)


def _minutes(span: timedelta) -> float:
    return span.total_seconds() / 60


def _median(values: List[float]) -> Optional[float]:
    return round(statistics.median(values), 1) if values else None


def _mean(values: List[float]) -> Optional[float]:
    return round(statistics.fmean(values), 1) if values else None


def _row(agent: DeskAgent, tally: _Tally) -> OwnerFigures:
    return OwnerFigures(
        username=agent.username,
        display_name=agent.display_name,
        owned=tally.owned,
        handled=len(tally.handled),
        first_responses=len(tally.first_responses),
        first_response_median_minutes=_median(tally.first_responses),
        first_response_mean_minutes=_mean(tally.first_responses),
        resolved=len(tally.resolutions),
        resolution_median_minutes=_median(tally.resolutions),
        resolution_mean_minutes=_mean(tally.resolutions),
        breaches=tally.breaches,
        satisfaction_mean=_mean(tally.owner_scores),
        satisfaction_count=len(tally.owner_scores),
        handled_satisfaction_mean=_mean(tally.handler_scores),
        handled_satisfaction_count=len(tally.handler_scores),
    )


CSV_HEADER = ("坐席", "用户名", "首问接入", "经手会话", "首次回复数", "首次回复中位数（分钟）", "首次回复平均（分钟）",
              "结案数", "解决时长中位数（分钟）", "解决时长平均（分钟）", "超时次数", "满意度均分（首问）",
              "评价数（首问）", "满意度均分（经手）", "评价数（经手）")


def as_csv(rows) -> str:
    """The rows as CSV for Excel: a byte-order mark first (without it Excel reads UTF-8 Chinese as mojibake),
    a Chinese header, empty cells where there is nothing to average."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(["" if value is None else value for value in (
            row.display_name, row.username, row.owned, row.handled, row.first_responses,
            row.first_response_median_minutes, row.first_response_mean_minutes, row.resolved,
            row.resolution_median_minutes, row.resolution_mean_minutes, row.breaches, row.satisfaction_mean,
            row.satisfaction_count, row.handled_satisfaction_mean, row.handled_satisfaction_count)])
    return out.getvalue()


def as_text(period: PeriodFigures) -> str:
    """The figures as a tab-separated table for the terminal."""
    lines = ["坐席\t首问接入\t经手\t首次回复 中位/平均（分钟）\t解决 中位/平均（分钟）\t超时\t满意度（首问）\t满意度（经手）"]
    for row in period.rows:
        lines.append(
            f"{row.display_name}\t{row.owned}\t{row.handled}\t"
            f"{_shown(row.first_response_median_minutes)}/{_shown(row.first_response_mean_minutes)}\t"
            f"{_shown(row.resolution_median_minutes)}/{_shown(row.resolution_mean_minutes)}\t{row.breaches}\t"
            f"{_shown(row.satisfaction_mean)}（{row.satisfaction_count} 条）\t"
            f"{_shown(row.handled_satisfaction_mean)}（{row.handled_satisfaction_count} 条）")
    lines.append(f"未接入时超时：{period.breaches_before_claim}")
    return "\n".join(lines)


def _shown(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:g}"
