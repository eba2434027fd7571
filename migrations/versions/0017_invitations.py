"""invitations: the stakeholders a consultation invited to react, and reminders

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('stakeholder_id', sa.Integer(), nullable=False),
        sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminders', sa.Integer(), nullable=False),
        sa.Column('archived', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                                name=op.f('fk_invitation_consultation_id_consultation')),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'],
                                name=op.f('fk_invitation_invited_by_id_user')),
        sa.ForeignKeyConstraint(['stakeholder_id'], ['stakeholder.id'],
                                name=op.f('fk_invitation_stakeholder_id_stakeholder')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
        sa.UniqueConstraint('consultation_id', 'stakeholder_id',
                            name=op.f('uq_invitation_consultation_id')),
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_archived'), ['archived'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_consultation_id'), ['consultation_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_stakeholder_id'), ['stakeholder_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_stakeholder_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_archived'))
    op.drop_table('invitation')
