"""consultation lifecycle: states, version, the document under consultation

Revision ID: 0013
Revises: 0006
Create Date: 2026-12-01 10:00:00

The old statuses become lifecycle states (design of issue 13): open -> open,
processing -> closed, answered -> decided, closed -> closed; then a published consultation is
"published" and an archived one "archived" (the two flags stay, kept in step by
consult.lifecycle). Downgrading maps back as closely as the old values allow.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision = '0013'
down_revision = '0006'
branch_labels = None
depends_on = None

_consultation = sa.table(
    'consultation',
    sa.column('status', sa.String),
    sa.column('published', sa.Boolean),
    sa.column('archived', sa.Boolean),
)

_UP = {'open': 'open', 'processing': 'closed', 'answered': 'decided', 'closed': 'closed'}
# concept had no old name: a round not yet open was "open" (nobody could tell the difference)
_DOWN = {'concept': 'open', 'open': 'open', 'closed': 'closed', 'decided': 'answered',
         'published': 'answered', 'archived': 'answered'}


def _map(mapping: dict) -> None:
    status = _consultation.c.status
    op.execute(
        _consultation.update()
        .where(status.in_(list(mapping)))
        .values(status=sa.case(*((status == old, new) for old, new in mapping.items()),
                               else_=status))
    )


def upgrade() -> None:
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'document_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
            server_default=''))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consultation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachment_consultation_id'), ['consultation_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachment_consultation_id_consultation'),
                                    'consultation', ['consultation_id'], ['id'])
    _map(_UP)
    # Anything else (a value no version of the app wrote) is a concept: members only.
    op.execute(_consultation.update()
               .where(_consultation.c.status.not_in(list(_UP.values())))
               .values(status='concept'))
    op.execute(_consultation.update().where(_consultation.c.published == sa.true())
               .values(status='published'))
    op.execute(_consultation.update().where(_consultation.c.archived == sa.true())
               .values(status='archived'))


def downgrade() -> None:
    _map(_DOWN)
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachment_consultation_id_consultation'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachment_consultation_id'))
        batch_op.drop_column('consultation_id')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('document_url')
