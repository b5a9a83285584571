"""Satisfaction (满意度): after a case closes, the customer is asked once, in their channel, to rate it 1–5; the
answer is kept as a :class:`SatisfactionRating`, which counts for the first-contact owner and for every agent
who worked on the case (the supervisor's figures read who did from the history)."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Optional

from sqlalchemy import select

from bot.desk.models import CaseStatus, Handoff, SatisfactionRating
from bot.desk.service import DeskService
from bot.store.privacy import mask_text

RATE_PAYLOAD = "/rate_service"
# How long after the question an answer still counts: a "5" typed a week later is about something else.
ANSWER_WINDOW = timedelta(days=3)
QUESTION = ("本次人工服务您满意吗？请打分：5 分非常满意，1 分非常不满意。"
            "也可以在分数后写下意见，例如“4 处理得挺快”。")
SCORES = {5: "5 分 非常满意", 4: "4 分 满意", 3: "3 分 一般", 2: "2 分 不满意", 1: "1 分 非常不满意"}
THANKS = "感谢您的评价！您的意见会转给负责您这次问题的客服和主管。还有其他问题可以继续问我。"
# "5分", "五星好评", "4，处理得挺快", a bare "5" — but not "3天前买的手机" or "一直没人管", which are new messages.
_WITH_UNIT = re.compile(r"^([1-5一二三四五])\s*(?:分|星)[，,。.、:：!！\s]*(.*)$", re.S)
_BARE = re.compile(r"^([1-5一二三四五])(?:[，,。.、:：!！\s]+(.*))?$", re.S)
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def rating_question() -> dict:
    """The question as a message with one button per score."""
    return {"text": QUESTION, "buttons": [
        {"title": title, "payload": f'{RATE_PAYLOAD}{json.dumps({"score": score})}'} for score, title in SCORES.items()
    ]}


def read_rating(text: str) -> Optional[tuple]:
    """``(score, comment)`` when the message is a rating, else None."""
    text = (text or "").strip()
    if text.startswith(RATE_PAYLOAD):
        try:
            score = int(json.loads(text[len(RATE_PAYLOAD):] or "{}").get("score"))
        except (ValueError, TypeError, AttributeError):
            return None
        return (score, "") if 1 <= score <= 5 else None
    if text in {title for title in SCORES.values()}:
        return next(score for score, title in SCORES.items() if title == text), ""
    match = _WITH_UNIT.match(text) or _BARE.match(text)
    if not match:
        return None
    digit = match.group(1)
    return _CHINESE_DIGITS.get(digit) or int(digit), (match.group(2) or "").strip()


class AskSatisfaction(DeskService):
    """A case has closed: the question for its customer, or None if they were asked before (never twice)."""

    def __call__(self, handoff_id: int) -> Optional[dict]:
        case = self.case(handoff_id)
        if case.status_value != CaseStatus.CLOSED.value or case.satisfaction_asked_at is not None:
            return None
        case.satisfaction_asked_at = self.clock()
        case.record("satisfaction_asked", "system", case.satisfaction_asked_at)
        return rating_question()


class RecordSatisfaction(DeskService):
    """The customer's message after the question: a rating is kept and thanked for; anything else is not ours
    (None), and the bot answers it."""

    def __call__(self, conversation_id: str, text: str) -> Optional[str]:
        rating = read_rating(text)
        if rating is None:
            return None
        now = self.clock()
        case = self.session.execute(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id, Handoff.satisfaction_asked_at.is_not(None),
                   Handoff.satisfaction_asked_at >= now - ANSWER_WINDOW)
            .order_by(Handoff.satisfaction_asked_at.desc())
        ).scalars().first()
        if case is None or self.session.execute(
                select(SatisfactionRating.id).where(SatisfactionRating.handoff_id == case.id)).first():
            return None
        score, comment = rating
        self.session.add(SatisfactionRating(handoff_id=case.id, score=score, comment=mask_text(comment) or None,
                                            rated_at=now))
        case.record("satisfaction_rated", "customer", now, f"{score} 分" + (f"：{mask_text(comment)}" if comment else ""))
        if case.owner is not None:
            self.notify(case.owner, case, "rated", f"客户给会话 {case.id} 打了 {score} 分")
        return THANKS
