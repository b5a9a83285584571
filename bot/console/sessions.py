"""Server-side login sessions for the agent console.

The browser holds only a random session token (an HttpOnly, SameSite=Strict cookie); the database holds its
SHA-256, so a leaked table cannot be replayed. Each session has its own CSRF token, which every state-changing
request must echo in the ``X-CSRF-Token`` header.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Session, relationship

from bot.desk.accounts import check_password
from bot.desk.models import DeskAgent, utcnow
from bot.desk.service import DeskService
from bot.desk.errors import AgentNotFound
from bot.store import Base

SESSION_LIFETIME = timedelta(hours=12)  # one shift


class LoginFailed(Exception):
    """Wrong user name or password (never says which)."""


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    csrf_token = Column(String(64), nullable=False)
    agent_id = Column(ForeignKey("desk_agents.id"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    ended_at = Column(DateTime)

    agent = relationship(DeskAgent)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedSession:
    token: str  # goes into the cookie, never stored
    csrf_token: str
    agent: DeskAgent


def log_in(session: Session, username: str, password: str, now: Optional[datetime] = None) -> IssuedSession:
    now = now or utcnow()
    try:
        agent = DeskService(session).agent(username)
    except AgentNotFound:
        agent = None
    if agent is None or not agent.active or not check_password(agent, password):
        raise LoginFailed("用户名或密码不正确")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=_hash(token), csrf_token=csrf, agent_id=agent.id, created_at=now,
                               expires_at=now + SESSION_LIFETIME))
    return IssuedSession(token, csrf, agent)


def session_for(session: Session, token: Optional[str], now: Optional[datetime] = None) -> Optional[ConsoleSession]:
    """The live session a cookie names, or None (unknown, expired, logged out, or the agent has left)."""
    if not token:
        return None
    found = session.query(ConsoleSession).filter_by(token_hash=_hash(token)).one_or_none()
    now = now or utcnow()
    if found is None or found.ended_at is not None or found.expires_at <= now or not found.agent.active:
        return None
    return found


def csrf_matches(console_session: ConsoleSession, header: Optional[str]) -> bool:
    return bool(header) and hmac.compare_digest(console_session.csrf_token, header)


def log_out(console_session: ConsoleSession, now: Optional[datetime] = None) -> None:
    console_session.ended_at = now or utcnow()
