"""The desk's policy (``policy.yml``): business hours, priorities, skill groups, capacities and deadlines."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.paths import parsed_when_changed

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent / "policy.yml"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DeskPolicyError(ValueError):
    """The policy file is unusable; the message says which setting and why."""


@dataclass(frozen=True)
class BusinessHours:
    """Opening periods of the human desk in its own time zone, with holidays and make-up working days.

    Times in and out are naive UTC, as the store keeps them.
    """

    zone: ZoneInfo
    periods: Tuple[Tuple[time, time], ...]
    days: frozenset = frozenset(range(7))
    holidays: frozenset = frozenset()
    extra_workdays: frozenset = frozenset()

    def _local(self, at: datetime) -> datetime:
        return at.replace(tzinfo=timezone.utc).astimezone(self.zone)

    def _utc(self, local: datetime) -> datetime:
        return local.astimezone(timezone.utc).replace(tzinfo=None)

    def works_on(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.days and day not in self.holidays

    def _periods_on(self, day: date) -> List[Tuple[datetime, datetime]]:
        if not self.works_on(day):
            return []
        return [
            (datetime.combine(day, start, self.zone), datetime.combine(day, end, self.zone))
            for start, end in self.periods
        ]

    def is_open(self, at: datetime) -> bool:
        local = self._local(at)
        return any(start <= local < end for start, end in self._periods_on(local.date()))

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself when open, else the start of the next period (within a year)."""
        local = self._local(at)
        for offset in range(367):
            for start, end in self._periods_on(local.date() + timedelta(days=offset)):
                if local < end:
                    return self._utc(max(start, local))
        raise DeskPolicyError("business hours never open in the coming year: check days, periods and holidays")

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) the desk was open."""
        if end <= start:
            return timedelta(0)
        first, last = self._local(start), self._local(end)
        total = timedelta(0)
        for offset in range((last.date() - first.date()).days + 1):
            for period_start, period_end in self._periods_on(first.date() + timedelta(days=offset)):
                overlap = min(period_end, last) - max(period_start, first)
                if overlap > timedelta(0):
                    total += overlap
        return total

    def add_business_time(self, at: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of open time has passed after ``at`` (closed time does not count)."""
        local = self._local(at)
        remaining = duration
        for offset in range(367 * 2):
            for start, end in self._periods_on(local.date() + timedelta(days=offset)):
                if local >= end:
                    continue
                begin = max(start, local)
                if begin + remaining <= end:
                    return self._utc(begin + remaining)
                remaining -= end - begin
        raise DeskPolicyError("business hours never open long enough: check days, periods and holidays")


@dataclass(frozen=True)
class DeadlinePolicy:
    """Per priority, how long each deadline may take; which count business time only; when to warn."""

    minutes: Dict[int, Dict[str, float]]
    business_time: frozenset
    warn_share: float = 0.8

    def limit(self, priority: int, name: str) -> Optional[timedelta]:
        row = self.minutes.get(priority) or self.minutes.get(max(self.minutes, default=0), {})
        return timedelta(minutes=row[name]) if name in row else None


@dataclass(frozen=True)
class DeskPolicy:
    hours: BusinessHours
    priorities: Dict[str, int]
    skills: Dict[str, List[str]]
    default_skill: str = "general"
    default_capacity: int = 3
    amount_threshold_yuan: int = 5000
    # What an agent may promise a customer on their own, unless their account sets another limit.
    default_amount_limit_yuan: int = 2000
    # What no desk reply may say (see policy.yml for why); the console warns and the reply route refuses.
    forbidden_phrases: Tuple[str, ...] = ()
    default_wait_minutes: float = 4
    callback_business_hours: float = 2
    confirmation_hours: float = 72
    topic_skills: Dict[str, str] = field(default_factory=dict)
    deadlines: DeadlinePolicy = field(default_factory=lambda: DeadlinePolicy({}, frozenset()))

    def priority(self, reason: str) -> int:
        return self.priorities.get(reason, max(self.priorities.values(), default=2))

    def skill_for(self, topic: Optional[str]) -> str:
        return self.topic_skills.get(topic or "", self.default_skill)

    @property
    def confirmation_period(self) -> timedelta:
        return timedelta(hours=self.confirmation_hours)


