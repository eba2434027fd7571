"""Pages whose figures are rendered once and kept (issue 15): the dashboard's charts
(dashboard.rendered_figures) and the stakeholder index's tree (followup.stakeholder_tree).

The oracle is the page a process renders that never kept anything: after each change (another
reader, another language, a renamed or archived stakeholder, an answer, a consultation's own
word for a state), the page served from what was kept must be the page rendered afresh. A key
that misses one of the things the HTML depends on serves the page of before, and fails here."""

import re

import pytest
from sqlmodel import select

from consult import revisions
from consult.bulk import statuslabels
from consult.db import get_session
from consult.models import Consultation, Stakeholder
from consult.registry import operations as registry
from tests.conftest import Actor, answer_an_open_point

SLUG = "holland-rijnland-jeugdhulp-2016"
# CSRF tokens (itsdangerous: payload.time.signature), signed with the second they were made
TOKENS = re.compile(r'"[\w-]+\.[\w-]{6}\.[\w-]{27}"')


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return TOKENS.sub('"token"', response.get_data(as_text=True))


def _same_as_fresh(app, client, url: str) -> str:
    """The page as kept, checked against the page of a process that kept nothing."""
    kept = _page(client, url)
    revisions.forget_everything(app)
    fresh = _page(client, url)
    assert kept == fresh, url
    return kept


def _readers(app):
    anonymous = app.test_client()
    english = app.test_client()
    english.set_cookie("consult_lang", "en")
    return {"anonymous": anonymous, "english": english,
            "secretary": Actor(app.test_client(), "secretary").client,
            "councillor": Actor(app.test_client(), "councillor").client}


def _visit_all(app, readers: dict, url: str) -> dict[str, str]:
    """Each reader in turn (each after the others filled what is kept), as fresh pages."""
    pages = {}
    for client in readers.values():
        _page(client, url)  # kept under this reader's key (or wrongly served another's)
    for name, client in reversed(list(readers.items())):
        pages[name] = _same_as_fresh(app, client, url)
    return pages


def _consultation(session) -> Consultation:
    return session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()


WORDS = {"/indieners": (r"\d+ points</span>", r"\d+ punten</span>"),
         "/": (r"\d+ reactions</p>", r"\d+ reacties</p>"),
         f"/consultaties/{SLUG}/dashboard": ("Status over time", "Status over de tijd")}


@pytest.mark.parametrize("url", list(WORDS))
def test_kept_figures_are_the_fresh_ones_for_every_reader_and_language(demo_app, url):
    pages = _visit_all(demo_app, _readers(demo_app), url)
    english, dutch = WORDS[url]
    assert re.search(english, pages["english"]) and not re.search(dutch, pages["english"])
    assert re.search(dutch, pages["anonymous"]) and not re.search(english, pages["anonymous"])


@pytest.mark.parametrize("url", list(WORDS))
def test_an_answer_changes_the_kept_figures_at_the_next_request(demo_app, url):
    readers = _readers(demo_app)
    before = _visit_all(demo_app, readers, url)
    answer_an_open_point(demo_app)
    after = _visit_all(demo_app, readers, url)
    assert after["anonymous"] != before["anonymous"]


def test_the_index_shows_a_renamed_and_an_archived_stakeholder_at_once(demo_app):
    readers = _readers(demo_app)
    before = _visit_all(demo_app, readers, "/indieners")["anonymous"]
    assert "Leiderdorp" in before
    with demo_app.app_context():
        session = get_session()
        leiderdorp = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiderdorp")).one()
        registry.change(session, None, leiderdorp, version=leiderdorp.version,
                        name="Gemeente Leiderdorp (hernoemd)", kind=leiderdorp.kind,
                        parent_id=leiderdorp.parent_id, email=leiderdorp.email)
        session.commit()
    renamed = _visit_all(demo_app, readers, "/indieners")["anonymous"]
    assert "Gemeente Leiderdorp (hernoemd)" in renamed
    with demo_app.app_context():
        session = get_session()
        gone = session.exec(select(Stakeholder).where(
            Stakeholder.name == "Gemeente Leiderdorp (hernoemd)")).one()
        children = session.exec(select(Stakeholder).where(Stakeholder.parent_id == gone.id)).all()
        for stakeholder in [*children, gone]:
            registry.set_archived(session, None, stakeholder, True)
        session.commit()
    archived = _visit_all(demo_app, readers, "/indieners")["anonymous"]
    assert "Gemeente Leiderdorp (hernoemd)" not in archived


def test_a_consultations_own_state_word_shows_on_its_kept_dashboard(demo_app):
    url = f"/consultaties/{SLUG}/dashboard"
    readers = _readers(demo_app)
    before = _visit_all(demo_app, readers, url)["secretary"]
    assert "Meegenomen!" not in before
    with demo_app.app_context():
        session = get_session()
        statuslabels.set_labels(session, None, _consultation(session), {"adopted": "Meegenomen!"})
        session.commit()
    after = _visit_all(demo_app, readers, url)
    assert "Meegenomen!" in after["secretary"] and "Meegenomen!" in after["anonymous"]


