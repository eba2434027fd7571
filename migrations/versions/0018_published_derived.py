"""consultation.published is derived from the lifecycle state, no longer stored

The flag was kept in step with status by consult.lifecycle (status == "published"); a column
that can only ever repeat another one can also disagree with it. Models.Consultation.published
is now a property.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('published')


def downgrade() -> None:
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE consultation SET published = (status = 'published')")
