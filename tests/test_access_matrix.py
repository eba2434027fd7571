"""Every route, GET and POST, as every role: the exact status, from the rules in consult/access.py.

The table below has one entry per rule of the app's url_map (static files aside); a new route
without an entry fails `test_the_table_covers_every_route`. Cells are (route, method, role);
URL arguments come from real objects: demo reactions, points, answers and destinations, a user, a
one-time token, an advisory-board draft made through the portal, and a second consultation that
is not published and has no members (everyone but the admin gets 404 on it).
"""

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import pytest
from sqlmodel import SQLModel, func, select

from consult import attachments, commitments, create_app, files
from consult.accounts import create_user, issue_token
from consult.db import get_session
from consult.documents import operations as documents
from consult.intake import DraftPoint, create_consultation, create_stakeholder, log_reaction
from consult.lifecycle import take_step
from consult.models import (
    Attachment,
    Consultation,
    Destination,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    Stakeholder,
)
from consult.processing import answer, create_destination
from tests.conftest import Actor, take_steps

SLUG = "holland-rijnland-jeugdhulp-2016"
ROLES = (None, "viewer", "councillor", "advisory_member", "secretary", "admin")
PROCESSORS = ("secretary", "admin")
NO_SUCH_SLUG = "bestaat-niet-2099"
# Words that appear nowhere in the demo, so a page containing them shows hidden data.
SECRET_MARK = "Q7Z-GEHEIM"
DRAFT_MARK = "D9K-CONCEPT"
NEW_PASSWORD = "een-nieuw-wachtwoord-2026"


def role_id(role):
    return role or "anonymous"


def by_role(anon, viewer, councillor, advisory, secretary, admin) -> dict:
    return dict(zip(ROLES, (anon, viewer, councillor, advisory, secretary, admin), strict=True))


def every(status: int) -> dict:
    return dict.fromkeys(ROLES, status)


def processors(ok: int, others: int = 403) -> dict:
    return {r: ok if r in PROCESSORS else others for r in ROLES}


def admin_only(ok: int) -> dict:
    """/beheer: anonymous visitors go to the login page, other users get 403."""
    return by_role(302, 403, 403, 403, 403, ok)


def portal_page(advisory: int, councillor: int = 403, anon: int = 302) -> dict:
    """/portaal: advisory-board members and councillors; 403 for the others."""
    return by_role(anon, 403, councillor, advisory, 403, 403)


SAME_PATH = "same path"  # this method on this path is served by another rule (its own entry)

# --- the objects the URLs are built from ---------------------------------------------


@dataclass(frozen=True)
class Target:
    """The consultation a URL is addressed under and the objects it names."""

    slug: str
    reaction: int  # a submitted reaction: read, answered
    point: int  # a point of that reaction: its thread
    response: int  # an answer: edited, its versions
    destination: int  # renamed
    archive_reaction: int  # archived (kept apart so that answering still works)
    other_point: int  # restored / history
    attachment: int  # an uploaded original of the reaction
    revision: int = 0  # the consultation's revision once everything is set up
    version: int = 0  # the consultation's version (its facts form names it)


@dataclass
class World:
    demo: Target
    secret: Target
    target_user: int  # archived by the admin
    token: str  # a one-time link of an invited user
    draft: int  # the advisory board's draft (WMO Adviesraad Leiden)
    stakeholder: int  # a sender for the composer
    board_user: int = 0  # filled in by tests that need a second board
    extra: dict = field(default_factory=dict)


def db_count_all(app) -> dict[str, int]:
    """Rows per table: compare before and after to prove nothing was stored."""
    with app.app_context():
        session = get_session()
        return {
            t.name: session.exec(select(func.count()).select_from(t)).one()
            for t in SQLModel.metadata.sorted_tables
        }


def _first_point(session, reaction_id: int) -> Point:
    return session.exec(
        select(Point).where(Point.reaction_id == reaction_id).order_by(Point.position)
    ).first()


def nieuwkoop_consultation(session) -> Consultation:
    return session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()


def _reaction_of(session, stakeholder_name: str) -> Reaction:
    return session.exec(
        select(Reaction)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == stakeholder_name)
    ).first()


def _response_of_point(session, point_id: int) -> Response:
    return session.exec(
        select(Response)
        .join(ResponsePoint, ResponsePoint.response_id == Response.id)
        .where(ResponsePoint.point_id == point_id)
    ).first()


def make_secret_consultation(session, store) -> Target:
    """A consultation that is not published and has no members, answered and routed.

    Its reaction comes from the demo advisory board (WMO Adviesraad Leiden) with a point from the
    demo councillor's council, so the portal inboxes of both demo users would be tempted to show
    it; only the admin may see any of it.
    """
    consultation = create_consultation(
        session,
        slug="verborgen-consultatie-2026",
        title=f"Verborgen consultatie {SECRET_MARK}",
        organiser=f"Organisator {SECRET_MARK}",
    )
    take_step(session, None, consultation, "open")  # open for reactions, members only
    board = session.exec(select(Stakeholder).where(Stakeholder.slug == "leiden-wmo")).one()
    council = session.exec(select(Stakeholder).where(Stakeholder.slug == "leiden-raad")).one()
    destination = create_destination(
        session, consultation_id=consultation.id, slug="geheim-plan",
        title=f"Geheim plan {SECRET_MARK}", kind="document_section",
    )
    reactions = []
    for title in ("Verborgen reactie", "Verborgen tweede reactie"):
        reactions.append(log_reaction(
            session, None, consultation, board,
            [DraftPoint("1", f"Verborgen punt een {SECRET_MARK}."),
             DraftPoint("2", f"Verborgen punt twee {SECRET_MARK}.", stakeholder_id=council.id)],
            channel="advies", title=f"{title} {SECRET_MARK}",
            original_text=f"Brief {SECRET_MARK}",
        ))
    points = session.exec(
        select(Point).where(Point.reaction_id == reactions[0].id).order_by(Point.position)
    ).all()
    response = answer(
        session, None, consultation, points=points, destinations=[destination],
        body=f"Verborgen antwoord {SECRET_MARK}.", status="adopted",
        decided_by=f"Verborgen PHO {SECRET_MARK}", reaction_id=reactions[0].id,
    )
    original = attachments.store(session, None, store, reactions[0],
                                 "verborgen-brief.txt", f"1. Verborgen {SECRET_MARK}".encode())
    return Target(
        slug=consultation.slug, reaction=reactions[0].id, point=points[0].id,
        response=response.id, destination=destination.id, archive_reaction=reactions[1].id,
        other_point=points[1].id, attachment=original.id,
    )


