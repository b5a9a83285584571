"""desk: each agent's own limit on the amounts they may promise a customer (NULL: the policy's default)

Revision ID: 0006_agent_amount_limit
Revises: 0005_satisfaction
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_agent_amount_limit'
down_revision = '0005_satisfaction'
branch_labels = None
depends_on = None


# Plain ADD COLUMN, not batch mode: on SQLite a batch copies the table (see 0003).
def upgrade() -> None:
    op.add_column('desk_agents', sa.Column('amount_limit_yuan', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('desk_agents', 'amount_limit_yuan')
