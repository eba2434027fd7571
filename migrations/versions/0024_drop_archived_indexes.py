"""Drop the single-column archived indexes of the large tables (issue 15)

Nearly every row is live, so an index on ``archived`` narrows nothing; but without statistics
SQLite takes it for as selective as any other and answered "the live points of these reactions"
or "one consultation's live answers" by walking every live row of the installation. The queries
reach these tables through their parent's id (consultation, reaction, point) instead; the
archive pages still find archived rows through those.

Revision ID: 0024
Revises: 0018
Create Date: 2026-11-30 02:40:00
"""
from alembic import op


revision = '0024'
down_revision = '0018'
branch_labels = None
depends_on = None

TABLES = ["point", "reaction", "response", "message", "landing"]


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_archived")


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_archived", ["archived"], unique=False)
