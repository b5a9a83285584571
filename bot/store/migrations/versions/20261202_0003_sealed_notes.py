"""desk: the original of a masked message kept encrypted beside it, for an audited reveal

Revision ID: 0003_sealed_notes
Revises: 0002_desk
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_sealed_notes'
down_revision = '0002_desk'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on purpose, not batch mode: on SQLite a batch copies the table, which would drop the
# append-only triggers of handoff_events. Adding or dropping a column updates no row, so the triggers stay quiet.
def upgrade() -> None:
    op.add_column('handoff_events', sa.Column('sealed_note', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('handoff_events', 'sealed_note')
