"""themes: a consultation's themes, the points in them, and suggested themes

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 15:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('theme',
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                            name=op.f('fk_theme_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme'))
    )
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_archived'), ['archived'], unique=False)
        batch_op.create_index(batch_op.f('ix_theme_consultation_id'), ['consultation_id'],
                              unique=False)
        batch_op.create_index('ix_theme_consultation_live',
                              ['consultation_id', 'archived', 'position'], unique=False)

    op.create_table('themepoint',
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['point.id'], name=op.f('fk_themepoint_point_id_point')),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_themepoint_theme_id_theme')),
    sa.PrimaryKeyConstraint('theme_id', 'point_id', name=op.f('pk_themepoint'))
    )
    with op.batch_alter_table('themepoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_themepoint_point_id'), ['point_id'], unique=False)

    op.create_table('themesuggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('point_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                            name=op.f('fk_themesuggestion_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_themesuggestion'))
    )
    with op.batch_alter_table('themesuggestion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_themesuggestion_consultation_id'),
                              ['consultation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('themesuggestion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_themesuggestion_consultation_id'))
    op.drop_table('themesuggestion')
    with op.batch_alter_table('themepoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_themepoint_point_id'))
    op.drop_table('themepoint')
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_index('ix_theme_consultation_live')
        batch_op.drop_index(batch_op.f('ix_theme_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_theme_archived'))
    op.drop_table('theme')
