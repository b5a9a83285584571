"""What a customer types into the chat is not stored in clear text, and the conversation still reads back whole."""
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.paths import REPO_ROOT
from bot.store.rasa_tracker import EncryptedSQLTrackerStore

PHONE = "13812345678"


@pytest.fixture
def store(database_url):
    url = make_url(database_url)
    domain = Domain.load(str(REPO_ROOT / "domain"))
    if url.get_backend_name() == "sqlite":
        return EncryptedSQLTrackerStore(domain, dialect="sqlite", db=url.database)
    return EncryptedSQLTrackerStore(domain, dialect="postgresql", host=url.host, port=url.port, db=url.database,
                                    username=url.username)


@pytest.mark.asyncio
async def test_events_are_encrypted_at_rest_and_read_back_unchanged(store, database_url):
    tracker = DialogueStateTracker.from_events(
        "web:customer-1",
        [
            ActionExecuted("action_listen"),
            UserUttered(f"我叫张三，电话{PHONE}，商家不给退款", {"name": "file_complaint", "confidence": 0.9}),
            SlotSet("last_entry_id", "return_7day_01"),
            BotUttered("好的，我来帮您登记投诉。"),
        ],
    )
    await store.save(tracker)

    with create_engine(database_url).connect() as connection:
        rows = connection.execute(text("SELECT type_name, intent_name, data FROM conversation_events")).all()
    stored = " ".join(row.data for row in rows)
    assert PHONE not in stored and "张三" not in stored and "退款" not in stored
    assert all(row.data.startswith("gAAAA") for row in rows)  # Fernet tokens
    assert ("user", "file_complaint") in {(row.type_name, row.intent_name) for row in rows}

    restored = await store.retrieve("web:customer-1")
    assert restored.latest_message.text == f"我叫张三，电话{PHONE}，商家不给退款"
    assert restored.get_slot("last_entry_id") == "return_7day_01"
    assert [e.as_dict() for e in restored.events] == [e.as_dict() for e in tracker.events]

    # A later turn appends only the new events.
    tracker.update(UserUttered("谢谢"))
    await store.save(tracker)
    assert len((await store.retrieve("web:customer-1")).events) == 5
