"""Satisfaction: asked once after a case closes, answered in the customer's channel, kept for the owner."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.desk import ClaimCase, OpenHandoff, ProposeResolution, RouteCustomerMessage, SatisfactionRating
from bot.desk.satisfaction import THANKS, AskSatisfaction, read_rating
from bot.store import session_scope
from tests.desk.test_cases import case_of, notifications


@pytest.mark.parametrize("typed, rating", [
    ('/rate_service{"score": 4}', (4, "")), ("5", (5, "")), ("5分", (5, "")), ("五星好评", (5, "好评")),
    ("4，处理得挺快", (4, "处理得挺快")), ("2 分 等太久了", (2, "等太久了")), ("1 分 非常不满意", (1, "")),
])
def test_ratings_are_read_from_buttons_and_typing(typed, rating):
    assert read_rating(typed) == rating


@pytest.mark.parametrize("typed", ["3天前买的手机坏了", "一直没人处理", "6", "0分", "谢谢", '/rate_service{"score": 9}', ""])
def test_new_messages_are_not_taken_for_ratings(typed):
    assert read_rating(typed) is None


def closed_case(desk, conversation="web:r1"):
    case_id = desk(OpenHandoff, conversation, "request", "客户要求转人工", topic="return_7day").case.id
    desk(ClaimCase, case_id, "wang")
    desk(ProposeResolution, case_id, "wang", "已退款")
    confirmed = desk(RouteCustomerMessage, conversation, "已解决")
    return case_id, confirmed


def test_after_closing_the_customer_rates_once_and_the_owner_hears_of_it(desk, agents, database_url):
    case_id, confirmed = closed_case(desk)
    assert [b["payload"] for b in confirmed.replies[1]["buttons"]][0] == '/rate_service{"score": 5}'
    assert desk(AskSatisfaction, case_id) is None  # never asked twice
    rated = desk(RouteCustomerMessage, "web:r1", "4，处理得挺快，电话13812345678")
    assert rated.replies == ({"text": THANKS},) and rated.with_person is False
    with session_scope(database_url) as session:
        (rating,) = session.query(SatisfactionRating).all()
        assert (rating.handoff_id, rating.score, rating.comment) == (case_id, 4, "处理得挺快，电话138****5678")
    assert case_of(database_url, case_id).events[-1].action == "satisfaction_rated"
    assert notifications(database_url, "wang")[-1] == ("rated", f"客户给会话 {case_id} 打了 4 分")
    # A second "5" is an ordinary message now: the bot answers it.
    assert desk(RouteCustomerMessage, "web:r1", "5").taken is False


def test_an_answer_long_after_the_question_is_not_a_rating(desk, agents, clock):
    closed_case(desk, "web:r2")
    clock.now += timedelta(days=4)
    assert desk(RouteCustomerMessage, "web:r2", "5").taken is False


def test_a_rating_cannot_be_changed_afterwards(desk, agents, database_url):
    closed_case(desk, "web:r3")
    desk(RouteCustomerMessage, "web:r3", "2")
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope(database_url) as session:
            session.execute(text("UPDATE desk_ratings SET score = 5"))
