"""search_document.stakeholders, search_document.skinds: every sender of an answer

Revision ID: 0034_h3
Revises: 0033
Create Date: 2026-11-30 23:00:00

An answer shared by points of several stakeholders (one answer for a theme) was filed under
its first sender only, so the stakeholder facet and filter missed it for the others. The
arrays hold every stakeholder id and kind of a document (GIN index on stakeholders for the
``@>`` filter); the analysis version changed with them, so the PostgreSQL backend rebuilds
its documents at start and fills them. On SQLite the table stays empty (JSON columns).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0034_h3'
down_revision = '0033'
branch_labels = None
depends_on = None

VALUES = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), 'postgresql')


def upgrade() -> None:
    empty = sa.text("'{}'") if op.get_context().dialect.name == 'postgresql' \
        else sa.text("'[]'")
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stakeholders', VALUES, nullable=False,
                                      server_default=empty))
        batch_op.add_column(sa.Column('skinds', VALUES, nullable=False, server_default=empty))
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.alter_column('stakeholders', server_default=None)
        batch_op.alter_column('skinds', server_default=None)
        batch_op.create_index('ix_search_document_stakeholders', ['stakeholders'],
                              unique=False, postgresql_using='gin')


def downgrade() -> None:
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index('ix_search_document_stakeholders', postgresql_using='gin')
        batch_op.drop_column('skinds')
        batch_op.drop_column('stakeholders')
