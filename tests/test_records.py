"""Nothing is deleted: archive and restore with an audit trail anyone processing can read."""

import re

from sqlmodel import select

from consult.models import AuditEvent, Point, Reaction, Response, Stakeholder

SLUG = "holland-rijnland-jeugdhulp-2016"


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _nieuwkoop(session):
    return session.exec(
        select(Reaction).join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == "Nieuwkoop")
    ).one()


def test_archive_a_point_hides_it_and_restore_brings_it_back(as_role, session):
    secretary = as_role("secretary")
    reaction = _nieuwkoop(session)
    point = session.exec(select(Point).where(Point.reaction_id == reaction.id,
                                             Point.number == "42")).one()
    page = f"/consultaties/{SLUG}/reacties/{reaction.id}"
    assert "42 van 42 punten beantwoord" in _text(secretary.get(page))
    done = secretary.form_post(f"/consultaties/{SLUG}/archiveren/punt/{point.id}",
                               {"next": page})
    assert done.status_code == 303 and done.headers["Location"] == page
    html = secretary.get(page).get_data(as_text=True)
    assert "41 van 41 punten beantwoord" in _text(secretary.get(page))
    assert 'id="punt-42"' not in html
    assert as_role(None).get(f"/consultaties/{SLUG}/punten/{point.id}").status_code == 404
    archive = _text(secretary.get(f"/consultaties/{SLUG}/archief"))
    assert "Aantal uithuisplaatsingen" in archive
    secretary.form_post(f"/consultaties/{SLUG}/herstellen/punt/{point.id}")
    assert "42 van 42 punten beantwoord" in _text(secretary.get(page))
    history = _text(secretary.get(f"/consultaties/{SLUG}/geschiedenis/punt/{point.id}"))
    assert "gearchiveerd · Sanne Secretaris" in history
    assert "hersteld · Sanne Secretaris" in history


