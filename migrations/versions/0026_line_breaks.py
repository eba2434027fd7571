"""render again every text that has a line break: line breaks now stay line breaks

A point's sub-items ("a." and "b." on lines of their own, "a)", "- ", "1)", indented lines)
were joined into one run-on line on every page, while the preview and the Word export kept
them: consult/text.py now keeps every line break inside a paragraph (Nl2Br). Only texts that
contain a line break render differently, so only those are rendered again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 12:00:00
"""
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from consult import rendered

    rendered.refill(op.get_bind(), containing="\n")


def downgrade() -> None:
    pass  # the stored HTML is derived: the older renderer is not here to make it again
