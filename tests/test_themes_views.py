"""The theme board as people use it (SQLite and PostgreSQL, the 2016 demo): who may read and
change it, themes made by hand and from suggestions, single points moved in and out by htmx,
bad input, and one answer for a theme's points of four reactions that then shows on every
reaction page, in the answered table and in the answer letters like any other answer."""

import io
import re

import pytest
from docx import Document
from sqlmodel import func, select

from consult.db import get_session
from consult.models import Point, Reaction, Response, ResponsePoint, Stakeholder
from consult.themes.models import Theme, ThemePoint

SLUG = "holland-rijnland-jeugdhulp-2016"
BOARD = f"/consultaties/{SLUG}/themas"
# The 18-/18+ points of four reactions (sender, point number).
EIGHTEEN = [("College van B&W Alphen aan den Rijn", "5"), ("Leiden", "9"),
            ("Leiderdorp", "8"), ("Zoeterwoude", "12")]


def _point_ids(app, wanted):
    with app.app_context():
        session = get_session()
        rows = session.exec(select(Point.id, Stakeholder.name, Point.number, Reaction.id)
                            .join(Reaction, Reaction.id == Point.reaction_id)
                            .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)).all()
    return [(pid, rid) for pid, name, number, rid in rows if (name, number) in set(wanted)]


def _theme_ids(app):
    with app.app_context():
        return {t.title: t.id for t in get_session().exec(
            select(Theme).where(Theme.archived.is_(False))).all()}


def _form_key(html):
    return re.search(r'name="form_key" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("role, status", [(None, 404), ("viewer", 404),
                                          ("advisory_member", 404), ("councillor", 200),
                                          ("secretary", 200), ("admin", 200)])
def test_who_may_read_the_board(as_role, role, status):
    page = as_role(role).get(BOARD)
    assert page.status_code == status
    if status == 200:
        html = page.get_data(as_text=True)
        assert "Punten zonder thema" in html
        # Near-identical points and the form letter, each shown once with its senders.
        assert "Standaardbrief: vrijwel dezelfde reactie van" in html
        assert html.count("Sent by") == 0 and html.count("Ingediend door") == 4
        # Only the secretariat gets the forms.
        assert ("Nieuw thema" in html) == (role in ("secretary", "admin"))


@pytest.mark.parametrize("role", [None, "viewer", "councillor", "advisory_member"])
def test_only_the_secretariat_may_change_it(as_role, demo_app, role):
    actor = as_role(role)
    assert actor.form_post(BOARD, {"title": "Privacy"}).status_code in (403, 404)
    assert actor.form_post(f"{BOARD}/voorstellen").status_code in (403, 404)
    assert _theme_ids(demo_app) == {}


def test_a_theme_is_made_renamed_filled_by_htmx_and_deleted(as_role, demo_app):
    secretary = as_role("secretary")
    made = secretary.form_post(BOARD, {"title": "Overgang 18-/18+", "description": "18 jaar"})
    assert made.status_code == 303
    theme_id = _theme_ids(demo_app)["Overgang 18-/18+"]
    (pid, _rid), *_ = _point_ids(demo_app, EIGHTEEN[:1])
    fragment = secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(theme_id)})
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    # only what changed, out of band: the theme and the points without one; not the board
    assert fragment.headers["HX-Reswap"] == "none"
    assert 'id="board"' not in html and "<html" not in html
    swapped = re.findall(r'<(?:section|p) [^>]*id="([^"]+)"[^>]*hx-swap-oob="(\w+)"', html)
    assert swapped[:2] == [(f"thema-{theme_id}", "true"), ("zonder-thema-telling", "true")]
    # its sender's list without a theme: shorter by one, or gone
    assert len(swapped) == 3 and swapped[2][0].startswith("ts-0-")
    assert f'id="tp-{theme_id}-{pid}"' in html  # now listed in the theme
    assert f'id="tp-0-{pid}"' not in html  # and no longer without one
    assert secretary.form_post(f"{BOARD}/{theme_id}", {"title": "18-/18+",
                                                       "description": ""}).status_code == 303
    assert "18-/18+" in _theme_ids(demo_app)
    other = secretary.form_post(BOARD, {"title": "Privacy"})
    assert other.status_code == 303
    other_id = _theme_ids(demo_app)["Privacy"]
    both = secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(other_id)}).get_data(
        as_text=True)  # into a second theme: still themed, so only that theme is sent
    assert re.findall(r'<section [^>]*id="([^"]+)"[^>]*hx-swap-oob="true"', both) == \
        [f"thema-{other_id}"]
    secretary.hx_post(f"{BOARD}/punten/{pid}", {"out_of": str(other_id)})
    out = secretary.hx_post(f"{BOARD}/punten/{pid}", {"out_of": str(theme_id)})
    html = out.get_data(as_text=True)
    assert f'id="tp-{theme_id}-{pid}"' not in html
    assert f'id="tp-0-{pid}"' in html  # back among the points without a theme
    assert secretary.form_post(f"{BOARD}/{theme_id}/verwijderen").status_code == 303
    assert _theme_ids(demo_app) == {"Privacy": other_id}
    # A theme of another consultation or a deleted one is not found.
    assert secretary.form_post(f"{BOARD}/{theme_id}", {"title": "x"}).status_code == 404


