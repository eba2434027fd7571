"""search_document.body dropped: written with every document, never read

Revision ID: 0035
Revises: 0034_h3
Create Date: 2026-12-01 02:00:00

The PostgreSQL search backend matches and ranks on ``terms`` and takes snippets from the
source rows (search.run), so the document's text was ~15 % of every row for nothing: a common
word's matches are read from ~one heap page each, and narrower rows mean fewer pages. The
space of the old values is reused once the documents are written again (the next reindex,
or as they change) and autovacuum has run. On SQLite the table is empty.
"""
import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0034_h3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_column('body')


def downgrade() -> None:
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.String(), nullable=False, server_default=''))
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.alter_column('body', server_default=None)