def correction_points(session, consultation, stakeholder, mark: str = "") -> dict:
    """A reaction of five points for the correction routes: one to edit (and read the
    versions of), one to move, two to merge, one to split (with the offset of its second
    sentence)."""
    texts = [f"Correctiepunt {i}{mark}. Tweede zin van punt {i}." for i in range(1, 6)]
    reaction = log_reaction(session, None, consultation, stakeholder,
                            [DraftPoint(str(i), t) for i, t in enumerate(texts, start=1)],
                            channel="collegebrief", title=f"Correctiebrief{mark}")
    ids = [p.id for p in session.exec(
        select(Point).where(Point.reaction_id == reaction.id).order_by(Point.position))]
    return {"edit": ids[0], "move": ids[1], "merge": (ids[2], ids[3]), "split": ids[4],
            "split_at": texts[4].index("Tweede")}


def build_world(app) -> World:
    """Everything the URLs need, made as the app would make it; committed."""
    with app.app_context():
        session = get_session()
        nieuwkoop = _reaction_of(session, "Nieuwkoop")
        point = _first_point(session, nieuwkoop.id)
        other_point = session.exec(
            select(Point).where(Point.reaction_id == nieuwkoop.id).order_by(Point.position.desc())
        ).first()
        response = _response_of_point(session, point.id)
        archive_me = _reaction_of(session, "Kaag en Braassem")
        destination = session.exec(
            select(Destination).where(Destination.title == "PHO Jeugdhulp")
        ).one()
        leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
        target_user = create_user(
            session, email="doelwit@consult.example", name="Dirk Doelwit", role="viewer"
        )
        invited = create_user(
            session, email="uitgenodigd@consult.example", name="Ilse Uitgenodigd", role="viewer"
        )
        token = issue_token(session, invited, "invite")
        original = attachments.store(session, None, files.of(app), nieuwkoop,
                                     "nieuwkoop.txt", b"1. De brief van Nieuwkoop.")
        secret = make_secret_consultation(session, files.of(app))
        for slug in (SLUG, secret.slug):  # the document under consultation, uploaded
            consultation = session.exec(select(Consultation).where(Consultation.slug == slug))
            attachments.store(session, None, files.of(app), None, "notitie.pdf",
                              b"%PDF-1.4 de notitie", consultation=consultation.one())
        corrections = {
            point.id: correction_points(session, nieuwkoop_consultation(session), leiden),
            secret.point: correction_points(
                session, session.exec(select(Consultation).where(
                    Consultation.slug == secret.slug)).one(),
                session.exec(select(Stakeholder).where(Stakeholder.slug == "leiden-wmo")).one(),
                f" {SECRET_MARK}"),
        }
        # A promise in each consultation's target answer.
        promises = {  # by the answer they were made in
            response_id: commitments.create(session, None, session.get(Response, response_id),
                                            "Terugkoppelen", "Secretariaat", None, "PHO maart").id
            for response_id in (response.id, secret.response)
        }
        # A destination the target point is routed to (its to-do list can mark it done).
        routed = session.exec(
            select(ResponseDestination.destination_id).where(
                ResponseDestination.response_id == response.id)
        ).first()
        session.commit()
        world = World(
            demo=Target(SLUG, nieuwkoop.id, point.id, response.id, destination.id,
                        archive_me.id, other_point.id, original.id),
            secret=secret,
            target_user=target_user.id,
            token=token,
            draft=0,
            stakeholder=leiden.id,
        )
    # The board drafts while the round is open; then it is decided and published again.
    take_steps(app, "unpublish", "undo_decision", "reopen")
    board = Actor(app.test_client(), "advisory_member")
    letter = f"1. Eerste conceptpunt {DRAFT_MARK}.\n2. Tweede conceptpunt {DRAFT_MARK}.\n"
    saved = board.form_post(f"/portaal/{SLUG}/concept", {
        "title": f"Concept {DRAFT_MARK}", "file": (io.BytesIO(letter.encode()), "advies.txt"),
    })
    assert saved.status_code == 303, saved.get_data(as_text=True)
    world.draft = int(saved.headers["Location"].split("/")[-1].split("?")[0])
    take_steps(app, "close", ("decide", "PHO Jeugdhulp", "2015-12-16"), "publish")
    # By point: addressed under the other consultation, the pair must be that one's.
    world.extra["routed"] = {world.demo.point: routed, world.secret.point: world.secret.destination}
    world.extra["commitment"] = promises
    world.extra["next_step"] = {SLUG: "archiveren", world.secret.slug: "sluiten"}
    world.extra["corrections"] = corrections
    world.extra["themes"] = _themes_of(app, world)
    with app.app_context():
        session = get_session()
        # The registry: a stakeholder without parts to archive, and a duplicate to merge.
        zoeterwoude = session.exec(select(Stakeholder).where(Stakeholder.name == "Zoeterwoude"))
        world.extra["merge_keep"] = zoeterwoude.one().id
        world.extra["leaf"] = session.exec(select(Stakeholder.id).where(
            Stakeholder.name == "Gemeenteraad Zoeterwoude")).one()
        world.extra["duplicate"] = create_stakeholder(
            session, None, slug="gemeente-zoeterwoude", name="Gemeente Zoeterwoude",
            kind="municipality").id
        session.commit()
        world.extra["draft_attachment"] = session.exec(
            select(Attachment.id).where(Attachment.reaction_id == world.draft)
        ).one()
        # A document version with its original on each target destination (consult/documents).
        world.extra["document_version"] = {
            target.point: documents.add_version(
                session, None, files.of(app), session.get(Destination, target.destination),
                "concept", date(2016, 9, 1), filename="plan.txt",
                data=b"1. Doel\n\nTekst.\n").id
            for target in (world.demo, world.secret)
        }
        for target in (world.demo, world.secret):  # a second version, to compare with
            documents.add_version(session, None, files.of(app),
                                  session.get(Destination, target.destination), "definitief",
                                  date(2016, 12, 16), text="1. Doel\n\nAndere tekst.\n")
        session.commit()
        for name in ("demo", "secret"):
            target = getattr(world, name)
            found = session.exec(
                select(Consultation).where(Consultation.slug == target.slug)).one()
            setattr(world, name, replace(target, revision=found.revision, version=found.version))
    return world


def _themes_of(app, world) -> dict[str, dict]:
    """Per target (by its point: a crossed target keeps its objects): a theme holding the
    target's point and four suggestions (one to accept, one to drop, two to merge)."""
    from consult.themes import operations as theme_ops

    out = {}
    with app.app_context():
        session = get_session()
        for target in (world.demo, world.secret):
            cid = session.exec(select(Consultation.id).where(
                Consultation.slug == target.slug)).one()
            theme = theme_ops.create_theme(session, cid, "Thema")
            theme_ops.add_points(session, theme, [target.point])
            found = theme_ops.replace_suggestions(session, cid, [
                (f"voorstel {n}", [target.point]) for n in range(4)])
            out[target.point] = {"theme": theme.id, "suggestions": [s.id for s in found]}
        session.commit()
    return out


def _theme(w, t) -> str:
    return f"/consultaties/{t.slug}/themas/{w.extra['themes'][t.point]['theme']}"


def _suggestion(n: int, action: str):
    return lambda w, t: (f"/consultaties/{t.slug}/themas/voorstellen/"
                         f"{w.extra['themes'][t.point]['suggestions'][n]}/{action}")