def test_deleting_a_theme_offers_undo_and_undo_brings_it_back_with_its_points(as_role, demo_app):
    secretary = as_role("secretary")
    secretary.form_post(BOARD, {"title": "Overgang 18-/18+", "description": "18 jaar"})
    theme_id = _theme_ids(demo_app)["Overgang 18-/18+"]
    ids = [pid for pid, _rid in _point_ids(demo_app, EIGHTEEN)]
    for pid in ids:
        secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(theme_id)})
    deleted = secretary.form_post(f"{BOARD}/{theme_id}/verwijderen", follow_redirects=True)
    html = deleted.get_data(as_text=True)
    assert "Thema verwijderd: Overgang 18-/18+." in html
    undo = f'action="{BOARD}/{theme_id}/herstellen"'
    assert undo in html and "Ongedaan maken" in html
    assert _theme_ids(demo_app) == {}
    # meanwhile its points are without a theme, on the board and in the table per theme
    assert f'id="tp-{theme_id}-{ids[0]}"' not in html
    table = secretary.get(f"/consultaties/{SLUG}/tabel?orde=thema").get_data(as_text=True)
    assert "Overgang 18-/18+" not in table
    back = secretary.form_post(f"{BOARD}/{theme_id}/herstellen", follow_redirects=True)
    html = back.get_data(as_text=True)
    assert "Thema teruggezet: Overgang 18-/18+." in html
    assert _theme_ids(demo_app) == {"Overgang 18-/18+": theme_id}
    assert all(f'id="tp-{theme_id}-{pid}"' in html for pid in ids)
    # a second click of the same button changes nothing and says so
    again = secretary.form_post(f"{BOARD}/{theme_id}/herstellen", follow_redirects=True)
    assert "Was al teruggezet: Overgang 18-/18+." in again.get_data(as_text=True)
    # a theme of no consultation of this URL is not found
    assert secretary.form_post(f"{BOARD}/999999/herstellen").status_code == 404


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_bad_title_is_told_in_dutch_and_nothing_is_made(as_role, demo_app, title):
    page = as_role("secretary").form_post(BOARD, {"title": title})
    assert page.status_code == 422
    assert ("Geef het thema een titel." in page.get_data(as_text=True)
            or "hoogstens 200 tekens" in page.get_data(as_text=True))
    assert _theme_ids(demo_app) == {}


def test_moving_a_point_without_a_theme_or_into_a_missing_one(as_role, demo_app):
    secretary = as_role("secretary")
    (pid, _rid), *_ = _point_ids(demo_app, EIGHTEEN[:1])
    page = secretary.hx_post(f"{BOARD}/punten/{pid}", {})
    assert page.status_code == 422 and "Kies een thema" in page.get_data(as_text=True)
    assert secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": "999999"}).status_code == 404


def test_suggestions_are_accepted_renamed_merged_and_dropped(as_role, demo_app):
    secretary = as_role("secretary")
    assert secretary.form_post(f"{BOARD}/voorstellen").status_code == 303
    html = secretary.get(BOARD).get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'id="voorstel-(\d+)"', html)]
    assert len(ids) >= 12
    first, second, third, fourth = ids[:4]
    assert secretary.form_post(f"{BOARD}/voorstellen/{first}/hernoemen",
                               {"label": "Samenwerking JGT"}).status_code == 303
    assert secretary.form_post(f"{BOARD}/voorstellen/{first}/samenvoegen",
                               {"other_id": str(second)}).status_code == 303
    assert secretary.form_post(f"{BOARD}/voorstellen/{third}/laten-vallen").status_code == 303
    assert secretary.form_post(f"{BOARD}/voorstellen/{first}/aannemen").status_code == 303
    assert secretary.form_post(f"{BOARD}/voorstellen/{fourth}/aannemen").status_code == 303
    themes = _theme_ids(demo_app)
    assert "Samenwerking JGT" in themes and len(themes) == 2
    html = secretary.get(BOARD).get_data(as_text=True)
    for gone in (first, second, third, fourth):
        assert f'id="voorstel-{gone}"' not in html
    with demo_app.app_context():
        held = get_session().exec(select(ThemePoint).where(
            ThemePoint.theme_id == themes["Samenwerking JGT"])).all()
    assert len(held) >= 4


