"""What every process serving the WeChat channel must see alike: which messages were already taken (the
platform retries each up to 3 times), the cached passive replies, each user's 48-hour window and offered choices,
answers waiting for the user's next message, and the customer-service access token.

Redis when ``BOT_REDIS_URL`` is set (the production profile), else a SQLite file under ``var/``. Both are
called from the event loop; every operation is one short local round trip.
"""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from abc import ABC, abstractmethod
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

NEW = "new"
PROCESSING = "processing"
DONE = "done"

# The platform retries within ~15 s; a day covers any replay inside the timestamp window many times over.
MESSAGE_TTL = 24 * 3600


@dataclass(frozen=True)
class Claim:
    status: str  # NEW: this request processes the message; PROCESSING: another one is; DONE: answered
    reply: Optional[str] = None  # DONE: the passive reply's plain XML, or None when it was answered "success"


@dataclass(frozen=True)
class UserWindow:
    last_message_at: Optional[float]
    sent_since: int  # customer-service messages sent since that message


class ChannelState(ABC):
    @abstractmethod
    def claim(self, key: str) -> Claim:
        """Atomically take a message for processing, or learn who has it."""

    @abstractmethod
    def finish(self, key: str, reply: Optional[str]) -> None:
        ...

    @abstractmethod
    def user_wrote(self, openid: str, at: float) -> None:
        """The user's message opens a new customer-service window."""

    @abstractmethod
    def window(self, openid: str) -> UserWindow:
        ...

    @abstractmethod
    def count_sent(self, openid: str, count: int) -> None:
        ...

    @abstractmethod
    def offer_choices(self, openid: str, buttons: List[dict]) -> None:
        ...

    @abstractmethod
    def choices(self, openid: str) -> List[dict]:
        ...

    @abstractmethod
    def add_pending(self, openid: str, text: str) -> None:
        ...

    @abstractmethod
    def take_pending(self, openid: str) -> List[str]:
        """Remove and return the answers waiting for this user, oldest first."""

    @abstractmethod
    def record_subscription(self, openid: str, event: str, at: float) -> None:
        ...

    @abstractmethod
    def subscription(self, openid: str) -> Optional[Tuple[str, float]]:
        ...

    @abstractmethod
    def access_token(self) -> Optional[Tuple[str, float]]:
        """``(token, expires_at)`` as the last process that fetched it stored it."""

    @abstractmethod
    def store_access_token(self, token: str, expires_at: float) -> None:
        ...

    @abstractmethod
    def acquire(self, name: str, ttl: float) -> Optional[str]:
        """A cross-process lock: an owner id if acquired, None if someone holds it."""

    @abstractmethod
    def release(self, name: str, owner: str) -> None:
        ...


def open_state(redis_url: str, sqlite_path: Path, prefix: str = "bot:wechat:") -> ChannelState:
    if redis_url:
        return RedisState(redis_url, prefix)
    return SQLiteState(sqlite_path)


