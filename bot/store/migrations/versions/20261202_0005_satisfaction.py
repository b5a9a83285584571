"""desk: customers' satisfaction ratings of closed cases (append-only, one per case) and when they were asked

Revision ID: 0005_satisfaction
Revises: 0004_bot_answers
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

from bot.store.append_only import create_append_only_triggers, drop_append_only_triggers

revision = '0005_satisfaction'
down_revision = '0004_bot_answers'
branch_labels = None
depends_on = None


# Plain ADD COLUMN, not batch mode: on SQLite a batch copies the table (see 0003).
def upgrade() -> None:
    op.add_column('handoffs', sa.Column('satisfaction_asked_at', sa.DateTime(), nullable=True))
    op.create_table('desk_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_desk_ratings_score_1_to_5')),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_desk_ratings_handoff_id_handoffs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_ratings')),
    sa.UniqueConstraint('handoff_id', name=op.f('uq_desk_ratings_handoff_id'))
    )
    create_append_only_triggers(op, 'desk_ratings')


def downgrade() -> None:
    drop_append_only_triggers(op, 'desk_ratings')
    op.drop_table('desk_ratings')
    op.drop_column('handoffs', 'satisfaction_asked_at')
