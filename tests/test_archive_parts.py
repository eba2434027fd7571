"""The JSON archive carries a whole consultation: its themes (with their points), answer
templates, own status names, and the document section a landing names (consult/archive_parts)."""

import io
import json
from datetime import date

import pytest
from sqlmodel import func, select

from consult import archive
from consult.bulk.answertemplates import create_template, set_template_archived
from consult.bulk.models import AnswerTemplate, StatusLabel
from consult.bulk.statuslabels import set_labels
from consult.db import get_session
from consult.documents.models import DocumentSection, DocumentVersion, SectionLanding
from consult.models import Consultation, Destination, Landing, Point, Reaction
from consult.themes.models import Theme, ThemePoint
from consult.themes.operations import add_points, create_theme, delete_theme

from .conftest import empty_database, make_app

SLUG = "holland-rijnland-jeugdhulp-2016"
PLACES = [[0, 0], [1, 1], [3, 31]]  # the demo's points 1, 6 and 41 in archive order
PARTS = ("themes", "answer_templates", "status_labels")


def _points(session, consultation) -> list[Point]:
    """The demo's live points in the archive's order (reaction, then point)."""
    return list(session.exec(
        select(Point).join(Reaction).where(Reaction.consultation_id == consultation.id,
                                           Reaction.status == "submitted")
        .order_by(Reaction.position, Reaction.id, Point.position, Point.id)))


def _give_parts(app) -> None:
    """Themes (one deleted), templates (one archived), two status names and a landing in
    §6 of a document version."""
    with app.app_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        points = _points(session, c)
        transition = create_theme(session, c.id, "Overgang 18-/18+", "Jongeren die 18 worden")
        add_points(session, transition, [points[5], points[0], points[40]])
        add_points(session, create_theme(session, c.id, "Toegang"), [points[3]])
        delete_theme(session, create_theme(session, c.id, "Weg ermee"))
        create_template(session, None, c, "Meegenomen", "Dit punt gaat naar {bestemming}.")
        old = create_template(session, None, c, "Oud", "Niet meer gebruikt.")
        set_template_archived(session, None, old, True)
        set_labels(session, None, c, {"adopted": "opgenomen in beleid", "not_adopted": "afgewezen"})
        plan = session.exec(select(Destination).where(Destination.consultation_id == c.id,
                                                      Destination.title == "Inkoopplan 2017")
                            ).one()
        version = DocumentVersion(destination_id=plan.id, label="concept",
                                  dated=date(2016, 9, 1), text="6 Hoe sturen we daarop?\n")
        session.add(version)
        session.flush()
        session.add(DocumentSection(version_id=version.id, anchor="6-sturen", position=0,
                                    number="6", title="Hoe sturen we daarop?", start=0, end=24))
        landing = Landing(point_id=points[7].id, destination_id=plan.id,
                          reference="Inkoopplan 2017, §6 Hoe sturen we daarop?")
        session.add(landing)
        session.flush()
        session.add(SectionLanding(landing_id=landing.id, destination_id=plan.id,
                                   anchor="6-sturen", quote="De toegang monitort."))
        session.commit()


