"""Rasa's SQL tracker store with every conversation event encrypted at rest.

Rasa's own ``SQLTrackerStore`` keeps each event as plain JSON, so a phone or ID number a customer types into the
chat would sit in the database in clear text. This store is the same in every behaviour (configure it in
``endpoints.yml`` with ``type: bot.store.rasa_tracker.EncryptedSQLTrackerStore`` and the usual ``dialect``/``db``/
``host`` settings) except that the event's JSON is a Fernet token (:mod:`bot.store.crypto`, the key the complaint
store uses). The columns Rasa queries on — sender id, event type, timestamp, intent and action names — stay clear:
they hold no personal data.

Four more differences, all for speed (``scripts/profile_turns.py``, ``scripts/bench_load.py --long 200``):

- a long conversation is loaded for a turn as its state and its recent turns: each slot's last value, the events
  that set the active form, a pause or a restart, and the events from the ``recent_events``-th last on, starting
  at a listen (unless an earlier event undoes others: then the whole session, as Rasa does). What to load is
  decided in the database from the clear columns of the session's last rows, so a turn's work does not grow with
  the conversation; the policies look at the last few turns only (``max_history: 5``). The full history stays in
  the database and is what the HTTP API and the console's transcript read (``retrieve_full_tracker``).
- a conversation this server loaded or saved last is read from memory on its next turn (:class:`LoadedSessions`),
  once one query has shown that its rows are as this server left them: no other server wrote to it since;
- the latest session's start is looked up once per query, not joined to every row (see ``_event_query``);
- on SQLite a connection is kept, in write-ahead-log mode (see ``_keep_sqlite_connections``).
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.session)
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.ext.declarative import declarative_base
from sqlalchemy.pool import QueuePool

from bot.store.crypto import EncryptedText


# Events before the recent part that set what the tracker is in. A slot's last value is enough (a later reset or
# restart is kept too, in order); anything that depends on the turn around it (follow-ups, interruptions) is over.
STATE_EVENTS = ("reset_slots", "active_loop", "pause", "resume", "restart", "session_started")
# Events that undo earlier ones: replayed without what they undo they would undo the wrong events, so a session
# with one before its recent part is loaded whole, as Rasa loads it.
REVERTING_EVENTS = ("rewind", "undo")
# The policies look at the last 5 states (max_history: 5 in config.yml), a few turns; 50 events hold four or more.
RECENT_EVENTS = 50
# Conversations whose loaded events a server keeps in memory: tens of MB at most (each up to 101 events of JSON).
CACHED_CONVERSATIONS = 500

# A conversation's newest row id and its number of rows: another server's write changes both.
Stamp = Tuple[Optional[int], int]


class LoadedSessions:
    """The events a server last loaded or saved for each of its recent conversations, as JSON in the clear, with
    the conversation's stamp in the database at that moment. A turn reads a conversation from here when the stamp
    has not changed, so it skips the rows' fetch and decryption and the queries that pick the state and recent
    events. Bounded twice: least recently used conversations go first, and a conversation whose events grew past
    ``max_events`` is read from the database again (which loads its state and recent turns only)."""

    def __init__(self, size: int, max_events: int) -> None:
        self.size, self.max_events = size, max_events
        self._entries: "OrderedDict[str, Tuple[Stamp, List[str]]]" = OrderedDict()

    def get(self, sender_id: str, stamp: Stamp) -> Optional[List[str]]:
        entry = self._entries.get(sender_id)
        if entry is None or entry[0] != stamp:
            return None
        self._entries.move_to_end(sender_id)
        return entry[1]

    def put(self, sender_id: str, stamp: Stamp, events: List[str]) -> None:
        if self.size <= 0 or len(events) > self.max_events:
            self._entries.pop(sender_id, None)
            return
        self._entries[sender_id] = (stamp, events)
        self._entries.move_to_end(sender_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def extend(self, sender_id: str, before: Stamp, after: Stamp, new_events: List[str]) -> None:
        """After a save: the new events join the kept ones if those were still the conversation's (stamp
        ``before``); otherwise the conversation is read from the database next time."""
        entry = self._entries.get(sender_id)
        if entry is None or entry[0] != before:
            self.drop(sender_id)
        else:
            self.put(sender_id, after, entry[1] + new_events)

    def drop(self, sender_id: str) -> None:
        self._entries.pop(sender_id, None)


class EncryptedSQLTrackerStore(SQLTrackerStore):
    Base = declarative_base()

    def __init__(self, *args, recent_events: int = RECENT_EVENTS, cached_conversations: int = CACHED_CONVERSATIONS,
                 **kwargs) -> None:
        # 0 loads every event of the session, as Rasa's own store does (and then nothing is kept in memory).
        self.recent_events = int(recent_events)
        # Per conversation, how many stored events of its session the last load left out (save counts from it).
        self._left_out: Dict[str, int] = {}
        # Kept no longer than a session the database would load whole: a turn's work stays bounded as before.
        self._loaded = LoadedSessions(int(cached_conversations) if self.recent_events else 0,
                                      max_events=2 * self.recent_events + 1)
        super().__init__(*args, **kwargs)
        # Rasa's create_all makes a missing table with its indexes, but adds nothing to a table made before them.
        for index in self.SQLEvent.__table__.indexes:
            try:
                index.create(self.engine, checkfirst=True)
            except sa.exc.DBAPIError:
                # Several Rasa servers start at once: another one made it between the check and the create.
                if index.name not in {i["name"] for i in sa.inspect(self.engine).get_indexes(index.table.name)}:
                    raise
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

        # A turn's queries read one conversation's rows newest first, or its rows of a few types (the session's
        # start, slots, state events): with these they read index entries of that conversation only, in order,
        # instead of fetching every row of it and sorting (``scripts/bench_tracker_store.py``).
        __table_args__ = (sa.Index("ix_conversation_events_sender_id_id", "sender_id", "id"),
                          sa.Index("ix_conversation_events_sender_type", "sender_id", "type_name", "id"))

    def _event_query(self, session, sender_id: str, fetch_events_from_all_sessions: bool):
        """Rasa's query for a conversation's events, with the latest session's start looked up first. Rasa joins it
        as a subquery, and PostgreSQL's planner (on a table with no statistics yet) ran that subquery again for
        every event: loading a 200-turn conversation took 0.3–0.7 s, growing with the square of its length."""
        Event = self.SQLEvent
        query = session.query(Event).filter(Event.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            start = session.query(sa.func.max(Event.timestamp)) \
                .filter(Event.sender_id == sender_id, Event.type_name == SessionStarted.type_name).scalar()
            if start is not None:
                query = query.filter(Event.timestamp >= start)
        return query.order_by(Event.id)

    def _stamp(self, session, sender_id: str) -> Stamp:
        """Read from the (sender id, id) index alone."""
        Event = self.SQLEvent
        return tuple(session.query(sa.func.max(Event.id), sa.func.count(Event.id))
                     .filter(Event.sender_id == sender_id).one())

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        if fetch_events_from_all_sessions or not self.recent_events:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            stamp = self._stamp(session, sender_id)
            events = self._loaded.get(sender_id, stamp)
            if events is None:
                events = self._load(session, sender_id)
                if events:
                    self._loaded.put(sender_id, stamp, events)
        if not events or not self.domain:
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(event) for event in events], self.domain.slots)

    def _load(self, session, sender_id: str) -> List[str]:
        """The JSON of the latest session's events a turn needs: all of them, or its state and recent turns."""
        whole = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        wanted = self._state_and_recent(whole)
        rows = (whole if wanted is None else whole.filter(wanted)).with_entities(self.SQLEvent.data).all()
        # Only long sessions are remembered: one entry per conversation in this process would grow forever.
        if wanted is not None:
            self._left_out[sender_id] = self._count(whole) - len(rows)
        else:
            self._left_out.pop(sender_id, None)
        return [row.data for row in rows]

    def _state_and_recent(self, query):
        """A filter for the events of a long session to load, or None to load them all. Decided from the clear
        columns in the database: only the index's last rows are read, so the work does not grow with the session.
        """
        Event = self.SQLEvent
        index = query.with_entities(Event.id, Event.type_name, Event.action_name).order_by(None)
        tail = index.order_by(Event.id.desc()).limit(2 * self.recent_events + 1).all()[::-1]
        if len(tail) <= 2 * self.recent_events:
            return None
        # The recent part starts at a listen, so its first turn reads as Rasa wrote it.
        start = next((row.id for row in tail[-self.recent_events:]
                      if row.type_name == "action" and row.action_name == ACTION_LISTEN_NAME), None)
        if start is None:
            return None
        before = index.filter(Event.id < start)
        if before.filter(Event.type_name.in_(REVERTING_EVENTS)).first() is not None:
            return None
        # For a slot, ``action_name`` holds the slot's name: its last value before the recent part is enough.
        last_values = before.filter(Event.type_name == "slot").with_entities(sa.func.max(Event.id)) \
            .group_by(Event.action_name)
        state = before.filter(Event.type_name.in_(STATE_EVENTS)).with_entities(Event.id)
        return sa.or_(Event.id >= start, Event.id.in_([row[0] for row in [*last_values, *state]]))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save (the new events, each a row), keeping the conversation's events in memory for its next turn."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            before = self._stamp(session, tracker.sender_id)
            rows, new_events, new_session = [], [], False
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                new_events.append(json.dumps(data))
                new_session = new_session or isinstance(event, SessionStarted)
                rows.append(self.SQLEvent(
                    sender_id=tracker.sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"), data=new_events[-1]))
            session.add_all(rows)
            session.flush()  # assigns the ids, read below without a query per row after the commit
            after = (max([row.id for row in rows], default=before[0]), before[1] + len(rows))
            session.commit()
        if new_session:
            # A turn loads the latest session only: what is kept holds the one before.
            self._loaded.drop(tracker.sender_id)
        else:
            self._loaded.extend(tracker.sender_id, before, after, new_events)

    def _count(self, query) -> int:
        """The rows of an event query, counted in the index (``Query.count`` selects every column in a subquery)."""
        return query.order_by(None).with_entities(sa.func.count(self.SQLEvent.id)).scalar()

    def _additional_events(self, session, tracker: DialogueStateTracker):
        """The tracker's events not stored yet: it holds the stored ones minus those its load left out."""
        stored = self._count(self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False))
        held = stored - self._left_out.get(tracker.sender_id, 0)
        return itertools.islice(tracker.events, held, len(tracker.events))

