"""Invitations (consult/invitations): inviting from the registry (a municipality with its
college, council and advisory board), removing, copying from an earlier round, the panel that
answers "who has not reacted yet?", and reminders (text to copy; mail through a real SMTP
sink) — every action by every role, on SQLite and PostgreSQL.

The people are tests/test_lifecycle.py's: the admin, a secretary who is a member, a secretary
who is not ("outsider"), and a councillor, an advisory-board member and a reader who are
members; and an anonymous visitor.
"""

import socketserver
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import Session, func, select

from consult import lifecycle
from consult.db import get_session
from consult.intake import DraftPoint, create_stakeholder, log_reaction
from consult.invitations import operations as ops
from consult.invitations import reminders as rem
from consult.invitations.models import Invitation
from consult.lifecycle.operations import local_today
from consult.models import AuditEvent, Consultation, Reaction, Stakeholder, User
from consult.submissions import new_key

from .mailsink import mail_sink
from .test_lifecycle import WHO, create_people, login, make, row, text_of

BASE = "https://consult.regio.example"


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def people(app):
    """tests/test_lifecycle.py's accounts; ids by who."""
    return create_people(app)


@pytest.fixture
def actors(app, people):
    """A logged-in client per person (and one anonymous)."""
    return {who: login(app, who) for who in WHO}


def add_stakeholders(app) -> dict[str, int]:
    """Leiden (a municipality) with its college, council, advisory board, a faction and an
    archived part; Katwijk (with a contact e-mail) and Teylingen (without one). Ids by key."""
    with app.app_context():
        session = get_session()

        def add(key, name, kind, parent=None, email="", archived=False):
            s = create_stakeholder(session, slug=key, name=name, kind=kind, email=email,
                                   parent_id=ids[parent] if parent else None)
            s.archived = archived
            ids[key] = s.id

        ids: dict[str, int] = {}
        add("leiden", "Leiden", "municipality", email="gemeente@leiden.example")
        add("leiden-college", "College van B&W Leiden", "executive", "leiden")
        add("leiden-raad", "Gemeenteraad Leiden", "council", "leiden")
        add("leiden-wmo-2", "Wmo-adviesraad Leiden", "advisory_board", "leiden")
        add("leiden-fractie", "Fractie Groen Leiden", "council_faction", "leiden")
        add("leiden-oud", "Oude raadscommissie Leiden", "council", "leiden", archived=True)
        add("katwijk", "Katwijk", "municipality", email="jeugd@katwijk.example")
        add("teylingen", "Teylingen", "municipality")
        session.commit()
        return ids


def invited(app, slug: str) -> list[str]:
    """The names of the live invitations of a consultation, by name."""
    with app.app_context():
        session = get_session()
        return sorted(session.exec(
            select(Stakeholder.name).join(Invitation, Invitation.stakeholder_id == Stakeholder.id)
            .join(Consultation, Consultation.id == Invitation.consultation_id)
            .where(Consultation.slug == slug, Invitation.archived == False)  # noqa: E712
        ).all())


def events(app, action: str) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.entity == "invitation")).one()


def invite_url(slug):
    return f"/consultaties/{slug}/uitnodigingen"


def invite(actor, slug, stakeholder_id, parts=True, key=None):
    data = {"stakeholder_id": str(stakeholder_id), "form_key": key or new_key()}
    if parts:
        data["met_onderdelen"] = "1"
    return actor.form_post(invite_url(slug), data)


def invite_directly(app, slug, *stakeholder_ids, who="secretary", accounts=None):
    """Invite through the operation (set-up for tests about something else)."""
    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        actor = session.get(User, accounts[who]) if accounts else None
        for sid in stakeholder_ids:
            ops.invite(session, actor, consultation, session.get(Stakeholder, sid),
                       with_parts=False)
        session.commit()


# --- inviting and removing ----------------------------------------------------------------


