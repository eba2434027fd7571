"""The browser import: dry run with row errors, one-click import, once only, secretaries only."""

import html as html_lib
import io
import json
import re
import time

import pytest
from sqlmodel import func, select

from consult import archive, files
from consult.db import get_session
from consult.imports import match_stakeholder, normalised, uploads
from consult.intake import create_consultation
from consult.models import Consultation, Membership, Point, Reaction, Stakeholder, User

from .test_access_matrix import db_count_all

SLUG = "holland-rijnland-jeugdhulp-2016"
PAGE = f"/consultaties/{SLUG}/inlezen"
HEADER = "Indiener;Soort indiener;Kanaal;Nummer;Kop;Punt;Toelichting;Bestemmingen;Status\r\n"
GOOD = (HEADER
        + "Gemeente Katwijk;;collegebrief;1;;\"Wij steunen dit; mits de regie lokaal blijft.\";"
          "De regie blijft lokaal.;PHO Jeugdhulp;vastgesteld\r\n"
        + "Gemeente Katwijk;;collegebrief;2;;Aandacht voor 18+;;;\r\n"
        + "Jongerenraad Katwijk;adviesraad;advies;1;;Luister naar jongeren;;;\r\n")
# Two bad rows: an unknown status (row 2) and a date Excel made of a point number (row 3).
BAD = GOOD.replace("vastgesteld", "zo zo").replace(";collegebrief;2;", ";collegebrief;1-feb;")


def _upload(actor, text: str, name: str = "tabel.csv"):
    return actor.form_post(PAGE, {"file": (io.BytesIO(text.encode("utf-8")), name)},
                           content_type="multipart/form-data")


def _token(html: str) -> tuple[str, str]:
    action = re.search(rf'action="{PAGE}/([A-Za-z0-9_-]{{32}})"', html).group(1)
    key = re.search(r'name="form_key" value="([^"]+)"', html).group(1)
    return action, key


def _points(app) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(Point)).one()


def test_a_file_with_bad_rows_names_each_and_writes_nothing(demo_app, as_role):
    secretary = as_role("secretary")
    before = db_count_all(demo_app)
    page = _upload(secretary, BAD)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Rij 2, kolom status: onbekende status “zo zo”." in html
    assert "Rij 3, kolom number: “1-feb” is een datum" in html
    assert "2 problemen; er is niets ingelezen." in html
    assert 'name="form_key"' not in html  # no import button
    assert db_count_all(demo_app) == before
    assert not [n for n in files.of(demo_app).names("imports") if n.endswith(".upload")]


def test_dry_run_then_import_once(demo_app, as_role):
    secretary = as_role("secretary")
    before = _points(demo_app)
    page = _upload(secretary, GOOD)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Geen problemen. Inlezen maakt aan: punten 3, reacties 2, antwoorden 1." in html
    assert "“Gemeente Katwijk” → Katwijk" in html and "bestaand" in html
    assert "“Jongerenraad Katwijk” →" in html and "nieuw" in html
    assert "Wij steunen dit; mits de regie lokaal blijft." in html  # the table shown
    assert _points(demo_app) == before  # a dry run writes nothing
    token, key = _token(html)
    done = secretary.form_post(f"{PAGE}/{token}", {"form_key": key})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/{SLUG}/tabel")
    assert _points(demo_app) == before + 3
    table = secretary.get(f"/consultaties/{SLUG}/tabel").get_data(as_text=True)
    assert "Ingelezen: 3 punten in 2 reacties." in table
    # The new reactions come last: on the table's next page (a plain link, or on scrolling).
    while "Luister naar jongeren" not in table and (
            more := re.search(r'href="([^"]*/tabel\?na=\d+)"', table)):
        table = secretary.get(html_lib.unescape(more.group(1))).get_data(as_text=True)
    assert "Luister naar jongeren" in table
    # The same form again (a double click, a retry), and another tab's form: imported once.
    assert secretary.form_post(f"{PAGE}/{token}", {"form_key": key}).status_code == 303
    other_tab = secretary.form_post(f"{PAGE}/{token}", {"form_key": "k" * 32})
    assert other_tab.status_code in (303, 410)
    assert _points(demo_app) == before + 3
    with demo_app.app_context():
        session = get_session()
        katwijk = session.exec(select(Stakeholder).where(Stakeholder.name == "Katwijk")).one()
        reaction = session.exec(select(Reaction).where(
            Reaction.stakeholder_id == katwijk.id, Reaction.channel == "collegebrief")).one()
        assert reaction.title == "Collegebrief"


def test_the_upload_is_kept_for_its_uploader_and_unchanged(demo_app, as_role):
    admin, secretary = as_role("admin"), as_role("secretary")
    token, key = _token(_upload(admin, GOOD).get_data(as_text=True))
    before = _points(demo_app)
    taken = secretary.form_post(f"{PAGE}/{token}", {"form_key": key})
    assert taken.status_code == 410  # another user's upload is no upload for them
    store, name = files.of(demo_app), f"{token}.upload"
    changed = store.read("imports", name).replace(b"18+", b"99+")
    with demo_app.extensions["consult.engine"].begin() as conn:  # changed where it is kept
        store.delete(conn, "imports", name)
        store.put(conn, "imports", name, changed)
    changed = admin.form_post(f"{PAGE}/{token}", {"form_key": key})
    assert changed.status_code == 410 and "Upload het bestand opnieuw" in changed.get_data(
        as_text=True)
    assert _points(demo_app) == before


