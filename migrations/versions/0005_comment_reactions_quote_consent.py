"""comment reactions and quote consent

Per-person reactions to comments (``message_reaction``) rank the weekly digest's
representative comments; ``users.quote_consent`` records /quote on|off; a lesson's
comments of one week are found by index for the digest's key phrases.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import db.models


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'comment_reactions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('message_id', sa.BigInteger(), nullable=False),
        sa.Column('reactor_id', sa.BigInteger(), nullable=False),
        sa.Column('reactions', sa.JSON(), nullable=False),
        sa.Column('updated_at', db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('chat_id', 'message_id', 'reactor_id'),
    )
    with op.batch_alter_table('comment_reactions', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_comment_reactions_reactor_id'), ['reactor_id'], unique=False
        )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_consent', sa.Boolean(), nullable=True))

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_lesson_created', ['lesson_id', 'created_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_lesson_created')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('quote_consent')

    with op.batch_alter_table('comment_reactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_reactions_reactor_id'))

    op.drop_table('comment_reactions')
