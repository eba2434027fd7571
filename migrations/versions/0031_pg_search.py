"""search_document and search_state: the PostgreSQL search backend, index ownership

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30 15:30:00

``search_document`` is filled only with CONSULT_SEARCH_BACKEND=postgres (`flask consult
reindex` fills it); ``search_state`` names the analysis its terms were made with and the
machine that owns a Whoosh index.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_document',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('ident', sa.Integer(), nullable=False),
        sa.Column('consultation', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('stakeholder', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('skind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('year', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('internal', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('destinations', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=False),
        sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('terms', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'),
                  nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_search_document')),
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index('ix_search_document_kind_ident', ['kind', 'ident'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_document_stamp'), ['stamp'], unique=False)
        batch_op.create_index('ix_search_document_terms', ['terms'], unique=False,
                              postgresql_using='gin')
    op.create_table(
        'search_state',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_search_state')),
    )


def downgrade() -> None:
    op.drop_table('search_state')
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index('ix_search_document_terms', postgresql_using='gin')
        batch_op.drop_index(batch_op.f('ix_search_document_stamp'))
        batch_op.drop_index('ix_search_document_kind_ident')
    op.drop_table('search_document')
