"""documentversion, documentsection, sectionlanding: a destination's document in versions

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 15:40:00

A destination can hold its document (upload or pasted text) in versions; each version's outline
is kept as sections with anchors stable across versions, and a landing may name the section
(and quote a sentence) where the point was taken in.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'documentversion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('destination_id', sa.Integer(), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('dated', sa.Date(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('stored_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['destination_id'], ['destination.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_documentversion_destination_id', 'documentversion', ['destination_id'])
    op.create_table(
        'documentsection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('anchor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('start', sa.Integer(), nullable=False),
        sa.Column('end', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['documentversion.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('version_id', 'anchor'),
    )
    op.create_index('ix_documentsection_version_id', 'documentsection', ['version_id'])
    op.create_table(
        'sectionlanding',
        sa.Column('landing_id', sa.Integer(), nullable=False),
        sa.Column('destination_id', sa.Integer(), nullable=False),
        sa.Column('anchor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.ForeignKeyConstraint(['destination_id'], ['destination.id']),
        sa.ForeignKeyConstraint(['landing_id'], ['landing.id']),
        sa.PrimaryKeyConstraint('landing_id'),
    )
    op.create_index('ix_sectionlanding_destination_id', 'sectionlanding', ['destination_id'])


def downgrade() -> None:
    op.drop_index('ix_sectionlanding_destination_id', table_name='sectionlanding')
    op.drop_table('sectionlanding')
    op.drop_index('ix_documentsection_version_id', table_name='documentsection')
    op.drop_table('documentsection')
    op.drop_index('ix_documentversion_destination_id', table_name='documentversion')
    op.drop_table('documentversion')
