"""user: a count of the changes to the user's thread marks, for keeping "Nieuw" per reader

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-02 21:15:00

"Nieuw" depends on how far the reader has seen each thread (threadvisit). Reading that state
for a cache key would cost what the reader has seen (a secretary who marked everything read
holds 20,000 marks); every write of marks raises this number instead (consult.follows), so
a page of "Nieuw" can be kept per reader state and asked for by one indexed read.
"""
import sqlalchemy as sa
from alembic import op

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marks_revision', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('marks_revision')
