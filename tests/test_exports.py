"""The streamed exports (consult.exports) are the files the old builders made (tests/
old_exports.py), cell for cell, at any chunk size; at size they read the table in chunks
(few bound parameters, flat memory) and a large file is sent from disk."""

import io
import random
import shutil
import subprocess
import tempfile
import tracemalloc
import zipfile

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bench import scale_data
from consult import demo, exports, reports
from consult.consultations import get_consultation
from consult.db import get_session
from consult.exports.rows import iter_tables
from consult.models import Destination, Stakeholder

from . import old_exports
from .conftest import empty_database, make_app
from .costs import statements
from .test_export_injection import CONTROLS, FORMULAS, _plant

SLUG = "holland-rijnland-jeugdhulp-2016"
OLD = {"docx": old_exports.to_docx, "xlsx": old_exports.to_xlsx, "csv": old_exports.to_csv}


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _sheet(data: bytes):
    """What Excel shows of the sheet: every cell's value, type, quote prefix, bold, wrap and
    alignment; the frozen pane, the filter, the column widths and the sheet's name."""
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [[(c.value, c.data_type, c.quotePrefix, c.font.b, c.alignment.wrap_text,
               c.alignment.vertical) for c in row] for row in sheet.iter_rows()]
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    return cells, sheet.freeze_panes, sheet.auto_filter.ref, sheet.dimensions, widths, sheet.title


def assert_same_file(fmt: str, new: bytes, old: bytes) -> None:
    """Word: every part of the package byte for byte (the same text per cell, bold and
    italic runs, merged cells, repeated header row); Excel: the same cells and sheet
    settings; CSV: the same bytes."""
    if fmt == "docx":
        new_parts, old_parts = _parts(new), _parts(old)
        assert new_parts.keys() == old_parts.keys()
        for name in old_parts:
            assert new_parts[name] == old_parts[name], name
    elif fmt == "xlsx":
        assert _sheet(new) == _sheet(old)
    else:
        assert new == old


def _compare(app, slug: str, filters=None, chunks=(200, 3)) -> int:
    """Each format, through iter_tables at each chunk size, against the old builders on
    answered_table; returns the number of points."""
    with app.app_context():
        session = get_session()
        consultation = get_consultation(session, slug)
        table = reports.answered_table(session, consultation, filters)
        for chunk in chunks:
            for fmt, old in OLD.items():
                out = io.BytesIO()
                # The commitments' sheet and section are checked in test_export_commitments;
                # the old builders never had them.
                points = exports.write(fmt, consultation,
                                       iter_tables(session, consultation, filters, chunk), out,
                                       commitments=[])
                assert points == len(table.points)
                assert_same_file(fmt, out.getvalue(), old(table))
        return len(table.points)


def test_downloads_are_the_files_the_old_builders_made(demo_app):
    client = demo_app.test_client()
    with demo_app.app_context():
        session = get_session()
        privacy = session.exec(select(Destination.id).where(Destination.title == "Privacy")).one()
        leiden = session.exec(select(Stakeholder.id).where(Stakeholder.name == "Leiden")).one()
    queries = {"": reports.Filters(),
               "?soort=advisory_board": reports.Filters(kind="advisory_board"),
               "?status=open": reports.Filters(status="open"),
               f"?bestemming={privacy}": reports.Filters(destination=privacy),
               f"?subregio={leiden}": reports.Filters(subregion=leiden)}
    for query, filters in queries.items():
        for fmt, old in OLD.items():
            response = client.get(f"/consultaties/{SLUG}/tabel.{fmt}{query}")
            assert response.status_code == 200, (fmt, query)
            assert response.headers["Content-Disposition"] == (
                f'attachment; filename="{SLUG}-tabel.{fmt}"')
            with demo_app.test_request_context("/"):  # Dutch labels, as in a request
                session = get_session()
                table = reports.answered_table(session, get_consultation(session, SLUG), filters)
                assert_same_file(fmt, response.data, old(table))
    # Read in chunks of three reactions, the table is the same too.
    assert _compare(demo_app, SLUG) == 204
    assert _compare(demo_app, SLUG, reports.Filters(kind="municipality"), chunks=(3,)) > 0


def test_awkward_texts_are_exported_as_before(demo_app):
    """Tabs, line breaks (CR, LF, CRLF), leading and trailing spaces, XML's special signs,
    formulas, full-width signs and control characters, in every field the exports show."""
    _plant(
        demo_app, stakeholder=f" Adviesraad <b>&amp; \"Q\"{CONTROLS}", parent="Leiden\t& co ",
        title="Titel\r\nmet\rregels\nen\ttab ", headings=["  Kop > met spaties  ", FORMULAS[0]],
        bodies=["Punt\twith\ttabs", " spatie vooraan", "achteraan ", "a\r\n\r\nb", "<w:t>&",
                FORMULAS[2], "\uff0b1", "x" * 5000],
        answer="Antwoord\n\n- lijst\n- <i>punt</i> & meer\t ", destination="Plan & <visie>",
    )
    assert _compare(demo_app, SLUG, chunks=(200, 2)) == 204