def test_the_home_page_shows_a_retitled_and_an_unpublished_consultation_at_once(demo_app):
    readers = _readers(demo_app)
    assert "Jeugdhulp" in _visit_all(demo_app, readers, "/")["anonymous"]
    with demo_app.app_context():
        session = get_session()
        _consultation(session).title = "Inkoop jeugdhulp 2016 (nieuwe titel)"
        session.commit()
    pages = _visit_all(demo_app, readers, "/")
    assert all("Inkoop jeugdhulp 2016 (nieuwe titel)" in html for html in pages.values())
    with demo_app.app_context():
        session = get_session()
        _consultation(session).status = "concept"
        session.commit()
    pages = _visit_all(demo_app, readers, "/")
    assert "(nieuwe titel)" not in pages["anonymous"] and "(nieuwe titel)" in pages["secretary"]


def _channel_groups(client) -> str:
    html = client.get(f"/consultaties/{SLUG}").get_data(as_text=True)
    return re.search(r'<ul class="groups">.*?</ul>', html, re.S)[0]


def test_the_channels_stakeholder_groups_follow_an_answer_and_a_move_in_the_registry(demo_app):
    """The channel's groups (senders under their municipality, with progress) are worked out
    once per figures revision: after an answer and after a council moved under another
    municipality they are the groups a fresh process works out."""
    readers = _readers(demo_app)

    def same_as_fresh() -> str:
        for client in readers.values():
            _channel_groups(client)
        kept = _channel_groups(readers["anonymous"])
        revisions.forget_everything(demo_app)
        assert kept == _channel_groups(readers["anonymous"])
        return kept

    before = same_as_fresh()
    answer_an_open_point(demo_app)
    answered = same_as_fresh()
    assert answered != before
    with demo_app.app_context():
        session = get_session()
        council = session.exec(select(Stakeholder).where(
            Stakeholder.name == "Gemeenteraad Leiden")).one()
        other = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiderdorp")).one()
        registry.change(session, None, council, version=council.version, name=council.name,
                        kind=council.kind, parent_id=other.id, email=council.email)
        session.commit()
    assert same_as_fresh() != answered


def test_a_thread_message_leaves_the_kept_home_cards_and_a_status_change_does_not(demo_app):
    """A message raises the consultation's revision, not its figures revision: the cards are
    still served as kept (no card shows messages). Opening or closing it changes them."""
    from consult.revisions import remember

    readers = _readers(demo_app)
    _visit_all(demo_app, readers, "/")
    secretary = Actor(demo_app.test_client(), "secretary")
    assert secretary.hx_post(f"/consultaties/{SLUG}/punten/1/berichten",
                             {"kind": "comment", "body": "Een opmerking."}).status_code == 204
    with demo_app.app_context():
        kept = len(demo_app.extensions["consult.memo"])
        calls = []
        remember(("probe",), lambda: calls.append(1))  # the memo is live in this app
        assert calls and len(demo_app.extensions["consult.memo"]) == kept + 1
    before = len(demo_app.extensions["consult.memo"])
    _page(readers["anonymous"], "/")
    assert len(demo_app.extensions["consult.memo"]) == before  # served as kept
    with demo_app.app_context():
        session = get_session()
        _consultation(session).status = "closed"
        session.commit()
    assert _same_as_fresh(demo_app, readers["anonymous"], "/")


def _move(app, name: str, parent_name: str | None) -> None:
    """Another request: put a stakeholder under a (new) top, or at the top level."""
    from sqlmodel import Session

    with Session(app.extensions["consult.engine"]) as other:
        parent = None
        if parent_name:
            parent = other.exec(select(Stakeholder).where(
                Stakeholder.name == parent_name)).first()
            if parent is None:
                parent = Stakeholder(slug="nieuwe-top", name=parent_name, kind="joint_group")
                other.add(parent)
                other.flush()
        moved = other.exec(select(Stakeholder).where(Stakeholder.name == name)).one()
        registry.change(other, None, moved, version=moved.version, name=moved.name,
                        kind=moved.kind, parent_id=parent.id if parent else None,
                        email=moved.email)
        other.commit()


def test_a_registry_change_committed_during_a_channel_read_does_not_break_its_groups(demo_app):
    """The channel reads its consultation's revision, then its stakeholders, without one
    snapshot: a registry change committed in between left the kept groups naming a top the
    request no longer read (a fresh tester's find: KeyError, a 500). It works them out from
    what it read instead."""
    from consult import consultations as reading

    _move(demo_app, "Nieuwkoop", "Nieuwe top")
    with demo_app.app_context():
        session = get_session()
        consultation = _consultation(session)
        revision = consultation.figures_revision
        shown = reading.overview(session, consultation, limit=20)
        assert "Nieuwe top" in [g.stakeholder.name for g in shown.groups]
        _move(demo_app, "Nieuwkoop", None)  # committed by another request, meanwhile
        assert consultation.figures_revision == revision  # this request's view of it
        shown = reading.overview(session, consultation, limit=20)
        names = [g.stakeholder.name for g in shown.groups]
        assert "Nieuwe top" not in names and "Nieuwkoop" in names