def test_archived_reaction_leaves_the_channel_and_the_counts(as_role, session):
    secretary = as_role("secretary")
    reaction = _nieuwkoop(session)
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/reactie/{reaction.id}")
    text = _text(as_role(None).get(f"/consultaties/{SLUG}"))
    assert "Nieuwkoop — Ambtelijke uitvraag" not in text
    assert "161 van 162 punten beantwoord" in text
    assert as_role(None).get(f"/consultaties/{SLUG}/reacties/{reaction.id}").status_code == 404
    page = secretary.get(f"/consultaties/{SLUG}/reacties/{reaction.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The page says so, offers a restore that comes back here, and no answer panel.
    assert "Deze reactie is gearchiveerd" in _text(page)
    assert 'id="answer-form"' not in html and "Reactie archiveren" not in html
    back = secretary.form_post(f"/consultaties/{SLUG}/herstellen/reactie/{reaction.id}",
                               {"next": f"/consultaties/{SLUG}/reacties/{reaction.id}"})
    assert back.headers["Location"] == f"/consultaties/{SLUG}/reacties/{reaction.id}"
    assert 'id="answer-form"' in secretary.get(back.headers["Location"]).get_data(as_text=True)


def test_answer_changes_are_audited_with_before_and_after(as_role, session):
    secretary = as_role("secretary")
    response = session.exec(select(Response).where(
        Response.body.startswith("De punten 20 t/m 22"))).one()
    url = f"/consultaties/{SLUG}/antwoorden/{response.id}/bewerken"
    secretary.form_post(url, {"version": 1, "body": "Herzien: financiële paragraaf.",
                              "status": "done"})
    event = session.exec(select(AuditEvent).where(
        AuditEvent.entity == "response", AuditEvent.entity_id == response.id,
        AuditEvent.action == "change")).one()
    assert event.before["body"].startswith("De punten 20 t/m 22")
    assert event.after["body"] == "Herzien: financiële paragraaf."
    assert (event.before["status"], event.after["status"]) == ("adopted", "done")
    history = _text(secretary.get(f"/consultaties/{SLUG}/geschiedenis/antwoord/{response.id}"))
    assert "gewijzigd · Sanne Secretaris" in history and "Herzien: financiële paragraaf." in history


def test_only_the_secretariat_archives_or_reads_history(as_role, session):
    reaction = _nieuwkoop(session)
    for role in (None, "viewer", "councillor", "advisory_member"):
        actor = as_role(role)
        assert actor.form_post(
            f"/consultaties/{SLUG}/archiveren/reactie/{reaction.id}").status_code == 403
        # Those who may not process get the history page as if it did not exist (the public line).
        assert actor.get(
            f"/consultaties/{SLUG}/geschiedenis/reactie/{reaction.id}").status_code == 404
    session.refresh(reaction)
    assert reaction.archived is False


def test_records_of_another_consultation_are_404(as_role, session):
    assert as_role("secretary").form_post(
        f"/consultaties/{SLUG}/archiveren/punt/999999").status_code == 404
    assert as_role("secretary").form_post(
        f"/consultaties/{SLUG}/archiveren/iets/1").status_code == 404


def _point_42_saying(session, body: str):
    """(Nieuwkoop's reaction, its point 42) with the point's text set to ``body``."""
    reaction = _nieuwkoop(session)
    point = session.exec(select(Point).where(Point.reaction_id == reaction.id,
                                             Point.number == "42")).one()
    point.body = body
    session.add(point)
    session.commit()
    return reaction, point


def test_archiving_says_what_went_with_an_undo_and_escapes_it(as_role, session):
    secretary = as_role("secretary")
    reaction, point = _point_42_saying(session, "<script>alert(1)</script> Aantal "
                                                "uithuisplaatsingen")
    page = f"/consultaties/{SLUG}/reacties/{reaction.id}"
    archive = f"/consultaties/{SLUG}/archiveren/punt/{point.id}"
    for _ in range(2):  # a double click: said again, archived once, never an error
        done = secretary.form_post(archive, {"next": page})
        assert done.status_code == 303 and done.headers["Location"] == page
        html = secretary.get(page).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
        assert ("Gearchiveerd: punt 42 van Nieuwkoop („&lt;script&gt;alert(1)&lt;/script&gt; "
                "Aantal uithuisplaatsingen”)") in _text_of(html)
        undo = re.search(r'action="([^"]*/herstellen/punt/\d+)"', html)
        assert undo and undo.group(1).endswith(f"/herstellen/punt/{point.id}")
    events = session.exec(select(AuditEvent).where(
        AuditEvent.entity == "point", AuditEvent.entity_id == point.id,
        AuditEvent.action == "archive")).all()
    assert len(events) == 1
    # The undo goes back to the same page and says so; the flash is shown once.
    back = secretary.form_post(f"/consultaties/{SLUG}/herstellen/punt/{point.id}",
                               {"next": page})
    assert back.headers["Location"] == page
    text = _text(secretary.get(page))
    assert "Teruggezet: punt 42 van Nieuwkoop" in text and "42 van 42 punten" in text
    assert "Teruggezet" not in _text(secretary.get(page))


def test_the_archive_line_quotes_the_text_without_markdown(as_role, session):
    """The trial saw „Wordt **meegenomen** in het inkoopplan 2017: - jongerenwerk…”."""
    secretary = as_role("secretary")
    reaction, point = _point_42_saying(
        session, "Wordt **meegenomen** in het [inkoopplan](https://example.org):\n\n- jongerenwerk")
    page = f"/consultaties/{SLUG}/reacties/{reaction.id}"
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/punt/{point.id}", {"next": page})
    text = _text_of(secretary.get(page).get_data(as_text=True))
    assert "Gearchiveerd: punt 42 van Nieuwkoop („Wordt meegenomen in het inkoopplan" in text
    assert "**" not in text and "](" not in text


def _text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_background_request_never_brings_a_shown_message_back(as_role, session):
    """The menu's count (after every page) and the channel's poll ran beside the page that
    showed "Gearchiveerd: ..."; each re-set the session cookie as it had read it, with the
    message still in it, and whichever answered last won: the message came back on the next
    page beside "Teruggezet" (seen in Chromium). A background htmx request that changes
    nothing in the session sets no cookie; a page still does (its expiry slides)."""
    secretary = as_role("secretary")
    reaction = _nieuwkoop(session)
    point = session.exec(select(Point).where(Point.reaction_id == reaction.id)).first()
    page = f"/consultaties/{SLUG}/reacties/{reaction.id}"
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/punt/{point.id}", {"next": page})
    for background in ("/nieuw/aantal", f"/consultaties/{SLUG}/wijzigingen?rev=1"):
        answer = secretary.hx_get(background)
        assert answer.status_code == 200
        assert answer.headers.getlist("Set-Cookie") == [], background
    shown = secretary.get(page)
    assert "Gearchiveerd: punt" in _text(shown) and shown.headers.getlist("Set-Cookie")
    assert "Gearchiveerd: punt" not in _text(secretary.get(page))


def test_an_htmx_request_without_a_login_says_log_in_first_as_plain_text(demo_app):
    """Logged out in another tab: the menu's count and any action answer 401 with a sentence
    consult.js shows as it is (text/html made it "Er ging iets mis ... (401)")."""
    client = demo_app.test_client()
    answer = client.get("/nieuw/aantal", headers={"HX-Request": "true"})
    assert answer.status_code == 401 and answer.mimetype == "text/plain"
    assert answer.get_data(as_text=True) == "Log eerst in."


def test_the_commitment_form_offers_answers_as_plain_text(as_role, session):
    """An <option> cannot show Markdown: the answer's text without its markers."""
    secretary = as_role("secretary")
    reaction = _nieuwkoop(session)
    answered = secretary.hx_post(f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden", {
        "selection": "1", "status": "adopted",
        "body": "**Meegenomen** in het inkoopplan.\n\n- eerste stap\n- tweede stap"})
    assert answered.status_code == 200
    html = secretary.get(f"/consultaties/{SLUG}/toezeggingen").get_data(as_text=True)
    option = re.search(r"<option [^>]*>(Meegenomen in het inkoopplan[^<]*)</option>", html)
    assert option, html[-3000:]
    assert "**" not in option.group(1) and "• eerste stap • tweede stap" in option.group(1)


