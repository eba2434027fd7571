"""bulk actions, answer templates and status labels per consultation (issue 17)

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 15:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answertemplate',
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                            name=op.f('fk_answertemplate_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answertemplate'))
    )
    with op.batch_alter_table('answertemplate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answertemplate_archived'), ['archived'], unique=False)
        batch_op.create_index(batch_op.f('ix_answertemplate_consultation_id'), ['consultation_id'],
                              unique=False)

    op.create_table('statuslabel',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                            name=op.f('fk_statuslabel_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('consultation_id', 'status', name=op.f('pk_statuslabel'))
    )

    op.create_table('bulkaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                            name=op.f('fk_bulkaction_consultation_id_consultation')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_bulkaction_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulkaction'))
    )
    with op.batch_alter_table('bulkaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulkaction_consultation_id'), ['consultation_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bulkaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulkaction_consultation_id'))
    op.drop_table('bulkaction')
    op.drop_table('statuslabel')
    with op.batch_alter_table('answertemplate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answertemplate_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_answertemplate_archived'))
    op.drop_table('answertemplate')
