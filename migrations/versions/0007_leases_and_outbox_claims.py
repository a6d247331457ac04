"""leases and outbox claims, for several bot processes on one database

``leases``: who does the work only one process may do (publishing, summaries, retention),
until when; renewed while it runs, taken over once it expires. ``outbox.claimed_until``:
a process sending a message holds it until then, so no other sends it too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import db.models


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'leases',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=128), nullable=False),
        sa.Column('expires_at', db.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('claimed_until', db.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('claimed_until')
    op.drop_table('leases')