def test_one_answer_for_a_theme_across_four_reactions_shows_like_any_other(as_role, demo_app):
    secretary = as_role("secretary")
    secretary.form_post(BOARD, {"title": "Overgang 18-/18+"})
    theme_id = _theme_ids(demo_app)["Overgang 18-/18+"]
    points = _point_ids(demo_app, EIGHTEEN)
    assert len({rid for _pid, rid in points}) == 4
    for pid, _rid in points:
        secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(theme_id)})
    form = secretary.get(f"{BOARD}/{theme_id}/beantwoorden")
    assert form.status_code == 200
    # The trial: the page hid the points' answers of now (Leiden 9's "De punten 8 t/m 10 ...").
    with demo_app.app_context():
        from consult import richtext
        from consult.bulk.answers import latest_answers

        now = latest_answers(get_session(), [pid for pid, _rid in points])
        shown = [" ".join(richtext.excerpt(r.body).split())[:60] for r in now.values()]
    page = re.sub(r"\s+", " ", form.get_data(as_text=True))
    assert now and all(f"Het antwoord nu: {text}" in page.replace("&#39;", "'").replace(
        "&amp;", "&") for text in shown), shown
    body = "De overgang 18-/18+ krijgt een eigen werkgroep in het strategisch overleg jeugd."
    saved = secretary.form_post(f"{BOARD}/{theme_id}/beantwoorden", {
        "form_key": _form_key(form.get_data(as_text=True)), "body": body, "status": "adopted",
        "decided_by": "PHO Jeugdhulp", "decided_on": "2015-12-16",
        "point_ids": [str(pid) for pid, _rid in points]})
    assert saved.status_code == 303
    board = secretary.get(BOARD).get_data(as_text=True)
    assert "Opgeslagen: één antwoord voor 4 punten van 4 reacties." in board
    with demo_app.app_context():
        session = get_session()
        [response] = session.exec(select(Response).where(Response.body == body)).all()
        covered = set(session.exec(select(ResponsePoint.point_id).where(
            ResponsePoint.response_id == response.id)))
    assert covered == {pid for pid, _rid in points}
    for _pid, rid in points:  # every reaction page shows it
        page = secretary.get(f"/consultaties/{SLUG}/reacties/{rid}").get_data(as_text=True)
        assert "eigen werkgroep in het strategisch overleg" in page
    table = secretary.get(f"/consultaties/{SLUG}/tabel").get_data(as_text=True)
    assert table.count("eigen werkgroep in het strategisch overleg") >= 1
    with demo_app.app_context():
        leiden = get_session().exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    letter = secretary.get(f"/consultaties/{SLUG}/antwoordbrieven/{leiden.id}.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.data)).paragraphs)
    text += "\n".join(c.text for t in Document(io.BytesIO(letter.data)).tables
                      for r in t.rows for c in r.cells)
    assert "eigen werkgroep in het strategisch overleg" in text
    # The same form sent again (a double click) saves nothing twice.
    secretary.form_post(f"{BOARD}/{theme_id}/beantwoorden", {
        "form_key": _form_key(form.get_data(as_text=True)), "body": body, "status": "adopted",
        "point_ids": [str(pid) for pid, _rid in points]})
    with demo_app.app_context():
        assert len(get_session().exec(select(Response).where(Response.body == body)).all()) == 1


def test_answering_a_theme_needs_points_of_the_theme_and_an_explanation(as_role, demo_app):
    secretary = as_role("secretary")
    secretary.form_post(BOARD, {"title": "Leeg"})
    theme_id = _theme_ids(demo_app)["Leeg"]
    (pid, _rid), *_ = _point_ids(demo_app, EIGHTEEN[:1])
    form = secretary.get(f"{BOARD}/{theme_id}/beantwoorden").get_data(as_text=True)
    # A point that is not in the theme is ignored: nothing to answer.
    page = secretary.form_post(f"{BOARD}/{theme_id}/beantwoorden", {
        "form_key": _form_key(form), "body": "x", "point_ids": [str(pid)]})
    assert page.status_code == 422 and "Vink de punten aan" in page.get_data(as_text=True)
    secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(theme_id)})
    with demo_app.app_context():
        before = len(get_session().exec(select(Response)).all())
    page = secretary.form_post(f"{BOARD}/{theme_id}/beantwoorden", {
        "form_key": _form_key(form), "body": "", "point_ids": [str(pid)]})
    assert page.status_code == 422 and "toelichting" in page.get_data(as_text=True).lower()
    with demo_app.app_context():
        assert len(get_session().exec(select(Response)).all()) == before


