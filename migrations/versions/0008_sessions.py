"""login sessions in the database; password-reset requests throttled beside logins

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loginsession',
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_loginsession_user_id_user')),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_loginsession'))
    )
    with op.batch_alter_table('loginsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginsession_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      server_default='login', nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM loginattempt WHERE kind <> 'login'")
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('loginsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginsession_user_id'))

    op.drop_table('loginsession')