# --- the table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Expected statuses per role for GET and POST, and how to address the route."""

    get: dict | str
    post: dict | str
    url: Callable[[World, Target], str]
    data: Callable[[World, Target], dict] = lambda w, t: {}
    get_mode: str = "page"  # "page" or "hx" (a fragment fetched by htmx)
    post_mode: str = "form"  # "form" (token as a field) or "hx" (token in the header)
    fresh: bool = False  # the POST ends or starts a session: done in a twin (its own login)
    late: bool = False  # the POST archives something other cells use: done after the others
    scoped: bool = False  # the URL names a consultation (checked under the hidden one too)
    ids: bool = False  # the URL names objects of that consultation
    gate: str | None = None  # checked before the consultation: "portal" or "login"


def _letter(w, t):
    return {"stakeholder_id": w.stakeholder, "channel": "collegebrief", "title": "Matrixbrief",
            "text": "1. Eerste punt.\n2. Tweede punt."}


def _points(w, t):
    return {"point_number": ["1", "2"], "point_heading": ["", ""],
            "point_text": ["Een.", "Twee."], "action": "merge:1"}


def _new_stakeholder(w, t):
    """A name nobody has yet, confirmed as new (close matches are offered first otherwise)."""
    name = f"Raad Matrixdorp {uuid.uuid4().hex[:8]}"
    return {"name": name, "kind": "council", "stakeholder_match": "nieuw",
            "stakeholder_match_voor": name}
def _corrected(w, t, what: str):
    """The point of the correction reaction (build_world) that a correction route works on."""
    found = w.extra["corrections"][t.point][what]
    return found[0] if isinstance(found, tuple) else found


def _correction_url(what: str, path: str):
    return lambda w, t: f"/consultaties/{t.slug}/punten/{_corrected(w, t, what)}/{path}"


def _draft(w, t):
    return {"title": "Advies", "text": "1. Een punt van de adviesraad.", "version": 1}


