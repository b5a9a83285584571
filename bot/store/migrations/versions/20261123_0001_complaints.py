"""complaints: customer contacts, complaints, their append-only history, and daily ticket counters

Revision ID: 0001_complaints
Revises:
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from bot.store.append_only import create_append_only_triggers, drop_append_only_triggers

revision = "0001_complaints"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("sender_id", sa.String(200), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("phone", sa.Text()),
        sa.Column("id_number", sa.Text()),
        sa.Column("consent_at", sa.DateTime()),
        sa.Column("consent_version", sa.String(20)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("anonymised_at", sa.DateTime()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contacts")),
        sa.UniqueConstraint("channel", "sender_id", name=op.f("uq_customer_contacts_channel_sender_id")),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket", sa.String(20), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("status_entered_at", sa.DateTime(), nullable=False),
        sa.Column("status_deadline", sa.DateTime()),
        sa.Column("closed_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("business_name", sa.String(200), nullable=False),
        sa.Column("business_platform", sa.String(100)),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("purchase_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),  # yuan × 100, exact everywhere
        sa.Column("order_number", sa.String(100)),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("demands", sa.JSON(), nullable=False),
        sa.Column("compensation_fen", sa.BigInteger()),
        sa.Column("compensation_multiple", sa.Integer()),
        sa.Column("demand_detail", sa.Text()),
        sa.Column("contacted_business", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["customer_contacts.id"], name=op.f("fk_complaints_contact_id_customer_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("ticket", name=op.f("uq_complaints_ticket")),
    )
    op.create_index(op.f("ix_complaints_contact_id"), "complaints", ["contact_id"])
    op.create_index(op.f("ix_complaints_status"), "complaints", ["status"])
    op.create_index(op.f("ix_complaints_status_deadline"), "complaints", ["status_deadline"])
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_status", sa.String(10)),
        sa.Column("to_status", sa.String(10)),
        sa.Column("note", sa.Text()),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_events_complaint_id_complaints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_events")),
    )
    op.create_index(op.f("ix_complaint_events_complaint_id"), "complaint_events", ["complaint_id"])
    # The history is evidence: the database itself refuses UPDATE and DELETE on it.
    create_append_only_triggers(op, "complaint_events")
    op.create_table(
        "ticket_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ticket_counters")),
    )


def downgrade() -> None:
    drop_append_only_triggers(op, "complaint_events")
    op.drop_table("ticket_counters")
    op.drop_table("complaint_events")
    op.drop_table("complaints")
    op.drop_table("customer_contacts")
