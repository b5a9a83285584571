"""`kb validate`: everything that must hold for the knowledge base before it is indexed or trained on."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import yaml

from bot.knowledge.laws import citation_problem, load_laws
from bot.knowledge.model import KnowledgeFormatError, entry_files, load_topics, parse_entry
from bot.paths import KNOWLEDGE_DIR
from bot.text import normalise

MIN_PARAPHRASES = 4
MIN_ANSWER_CHARS = 30


def validate(root: Path = KNOWLEDGE_DIR, today: dt.date | None = None) -> List[str]:
    """Every problem found, one readable line each; an empty list means the knowledge base is sound."""
    today = today or dt.date.today()
    topics = load_topics(root)
    laws = load_laws(root)
    problems: List[str] = []
    ids: Dict[str, Path] = {}
    texts: Dict[str, List[str]] = defaultdict(list)

    for path in entry_files(root):
        try:
            entry = parse_entry(yaml.safe_load(path.read_text(encoding="utf-8")), path)
        except (KnowledgeFormatError, yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(str(exc))
            continue
        where = path.relative_to(root).as_posix()
        if entry.id in ids:
            problems.append(f"{where}: duplicate id {entry.id} (also in {ids[entry.id].relative_to(root).as_posix()})")
        ids[entry.id] = path
        if entry.id != path.stem:
            problems.append(f"{where}: id {entry.id} does not match the file name")
        if entry.topic not in topics:
            problems.append(f"{where}: unknown topic {entry.topic!r}")
        elif path.parent.name != entry.topic:
            problems.append(f"{where}: topic {entry.topic} but the file is in {path.parent.name}/")
        if len(entry.paraphrases) < MIN_PARAPHRASES:
            problems.append(f"{where}: {len(entry.paraphrases)} paraphrases, at least {MIN_PARAPHRASES} needed")
        if len(entry.answer) < MIN_ANSWER_CHARS:
            problems.append(f"{where}: the answer is too short to help anyone")
        if entry.reviewed_on > today:
            problems.append(f"{where}: reviewed_on {entry.reviewed_on} is in the future")
        for basis in entry.legal_basis:
            problem = citation_problem(basis, laws)
            if problem:
                problems.append(f"{where}: {problem}")
        for text in entry.texts:
            texts[normalise(text)].append(entry.id)

    for text, owners in texts.items():
        if len(owners) > 1:
            problems.append(f"duplicate question text {text!r} in {', '.join(sorted(owners))}")
    return problems
