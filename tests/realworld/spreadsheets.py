"""Checker for answered tables (tests/fixtures/realworld/spreadsheets/): a .csv or .xlsx as
Excel, LibreOffice, Google Sheets or our own export writes it, imported into an empty
consultation of a fresh database through the app's own reading, checking and import.

expected.json holds:
- "setup" (optional): what the database holds first: "stakeholders" [[name, kind, parent or
  null], ...] and the consultation's "destinations" (paths, parents first);
- "points": every point as stored, in the order of the table: {"stakeholder" (its sender),
  "channel", "number", "heading" (null for none), "text", "answer" (the answers' texts joined
  by a blank line; null for none), "destinations" (paths, sorted), "status" ("open" for none)};
  "reactions": how many reactions they are in (optional);
- or "errors": every row error as [prefix, words]: "Rij 4, kolom status" and words its message
  has; exactly these rows and columns, nothing is written;
- or "file_error": words of the message for a file that cannot be read at all;
- "notices" (optional): words each of which a notice of the dry run has;
- "new_stakeholders" (optional): the names the dry run shows as new, in order.
"""

from pathlib import Path

from consult import rowimport
from consult.db import get_session
from consult.followup import consultation_points
from consult.intake import create_consultation, create_stakeholder
from consult.models import Destination, Stakeholder
from consult.processing import create_destination
from consult.slugs import unique_slug
from tests.conftest import make_app

SLUG = "tabel"


def _setup(session, setup: dict):
    consultation = create_consultation(session, title="Ingelezen tabel", slug=SLUG,
                                       organiser="Holland Rijnland")
    made: dict[str, Stakeholder] = {}
    for name, kind, parent in setup.get("stakeholders", []):
        made[name] = create_stakeholder(
            session, slug=unique_slug(session, Stakeholder, name), name=name, kind=kind,
            parent_id=made[parent].id if parent else None)
    destinations = {}
    for path in setup.get("destinations", []):
        parent, _sep, title = path.rpartition(" › ")
        destinations[path] = create_destination(
            session, consultation_id=consultation.id, title=title, kind="document_section",
            slug=unique_slug(session, Destination, title, consultation_id=consultation.id),
            parent_id=destinations[parent].id if parent else None)
    session.commit()
    return consultation


def stored_points(session, consultation) -> list[dict]:
    """Every point of the consultation as the expected file lists them."""
    out = []
    for p in consultation_points(session, consultation):
        out.append({
            "stakeholder": p.sender.name,
            "channel": p.reaction.channel,
            "number": p.point.number,
            "heading": p.point.heading,
            "text": p.point.body,
            "answer": "\n\n".join(a.response.body for a in p.answers) or None,
            "destinations": sorted(d for a in p.answers for d in a.destinations),
            "status": p.status,
        })
    return out


def check(source: Path, expected: dict, tmp_path: Path) -> None:
    """The file gives the expected rows (or row errors) through read_table, plan and apply."""
    app = make_app(f"sqlite:///{tmp_path / 'tabel.sqlite3'}", tmp_path)
    try:
        with app.app_context():
            session = get_session()
            consultation = _setup(session, expected.get("setup", {}))
            try:
                table = rowimport.read_table(source.name, source.read_bytes())
            except rowimport.RowImportError as exc:
                assert "file_error" in expected, str(exc)
                assert expected["file_error"] in str(exc), str(exc)
                return
            assert "file_error" not in expected, "the file was read"
            checked = rowimport.plan(session, consultation, table)
            for words in expected.get("notices", []):
                assert any(words in n for n in checked.notices), (words, checked.notices)
            if "errors" in expected:
                _check_errors(checked, expected["errors"])
                return
            assert checked.ok, [str(p) for p in checked.problems]
            if "new_stakeholders" in expected:
                assert checked.new_stakeholders == expected["new_stakeholders"]
            rowimport.apply(session, None, consultation, checked)
            session.commit()
            if "reactions" in expected:
                assert checked.reactions == expected["reactions"]
            found = stored_points(session, consultation)
            assert len(found) == len(expected["points"]), [p["number"] for p in found]
            for got, want in zip(found, expected["points"], strict=True):
                assert got == want, (got, want)
    finally:
        app.extensions["consult.engine"].dispose()


def _check_errors(checked, expected: list) -> None:
    problems = [str(p) for p in checked.problems]
    where = sorted({p.split(":")[0] for p in problems})
    assert where == sorted({prefix for prefix, _words in expected}), problems
    for prefix, words in expected:
        assert any(p.startswith(prefix + ":") and words in p for p in problems), (prefix, words,
                                                                                  problems)
    assert not checked.ok
