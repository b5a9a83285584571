"""Every article we cite exists in knowledge/laws.yml, and every example in the docs does what it says."""
from __future__ import annotations

import json

import pytest

from bot.knowledge.laws import citation_problem, load_laws
from bot.paths import KNOWLEDGE_DIR, REPO_ROOT
from bot.remedies import DISPUTE_PATHS, RULES, TELECOM_ROUTE, CaseFacts, assess
from bot.remedies.terms import RULES as TERM_RULES

LAWS = load_laws()
CITED = (
    [(f"remedy {rule.id}", basis) for rule in RULES for basis in rule.legal_basis]
    + [(f"term {rule.kind}", basis) for rule in TERM_RULES for basis in rule.legal_basis]
    + [(f"path {path.name}", basis) for path in DISPUTE_PATHS + TELECOM_ROUTE for basis in path.legal_basis]
)


@pytest.mark.parametrize("where, basis", CITED, ids=[f"{w}:{b.cite()}" for w, b in CITED])
def test_citation_exists(where, basis):
    assert citation_problem(basis, LAWS) is None


EXAMPLES = sorted((KNOWLEDGE_DIR / "remedies" / "examples").glob("*.json"))


def test_one_example_per_remedy():
    assert {path.stem for path in EXAMPLES} == {rule.id for rule in RULES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_grants_its_remedy_and_is_in_the_docs(path):
    facts = json.loads(path.read_text(encoding="utf-8"))
    assessment = assess(CaseFacts.from_dict(facts))
    assert assessment.remedy(path.stem) is not None
    assert assessment.missing_facts == ()
    docs = (REPO_ROOT / "docs" / "remedies.md").read_text(encoding="utf-8")
    assert json.dumps(facts, ensure_ascii=False) in docs