def test_a_themes_answer_refuses_what_it_cannot_read_and_archived_things(as_role, demo_app):
    """The attack: status=bogus was saved as a draft, a bad date dropped, an archived
    destination taken, and points of an archived letter answered."""
    secretary = as_role("secretary")
    secretary.form_post(BOARD, {"title": "Streng"})
    theme_id = _theme_ids(demo_app)["Streng"]
    (pid, rid), *_ = _point_ids(demo_app, EIGHTEEN[:1])
    secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(theme_id)})
    url = f"{BOARD}/{theme_id}/beantwoorden"
    with demo_app.app_context():
        before = len(get_session().exec(select(Response)).all())
    for extra, says in (({"status": "bogus"}, "Kies een status"),
                        ({"status": "adopted", "decided_on": "31-12-2026x"},
                         "Geef de datum van het besluit als datum")):
        form = secretary.get(url).get_data(as_text=True)
        page = secretary.form_post(url, {"form_key": _form_key(form), "body": "Antwoord",
                                         "point_ids": [str(pid)], **extra})
        assert page.status_code == 422 and says in page.get_data(as_text=True), says
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/reactie/{rid}", {"next": "/"})
    form = secretary.get(url).get_data(as_text=True)
    page = secretary.form_post(url, {"form_key": _form_key(form), "body": "Antwoord",
                                     "status": "adopted", "point_ids": [str(pid)]})
    assert page.status_code in (409, 422)
    with demo_app.app_context():
        assert len(get_session().exec(select(Response)).all()) == before


def test_a_theme_made_or_accepted_twice_is_made_once(as_role, demo_app):
    """The attack: the same "new theme" form sent twice made two themes; "Accept" twice made
    two themes (at once) or a bare 404 (one after the other)."""
    secretary = as_role("secretary")
    board = secretary.get(BOARD).get_data(as_text=True)
    key = re.search(r'action="[^"]*/themas"[^>]*>.*?name="form_key" value="([^"]+)"', board,
                    re.S).group(1)
    for _ in range(2):
        sent = secretary.form_post(BOARD, {"form_key": key, "title": "Dubbel thema"})
        assert sent.status_code == 303
    with demo_app.app_context():
        made = get_session().exec(select(Theme).where(Theme.title == "Dubbel thema")).all()
    assert len(made) == 1
    secretary.form_post(f"{BOARD}/voorstellen", {})
    board = secretary.get(BOARD).get_data(as_text=True)
    accept, key = re.search(r'action="([^"]*/voorstellen/\d+/aannemen)"[^>]*>.*?'
                            r'name="form_key" value="([^"]+)"', board, re.S).groups()
    def themes():
        with demo_app.app_context():
            return len(get_session().exec(select(Theme)).all())

    before = themes()
    for _ in range(2):
        assert secretary.form_post(accept, {"form_key": key}).status_code == 303
    assert themes() == before + 1


def test_a_councillor_who_may_read_the_board_finds_a_link_to_it(as_role, demo_app):
    """The attack: councillors may read the board but no page linked to it."""
    page = as_role("councillor").get(f"/consultaties/{SLUG}").get_data(as_text=True)
    assert f'href="{BOARD}"' in page
    assert f'href="{BOARD}"' not in as_role(None).get(f"/consultaties/{SLUG}").get_data(
        as_text=True)


def _seen(html, theme_id):
    return re.search(rf'/themas/{theme_id}".*?name="seen" value="([0-9a-f]+)"', html,
                     re.S).group(1)


def test_two_tabs_renaming_one_theme_never_overwrite_each_other(as_role, demo_app):
    """The trial: tab A renamed "PGB, ZIN, verhouding" to "PGB en ZIN (keuzevrijheid)"; tab B,
    read before, saved a description and A's title was silently gone. B is refused (409),
    keeps what it typed in its form, and shows the saved title; saved again, it wins."""
    secretary = as_role("secretary")
    secretary.form_post(BOARD, {"title": "PGB, ZIN, verhouding", "description": ""})
    theme_id = _theme_ids(demo_app)["PGB, ZIN, verhouding"]
    token = _seen(secretary.get(BOARD).get_data(as_text=True), theme_id)
    a = secretary.form_post(f"{BOARD}/{theme_id}", {
        "title": "PGB en ZIN (keuzevrijheid)", "description": "", "seen": token})
    assert a.status_code == 303
    b = secretary.form_post(f"{BOARD}/{theme_id}", {
        "title": "PGB, ZIN, verhouding", "description": "Over de keuze", "seen": token})
    assert b.status_code == 409
    html = b.get_data(as_text=True)
    assert "Iemand anders heeft dit thema intussen gewijzigd" in html
    assert "PGB en ZIN (keuzevrijheid)" in html  # the saved title, as the heading
    assert ">Over de keuze</textarea>" in html  # B's text kept in its form
    assert "PGB en ZIN (keuzevrijheid)" in _theme_ids(demo_app)
    again = secretary.form_post(f"{BOARD}/{theme_id}", {
        "title": "PGB, ZIN, verhouding", "description": "Over de keuze",
        "seen": _seen(html, theme_id)})
    assert again.status_code == 303
    assert "PGB, ZIN, verhouding" in _theme_ids(demo_app)


