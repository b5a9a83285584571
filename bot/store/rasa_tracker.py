"""Rasa's SQL tracker store with every conversation event encrypted at rest.

Rasa's own ``SQLTrackerStore`` keeps each event as plain JSON, so a phone or ID number a customer types into the
chat would sit in the database in clear text. This store is the same in every behaviour (configure it in
``endpoints.yml`` with ``type: bot.store.rasa_tracker.EncryptedSQLTrackerStore`` and the usual ``dialect``/``db``/
``host`` settings) except that the event's JSON is a Fernet token (:mod:`bot.store.crypto`, the key the complaint
store uses). The columns Rasa queries on — sender id, event type, timestamp, intent and action names — stay clear:
they hold no personal data.

Two more differences, both for speed (``scripts/profile_turns.py``, ``scripts/bench_load.py --long 200``):

- a long conversation is loaded for a turn as its state and its recent turns: each slot's last value, the events
  that set the active form, a pause or a restart, and the events from the ``recent_events``-th last on, starting
  at a listen (unless an earlier event undoes others: then the whole session, as Rasa does). Rasa's own store decodes the whole session every turn, so a reply's time grew with the
  conversation; the policies look at the last few turns only (``max_history: 5``). The full history stays in the
  database and is what the HTTP API and the console's transcript read (``retrieve_full_tracker``).
- on SQLite a connection is kept, in write-ahead-log mode (see ``_keep_sqlite_connections``).
"""
from __future__ import annotations

import itertools
import json
from typing import Dict, Optional

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.session)
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.ext.declarative import declarative_base
from sqlalchemy.pool import QueuePool

from bot.store.crypto import EncryptedText


# Events before the recent part that set what the tracker is in. A slot's last value is enough (a later reset or
# restart is kept too, in order); anything that depends on the turn around it (follow-ups, interruptions) is over.
STATE_EVENTS = ("reset_slots", "active_loop", "pause", "resume", "restart", "session_started")
# Events that undo earlier ones: replayed without what they undo they would undo the wrong events, so a session
# with one before its recent part is loaded whole, as Rasa loads it.
REVERTING_EVENTS = ("rewind", "undo")
RECENT_EVENTS = 100


class EncryptedSQLTrackerStore(SQLTrackerStore):
    Base = declarative_base()

    def __init__(self, *args, recent_events: int = RECENT_EVENTS, **kwargs) -> None:
        # 0 loads every event of the session, as Rasa's own store does.
        self.recent_events = int(recent_events)
        # Per conversation, how many stored events of its session the last load left out (save counts from it).
        self._left_out: Dict[str, int] = {}
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            self._keep_sqlite_connections()

    def _keep_sqlite_connections(self) -> None:
        """Rasa opens a new SQLite connection for every read and write of a turn and syncs every commit to disk;
        a kept connection in write-ahead-log mode does neither (commits survive a crash of the process)."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})

        @sa.event.listens_for(self.engine, "connect")
        def _write_ahead_log(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA journal_mode = WAL")
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")

        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    class SQLEvent(Base):
        # Its own table: rows of Rasa's plain "events" table (and of an SQL event broker, which also wants
        # "events") are never mixed with encrypted ones.
        __tablename__ = "conversation_events"

        id = sa.Column(sa.Integer, primary_key=True)
        sender_id = sa.Column(sa.String(255), nullable=False, index=True)
        type_name = sa.Column(sa.String(255), nullable=False)
        timestamp = sa.Column(sa.Float)
        intent_name = sa.Column(sa.String(255))
        action_name = sa.Column(sa.String(255))
        data = sa.Column(EncryptedText)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        if fetch_events_from_all_sessions or not self.recent_events:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        Event = self.SQLEvent
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            # The clear columns only: nothing is decrypted or parsed to decide what to load.
            index = query.with_entities(Event.id, Event.type_name, Event.action_name).all()
            wanted = _state_and_recent(index, self.recent_events)
            if wanted is not None:
                query = query.filter(Event.id.in_(wanted))
            rows = query.all()
            # Only long sessions are remembered: one entry per conversation in this process would grow forever.
            if len(rows) < len(index):
                self._left_out[sender_id] = len(index) - len(rows)
            else:
                self._left_out.pop(sender_id, None)
            if not rows or not self.domain:
                return None
            return DialogueStateTracker.from_dict(sender_id, [json.loads(row.data) for row in rows], self.domain.slots)

    def _additional_events(self, session, tracker: DialogueStateTracker):
        """The tracker's events not stored yet: it holds the stored ones minus those its load left out."""
        stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        held = stored - self._left_out.get(tracker.sender_id, 0)
        return itertools.islice(tracker.events, held, len(tracker.events))


def _state_and_recent(index, recent_events: int) -> Optional[list]:
    """The ids to load of a session's ``(id, type_name, action_name)`` rows (for a slot, ``action_name`` is the
    slot's name), or None for all of them."""
    if len(index) <= 2 * recent_events:
        return None
    # The recent part starts at a listen, so its first turn reads as Rasa wrote it.
    start = next((n for n in range(len(index) - recent_events, len(index))
                  if index[n].type_name == "action" and index[n].action_name == ACTION_LISTEN_NAME), None)
    if start is None or any(row.type_name in REVERTING_EVENTS for row in index[:start]):
        return None
    last_value = {row.action_name: row.id for row in index[:start] if row.type_name == "slot"}
    state = [row.id for row in index[:start] if row.type_name in STATE_EVENTS]
    return sorted([*last_value.values(), *state, *(row.id for row in index[start:])])
