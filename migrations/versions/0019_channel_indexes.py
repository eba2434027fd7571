"""Indexes for the consultation channel, its poll and a destination's to-do list (issue 15)

- (reaction (consultation_id, status, archived, position), which serves one consultation's
  submitted reactions and the poll, comes with 0021.)
- point (reaction_id, archived, position): a reaction's live points in order. Without it
  SQLite answered "live points of these reactions" through ix_point_archived, i.e. by reading
  every live point of the installation.
- point (updated_at), response (consultation_id, updated_at): what changed since a channel
  page was read, so its poll refreshes only those reactions.
- response (consultation_id, archived, status): one consultation's live answers.
- responsepoint (point_id, response_id): a point's answers from the index alone.

Revision ID: 0019
Revises: 0024
Create Date: 2026-11-30 02:00:00
"""
from alembic import op


revision = '0019'
down_revision = '0024'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_point_reaction_live", "point", ["reaction_id", "archived", "position"]),
    ("ix_point_updated_at", "point", ["updated_at"]),
    ("ix_response_consultation_live", "response", ["consultation_id", "archived", "status"]),
    ("ix_response_consultation_updated", "response", ["consultation_id", "updated_at"]),
    ("ix_responsepoint_point_response", "responsepoint", ["point_id", "response_id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