@pytest.mark.parametrize("storage", ["folder", "database"])
def test_old_uploads_expire(app, storage):
    store = files.make(storage, app.config["FILES_PATH"], app.extensions["consult.engine"])
    with app.extensions["consult.engine"].begin() as conn:
        token = uploads.keep(store, conn, 1, 2, "a.csv", b"x")
    assert uploads.load(store, token, 1, 2).data == b"x"
    with app.extensions["consult.engine"].begin() as conn:
        assert uploads.expire(store, conn, now=time.time() + uploads.KEEP - 60) == 0
        assert uploads.expire(store, conn, now=time.time() + uploads.KEEP + 1) == 1
    assert store.names("imports") == []
    with pytest.raises(uploads.Gone):
        uploads.load(store, token, 1, 2)


def test_an_archive_loads_into_an_empty_consultation(demo_app, as_role):
    secretary = as_role("secretary")
    with demo_app.app_context():
        session = get_session()
        data = archive.dumps(archive.export(session, session.exec(
            select(Consultation)).one())).encode()
        create_consultation(session, title="Kopie", slug="kopie", organiser="HR")
        session.commit()
    secretary_is_member(demo_app, "kopie")
    before = db_count_all(demo_app)
    page = secretary.form_post("/consultaties/kopie/inlezen",
                               {"file": (io.BytesIO(data), "archief.json")},
                               content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Inlezen maakt aan: punten 204, reacties 17, antwoorden 53." in html
    after = db_count_all(demo_app)
    # The dry run loaded it to show it, and rolled back; it only kept the upload (with the
    # database file store: the upload and its facts, two rows).
    kept = 2 if files.of(demo_app).storage == "database" else 0
    assert after.pop("storedfile") == before.pop("storedfile") + kept
    assert after == before
    token, key = _token(html.replace("/consultaties/kopie/inlezen", PAGE))
    done = secretary.form_post(f"/consultaties/kopie/inlezen/{token}", {"form_key": key})
    assert done.status_code == 303
    again = secretary.form_post("/consultaties/kopie/inlezen",
                                {"file": (io.BytesIO(data), "archief.json")},
                                content_type="multipart/form-data")
    assert again.status_code == 422 and "heeft al reacties" in again.get_data(as_text=True)


def secretary_is_member(app, slug: str) -> None:
    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.email == "secretaris@consult.example")).one()
        consultation = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        session.add(Membership(user_id=user.id, consultation_id=consultation.id))
        session.commit()


def test_readers_and_boards_cannot_import(demo_app, as_role):
    for role in ("viewer", "councillor", "advisory_member"):
        actor = as_role(role)
        assert actor.get(PAGE).status_code == 404
        assert _upload(actor, GOOD).status_code == 403


def test_names_match_existing_stakeholders(demo_app):
    assert normalised("Wmo-adviesraad  Leiden") == normalised("WMO Adviesraad Leiden")
    with demo_app.app_context():
        session = get_session()
        assert match_stakeholder(session, "Gemeente Katwijk").name == "Katwijk"
        assert match_stakeholder(session, "wmo-adviesraad leiden").name == "WMO Adviesraad Leiden"
        assert match_stakeholder(session, "Gemeenteraad Katwijk").name == "Gemeenteraad Katwijk"
        assert match_stakeholder(session, "Jongerenraad Katwijk") is None


def test_json_upload_that_is_no_archive(demo_app, as_role):
    page = _upload(as_role("secretary"), json.dumps({"a": 1}), "x.json")
    assert page.status_code == 422
    assert "Dit is geen consult-archief" in page.get_data(as_text=True)


def test_the_browser_takes_at_most_a_thousand_points(demo_app, as_role):
    rows = "".join(f"Leiden;;collegebrief;{n};;Punt {n};;;\r\n" for n in range(1, 1002))
    page = _upload(as_role("secretary"), HEADER + rows)
    assert page.status_code == 422
    assert "Deze tabel heeft 1.001 punten; in de browser worden er hoogstens 1.000 tegelijk " \
           "ingelezen." in page.get_data(as_text=True)


def test_a_large_import_reaches_the_index_through_the_bulk_writer(demo_app, monkeypatch):
    """From BULK_FROM pending changes the outbox is written as one segment; what the index
    holds is the same as row by row: every document, the new ones findable, the demo's too."""
    import importlib

    from consult import rowimport, search
    from consult.search.query import Request

    service_module = importlib.import_module("consult.search.service")  # not the function

    monkeypatch.setattr(service_module, "BULK_FROM", 10)
    written = []
    original = service_module.IndexStore.apply_bulk

    def spy(self, documents, removed, path=None):
        written.append(len(documents))
        return original(self, documents, removed, path)

    monkeypatch.setattr(service_module.IndexStore, "apply_bulk", spy)
    with demo_app.app_context():
        session = get_session()
        service = search.service()
        service.rebuild()
        service.mode = "inline"
        consultation = session.exec(select(Consultation)).one()
        rows = "".join(f"Leiden;;collegebrief;{n};;Zwaluwstaartverbinding nummer {n};"
                       f"Antwoord op {n}.;;\r\n" for n in range(1, 41))
        table = rowimport.read_table("t.csv", (HEADER + rows).encode())
        rowimport.apply(session, None, consultation,
                        rowimport.plan(session, consultation, table))
        session.commit()  # the commit applies the outbox (inline)
        assert written and written[0] >= 80  # 40 points and 40 answers in one segment
        status = service.status()
        assert status["outbox"] == 0 and status["index"] == status["database"]
        page = search.run(session, None, Request("zwaluwstaartverbinding"),
                          scope=search.EVERYTHING)
        assert page.total == 40
        assert search.run(session, None, Request("transformatie"),
                          scope=search.EVERYTHING).total > 0  # the demo's documents stay