def test_inviting_a_municipality_invites_its_college_council_and_advisory_board(
        app, people, actors):
    ids = add_stakeholders(app)
    slug = make(app, people, "open")
    response = invite(actors["secretary"], slug, ids["leiden"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/consultaties/{slug}#uitnodigingen")
    # the faction is not one of the three parts; the archived council is not invited
    assert invited(app, slug) == ["College van B&W Leiden", "Gemeenteraad Leiden", "Leiden",
                                  "Wmo-adviesraad Leiden"]
    assert events(app, "invite") == 4
    page = text_of(actors["secretary"].get(f"/consultaties/{slug}"))
    assert "4 indieners uitgenodigd." in page
    # a repeat (another tab, a new form) changes nothing and says so
    again = invite(actors["secretary"], slug, ids["leiden"])
    assert again.status_code == 303 and events(app, "invite") == 4
    assert "Leiden was al uitgenodigd." in text_of(actors["secretary"].get(f"/consultaties/{slug}"))


def test_inviting_only_the_municipality_itself(app, people, actors):
    ids = add_stakeholders(app)
    slug = make(app, people, "concept")
    assert invite(actors["admin"], slug, ids["leiden"], parts=False).status_code == 303
    assert invited(app, slug) == ["Leiden"]


def test_removing_an_invitation_is_recorded_and_a_repeat_changes_nothing(app, people, actors):
    ids = add_stakeholders(app)
    slug = make(app, people, "open")
    invite_directly(app, slug, ids["katwijk"], ids["teylingen"], accounts=people)
    url = f"/consultaties/{slug}/uitnodigingen/{ids['katwijk']}/intrekken"
    assert actors["secretary"].form_post(url).status_code == 303
    assert invited(app, slug) == ["Teylingen"]
    assert actors["secretary"].form_post(url).status_code == 303  # a double click
    assert events(app, "uninvite") == 1
    with app.app_context():
        event = get_session().exec(select(AuditEvent).where(
            AuditEvent.action == "uninvite")).one()
        assert event.user_id == people["secretary"]
        assert event.before["archived"] is False and event.after["archived"] is True
    # invited again: the same row comes back, recorded again
    assert invite(actors["secretary"], slug, ids["katwijk"]).status_code == 303
    assert invited(app, slug) == ["Katwijk", "Teylingen"]
    assert events(app, "invite") == 3
    unknown = actors["secretary"].form_post(f"/consultaties/{slug}/uitnodigingen/999999/intrekken")
    assert unknown.status_code == 404


def test_bad_and_impossible_invitations_get_a_dutch_message(app, people, actors):
    ids = add_stakeholders(app)
    slug = make(app, people, "open")
    missing = actors["secretary"].form_post(invite_url(slug), {"stakeholder_id": "abc"})
    assert missing.status_code == 422
    assert "Kies een indiener uit de lijst." in text_of(missing)
    archived = invite(actors["secretary"], slug, ids["leiden-oud"])
    assert archived.status_code == 409
    assert "Oude raadscommissie Leiden is gearchiveerd in het register" in text_of(archived)
    assert invited(app, slug) == []


def test_an_archived_consultation_changes_no_invitations(app, people, actors):
    ids = add_stakeholders(app)
    slug = make(app, people, "concept")
    invite_directly(app, slug, ids["katwijk"], accounts=people)
    lifecycle_step(app, slug, "archive")
    refused = invite(actors["admin"], slug, ids["teylingen"])
    assert refused.status_code == 409
    assert "Deze consultatie is gearchiveerd" in text_of(refused)
    removed = actors["admin"].form_post(f"/consultaties/{slug}/uitnodigingen/{ids['katwijk']}"
                                        "/intrekken")
    assert removed.status_code == 409
    assert invited(app, slug) == ["Katwijk"]


def lifecycle_step(app, slug, step):
    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        lifecycle.take_step(session, None, consultation, step)
        session.commit()


# --- who may do what ------------------------------------------------------------------------

# On a concept only members (and the admin) see the consultation: the outsider and the public
# get 404; members who may not change it get 403.
CONCEPT = {"admin": 303, "secretary": 303, "outsider": 404, "councillor": 403,
           "advisory_member": 403, "viewer": 403, None: 404}
# Once published everyone sees it: whoever may not change it gets 403.
PUBLISHED = {**CONCEPT, "outsider": 403, None: 403}
READ = {"admin": 200, "secretary": 200, "outsider": 404, "councillor": 404,
        "advisory_member": 404, "viewer": 404, None: 404}


@pytest.mark.parametrize("state, expected", [("concept", CONCEPT), ("published", PUBLISHED)])
def test_who_may_invite_remove_and_remind(app, people, actors, state, expected):
    ids = add_stakeholders(app)
    slug = make(app, people, state)
    for who in WHO:
        before = invited(app, slug)
        answer = invite(actors[who], slug, ids["katwijk"], parts=False)
        assert answer.status_code == expected[who], who
        assert invited(app, slug) == (["Katwijk"] if expected[who] == 303 else before), who
        removed = actors[who].form_post(f"/consultaties/{slug}/uitnodigingen/{ids['katwijk']}"
                                        "/intrekken")
        assert removed.status_code == expected[who], who
        assert invited(app, slug) == [], who
        page = actors[who].get(f"/consultaties/{slug}/herinneringen")
        assert page.status_code == READ[who], who
        sent = actors[who].form_post(f"/consultaties/{slug}/herinneringen",
                                     {"form_key": new_key()})
        assert sent.status_code == expected[who], who
        assert actors[who].get(invite_url(slug)).status_code == 405, who


def test_the_public_never_sees_invitations_people_with_an_account_do(app, people, actors):
    ids = add_stakeholders(app)
    slug = make(app, people, "published")
    invite_directly(app, slug, ids["katwijk"], ids["teylingen"], accounts=people)
    for who in WHO:
        page = text_of(actors[who].get(f"/consultaties/{slug}"))
        if who is None:  # the public line: not even the names of the invited
            assert "Uitgenodigde indieners" not in page and "Teylingen" not in page
            continue
        assert "Uitgenodigde indieners" in page and "Teylingen nog niets" in page, who
        manages = who in ("admin", "secretary")
        assert ("Uitnodigen uit het register" in page) is manages, who
        assert ("Intrekken de uitnodiging van Teylingen" in page) is manages, who


# --- the panel ------------------------------------------------------------------------------


def test_the_panel_answers_who_has_not_reacted_yet(app, people, actors):
    """Reacted (its own letter, or points in a joint letter), no comments (a reaction without
    points), nothing yet (also: a draft, or a reaction that was archived); outstanding first,
    counts on top, the deadline's days, a late reaction marked."""
    ids = add_stakeholders(app)
    deadline = local_today() + timedelta(days=12)
    slug = make(app, people, "open", closes_on=deadline)
    parts = ("leiden", "leiden-college", "leiden-raad", "leiden-wmo-2", "katwijk", "teylingen")
    invite_directly(app, slug, *(ids[k] for k in parts), accounts=people)
    with app.app_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == slug)).one()

        def log(key, points, **fields):
            return log_reaction(session, None, c, session.get(Stakeholder, ids[key]), points,
                                channel="collegebrief", title=f"Brief {key}", **fields)

        # Leiden's joint letter: a point of its own and one sent by its council
        log("leiden", [DraftPoint("1", "Eigen punt."),
                       DraftPoint("2", "Punt van de raad.", stakeholder_id=ids["leiden-raad"])])
        log("katwijk", [])  # no comments
        late = log("leiden-wmo-2", [DraftPoint("1", "Te laat.")],
                   received_on=deadline + timedelta(days=1))
        gone = log("teylingen", [DraftPoint("1", "Ingetrokken.")])
        gone.archived = True
        draft = log("leiden-college", [DraftPoint("1", "Concept.")])
        draft.status = "draft"
        session.commit()
        late_id = late.id
    page = actors["secretary"].get(f"/consultaties/{slug}")
    text = text_of(page)
    assert "6 uitgenodigd · 3 gereageerd · 1 geen opmerkingen · 2 nog niets" in text
    assert "Reageren kan tot" in text and "nog 12 dagen." in text
    html = page.get_data(as_text=True)
    panel = html[html.index('id="uitnodigingen"'):]
    order = [name for name in ("College van B&amp;W Leiden", "Teylingen", "Katwijk",
                               "Gemeenteraad Leiden", ">Leiden</span>",
                               "Wmo-adviesraad Leiden")]
    positions = [panel.index(name) for name in order]
    assert positions == sorted(positions)  # nothing yet, no comments, reacted; by name
    assert f'/consultaties/{slug}/reacties/{late_id}"' in panel
    assert "te laat" in text_of_fragment(panel)
    # the bar: three parts of the whole
    assert 'class="inv-reacted" x="0" y="0" width="50.00"' in panel
    assert 'width="33.33"' in panel  # nothing yet: 2 of 6


