"""point versions: corrections of saved points (version column, merged-into pointer, versions)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A point is corrected under an optimistic lock (UPDATE ... WHERE version = <read>);
    # existing points start at version 1, their wording as logged.
    with op.batch_alter_table('point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_point_merged_into_id'), ['merged_into_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_point_merged_into_id_point'), 'point',
                                    ['merged_into_id'], ['id'])

    op.create_table('pointversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_pointversion_author_id_user')),
    sa.ForeignKeyConstraint(['point_id'], ['point.id'], name=op.f('fk_pointversion_point_id_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pointversion')),
    sa.UniqueConstraint('point_id', 'version', name=op.f('uq_pointversion_point_id'))
    )
    with op.batch_alter_table('pointversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pointversion_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pointversion_point_id'), ['point_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pointversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pointversion_point_id'))
        batch_op.drop_index(batch_op.f('ix_pointversion_author_id'))
    op.drop_table('pointversion')

    with op.batch_alter_table('point', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_point_merged_into_id_point'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_point_merged_into_id'))
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('version')
