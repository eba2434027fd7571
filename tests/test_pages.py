"""The pages a reader sees: the list, the consultation, a reaction with its answered points."""

import re
from pathlib import Path

from sqlmodel import select

from consult.models import Reaction, Stakeholder
from tests.conftest import Actor, csrf_token

SLUG = "holland-rijnland-jeugdhulp-2016"


def _text(response) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _reaction_id(session, stakeholder_name):
    return session.exec(
        select(Reaction.id)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == stakeholder_name)
    ).first()


def test_empty_list_says_how_to_load_the_demo(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Er zijn nog geen consultaties." in _text(page)
    assert "flask consult demo" in _text(page)


def test_list_shows_the_demo_with_progress(demo_client):
    text = _text(demo_client.get("/"))
    assert "Uitgangspunten toekomst Jeugdhulp Holland Rijnland" in text
    assert "17 reacties" in text
    assert "203 van 204 punten beantwoord" in text


def test_consultation_page_in_one_look(demo_client):
    page = demo_client.get(f"/consultaties/{SLUG}")
    assert page.status_code == 200
    text = _text(page)
    assert "Holland Rijnland, TWO Jeugdhulp" in text
    assert "PHO Jeugdhulp, 16 december 2015" in text
    assert "99%" in text and "203 van 204 punten beantwoord" in text and "1 open" in text
    # every reaction is listed, each linking to its own page
    html = page.get_data(as_text=True)
    assert len(re.findall(rf'href="/consultaties/{SLUG}/reacties/\d+"', html)) == 17
    for name in ("Alphen aan den Rijn", "Kaag en Braassem", "WMO Adviesraad Leiden", "Nieuwkoop",
                 "Gemeenteraad Zoeterwoude", "Duin- en Bollenstreek"):
        assert name in text
    # the joint letter names the councils that added points, linking to their first point
    assert "Met aanvullingen van" in text
    assert re.search(r'reacties/\d+#punt-67">Gemeenteraad Katwijk</a>', html)
    # the chart has a bar per top-level destination; points 13-15 alone went to the PHO
    assert len(re.findall(r'class="bar-label"', html)) == 9
    assert re.search(r'class="bar-label">PHO Jeugdhulp</text>(?:</a>)?\s*<rect[^>]*>\s*</rect>\s*'
                     r'<text[^>]*class="bar-value">3</text>', html)


def test_reaction_page_shows_points_with_answers_and_destinations(demo_client, demo_app, session):
    rid = _reaction_id(session, "Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, "
                                "Noordwijkerhout en Teylingen")
    page = demo_client.get(f"/consultaties/{SLUG}/reacties/{rid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert len(re.findall(r'<li class="point[^"]*" id="punt-\d+"', html)) == 76
    point67 = html[html.index('id="punt-67"'):html.index('id="punt-68"')]
    assert "robuuste en goed geoutilleerde JGT’s" in point67
    assert "Gemeenteraad Katwijk" in point67
    # Points 67 and 68 share their answers: shown once, after 68, saying which points.
    assert '<div class="answer">' not in point67
    point67 = html[html.index('id="punt-67"'):html.index('id="punt-69"')]
    text67 = " ".join(re.sub(r"<[^>]+>", " ", point67).split())
    assert "Antwoord op punten 67 en 68" in text67
    assert "De doorontwikkeling van de JGT’s (punt 67)" in text67
    assert "Aangescherpte uitgangspunten › Doorontwikkeling JGT’s" in text67
    assert "Inkoopplan 2017 › Sturing en monitoring" in text67
    assert "vastgesteld" in text67
    # headings group the points
    assert "<h2>Privacy borgen</h2>" in html
    # a multi-paragraph explanation keeps its list
    assert "<li>Doorontwikkeling JGT’s</li>" in html


def test_unanswered_point_is_marked(demo_client, session):
    rid = _reaction_id(session, "College van B&W Alphen aan den Rijn")
    html = demo_client.get(f"/consultaties/{SLUG}/reacties/{rid}").get_data(as_text=True)
    point4 = html[html.index('id="punt-4"'):html.index('id="punt-5"')]
    assert "Nog geen antwoord" in point4
    assert "4 van 5 punten beantwoord" in " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_reaction_level_answer_without_points(demo_app, session):
    rid = _reaction_id(session, "Duin- en Bollenstreek")
    url = f"/consultaties/{SLUG}/reacties/{rid}"
    text = _text(Actor(demo_app.test_client(), "viewer").get(url))
    assert "Geen opmerkingen." in text
    assert "Ambtelijk wordt verwezen naar de brief" in text  # the letter as received
    public = _text(demo_app.test_client().get(url))
    assert "Geen opmerkingen." in public  # the answer is public, the letter (with names) not
    assert "Ambtelijk wordt verwezen naar de brief" not in public


def test_unknown_things_are_404(demo_client, session):
    rid = _reaction_id(session, "Nieuwkoop")
    assert demo_client.get("/consultaties/bestaat-niet").status_code == 404
    assert demo_client.get(f"/consultaties/{SLUG}/reacties/999999").status_code == 404
    assert demo_client.get(f"/consultaties/bestaat-niet/reacties/{rid}").status_code == 404


def _switch(client, lang: str, target: str | None = None):
    """Press the language button in the header (a form POST with its CSRF token)."""
    data = {"csrf_token": csrf_token(client)}
    if target is not None:
        data["next"] = target
    return client.post(f"/taal/{lang}", data=data)


def test_english_on_request_dutch_by_default(demo_client):
    assert "Consultaties" in _text(demo_client.get("/"))
    switched = _switch(demo_client, "en", f"/consultaties/{SLUG}")
    assert switched.status_code == 303
    assert switched.headers["Location"] == f"/consultaties/{SLUG}"
    text = _text(demo_client.get(f"/consultaties/{SLUG}"))
    assert "203 of 204 points answered" in text
    assert "December 16, 2015" in text
    _switch(demo_client, "nl")
    assert "203 van 204 punten beantwoord" in _text(demo_client.get(f"/consultaties/{SLUG}"))


def test_language_switch_never_redirects_elsewhere(client):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = _switch(client, "en", target)
        assert response.status_code == 303
        assert response.headers["Location"] == "/"


def test_a_get_does_not_switch_the_language(demo_client):
    """A cross-site image or link to /taal/en changes nothing."""
    assert demo_client.get("/taal/en?next=/").status_code == 405
    assert "Consultaties" in _text(demo_client.get("/"))


def test_security_headers_and_vary(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]


def test_pages_carry_no_inline_script_and_send_the_csrf_token(client):
    html = client.get("/").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)


def test_a_shared_template_cache_serves_the_same_pages_and_follows_an_edit(tmp_path):
    """CONSULT_TEMPLATE_CACHE_PATH: the first app fills the folder with compiled templates, a
    second app on it serves the same page from them, and an edited template is compiled anew
    (the cache is keyed by its source), never served stale."""
    import shutil

    from consult import create_app

    cache = tmp_path / "compiled"
    templates = tmp_path / "templates"
    shutil.copytree(Path(create_app.__globals__["packaged"]("templates")), templates)

    def page(folder):
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(folder),
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
                          "SEARCH_MODE": "off", "TEMPLATE_CACHE_PATH": str(cache)})
        app.template_folder = str(templates)
        html = app.test_client().get("/inloggen").get_data(as_text=True)
        return re.sub(r'[\w-]+\.[\w-]+\.[\w-]{20,}', "TOKEN", html)  # each visit's own CSRF token

    first = page(tmp_path / "a")
    assert list(cache.iterdir()), "nothing compiled into the folder"
    assert page(tmp_path / "b") == first
    login = templates / "auth" / "login.html"
    login.write_text(login.read_text().replace("</form>", "</form><p>Nieuwe regel</p>", 1))
    assert "Nieuwe regel" in page(tmp_path / "c")
