"""The advisory-board portal: drafts only the board sees, submission, answers in the inbox."""

import re

import pytest
from sqlmodel import func, select

from consult.models import Message, Point, Reaction, Stakeholder

from .conftest import reopen
from .mailsink import mail_sink

SLUG = "holland-rijnland-jeugdhulp-2016"
ADVICE = """Advies WMO Adviesraad Leiden

1. Betrek cliënten als volwaardige partner bij de inkoop.
2. Zorg voor onafhankelijke cliëntondersteuning in elke gemeente.
3. Meet tevredenheid van jongeren zelf, niet alleen van ouders.
"""


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def member(demo_app, as_role):
    reopen(demo_app)  # advisory boards draft while the consultation is open for reactions
    return as_role("advisory_member")


def _draft(member, session, title="Advies tweede ronde", text=ADVICE):
    response = member.form_post(f"/portaal/{SLUG}/concept", {"title": title, "text": text})
    assert response.status_code == 303, response.get_data(as_text=True)
    return session.exec(select(Reaction).where(Reaction.title == title)).one()


def test_a_draft_is_for_the_board_only(member, as_role, session):
    draft = _draft(member, session)
    assert draft.status == "draft"
    assert session.exec(select(func.count()).select_from(Point).where(
        Point.reaction_id == draft.id)).one() == 0  # points exist only after submission
    page = _text(member.get(f"/portaal/concepten/{draft.id}"))
    assert "Betrek cliënten als volwaardige partner bij de inkoop." in page
    for role in (None, "viewer", "councillor", "secretary", "admin"):
        other = as_role(role)
        assert "Advies tweede ronde" not in _text(other.get(f"/consultaties/{SLUG}"))
        assert other.get(f"/consultaties/{SLUG}/reacties/{draft.id}").status_code == 404
    assert as_role("secretary").get(f"/portaal/concepten/{draft.id}").status_code == 403


def test_a_stale_draft_save_is_refused_and_keeps_the_text(member, session):
    draft = _draft(member, session)
    url = f"/portaal/concepten/{draft.id}"
    assert member.form_post(url, {"version": 1, "title": draft.title,
                                  "text": ADVICE + "4. Nieuw punt.\n"}).status_code == 303
    stale = member.form_post(url, {"version": 1, "title": draft.title, "text": "Mijn versie"})
    assert stale.status_code == 409
    assert "Dit concept is intussen gewijzigd of ingediend." in _text(stale)
    assert "Mijn versie" in stale.get_data(as_text=True)
    session.refresh(draft)
    assert "4. Nieuw punt." in draft.original_text


def test_submit_locks_the_advice_and_the_secretariat_sees_it(member, as_role, session):
    draft = _draft(member, session)
    submitted = member.form_post(f"/portaal/concepten/{draft.id}",
                                 {"version": 1, "title": draft.title, "text": ADVICE,
                                  "submit": "1"})
    assert submitted.status_code == 303
    session.refresh(draft)
    assert draft.status == "submitted" and draft.received_on is not None
    numbers = session.exec(select(Point.number).where(Point.reaction_id == draft.id)
                           .order_by(Point.position)).all()
    assert numbers[-3:] == ["1", "2", "3"]
    logged = session.exec(select(Message).join(Point, Point.id == Message.point_id).where(
        Point.reaction_id == draft.id, Message.event == "logged")).all()
    assert logged and all(m.author_id is not None for m in logged)
    secretary = as_role("secretary")
    assert "WMO Adviesraad Leiden — Advies tweede ronde" in _text(
        secretary.get(f"/consultaties/{SLUG}"))
    locked = member.form_post(f"/portaal/concepten/{draft.id}",
                              {"version": draft.version, "title": "x", "text": "y"})
    assert locked.status_code == 409
    session.refresh(draft)
    assert draft.title == "Advies tweede ronde"


def test_answers_and_replies_reach_the_board_inbox(member, as_role, session):
    draft = _draft(member, session)
    member.form_post(f"/portaal/concepten/{draft.id}", {"version": 1, "title": draft.title,
                                                       "text": ADVICE, "submit": "1"})
    secretary = as_role("secretary")
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties/{draft.id}/antwoorden",
        data={"selection": "1 en 2", "body": "Cliëntparticipatie komt in het inkoopplan.",
              "status": "adopted"})
    assert response.status_code == 200
    point = session.exec(select(Point).where(Point.reaction_id == draft.id,
                                             Point.number == "2")).one()
    secretary.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                      data={"kind": "internal_note", "body": "Geheime afweging"})
    inbox = _text(member.open_page("/portaal"))
    assert "Beantwoord" in inbox
    assert "punt 1" in inbox and "punt 2" in inbox
    assert "Geheime afweging" not in inbox
    assert "nieuw" in inbox
    # a follow-up question from the board lands in the thread
    asked = member.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                           data={"kind": "question", "body": "Wanneer ligt het inkoopplan er?"})
    assert asked.status_code == 204
    assert "Wanneer ligt het inkoopplan er?" in _text(
        secretary.get(f"/consultaties/{SLUG}/punten/{point.id}"))
    # seen once: no longer new
    assert "nieuw" not in _text(member.get("/portaal")).split("Adviezen van uw adviesraad")[0]


