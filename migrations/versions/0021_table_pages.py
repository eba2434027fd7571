"""table pages: indexes for reading the answered table a page of reactions at a time

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-02 10:00:00

Without them SQLite (no statistics) answers "the live points of these reactions" through
ix_point_archived, i.e. every live point of the installation, and "this reaction's live
answers" through ix_response_consultation_id (every answer of the consultation, per reaction).
"""
from alembic import op


revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reaction', schema=None) as batch_op:
        batch_op.create_index('ix_reaction_table_order',
                              ['consultation_id', 'status', 'archived', 'position'], unique=False)
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_reaction_live', ['reaction_id', 'archived'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_reaction_live')
    with op.batch_alter_table('reaction', schema=None) as batch_op:
        batch_op.drop_index('ix_reaction_table_order')
