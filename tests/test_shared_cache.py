"""The worker processes of one machine share what is kept per revision (consult.revisions:
the figures, the kept fragments, the tallies): after one worker counted a consultation, the
others serve its pages without counting again, and after a write they count the new figures
(issue 15: four gunicorn workers each recounting after every answer)."""

import difflib
import re

from sqlmodel import select

from consult import revisions
from consult.db import get_session
from consult.models import Consultation

from .conftest import answer_an_open_point, make_app
from .costs import statements

SLUG = "holland-rijnland-jeugdhulp-2016"
PAGES = [f"/consultaties/{SLUG}", f"/consultaties/{SLUG}/dashboard", "/", "/indieners"]
TOKENS = re.compile(r'"[\w-]+\.[\w-]{6}\.[\w-]{27}"')  # CSRF tokens carry their second
SINCE = re.compile(r"sinds=[\d.]+")  # the channel's poll asks from the second it was served


def _worker(app, **extra):
    """Another worker process of the same machine: the same database and instance folder,
    its own memory."""
    return make_app(app.config["DATABASE_URL"], _tmp_of(app), create_schema=False, **extra)


def _tmp_of(app):
    from pathlib import Path

    return Path(app.instance_path).parent


def _visit(app) -> tuple[list[str], int]:
    """The pages as an anonymous reader sees them, and how many counting statements ran."""
    client = app.test_client()
    with statements(app) as found:
        pages = []
        for url in PAGES:
            answer = client.get(url)
            assert answer.status_code == 200, url
            pages.append(SINCE.sub("", TOKENS.sub('"token"', answer.get_data(as_text=True))))
    return pages, sum("count(" in s.sql.lower() for s in found.selects)


def test_a_second_worker_serves_the_figures_the_first_counted(demo_app):
    first, counted = _visit(demo_app)
    assert counted > 0
    second = _worker(demo_app)
    pages, counted_again = _visit(second)
    assert counted_again == 0  # every figure came from the first worker's
    for a, b in zip(pages, first, strict=True):
        assert a == b, "\n".join(difflib.unified_diff(b.splitlines(), a.splitlines(), n=0,
                                                      lineterm=""))


def test_after_an_answer_every_worker_shows_the_new_figures(demo_app):
    second = _worker(demo_app)
    before, _ = _visit(demo_app)
    _visit(second)
    answer_an_open_point(demo_app)
    after, counted = _visit(second)  # the second worker counts the new revision
    assert counted > 0 and after != before
    from_second, counted_first = _visit(demo_app)  # and the first takes it from there
    assert counted_first == 0 and from_second == after
    revisions.forget_everything(demo_app)  # a fresh machine works out the same
    fresh, _ = _visit(demo_app)
    assert fresh == after


def test_without_the_shared_level_each_worker_counts_for_itself(demo_app):
    _visit(demo_app)
    alone = _worker(demo_app, SHARED_CACHE_MB=0)
    _pages, counted = _visit(alone)
    assert counted > 0


def test_a_shared_cache_that_cannot_be_opened_costs_nothing_but_its_use(demo_app, tmp_path):
    """Where the cache's folder should be there is a file (a full or read-only disk alike): the
    pages are served, counted by each worker itself."""
    import shutil

    shutil.rmtree(tmp_path / "instance" / "shared-cache")
    (tmp_path / "instance" / "shared-cache").write_text("not a folder")
    first, counted = _visit(_worker(demo_app))
    assert counted > 0
    pages, counted_again = _visit(_worker(demo_app))
    assert counted_again > 0 and pages == first


def _archive_every_reaction_in_an_open_transaction(session) -> Consultation:
    """Archive the demo's reactions and flush, without committing: the transaction has raised
    the consultation's figures revision and may still roll back."""
    from consult.models import Reaction

    consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
    for reaction in session.exec(select(Reaction).where(
            Reaction.consultation_id == consultation.id)).all():
        reaction.archived = True
    session.flush()
    return consultation


