"""Reminders for invited stakeholders that have not reacted yet: the text (to copy), and the
mail where SMTP is configured (consult/mail.py). Each sent reminder is recorded on the
invitation (``reminded_at``, ``reminders``) and in the audit trail (action "remind")."""

import smtplib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import Session

from .. import audit, mail
from ..i18n import day as format_day
from ..models import Consultation, User, utcnow
from .models import Invitation
from .operations import InvitedRow, days_left, overview


def subject(consultation: Consultation) -> str:
    """The mail's subject: "Herinnering: uw reactie op „<title>"" (with the deadline)."""
    if consultation.closes_on is None:
        return _("Reminder: your reaction to “%(title)s”", title=consultation.title)
    return _("Reminder: your reaction to “%(title)s”, possible until %(day)s",
             title=consultation.title, day=format_day(consultation.closes_on))


def reminder_text(consultation: Consultation, row: InvitedRow, link: str | None) -> str:
    """The polite reminder to one outstanding stakeholder, in the interface's language
    (Dutch): the invitation, the deadline ("Reageren kan tot ...", with the days left), the
    consultation's link when there is one, and what to do if it has no comments."""
    invited = format_day(row.invitation.invited_at.date())
    parts = [
        _("Dear Sir or Madam,"),
        _("On %(day)s we invited %(name)s to react to the consultation “%(title)s”. We have "
          "not received your reaction yet.", day=invited, name=row.stakeholder.name,
          title=consultation.title),
        _deadline_line(consultation),
    ]
    if link:
        parts.append(_("You can find the consultation and the document under consultation "
                       "here:") + "\n" + link)
    parts += [
        _("Have you no comments? Please let us know as well, so that we know your reaction "
          "is not missing."),
        _("Kind regards,") + "\n" + (consultation.organiser or _("The secretariat")),
    ]
    return "\n\n".join(parts)


def _deadline_line(consultation: Consultation) -> str:
    left = days_left(consultation)
    if left is None:
        return _("We look forward to your reaction.")
    day = format_day(consultation.closes_on)
    if left < 0:
        return _("Reactions were possible until %(day)s; we would still like to receive "
                 "yours as soon as possible.", day=day)
    if left == 0:
        return _("Reactions are possible until today, %(day)s.", day=day)
    return ngettext("Reactions are possible until %(day)s (%(num)s day from now).",
                    "Reactions are possible until %(day)s (%(num)s days from now).", left,
                    day=day)


@dataclass
class Reminder:
    """The reminder for one outstanding stakeholder: its text, and where it went."""

    row: InvitedRow
    text: str
    mailed: bool = False
    failed: bool = False

    @property
    def email(self) -> str:
        return self.row.stakeholder.email


@dataclass
class Reminders:
    """The reminders of a consultation's outstanding stakeholders."""

    subject: str
    items: list[Reminder] = field(default_factory=list)

    @property
    def mailable(self) -> list[Reminder]:
        return [r for r in self.items if r.email]

    @property
    def without_email(self) -> list[Reminder]:
        return [r for r in self.items if not r.email]


def reminders(session: Session, consultation: Consultation, link: str | None) -> Reminders:
    """The reminder text for every invited stakeholder that has not reacted yet (in the
    overview's order), with ``link`` to the consultation."""
    return Reminders(subject(consultation), [
        Reminder(row, reminder_text(consultation, row, link))
        for row in overview(session, consultation).outstanding
    ])


def send(session: Session, actor: User | None, consultation: Consultation,
         link: str | None) -> Reminders:
    """Mail the reminder to every outstanding stakeholder with a contact e-mail (SMTP must be
    configured: ``mail.configured()``). Each invitation is claimed first by a conditional
    UPDATE on its ``reminders`` count, so two requests at the same moment mail it once; a mail
    that fails is given back (not recorded) and marked ``failed``. Flushes, never commits."""
    found = reminders(session, consultation, link)
    for item in found.mailable:
        invitation = item.row.invitation
        before = audit.snapshot(invitation)
        old = invitation.reminded_at, invitation.reminders
        if not _claim(session, invitation):
            continue
        try:
            mail.send(item.email, found.subject, item.text)
        except (smtplib.SMTPException, OSError):
            _give_back(session, invitation, *old)
            item.failed = True
            continue
        item.mailed = True
        audit.record(session, actor, "remind", invitation, before)
    session.flush()
    return found


def _claim(session: Session, invitation: Invitation) -> bool:
    """Mark the invitation reminded now, unless another request reminded it since it was read."""
    now = utcnow()
    claimed = session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.reminders == invitation.reminders,
               Invitation.archived == sa.false())
        .values(reminded_at=now, reminders=Invitation.reminders + 1)
        .returning(Invitation.id)
    ).first()
    if claimed:
        session.refresh(invitation)
    return claimed is not None


def _give_back(session: Session, invitation: Invitation, reminded_at, reminders: int) -> None:
    """Undo a claim whose mail could not be sent: the reminder did not happen."""
    session.execute(sa.update(Invitation).where(Invitation.id == invitation.id)
                    .values(reminded_at=reminded_at, reminders=reminders))
    session.refresh(invitation)
