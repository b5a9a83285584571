"""The laws the knowledge base may cite, and which of their articles exist.

``knowledge/laws.yml`` was made once from the statute texts we check facts against; it holds article numbers
only. A citation to an article outside it is a mistake we want `kb validate` to catch.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Optional

import yaml

from bot.knowledge.model import LegalBasis
from bot.paths import KNOWLEDGE_DIR


@dataclass(frozen=True)
class Law:
    key: str
    title: str
    articles: FrozenSet[int]
    # True when we never had the text to check numbers against: cite by name only.
    unchecked: bool = False


def load_laws(root: Path = KNOWLEDGE_DIR) -> Dict[str, Law]:
    raw = yaml.safe_load((root / "laws.yml").read_text(encoding="utf-8"))["laws"]
    laws = {}
    for key, spec in raw.items():
        articles = spec.get("articles") or []
        if isinstance(articles, dict):
            articles = range(articles["first"], articles["last"] + 1)
        laws[key] = Law(key, spec["title"], frozenset(articles), bool(spec.get("unchecked")))
    return laws


def citation_problem(basis: LegalBasis, laws: Dict[str, Law]) -> Optional[str]:
    """Why this citation is wrong, or None when it names a real article of a known law."""
    law = laws.get(basis.law)
    if law is None:
        return f"unknown law {basis.law!r} (known: {', '.join(sorted(laws))})"
    if law.unchecked:
        if basis.article is not None:
            return f"{basis.law} has no checked article numbers: cite it by name only"
        return None
    if basis.article is None:
        return f"citation of {basis.law} needs an article number"
    if basis.article not in law.articles:
        return f"{basis.law} has no article {basis.article} in the text we checked"
    return None
