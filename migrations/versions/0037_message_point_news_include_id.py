"""message: on PostgreSQL ix_message_point_news carries the entry's id (INCLUDE), so "Nieuw"
reads it from the index alone

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-02 13:40:00

"Nieuw", the menu's count (asked after every page) and "mark all as read" take, per unseen
entry, its id (newest first, counted after the reader's mark). On SQLite every index holds the
row id, so 0036's index answered alone; a PostgreSQL index does not, so the planner read the
entries through ix_message_point_id and fetched every message row (a council's 3,918 entries,
8,000 buffers: 6.9 ms of a 10.4 ms statement at 120k points). With the id included: an
index-only scan, 3.9 ms, no heap fetch once autovacuum has marked the pages visible. SQLite:
nothing changes.
"""
from alembic import op

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None

COLUMNS = ['point_id', 'archived', 'kind', 'author_id']


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_message_point_news', table_name='message')
    op.create_index('ix_message_point_news', 'message', COLUMNS, unique=False,
                    postgresql_include=['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_message_point_news', table_name='message')
    op.create_index('ix_message_point_news', 'message', COLUMNS, unique=False)
