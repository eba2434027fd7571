"""What the answered table page and the public page cost in the database, without a clock
(tests/costs.py): a fixed number of statements whatever the consultation's size, the same
SQLite VM steps for the demo's pages whether or not a 5,000-point consultation sits beside it,
no statement binding more than 1,000 parameters, and no full scan of the big tables.
"""

import random
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from consult import demo
from consult.db import get_session
from consult.models import (
    Consultation,
    Destination,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    Stakeholder,
)
from tests.conftest import Actor, empty_database, make_app
from tests.costs import full_scans, plans, statements, vm_steps

SLUG = "holland-rijnland-jeugdhulp-2016"
BIG = "vijfduizend-punten"
BIG_TABLES = {"point", "reaction", "response", "responsepoint", "responsedestination",
              "message", "landing", "responseversion"}


def add_big_consultation(app, points: int = 5000, seed: int = 15) -> None:
    """A published consultation of ``points`` points (about 10 a reaction), three answers in
    four, routed to its destinations, bulk-added through the ORM (the bench generator,
    bench/scale_data.add_consultation, does the same at size)."""
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    with app.app_context():
        session = get_session()
        stakeholders = session.exec(select(Stakeholder.id)).all()
        consultation = Consultation(slug=BIG, title="Vijfduizend punten", status="published")
        session.add(consultation)
        session.flush()
        destinations = [Destination(consultation_id=consultation.id, slug=f"d{i}",
                                    title=f"Bestemming {i}", kind="document_section", position=i)
                        for i in range(8)]
        session.add_all(destinations)
        session.flush()
        made, position = 0, 0
        while made < points:
            position += 1
            reaction = Reaction(consultation_id=consultation.id, created_at=now,
                                stakeholder_id=rnd.choice(stakeholders), channel="zienswijze",
                                title=f"Reactie {position}", position=position)
            session.add(reaction)
            session.flush()
            size = min(points - made, rnd.randint(1, 19))
            batch = [Point(reaction_id=reaction.id, number=str(k), position=k,
                           body=f"Punt {k} van reactie {position}.") for k in range(1, size + 1)]
            session.add_all(batch)
            session.flush()
            answered = [(p, Response(consultation_id=consultation.id, position=p.id,
                                     reaction_id=reaction.id, body=f"Antwoord op {p.id}.",
                                     status=rnd.choice(["proposed", "adopted", "done"])))
                        for p in batch if rnd.random() < 0.75]
            session.add_all([r for _p, r in answered])
            session.flush()
            session.add_all([ResponsePoint(response_id=r.id, point_id=p.id)
                             for p, r in answered])
            session.add_all([ResponseDestination(response_id=r.id,
                                                 destination_id=rnd.choice(destinations).id)
                             for _p, r in answered])
            made += size
        session.commit()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def costs_app(request, tmp_path_factory):
    """The demo alone; the tests add the big consultation where they need it (in order)."""
    tmp_path = tmp_path_factory.mktemp(f"costs-{request.param}")
    app = make_app(empty_database(request.param, tmp_path), tmp_path)
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    yield app
    app.extensions["consult.engine"].dispose()


PAGES = [("secretary", "/consultaties/{slug}/tabel"),
         ("secretary", "/consultaties/{slug}/tabel?status=adopted"),
         ("secretary", "/consultaties/{slug}/tabel?soort=advisory_board&subregio=1"),
         (None, "/consultaties/{slug}/openbaar")]


def _cost(app, role, url) -> tuple[int, int, int, str]:
    """(statements, widest statement, VM steps (SQLite; else 0), html) of one page."""
    actor = Actor(app.test_client(), role)
    actor.get(url).close()  # warm: the login's own statements are not the page's
    sqlite = app.extensions["consult.engine"].dialect.name == "sqlite"
    with statements(app) as recorded:
        if sqlite:
            with vm_steps(app) as steps:
                html = actor.get(url).get_data(as_text=True)
        else:
            html = actor.get(url).get_data(as_text=True)
    return len(recorded), recorded.widest, steps.count if sqlite else 0, html


def test_pages_cost_the_same_beside_a_big_consultation(costs_app):
    before = {(role, url): _cost(costs_app, role, url.format(slug=SLUG)) for role, url in PAGES}
    add_big_consultation(costs_app)
    for role, url in PAGES:
        count, widest, steps, html = _cost(costs_app, role, url.format(slug=SLUG))
        old_count, _w, old_steps, old_html = before[(role, url)]
        assert count == old_count, url
        assert widest < 100, url
        assert steps <= old_steps * 1.1 + 5, (url, steps, old_steps)
        assert html.count('class="point-line"') == old_html.count('class="point-line"')


def test_a_page_of_the_big_consultation_costs_what_it_shows(costs_app):
    """The big consultation's pages: the same statements as the demo's, at most a page of
    points each, nothing wide; and no plan reads a big table whole."""
    with costs_app.app_context():
        if not get_session().exec(select(Consultation).where(Consultation.slug == BIG)).first():
            add_big_consultation(costs_app)
    for role, url in PAGES:
        demo_count, _w, _s, _h = _cost(costs_app, role, url.format(slug=SLUG))
        count, widest, _steps, html = _cost(costs_app, role, url.format(slug=BIG))
        assert count == demo_count, url
        assert widest < 100, url
        assert html.count('class="point-line"') <= 260, url
    secretary = Actor(costs_app.test_client(), "secretary")
    secretary.get(f"/consultaties/{BIG}/tabel").close()
    for url in (f"/consultaties/{BIG}/tabel", f"/consultaties/{BIG}/tabel?status=open",
                f"/consultaties/{BIG}/openbaar", f"/consultaties/{BIG}/tabel?na=3",
                f"/consultaties/{BIG}/tabel?subregio=1&bestemming=3",
                f"/consultaties/{BIG}/tabel?soort=council"):
        with statements(costs_app) as recorded:
            secretary.get(url).close()
        found = plans(costs_app, recorded)
        scans = full_scans(found, BIG_TABLES)
        assert not scans, scans
        assert not archived_walks(found), archived_walks(found)


def archived_walks(found) -> list[str]:
    """Plans that walk a big table through its archived index alone (SQLite without
    statistics takes "archived = 0" for selective: it is every live row)."""
    walk = re.compile(r"SEARCH (\w+) USING (?:COVERING )?INDEX ix_\w+_archived \(archived=\?\)")
    return [line for _sql, plan in found for line in plan.splitlines()
            if (m := walk.search(line)) and m.group(1) in BIG_TABLES]
