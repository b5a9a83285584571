"""Rasa's SQL tracker store with every conversation event encrypted at rest.

Rasa's own ``SQLTrackerStore`` keeps each event as plain JSON, so a phone or ID number a customer types into the
chat would sit in the database in clear text. This store is the same in every behaviour (configure it in
``endpoints.yml`` with ``type: bot.store.rasa_tracker.EncryptedSQLTrackerStore`` and the usual ``dialect``/``db``/
``host`` settings) except that the event's JSON is a Fernet token (:mod:`bot.store.crypto`, the key the complaint
store uses). The columns Rasa queries on — sender id, event type, timestamp, intent and action names — stay clear:
they hold no personal data.
"""
from __future__ import annotations

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.ext.declarative import declarative_base

from bot.store.crypto import EncryptedText


class EncryptedSQLTrackerStore(SQLTrackerStore):
    Base = declarative_base()

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
