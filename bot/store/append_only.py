"""Append-only history tables: evidence of who did what, which nobody may change or delete afterwards.

Two guards: the ORM refuses to flush a change to an :class:`AppendOnly` row (a clear Python error), and the
database itself refuses ``UPDATE`` and ``DELETE`` through triggers that migrations create with
:func:`create_append_only_triggers` (so a hand-written SQL statement cannot rewrite history either).
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session


class AppendOnlyViolation(RuntimeError):
    """Someone tried to change or delete a row of an append-only history."""


class AppendOnly:
    """Mixin for models whose rows, once written, are never changed or removed."""

    __history_name__ = "history"


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, _flush_context, _instances) -> None:
    for row in list(session.dirty) + list(session.deleted):
        if isinstance(row, AppendOnly) and (row in session.deleted or session.is_modified(row)):
            raise AppendOnlyViolation(
                f"{row.__history_name__} {row.id} is part of the append-only history and cannot be changed or deleted"
            )


def create_append_only_triggers(op, table: str) -> None:
    """In a migration: make the database refuse UPDATE and DELETE on ``table``."""
    message = f"{table} is append-only"
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    elif dialect == "sqlite":
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def drop_append_only_triggers(op, table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION {table}_append_only()")
