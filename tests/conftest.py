"""Shared fixtures: the repository's knowledge service, loaded once per test session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def knowledge_service():
    from bot.knowledge.service import get_service

    return get_service()