def test_councillor_follows_a_point_and_gets_its_news(as_role, session):
    councillor, secretary = as_role("councillor"), as_role("secretary")
    point = session.exec(select(Point).join(Reaction, Reaction.id == Point.reaction_id).join(
        Stakeholder, Stakeholder.id == Reaction.stakeholder_id).where(
        Stakeholder.name == "Nieuwkoop", Point.number == "20")).one()
    followed = councillor.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/volgen")
    assert followed.status_code == 200 and "Gevolgd" in followed.get_data(as_text=True)
    secretary.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                      data={"kind": "answer", "body": "De financiële paragraaf is klaar."})
    assert "De financiële paragraaf is klaar." in _text(councillor.get("/portaal"))


def test_portal_is_not_for_other_roles(as_role):
    for role in ("viewer", "secretary", "admin"):
        assert as_role(role).get("/portaal").status_code == 403
    assert as_role(None).get("/portaal").status_code == 302
    assert as_role("councillor").get(f"/portaal/{SLUG}/concept").status_code == 403


def test_councillor_follows_a_stakeholder_and_sees_its_answers(as_role, session):
    councillor, secretary = as_role("councillor"), as_role("secretary")
    katwijk = session.exec(select(Stakeholder).where(Stakeholder.name == "Gemeenteraad Katwijk")
                           ).one()
    followed = councillor.hx_post(f"/portaal/volgen/betrokkene/{katwijk.id}")
    assert "Gemeenteraad Katwijk gevolgd" in _text(followed)
    point = session.exec(select(Point).where(Point.stakeholder_id == katwijk.id,
                                             Point.number == "67")).one()
    secretary.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                      data={"kind": "answer", "body": "Het aantal JGT’s groeit in 2017."})
    assert "Het aantal JGT’s groeit in 2017." in _text(councillor.get("/portaal"))
    unfollowed = councillor.hx_post(f"/portaal/volgen/betrokkene/{katwijk.id}")
    assert "Volg Gemeenteraad Katwijk" in _text(unfollowed)


@pytest.fixture
def smtp_sink(demo_app):
    with mail_sink() as server:
        demo_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.server_address[1])
        yield server.mails


def test_with_smtp_the_board_gets_mail_when_its_points_are_answered(as_role, session, smtp_sink):
    reaction = session.exec(select(Reaction).join(
        Stakeholder, Stakeholder.id == Reaction.stakeholder_id).where(
        Stakeholder.name == "WMO Adviesraad Leiden")).one()
    secretary = as_role("secretary")
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden",
                                 data={"selection": "3", "body": "Wordt herschreven.",
                                       "status": "adopted"})
    assert response.status_code == 200
    assert len(smtp_sink) == 1
    assert "To: adviesraad@consult.example" in smtp_sink[0]
    point = session.exec(select(Point).where(Point.reaction_id == reaction.id,
                                             Point.number == "3")).one()
    secretary.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                      data={"kind": "internal_note", "body": "Niet voor de raad"})
    assert len(smtp_sink) == 1  # internal notes are never mailed


def test_a_draft_answer_is_never_mailed_to_the_board(as_role, session, smtp_sink):
    """The attack: a draft's text ("INTERN CONCEPT ...") was mailed to the board, from the
    answer panel and from a theme's answer; it goes out once it is released."""
    reaction = session.exec(select(Reaction).join(
        Stakeholder, Stakeholder.id == Reaction.stakeholder_id).where(
        Stakeholder.name == "WMO Adviesraad Leiden")).one()
    secretary = as_role("secretary")
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden",
                                 data={"selection": "3", "body": "INTERN CONCEPT, niet sturen",
                                       "status": "draft"})
    assert response.status_code == 200
    point = session.exec(select(Point).where(Point.reaction_id == reaction.id,
                                             Point.number == "3")).one()
    theme = secretary.form_post(f"/consultaties/{SLUG}/themas", {"title": "Cliëntondersteuning"})
    assert theme.status_code in (200, 303)
    from consult.themes.models import Theme

    made = session.exec(select(Theme).where(Theme.title == "Cliëntondersteuning")).one()
    moved = secretary.hx_post(f"/consultaties/{SLUG}/themas/punten/{point.id}",
                              {"into": made.id})
    assert moved.status_code == 200, moved.get_data(as_text=True)[:300]
    answered = secretary.form_post(f"/consultaties/{SLUG}/themas/{made.id}/beantwoorden",
                                   {"point_ids": point.id, "body": "THEMA CONCEPT",
                                    "status": "draft"})
    assert answered.status_code in (200, 303), answered.get_data(as_text=True)[:300]
    assert smtp_sink == []
    released = secretary.hx_post(f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden",
                                 data={"selection": "3", "body": "Wordt herschreven.",
                                       "status": "adopted"})
    assert released.status_code == 200
    assert len(smtp_sink) == 1 and "CONCEPT" not in smtp_sink[0]


