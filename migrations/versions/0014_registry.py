"""the stakeholder registry: contact e-mail, merged stakeholders, versions

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stakeholder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        # Existing rows start at version 1, as new ones do.
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.create_foreign_key(
            batch_op.f('fk_stakeholder_merged_into_id_stakeholder'), 'stakeholder',
            ['merged_into_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_stakeholder_merged_into_id'), ['merged_into_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stakeholder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stakeholder_merged_into_id'))
        batch_op.drop_constraint(batch_op.f('fk_stakeholder_merged_into_id_stakeholder'),
                                 type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('email')
