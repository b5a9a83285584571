"""Helpers for action tests in the style of RasaHQ/financial-demo: a tracker from a dict, a collecting dispatcher."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str,
    intent: str = "ask_rights",
    slots: Optional[Dict[str, Any]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    sender_id: str = "action-test",
    events: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    """The tracker as an action sees it; ``events`` are the conversation so far, ending with this message."""
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
            },
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def knowledge_reply(service, text: str) -> str:
    """What the knowledge base tells a customer who asks ``text``: its answer, its choice, or its fallback."""
    from bot.knowledge import ANSWER, CLARIFY
    from bot.knowledge.reply import answer_text, clarify_prompt, fallback_prompt

    decision = service.ask(text)
    if decision.kind == ANSWER:
        return answer_text(decision.hits[0].entry)
    return (clarify_prompt(decision) if decision.kind == CLARIFY else fallback_prompt())[0]


def bot_said(text: str, buttons: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": buttons or []}}


def user_said(text: str) -> Dict[str, Any]:
    return {"event": "user", "text": text}


@pytest.fixture(autouse=True)
def own_database(tmp_path, monkeypatch):
    """What the actions store (answers, hand-off cases, complaints) goes to a database of the test's own."""
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
