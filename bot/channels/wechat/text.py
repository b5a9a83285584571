"""Turning Rasa's bot messages into what a WeChat text message can carry, and the user's answer back.

WeChat text has no buttons: they become numbered choices ("回复数字：1. … 2. …") and the user answers with the
digit or the title typed in full; the offered buttons are remembered per user (in the channel state) so the
answer maps back to the button's payload. A text message carries at most ``limit`` bytes of UTF-8, so long
answers are split at paragraph, then sentence boundaries, never inside a character.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, List, Optional

CHOICE_PROMPT = "回复数字："
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


def render_messages(messages: Iterable[dict]) -> tuple:
    """``(text, buttons)`` for a turn's bot messages: texts joined by blank lines, buttons as numbered choices.

    Only the last message's buttons can be answered, as in the web widget: the choices belong to it.
    """
    parts: List[str] = []
    offered: List[dict] = []
    for message in messages:
        text = (message.get("text") or "").strip()
        if message.get("image"):  # WeChat text cannot embed it; a link still reaches it
            text = f"{text}\n{message['image']}".strip()
        sender_name = message.get("sender_name")
        if text and sender_name:
            text = f"【{sender_name}】{text}"
        buttons = [b for b in message.get("buttons") or [] if b.get("title") and b.get("payload")]
        if buttons:
            offered = [{"title": str(b["title"]), "payload": str(b["payload"])} for b in buttons]
            choices = "\n".join(f"{number}. {b['title']}" for number, b in enumerate(offered, 1))
            text = f"{text}\n{CHOICE_PROMPT}\n{choices}" if text else f"{CHOICE_PROMPT}\n{choices}"
        elif text:
            offered = []
        if text:
            parts.append(text)
    return "\n\n".join(parts), offered


def chosen_payload(text: str, offered: List[dict]) -> Optional[str]:
    """The payload of the button the user picked by number (half- or full-width) or by its exact title."""
    if not offered:
        return None
    answer = unicodedata.normalize("NFKC", text).strip().rstrip("。.")
    if answer.isdigit() and 1 <= int(answer) <= len(offered):
        return offered[int(answer) - 1]["payload"]
    for button in offered:
        if unicodedata.normalize("NFKC", button["title"]).strip() == answer:
            return button["payload"]
    return None


def split_text(text: str, limit: int) -> List[str]:
    """Pieces of at most ``limit`` UTF-8 bytes, cut between paragraphs, else sentences, else characters."""
    pieces: List[str] = []
    current = ""
    for separator, unit in _units(text, limit):
        candidate = f"{current}{separator}{unit}" if current else unit
        if len(candidate.encode("utf-8")) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = unit
    if current:
        pieces.append(current)
    return pieces


def _units(text: str, limit: int) -> Iterable[tuple]:
    """``(separator, unit)``: whole paragraphs where they fit, else their sentences, else runs of characters."""
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if _fits(paragraph, limit):
            yield "\n\n", paragraph
            continue
        separator = "\n\n"
        for sentence in _SENTENCE_END.split(paragraph):
            if not sentence:
                continue
            if _fits(sentence, limit):
                yield separator, sentence
                separator = ""
                continue
            chunk = ""
            for character in sentence:
                if not _fits(chunk + character, limit):
                    yield separator, chunk
                    separator, chunk = "", ""
                chunk += character
            if chunk:
                yield separator, chunk
                separator = ""


def _fits(text: str, limit: int) -> bool:
    return len(text.encode("utf-8")) <= limit
