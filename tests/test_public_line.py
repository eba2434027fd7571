"""The public line (consult/access.py): what a visitor without an account sees of a published
consultation, route by route, and that GET requests change nothing.

The world of the access matrix (the demo, published, and a hidden consultation) gets, in the
published demo: a thread conversation (a secretary's message, a councillor's question, an
internal note) beside one message the secretariat made public; a draft answer; an answer whose
first wording was a draft; an answer to a reaction that is then archived; and a stakeholder that
only reacted in the hidden consultation. Each carries a marker word, so a page that shows it is
caught, and each page is also checked for the names of the demo's people.
"""

import io
import re

import pytest
from sqlmodel import select

from consult import demo, search
from consult.db import get_session
from consult.intake import DraftPoint, create_stakeholder, log_reaction
from consult.models import Consultation, Point, Reaction, Response, Stakeholder
from consult.processing import answer, revise, set_archived
from tests.conftest import Actor, empty_database, make_app
from tests.test_access_matrix import (
    ROLES,
    SLUG,
    _reaction_of,
    build_world,
    db_count_all,
    role_id,
    route_cells,
)

PEOPLE = ("Sanne Secretaris", "Ruud Raadslid", "Aisha Adviesraad", "Lotte Lezer", "Beheerder",
          "Ilse Uitgenodigd", "Dirk Doelwit")
HIDDEN = {  # marker -> what it stands for; none of them is for the public
    "KONV4M3SSAGE": "a secretary's message in a thread",
    "R44DVR4AG": "a councillor's question",
    "INT3RNN0TE": "an internal note",
    "DR4FTANTW00RD": "a draft answer",
    "EERSTCONC3PT": "the draft first wording of a released answer",
    "ARCH1EFANTW00RD": "an answer to an archived reaction",
    "ZZGEHEIMRAAD": "a stakeholder that only reacted in an unpublished consultation",
}
PUBLIC_MESSAGE = "PUBL13KBERICHT"
RELEASED = "NUVR1JGEGEVEN"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def line(request, tmp_path_factory):
    """The demo (indexed) with the access matrix's world and the marked objects above (shared
    by this module's tests: they only read, or mark threads seen)."""
    tmp_path = tmp_path_factory.mktemp(f"line-{request.param}")
    app = make_app(empty_database(request.param, tmp_path), tmp_path, SEARCH_MODE="inline")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    world = build_world(app)
    ids = _mark_things(app, world)
    assert search.service(app).wait_until_applied()
    yield app, world, ids
    app.extensions["consult.engine"].dispose()


def _mark_things(app, world) -> dict:
    t = world.demo
    secretary, councillor = Actor(app.test_client(), "secretary"), Actor(
        app.test_client(), "councillor")
    thread = f"/consultaties/{SLUG}/punten/{t.point}/berichten"
    for actor, data in [
        (secretary, {"body": "Gesprek KONV4M3SSAGE", "kind": "comment"}),
        (councillor, {"body": "Vraag R44DVR4AG", "kind": "question"}),
        (secretary, {"body": "Notitie INT3RNN0TE", "kind": "internal_note"}),
        (secretary, {"body": f"Openbaar {PUBLIC_MESSAGE}", "kind": "answer", "public": "1"}),
    ]:
        assert actor.hx_post(thread, data).status_code == 204
    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        points = session.exec(
            select(Point).where(Point.reaction_id == t.reaction).order_by(Point.position)
        ).all()
        draft = answer(session, None, consultation, [points[1]], [], "Concept DR4FTANTW00RD",
                       "draft", reaction_id=t.reaction)
        released = answer(session, None, consultation, [points[2]], [], "Eerst EERSTCONC3PT",
                          "draft", reaction_id=t.reaction)
        revise(session, None, released, 1, f"Nu {RELEASED}", "adopted", [])
        archived = _reaction_of(session, "Kaag en Braassem")
        gone = answer(session, None, consultation, session.exec(
            select(Point).where(Point.reaction_id == archived.id)).all()[:1], [],
            "Antwoord ARCH1EFANTW00RD", "adopted", reaction_id=archived.id)
        set_archived(session, None, archived, consultation.id, True)
        hidden = session.exec(select(Consultation).where(Consultation.slug == world.secret.slug)
                              ).one()
        lonely = create_stakeholder(session, slug="zz-geheime-raad", name="Raad ZZGEHEIMRAAD",
                                    kind="council")
        log_reaction(session, None, hidden, lonely, [DraftPoint("1", "Alleen hier.")],
                     channel="zienswijze", title="Verborgen zienswijze")
        session.commit()
        return {"draft": draft.id, "released": released.id, "archived_answer": gone.id,
                "archived_reaction": archived.id, "lonely": lonely.id,
                "draft_point": points[1].id}


