"""Where uploads are kept (consult/files.py): every test here runs on both file stores
(CONSULT_FILES_STORAGE=folder and =database) and both databases. An upload downloads the same
bytes, a document version's upload gives its outline and its original, a table waits for its
import, a missing file is a Dutch 404, never a 500; with the database store nothing lands on
this machine's disk and a second app (another machine) reads every file."""

import gc
import io
import time

import pytest
import sqlalchemy as sa
from sqlmodel import select

from consult import files
from consult.config import default_storage
from consult.db import get_session
from consult.documents.models import DocumentVersion
from consult.models import Attachment, Consultation, Stakeholder

from .conftest import Actor, make_app
from .test_backup import _members
from .test_documents import SEED, _inkoopplan, _url, as_docx

SLUG = "holland-rijnland-jeugdhulp-2016"
MISSING = "Dit bestand staat niet (meer) in de bestandsopslag"


@pytest.fixture(params=["folder", "database"])
def app(request, database_url, tmp_path):
    """The conftest's app (the demo's when the test wants it), on each file store."""
    app = make_app(database_url, tmp_path, create_schema="demo_app" not in request.fixturenames,
                   FILES_STORAGE=request.param)
    yield app
    app.extensions["consult.engine"].dispose()


@pytest.fixture(autouse=True)
def _collect_spooled_bodies():
    """Large uploads are spooled to temporary files that only the garbage collector closes:
    collected here, not as a ResourceWarning in whichever test comes next."""
    yield
    gc.collect()


def _on_disk(app, kind: str = "uploads") -> set[str]:
    folder = app.config["FILES_PATH"] and (files.FolderFiles(app.config["FILES_PATH"]).root
                                           / kind)
    return {p.name for p in folder.glob("*")} if folder.is_dir() else set()


def _in_table(app, kind: str = "uploads") -> set[str]:
    with app.extensions["consult.engine"].connect() as conn:
        return set(conn.execute(sa.text("SELECT name FROM storedfile WHERE kind = :k"),
                                {"k": kind}).scalars())


def _where_kept(app, names: set[str], kind: str = "uploads") -> None:
    """The files are in the configured store, and only there."""
    database = app.config["FILES_STORAGE"] == "database"
    assert names <= (_in_table(app, kind) if database else _on_disk(app, kind))
    assert not names & (_on_disk(app, kind) if database else _in_table(app, kind))