def test_the_success_line_comes_from_the_server_not_the_address(member, as_role, session):
    """"?opgeslagen=1" and "?ingediend=1" typed into the address (or a bookmark, or Back)
    said "Concept opgeslagen" / "Ingediend" although nothing had been saved; the same for the
    answer letters' "?opgeslagen=1". The line is the server's, once, after the save."""
    draft = _draft(member, session)
    url = f"/portaal/concepten/{draft.id}"
    assert "Concept opgeslagen" in _text(member.get(url))  # after making it: said once
    for query in ("?opgeslagen=1", "?ingediend=1"):
        text = _text(member.get(url + query))
        assert "Concept opgeslagen" not in text and "Ingediend." not in text, query
    saved = member.form_post(url, {"version": draft.version, "title": draft.title,
                                   "text": ADVICE + "\n3. Nog een punt."})
    assert saved.status_code == 303 and "opgeslagen" not in saved.headers["Location"]
    assert "Concept opgeslagen" in _text(member.get(saved.headers["Location"]))
    assert "Concept opgeslagen" not in _text(member.get(saved.headers["Location"]))  # once
    session.refresh(draft)
    submitted = member.form_post(url, {"version": draft.version, "title": draft.title,
                                       "text": ADVICE + "\n3. Nog een punt.", "submit": "1"})
    assert submitted.status_code == 303
    assert "Ingediend." in _text(member.get(submitted.headers["Location"]))

    secretary = as_role("secretary")
    letters = f"/consultaties/{SLUG}/antwoordbrieven"
    assert "zijn opgeslagen" not in _text(secretary.get(letters + "?opgeslagen=1"))
    stored = secretary.form_post(letters, {"opening": "Geachte {stakeholder},", "closing": "Groet"})
    assert stored.status_code == 303
    assert "zijn opgeslagen" in _text(secretary.get(stored.headers["Location"]))


REPEATED = """Advies WMO Adviesraad Leiden

1. Betrek cliënten als volwaardige partner bij de inkoop.
2. Zorg voor onafhankelijke cliëntondersteuning in elke gemeente.
2. Maak de toegang laagdrempelig.
3. Monitor de wachttijden.
"""


def test_a_repeated_point_number_is_pointed_out_not_merged_silently(member, session):
    """"2." twice in a board's text: the splitter reads the second as part of point 2. The
    preview said nothing about it, nor did saving: now both say which number to check."""
    preview = member.hx_post(f"/portaal/{SLUG}/voorbeeld", {"text": REPEATED})
    assert preview.status_code == 200
    assert "Puntnummer 2 staat meer dan eens in de tekst" in _text(preview)
    clean = member.hx_post(f"/portaal/{SLUG}/voorbeeld", {"text": ADVICE})
    assert "staat meer dan eens" not in _text(clean)
    saved = member.form_post(f"/portaal/{SLUG}/concept", {"title": "Dubbel", "text": REPEATED})
    assert saved.status_code == 303
    assert "Puntnummer 2 staat meer dan eens in de tekst" in _text(
        member.get(saved.headers["Location"]))


def test_the_inbox_page_after_opened_without_javascript_numbers_on(member, monkeypatch):
    """The board's inbox is a numbered list a page at a time, like Nieuw: the next page opened
    as a page (no JavaScript) started at 1 again."""
    from consult import portal

    monkeypatch.setattr(portal, "INBOX_PAGE", 2)
    html = member.get("/portaal").get_data(as_text=True)
    shown = html.count('<li class="inbox-item')
    assert shown == 2 and '<ol class="inbox" id="portal-inbox">' in html
    for _page in range(2):
        more = re.search(r'<li class="unread-more"[^>]*>\s*<a href="([^"]+)"', html)
        html = member.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert f'<ol class="inbox" id="portal-inbox" start="{shown + 1}">' in html
        shown += html.count('<li class="inbox-item')


def test_a_tampered_inbox_start_is_ignored_on_the_first_page_and_bounded_after(member,
                                                                              monkeypatch):
    from consult import portal

    monkeypatch.setattr(portal, "INBOX_PAGE", 2)
    html = member.get("/portaal?vanaf=2147483647").get_data(as_text=True)
    assert '<ol class="inbox" id="portal-inbox">' in html  # a first page starts at 1
    more = re.search(r'<li class="unread-more"[^>]*>\s*<a href="([^"]+)"', html).group(1)
    later = more.replace("&amp;", "&").rsplit("vanaf=", 1)[0] + "vanaf=2147483647"
    assert '<ol class="inbox" id="portal-inbox" start="100000">' in member.get(later).get_data(
        as_text=True)
