"""comments.unhidden_at: a comment hidden and shown again says so in exports

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import db.models


revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('comments') as batch:
        batch.add_column(sa.Column('unhidden_at', db.models.UTCDateTime(timezone=True), nullable=True))
    # Comments shown again before this column existed: the audit log names them
    # ("message:<group>:<message>"), read here rather than matched in SQL, which would
    # differ between SQLite and PostgreSQL.
    connection = op.get_bind()
    shown_again = connection.execute(
        sa.text(
            "SELECT target, MAX(created_at) FROM audit_log "
            "WHERE action = 'unhide' GROUP BY target"
        )
    ).all()
    for target, at in shown_again:
        kind, _, rest = (target or "").partition(":")
        chat, _, message = rest.partition(":")
        if kind != "message" or not chat.lstrip("-").isdigit() or not message.isdigit():
            continue
        connection.execute(
            sa.text(
                "UPDATE comments SET unhidden_at = :at "
                "WHERE chat_id = :chat AND message_id = :message AND hidden = :no"
            ),
            {"at": at, "chat": int(chat), "message": int(message), "no": False},
        )


def downgrade() -> None:
    with op.batch_alter_table('comments') as batch:
        batch.drop_column('unhidden_at')
