"""letter texts: the answer letters' opening and closing, stored per consultation

Revision ID: 0007
Revises: 0011
Create Date: 2026-11-30 00:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing consultations get "" (= the standard texts).
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter_opening', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('letter_closing', sa.Text(), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    # Not recreated on SQLite (3.35+ drops a column in place): other tables refer to
    # consultation, and with foreign keys on, dropping the old copy would fail.
    with op.batch_alter_table('consultation', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('letter_closing')
        batch_op.drop_column('letter_opening')
