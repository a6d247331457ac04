"""inbox ordering keys: what must be handled in arrival order, for several processes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WAITING = sa.text("processed_at IS NULL AND quarantined_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('inbox_updates') as batch:
        batch.add_column(sa.Column('ordering_key', sa.String(length=96), nullable=True))
    op.create_index(
        'ix_inbox_updates_waiting_key',
        'inbox_updates',
        ['ordering_key', 'update_id'],
        unique=False,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index('ix_inbox_updates_waiting_key', table_name='inbox_updates')
    with op.batch_alter_table('inbox_updates') as batch:
        batch.drop_column('ordering_key')