def test_an_archived_answer_is_named_by_its_points_as_the_pages_label_them(as_role, session):
    secretary = as_role("secretary")
    reaction = _nieuwkoop(session)
    page = f"/consultaties/{SLUG}/reacties/{reaction.id}"
    assert secretary.hx_post(f"{page}/antwoorden", {
        "selection": "1 t/m 3, 5", "status": "adopted", "body": "Samen beantwoord."}
    ).status_code == 200
    response = session.exec(select(Response).where(Response.body == "Samen beantwoord.")).one()
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/antwoord/{response.id}",
                        {"next": page})
    assert ("Gearchiveerd: het antwoord op de punten 1-3 en 5 van Nieuwkoop („Samen "
            "beantwoord.”)") in _text(secretary.get(page))


EXCERPT_SOURCE = ("**Grutto-overleg** volgt.\n\n- eerste stap\n- tweede stap\n\n"
                  "Zie [de notitie](https://example.org/n) <img src=x onerror=alert(1)>")


def test_excerpts_of_points_answers_and_messages_read_as_text(as_role, session):
    """Pages that show the start of a point, answer or message ("Nieuw", the archive, a
    reaction's points, the inbox, the thread list...) showed its Markdown source ("**",
    "- ", "[x](url)"); now plain text, lines kept, and HTML someone typed stays visible text."""
    import html as html_lib

    secretary = as_role("secretary")
    reaction = _nieuwkoop(session)
    point, other = session.exec(select(Point).where(Point.reaction_id == reaction.id)
                                .order_by(Point.position).limit(2)).all()
    point.body = other.body = EXCERPT_SOURCE
    session.add_all([point, other])
    session.commit()
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/punt/{other.id}")
    pages = {
        "reaction's points": secretary.hx_get(
            f"/consultaties/{SLUG}/reacties/{reaction.id}/punten"),
        "archive": secretary.get(f"/consultaties/{SLUG}/archief"),
    }
    for name, page in pages.items():
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "<img src=x" not in html, name
        shown = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
        assert "Grutto-overleg volgt." in shown, name
        assert "**" not in shown and "](" not in shown and "- eerste" not in shown, name
        assert "• eerste stap" in shown and "<img src=x onerror=alert(1)>" in shown, name
