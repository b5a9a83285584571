"""Desk accounts: adding agents and supervisors, checking passwords (argon2id), presence, leaving the team."""
from __future__ import annotations

from typing import Iterable, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from bot.desk.errors import NotAllowed
from bot.desk.models import OPEN_STATUSES, DeskAgent, Handoff, Role
from bot.desk.service import AgentRef, DeskService

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_CHARS = 8


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


class AddAgent(DeskService):
    def __call__(
        self,
        username: str,
        password: str,
        role: str = Role.AGENT.value,
        skills: Iterable[str] = (),
        display_name: Optional[str] = None,
        capacity: Optional[int] = None,
        amount_limit_yuan: Optional[int] = None,
    ) -> DeskAgent:
        username = (username or "").strip()
        if not username or len(username) > 64:
            raise AccountError("用户名不能为空，且不超过 64 个字符")
        if role not in {r.value for r in Role}:
            raise AccountError(f"角色只能是 {', '.join(r.value for r in Role)}")
        if len(password or "") < MIN_PASSWORD_CHARS:
            raise AccountError(f"密码至少 {MIN_PASSWORD_CHARS} 位")
        unknown = set(skills) - set(self.policy.skills) - {self.policy.default_skill}
        if unknown:
            raise AccountError(f"未知技能组：{', '.join(sorted(unknown))}；可选：{', '.join(self.policy.skills)}")
        if self.session.execute(select(DeskAgent.id).where(DeskAgent.username == username)).first():
            raise AccountError(f"用户名 {username} 已存在")
        if capacity is not None and capacity < 1:
            raise AccountError("同时接待数至少为 1")
        if amount_limit_yuan is not None and amount_limit_yuan < 1:
            raise AccountError("可承诺金额上限至少为 1 元")
        agent = DeskAgent(
            username=username,
            display_name=(display_name or username).strip(),
            role=role,
            skills=sorted(set(skills)),
            capacity=capacity or self.policy.default_capacity,
            amount_limit_yuan=amount_limit_yuan,
            password_hash=_hasher.hash(password),
        )
        self.session.add(agent)
        self.session.flush()
        return agent


def check_password(agent: DeskAgent, password: str) -> bool:
    try:
        return _hasher.verify(agent.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class SetPresence(DeskService):
    """Going online or offline. Going offline moves no case and no ownership: the owner stays accountable."""

    def __call__(self, agent_ref: AgentRef, online: bool) -> DeskAgent:
        agent = self.agent(agent_ref)
        if online and not agent.active:
            raise NotAllowed(f"{agent.display_name} 已不在团队中")
        agent.online = online
        return agent


class LeaveTeam(DeskService):
    """An agent leaves. Refused while they still own open cases: those must first be handed to a colleague."""

    def __call__(self, agent_ref: AgentRef) -> DeskAgent:
        agent = self.agent(agent_ref)
        owned = self.session.execute(
            select(Handoff.id).where(Handoff.first_contact_owner_id == agent.id, Handoff.status_value.in_(OPEN_STATUSES))
        ).scalars().all()
        if owned:
            raise NotAllowed(
                f"{agent.display_name} 仍是 {len(owned)} 个未结会话的首问负责人（{', '.join(map(str, owned))}），"
                "请先逐个移交给同事并由对方接受"
            )
        agent.active = False
        agent.online = False
        return agent
