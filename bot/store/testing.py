"""Pytest fixtures for suites that need a real, migrated database — on SQLite and on PostgreSQL.

A conftest imports them (``from bot.store.testing import database_url, isolated_var_dir``); every test that
takes ``database_url`` then runs twice: on a fresh SQLite file and on a throwaway PostgreSQL database
(``complaints_test_<random>`` on 127.0.0.1:5432 as user postgres), dropped afterwards. If PostgreSQL is not
reachable the test fails when the ``CI`` environment variable is set, and is skipped with the reason otherwise.
"""
from __future__ import annotations

import os
import secrets

import psycopg2
import pytest
from psycopg2 import sql

from bot.store.database import dispose, migrate

POSTGRES_ADMIN_DSN = os.environ.get("BOT_TEST_POSTGRES_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(autouse=True)
def isolated_var_dir(tmp_path, monkeypatch):
    """Keys and SQLite files of each test live in its own directory; no configured key leaks in."""
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("BOT_FERNET_KEY", raising=False)
    monkeypatch.delenv("BOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("BOT_COMPLAINT_POLICY", raising=False)
    return tmp_path / "var"


def _admin_connection():
    try:
        connection = psycopg2.connect(POSTGRES_ADMIN_DSN, connect_timeout=3)
    except psycopg2.OperationalError as error:
        message = f"PostgreSQL is not reachable ({POSTGRES_ADMIN_DSN}): {error}".strip()
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    return connection


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, isolated_var_dir):
    """The URL of a freshly migrated, empty database."""
    yield from _throwaway_database(request.param, tmp_path, migrated=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_database_url(request, tmp_path, isolated_var_dir):
    """The URL of a database with no schema yet, as a new deployment's processes first see it."""
    yield from _throwaway_database(request.param, tmp_path, migrated=False)


def _throwaway_database(kind: str, tmp_path, migrated: bool):
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        if migrated:
            migrate(url)
        yield url
        dispose(url)
        return
    name = f"complaints_test_{secrets.token_hex(4)}"
    admin = _admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = POSTGRES_URL.format(name=name)
    try:
        if migrated:
            migrate(url)
        yield url
    finally:
        dispose(url)
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()