def _period(text: str) -> Tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in str(text).split("-"))
    except ValueError:
        raise DeskPolicyError(f"business_hours.periods: {text!r} is not like 09:00-12:00") from None
    if start >= end:
        raise DeskPolicyError(f"business_hours.periods: {text!r} ends before it starts")
    return start, end


def _dates(values, name: str) -> frozenset:
    try:
        return frozenset(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values or [])
    except ValueError as error:
        raise DeskPolicyError(f"business_hours.{name}: {error}") from None


DEADLINE_NAMES = ("claim", "first_response", "next_response", "resolution", "confirmation")


def _deadlines(raw: dict) -> DeadlinePolicy:
    minutes = {}
    for priority, row in (raw.get("minutes") or {}).items():
        unknown = set(row or {}) - set(DEADLINE_NAMES)
        if unknown:
            raise DeskPolicyError(f"deadlines.minutes.{priority}: unknown {sorted(unknown)}; use {', '.join(DEADLINE_NAMES)}")
        for name, value in (row or {}).items():
            if not isinstance(value, (int, float)) or value <= 0:
                raise DeskPolicyError(f"deadlines.minutes.{priority}.{name}: must be a positive number of minutes")
        minutes[int(priority)] = dict(row or {})
    share = raw.get("warn_share", 0.8)
    if not isinstance(share, (int, float)) or not 0 < share < 1:
        raise DeskPolicyError("deadlines.warn_share: must be between 0 and 1, e.g. 0.8")
    business = frozenset(raw.get("business_time") or ())
    if business - set(DEADLINE_NAMES):
        raise DeskPolicyError(f"deadlines.business_time: unknown {sorted(business - set(DEADLINE_NAMES))}")
    return DeadlinePolicy(minutes, business, float(share))


def load_policy(path: Optional[Path] = None) -> DeskPolicy:
    path = Path(path or os.environ.get("BOT_DESK_POLICY") or DEFAULT_POLICY_FILE)
    try:
        return _parse_policy(path)  # parsed again only when the file changed
    except OSError as error:
        raise DeskPolicyError(f"cannot read desk policy {path}: {error}") from None


@parsed_when_changed
def _parse_policy(path: Path) -> DeskPolicy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise DeskPolicyError(f"cannot read desk policy {path}: {error}") from None
    try:
        zone = ZoneInfo(raw.get("timezone", "Asia/Shanghai"))
    except (ZoneInfoNotFoundError, ValueError):
        raise DeskPolicyError(f"timezone: unknown time zone {raw.get('timezone')!r}") from None
    hours_raw = raw.get("business_hours") or {}
    unknown_days = set(hours_raw.get("days", _DAYS)) - set(_DAYS)
    if unknown_days:
        raise DeskPolicyError(f"business_hours.days: unknown {sorted(unknown_days)}; use {', '.join(_DAYS)}")
    periods = tuple(sorted(_period(p) for p in hours_raw.get("periods") or []))
    if not periods:
        raise DeskPolicyError("business_hours.periods: at least one period is needed")
    hours = BusinessHours(
        zone=zone,
        periods=periods,
        days=frozenset(_DAYS.index(d) for d in hours_raw.get("days", _DAYS)),
        holidays=_dates(hours_raw.get("holidays"), "holidays"),
        extra_workdays=_dates(hours_raw.get("extra_workdays"), "extra_workdays"),
    )
    skills = {name: list(topics or []) for name, topics in (raw.get("skills") or {}).items()}
    topic_skills = {topic: skill for skill, topics in skills.items() for topic in topics}
    numbers = {}
    for key in ("default_capacity", "amount_threshold_yuan", "default_amount_limit_yuan", "default_wait_minutes",
                "callback_business_hours", "confirmation_hours"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, (int, float)) or value <= 0:
                raise DeskPolicyError(f"{key}: must be a positive number, got {value!r}")
            numbers[key] = value
    phrases = raw.get("forbidden_phrases") or []
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise DeskPolicyError("forbidden_phrases: must be a list of non-empty phrases, e.g. [概不负责, 不退不换]")
    return DeskPolicy(
        forbidden_phrases=tuple(p.strip() for p in phrases),
        hours=hours,
        deadlines=_deadlines(raw.get("deadlines") or {}),
        priorities={str(k): int(v) for k, v in (raw.get("priorities") or {}).items()},
        skills=skills,
        default_skill=str(raw.get("default_skill", "general")),
        topic_skills=topic_skills,
        **numbers,
    )
