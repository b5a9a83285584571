"""What the agent reads beside a case: the conversation so far, what the bot's retrieval found for each question,
the remedy assessment the bot worked out, and the customer's complaints — personal data masked throughout.

The conversation comes from the Rasa server's tracker (its HTTP API, on loopback, decrypted by our tracker
store); the retrieval hits from :mod:`bot.knowledge.answer_log`; complaints from the complaint store. The case's
own history (claims, replies, notes) stays in the desk; this is what came before and around it.
"""
from __future__ import annotations

import asyncio
import os
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

from bot.channels.relay_client import DEFAULT_BOT_URL
from bot.complaints.service import Customer, complaints_of
from bot.complaints.views import china_time
from bot.desk.complaints import customer_of
from bot.knowledge.answer_log import BotAnswer, answers_in
from bot.remedies.explain import render_assessment
from bot.remedies.interview import Interview
from bot.store.privacy import mask_text

# The slots in which the remedy interview keeps what the customer told (actions/remedies.py).
REMEDY_FACTS, REMEDY_SKIPPED = "remedy_facts", "remedy_skipped"
# What a button sent, as the agent should read it.
PAYLOAD_WORDS = {"/request_human": "（点击）转人工客服", "/confirm_resolution": "（点击）已解决，确认结案",
                 "/dispute_resolution": "（点击）还没解决"}


class TranscriptUnavailable(RuntimeError):
    """The Rasa server could not be asked for the conversation."""


class RasaTranscript:
    """Reads a conversation's tracker from the Rasa server (``BOT_RASA_URL``)."""

    def __init__(self, bot_url: Optional[str] = None, timeout: float = 10.0) -> None:
        self.bot_url = (bot_url or os.environ.get("BOT_RASA_URL") or DEFAULT_BOT_URL).rstrip("/")
        self.timeout = timeout

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        url = f"{self.bot_url}/conversations/{quote(conversation_id, safe='')}/tracker"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as http:
                async with http.get(url, params={"include_events": "ALL"}) as answer:
                    if answer.status != 200:
                        raise TranscriptUnavailable(f"the bot answered {answer.status}")
                    return await answer.json(content_type=None)
        except (aiohttp.ClientError, OSError, ValueError, asyncio.TimeoutError) as error:
            raise TranscriptUnavailable(f"the bot at {self.bot_url} could not be reached: {error}") from None


def _at(timestamp: Optional[float]) -> Optional[str]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None).isoformat() + "Z"


def _customer_text(event: Dict[str, Any]) -> str:
    metadata = event.get("metadata") or {}
    text = (metadata.get("display_text") if isinstance(metadata, dict) else None) or event.get("text") or ""
    if text.startswith("/"):
        return PAYLOAD_WORDS.get(text.split("{")[0], f"（点击）{text}")
    return text


def messages(events: List[Dict[str, Any]], answers: List[BotAnswer]) -> List[Dict[str, Any]]:
    """The conversation as the agent reads it, each customer question with what retrieval found for it."""
    shown: List[Dict[str, Any]] = []
    for event in events:
        if event.get("event") == "user":
            shown.append({"role": "customer", "text": mask_text(_customer_text(event)), "at": _at(event.get("timestamp")),
                          "timestamp": event.get("timestamp") or 0.0})
        elif event.get("event") == "bot" and event.get("text"):
            metadata = event.get("metadata") or {}
            name = metadata.get("sender_name") if isinstance(metadata, dict) else None
            shown.append({"role": "agent" if name else "bot", "sender_name": name, "text": mask_text(event["text"]),
                          "at": _at(event.get("timestamp")), "timestamp": event.get("timestamp") or 0.0})
    # Each recorded decision belongs to the last customer message before it.
    customers = [m for m in shown if m["role"] == "customer"]
    for answer in answers:
        at = answer.at.replace(tzinfo=timezone.utc).timestamp()
        asked = [m for m in customers if m["timestamp"] <= at + 1]
        if asked:
            asked[-1]["retrieval"] = answer.as_dict()
    for message in shown:
        del message["timestamp"]
    return shown


def remedy_assessment(slots: Dict[str, Any]) -> Optional[str]:
    facts = slots.get(REMEDY_FACTS)
    if not facts:
        return None
    return mask_text(render_assessment(Interview.resume(facts, slots.get(REMEDY_SKIPPED)).assessment()))


def complaints(conversation_id: str, database_url: Optional[str]) -> List[Dict[str, Any]]:
    return [
        {"ticket": view.ticket, "status": str(view.status), "deadline": china_time(view.status_deadline),
         "business": view.business_name, "product": view.product, "amount": str(view.amount),
         "facts": mask_text(view.facts), "demand": view.demand}
        for view in complaints_of(Customer(*customer_of(conversation_id)), url=database_url)
    ]


def case_context(conversation_id: str, tracker: Optional[Dict[str, Any]], database_url: Optional[str]) -> dict:
    """Everything beside the case's own history; ``tracker`` is None when the bot could not be asked."""
    answers = answers_in(conversation_id, url=database_url)
    return {
        "transcript": messages(tracker.get("events") or [], answers) if tracker else None,
        "remedy": remedy_assessment(tracker.get("slots") or {}) if tracker else None,
        "complaints": complaints(conversation_id, database_url),
    }
