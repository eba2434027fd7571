"""stored HTML beside every Markdown text, filled for the existing rows

Pages used to run Markdown on every view (a crafted point cost 7-18 s per anonymous view);
now each text is rendered once when it is written (consult/rendered.py). This adds the
columns and renders every existing text into them.

Revision ID: 0006
Revises: 0008
Create Date: 2026-11-30 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes


revision = '0006'
down_revision = '0008'
branch_labels = None
depends_on = None

# (table, text column, HTML column)
COLUMNS = (
    ("consultation", "description", "description_html"),
    ("point", "body", "body_html"),
    ("response", "body", "body_html"),
    ("responseversion", "body", "body_html"),
    ("message", "body", "body_html"),
)
BATCH = 500


def upgrade() -> None:
    # Plain ADD/DROP COLUMN (SQLite has both): batch mode would copy these tables, which
    # other tables' foreign keys point at.
    for table, _text, html in COLUMNS:
        op.add_column(table, sa.Column(html, sa.Text(), nullable=True))
    _fill(op.get_bind())


def _fill(conn) -> None:
    """Render every existing text, a batch of rows at a time."""
    from consult.text import render_markdown

    for name, text, html in COLUMNS:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column(text, sa.Text),
                         sa.column(html, sa.Text))
        last = 0
        while True:
            rows = conn.execute(
                sa.select(table.c.id, table.c[text]).where(table.c.id > last)
                .order_by(table.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            conn.execute(
                table.update().where(table.c.id == sa.bindparam("row_id"))
                .values({html: sa.bindparam("html")}),
                [{"row_id": row_id, "html": str(render_markdown(body))} for row_id, body in rows],
            )
            last = rows[-1][0]


def downgrade() -> None:
    for table, _text, html in reversed(COLUMNS):
        op.drop_column(table, html)
