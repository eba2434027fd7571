"""Answer templates: a consultation's reusable answer texts with placeholders filled per
answer ({bestemming}: the destinations, {indiener}: the sender, {punt}: the point numbers).

Operations validate, only flush and leave the commit to the caller.
"""

import hashlib
from string import Formatter

import sqlalchemy as sa
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import Session, select

from .. import audit
from ..answergroups import number_list
from ..models import Consultation, User, utcnow
from .models import AnswerTemplate, AnswerTemplateCreate

PLACEHOLDERS = ("bestemming", "indiener", "punt")


class TemplateError(ValueError):
    """A template that cannot be saved or filled as written; the message says why (Dutch)."""


def placeholders(body: str) -> list[str]:
    """The placeholder names in ``body`` in order ("{punt}" -> "punt"; "{{" is a literal
    brace). Raises TemplateError for a stray brace, an unknown name or a format spec."""
    try:
        parts = list(Formatter().parse(body))
    except ValueError:
        raise TemplateError(_(
            "The template has a loose brace ({ or }). Placeholders are written as {punt}; "
            "write {{ or }} for a brace itself.")) from None
    names = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise TemplateError(_(
                "Unknown placeholder {%(name)s} in the template. You can use {bestemming}, "
                "{indiener} and {punt}.", name=(name + (f"!{conversion}" if conversion else "")
                                                 + (f":{spec}" if spec else ""))))
        names.append(name)
    return names


def fill(body: str, values: dict[str, str]) -> str:
    """The template's text with its placeholders replaced by ``values`` (name -> text).
    Raises TemplateError for a bad template, or when {bestemming} is used and no
    destination is given (an empty value)."""
    names = placeholders(body)
    for name in names:
        if not values.get(name):
            if name == "bestemming":
                raise TemplateError(_(
                    "The template names the destination ({bestemming}): choose a destination."))
            if name == "punt":
                raise TemplateError(_("Tick the points first: the template names them "
                                      "({punt})."))
            raise TemplateError(_("No value for {%(name)s}.", name=name))
    return body.format(**{n: values.get(n, "") for n in PLACEHOLDERS})


def dutch_list(names: list[str]) -> str:
    """Names as a sentence lists them: "A", "A en B", "A, B en C" (at least one name)."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + _(" and ") + names[-1]


def filled(body: str, destinations: list[str], senders: list[tuple[str, list[str]]]) -> str:
    """The template's text for one answer: ``destinations`` the titles it is routed to
    ({bestemming}: "A, B en C"), ``senders`` the points it answers as [(sender name, [point
    number, ...])] in table order ({indiener}: the names; {punt}: the numbers as the table
    writes them, "1-3 en 5", each followed by its sender's name when there are several
    senders; a sender without numbers is left out of both unless none has any). Raises
    TemplateError as ``fill``."""
    numbered = [(name, numbers) for name, numbers in senders if numbers]
    # the senders of the points named; none named (the answer panel before a tick): all
    names = list(dict.fromkeys(name for name, _numbers in numbered or senders if name))
    if len(numbered) == 1:
        points = number_list(numbered[0][1])
    else:
        points = dutch_list([f"{number_list(numbers)} ({name})" for name, numbers in numbered]
                            ) if numbered else ""
    return fill(body, {"bestemming": dutch_list(destinations) if destinations else "",
                       "indiener": dutch_list(names) if names else "", "punt": points})


def templates_of(session: Session, consultation_id: int, archived: bool = False):
    """The consultation's templates by title (the archived ones too, when asked)."""
    query = select(AnswerTemplate).where(AnswerTemplate.consultation_id == consultation_id)
    if not archived:
        query = query.where(AnswerTemplate.archived == False)  # noqa: E712
    return session.exec(query.order_by(AnswerTemplate.title, AnswerTemplate.id)).all()


def _checked(consultation_id: int, title: str, body: str) -> AnswerTemplateCreate:
    try:
        data = AnswerTemplateCreate.model_validate(
            {"consultation_id": consultation_id, "title": " ".join(title.split()),
             "body": body.strip()})
    except ValidationError:
        raise TemplateError(_("A template needs a name (at most 200 characters) and a text "
                              "(at most 20,000 characters).")) from None
    placeholders(data.body)
    return data


def create_template(session: Session, actor: User | None, consultation: Consultation,
                    title: str, body: str) -> AnswerTemplate:
    """Add a template to the consultation. Raises TemplateError."""
    template = AnswerTemplate.model_validate(_checked(consultation.id, title, body))
    session.add(template)
    session.flush()
    audit.record(session, actor, "create", template)
    return template


class TemplateConflict(TemplateError):
    """The template was changed by someone else since the form was read; nothing saved."""


def seen(template: AnswerTemplate) -> str:
    """What a form showed of the template, as a short token (sha256 of name and text): a
    change made with an older token is refused (TemplateConflict), never written over."""
    return hashlib.sha256(f"{template.title}\0{template.body}".encode()).hexdigest()[:32]


def change_template(session: Session, actor: User | None, template: AnswerTemplate,
                    title: str, body: str, shown: str | None = None) -> None:
    """Give a template a new name and text (answers made with it keep theirs). ``shown``:
    the ``seen`` token of the form; raises TemplateConflict when the template changed since
    (two tabs), TemplateError for a bad name or text."""
    data = _checked(template.consultation_id, title, body)
    was_title, was_body = template.title, template.body
    if shown is not None and shown != seen(template):
        raise TemplateConflict(_conflict())
    # Conditional: only while it is still as read, so of two saves at once the second is told.
    changed = session.execute(
        sa.update(AnswerTemplate)
        .where(AnswerTemplate.id == template.id, AnswerTemplate.title == was_title,
               AnswerTemplate.body == was_body)
        .values(title=data.title, body=data.body, updated_at=utcnow())
        .returning(AnswerTemplate.id)).first()
    if changed is None:
        raise TemplateConflict(_conflict())
    before = {**audit.snapshot(template)}
    session.refresh(template)
    audit.record(session, actor, "change", template, before)


def _conflict() -> str:
    return _("Someone else changed this template in the meantime, so nothing was saved. Your "
             "text is still in the form, with their version under it: save again to replace "
             "theirs.")


def set_template_archived(session: Session, actor: User | None, template: AnswerTemplate,
                          archived: bool) -> None:
    """Take a template out of the lists (or back); nothing is deleted."""
    if template.archived == archived:
        return
    audit.change(session, actor, "archive" if archived else "restore", template,
                 archived=archived)
