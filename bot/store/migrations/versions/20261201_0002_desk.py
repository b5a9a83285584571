"""desk: agents, hand-off cases with their first-contact owner, the append-only case history, ownership offers,
notifications, console login sessions

Revision ID: 0002_desk
Revises: 0001_complaints
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

from bot.store.append_only import create_append_only_triggers, drop_append_only_triggers

revision = '0002_desk'
down_revision = '0001_complaints'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('desk_agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_agents')),
    sa.UniqueConstraint('username', name=op.f('uq_desk_agents_username'))
    )
    op.create_table('handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('skill', sa.String(length=32), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('with_person', sa.Boolean(), nullable=False),
    sa.Column('callback_requested', sa.Boolean(), nullable=False),
    sa.Column('callback_due', sa.DateTime(), nullable=True),
    sa.Column('first_contact_owner_id', sa.Integer(), nullable=True),
    sa.Column('current_agent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('first_response_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('confirmation_due', sa.DateTime(), nullable=True),
    sa.Column('confirmation_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('claimed_at IS NULL OR first_contact_owner_id IS NOT NULL', name=op.f('ck_handoffs_owned_once_claimed')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_handoffs_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['current_agent_id'], ['desk_agents.id'], name=op.f('fk_handoffs_current_agent_id_desk_agents')),
    sa.ForeignKeyConstraint(['first_contact_owner_id'], ['desk_agents.id'], name=op.f('fk_handoffs_first_contact_owner_id_desk_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoffs'))
    )
    op.create_index(op.f('ix_handoffs_complaint_id'), 'handoffs', ['complaint_id'])
    op.create_index(op.f('ix_handoffs_conversation_id'), 'handoffs', ['conversation_id'])
    op.create_index(op.f('ix_handoffs_current_agent_id'), 'handoffs', ['current_agent_id'])
    op.create_index(op.f('ix_handoffs_first_contact_owner_id'), 'handoffs', ['first_contact_owner_id'])
    op.create_index(op.f('ix_handoffs_status'), 'handoffs', ['status'])
    op.create_table('desk_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['desk_agents.id'], name=op.f('fk_desk_notifications_agent_id_desk_agents')),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_desk_notifications_handoff_id_handoffs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_notifications'))
    )
    op.create_index(op.f('ix_desk_notifications_agent_id'), 'desk_notifications', ['agent_id'])
    op.create_index(op.f('ix_desk_notifications_handoff_id'), 'desk_notifications', ['handoff_id'])
    op.create_table('handoff_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.Column('from_agent_id', sa.Integer(), nullable=True),
    sa.Column('to_agent_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['from_agent_id'], ['desk_agents.id'], name=op.f('fk_handoff_events_from_agent_id_desk_agents')),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_handoff_events_handoff_id_handoffs')),
    sa.ForeignKeyConstraint(['to_agent_id'], ['desk_agents.id'], name=op.f('fk_handoff_events_to_agent_id_desk_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_events'))
    )
    op.create_index(op.f('ix_handoff_events_handoff_id'), 'handoff_events', ['handoff_id'])
    # Who did what to a case, and who answered for it, is evidence: the database refuses to rewrite it.
    create_append_only_triggers(op, 'handoff_events')
    op.create_table('console_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['desk_agents.id'], name=op.f('fk_console_sessions_agent_id_desk_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_console_sessions_token_hash'))
    )
    op.create_index(op.f('ix_console_sessions_agent_id'), 'console_sessions', ['agent_id'])
    op.create_table('ownership_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('from_agent_id', sa.Integer(), nullable=False),
    sa.Column('to_agent_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('offered_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['from_agent_id'], ['desk_agents.id'], name=op.f('fk_ownership_offers_from_agent_id_desk_agents')),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_ownership_offers_handoff_id_handoffs')),
    sa.ForeignKeyConstraint(['to_agent_id'], ['desk_agents.id'], name=op.f('fk_ownership_offers_to_agent_id_desk_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ownership_offers'))
    )
    op.create_index(op.f('ix_ownership_offers_handoff_id'), 'ownership_offers', ['handoff_id'])
    op.create_index(op.f('ix_ownership_offers_to_agent_id'), 'ownership_offers', ['to_agent_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_ownership_offers_to_agent_id'), table_name='ownership_offers')
    op.drop_index(op.f('ix_ownership_offers_handoff_id'), table_name='ownership_offers')
    op.drop_table('ownership_offers')
    op.drop_index(op.f('ix_console_sessions_agent_id'), table_name='console_sessions')
    op.drop_table('console_sessions')
    op.drop_index(op.f('ix_handoff_events_handoff_id'), table_name='handoff_events')
    drop_append_only_triggers(op, 'handoff_events')
    op.drop_table('handoff_events')
    op.drop_index(op.f('ix_desk_notifications_handoff_id'), table_name='desk_notifications')
    op.drop_index(op.f('ix_desk_notifications_agent_id'), table_name='desk_notifications')
    op.drop_table('desk_notifications')
    op.drop_index(op.f('ix_handoffs_status'), table_name='handoffs')
    op.drop_index(op.f('ix_handoffs_first_contact_owner_id'), table_name='handoffs')
    op.drop_index(op.f('ix_handoffs_current_agent_id'), table_name='handoffs')
    op.drop_index(op.f('ix_handoffs_conversation_id'), table_name='handoffs')
    op.drop_index(op.f('ix_handoffs_complaint_id'), table_name='handoffs')
    op.drop_table('handoffs')
    op.drop_table('desk_agents')