def _upload_reaction(app, data: bytes, name: str = "brief.txt") -> Attachment:
    secretary = Actor(app.test_client(), "secretary")
    with app.app_context():
        leiden = get_session().exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties",
        data={"stakeholder_id": leiden.id, "channel": "collegebrief", "title": "Met bijlage",
              "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    with app.app_context():
        return get_session().exec(select(Attachment).order_by(Attachment.id.desc())).first()


def _upload_document(app, data: bytes) -> None:
    """The document under consultation, through the edit form (kept as uploaded)."""
    with app.app_context():
        consultation = get_session().exec(
            select(Consultation).where(Consultation.slug == SLUG)).one()
    saved = Actor(app.test_client(), "secretary").form_post(
        f"/consultaties/{SLUG}/bewerken", data={
            "version": consultation.version, "title": consultation.title,
            "file": (io.BytesIO(data), "kader.pdf")}, content_type="multipart/form-data")
    assert saved.status_code == 303, saved.get_data(as_text=True)[:300]


def _fetch(actor, url: str, **kw):
    """GET a download and close it (a file left open warns): the response, its body read."""
    response = actor.get(url, **kw)
    response.body = response.get_data()
    response.close()
    return response


def _gone(app, stored_name: str) -> None:
    """Remove a stored upload behind the app's back (a folder not mounted, a row deleted)."""
    store = files.of(app)
    with app.extensions["consult.engine"].begin() as conn:
        store.delete(conn, "uploads", stored_name)


def test_the_default_store_follows_the_database(tmp_path, monkeypatch):
    assert default_storage("postgresql+psycopg://u:p@db/consult") == "database"
    assert default_storage(f"sqlite:///{tmp_path / 'a.sqlite3'}") == "folder"
    app = make_app(f"sqlite:///{tmp_path / 'b.sqlite3'}", tmp_path / "b")
    assert app.config["FILES_STORAGE"] == "folder"
    assert isinstance(files.of(app), files.FolderFiles)
    monkeypatch.setenv("CONSULT_FILES_STORAGE", "database")
    app = make_app(f"sqlite:///{tmp_path / 'c.sqlite3'}", tmp_path / "c")
    assert isinstance(files.of(app), files.DatabaseFiles)
    monkeypatch.setenv("CONSULT_FILES_STORAGE", "cloud")
    with pytest.raises(ValueError, match="CONSULT_FILES_STORAGE must be 'database' or 'folder'"):
        make_app(f"sqlite:///{tmp_path / 'd.sqlite3'}", tmp_path / "d")


def test_an_uploaded_original_downloads_the_same_bytes(demo_app):
    data = "".join(f"{n}. Wij missen de wijkteams in buurt {n}; één loket, graag.\n"
                   for n in range(1, 200)).encode()
    attachment = _upload_reaction(demo_app, data)
    _where_kept(demo_app, {attachment.stored_name})
    secretary = Actor(demo_app.test_client(), "secretary")
    download = _fetch(secretary, f"/consultaties/{SLUG}/bijlagen/{attachment.id}")
    assert download.status_code == 200
    assert download.body == data
    assert download.headers["Content-Length"] == str(len(data))
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"].startswith("text/plain")


def test_the_consultation_document_downloads_from_another_machine(demo_app, tmp_path):
    """The document under consultation, uploaded through the edit form, downloads through a
    second app with its own instance folder: with the database store, the file came with the
    database; with a folder, only when that folder is shared (here it is not)."""
    secretary = Actor(demo_app.test_client(), "secretary")
    document = b"%PDF-1.7 het inkoopkader"
    _upload_document(demo_app, document)
    assert _fetch(secretary, f"/consultaties/{SLUG}/document").body == document
    storage = demo_app.config["FILES_STORAGE"]
    other = make_app(demo_app.config["DATABASE_URL"], tmp_path / "other", create_schema=False,
                     FILES_STORAGE=storage, SEARCH_TAKE_OVER=True)
    there = _fetch(Actor(other.test_client(), "secretary"), f"/consultaties/{SLUG}/document")
    if storage == "database":
        assert there.status_code == 200 and there.body == document
    else:
        assert there.status_code == 404 and MISSING in there.get_data(as_text=True)


def test_a_document_version_upload_gives_its_outline_and_its_original(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    url = _url(_inkoopplan(demo_app)) + "/document"
    original = as_docx(SEED.read_text())
    added = secretary.form_post(url + "/versies", data={
        "label": "concept", "dated": "2016-09-01",
        "file": (io.BytesIO(original), "inkoopplan.docx")}, content_type="multipart/form-data")
    assert added.status_code == 303
    page = secretary.get(added.headers["Location"]).get_data(as_text=True)
    assert "Wat is de gewenste transformatie?" in page and "Leeswijzer" in page
    with demo_app.app_context():
        version = get_session().exec(select(DocumentVersion).order_by(
            DocumentVersion.id.desc())).first()
    _where_kept(demo_app, {version.stored_name})
    download = _fetch(secretary, f"{url}/versies/{version.id}/origineel")
    assert download.status_code == 200 and download.body == original
    assert download.headers["Content-Disposition"].startswith("attachment")
    _gone(demo_app, version.stored_name)
    missing = secretary.get(f"{url}/versies/{version.id}/origineel")
    assert missing.status_code == 404 and MISSING in missing.get_data(as_text=True)


def test_a_missing_file_is_a_dutch_404_not_a_500(demo_app):
    attachment = _upload_reaction(demo_app, b"1. Een punt uit de brief.\n")
    _gone(demo_app, attachment.stored_name)
    secretary = Actor(demo_app.test_client(), "secretary")
    page = secretary.get(f"/consultaties/{SLUG}/bijlagen/{attachment.id}")
    assert page.status_code == 404
    assert MISSING in page.get_data(as_text=True)
    partial = secretary.hx_get(f"/consultaties/{SLUG}/bijlagen/{attachment.id}")
    assert partial.status_code == 404 and MISSING in partial.get_data(as_text=True)
    # The reaction itself still shows, with its other facts.
    with demo_app.app_context():
        reaction_id = get_session().get(Attachment, attachment.id).reaction_id
    assert secretary.get(f"/consultaties/{SLUG}/reacties/{reaction_id}").status_code == 200


def test_a_table_waits_for_its_import_in_the_store(demo_app, tmp_path):
    """The dry run keeps the table in the store; the import (on another machine, with the
    database store) reads it back, and the import removes it."""
    from .test_imports import GOOD, PAGE, _points, _token, _upload

    secretary = Actor(demo_app.test_client(), "secretary")
    page = _upload(secretary, GOOD)
    assert page.status_code == 200
    token, key = _token(page.get_data(as_text=True))
    kept = {f"{token}.upload", f"{token}.json"}
    _where_kept(demo_app, kept, "imports")
    before = _points(demo_app)
    importer = demo_app
    if demo_app.config["FILES_STORAGE"] == "database":
        importer = make_app(demo_app.config["DATABASE_URL"], tmp_path / "other",
                            create_schema=False, FILES_STORAGE="database", SEARCH_TAKE_OVER=True)
        secretary = Actor(importer.test_client(), "secretary")
    done = secretary.form_post(f"{PAGE}/{token}", {"form_key": key})
    assert done.status_code == 303
    assert _points(demo_app) == before + 3
    assert not kept & (_in_table(demo_app, "imports") | _on_disk(demo_app, "imports"))


@pytest.mark.filterwarnings("ignore::ResourceWarning",  # the spooled body, collected after
                            "ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_10_mb_upload_and_download(demo_app, capsys):
    """The largest upload there is, through the form and back; from the database in chunks
    (a streamed response), never a string of the whole file built twice."""
    data = (b"%PDF-1.4\n" + bytes(range(256)) * 4096 * 10)[:10 * 1024 * 1024 - 100]
    started = time.perf_counter()
    _upload_document(demo_app, data)
    uploaded = time.perf_counter() - started
    secretary = Actor(demo_app.test_client(), "secretary")
    started = time.perf_counter()
    download = secretary.get(f"/consultaties/{SLUG}/document", buffered=False)
    assert download.status_code == 200
    assert download.headers["Content-Length"] == str(len(data))
    chunks = list(download.response)
    downloaded = time.perf_counter() - started
    download.close()
    assert b"".join(chunks) == data
    if demo_app.config["FILES_STORAGE"] == "database":
        assert download.is_streamed and max(len(c) for c in chunks) <= files.CHUNK
    with capsys.disabled():
        print(f"\n10 MB, {demo_app.config['FILES_STORAGE']} store on "
              f"{demo_app.extensions['consult.engine'].dialect.name}: upload (edit form) "
              f"{uploaded * 1000:.0f} ms, download {downloaded * 1000:.0f} ms")


def test_names_are_ours_never_paths(app):
    """A name outside the generated pattern is not a file in either store."""
    store = files.of(app)
    with app.extensions["consult.engine"].begin() as conn:
        store.put(conn, "uploads", "a" * 32, b"x")
        for name in ("../secret_key", "..", ".a", "a/b", "", "a" * 65):
            with pytest.raises(files.Missing):
                store.read("uploads", name)
            with pytest.raises(files.Missing):
                store.put(conn, "uploads", name, b"y")
            assert not store.exists("uploads", name)
    assert store.read("uploads", "a" * 32) == b"x" and store.exists("uploads", "a" * 32)
    assert store.names("uploads") == ["a" * 32]
    with pytest.raises(files.Missing):
        store.read("other", "a" * 32)


def test_files_from_before_the_switch_to_the_database_are_still_read(tmp_path):
    """An instance that kept its uploads in the folder and now uses the database store (the
    new default on PostgreSQL): the old files are read, listed and backed up from the folder;
    new ones go to the table."""
    from consult import backup, db

    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    app = make_app(url, tmp_path, create_schema=False, FILES_STORAGE="database")
    db.upgrade(url)  # a backup names the schema's revision
    old, new = "a" * 32, "b" * 32
    files.FolderFiles(app.config["FILES_PATH"]).put(None, "uploads", old, b"van voor de overstap")
    store = files.of(app)
    with app.extensions["consult.engine"].begin() as conn:
        store.put(conn, "uploads", new, b"van na de overstap")
    assert store.read("uploads", old) == b"van voor de overstap"
    assert store.exists("uploads", old) and store.names("uploads") == [old, new]
    assert _in_table(app) == {new} and _on_disk(app) == {old}
    with app.test_request_context():
        response = store.send("uploads", old, "text/plain", "oud.txt")
        response.direct_passthrough = False
        assert response.get_data() == b"van voor de overstap"
        response.close()
    backup.write(app.extensions["consult.engine"], store, tmp_path / "b.tar.gz")
    members = _members(tmp_path / "b.tar.gz")
    assert members[f"uploads/{old}"] == b"van voor de overstap"
    assert members[f"uploads/{new}"] == b"van na de overstap"
