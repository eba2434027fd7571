"""message: an index on (point_id, archived, kind, author_id) for "Nieuw"

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-02 10:00:00

"Nieuw" and the menu's count find the unseen entries of the points a reader cares about (a
council's 1,569 points at 120k points): per point its entries, each checked for being live,
not the reader's own and not a system line in a thread never opened. With these columns in
the index that check needs no message row (4,211 rows read before). ix_message_point_id
stays: reading a thread in order goes through it.
"""
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_message_point_news', 'message',
                    ['point_id', 'archived', 'kind', 'author_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_message_point_news', table_name='message')