def text_of_fragment(html: str) -> str:
    import re
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("days, words", [(0, "vandaag is de laatste dag."),
                                         (1, "nog 1 dag."),
                                         (-3, "de termijn is verstreken.")])
def test_the_days_until_the_deadline(app, people, actors, days, words):
    slug = make(app, people, "open", closes_on=local_today() + timedelta(days=days))
    assert words in text_of(actors["secretary"].get(f"/consultaties/{slug}"))


def test_the_overview_takes_four_queries_however_many_are_invited(app, people):
    ids = add_stakeholders(app)
    slug = make(app, people, "open")
    live = [sid for key, sid in ids.items() if key != "leiden-oud"]
    invite_directly(app, slug, *live, accounts=people)
    statements = []
    engine = app.extensions["consult.engine"]

    def count(*_args):
        statements.append(1)

    with app.app_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            found = ops.overview(session, c)
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
    assert found.counts == {"invited": 7, "reacted": 0, "no_comments": 0, "nothing": 7}
    assert len(statements) == 4


# --- copying from an earlier round ----------------------------------------------------------


def test_starting_from_an_earlier_round_copies_its_invitations(app, people, actors):
    ids = add_stakeholders(app)
    earlier = make(app, people, "published", title="Inkoopkader Jeugd 2026")
    invite_directly(app, earlier, ids["katwijk"], ids["teylingen"], ids["leiden"],
                    accounts=people)
    removed = actors["secretary"].form_post(
        f"/consultaties/{earlier}/uitnodigingen/{ids['teylingen']}/intrekken")
    assert removed.status_code == 303
    made = actors["secretary"].form_post("/consultaties/nieuw", {
        "title": "Inkoopkader Jeugd 2027", "copy_from": str(row(app, earlier).id),
        "form_key": new_key()})
    assert made.status_code == 303
    new_slug = made.headers["Location"].rsplit("/", 1)[-1]
    assert invited(app, new_slug) == ["Katwijk", "Leiden"]  # not the removed one
    with app.app_context():
        session = get_session()
        new_id = row(app, new_slug).id
        copies = session.exec(select(Invitation).where(Invitation.consultation_id == new_id))
        assert {i.invited_by_id for i in copies} == {people["secretary"]}
    assert events(app, "invite") == 3 + 2
    assert "2 uitgenodigd" in text_of(actors["secretary"].get(f"/consultaties/{new_slug}"))


