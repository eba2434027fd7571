"""Invitations: which stakeholders a consultation invited to react, who has reacted, and
reminders for those who have not.

- ``models``: the ``invitation`` table (one row per consultation and stakeholder).
- ``operations``: invite (a municipality with its college, council and advisory board),
  remove, copy from an earlier consultation, and the overview of who has reacted.
- ``reminders``: the reminder text per outstanding stakeholder, mailed where SMTP is set up.
- ``views``: the panel on the consultation page, the invite and remove actions, the
  reminders page.
"""

from . import models  # noqa: F401  (the table is registered before create_all / Alembic)
from .operations import (
    InvitationError,
    copy_invitations,
    invite,
    overview,
    uninvite,
)

__all__ = ["InvitationError", "copy_invitations", "invite", "overview", "uninvite"]