ROUTES: dict[str, Route] = {
    "consultations.index": Route(every(200), every(405), lambda w, t: "/"),
    # Before the cells that edit the target's answer (and so its routing).
    "landings.follow": Route(
        every(405), by_role(401, 200, 200, 200, 200, 200),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{w.extra['routed'][t.point]}/volgen",
        post_mode="hx", scoped=True, ids=True, gate="login",
    ),
    "landings.land": Route(
        every(405), by_role(401, 403, 403, 403, 200, 200),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{w.extra['routed'][t.point]}"
                     f"/punten/{t.point}/geland",
        lambda w, t: {"reference": "Inkoopplan v2"}, post_mode="hx", scoped=True, ids=True,
        gate="login",
    ),
    "landings.unland": Route(
        every(405), by_role(401, 403, 403, 403, 200, 200),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{w.extra['routed'][t.point]}"
                     f"/punten/{t.point}/niet-geland",
        post_mode="hx", scoped=True, ids=True, gate="login",
    ),
    "auth.login": Route(
        by_role(200, 302, 302, 302, 302, 302), by_role(303, 302, 302, 302, 302, 302),
        lambda w, t: "/inloggen",
        lambda w, t: {"email": "lezer@consult.example", "password": "demo-lezer-2016"},
        fresh=True,
    ),
    "auth.logout": Route(every(405), every(303), lambda w, t: "/uitloggen", fresh=True),
    "auth.set_password": Route(
        every(200), every(303), lambda w, t: f"/account/wachtwoord/{w.token}",
        lambda w, t: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, fresh=True,
    ),
    "auth.forgot_password": Route(
        every(200), every(200), lambda w, t: "/wachtwoord-vergeten",
        lambda w, t: {"email": "lezer@consult.example"},
    ),
    "i18n.switch": Route(
        every(405), every(303), lambda w, t: "/taal/nl",
        lambda w, t: {"next": f"/consultaties/{SLUG}"},
    ),
    "admin.users": Route(admin_only(200), SAME_PATH, lambda w, t: "/beheer/gebruikers"),
    "admin.create": Route(
        SAME_PATH, admin_only(200), lambda w, t: "/beheer/gebruikers",
        lambda w, t: {"email": f"nieuw-{uuid.uuid4().hex[:8]}@consult.example",
                      "name": "Nieuwe Lezer", "role": "viewer"},
    ),
    "admin.change": Route(
        every(405), admin_only(303),
        lambda w, t: f"/beheer/gebruikers/{w.target_user}/archiveren", late=True,
    ),
    "consultations.show": Route(every(200), every(405), lambda w, t: f"/consultaties/{t.slug}",
                                scoped=True),
    "consultations.more": Route(every(200), every(405),
                                lambda w, t: f"/consultaties/{t.slug}/kanaal?na=0",
                                get_mode="hx", scoped=True),
    "consultations.changes": Route(
        every(204), every(405),
        lambda w, t: f"/consultaties/{t.slug}/wijzigingen?rev={t.revision}&na=0",
        get_mode="hx", scoped=True,
    ),
    "consultations.reaction": Route(
        every(200), every(405), lambda w, t: f"/consultaties/{t.slug}/reacties/{t.reaction}",
        scoped=True, ids=True,
    ),
    # Letters as received name people: not for the public (access.py).
    "consultations.attachment": Route(
        by_role(404, 200, 200, 200, 200, 200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/bijlagen/{t.attachment}",
        scoped=True, ids=True,
    ),
    "consultations.reaction_points": Route(
        every(200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/reacties/{t.reaction}/punten",
        get_mode="hx", scoped=True, ids=True,
    ),
    "intake.preview": Route(
        every(405), processors(200), lambda w, t: f"/consultaties/{t.slug}/composer/voorbeeld",
        lambda w, t: {"text": "1. Een.\n2. Twee."}, post_mode="hx", scoped=True,
    ),
    "intake.edit_preview": Route(
        every(405), processors(200), lambda w, t: f"/consultaties/{t.slug}/composer/bewerk",
        _points, post_mode="hx", scoped=True,
    ),
    "intake.log": Route(
        every(405), processors(201), lambda w, t: f"/consultaties/{t.slug}/reacties", _letter,
        post_mode="hx", scoped=True,
    ),
    "processing.answer": Route(
        every(405), processors(200),
        lambda w, t: f"/consultaties/{t.slug}/reacties/{t.reaction}/antwoorden",
        lambda w, t: {"selection": "1", "body": "Genoteerd.", "status": "adopted"},
        post_mode="hx", scoped=True, ids=True,
    ),
    # the answer panel's count, ticks and typed range (a fragment for the page's htmx)
    "processing.selection": Route(
        processors(200, 404), every(405),
        lambda w, t: f"/consultaties/{t.slug}/reacties/{t.reaction}/keuze?selection=1",
        get_mode="hx", scoped=True, ids=True,
    ),
    "processing.edit": Route(
        processors(200, 404), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/antwoorden/{t.response}/bewerken",
        lambda w, t: {"version": 1, "body": "Herziene tekst.", "status": "adopted"},
        scoped=True, ids=True,
    ),
    "processing.versions": Route(
        every(200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/antwoorden/{t.response}/versies",
        scoped=True, ids=True,
    ),
    "processing.markdown_preview": Route(
        every(405), processors(200), lambda w, t: "/markdown-voorbeeld",
        lambda w, t: {"body": "**vet**"}, post_mode="hx",
    ),
    "destinations.index": Route(
        processors(200, 404), SAME_PATH, lambda w, t: f"/consultaties/{t.slug}/bestemmingen",
        scoped=True,
    ),
    "destinations.create": Route(
        SAME_PATH, processors(303), lambda w, t: f"/consultaties/{t.slug}/bestemmingen",
        lambda w, t: {"title": "Nieuwe werkgroep"}, scoped=True,
    ),
    "destinations.change": Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/hernoemen",
        lambda w, t: {"title": "Hernoemde bestemming"}, scoped=True, ids=True,
    ),
    "records.change": Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/archiveren/reactie/{t.archive_reaction}",
        late=True, scoped=True, ids=True,
    ),
    "records.archive": Route(
        processors(200, 404), every(405), lambda w, t: f"/consultaties/{t.slug}/archief",
        scoped=True,
    ),
    "records.history": Route(
        processors(200, 404), every(405),
        lambda w, t: f"/consultaties/{t.slug}/geschiedenis/reactie/{t.reaction}",
        scoped=True, ids=True,
    ),
    "threads.show": Route(
        every(200), every(405), lambda w, t: f"/consultaties/{t.slug}/punten/{t.point}",
        scoped=True, ids=True,
    ),
    "threads.new_entries": Route(
        every(200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/punten/{t.point}/nieuw?na=0",
        get_mode="hx", scoped=True, ids=True,
    ),
    "threads.similar": Route(
        every(200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/punten/{t.point}/vergelijkbaar",
        get_mode="hx", scoped=True, ids=True,
    ),
    "reports.show": Route(every(200), every(405), lambda w, t: f"/consultaties/{t.slug}/tabel",
                          scoped=True),
    "reports.download": Route(every(200), every(405),
                              lambda w, t: f"/consultaties/{t.slug}/tabel.docx", scoped=True),
    "landings.show": Route(
        every(200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}", scoped=True,
        ids=True,
    ),
    # A letter speaks for the organiser: the consultation's processors only, texts stored.
    "letters.index": Route(
        by_role(302, 404, 404, 404, 200, 200), SAME_PATH,
        lambda w, t: f"/consultaties/{t.slug}/antwoordbrieven", scoped=True, gate="login",
    ),
    "letters.save": Route(
        SAME_PATH, by_role(302, 403, 403, 403, 303, 303),
        lambda w, t: f"/consultaties/{t.slug}/antwoordbrieven",
        lambda w, t: {"opening": "Geachte {stakeholder},", "closing": "Het secretariaat"},
        scoped=True, gate="login",
    ),
    "letters.download": Route(
        by_role(302, 404, 404, 404, 200, 200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/antwoordbrieven/{w.stakeholder}.docx",
        scoped=True, gate="login",
    ),
    "consultations.dashboard": Route(every(200), every(405),
                                     lambda w, t: f"/consultaties/{t.slug}/dashboard",
                                     scoped=True),
    "commitments.index": Route(every(200), SAME_PATH,
                               lambda w, t: f"/consultaties/{t.slug}/toezeggingen", scoped=True),
    "commitments.create": Route(
        SAME_PATH, by_role(302, 403, 403, 403, 303, 303),
        lambda w, t: f"/consultaties/{t.slug}/toezeggingen",
        lambda w, t: {"response_id": t.response, "description": "Terugkoppelen",
                      "owner": "Secretariaat", "due_meeting": "PHO maart"},
        scoped=True, ids=True, gate="login",
    ),
    "commitments.change": Route(
        every(405), by_role(302, 403, 403, 403, 303, 303),
        lambda w, t: f"/consultaties/{t.slug}/toezeggingen/"
                     f"{w.extra['commitment'][t.response]}/status",
        lambda w, t: {"status": "open", "evidence": ""}, scoped=True, ids=True, gate="login",
    ),
    # Published consultations only, for everyone alike (tests/test_reports.py checks the rest).
    "reports.public": Route(every(200), every(405),
                            lambda w, t: f"/consultaties/{SLUG}/openbaar"),
    "unread.index": Route(by_role(302, 200, 200, 200, 200, 200), every(405),
                          lambda w, t: "/nieuw"),
    "unread.count": Route(by_role(302, 200, 200, 200, 200, 200), every(405),
                          lambda w, t: "/nieuw/aantal"),
    "unread.mark_all_seen": Route(every(405), by_role(302, 303, 303, 303, 303, 303),
                                  lambda w, t: "/nieuw/gelezen", lambda w, t: {"upto": "1"}),
    "stakeholders.index": Route(every(200), every(405), lambda w, t: "/indieners"),
    "stakeholders.show": Route(every(200), every(405),
                               lambda w, t: f"/indieners/{w.stakeholder}"),
    "health.check": Route(every(200), every(405), lambda w, t: "/healthz"),
    # The registry: the secretariat's pages (404 for others), its changes (403 for others).
    "registry.manage": Route(processors(200, 404), SAME_PATH, lambda w, t: "/indieners/beheer"),
    "registry.create": Route(SAME_PATH, processors(303), lambda w, t: "/indieners/beheer",
                             _new_stakeholder),
    "registry.edit": Route(processors(200, 404), SAME_PATH,
                           lambda w, t: f"/indieners/{w.stakeholder}/beheer"),
    "registry.change": Route(
        SAME_PATH, processors(303), lambda w, t: f"/indieners/{w.stakeholder}/beheer",
        lambda w, t: {"name": "Leiden", "kind": "municipality", "email": "griffie@leiden.nl"},
    ),
    "registry.archive": Route(every(405), processors(303),
                              lambda w, t: f"/indieners/{w.extra['leaf']}/archiveren", late=True),
    "registry.merge_confirm": Route(
        processors(200, 404), SAME_PATH,
        lambda w, t: f"/indieners/{w.extra['merge_keep']}/samenvoegen?met={w.extra['duplicate']}",
    ),
    "registry.merge": Route(
        SAME_PATH, processors(303),
        lambda w, t: f"/indieners/{w.extra['merge_keep']}/samenvoegen?met={w.extra['duplicate']}",
        late=True,
    ),
    # Close matches of a typed name: for everyone with an account (only names they may know).
    "registry.matches": Route(by_role(404, 200, 200, 200, 200, 200), every(405),
                              lambda w, t: "/indieners/overeenkomsten?naam=Gemeente+Leiden",
                              get_mode="hx"),
    "search.index": Route(every(200), every(405), lambda w, t: "/zoeken?q=jeugdhulp"),
    # The theme board: the secretariat changes it, councillors who are members read it.
    "themes.board": Route(by_role(404, 404, 200, 404, 200, 200), SAME_PATH,
                          lambda w, t: f"/consultaties/{t.slug}/themas", scoped=True),
    "themes.create": Route(SAME_PATH, processors(303),
                           lambda w, t: f"/consultaties/{t.slug}/themas",
                           lambda w, t: {"title": "Nieuw thema"}, scoped=True),
    "themes.update": Route(every(405), processors(303), _theme,
                           lambda w, t: {"title": "Hernoemd", "description": ""},
                           scoped=True, ids=True),
    "themes.delete": Route(every(405), processors(303), lambda w, t: f"{_theme(w, t)}/verwijderen",
                           scoped=True, ids=True, late=True),
    "themes.restore": Route(every(405), processors(303),
                            lambda w, t: f"{_theme(w, t)}/herstellen", scoped=True, ids=True),
    "themes.move_point": Route(
        every(405), processors(303), lambda w, t: f"/consultaties/{t.slug}/themas/punten/{t.point}",
        lambda w, t: {"into": str(w.extra["themes"][t.point]["theme"])}, scoped=True, ids=True),
    "themes.choose": Route(
        processors(200, 404), every(405),
        lambda w, t: (f"/consultaties/{t.slug}/themas/punten/{t.point}/kiezen"
                      f"?thema={w.extra['themes'][t.point]['theme']}"), scoped=True, ids=True),
    "themes.compute": Route(every(405), processors(303),
                            lambda w, t: f"/consultaties/{t.slug}/themas/voorstellen",
                            scoped=True, late=True),
    "themes.suggestion": Route(every(405), processors(303), _suggestion(0, "hernoemen"),
                               lambda w, t: {"label": "Anders"}, scoped=True, ids=True),
    "themes.answer_form": Route(processors(200, 404), SAME_PATH,
                                lambda w, t: f"{_theme(w, t)}/beantwoorden", scoped=True, ids=True),
    "themes.answer": Route(
        SAME_PATH, processors(303), lambda w, t: f"{_theme(w, t)}/beantwoorden",
        lambda w, t: {"body": "Eén antwoord.", "status": "adopted", "point_ids": str(t.point)},
        scoped=True, ids=True),
    "search.quick": Route(every(200), every(405), lambda w, t: "/zoeken/snel?q=jeugd",
                          get_mode="hx"),
    "threads.post": Route(
        every(405), by_role(401, 422, 204, 204, 204, 204),
        lambda w, t: f"/consultaties/{t.slug}/punten/{t.point}/berichten",
        lambda w, t: {"body": "Hoe gaat dit verder?"}, post_mode="hx", scoped=True, ids=True,
        gate="login",
    ),
    "threads.seen": Route(
        every(405), by_role(401, 200, 200, 200, 200, 200),
        lambda w, t: f"/consultaties/{t.slug}/punten/{t.point}/gezien",
        lambda w, t: {"tot": "1"}, post_mode="hx", scoped=True, ids=True, gate="login",
    ),
    "threads.follow": Route(
        every(405), by_role(401, 200, 200, 200, 200, 200),
        lambda w, t: f"/consultaties/{t.slug}/punten/{t.point}/volgen",
        post_mode="hx", scoped=True, ids=True, gate="login",
    ),
    "portal.inbox": Route(portal_page(200, councillor=200), every(405), lambda w, t: "/portaal"),
    "portal.inbox_seen": Route(
        every(405), portal_page(200, councillor=200, anon=401), lambda w, t: "/portaal/gezien",
        lambda w, t: {"tot": "2026-11-29T10:00:00+00:00"}, post_mode="hx",
    ),
    # Advisory boards draft only while a consultation is open for reactions; the demo is
    # published, so 403 (tests/test_portal.py drafts in the reopened demo).
    "portal.new_draft": Route(
        portal_page(403), portal_page(403), lambda w, t: f"/portaal/{t.slug}/concept", _draft,
        scoped=True, gate="portal",
    ),
    "portal.preview": Route(
        every(405), portal_page(403, anon=401), lambda w, t: f"/portaal/{t.slug}/voorbeeld",
        lambda w, t: {"text": "1. Een.\n2. Twee."}, post_mode="hx", scoped=True, gate="portal",
    ),
    "portal.edit_preview": Route(
        every(405), portal_page(403, anon=401),
        lambda w, t: f"/portaal/{t.slug}/voorbeeld/bewerk", _points, post_mode="hx",
        scoped=True, gate="portal",
    ),
    "portal.follow_stakeholder": Route(
        every(405), portal_page(200, councillor=200, anon=401),
        lambda w, t: f"/portaal/volgen/betrokkene/{w.stakeholder}", post_mode="hx",
    ),
    "corrections.edit": Route(
        processors(200, 404), processors(303), _correction_url("edit", "corrigeren"),
        lambda w, t: {"version": 1, "number": "1", "heading": "", "body": "Gecorrigeerd."},
        scoped=True, ids=True,
    ),
    # Earlier wordings are like the letter as received: for people with an account.
    "corrections.history": Route(
        by_role(404, 200, 200, 200, 200, 200), every(405), _correction_url("edit", "versies"),
        scoped=True, ids=True,
    ),
    "corrections.move": Route(
        processors(200, 404), processors(303), _correction_url("move", "verplaatsen"),
        lambda w, t: {"version": 1, "reaction_id": t.reaction, "number": "99"},
        scoped=True, ids=True,
    ),
    "corrections.merge": Route(
        processors(200, 404), processors(303), _correction_url("merge", "samenvoegen"),
        lambda w, t: {"version": 1, "other_id": w.extra["corrections"][t.point]["merge"][1]},
        scoped=True, ids=True,
    ),
    "corrections.split": Route(
        processors(200, 404), processors(303), _correction_url("split", "splitsen"),
        lambda w, t: {"version": 1, "at": w.extra["corrections"][t.point]["split_at"]},
        scoped=True, ids=True,
    ),
    # Bulk actions, answer templates and status names (consult/bulk): the secretariat's.
    "bulk.index": Route(processors(200, 404), SAME_PATH,
                        lambda w, t: f"/consultaties/{t.slug}/selectie", scoped=True),
    "bulk.act": Route(
        SAME_PATH, processors(303), lambda w, t: f"/consultaties/{t.slug}/selectie",
        lambda w, t: {"action": "status", "scope": "some", "point_ids": t.point,
                      "new_status": "adopted"}, scoped=True, ids=True),
    "bulk.undo": Route(every(405), processors(404),
                       lambda w, t: f"/consultaties/{t.slug}/selectie/999999/ongedaan",
                       scoped=True),
    "bulk.templates": Route(processors(200, 404), SAME_PATH,
                            lambda w, t: f"/consultaties/{t.slug}/sjablonen", scoped=True),
    "bulk.create_template": Route(
        SAME_PATH, processors(303), lambda w, t: f"/consultaties/{t.slug}/sjablonen",
        lambda w, t: {"title": "Matrixsjabloon", "body": "Punt {punt} gaat mee."},
        scoped=True),
    "bulk.change_template": Route(
        every(405), processors(404),
        lambda w, t: f"/consultaties/{t.slug}/sjablonen/999999/archiveren", scoped=True),
    "bulk.status_labels": Route(
        every(405), processors(303), lambda w, t: f"/consultaties/{t.slug}/statusnamen",
        lambda w, t: {"label_adopted": "meegenomen"}, scoped=True),
    "bulk.fill": Route(
        processors(404, 404), every(405),
        lambda w, t: f"/consultaties/{t.slug}/sjablonen/invullen?template_id=999999"
                     f"&reaction_id={t.reaction}", scoped=True, get_mode="hx"),
    # The browser import: the secretariat's page; a dry run without a file is 422, an import
    # naming no kept upload 410 (tests/test_imports.py has the rest).
    "imports.show": Route(processors(200, 404), SAME_PATH,
                          lambda w, t: f"/consultaties/{t.slug}/inlezen", scoped=True),
    "imports.dry_run": Route(SAME_PATH, processors(422),
                             lambda w, t: f"/consultaties/{t.slug}/inlezen", scoped=True),
    "imports.run": Route(
        every(405), processors(410),
        lambda w, t: f"/consultaties/{t.slug}/inlezen/{'x' * 32}", scoped=True),
    # The board's draft from when the demo was open: readable, no longer saved (409, the
    # text kept).
    "portal.draft": Route(
        portal_page(200, councillor=404), portal_page(409, councillor=404),
        lambda w, t: f"/portaal/concepten/{w.draft}", _draft,
    ),
    # The lifecycle (consult/lifecycle): the secretariat and the admin create consultations,
    # edit their facts and take their steps; the document under consultation is as public as
    # the consultation (tests/test_lifecycle.py checks every step by every role).
    "lifecycle.create": Route(
        by_role(302, 403, 403, 403, 200, 200), by_role(302, 403, 403, 403, 303, 303),
        lambda w, t: "/consultaties/nieuw",
        lambda w, t: {"title": "Matrixconsultatie 2027", "closes_on": "2027-03-01"},
    ),
    "lifecycle.edit": Route(
        processors(200, 404), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/bewerken",
        lambda w, t: {"version": t.version, "title": "Hernoemde consultatie",
                      "organiser": "Holland Rijnland"},
        scoped=True,
    ),
    # A destination's document (consult/documents): read as the destination's page is; a new
    # version is the secretariat's.
    "documents.show": Route(
        # A POST there is destinations.change with the unknown action "document".
        every(200), processors(404),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/document",
        scoped=True, ids=True,
    ),
    "documents.add": Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/document/versies",
        lambda w, t: {"label": "definitief", "dated": "2016-12-16", "text": "1. Doel\n\nAf."},
        scoped=True, ids=True,
    ),
    "documents.compare": Route(
        every(200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/document/vergelijken",
        scoped=True, ids=True,
    ),
    "documents.compare_docx": Route(
        every(200), every(405),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/document/"
                     "vergelijken.docx",
        scoped=True, ids=True,
    ),
    "documents.change": Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/document/versies/"
                     f"{w.extra['document_version'][t.point]}",
        lambda w, t: {"label": "concept", "dated": "2016-09-02"}, scoped=True, ids=True,
    ),
    # Removing a version: done last, the comparison needs both versions.
    "documents.remove": Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/document/versies/"
                     f"{w.extra['document_version'][t.point]}/verwijderen",
        late=True, scoped=True, ids=True,
    ),
    # The original carries its Word properties (author ...): the secretariat's; the public
    # reads the text on the document view.
    "documents.original": Route(
        processors(200, 404), every(405),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/document/versies/"
                     f"{w.extra['document_version'][t.point]}/origineel",
        scoped=True, ids=True,
    ),
    "lifecycle.document": Route(
        every(200), every(405), lambda w, t: f"/consultaties/{t.slug}/document", scoped=True,
    ),
    # Invitations (consult/invitations): the secretariat and the admin invite, remove and
    # remind; the reminders page is theirs (404 for others); tests/test_invitations.py checks
    # every role on a concept and a published round.
    "invitations.invite": Route(
        every(405), processors(303), lambda w, t: f"/consultaties/{t.slug}/uitnodigingen",
        lambda w, t: {"stakeholder_id": w.stakeholder, "met_onderdelen": "1"}, scoped=True,
    ),
    "invitations.uninvite": Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/uitnodigingen/{w.stakeholder}/intrekken",
        scoped=True,
    ),
    "invitations.reminders": Route(
        processors(200, 404), SAME_PATH, lambda w, t: f"/consultaties/{t.slug}/herinneringen",
        scoped=True,
    ),
    "invitations.send": Route(
        SAME_PATH, processors(303), lambda w, t: f"/consultaties/{t.slug}/herinneringen",
        scoped=True,
    ),
    # Last of all: a step that fits the state (the published demo is archived, out of sight
    # of everyone but the admin; the open hidden one closed).
    "lifecycle.step": Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/status/{w.extra['next_step'][t.slug]}",
        late=True, scoped=True,
    ),
}

