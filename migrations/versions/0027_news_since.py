"""user.news_since, user.news_floor: new reactions are news for the secretariat

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 12:10:00

Points logged by someone else (a colleague, or a board submitting its advice) after this
moment count in the secretariat's "Nieuw" even in threads never opened. Existing accounts
start now, so an installation's backlog does not become news at once. ``news_floor``: no
entry up to that message id is news (0 here: what existing accounts have not seen stays new;
"Mark all as read" and new accounts set it).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('news_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('news_floor', sa.Integer(), nullable=False,
                                      server_default='0'))
    user = sa.table('user', sa.column('news_since', sa.DateTime(timezone=True)))
    op.execute(user.update().values(news_since=datetime.now(UTC)))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('news_floor')
        batch_op.drop_column('news_since')