def _visible_text(response) -> str:
    """The words a visitor reads (tags stripped), or '' for anything but a 200."""
    if response.status_code != 200:
        return ""
    if response.mimetype.endswith("wordprocessingml.document"):
        from docx import Document

        document = Document(io.BytesIO(response.data))
        return "\n".join([p.text for p in document.paragraphs]
                         + [c.text for t in document.tables for r in t.rows for c in r.cells])
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.data))
        return "\n".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)
    return re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))


def _public_urls(world, ids) -> list[str]:
    """Every page the access matrix opens, plus the pages of the marked objects and searches."""
    t = world.demo
    base = f"/consultaties/{SLUG}"
    urls = [c.url for c in route_cells(world) if c.method == "GET"
            and not c.url.startswith("/account/wachtwoord/")]  # the invited person's own link
    urls += [
        f"{base}/punten/{t.point}", f"{base}/punten/{t.point}/nieuw?na=0",
        f"{base}/punten/{ids['draft_point']}",
        f"{base}/antwoorden/{ids['released']}/versies",
        f"{base}/antwoorden/{ids['draft']}/versies",
        f"{base}/antwoorden/{ids['archived_answer']}/versies",
        f"{base}/reacties/{t.reaction}", f"{base}/reacties/{t.reaction}/punten",
        f"{base}/reacties/{ids['archived_reaction']}",
        f"/indieners/{ids['lonely']}", "/indieners",
        f"{base}/tabel", f"{base}/tabel.docx", f"{base}/tabel.csv", f"{base}/openbaar",
        # Later pages of the table (the plain next-page link; htmx asks the same URL).
        f"{base}/tabel?na={t.reaction}", f"{base}/openbaar?na={t.reaction}",
    ]
    # A prefix query finds the marker without the page echoing it whole.
    urls += [f"/zoeken?q={marker[:6]}*" for marker in HIDDEN]
    urls += [f"/zoeken/snel?q={marker[:6]}*" for marker in HIDDEN]
    urls += ["/zoeken?q=Sanne", "/zoeken?q=Secretaris", "/zoeken?q=Raadslid"]
    return urls


def test_the_public_sees_only_what_the_line_allows(line):
    app, world, ids = line
    anonymous = Actor(app.test_client(), None)
    problems = []
    for url in _public_urls(world, ids):
        response = anonymous.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        text = _visible_text(response)
        response.close()  # a download (the document under consultation) holds its file
        for marker, what in HIDDEN.items():
            if marker in text:
                problems.append(f"{url} shows {what}")
        for name in PEOPLE:
            if name in text:
                problems.append(f"{url} names {name}")
    assert not problems, "\n".join(problems)


def test_what_the_public_does_see(line):
    """Released answers, the public message (with the writer's role, not the name), the
    point's organisation; through pages and search."""
    app, world, ids = line
    anonymous = Actor(app.test_client(), None)
    base = f"/consultaties/{SLUG}"
    thread = _visible_text(anonymous.get(f"{base}/punten/{world.demo.point}"))
    assert PUBLIC_MESSAGE in thread and "secretaris" in thread  # the role, not the name
    versions = _visible_text(anonymous.get(f"{base}/antwoorden/{ids['released']}/versies"))
    assert RELEASED in versions and "Versie 2" in versions and "Versie 1" not in versions
    assert RELEASED in _visible_text(anonymous.get(f"{base}/reacties/{world.demo.reaction}"))
    for marker in (PUBLIC_MESSAGE, RELEASED):
        assert marker in _visible_text(anonymous.get(f"/zoeken?q={marker[:6]}*")), marker


def test_people_with_an_account_read_the_conversation_not_the_drafts(line):
    """The councillor and reader (members) see names and the conversation; drafts and internal
    notes stay with the secretariat, who sees everything."""
    app, world, ids = line
    thread = f"/consultaties/{SLUG}/punten/{world.demo.point}"
    draft_thread = f"/consultaties/{SLUG}/punten/{ids['draft_point']}"
    versions = f"/consultaties/{SLUG}/antwoorden/{ids['released']}/versies"
    for role in ("viewer", "councillor", "advisory_member"):
        actor = Actor(app.test_client(), role)
        text = _visible_text(actor.get(thread))
        assert "KONV4M3SSAGE" in text and "R44DVR4AG" in text and "Sanne Secretaris" in text
        assert "INT3RNN0TE" not in text
        assert "DR4FTANTW00RD" not in _visible_text(actor.get(draft_thread)), role
        assert "EERSTCONC3PT" not in _visible_text(actor.get(versions)), role
        assert actor.get(f"/indieners/{ids['lonely']}").status_code == 404, role
    secretary = Actor(app.test_client(), "secretary")
    assert "INT3RNN0TE" in _visible_text(secretary.get(thread))
    assert "DR4FTANTW00RD" in _visible_text(secretary.get(draft_thread))
    assert "EERSTCONC3PT" in _visible_text(secretary.get(versions))
    assert secretary.get(f"/indieners/{ids['lonely']}").status_code == 200


