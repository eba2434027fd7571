"""storedfile: uploads kept in the database (CONSULT_FILES_STORAGE=database)

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-30 19:20:00

Uploaded originals, document versions' originals and tables waiting for their import, as
rows every app machine on the database reads (consult/files.py). Filled only with the
database store, the default on PostgreSQL.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'storedfile',
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'name', name=op.f('pk_storedfile')),
    )
    with op.batch_alter_table('storedfile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storedfile_created_at'), ['created_at'],
                              unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # Uncompressed out of line: uploads are mostly compressed already, and substr (a
        # streamed download) then reads only the chunk asked for.
        op.execute('ALTER TABLE storedfile ALTER COLUMN data SET STORAGE EXTERNAL')


def downgrade() -> None:
    with op.batch_alter_table('storedfile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storedfile_created_at'))
    op.drop_table('storedfile')
