"""The shared store: where it lives, migrations, transactions, and the guarantees models rely on."""
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

import bot.complaints.models  # noqa: F401  (all tables on the metadata)
import bot.console.sessions  # noqa: F401
import bot.desk.models  # noqa: F401
from bot.complaints.lifecycle import Status
from bot.complaints.models import AppendOnlyViolation, Complaint, ComplaintEvent, CustomerContact
from bot.paths import REPO_ROOT
from bot.store import Base, database_url, engine, ensure_migrated, migrate, session_scope
from bot.store.database import MIGRATIONS_DIR


def test_default_database_is_a_sqlite_file_in_the_var_dir(isolated_var_dir):
    assert database_url() == f"sqlite:///{isolated_var_dir / 'bot.db'}"


def test_database_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("BOT_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/bot")
    assert database_url() == "postgresql+psycopg2://postgres@127.0.0.1:5432/bot"


def test_migrate_without_arguments_creates_the_default_database(isolated_var_dir):
    migrate()
    assert (isolated_var_dir / "bot.db").exists()
    assert {"complaints", "complaint_events", "customer_contacts"} <= set(inspect(engine()).get_table_names())


def test_migrations_create_exactly_the_models(database_url):
    with engine(database_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        version = connection.execute(text("select version_num from alembic_version")).scalar()
        assert version == head == "0006_agent_amount_limit"


def test_migrating_twice_changes_nothing(database_url):
    migrate(database_url)
    with engine(database_url).connect() as connection:
        assert connection.execute(text("select count(*) from alembic_version")).scalar() == 1


def _complaint(session) -> Complaint:
    contact = CustomerContact(channel="rest", sender_id="u1", created_at=datetime(2026, 11, 22))
    complaint = Complaint(
        ticket="TS-20261122-000001", contact=contact, created_at=datetime(2026, 11, 22),
        status_value=Status.ACCEPTED.value, status_entered_at=datetime(2026, 11, 22),
        business_name="某超市", product="牛奶", purchase_date=date(2026, 11, 20), amount=Decimal("0.10"),
        facts="牛奶过期了还在卖", demands=["退款"], contacted_business=False, evidence=[],
    )
    session.add(complaint)
    session.flush()
    complaint.record("created", contact.actor, now=datetime(2026, 11, 22))
    return complaint


def test_the_first_requests_of_a_new_deployment_all_find_the_schema(unmigrated_database_url):
    """An action server's first customers arrive together, on pool threads, beside other processes starting up:
    each first use migrates, and none of them may fail (a failed migration was a customer's failed turn)."""
    def first_use(_):
        ensure_migrated(unmigrated_database_url)
        with session_scope(unmigrated_database_url) as session:
            return session.execute(text("select count(*) from complaints")).scalar()

    others = [subprocess.Popen([sys.executable, "-c", "import sys; from bot.store import migrate; migrate(sys.argv[1])",
                                unmigrated_database_url], cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(first_use, range(8), timeout=120)) == [0] * 8
    for other in others:
        assert other.wait(timeout=120) == 0, other.stderr.read()
    with engine(unmigrated_database_url).connect() as connection:
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert connection.execute(text("select version_num from alembic_version")).scalars().all() == [head]


def test_session_scope_commits_when_the_block_succeeds(database_url):
    with session_scope(database_url) as session:
        _complaint(session)
    with session_scope(database_url) as session:
        assert session.execute(select(Complaint.ticket)).scalars().all() == ["TS-20261122-000001"]


def test_session_scope_rolls_back_when_the_block_raises(database_url):
    with pytest.raises(RuntimeError):
        with session_scope(database_url) as session:
            _complaint(session)
            session.flush()
            raise RuntimeError("boom")
    with session_scope(database_url) as session:
        assert session.execute(select(Complaint)).first() is None


def test_money_is_stored_exactly(database_url):
    with session_scope(database_url) as session:
        complaint = _complaint(session)
        complaint.amount = Decimal("0.1") + Decimal("0.2")
    with session_scope(database_url) as session:
        assert session.execute(select(Complaint.amount)).scalar() == Decimal("0.30")


def test_orm_refuses_to_change_or_delete_history(database_url):
    with session_scope(database_url) as session:
        _complaint(session)
    with pytest.raises(AppendOnlyViolation):
        with session_scope(database_url) as session:
            session.execute(select(ComplaintEvent)).scalar_one().note = "rewritten"
    with pytest.raises(AppendOnlyViolation):
        with session_scope(database_url) as session:
            session.delete(session.execute(select(ComplaintEvent)).scalar_one())


@pytest.mark.parametrize("statement", ["UPDATE complaint_events SET note = 'x'", "DELETE FROM complaint_events"])
def test_database_refuses_to_change_or_delete_history(database_url, statement):
    with session_scope(database_url) as session:
        _complaint(session)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine(database_url).begin() as connection:
            connection.execute(text(statement))
    with session_scope(database_url) as session:
        assert session.execute(select(ComplaintEvent.action)).scalars().all() == ["created"]
