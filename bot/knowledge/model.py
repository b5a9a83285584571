"""The knowledge base: entries written by us, each answering one customer question with its legal basis."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.paths import KNOWLEDGE_DIR


@dataclass(frozen=True)
class LegalBasis:
    law: str
    article: Optional[int] = None
    paragraph: Optional[int] = None

    def cite(self) -> str:
        """The citation as a Chinese reader expects it: 《消费者权益保护法》第55条第1款."""
        text = f"《{self.law}》"
        if self.article is not None:
            text += f"第{self.article}条"
            if self.paragraph is not None:
                text += f"第{self.paragraph}款"
        return text


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    question: str
    paraphrases: Tuple[str, ...]
    answer: str
    legal_basis: Tuple[LegalBasis, ...]
    reviewed_on: dt.date
    terms: Tuple[str, ...] = ()
    # False when customers asking this usually want a dialogue flow instead (e.g. "我的投诉到哪一步了" is a
    # status check): its wordings then do not train the ask_rights intent, though retrieval still finds it.
    train_nlu: bool = True
    source: Optional[Path] = field(default=None, compare=False)

    @property
    def texts(self) -> Tuple[str, ...]:
        """Every wording of the question we hold: the canonical one first."""
        return (self.question, *self.paraphrases)

    def citation(self) -> str:
        return "、".join(b.cite() for b in self.legal_basis)


class KnowledgeFormatError(ValueError):
    """An entry file that cannot be read as an entry; the message names the file and the problem."""


REQUIRED_FIELDS = ("id", "topic", "question", "paraphrases", "answer", "legal_basis", "reviewed_on")


def parse_entry(raw: object, source: Path) -> Entry:
    if not isinstance(raw, dict):
        raise KnowledgeFormatError(f"{source}: expected a mapping of fields, got {type(raw).__name__}")
    missing = [name for name in REQUIRED_FIELDS if raw.get(name) in (None, "")]
    if missing:
        raise KnowledgeFormatError(f"{source}: missing field(s): {', '.join(missing)}")
    if not isinstance(raw["paraphrases"], list) or not all(isinstance(p, str) for p in raw["paraphrases"]):
        raise KnowledgeFormatError(f"{source}: paraphrases must be a list of strings")
    if not isinstance(raw["legal_basis"], list):
        raise KnowledgeFormatError(f"{source}: legal_basis must be a list of {{law, article}}")
    basis = []
    for item in raw["legal_basis"]:
        if not isinstance(item, dict) or not item.get("law"):
            raise KnowledgeFormatError(f"{source}: every legal_basis item needs a law: {item!r}")
        try:
            basis.append(LegalBasis(str(item["law"]), _optional_int(item.get("article")), _optional_int(item.get("paragraph"))))
        except ValueError:
            raise KnowledgeFormatError(f"{source}: article and paragraph must be whole numbers: {item!r}") from None
    reviewed = raw["reviewed_on"]
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            raise KnowledgeFormatError(f"{source}: reviewed_on must be a date like 2026-11-23") from None
    if not isinstance(reviewed, dt.date):
        raise KnowledgeFormatError(f"{source}: reviewed_on must be a date like 2026-11-23")
    return Entry(
        id=str(raw["id"]),
        topic=str(raw["topic"]),
        question=str(raw["question"]).strip(),
        paraphrases=tuple(p.strip() for p in raw["paraphrases"]),
        answer=str(raw["answer"]).strip(),
        legal_basis=tuple(basis),
        reviewed_on=reviewed,
        terms=tuple(str(t) for t in raw.get("terms") or ()),
        train_nlu=bool(raw.get("train_nlu", True)),
        source=source,
    )


def _optional_int(value: object) -> Optional[int]:
    return None if value is None else int(value)


@dataclass(frozen=True)
class KnowledgeBase:
    entries: Tuple[Entry, ...]
    topics: Dict[str, str]
    fingerprint: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry:
        return self._by_id[entry_id]  # type: ignore[attr-defined]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.entries)

    def terms(self) -> List[str]:
        return sorted({t for e in self.entries for t in e.terms})


def entry_files(root: Path = KNOWLEDGE_DIR) -> List[Path]:
    return sorted((root / "entries").glob("*/*.yml"))


def load_topics(root: Path = KNOWLEDGE_DIR) -> Dict[str, str]:
    return dict(yaml.safe_load((root / "topics.yml").read_text(encoding="utf-8"))["topics"])


def load_knowledge_base(root: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Read every entry file. Raises KnowledgeFormatError naming the first unreadable file."""
    files = entry_files(root)
    digest = hashlib.sha256()
    entries = []
    for path in files:
        raw_bytes = path.read_bytes()
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + raw_bytes)
        try:
            raw = yaml.safe_load(raw_bytes.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise KnowledgeFormatError(f"{path}: not valid UTF-8 YAML: {exc}") from None
        entries.append(parse_entry(raw, path))
    return KnowledgeBase(tuple(entries), load_topics(root), digest.hexdigest()[:16])
