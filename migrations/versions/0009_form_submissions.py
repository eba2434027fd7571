"""form submissions (one-time form keys), one live landing per point and destination

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-30 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision = '0009'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('formsubmission',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_formsubmission_user_id_user')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_formsubmission'))
    )
    with op.batch_alter_table('formsubmission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_formsubmission_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_formsubmission_user_id'), ['user_id'], unique=False)

    # Landings that two people made at the same moment before this index existed: keep the
    # first live one, archive the others (archived, not deleted: the threads tell both).
    op.execute(
        "UPDATE landing SET archived = true WHERE archived = false AND id NOT IN ("
        "SELECT MIN(id) FROM landing WHERE archived = false GROUP BY point_id, destination_id)"
    )
    op.create_index('uq_landing_live', 'landing', ['point_id', 'destination_id'], unique=True,
                    sqlite_where=sa.text('archived = 0'), postgresql_where=sa.text('NOT archived'))


def downgrade() -> None:
    op.drop_index('uq_landing_live', table_name='landing',
                  sqlite_where=sa.text('archived = 0'), postgresql_where=sa.text('NOT archived'))
    with op.batch_alter_table('formsubmission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_formsubmission_user_id'))
        batch_op.drop_index(batch_op.f('ix_formsubmission_created_at'))

    op.drop_table('formsubmission')