# --- reminders ------------------------------------------------------------------------------


@pytest.fixture
def smtp_sink(app):
    with mail_sink() as server:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.server_address[1],
                          BASE_URL=BASE)
        yield server.mails


def decoded(mail: str) -> str:
    """The mail's body and headers as text (quoted-printable and base64 undone)."""
    from email import message_from_string
    from email.policy import default

    message = message_from_string(mail, policy=default)
    return f"Subject: {message['Subject']}\nTo: {message['To']}\n\n{message.get_content()}"


def reminder_round(app, people) -> tuple[str, dict]:
    """An open round until 12 days from now; Katwijk (with e-mail) and Teylingen (without)
    have not reacted, Leiden has."""
    ids = add_stakeholders(app)
    slug = make(app, people, "open", closes_on=local_today() + timedelta(days=12))
    invite_directly(app, slug, ids["katwijk"], ids["teylingen"], ids["leiden"], accounts=people)
    with app.app_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        log_reaction(session, None, c, session.get(Stakeholder, ids["leiden"]),
                     [DraftPoint("1", "Een punt.")], channel="collegebrief", title="Brief")
        session.commit()
    return slug, ids


def test_the_reminder_text_to_copy_for_each_outstanding_stakeholder(app, people, actors):
    slug, _ids = reminder_round(app, people)
    app.config["BASE_URL"] = BASE
    page = actors["secretary"].get(f"/consultaties/{slug}/herinneringen")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 uitgenodigde indieners hebben nog niet gereageerd." in text
    assert "Leiden" not in text_of(page).replace("Holland Rijnland", "")  # reacted: not here
    deadline = local_today() + timedelta(days=12)
    from babel.dates import format_date
    day = format_date(deadline, "d MMMM y", locale="nl")
    assert "Geachte heer, mevrouw," in text
    assert "hebben wij Katwijk uitgenodigd te reageren op de consultatie" in text
    assert f"Reageren kan tot en met {day} (nog 12 dagen)." in text
    assert f"{BASE}/consultaties/{slug}" in text
    assert "Met vriendelijke groet,\nHolland Rijnland" in text
    assert "Aan: jeugd@katwijk.example" in text_of(page)
    assert "geen e-mailadres: kopieer de tekst" in text  # Teylingen
    # no mail server: nothing to send, the texts are there to copy
    assert "Er is geen mailserver ingesteld" in text
    assert "Mail de herinnering" not in text


