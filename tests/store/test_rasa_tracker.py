"""What a customer types into the chat is not stored in clear text, and the conversation still reads back whole."""
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered, UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.event import listen
from sqlalchemy.engine import make_url

from bot.paths import REPO_ROOT
from bot.store.rasa_tracker import EncryptedSQLTrackerStore

PHONE = "13812345678"


def tracker_store(database_url: str, **options) -> EncryptedSQLTrackerStore:
    url = make_url(database_url)
    domain = Domain.load(str(REPO_ROOT / "domain"))
    if url.get_backend_name() == "sqlite":
        return EncryptedSQLTrackerStore(domain, dialect="sqlite", db=url.database, **options)
    return EncryptedSQLTrackerStore(domain, dialect="postgresql", host=url.host, port=url.port, db=url.database,
                                    username=url.username, **options)


@pytest.fixture
def store(database_url):
    return tracker_store(database_url)


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


@pytest.mark.asyncio
@pytest.mark.parametrize("kept_in_memory", [0, 500], ids=["from-the-database", "kept-in-memory"])
async def test_a_long_conversation_is_loaded_as_its_state_and_recent_turns_and_stored_whole(database_url,
                                                                                             kept_in_memory):
    store = tracker_store(database_url, recent_events=20, cached_conversations=kept_in_memory)
    domain = store.domain
    tracker = DialogueStateTracker.from_events("web:long", [ActionExecuted("action_listen")], domain.slots)
    tracker.update(SlotSet("last_entry_id", "warranty_01"))
    tracker.update(SlotSet("last_entry_id", "return_7day_01"))  # its last value, then never set again
    for turn in range(60):  # 4 events a turn: 240 in all, over twice the recent part
        tracker.update(UserUttered(f"第{turn}个问题", {"name": "ask_rights", "confidence": 0.9}))
        tracker.update(ActionExecuted("action_answer_question"))
        tracker.update(BotUttered(f"第{turn}个回答"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
        tracker = await store.retrieve("web:long")

    # What a turn loads: the slot from the start, and the last turns from a listen on; what a server keeps in
    # memory between turns grows no larger than a session the database would load whole.
    assert tracker.get_slot("last_entry_id") == "return_7day_01"
    assert tracker.latest_message.text == "第59个问题"
    events = list(tracker.events)
    if kept_in_memory:
        assert len(events) <= 2 * 20 + 1
    else:
        assert len(events) <= 1 + 20
        assert events[0] == SlotSet("last_entry_id", "return_7day_01") and events[1] == ActionExecuted("action_listen")

    # A new turn on the loaded tracker stores exactly its new events, and the full history reads back whole.
    tracker.update(UserUttered("最后一个问题"))
    await store.save(tracker)
    full = await store.retrieve_full_tracker("web:long")
    texts = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert texts == [f"第{turn}个问题" for turn in range(60)] + ["最后一个问题"]
    assert len(full.events) == 3 + 60 * 4 + 1


@pytest.mark.asyncio
async def test_a_long_conversation_with_an_undone_turn_early_on_is_loaded_whole(database_url):
    store = tracker_store(database_url, recent_events=20)
    domain = store.domain
    # The fallback undoes the customer's turn (Rasa's action_default_fallback): replayed without the turn, the
    # revert would undo the slot instead.
    tracker = DialogueStateTracker.from_events("web:reverted", [
        ActionExecuted("action_listen"), UserUttered("你好"), SlotSet("last_entry_id", "return_7day_01"),
        ActionExecuted("action_listen"), UserUttered("？？"), ActionExecuted("action_default_fallback"),
        UserUtteranceReverted(), ActionExecuted("action_listen"),
    ], domain.slots)
    for turn in range(30):
        tracker.update(UserUttered(f"第{turn}个问题"))
        tracker.update(BotUttered(f"第{turn}个回答"))
        tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)

    loaded = await store.retrieve("web:reverted")
    assert len(loaded.events) == len(tracker.events)
    assert loaded.get_slot("last_entry_id") == "return_7day_01"


@pytest.mark.asyncio
async def test_a_returning_customer_gets_the_new_session_and_the_transcript_keeps_both(store):
    earlier = [ActionExecuted("action_session_start", timestamp=100.0), SessionStarted(timestamp=100.0),
               ActionExecuted("action_listen", timestamp=100.0), UserUttered("快递丢了谁负责", timestamp=101.0),
               SlotSet("last_entry_id", "express_delivery_01", timestamp=101.0),
               BotUttered("由商家承担运输风险。", timestamp=102.0)]
    tracker = DialogueStateTracker.from_events("web:returning", earlier, store.domain.slots)
    await store.save(tracker)
    # Days later: Rasa starts a new session (the slot is not carried over) and the customer asks again.
    for event in [ActionExecuted("action_session_start", timestamp=900.0), SessionStarted(timestamp=900.0),
                  ActionExecuted("action_listen", timestamp=900.0), UserUttered("七天无理由怎么算", timestamp=901.0)]:
        tracker.update(event)
    await store.save(tracker)

    loaded = await store.retrieve("web:returning")
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["七天无理由怎么算"]
    assert loaded.get_slot("last_entry_id") is None
    loaded.update(BotUttered("从收到货的次日起算七天。", timestamp=902.0))
    await store.save(loaded)  # only the reply is new

    full = await store.retrieve_full_tracker("web:returning")
    assert [e.text for e in full.events if isinstance(e, (UserUttered, BotUttered))] == [
        "快递丢了谁负责", "由商家承担运输风险。", "七天无理由怎么算", "从收到货的次日起算七天。"]


def reads_of_event_rows(store: EncryptedSQLTrackerStore) -> list:
    """The statements that fetch events' (encrypted) data, recorded as the store runs them."""
    statements: list = []
    listen(store.engine, "before_cursor_execute",
           lambda _conn, _cursor, statement, *_: statements.append(statement)
           if "conversation_events.data" in statement and statement.lstrip().upper().startswith("SELECT") else None)
    return statements


@pytest.mark.asyncio
async def test_the_next_turn_of_a_conversation_this_server_saved_reads_no_event_rows(database_url):
    store, elsewhere = tracker_store(database_url), tracker_store(database_url, cached_conversations=0)
    tracker = DialogueStateTracker.from_events("web:warm", [
        ActionExecuted("action_listen"), UserUttered(f"电话{PHONE}", {"name": "inform", "confidence": 0.9}),
        SlotSet("last_entry_id", "return_7day_01"), BotUttered("好的"), ActionExecuted("action_listen")],
        store.domain.slots)
    await store.save(tracker)
    assert (await store.retrieve("web:warm")) is not None  # the first load reads the rows
    reads = reads_of_event_rows(store)

    for turn in range(3):
        tracker = await store.retrieve("web:warm")
        tracker.update(UserUttered(f"第{turn}个问题"))
        tracker.update(BotUttered(f"第{turn}个回答"))
        await store.save(tracker)

    assert reads == []
    # What it read from memory is what the database holds.
    assert [e.as_dict() for e in (await store.retrieve("web:warm")).events] == \
        [e.as_dict() for e in (await elsewhere.retrieve("web:warm")).events]


@pytest.mark.asyncio
async def test_two_servers_taking_turns_in_one_conversation_each_see_the_others_events(database_url):
    first, second = tracker_store(database_url), tracker_store(database_url)
    tracker = DialogueStateTracker.from_events("web:shared", [ActionExecuted("action_listen"), UserUttered("你好"),
                                                              BotUttered("您好"), ActionExecuted("action_listen")],
                                               first.domain.slots)
    await first.save(tracker)
    await first.retrieve("web:shared")  # the first server now keeps the conversation in memory

    on_second = await second.retrieve("web:shared")
    on_second.update(UserUttered("快递丢了谁负责"))
    on_second.update(SlotSet("last_entry_id", "express_delivery_01"))
    await second.save(on_second)

    on_first = await first.retrieve("web:shared")
    assert on_first.latest_message.text == "快递丢了谁负责"
    assert on_first.get_slot("last_entry_id") == "express_delivery_01"
    on_first.update(BotUttered("由商家承担运输风险。"))
    await first.save(on_first)
    full = await second.retrieve_full_tracker("web:shared")
    assert [e.text for e in full.events if isinstance(e, (UserUttered, BotUttered))] == [
        "你好", "您好", "快递丢了谁负责", "由商家承担运输风险。"]


@pytest.mark.asyncio
async def test_a_table_from_before_the_turn_indexes_gets_them_and_its_conversations_still_load(database_url):
    store = tracker_store(database_url)
    tracker = DialogueStateTracker.from_events("web:old", [ActionExecuted("action_listen"), UserUttered("七天无理由")],
                                               store.domain.slots)
    await store.save(tracker)
    engine = create_engine(database_url)
    wanted = {"ix_conversation_events_sender_id_id", "ix_conversation_events_sender_type"}
    with engine.begin() as connection:  # the table as an earlier release made it
        for name in wanted:
            connection.execute(text(f"DROP INDEX {name}"))
    assert not wanted & {i["name"] for i in inspect(engine).get_indexes("conversation_events")}

    reopened, again = tracker_store(database_url), tracker_store(database_url)  # the second finds them made

    assert wanted <= {i["name"] for i in inspect(engine).get_indexes("conversation_events")}
    for store in (reopened, again):
        assert (await store.retrieve("web:old")).latest_message.text == "七天无理由"
    engine.dispose()
