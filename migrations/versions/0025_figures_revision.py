"""consultation.figures_revision: a revision that thread messages leave alone

Revision ID: 0025
Revises: 0021
Create Date: 2026-11-30 06:00:00

The figures a page shows (progress per reaction, the dashboard, the home page's tallies) are
kept per revision; every thread message raised the revision, so the busiest consultations
recounted everything after each comment. ``figures_revision`` moves with every change except
messages (consult/revisions.py).
"""
import sqlalchemy as sa
from alembic import op


revision = '0025'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('figures_revision', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('figures_revision')