# More cells on the same rules: other actions, kinds and parameters.
VARIANTS: dict[str, tuple[str, Route]] = {
    "changes since an old revision": ("consultations.changes", Route(
        every(200), every(405), lambda w, t: f"/consultaties/{t.slug}/wijzigingen?rev=-1&na=0",
        get_mode="hx")),
    "thread poll with nothing new": ("threads.new_entries", Route(
        every(204), every(405),
        lambda w, t: f"/consultaties/{t.slug}/punten/{t.point}/nieuw?na=2000000000",
        get_mode="hx")),
    "internal note": ("threads.post", Route(
        every(405), by_role(401, 422, 422, 422, 204, 204),
        lambda w, t: f"/consultaties/{t.slug}/punten/{t.point}/berichten",
        lambda w, t: {"kind": "internal_note", "body": "Alleen voor ons."}, post_mode="hx")),
    "history of a point": ("records.history", Route(
        processors(200, 404), every(405),
        lambda w, t: f"/consultaties/{t.slug}/geschiedenis/punt/{t.other_point}")),
    "history of an answer": ("records.history", Route(
        processors(200, 404), every(405),
        lambda w, t: f"/consultaties/{t.slug}/geschiedenis/antwoord/{t.response}")),
    "history of an unknown kind": ("records.history", Route(
        every(404), every(405),
        lambda w, t: f"/consultaties/{t.slug}/geschiedenis/gebruiker/{t.reaction}")),
    "restore a point": ("records.change", Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/herstellen/punt/{t.other_point}")),
    "archive an unknown kind": ("records.change", Route(
        every(405), processors(404),
        lambda w, t: f"/consultaties/{t.slug}/archiveren/stakeholder/{t.reaction}")),
    "move a destination up": ("destinations.change", Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/omhoog")),
    "move a destination down": ("destinations.change", Route(
        every(405), processors(303),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/omlaag")),
    "unknown destination action": ("destinations.change", Route(
        every(405), processors(404),
        lambda w, t: f"/consultaties/{t.slug}/bestemmingen/{t.destination}/verwijderen")),
    "new link for a user": ("admin.change", Route(
        every(405), admin_only(200), lambda w, t: f"/beheer/gebruikers/{w.target_user}/link")),
    "memberships of a user": ("admin.change", Route(
        every(405), admin_only(303),
        lambda w, t: f"/beheer/gebruikers/{w.target_user}/lidmaatschap",
        lambda w, t: {"consultation_ids": []})),
    "unknown user": ("admin.change", Route(
        every(405), admin_only(404), lambda w, t: "/beheer/gebruikers/999999/herstellen")),
    "save and submit new advice": ("portal.new_draft", Route(
        portal_page(403), portal_page(403), lambda w, t: f"/portaal/{t.slug}/concept",
        lambda w, t: {**_draft(w, t), "submit": "1"})),
    "follow an unknown stakeholder": ("portal.follow_stakeholder", Route(
        every(405), portal_page(404, councillor=404, anon=401),
        lambda w, t: "/portaal/volgen/betrokkene/999999", post_mode="hx")),
    "unknown draft": ("portal.draft", Route(
        portal_page(404, councillor=404), portal_page(404, councillor=404),
        lambda w, t: "/portaal/concepten/999999", _draft)),
    "a used-up or unknown one-time link": ("auth.set_password", Route(
        every(404), every(404), lambda w, t: "/account/wachtwoord/niet-geldig",
        lambda w, t: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})),
    "a letter to an unknown stakeholder": ("letters.download", Route(
        by_role(302, 404, 404, 404, 404, 404), every(405),
        lambda w, t: f"/consultaties/{t.slug}/antwoordbrieven/999999.docx")),
    "restore a live stakeholder": ("registry.archive", Route(
        every(405), processors(303), lambda w, t: f"/indieners/{w.extra['leaf']}/herstellen")),
    "an unknown stakeholder in the registry": ("registry.edit", Route(
        every(404), processors(404), lambda w, t: "/indieners/999999/beheer",
        lambda w, t: {"name": "Niemand", "kind": "other"})),
    "merge an unknown stakeholder": ("registry.merge_confirm", Route(
        processors(404, 404), processors(404),
        lambda w, t: f"/indieners/{w.stakeholder}/samenvoegen?met=999999")),
    "correct a point inside the reaction page": ("corrections.edit", Route(
        processors(200, 404), SAME_PATH, _correction_url("edit", "corrigeren"),
        get_mode="hx")),
    # Runs after the split above (variants come after the table), so the point is at version 2.
    "split at no place": ("corrections.split", Route(
        SAME_PATH, processors(422), _correction_url("split", "splitsen"),
        lambda w, t: {"version": 2, "at": "0"})),
    "a language we do not speak": ("i18n.switch", Route(
        every(405), every(303), lambda w, t: "/taal/xx")),
    "invite an unknown stakeholder": ("invitations.invite", Route(
        every(405), processors(422), lambda w, t: f"/consultaties/{t.slug}/uitnodigingen",
        lambda w, t: {"stakeholder_id": "999999"})),
    "remove the invitation of an unknown stakeholder": ("invitations.uninvite", Route(
        every(405), processors(404),
        lambda w, t: f"/consultaties/{t.slug}/uitnodigingen/999999/intrekken")),
    "a lifecycle step that does not fit the state": ("lifecycle.step", Route(
        every(405), processors(409),
        lambda w, t: f"/consultaties/{t.slug}/status/openen", lambda w, t: {"from": "concept"})),
    "an unknown lifecycle step": ("lifecycle.step", Route(
        every(405), every(404), lambda w, t: f"/consultaties/{t.slug}/status/verwijderen")),
    "deciding a published consultation": ("lifecycle.step", Route(
        every(405), processors(409),
        lambda w, t: f"/consultaties/{t.slug}/status/besluiten")),
}


@dataclass(frozen=True)
class Cell:
    endpoint: str
    label: str
    method: str
    mode: str
    url: str
    data: dict
    expected: dict
    fresh: bool = False
    order: int = 0


def route_cells(world: World, target: Target | None = None, variants: bool = True) -> list[Cell]:
    """The (route, method) cells for the given consultation target, in a safe order."""
    target = target or world.demo
    entries = [(endpoint, endpoint, route) for endpoint, route in ROUTES.items()]
    if variants:
        entries += [(endpoint, f"{endpoint} ({label})", route)
                    for label, (endpoint, route) in VARIANTS.items()]
    cells = [
        cell for endpoint, label, route in entries
        for cell in route_cells_single(world, target, endpoint, route, label)
    ]
    return sorted(cells, key=lambda c: c.order)  # reads first, then writes, archiving last


def route_cells_single(world, target, endpoint, route, label=None) -> list[Cell]:
    """The GET and POST cells of one table entry."""
    url = route.url(world, target)
    cells = []
    if route.get != SAME_PATH:
        cells.append(Cell(endpoint, label or endpoint, "GET", route.get_mode, url, {}, route.get))
    if route.post != SAME_PATH:
        cells.append(Cell(endpoint, label or endpoint, "POST", route.post_mode, url,
                          route.data(world, target), route.post, route.fresh,
                          2 if route.late else 1))
    return cells


def call(actor: Actor, cell: Cell, url: str | None = None):
    """Make the cell's request; the body is read and the response closed (downloads hold files)."""
    url = url or cell.url
    if cell.method == "GET":
        response = actor.hx_get(url) if cell.mode == "hx" else actor.get(url)
    elif cell.mode == "hx":
        response = actor.hx_post(url, cell.data)
    else:
        response = actor.form_post(url, cell.data)
    response.get_data()
    response.close()
    return response


def app_rules(app) -> set[tuple[str, str]]:
    """(endpoint, method) for every GET or POST the app routes, static files aside."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in ("GET", "POST")
    }


def covered_rules(app) -> set[tuple[str, str]]:
    """What the table covers; SAME_PATH only counts when another rule really serves it."""
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    covered = set()
    for endpoint, route in ROUTES.items():
        for method, expected in (("GET", route.get), ("POST", route.post)):
            if expected == SAME_PATH:
                here = rules.get(endpoint)
                served = here is not None and any(
                    r.rule == here.rule and method in r.methods and r.endpoint != endpoint
                    for r in app.url_map.iter_rules()
                )
                if not served:
                    continue
            covered.add((endpoint, method))
    return covered


def twin(app, actor: Actor) -> Actor:
    """A second browser logged in as the same role, with a login session of its own: what it
    starts or ends (logging in or out, a new password) leaves the actor's session alone.
    (A copy of the actor's cookie would not do: sessions end on the server.)"""
    return Actor(app.test_client(), actor.role)


def run_cells(app, role, cells, actor=None) -> tuple[list[str], list]:
    """Run the cells as the role; returns the failures and (cell, response) pairs."""
    actor = actor or Actor(app.test_client(), role)
    failures, responses = [], []
    for cell in cells:
        who = twin(app, actor) if cell.fresh else actor
        response = call(who, cell)
        responses.append((cell, response))
        if response.status_code != cell.expected[role]:
            failures.append(
                f"{cell.method} {cell.url} [{cell.label}] as {role_id(role)}: "
                f"{response.status_code}, expected {cell.expected[role]}"
            )
    return failures, responses


@pytest.fixture
def world(demo_app):
    demo_app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 cell, not an exception
    return build_world(demo_app)


# --- the tests -----------------------------------------------------------------------


def assert_the_table_covers_every_route(app):
    """One entry per rule, both methods, every role: a new route without one fails here."""
    assert set(ROUTES) == {r.endpoint for r in app.url_map.iter_rules()} - {"static"}
    assert covered_rules(app) == app_rules(app)
    for label, (endpoint, _route) in VARIANTS.items():
        assert endpoint in ROUTES, label
    for route in [*ROUTES.values(), *(r for _e, r in VARIANTS.values())]:
        for expected in (route.get, route.post):
            assert expected == SAME_PATH or set(expected) == set(ROLES)


@pytest.mark.parametrize("backend", ["sqlite"])  # no data needed: the url_map is the same
def test_the_table_covers_every_route(tmp_path, backend):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SESSION_COOKIE_SECURE": False,
                      "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DATABASE_URL": f"{backend}:///{tmp_path / 'routes.sqlite3'}"})
    assert_the_table_covers_every_route(app)
    app.extensions["consult.engine"].dispose()


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_every_route_as_every_role(demo_app, world, role):
    assert_the_table_covers_every_route(demo_app)
    failures, _responses = run_cells(demo_app, role, route_cells(world))
    assert not failures, "\n".join(failures)


def _gate(route: Route, method: str, role) -> int | None:
    """The status decided before the consultation is looked up, if any."""
    expected = route.get if method == "GET" else route.post
    if expected[role] == 405:
        return 405
    if route.gate == "portal" and (role is None or role in ("viewer", "secretary", "admin")):
        return expected[role]
    if route.gate == "login" and role is None:
        return expected[role]
    return None


def _cells_for(world, target, expect: Callable[[Route, str], int], only_ids=False):
    """Cells of every consultation route under the target, with expectations from `expect`."""
    cells = []
    for endpoint, route in ROUTES.items():
        if not route.scoped or (only_ids and not route.ids):
            continue
        for cell in route_cells_single(world, target, endpoint, route):
            cells.append(replace(cell, expected={r: expect(route, cell.method, r) for r in ROLES}))
    return sorted(cells, key=lambda c: c.order)


def hidden_cells(world: World) -> list[Cell]:
    """The hidden consultation's own pages: the admin works there, everyone else gets 404."""

    def expect(route, method, role):
        gate = _gate(route, method, role)
        if gate is not None:
            return gate
        if role == "admin":
            return (route.get if method == "GET" else route.post)["admin"]
        return 404

    return _cells_for(world, world.secret, expect)


def crossed_cells(world: World) -> list[Cell]:
    """Objects of one consultation addressed under the other's slug: 404, whoever asks."""
    demo_under_secret = replace(world.demo, slug=world.secret.slug)
    secret_under_demo = replace(world.secret, slug=world.demo.slug)

    def under_secret(route, method, role):
        gate = _gate(route, method, role)
        return gate if gate is not None else 404

    def under_demo(route, method, role):
        expected = (route.get if method == "GET" else route.post)[role]
        # 401/403/405 on the demo consultation come before the object is looked up
        return expected if expected in (302, 401, 403, 405) else 404

    return (_cells_for(world, demo_under_secret, under_secret, only_ids=True)
            + _cells_for(world, secret_under_demo, under_demo, only_ids=True))


def draft_cells(world: World) -> list[Cell]:
    """The advisory board's draft exists only for that board: 404 for everyone else."""
    base = f"/consultaties/{SLUG}"
    board_only = {r: 200 if r == "advisory_member" else 404 for r in ROLES}
    return [
        Cell("consultations.reaction", "draft reaction page", "GET", "page",
             f"{base}/reacties/{world.draft}", {}, board_only),
        Cell("consultations.reaction_points", "draft points", "GET", "hx",
             f"{base}/reacties/{world.draft}/punten", {}, board_only),
        Cell("consultations.attachment", "the draft's uploaded original", "GET", "page",
             f"{base}/bijlagen/{world.extra['draft_attachment']}", {}, board_only),
        Cell("records.history", "history of the draft", "GET", "page",
             f"{base}/geschiedenis/reactie/{world.draft}", {}, every(404)),
        Cell("processing.answer", "answer the draft", "POST", "hx",
             f"{base}/reacties/{world.draft}/antwoorden",
             {"selection": "alle punten", "body": "x", "status": "adopted"}, processors(404)),
        Cell("records.change", "archive the draft", "POST", "form",
             f"{base}/archiveren/reactie/{world.draft}", {}, processors(404)),
    ]


def _text(response) -> str:
    """What a response shows: the page, or the text of a Word download."""
    if response.mimetype.endswith("wordprocessingml.document"):
        from docx import Document

        document = Document(io.BytesIO(response.data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return response.get_data(as_text=True)


def _shows(response, mark: str) -> bool:
    return response.status_code == 200 and mark in _text(response)


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_hidden_consultation_and_drafts_never_leak(demo_app, world, role):
    actor = Actor(demo_app.test_client(), role)
    failures = []
    # Every page the role can open, with real demo objects, never shows hidden data.
    reads = [c for c in route_cells(world) if c.method == "GET"]
    _f, responses = run_cells(demo_app, role, reads, actor)
    for cell, response in responses:
        if role != "admin" and _shows(response, SECRET_MARK):
            failures.append(f"GET {cell.url} as {role_id(role)} shows the hidden consultation")
        if role != "advisory_member" and _shows(response, DRAFT_MARK):
            failures.append(f"GET {cell.url} as {role_id(role)} shows the board's draft")
    # The hidden consultation's own pages, and objects addressed under the wrong slug.
    before = db_count_all(demo_app)
    crossed, _r = run_cells(demo_app, role, crossed_cells(world), actor)
    failures += crossed
    assert db_count_all(demo_app) == before, "a request under the wrong slug stored something"
    hidden, responses = run_cells(demo_app, role, hidden_cells(world), actor)
    failures += hidden
    if role != "admin":
        assert db_count_all(demo_app) == before, "a request on the hidden consultation stored"
        # and the answer is exactly what an unknown slug gets: no hint that it exists
        for cell, response in responses:
            unknown = call(actor, cell, cell.url.replace(world.secret.slug, NO_SUCH_SLUG))
            if unknown.status_code != response.status_code:
                failures.append(f"{cell.method} {cell.url} as {role_id(role)}: "
                                f"{response.status_code}, unknown slug {unknown.status_code}")
    # The draft: only its board sees it.
    drafts, responses = run_cells(demo_app, role, draft_cells(world), actor)
    failures += drafts
    for cell, response in responses:
        if role != "advisory_member" and _shows(response, DRAFT_MARK):
            failures.append(f"{cell.method} {cell.url} as {role_id(role)} shows the draft")
    assert not failures, "\n".join(failures)