def test_cards_worked_out_in_a_transaction_that_rolls_back_reach_no_worker(demo_app):
    """A request archived reactions, showed the home cards and rolled back; after the next
    real write (the same revision number the rolled-back one had) every worker shows the
    cards of what was committed."""
    from jinja2_fragments.flask import render_block

    from consult import consultations as reading

    with demo_app.test_request_context("/"):
        session = get_session()
        _archive_every_reaction_in_an_open_transaction(session)
        inside = reading.consultation_cards(session, lambda c: True, False, lambda rows: (
            render_block("consultations/index.html", "cards", rows=rows)))
        assert "0 reacties" in str(inside)
        session.rollback()
    answer_an_open_point(demo_app)
    for app in (demo_app, _worker(demo_app)):
        home = app.test_client().get("/").get_data(as_text=True)
        assert "17 reacties" in home and "0 reacties" not in home


def test_a_savepoints_rollback_leaves_the_outer_transaction_unsettled(demo_app):
    """A refused step inside a savepoint (begin_nested) does not make the outer transaction's
    raised figures look settled: what it counts is not kept."""
    from consult import dashboard

    with demo_app.test_request_context("/"):
        session = get_session()
        consultation = _archive_every_reaction_in_an_open_transaction(session)
        try:
            with session.begin_nested():
                raise ValueError("a refused submission")
        except ValueError:
            pass
        assert revisions.unsettled(session, consultation.id)
        assert dashboard.summary(session, consultation).total == 0
        session.rollback()
    answer_an_open_point(demo_app)
    with _worker(demo_app).test_request_context("/"):
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        assert dashboard.summary(session, consultation).total == 204


def test_a_restart_begins_with_an_empty_shared_cache(demo_app, tmp_path, monkeypatch):
    """A server started anew (gunicorn's master names the start: CONSULT_BOOT_ID) shares
    nothing with the one before: a fix made in SQL by hand shows after a restart, as it did
    when every worker kept its own only. (A restore removes the kept figures: test_backup.)"""
    _visit(demo_app)
    assert any((tmp_path / "instance" / "shared-cache").iterdir())
    monkeypatch.setenv("CONSULT_BOOT_ID", "a-new-start")
    _pages, counted = _visit(_worker(demo_app))
    assert counted > 0


def test_a_locked_shared_cache_costs_a_new_worker_a_moment_not_a_minute(demo_app, tmp_path):
    """Someone holds the cache's write lock (a stopped process, a sqlite3 shell): a worker
    starting then serves its pages at once, counting them itself."""
    import sqlite3
    import time

    _visit(demo_app)
    (folder,) = (tmp_path / "instance" / "shared-cache").iterdir()
    holder = sqlite3.connect(folder / "cache.db", isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        worker = _worker(demo_app)
        _pages, counted = _visit(worker)
        assert time.monotonic() - started < 10  # diskcache alone waits 60 s to open
        assert counted > 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_fix_in_sql_shows_on_every_worker_after_a_reload_and_a_restart(tmp_path):
    """Production gunicorn (gunicorn.conf.py, 3 workers): the figures are shared; a point
    archived by hand in SQL (no revision raised) shows after a HUP reload and after a
    restart, on whichever worker answers, as it did when each worker kept its own."""
    import signal
    import sqlite3
    import time

    from .served import CONF, demo_database, server_env, started

    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    _app, points = demo_database(url, tmp_path)
    env = server_env(url, tmp_path, CONSULT_WORKERS="3", CONSULT_THREADS="1")
    progress = re.compile(r"(\d+) van (\d+) punten")

    def totals(server) -> set[str]:
        from .served import Browser

        return {progress.search(Browser(server.base).request(
            "GET", f"/consultaties/{SLUG}")[1]).group(2) for _ in range(12)}

    server = started(env, tmp_path / "gunicorn.log", CONF)
    try:
        (before,) = totals(server)
        with sqlite3.connect(tmp_path / "served.sqlite3") as db:
            db.execute("UPDATE point SET archived = 1 WHERE id = ?", (points[-1],))
        assert totals(server) == {before}  # the revision did not move: kept, as designed
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while totals(server) != {str(int(before) - 1)} and time.monotonic() < deadline:
            time.sleep(0.5)  # the old workers finish and the new ones take over
        assert totals(server) == {str(int(before) - 1)}
        with sqlite3.connect(tmp_path / "served.sqlite3") as db:
            db.execute("UPDATE point SET archived = 0 WHERE id = ?", (points[-1],))
    finally:
        server.stop()
    server = started(env, tmp_path / "gunicorn.log", CONF)
    try:
        assert totals(server) == {before}
    finally:
        server.stop()