def test_without_a_base_url_the_text_to_copy_uses_the_address_in_the_browser(
        app, people, actors):
    slug, _ids = reminder_round(app, people)
    text = actors["secretary"].get(f"/consultaties/{slug}/herinneringen").get_data(as_text=True)
    assert f"http://localhost/consultaties/{slug}" in text


def test_reminders_are_mailed_recorded_and_shown(app, people, actors, smtp_sink):
    slug, ids = reminder_round(app, people)
    page = actors["secretary"].get(f"/consultaties/{slug}/herinneringen")
    assert "Mail de herinnering aan 1 indiener" in text_of(page)
    key = new_key()
    sent = actors["secretary"].form_post(f"/consultaties/{slug}/herinneringen",
                                         {"form_key": key})
    assert sent.status_code == 303
    assert len(smtp_sink) == 1
    after = text_of(actors["secretary"].get(f"/consultaties/{slug}/herinneringen"))
    assert "1 herinnering gemaild." in after and "herinnerd op" in after
    mail = decoded(smtp_sink[0])
    assert "To: jeugd@katwijk.example" in mail
    assert "Subject: Herinnering: uw reactie op „Inkoopkader Jeugdhulp 2027”" in mail
    assert f"{BASE}/consultaties/{slug}" in mail and "(nog 12 dagen)" in mail
    # a double click (the same form sent again) mails nobody twice
    again = actors["secretary"].form_post(f"/consultaties/{slug}/herinneringen",
                                          {"form_key": key})
    assert again.status_code == 303 and len(smtp_sink) == 1
    with app.app_context():
        session = get_session()
        katwijk = session.exec(select(Invitation).where(
            Invitation.stakeholder_id == ids["katwijk"])).one()
        assert katwijk.reminded_at is not None and katwijk.reminders == 1
        teylingen = session.exec(select(Invitation).where(
            Invitation.stakeholder_id == ids["teylingen"])).one()
        assert teylingen.reminded_at is None  # no e-mail address: not reminded by mail
    assert events(app, "remind") == 1
    panel = text_of(actors["secretary"].get(f"/consultaties/{slug}"))
    assert "herinnerd op" in panel
    # members who do not process see who reacted, not when someone was reminded
    assert "herinnerd op" not in text_of(actors["viewer"].get(f"/consultaties/{slug}"))
    # a later, deliberate reminder (a new form) is sent and counted
    actors["secretary"].form_post(f"/consultaties/{slug}/herinneringen", {"form_key": new_key()})
    assert len(smtp_sink) == 2 and events(app, "remind") == 2