def test_what_the_public_may_not_see_answers_404(line):
    app, world, ids = line
    anonymous = Actor(app.test_client(), None)
    base = f"/consultaties/{SLUG}"
    for url in [
        f"{base}/archief", f"{base}/bestemmingen",
        f"{base}/geschiedenis/reactie/{world.demo.reaction}",
        f"{base}/geschiedenis/punt/{world.demo.point}",
        f"{base}/antwoorden/{world.demo.response}/bewerken",
        f"{base}/antwoorden/{ids['draft']}/versies",
        f"{base}/antwoorden/{ids['archived_answer']}/versies",
        f"{base}/bijlagen/{world.demo.attachment}",
        f"/indieners/{ids['lonely']}",
        f"/consultaties/{world.secret.slug}",
    ]:
        assert anonymous.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_no_get_changes_anything(line, role):
    """Every page, opened by every role, leaves every table as it was (not only its row
    count): a cross-site image or a prefetch cannot mark things seen or switch a setting."""
    app, world, ids = line
    actor = Actor(app.test_client(), role)
    urls = _public_urls(world, ids) + ["/portaal", "/nieuw", "/taal/en?next=/"]
    before = _dump(app)
    for url in urls:
        for response in (actor.get(url), actor.hx_get(url)):
            response.close()
    assert _dump(app) == before


def _dump(app) -> dict:
    """Every row of every table, except the search outbox (the index's own bookkeeping)."""
    from sqlmodel import SQLModel

    with app.app_context():
        session = get_session()
        return {
            table.name: sorted(map(repr, session.execute(table.select()).all()))
            for table in SQLModel.metadata.sorted_tables if table.name != "searchoutbox"
        }


def test_seen_marks_come_from_the_page_by_post(line):
    """Opening a thread marks nothing; the page's own POST does, never past what exists."""
    from consult.models import Message, ThreadVisit, User

    app, world, ids = line
    reader = Actor(app.test_client(), "councillor")
    base = f"/consultaties/{SLUG}/punten/{world.demo.point}"

    def visit():
        with app.app_context():
            session = get_session()
            user = session.exec(select(User).where(User.role == "councillor")).one()
            found = session.get(ThreadVisit, (user.id, world.demo.point))
            return found.seen_message_id if found else None

    before = visit()  # the councillor's own question (424-ish): writing marks it seen
    page = reader.get(base).get_data(as_text=True)
    assert visit() == before, "a GET marked the thread seen"
    marker = re.search(r'hx-post="([^"]+/gezien)" hx-vals=\'\{"tot": "(\d+)"\}\'', page)
    assert marker, "the thread page posts its seen mark"
    assert int(marker.group(2)) > before
    assert reader.hx_post(marker.group(1), {"tot": marker.group(2)}).status_code == 200
    assert visit() == int(marker.group(2))
    assert reader.hx_post(marker.group(1), {"tot": "2000000000"}).status_code == 200
    with app.app_context():
        newest = max(get_session().exec(select(Message.id).where(
            Message.point_id == world.demo.point, Message.kind != "internal_note")))
    assert visit() == newest  # capped at the newest entry the reader may see


def test_stakeholders_of_unpublished_consultations_stay_unknown(line):
    app, world, ids = line
    for role in (None, "viewer", "councillor"):
        actor = Actor(app.test_client(), role)
        assert "ZZGEHEIMRAAD" not in _visible_text(actor.get("/indieners"))
        assert "ZZGEHEIMRAAD" not in _visible_text(actor.get("/zoeken?q=ZZGEHE*"))
        assert actor.get(f"/indieners/{ids['lonely']}").status_code == 404
    with app.app_context():
        session = get_session()
        stakeholder = session.get(Stakeholder, ids["lonely"])
        assert stakeholder is not None and session.exec(
            select(Reaction).where(Reaction.stakeholder_id == stakeholder.id)).first()
        assert session.get(Response, ids["archived_answer"]) is not None
    assert db_count_all(app)["stakeholder"] > 0