def test_a_refused_new_theme_keeps_what_was_typed(as_role, demo_app):
    """The trial: the new-theme form came back empty after a refusal, and the description box
    cut a long paste silently at 2,000 characters. The refusal keeps title and description
    and says why; the box has no silent limit."""
    secretary = as_role("secretary")
    long = "Lange toelichting. " * 120  # 2,280 characters
    page = secretary.form_post(BOARD, {"title": "Wachttijden", "description": long})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "hoogstens 2000 tekens" in html or "hoogstens 2.000 tekens" in html
    assert 'value="Wachttijden"' in html and long.strip() in html
    assert re.search(r'<textarea name="description"[^>]*>', html)
    assert "maxlength" not in re.search(r'<textarea name="description"[^>]*>', html).group(0)
    assert _theme_ids(demo_app) == {}


def test_a_stale_tab_never_accepts_a_suggestion_it_did_not_show(as_role, demo_app):
    """The trial: on SQLite the suggestions' ids start again at 1 after "Opnieuw
    voorstellen", so a tab read before accepted whatever suggestion now had that id. Each
    form carries a token of the suggestion it showed: an older one is refused (409, nothing
    made; or 404 where the id is gone), the page's own is taken."""
    secretary = as_role("secretary")
    secretary.form_post(f"{BOARD}/voorstellen")
    old = secretary.get(BOARD).get_data(as_text=True)
    first = re.search(r'id="voorstel-(\d+)"', old).group(1)
    token = re.search(rf'voorstellen/{first}/aannemen".*?name="made" value="([0-9a-f]+)"', old,
                      re.S).group(1)
    key = _form_key(old)
    secretary.form_post(f"{BOARD}/voorstellen")  # suggested again
    stale = secretary.form_post(f"{BOARD}/voorstellen/{first}/aannemen",
                                {"made": token, "form_key": key})
    assert stale.status_code in (404, 409)
    if stale.status_code == 409:
        assert "opnieuw voorgesteld, dus er is niets gewijzigd" in stale.get_data(as_text=True)
    assert _theme_ids(demo_app) == {}
    fresh = secretary.get(BOARD).get_data(as_text=True)
    now = re.search(r'id="voorstel-(\d+)"', fresh).group(1)
    token = re.search(rf'voorstellen/{now}/aannemen".*?name="made" value="([0-9a-f]+)"', fresh,
                      re.S).group(1)
    taken = secretary.form_post(f"{BOARD}/voorstellen/{now}/aannemen",
                                {"made": token, "form_key": _form_key(fresh)})
    assert taken.status_code == 303 and len(_theme_ids(demo_app)) == 1


def _theme_of_eighteen(secretary, app, title="Overgang 18-/18+"):
    """A theme holding the 18-/18+ points of four reactions; (theme id, [(point, reaction)])."""
    secretary.form_post(BOARD, {"title": title})
    theme_id = _theme_ids(app)[title]
    points = _point_ids(app, EIGHTEEN)
    for pid, _rid in points:
        secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(theme_id)})
    return theme_id, points


def _template_and_destination(secretary, app, body):
    """An answer template with ``body`` and the id of a live destination, of the demo."""
    from consult.bulk.models import AnswerTemplate
    from consult.models import Destination

    assert secretary.form_post(f"/consultaties/{SLUG}/sjablonen", {
        "title": "Werkgroep", "body": body, "form_key": "t" * 32}).status_code == 303
    with app.app_context():
        session = get_session()
        template = session.exec(select(AnswerTemplate)).one()
        destination = session.exec(select(Destination).where(
            Destination.archived.is_(False)).order_by(Destination.id)).first()
        return template.id, destination.id, destination.title


