"""The declarative base all models share, with constraint names that are stable across databases.

Alembic needs named constraints to alter them later (SQLite cannot drop an unnamed one), so every index,
unique and foreign key gets a name derived from its table and columns.
"""
from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import registry

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

mapper_registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))
Base = mapper_registry.generate_base()
