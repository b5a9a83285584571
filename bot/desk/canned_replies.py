"""Canned replies (常用回复) from ``canned_replies.yml``: text an agent inserts into a reply and edits before sending."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Tuple

import yaml

DEFAULT_CANNED_REPLIES_FILE = Path(__file__).resolve().parent / "canned_replies.yml"
_KEYS = {"title", "text", "skills"}


class CannedRepliesError(ValueError):
    """The file is unusable; the message says which reply and why."""


@dataclass(frozen=True)
class CannedReply:
    title: str
    text: str
    skills: Tuple[str, ...] = ()  # none: offered on every case

    def fits(self, skill: str) -> bool:
        return not self.skills or skill in self.skills


def load_canned_replies(
    path: Optional[Path] = None, known_skills: Optional[Iterable[str]] = None
) -> Tuple[CannedReply, ...]:
    """The replies in ``path`` (default ``BOT_CANNED_REPLIES``, else the shipped file). With ``known_skills``, a
    skill not among them is an error: a misspelt group would silently hide the reply."""
    path = Path(path or os.environ.get("BOT_CANNED_REPLIES") or DEFAULT_CANNED_REPLIES_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CannedRepliesError(f"cannot read canned replies {path}: {error}") from None
    items = raw.get("replies") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise CannedRepliesError(f"{path}: expected a non-empty list under 'replies:'")
    known = set(known_skills) if known_skills is not None else None
    replies, titles = [], set()
    for number, item in enumerate(items, start=1):
        where = f"{path}: reply {number}"
        if not isinstance(item, dict):
            raise CannedRepliesError(f"{where}: expected title and text")
        if set(item) - _KEYS:
            raise CannedRepliesError(f"{where}: unknown {sorted(set(item) - _KEYS)}; use title, text, skills")
        for key in ("title", "text"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise CannedRepliesError(f"{where}: '{key}' must be non-empty text")
        title = item["title"].strip()
        if title in titles:
            raise CannedRepliesError(f"{where}: the title {title!r} is used twice")
        skills = item.get("skills") or []
        if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
            raise CannedRepliesError(f"{where} ({title}): 'skills' must be a list of skill group names")
        if known is not None and set(skills) - known:
            raise CannedRepliesError(f"{where} ({title}): unknown skill {sorted(set(skills) - known)}; "
                                     f"the desk policy has {', '.join(sorted(known))}")
        titles.add(title)
        replies.append(CannedReply(title, item["text"].strip(), tuple(skills)))
    return tuple(replies)
