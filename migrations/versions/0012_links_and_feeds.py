"""link_imports, feeds, feed_items, articles.lead_image_url: articles from a link or a feed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import db.models


revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None
_TIME = db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('articles') as batch:
        batch.add_column(sa.Column('lead_image_url', sa.Text(), nullable=True))
    op.create_table(
        'link_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('lessons', sa.String(length=200), nullable=True),
        sa.Column('requested_by', sa.BigInteger(), nullable=False),
        sa.Column('requested_at', _TIME, nullable=False),
        sa.Column('claimed_until', _TIME, nullable=True),
        sa.Column('done_at', _TIME, nullable=True),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_link_imports_channel_id_channels'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_link_imports')),
    )
    op.create_index(op.f('ix_link_imports_done_at'), 'link_imports', ['done_at'])
    op.create_table(
        'feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('title', sa.Text(), nullable=True),
        sa.Column('from_config', sa.Boolean(), nullable=False),
        sa.Column('added_by', sa.BigInteger(), nullable=True),
        sa.Column('added_at', _TIME, nullable=False),
        sa.Column('next_check_at', _TIME, nullable=False),
        sa.Column('checked_at', _TIME, nullable=True),
        sa.Column('etag', sa.Text(), nullable=True),
        sa.Column('last_modified', sa.Text(), nullable=True),
        sa.Column('last_item_title', sa.Text(), nullable=True),
        sa.Column('last_item_at', _TIME, nullable=True),
        sa.Column('failure', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_feeds_channel_id_channels'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feeds')),
        sa.UniqueConstraint('channel_id', 'url', name=op.f('uq_feeds_channel_id_url')),
    )
    op.create_index(op.f('ix_feeds_next_check_at'), 'feeds', ['next_check_at'])
    op.create_table(
        'feed_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=True),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('link', sa.Text(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('seen_at', _TIME, nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_feed_items_channel_id_channels'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['feed_id'], ['feeds.id'], name=op.f('fk_feed_items_feed_id_feeds'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_feed_items_article_id_articles'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_items')),
        sa.UniqueConstraint('channel_id', 'key', name=op.f('uq_feed_items_channel_id_key')),
    )
    op.create_index(op.f('ix_feed_items_state'), 'feed_items', ['state'])


def downgrade() -> None:
    op.drop_table('feed_items')
    op.drop_table('feeds')
    op.drop_table('link_imports')
    with op.batch_alter_table('articles') as batch:
        batch.drop_column('lead_image_url')
