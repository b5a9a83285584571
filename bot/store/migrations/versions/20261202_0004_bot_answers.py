"""knowledge: what the bot answered per conversation (retrieval decision and top hits), for the desk

Revision ID: 0004_bot_answers
Revises: 0003_sealed_notes
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_bot_answers'
down_revision = '0003_sealed_notes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bot_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('answered_entry_id', sa.String(length=100), nullable=True),
    sa.Column('hits', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_answers'))
    )
    op.create_index(op.f('ix_bot_answers_conversation_id'), 'bot_answers', ['conversation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_bot_answers_conversation_id'), table_name='bot_answers')
    op.drop_table('bot_answers')