def _export(app, path) -> dict:
    result = app.test_cli_runner().invoke(
        args=["consult", "export", SLUG, "--format", "json", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def _landings(data: dict) -> list[dict]:
    return [lg for r in data["reactions"] for p in r["points"] for lg in p["landings"]]


def _fresh(tmp_path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    return make_app(empty_database("sqlite", folder), folder)


def test_parts_round_trip_through_a_fresh_database(demo_app, tmp_path):
    _give_parts(demo_app)
    first = _export(demo_app, tmp_path / "first.json")
    themes = {t["title"]: t for t in first["themes"]}
    assert set(themes) == {"Overgang 18-/18+", "Toegang", "Weg ermee"}
    assert themes["Overgang 18-/18+"]["points"] == PLACES
    assert themes["Overgang 18-/18+"]["description"] == "Jongeren die 18 worden"
    assert themes["Weg ermee"]["archived"] and themes["Weg ermee"]["points"] == []
    assert [(t["title"], t["archived"]) for t in first["answer_templates"]] == [
        ("Meegenomen", False), ("Oud", True)]
    assert first["status_labels"] == [{"status": "adopted", "label": "opgenomen in beleid"},
                                      {"status": "not_adopted", "label": "afgewezen"}]
    landed = [lg for lg in _landings(first) if lg["section"]]
    assert landed == [{**landed[0], "section": {
        "document": "Inkoopplan 2017", "version": "concept", "number": "6",
        "title": "Hoe sturen we daarop?", "quote": "De toegang monitort."}}]

    other = _fresh(tmp_path, "elsewhere")
    done = other.test_cli_runner().invoke(args=["consult", "import", str(tmp_path / "first.json")])
    assert done.exit_code == 0, done.output
    second = _export(other, tmp_path / "second.json")
    for part in PARTS:
        assert second[part] == first[part], part
    # The documents are not in the file: the landing keeps its text, not its section.
    assert [lg["reference"] for lg in _landings(second)] == \
        [lg["reference"] for lg in _landings(first)]
    assert all(lg["section"] is None for lg in _landings(second))
    # What a reader sees: the consultation's own status name in the answered table.
    table = other.test_client().get(f"/consultaties/{SLUG}/tabel").get_data(as_text=True)
    assert "opgenomen in beleid" in table.lower()
    other.extensions["consult.engine"].dispose()


def test_import_into_an_empty_consultation_keeps_what_it_has(demo_app, tmp_path):
    """load_into (the browser's archive upload) on both backends: the same parts, nothing
    doubled when the consultation has a theme, template or status name of its own."""
    _give_parts(demo_app)
    data = archive.read(json.dumps(_export(demo_app, tmp_path / "a.json")))
    with demo_app.app_context():
        session = get_session()
        copy = Consultation(slug="kopie", title="Kopie", status="open")
        session.add(copy)
        session.flush()
        create_template(session, None, copy, "Meegenomen", "Eigen tekst.")
        session.add(StatusLabel(consultation_id=copy.id, status="adopted", label="overgenomen"))
        own = create_theme(session, copy.id, "Toegang", "Van de kopie zelf")
        archive.load_into(session, data, copy)
        session.commit()
        templates = session.exec(select(AnswerTemplate.title, AnswerTemplate.body).where(
            AnswerTemplate.consultation_id == copy.id).order_by(AnswerTemplate.title)).all()
        assert templates == [("Meegenomen", "Eigen tekst."), ("Oud", "Niet meer gebruikt.")]
        labels = dict(session.exec(select(StatusLabel.status, StatusLabel.label)
                                   .where(StatusLabel.consultation_id == copy.id)).all())
        assert labels == {"adopted": "overgenomen", "not_adopted": "afgewezen"}
        titles = session.exec(select(Theme.title).where(Theme.consultation_id == copy.id)
                              .order_by(Theme.title)).all()
        assert titles == ["Overgang 18-/18+", "Toegang", "Weg ermee"]
        assert session.exec(select(func.count()).select_from(ThemePoint)
                            .where(ThemePoint.theme_id == own.id)).one() == 1
        counts = [session.exec(select(func.count()).select_from(t)).one()
                  for t in (Theme, ThemePoint, AnswerTemplate, StatusLabel)]
        # A second import of the same file is refused and adds nothing.
        with pytest.raises(archive.ArchiveError, match="heeft al reacties"):
            archive.load_into(session, data, copy)
        session.rollback()
        assert counts == [session.exec(select(func.count()).select_from(t)).one()
                          for t in (Theme, ThemePoint, AnswerTemplate, StatusLabel)]
        # A copy into a consultation of its own gives the same parts.
        fresh = Consultation(slug="kopie-2", title="Kopie 2", status="open")
        session.add(fresh)
        session.flush()
        archive.load_into(session, data, fresh)
        session.commit()
        again = archive.export(session, fresh)
        for part in PARTS:
            assert again[part] == data[part], part


def test_an_old_file_without_the_parts_imports(demo_app, tmp_path):
    data = _export(demo_app, tmp_path / "new.json")
    for part in PARTS:
        del data[part]
    for landing in _landings(data):
        del landing["section"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    other = _fresh(tmp_path, "elsewhere")
    done = other.test_cli_runner().invoke(args=["consult", "import", str(old)])
    assert done.exit_code == 0, done.output
    again = _export(other, tmp_path / "again.json")
    assert again["themes"] == [] and again["answer_templates"] == []
    assert sum(len(r["points"]) for r in again["reactions"]) == 204
    other.extensions["consult.engine"].dispose()


@pytest.mark.parametrize("part,entry,message", [
    ("themes", {"title": "Toegang", "points": [[0, 999]]},
     "Thema “Toegang” noemt een punt dat niet in het archief staat ([0, 999])"),
    ("themes", {"title": "Toegang", "points": [[999, 0]]},
     "Thema “Toegang” noemt een punt dat niet in het archief staat ([999, 0])"),
    ("themes", {"title": "Toegang", "points": ["3.7"]},
     "Thema “Toegang” noemt een punt dat niet in het archief staat (3.7)"),
    ("themes", {"title": "", "points": []}, "Thema: tekst van 1 tot 200 tekens verwacht"),
    ("answer_templates", {"title": "Leeg", "body": ""},
     "Antwoordsjabloon “Leeg”: tekst van 1 tot 20000 tekens verwacht"),
    ("status_labels", {"status": "gedaan", "label": "klaar"},
     "Onbekende status “gedaan” bij de statusnamen"),
])
def test_a_bad_entry_imports_nothing(demo_app, tmp_path, part, entry, message):
    data = _export(demo_app, tmp_path / "good.json")
    data[part] = [entry]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    other = _fresh(tmp_path, "elsewhere")
    result = other.test_cli_runner().invoke(args=["consult", "import", str(bad)])
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Het archief is niet ingelezen" in result.output
    with other.app_context():
        session = get_session()
        for table in (Consultation, Reaction, Point, Theme, AnswerTemplate):
            assert session.exec(select(func.count()).select_from(table)).one() == 0
    other.extensions["consult.engine"].dispose()


def test_the_browser_upload_refuses_a_bad_theme(demo_app, as_role):
    """The archive upload (/inlezen) names the bad theme in Dutch and writes nothing."""
    from consult.intake import create_consultation

    from .test_access_matrix import db_count_all
    from .test_imports import secretary_is_member

    with demo_app.app_context():
        session = get_session()
        data = archive.export(session, session.exec(select(Consultation)).one())
        create_consultation(session, title="Kopie", slug="kopie", organiser="HR")
        session.commit()
    data["themes"] = [{"title": "Toegang", "description": "", "position": 0,
                       "archived": False, "created_at": None, "points": [[0, 0], [16, 99]]}]
    secretary_is_member(demo_app, "kopie")
    secretary = as_role("secretary")
    before = db_count_all(demo_app)
    page = secretary.form_post(
        "/consultaties/kopie/inlezen",
        {"file": (io.BytesIO(archive.dumps(data).encode()), "archief.json")},
        content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422, html
    assert "Thema “Toegang” noemt een punt dat niet in het archief staat ([16, 99])" in html
    assert db_count_all(demo_app) == before
