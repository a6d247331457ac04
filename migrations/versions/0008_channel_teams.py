"""channel teams: roles, audit entries and articles belong to a channel; notices wait

``roles.channel_id``: a granted role reaches one channel. Grants made before (global)
become one grant in every channel that exists, so nobody loses a right on upgrade.
``audit_log.channel_id``: the channel an action concerns, for that team's /audit.
``articles.imported_by``: who imported it. The same text may be imported once per
channel (each team its own article), not once for the whole bot.
``buttons.argument`` grows to carry an import's file.
``outbox.waiting_since``: a message to a person who has not started the bot waits for
them instead of failing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import db.models


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('roles') as batch:
        batch.add_column(sa.Column('channel_id', sa.Integer(), nullable=True))
        batch.drop_constraint('uq_roles_user_id_role', type_='unique')
    op.execute(
        "INSERT INTO roles (user_id, role, channel_id, granted_by, granted_at) "
        "SELECT roles.user_id, roles.role, channels.id, roles.granted_by, roles.granted_at "
        "FROM roles CROSS JOIN channels WHERE roles.channel_id IS NULL"
    )
    op.execute("DELETE FROM roles WHERE channel_id IS NULL")
    with op.batch_alter_table('roles') as batch:
        batch.alter_column('channel_id', existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(
            'uq_roles_user_id_role_channel_id', ['user_id', 'role', 'channel_id']
        )
        batch.create_foreign_key(
            'fk_roles_channel_id_channels', 'channels', ['channel_id'], ['id'],
            ondelete='CASCADE',
        )
        batch.create_index('ix_roles_channel_id', ['channel_id'], unique=False)
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('channel_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            'fk_audit_log_channel_id_channels', 'channels', ['channel_id'], ['id'],
            ondelete='SET NULL',
        )
        batch.create_index('ix_audit_log_channel_id', ['channel_id'], unique=False)
    with op.batch_alter_table('articles') as batch:
        batch.add_column(sa.Column('imported_by', sa.BigInteger(), nullable=True))
        batch.drop_constraint('uq_articles_content_hash', type_='unique')
        batch.create_unique_constraint(
            'uq_articles_content_hash_channel_id', ['content_hash', 'channel_id']
        )
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('waiting_since', db.models.UTCDateTime(), nullable=True))
    # A button may carry what it needs to finish a request (an import's file and channel).
    with op.batch_alter_table('buttons') as batch:
        batch.alter_column(
            'argument', existing_type=sa.String(length=64), type_=sa.String(length=1024)
        )


def downgrade() -> None:
    with op.batch_alter_table('buttons') as batch:
        batch.alter_column(
            'argument', existing_type=sa.String(length=1024), type_=sa.String(length=64)
        )
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('waiting_since')
    with op.batch_alter_table('articles') as batch:
        batch.drop_constraint('uq_articles_content_hash_channel_id', type_='unique')
        batch.create_unique_constraint('uq_articles_content_hash', ['content_hash'])
        batch.drop_column('imported_by')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_index('ix_audit_log_channel_id')
        batch.drop_constraint('fk_audit_log_channel_id_channels', type_='foreignkey')
        batch.drop_column('channel_id')
    # A grant in any channel becomes the global grant it was before.
    op.execute(
        "DELETE FROM roles WHERE id NOT IN "
        "(SELECT min(id) FROM roles GROUP BY user_id, role)"
    )
    with op.batch_alter_table('roles') as batch:
        batch.drop_index('ix_roles_channel_id')
        batch.drop_constraint('fk_roles_channel_id_channels', type_='foreignkey')
        batch.drop_constraint('uq_roles_user_id_role_channel_id', type_='unique')
        batch.drop_column('channel_id')
        batch.create_unique_constraint('uq_roles_user_id_role', ['user_id', 'role'])
