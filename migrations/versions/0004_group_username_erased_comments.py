"""discussion group title and username, erased comments

Exports link each comment (``t.me/<group>/<id>`` where the group is public) and
mark comments whose text /forget or retention erased.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import db.models


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discussion_title', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('discussion_username', sa.String(length=64), nullable=True))

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('erased_at', db.models.UTCDateTime(timezone=True), nullable=True)
        )

    # Comments erased before this revision: no text, no media and no author left. The
    # moment is unknown; the comment's own time stands in for it.
    op.execute(
        "UPDATE comments SET erased_at = created_at WHERE text = '' AND media_kind IS NULL "
        "AND user_id IS NULL AND sender_chat_title IS NULL"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('discussion_username')
        batch_op.drop_column('discussion_title')