def test_the_theme_answer_page_fills_the_explanation_from_a_template(as_role, demo_app):
    """Without JavaScript: "Gebruik sjabloon" fills the explanation for the ticked points and
    destinations (as the bulk "apply template" fills them) and keeps all else typed; nothing
    is saved. With htmx: only the explanation comes back, filled the same way."""
    secretary = as_role("secretary")
    theme_id, points = _theme_of_eighteen(secretary, demo_app)
    template_id, destination_id, title = _template_and_destination(
        secretary, demo_app, "{indiener}: punt {punt} wordt meegenomen in {bestemming}.")
    url = f"{BOARD}/{theme_id}/beantwoorden"
    form = secretary.get(url).get_data(as_text=True)
    assert "Gebruik sjabloon" in form and "Werkgroep" in form
    ticked = [pid for pid, _rid in points if pid != points[0][0]]  # Alphen left out
    with demo_app.app_context():
        responses_before = len(get_session().exec(select(Response)).all())
    typed = {"form_key": _form_key(form), "body": "wat ik eerst schreef", "status": "adopted",
             "decided_by": "PHO Jeugdhulp", "decided_on": "2015-12-16",
             "template_id": str(template_id), "destination_ids": [str(destination_id)],
             "new_destination": "Werkgroep 18-/18+ nieuw",
             "point_ids": [str(pid) for pid in ticked]}
    page = secretary.form_post(url, {**typed, "use_template": "1"})
    assert page.status_code == 200
    html = page.get_data(as_text=True).replace("&amp;", "&")
    expected = (f"Leiden, Leiderdorp en Zoeterwoude: punt 9 (Leiden), 8 (Leiderdorp) en 12 "
                f"(Zoeterwoude) wordt meegenomen in {title} en Werkgroep 18-/18+ nieuw.")
    body = re.search(r'<textarea name="body"[^>]*>([^<]*)</textarea>', html).group(1)
    assert body == expected
    assert "wat ik eerst schreef" not in html
    # everything else as typed: decider, date, status, destination, ticks, the new title
    assert 'value="PHO Jeugdhulp"' in html and 'value="2015-12-16"' in html
    assert re.search(r'<option value="adopted"\s*selected', html)
    assert re.search(rf'value="{destination_id}"\s*checked', html)
    assert 'value="Werkgroep 18-/18+ nieuw"' in html
    assert re.search(rf'value="{template_id}" selected', html)
    checked = set(map(int, re.findall(r'name="point_ids" value="(\d+)" checked', html)))
    assert checked == set(ticked)
    with demo_app.app_context():
        assert len(get_session().exec(select(Response)).all()) == responses_before
    # htmx (the select's change): only the explanation's block, filled the same way
    fragment = secretary.hx_post(url, {**typed, "use_template": "1"})
    assert fragment.status_code == 200
    part = fragment.get_data(as_text=True).replace("&amp;", "&")
    assert part.lstrip().startswith('<div id="theme-answer-body">') and "<form" not in part
    assert expected in part
    # One sender: {punt} the numbers alone, {indiener} the one name.
    one = secretary.hx_post(url, {**typed, "use_template": "1", "new_destination": "",
                                  "point_ids": [str(points[1][0])]}).get_data(as_text=True)
    assert f"Leiden: punt 9 wordt meegenomen in {title}." in one.replace("&amp;", "&")
    # {bestemming} without a destination: told, the explanation as it was
    told = secretary.hx_post(url, {**typed, "use_template": "1", "destination_ids": [],
                                   "new_destination": ""}).get_data(as_text=True)
    assert "kies een bestemming" in told and ">wat ik eerst schreef</textarea>" in told
    # The filled text is then saved as the answer of the ticked points.
    saved = secretary.form_post(url, {**typed, "body": expected})
    assert saved.status_code == 303
    with demo_app.app_context():
        session = get_session()
        [response] = session.exec(select(Response).where(Response.body == expected)).all()
        assert set(session.exec(select(ResponsePoint.point_id).where(
            ResponsePoint.response_id == response.id))) == set(ticked)


def test_a_template_that_cannot_be_filled_keeps_what_was_typed(as_role, demo_app):
    """No template chosen, another consultation's id, or {punt} with no point ticked: a Dutch
    message, the explanation as typed, nothing saved."""
    secretary = as_role("secretary")
    theme_id, points = _theme_of_eighteen(secretary, demo_app)
    template_id, _did, _title = _template_and_destination(secretary, demo_app,
                                                          "Punt {punt} is verwerkt.")
    url = f"{BOARD}/{theme_id}/beantwoorden"
    form = secretary.get(url).get_data(as_text=True)
    base = {"form_key": _form_key(form), "body": "mijn eigen tekst", "use_template": "1"}
    for extra, message in (({"template_id": ""}, "Kies een antwoordsjabloon"),
                           ({"template_id": "999999"}, "Kies een antwoordsjabloon"),
                           ({"template_id": "x²"}, "Kies een antwoordsjabloon"),
                           ({"template_id": str(template_id)}, "Vink eerst de punten aan")):
        page = secretary.form_post(url, {**base, **extra})
        assert page.status_code == 422, extra
        html = page.get_data(as_text=True)
        assert message in html and ">mijn eigen tekst</textarea>" in html
        fragment = secretary.hx_post(url, {**base, **extra}).get_data(as_text=True)
        assert message in fragment and ">mijn eigen tekst</textarea>" in fragment
    with demo_app.app_context():
        assert not get_session().exec(select(Response).where(
            Response.body.contains("mijn eigen tekst"))).all()