class SQLiteState(ChannelState):
    _SCHEMA = """
    CREATE TABLE IF NOT EXISTS wechat_messages (key TEXT PRIMARY KEY, status TEXT NOT NULL, reply TEXT,
                                                at REAL NOT NULL);
    CREATE INDEX IF NOT EXISTS wechat_messages_at ON wechat_messages (at);
    CREATE TABLE IF NOT EXISTS wechat_users (openid TEXT PRIMARY KEY, last_message_at REAL,
                                             sent_since INTEGER NOT NULL DEFAULT 0, choices TEXT,
                                             subscription TEXT, subscription_at REAL);
    CREATE TABLE IF NOT EXISTS wechat_pending (id INTEGER PRIMARY KEY AUTOINCREMENT, openid TEXT NOT NULL,
                                               text TEXT NOT NULL, at REAL NOT NULL);
    CREATE TABLE IF NOT EXISTS wechat_kv (name TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at REAL NOT NULL);
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(self._SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def _run(self, sql: str, *args) -> sqlite3.Cursor:
        with closing(self._connect()) as db:
            return db.execute(sql, args)

    def _rows(self, sql: str, *args) -> list:
        with closing(self._connect()) as db:
            return db.execute(sql, args).fetchall()

    def _ensure_user(self, db: sqlite3.Connection, openid: str) -> None:
        db.execute("INSERT OR IGNORE INTO wechat_users (openid) VALUES (?)", (openid,))

    def claim(self, key: str) -> Claim:
        now = time.time()
        with closing(self._connect()) as db:
            db.execute("DELETE FROM wechat_messages WHERE at < ?", (now - MESSAGE_TTL,))
            inserted = db.execute(
                "INSERT OR IGNORE INTO wechat_messages (key, status, at) VALUES (?, ?, ?)", (key, PROCESSING, now)
            ).rowcount
            if inserted:
                return Claim(NEW)
            status, reply = db.execute("SELECT status, reply FROM wechat_messages WHERE key = ?", (key,)).fetchone()
            return Claim(status, reply)

    def finish(self, key: str, reply: Optional[str]) -> None:
        self._run("UPDATE wechat_messages SET status = ?, reply = ? WHERE key = ?", DONE, reply, key)

    def user_wrote(self, openid: str, at: float) -> None:
        with closing(self._connect()) as db:
            self._ensure_user(db, openid)
            db.execute("UPDATE wechat_users SET last_message_at = ?, sent_since = 0 WHERE openid = ?", (at, openid))

    def window(self, openid: str) -> UserWindow:
        rows = self._rows("SELECT last_message_at, sent_since FROM wechat_users WHERE openid = ?", openid)
        return UserWindow(*rows[0]) if rows else UserWindow(None, 0)

    def count_sent(self, openid: str, count: int) -> None:
        self._run("UPDATE wechat_users SET sent_since = sent_since + ? WHERE openid = ?", count, openid)

    def offer_choices(self, openid: str, buttons: List[dict]) -> None:
        with closing(self._connect()) as db:
            self._ensure_user(db, openid)
            db.execute("UPDATE wechat_users SET choices = ? WHERE openid = ?",
                       (json.dumps(buttons, ensure_ascii=False), openid))

    def choices(self, openid: str) -> List[dict]:
        rows = self._rows("SELECT choices FROM wechat_users WHERE openid = ?", openid)
        return json.loads(rows[0][0]) if rows and rows[0][0] else []

    def add_pending(self, openid: str, text: str) -> None:
        self._run("INSERT INTO wechat_pending (openid, text, at) VALUES (?, ?, ?)", openid, text, time.time())

    def take_pending(self, openid: str) -> List[str]:
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute("SELECT id, text FROM wechat_pending WHERE openid = ? ORDER BY id", (openid,)).fetchall()
            db.execute("DELETE FROM wechat_pending WHERE openid = ?", (openid,))
            db.execute("COMMIT")
        return [text for _, text in rows]

    def record_subscription(self, openid: str, event: str, at: float) -> None:
        with closing(self._connect()) as db:
            self._ensure_user(db, openid)
            db.execute("UPDATE wechat_users SET subscription = ?, subscription_at = ? WHERE openid = ?",
                       (event, at, openid))

    def subscription(self, openid: str) -> Optional[Tuple[str, float]]:
        rows = self._rows("SELECT subscription, subscription_at FROM wechat_users WHERE openid = ?", openid)
        return (rows[0][0], rows[0][1]) if rows and rows[0][0] else None

    def access_token(self) -> Optional[Tuple[str, float]]:
        rows = self._rows("SELECT value, expires_at FROM wechat_kv WHERE name = 'access_token'")
        return (rows[0][0], rows[0][1]) if rows else None

    def store_access_token(self, token: str, expires_at: float) -> None:
        self._run("INSERT OR REPLACE INTO wechat_kv (name, value, expires_at) VALUES ('access_token', ?, ?)",
                  token, expires_at)

    def acquire(self, name: str, ttl: float) -> Optional[str]:
        owner, now = uuid.uuid4().hex, time.time()
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM wechat_kv WHERE name = ? AND expires_at < ?", (f"lock:{name}", now))
            taken = db.execute("INSERT OR IGNORE INTO wechat_kv (name, value, expires_at) VALUES (?, ?, ?)",
                               (f"lock:{name}", owner, now + ttl)).rowcount
            db.execute("COMMIT")
        return owner if taken else None

    def release(self, name: str, owner: str) -> None:
        self._run("DELETE FROM wechat_kv WHERE name = ? AND value = ?", f"lock:{name}", owner)


class RedisState(ChannelState):
    def __init__(self, url: str, prefix: str = "bot:wechat:"):
        import redis

        self.redis = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def claim(self, key: str) -> Claim:
        name = self._key("msg", key)
        if self.redis.set(name, json.dumps({"status": PROCESSING}), nx=True, ex=MESSAGE_TTL):
            return Claim(NEW)
        stored = json.loads(self.redis.get(name) or '{"status": "processing"}')
        return Claim(stored["status"], stored.get("reply"))

    def finish(self, key: str, reply: Optional[str]) -> None:
        self.redis.set(self._key("msg", key), json.dumps({"status": DONE, "reply": reply}), ex=MESSAGE_TTL)

    def user_wrote(self, openid: str, at: float) -> None:
        self.redis.hset(self._key("user", openid), mapping={"last_message_at": at, "sent_since": 0})

    def window(self, openid: str) -> UserWindow:
        last, sent = self.redis.hmget(self._key("user", openid), "last_message_at", "sent_since")
        return UserWindow(float(last) if last else None, int(sent or 0))

    def count_sent(self, openid: str, count: int) -> None:
        self.redis.hincrby(self._key("user", openid), "sent_since", count)

    def offer_choices(self, openid: str, buttons: List[dict]) -> None:
        self.redis.hset(self._key("user", openid), "choices", json.dumps(buttons, ensure_ascii=False))

    def choices(self, openid: str) -> List[dict]:
        stored = self.redis.hget(self._key("user", openid), "choices")
        return json.loads(stored) if stored else []

    def add_pending(self, openid: str, text: str) -> None:
        self.redis.rpush(self._key("pending", openid), text)

    def take_pending(self, openid: str) -> List[str]:
        name = self._key("pending", openid)
        with self.redis.pipeline(transaction=True) as pipe:
            texts, _ = pipe.lrange(name, 0, -1).delete(name).execute()
        return list(texts)

    def record_subscription(self, openid: str, event: str, at: float) -> None:
        self.redis.hset(self._key("user", openid), mapping={"subscription": event, "subscription_at": at})

    def subscription(self, openid: str) -> Optional[Tuple[str, float]]:
        event, at = self.redis.hmget(self._key("user", openid), "subscription", "subscription_at")
        return (event, float(at)) if event else None

    def access_token(self) -> Optional[Tuple[str, float]]:
        token, expires_at = self.redis.hmget(self._key("access_token"), "token", "expires_at")
        return (token, float(expires_at)) if token else None

    def store_access_token(self, token: str, expires_at: float) -> None:
        name = self._key("access_token")
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(name, mapping={"token": token, "expires_at": expires_at})
            pipe.expireat(name, int(expires_at))
            pipe.execute()

    def acquire(self, name: str, ttl: float) -> Optional[str]:
        owner = uuid.uuid4().hex
        return owner if self.redis.set(self._key("lock", name), owner, nx=True, px=int(ttl * 1000)) else None

    def release(self, name: str, owner: str) -> None:
        # Compare-and-delete in one step, so a lock that expired and was taken by another process survives.
        self.redis.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
            1, self._key("lock", name), owner,
        )