def test_a_generated_consultation_is_exported_as_before(demo_app):
    engine = demo_app.extensions["consult.engine"]
    scale_data.add_consultation(engine, 500, random.Random(15), slug="gegenereerd")
    assert _compare(demo_app, "gegenereerd", chunks=(200, 7)) == 500


def test_a_large_file_sent_from_disk_arrives_whole(demo_app, monkeypatch):
    client = demo_app.test_client()
    small = {fmt: client.get(f"/consultaties/{SLUG}/tabel.{fmt}").data for fmt in OLD}
    monkeypatch.setattr(exports, "IN_MEMORY", 1_000)  # every file of the demo is "large"
    for fmt in OLD:
        with client.get(f"/consultaties/{SLUG}/tabel.{fmt}") as response:
            assert response.status_code == 200
            body = response.get_data()
            # The length announced is the length sent. Not compared with the first file's: the
            # files carry the time they were made, and a second later the zip may be a byte
            # longer or shorter.
            assert response.content_length == len(body) > 1_000
            assert_same_file(fmt, body, small[fmt])


# --- at size (SQLite only: the figures are the app's, not the database's) -------------------


@pytest.fixture(scope="module")
def sized_app(tmp_path_factory):
    """The demo with consultations of 1,000 and 5,000 generated points."""
    folder = tmp_path_factory.mktemp("sized")
    app = make_app(empty_database("sqlite", folder), folder)
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    engine = app.extensions["consult.engine"]
    for points in (1000, 5000):
        scale_data.add_consultation(engine, points, random.Random(points), slug=f"p{points}")
    yield app
    engine.dispose()


def _peak(app, slug: str, fmt: str) -> int:
    """Peak bytes Python allocated while writing the export to a file on disk."""
    with app.app_context(), tempfile.TemporaryFile() as out:
        session = get_session()
        consultation = get_consultation(session, slug)
        tracemalloc.start()
        try:
            exports.write(fmt, consultation, iter_tables(session, consultation), out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv"])
def test_memory_does_not_grow_with_the_consultation(sized_app, fmt):
    _peak(sized_app, "p1000", fmt)  # imports and first-time caches
    small, large = _peak(sized_app, "p1000", fmt), _peak(sized_app, "p5000", fmt)
    # The old builders: 16 MB for 1,000 points, 101 MB for 5,000 (the whole document and
    # every row in memory); now ~7 MB for either.
    assert large < 2 * small, (small, large)


def test_a_download_at_size_binds_few_parameters(sized_app):
    client = sized_app.test_client()
    for fmt in OLD:
        with statements(sized_app) as recorded:
            response = client.get(f"/consultaties/p5000/tabel.{fmt}")
        assert response.status_code == 200
        assert recorded.widest <= 1_000, (fmt, recorded.widest)
        # A handful of statements a chunk of 200 reactions (~500 reactions), not one a point.
        assert len(recorded) < 60, (fmt, len(recorded))
        response.close()


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_opens_the_streamed_files(sized_app, tmp_path):
    client = sized_app.test_client()
    for fmt, target in (("docx", "txt:Text"), ("xlsx", "csv")):
        source = tmp_path / f"tabel.{fmt}"
        source.write_bytes(client.get(f"/consultaties/{SLUG}/tabel.{fmt}").data)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--headless", "--convert-to", target, "--outdir", str(tmp_path / fmt),
                        str(source)], check=True, capture_output=True, timeout=180)
        text = next((tmp_path / fmt).iterdir()).read_text(encoding="utf-8", errors="replace")
        assert "De punten 1 t/m 7" in text and "Gemeente / subregio" in text, fmt


def test_a_download_tells_the_page_it_has_arrived(demo_app):
    client = demo_app.test_client()
    page = client.get(f"/consultaties/{SLUG}/tabel").get_data(as_text=True)
    assert page.count('data-busy="Bestand wordt gemaakt…"') == 3
    response = client.get(f"/consultaties/{SLUG}/tabel.xlsx?klaar=k3x9ab12cd")
    assert any(c.startswith("consult-download=k3x9ab12cd;")
               for c in response.headers.getlist("Set-Cookie"))
    for bad in ("kort", "<script>alert(1)</script>", "a" * 40, "abc;def=12345"):
        response = client.get(f"/consultaties/{SLUG}/tabel.xlsx", query_string={"klaar": bad})
        assert response.status_code == 200, bad
        assert not [c for c in response.headers.getlist("Set-Cookie") if "consult-download" in c]
