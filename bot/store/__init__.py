"""The one database layer every concept shares.

Everything that talks to the database goes through here: :func:`database_url` decides where the data lives
(``BOT_DATABASE_URL``, else a SQLite file under the var directory), :func:`engine` creates one engine per URL,
:func:`session_scope` hands out a transaction (:func:`read_scope` one that only reads), and :func:`migrate` brings a database to the newest schema with
Alembic. Models of every concept derive from :data:`Base`, so one metadata describes the whole schema.
"""
from bot.store.base import Base
from bot.store.database import database_url, engine, ensure_migrated, migrate, read_scope, session_scope

__all__ = ["Base", "database_url", "engine", "ensure_migrated", "migrate", "read_scope", "session_scope"]
