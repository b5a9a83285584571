"""Column types shared by every concept's models."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.types import BigInteger, TypeDecorator


class Money(TypeDecorator):
    """An amount in yuan, as a Decimal in Python and a whole number of fen (分) in the database.

    SQLite has no exact decimal type; integers are exact on every database, so amounts never drift.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))
