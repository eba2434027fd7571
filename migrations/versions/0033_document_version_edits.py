"""documentversion.removed, documentversion.version: versions can be re-dated, renamed and
removed (with undo), and a stale form is told apart

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-30 19:45:00

A version pasted by mistake or dated wrongly (2199) stayed the newest for good. A removed
version is kept (removed = true) so that "Ongedaan maken" brings it back; `version` counts the
changes of label and date so that a form showing an older one gets a 409.
"""
import sqlalchemy as sa
from alembic import op


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documentversion') as batch:
        batch.add_column(sa.Column('removed', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                   server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('documentversion') as batch:
        batch.drop_column('version')
        batch.drop_column('removed')
