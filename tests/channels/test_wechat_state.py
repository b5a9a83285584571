"""The WeChat channel's shared state, on both backends for real: a SQLite file and the Redis server on
127.0.0.1:6379. "Another process" is a second state object on the same file or server."""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.channels.wechat.state import DONE, NEW, PROCESSING, RedisState, SQLiteState

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["sqlite", "redis"])
def two_processes(request, tmp_path):
    """Two state objects sharing one store, as two server processes would."""
    if request.param == "sqlite":
        yield SQLiteState(tmp_path / "wechat.db"), SQLiteState(tmp_path / "wechat.db")
        return
    prefix = f"test:wechat:{uuid.uuid4().hex}:"
    first, second = RedisState(REDIS_URL, prefix), RedisState(REDIS_URL, prefix)
    yield first, second
    keys = list(first.redis.scan_iter(match=prefix + "*"))
    if keys:
        first.redis.delete(*keys)


def test_a_message_is_taken_by_exactly_one_process(two_processes):
    first, second = two_processes
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda i: (first, second)[i % 2].claim("msg:42"), range(16)))
    assert [c.status for c in claims].count(NEW) == 1
    assert {c.status for c in claims} == {NEW, PROCESSING}


def test_a_retry_after_the_answer_gets_the_cached_reply(two_processes):
    first, second = two_processes
    assert first.claim("msg:1").status == NEW
    assert second.claim("msg:1").status == PROCESSING
    first.finish("msg:1", "<xml>answer</xml>")
    assert second.claim("msg:1").status == DONE and second.claim("msg:1").reply == "<xml>answer</xml>"
    first.claim("event:o1:170")
    first.finish("event:o1:170", None)  # answered "success"
    assert second.claim("event:o1:170").reply is None


def test_window_choices_and_subscription_are_seen_by_the_other_process(two_processes):
    first, second = two_processes
    assert second.window("o1").last_message_at is None
    first.user_wrote("o1", 1000.0)
    first.count_sent("o1", 2)
    assert (second.window("o1").last_message_at, second.window("o1").sent_since) == (1000.0, 2)
    second.user_wrote("o1", 2000.0)  # a new message resets the quota
    assert first.window("o1").sent_since == 0

    first.offer_choices("o1", [{"title": "退货", "payload": "/ask"}])
    assert second.choices("o1") == [{"title": "退货", "payload": "/ask"}]
    second.offer_choices("o1", [])
    assert first.choices("o1") == []

    first.record_subscription("o1", "unsubscribe", 3000.0)
    assert second.subscription("o1") == ("unsubscribe", 3000.0)


def test_held_answers_are_taken_once_in_order(two_processes):
    first, second = two_processes
    first.add_pending("o2", "第一条")
    second.add_pending("o2", "第二条")
    assert first.take_pending("o2") == ["第一条", "第二条"]
    assert second.take_pending("o2") == []


def test_access_token_and_lock_are_shared(two_processes):
    first, second = two_processes
    expires = time.time() + 7200
    first.store_access_token("token-1", expires)
    assert second.access_token()[0] == "token-1"
    assert abs(second.access_token()[1] - expires) < 1

    owner = first.acquire("access_token", ttl=5)
    assert owner and second.acquire("access_token", ttl=5) is None
    second.release("access_token", "not-the-owner")
    assert second.acquire("access_token", ttl=5) is None
    first.release("access_token", owner)
    assert second.acquire("access_token", ttl=5)


def test_an_expired_lock_can_be_taken(two_processes):
    first, second = two_processes
    assert first.acquire("refresh", ttl=0.05)
    time.sleep(0.1)
    assert second.acquire("refresh", ttl=5)
