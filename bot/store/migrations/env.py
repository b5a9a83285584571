"""Alembic environment for the shared store.

Run programmatically by ``bot.store.migrate`` (which passes an open connection) or from the command line
with ``alembic`` (which connects to ``bot.store.database_url()``).
"""
from logging.config import fileConfig

from alembic import context

import bot.complaints.models  # noqa: F401  (registers the tables for --autogenerate)
import bot.console.sessions  # noqa: F401
import bot.desk.models  # noqa: F401  (registers the desk tables)
import bot.knowledge.answer_log  # noqa: F401
from bot.store import Base, database_url, engine

config = context.config
# Only the alembic command line configures logging; inside the bot it must not replace the app's handlers.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode makes later migrations work there too.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    with engine(database_url()).connect() as connection:
        _configure(connection)
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations_online()
