"""The stages of a complaint, which moves between them are allowed, and how long each stage may take.

    已受理 → 调查核实 → 处理反馈 → 结果确认 → 已结案
    (a dispute sends 结果确认 back to 调查核实; before the end the customer may withdraw — 已撤回 — or the
    case may be handed to the regulator or another body — 已转交)
"""
from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from bot.paths import parsed_when_changed

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent / "policy.yml"


class Status(str, enum.Enum):
    ACCEPTED = "已受理"
    INVESTIGATING = "调查核实"
    RESPONDING = "处理反馈"
    AWAITING_CONFIRMATION = "结果确认"
    CLOSED = "已结案"
    WITHDRAWN = "已撤回"
    TRANSFERRED = "已转交"

    def __str__(self) -> str:
        return self.value


# The whole lifecycle as data: for each status, the statuses it may move to.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.ACCEPTED: frozenset({Status.INVESTIGATING, Status.WITHDRAWN, Status.TRANSFERRED}),
    Status.INVESTIGATING: frozenset({Status.RESPONDING, Status.WITHDRAWN, Status.TRANSFERRED}),
    Status.RESPONDING: frozenset({Status.AWAITING_CONFIRMATION, Status.WITHDRAWN, Status.TRANSFERRED}),
    Status.AWAITING_CONFIRMATION: frozenset({Status.CLOSED, Status.INVESTIGATING, Status.WITHDRAWN}),
    Status.CLOSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
    Status.TRANSFERRED: frozenset(),
}

OPEN_STATUSES = frozenset(status for status, targets in TRANSITIONS.items() if targets)


class IllegalTransition(ValueError):
    """A move the lifecycle does not allow, e.g. closing a complaint nobody has investigated."""

    def __init__(self, current: Status, target: Status):
        allowed = "、".join(sorted(s.value for s in TRANSITIONS[current])) or "无（已是最终状态）"
        super().__init__(f"投诉状态不能从「{current.value}」变为「{target.value}」；允许的下一步：{allowed}")
        self.current, self.target = current, target


def check_transition(current: Status, target: Status) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)


@dataclass(frozen=True)
class Policy:
    """Deadlines per status, retention of personal data, and who may unmask it."""

    deadlines_hours: dict[Status, int] = field(
        default_factory=lambda: {
            Status.ACCEPTED: 24,
            Status.INVESTIGATING: 72,
            Status.RESPONDING: 48,
            Status.AWAITING_CONFIRMATION: 168,
        }
    )
    retention_days: int = 365
    authorised_operators: frozenset[str] = frozenset()

    def deadline(self, status: Status, entered_at: datetime) -> datetime | None:
        """When a complaint that entered ``status`` at ``entered_at`` must leave it; None for final statuses."""
        hours = self.deadlines_hours.get(status)
        return None if hours is None else entered_at + timedelta(hours=hours)

    def may_unmask(self, operator: str | None) -> bool:
        return bool(operator) and operator in self.authorised_operators


class PolicyError(ValueError):
    """The policy file is missing or says something we cannot use."""


def load_policy(path: str | Path | None = None) -> Policy:
    """Read the policy from ``path``, ``BOT_COMPLAINT_POLICY`` or the packaged policy.yml."""
    path = Path(path or os.environ.get("BOT_COMPLAINT_POLICY") or DEFAULT_POLICY_FILE)
    try:
        return _parse_policy(path)  # parsed again only when the file changed
    except OSError as error:
        raise PolicyError(f"Cannot read complaint policy {path}: {error}") from error


@parsed_when_changed
def _parse_policy(path: Path) -> Policy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise PolicyError(f"Cannot read complaint policy {path}: {error}") from error
    deadlines = {}
    for name, hours in (raw.get("deadlines_hours") or {}).items():
        try:
            status = Status(name)
        except ValueError:
            raise PolicyError(f"{path}: unknown status {name!r} in deadlines_hours") from None
        if status not in OPEN_STATUSES:
            raise PolicyError(f"{path}: {name} is a final status and cannot have a deadline")
        if not isinstance(hours, int) or hours <= 0:
            raise PolicyError(f"{path}: deadline for {name} must be a positive number of hours, got {hours!r}")
        deadlines[status] = hours
    missing = {s.value for s in OPEN_STATUSES} - {s.value for s in deadlines}
    if missing:
        raise PolicyError(f"{path}: deadlines_hours lacks {', '.join(sorted(missing))}")
    retention = raw.get("retention_days", 365)
    if not isinstance(retention, int) or retention <= 0:
        raise PolicyError(f"{path}: retention_days must be a positive number of days, got {retention!r}")
    operators = raw.get("authorised_operators") or []
    if not isinstance(operators, list) or not all(isinstance(o, str) and o.strip() for o in operators):
        raise PolicyError(f"{path}: authorised_operators must be a list of operator names")
    return Policy(deadlines, retention, frozenset(o.strip() for o in operators))