def _themes_of(app, pid):
    with app.app_context():
        return set(get_session().exec(select(ThemePoint.theme_id).where(
            ThemePoint.point_id == pid)))


def test_a_point_in_a_theme_joins_a_second_one_from_the_board_and_back(as_role, demo_app):
    """Beside "Verplaatsen" a point in a theme offers "Ook in thema": by htmx only the theme
    it joined comes back (it was themed and stays so), with an undo that takes it out of that
    theme again; the move offers the same. Without JavaScript: the board, with the undo."""
    secretary = as_role("secretary")
    secretary.form_post(BOARD, {"title": "Overgang 18-/18+"})
    secretary.form_post(BOARD, {"title": "Wachtlijsten"})
    secretary.form_post(BOARD, {"title": "Privacy"})
    ids = _theme_ids(demo_app)
    first, second, third = ids["Overgang 18-/18+"], ids["Wachtlijsten"], ids["Privacy"]
    (pid, _rid), *_ = _point_ids(demo_app, EIGHTEEN[1:2])
    secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(first)})
    board = secretary.get(BOARD).get_data(as_text=True)
    line = board[board.index(f'id="tp-{first}-{pid}"'):]
    line = line[:line.index("</li>")]
    assert "Verplaatsen of ook in…" in line and "Uit thema halen" in line
    assert "<option" not in line  # the board carries no list of themes per point in a theme
    # the choice, asked when wanted, lists the other themes only, inside the point's form
    choice = secretary.hx_get(f"{BOARD}/punten/{pid}/kiezen?thema={first}")
    html = choice.get_data(as_text=True)
    assert choice.status_code == 200 and "<form" not in html and "<html" not in html
    assert "Ook in thema" in html and "Verplaatsen" in html
    options = re.findall(r'<option value="(\d+)"', html)
    assert sorted(map(int, options)) == sorted([second, third])
    # without JavaScript the same choice is a page with a form of its own
    page = secretary.get(f"{BOARD}/punten/{pid}/kiezen?thema={first}").get_data(as_text=True)
    assert f'action="{BOARD}/punten/{pid}"' in page and f'name="out_of" value="{first}"' in page
    assert "Staat nu in Overgang 18-/18+." in page
    assert secretary.get(f"{BOARD}/punten/{pid}/kiezen?thema=999999").status_code == 404

    # the browser sends the select (into), the hidden out_of and the button pressed (how)
    also = secretary.hx_post(f"{BOARD}/punten/{pid}", {"out_of": str(first),
                                                       "into": str(second), "how": "also"})
    assert also.status_code == 200 and also.headers["HX-Reswap"] == "none"
    html = also.get_data(as_text=True)
    assert re.findall(r'<section [^>]*id="([^"]+)"[^>]*hx-swap-oob="true"', html) == \
        [f"thema-{second}"]
    assert f'id="tp-{second}-{pid}"' in html and 'id="board"' not in html
    assert _themes_of(demo_app, pid) == {first, second}
    undo = re.search(r'<div id="theme-undo" hx-swap-oob="true">(.*?)</div>\s*</div>', html,
                     re.S).group(1)
    assert "Punt 9 staat nu in Wachtlijsten." in undo and "Ongedaan maken" in undo
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', undo))
    assert fields["out_of"] == str(second) and "into" not in fields and fields["undo"] == "1"
    # joining a theme it is in already changes nothing and offers no undo
    again = secretary.hx_post(f"{BOARD}/punten/{pid}", {"out_of": str(first),
                                                        "into": str(second), "how": "also"})
    assert "Ongedaan maken" not in again.get_data(as_text=True)
    # the undo: out of the second theme again, and no undo of the undo
    back = secretary.hx_post(f"{BOARD}/punten/{pid}", fields).get_data(as_text=True)
    assert _themes_of(demo_app, pid) == {first}
    assert f'id="tp-{second}-{pid}"' not in back and "Ongedaan maken" not in back
    assert '<div id="theme-undo" hx-swap-oob="true"></div>' in back  # the old one cleared

    # "Verplaatsen": out of the first, into the third; its undo puts it back
    moved = secretary.hx_post(f"{BOARD}/punten/{pid}", {"out_of": str(first),
                                                        "into": str(third), "how": "move"})
    html = moved.get_data(as_text=True)
    assert _themes_of(demo_app, pid) == {third}
    assert set(re.findall(r'<section [^>]*id="(thema-\d+)"[^>]*hx-swap-oob="true"', html)) == \
        {f"thema-{first}", f"thema-{third}"}
    assert "Punt 9 verplaatst van Overgang 18-/18+ naar Privacy." in html
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                             html[html.index('id="theme-undo"'):]))
    assert (fields["into"], fields["out_of"]) == (str(first), str(third))
    secretary.hx_post(f"{BOARD}/punten/{pid}", fields)
    assert _themes_of(demo_app, pid) == {first}
    # "Uit thema halen" sends the select too: it only takes the point out
    secretary.hx_post(f"{BOARD}/punten/{pid}", {"out_of": str(first), "into": str(second),
                                                "how": "out"})
    assert _themes_of(demo_app, pid) == set()

    # without JavaScript: the board again, with the undo as a message and its fields
    secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(first)})
    page = secretary.form_post(f"{BOARD}/punten/{pid}", {
        "out_of": str(first), "into": str(third), "how": "also"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Punt 9 staat nu in Privacy." in html and _themes_of(demo_app, pid) == {first, third}
    flash = html[html.index('class="flash undo"'):]
    flash = flash[:flash.index("</form>")]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', flash))
    assert fields["out_of"] == str(third)
    action = re.search(r'action="([^"]+)"', flash).group(1)
    assert secretary.form_post(action, {k: v for k, v in fields.items()
                                        if k != "csrf_token"}).status_code == 303
    assert _themes_of(demo_app, pid) == {first}
    # audited like any move: one event per change on the theme
    with demo_app.app_context():
        from consult.models import AuditEvent

        events = get_session().exec(select(AuditEvent.action).where(
            AuditEvent.entity == "theme", AuditEvent.entity_id == third)).all()
    assert events.count("points_added") == 2 and events.count("points_removed") == 2


def test_a_stale_move_odd_choices_and_ids_change_nothing(as_role, demo_app):
    """The outsider's trial: two tabs moved the same point (the second "move" only added it,
    so it sat in two themes); a move into its own theme reset it; a huge theme id in the
    choice's address was a 500; a choice for a theme the point is not in was offered."""
    secretary = as_role("secretary")
    for title in ("X", "Y", "Z"):
        secretary.form_post(BOARD, {"title": title})
    ids = _theme_ids(demo_app)
    (pid, _rid), *_ = _point_ids(demo_app, EIGHTEEN[1:2])
    secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(ids["X"])})
    first = secretary.hx_post(f"{BOARD}/punten/{pid}", {
        "out_of": str(ids["X"]), "into": str(ids["Y"]), "how": "move"})
    assert first.status_code == 200 and _themes_of(demo_app, pid) == {ids["Y"]}
    stale = secretary.hx_post(f"{BOARD}/punten/{pid}", {  # the other tab, still showing X
        "out_of": str(ids["X"]), "into": str(ids["Z"]), "how": "move"})
    assert stale.status_code == 409
    assert "Punt 9 staat niet meer in X (intussen gewijzigd)" in stale.get_data(as_text=True)
    assert _themes_of(demo_app, pid) == {ids["Y"]}
    same = secretary.hx_post(f"{BOARD}/punten/{pid}", {
        "out_of": str(ids["Y"]), "into": str(ids["Y"]), "how": "move"})
    assert same.status_code == 422 and _themes_of(demo_app, pid) == {ids["Y"]}
    for thema in ("99999999999999999999999", "abc", "-1", str(ids["X"])):
        assert secretary.get(f"{BOARD}/punten/{pid}/kiezen?thema={thema}").status_code == 404
    assert secretary.get(f"{BOARD}/punten/{pid}/kiezen?thema={ids['Y']}").status_code == 200


def test_the_saved_message_counts_one_reaction_as_one(as_role, demo_app):
    """The outsider's trial: "voor 2 punten van 1 reacties" (pluralised on the points)."""
    secretary = as_role("secretary")
    secretary.form_post(BOARD, {"title": "Eén brief"})
    theme_id = _theme_ids(demo_app)["Eén brief"]
    with demo_app.app_context():
        rid = get_session().exec(select(Point.reaction_id).group_by(Point.reaction_id)
                                 .having(func.count() >= 2)).first()
        two = get_session().exec(select(Point.id).where(Point.reaction_id == rid)
                                 .order_by(Point.position).limit(2)).all()
    for pid in two:
        secretary.hx_post(f"{BOARD}/punten/{pid}", {"into": str(theme_id)})
    form = secretary.get(f"{BOARD}/{theme_id}/beantwoorden").get_data(as_text=True)
    saved = secretary.form_post(f"{BOARD}/{theme_id}/beantwoorden", {
        "form_key": _form_key(form), "body": "Meegenomen.", "status": "adopted",
        "point_ids": [str(p) for p in two]}, follow_redirects=True)
    assert "Opgeslagen: één antwoord voor 2 punten van 1 reactie." in saved.get_data(as_text=True)