def test_a_refused_mail_is_not_recorded_as_a_reminder(app, people, actors):
    slug, ids = reminder_round(app, people)
    closed = socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there: the connection is refused
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    sent = actors["secretary"].form_post(f"/consultaties/{slug}/herinneringen",
                                         {"form_key": new_key()})
    assert sent.status_code == 303
    page = text_of(actors["secretary"].get(f"/consultaties/{slug}/herinneringen"))
    assert "Niet verzonden (de mailserver weigerde): Katwijk." in page
    with app.app_context():
        katwijk = get_session().exec(select(Invitation).where(
            Invitation.stakeholder_id == ids["katwijk"])).one()
        assert katwijk.reminded_at is None and katwijk.reminders == 0
    assert events(app, "remind") == 0


def test_two_requests_at_once_mail_an_invitation_once(app, people, smtp_sink):
    """Two tabs read the outstanding invitations before either sends: the second finds the
    invitation claimed (the conditional UPDATE on its count) and mails nothing."""
    slug, _ids = reminder_round(app, people)
    engine = app.extensions["consult.engine"]
    with app.test_request_context(), Session(engine) as first, Session(engine) as second:
        ones = [s.exec(select(Consultation).where(Consultation.slug == slug)).one()
                for s in (first, second)]
        read_first = rem.reminders(first, ones[0], BASE)
        read_second = rem.reminders(second, ones[1], BASE)
        assert len(read_first.mailable) == len(read_second.mailable) == 1
        rem.send(first, None, ones[0], BASE)
        first.commit()
        rem.send(second, None, ones[1], BASE)
        second.commit()
    assert len(smtp_sink) == 1


def test_the_posted_reminder_needs_csrf(app, people, actors):
    slug, _ids = reminder_round(app, people)
    client = actors["secretary"].client
    refused = client.post(f"/consultaties/{slug}/herinneringen", data={"form_key": new_key()})
    assert refused.status_code == 400
    refused = client.post(invite_url(slug), data={"stakeholder_id": "1"})
    assert refused.status_code == 400


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_invites_the_stakeholders_that_reacted_in_2016(demo_app, as_role):
    with demo_app.app_context():
        session = get_session()
        c = session.exec(select(Consultation)).one()
        found = ops.overview(session, c)
        senders = set(session.exec(select(Reaction.stakeholder_id).where(
            Reaction.consultation_id == c.id)))
    assert found.counts == {"invited": 22, "reacted": 21, "no_comments": 1, "nothing": 0}
    assert senders <= {r.stakeholder.id for r in found.rows}
    assert [r.stakeholder.name for r in found.rows if r.state == "no_comments"] == [
        "Duin- en Bollenstreek"]
    page = text_of(as_role("secretary").get("/consultaties/holland-rijnland-jeugdhulp-2016"))
    assert "22 uitgenodigd · 21 gereageerd · 1 geen opmerkingen · 0 nog niets" in page


def test_reminder_text_without_a_deadline(app, people):
    ids = add_stakeholders(app)
    slug = make(app, people, "open")
    invite_directly(app, slug, ids["katwijk"], accounts=people)
    with app.test_request_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        found = rem.reminders(session, c, None)
        text = found.items[0].text
    assert "Wij zien uw reactie graag tegemoet." in text
    assert "http" not in text  # no link to give: no line for it
    assert found.subject == "Herinnering: uw reactie op „Inkoopkader Jeugdhulp 2027”"
