"""summary requests: an admin's confirmed [Post it], stored until the schedule runs it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import db.models


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'summary_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.String(length=16), nullable=False),
        sa.Column('requested_by', sa.BigInteger(), nullable=False),
        sa.Column('requested_at', db.models.UTCDateTime(), nullable=False),
        sa.Column('done_at', db.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['channel_id'], ['channels.id'],
            name=op.f('fk_summary_requests_channel_id_channels'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_requests')),
    )
    op.create_index(
        op.f('ix_summary_requests_done_at'), 'summary_requests', ['done_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_summary_requests_done_at'), table_name='summary_requests')
    op.drop_table('summary_requests')
