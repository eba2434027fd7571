"""Every write to a consultation's data raises its revision, so an open page's poll sees it
(consult.revisions): also the writes that did not before (landings, commitments, renames)."""

import re

from sqlmodel import select

from consult import revisions
from consult.db import get_session
from consult.models import Consultation, Destination, Point, Reaction, Stakeholder

from .conftest import Actor, answer_first_open_point

SLUG = "holland-rijnland-jeugdhulp-2016"
BASE = f"/consultaties/{SLUG}"


def _revisions(app) -> dict[str, int]:
    with app.app_context():
        return dict(get_session().exec(select(Consultation.slug, Consultation.revision)).all())


def _changed_since(actor: Actor, revision: int) -> bool:
    """What the channel's poll tells an open page: 204 is "nothing changed"."""
    status = actor.get(f"{BASE}/wijzigingen?rev={revision}&na=0").status_code
    assert status in (200, 204)
    return status == 200


def test_marking_a_point_done_and_undoing_it_reach_open_pages(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    with demo_app.app_context():
        privacy = get_session().exec(
            select(Destination.id).where(Destination.title == "Privacy")).one()
    url = f"{BASE}/bestemmingen/{privacy}"
    point = re.findall(r'<tr id="todo-(\d+)" class="to-do">', secretary.get(url).get_data(
        as_text=True))[0]
    before = _revisions(demo_app)[SLUG]
    assert not _changed_since(secretary, before)
    assert secretary.hx_post(f"{url}/punten/{point}/geland",
                             data={"reference": "Inkoopplan 2017, § 4.3"}).status_code == 200
    landed = _revisions(demo_app)[SLUG]
    assert landed == before + 1  # once for the request, not once per row written
    assert _changed_since(secretary, before) and not _changed_since(secretary, landed)
    assert secretary.hx_post(f"{url}/punten/{point}/niet-geland").status_code == 200
    assert _revisions(demo_app)[SLUG] == landed + 1


def test_a_commitment_reaches_open_pages(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    from consult.models import Response

    with demo_app.app_context():
        response = get_session().exec(select(Response.id).where(
            Response.body.contains("De punten 1 t/m 7 zijn meegenomen"))).first()
    before = _revisions(demo_app)[SLUG]
    made = secretary.form_post(f"{BASE}/toezeggingen", {
        "response_id": response, "description": "Terugkoppelen aan de raden",
        "owner": "Secretariaat TWO", "due_on": "2016-03-01"})
    assert made.status_code == 303
    assert _changed_since(secretary, before)


def test_renaming_a_stakeholder_reaches_every_consultation_naming_it(demo_app):
    from consult.registry import operations

    before = _revisions(demo_app)
    with demo_app.app_context():
        session = get_session()
        leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
        operations.change(session, None, leiden, version=leiden.version, name="Gemeente Leiden",
                          kind=leiden.kind, parent_id=leiden.parent_id, email=leiden.email or "")
        session.commit()
    after = _revisions(demo_app)
    assert all(after[slug] == before[slug] + 1 for slug in before)


def test_reading_pages_changes_no_revision_and_one_transaction_raises_once(demo_app):
    anonymous = demo_app.test_client()
    before = _revisions(demo_app)
    for url in ("/", BASE, f"{BASE}/dashboard", f"{BASE}/openbaar", "/indieners"):
        anonymous.get(url)
    assert _revisions(demo_app) == before
    with demo_app.app_context():
        session = get_session()
        points = session.exec(select(Point).join(Reaction).join(Consultation).where(
            Consultation.slug == SLUG).limit(3)).all()
        for point in points:  # three flushes in one transaction
            point.heading = (point.heading or "") + " (gewijzigd)"
            session.add(point)
            session.flush()
        session.commit()
    assert _revisions(demo_app)[SLUG] == before[SLUG] + 1
    with demo_app.app_context():  # a new stakeholder is on no page yet
        session = get_session()
        session.add(Stakeholder(slug="nieuw-college", name="Nieuw college", kind="municipality"))
        session.commit()
    assert _revisions(demo_app)[SLUG] == before[SLUG] + 1


def _point_without_an_answer_of_its_own(session, consultation) -> Point:
    """A live point of the consultation that no live answer names (a reaction-wide answer may
    cover it): a new answer to it changes the figures per destination."""
    from consult.models import Response, ResponsePoint

    named = select(ResponsePoint.point_id).join(Response).where(
        Response.archived == False)  # noqa: E712
    return session.exec(select(Point).join(Reaction).where(
        Reaction.consultation_id == consultation.id, Point.archived == False,  # noqa: E712
        Point.id.not_in(named))).first()


def test_figures_kept_per_revision_follow_an_answer_at_the_next_request(demo_app):
    """The dashboard's timeline and shares per destination are kept per revision; a new answer
    that routes an open point to a destination shows on the next dashboard (and channel)."""
    from consult.processing import answer

    anonymous = demo_app.test_client()

    def pages() -> tuple[str, str]:
        html = anonymous.get(f"{BASE}/dashboard").get_data(as_text=True)
        channel = anonymous.get(BASE).get_data(as_text=True)
        # The figures: the dashboard's number tables (timeline, per stakeholder, per
        # destination) and the channel without its poll's moving time and its CSRF token.
        figures = re.findall(r'<details class="numbers">.*?</details>', html, re.S)
        assert len(figures) >= 3
        # The CSRF token is signed with the second it was made: two loads may differ there.
        channel = re.sub(r'(X-CSRFToken": "|name="csrf_token" value=")[^"]+', r"\1", channel)
        return "\n".join(figures), re.sub(r"sinds=[\d.]+", "", channel)

    before_dashboard, before_channel = pages()
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        open_point = _point_without_an_answer_of_its_own(session, consultation)
        privacy = session.exec(select(Destination).where(Destination.title == "Privacy")).one()
        answer(session, None, consultation, [open_point], [privacy], "Meegenomen (test).",
               "adopted", decided_on=None)
        session.commit()
    after_dashboard, after_channel = pages()
    assert after_dashboard != before_dashboard and after_channel != before_channel
    revisions.forget_everything(demo_app)  # as a process that never saw the old ones
    fresh = pages()
    if fresh != (after_dashboard, after_channel):  # show where, for the failure message
        import difflib
        print("\n".join(difflib.unified_diff(after_dashboard.splitlines(),
                                              fresh[0].splitlines(), lineterm="", n=1)))
    assert fresh == (after_dashboard, after_channel)


def _figure_revisions(app) -> dict[str, int]:
    with app.app_context():
        return dict(get_session().exec(
            select(Consultation.slug, Consultation.figures_revision)).all())


def test_a_thread_message_reaches_open_pages_but_recounts_no_figures(demo_app):
    """A comment raises the revision (the channel's poll sees it) and not the figures revision:
    the dashboard and the channel read their kept figures, and count again only after a write
    that can change them (an answer's status)."""
    from .costs import statements

    secretary = Actor(demo_app.test_client(), "secretary")
    anonymous = demo_app.test_client()

    def counting_queries() -> int:
        """Aggregates the two pages ran: the figures, not the rows they show."""
        with statements(demo_app) as found:
            assert anonymous.get(f"{BASE}/dashboard").status_code == 200
            assert anonymous.get(BASE).status_code == 200
        return sum("count(" in s.sql.lower() for s in found.selects)

    counting_queries()  # the figures are kept now
    assert counting_queries() == 0
    revision, figures = _revisions(demo_app)[SLUG], _figure_revisions(demo_app)[SLUG]
    posted = secretary.hx_post(f"{BASE}/punten/1/berichten",
                               data={"kind": "comment", "body": "Even overleggen."})
    assert posted.status_code == 204
    assert _revisions(demo_app)[SLUG] == revision + 1
    assert _figure_revisions(demo_app)[SLUG] == figures
    assert _changed_since(secretary, revision)
    assert counting_queries() == 0
    with demo_app.app_context():
        session = get_session()
        point = session.exec(select(Point).join(Reaction).join(Consultation).where(
            Consultation.slug == SLUG)).first()
        point.heading = (point.heading or "") + " (gewijzigd)"
        session.add(point)
        session.commit()
    assert _figure_revisions(demo_app)[SLUG] == figures + 1
    assert counting_queries() > 0


def test_the_channel_counts_only_released_answers_per_destination(demo_app):
    """The channel's "where the points went" is the dashboard's figure: a draft answer routing
    an open point to the purchase plan changes neither; releasing it adds one point to both."""
    from consult.models import Response, ResponseStatus
    from consult.processing import answer

    anonymous = demo_app.test_client()

    def privacy_on_channel() -> int:
        html = anonymous.get(BASE).get_data(as_text=True)
        found = re.search(r'>Inkoopplan 2017</text></a>\s*<rect[^>]*></rect>\s*<text[^>]*>(\d+)<',
                          html)
        return int(found.group(1)) if found else 0

    before = privacy_on_channel()
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        open_point = _point_without_an_answer_of_its_own(session, consultation)
        plan = session.exec(select(Destination).where(Destination.title == "Inkoopplan 2017",
                                                      Destination.parent_id.is_(None))).one()
        draft = answer(session, None, consultation, [open_point], [plan], "Nog te besluiten.",
                       ResponseStatus.draft, decided_on=None)
        session.commit()
        draft_id = draft.id
    assert privacy_on_channel() == before
    with demo_app.app_context():
        session = get_session()
        released = session.get(Response, draft_id)
        released.status = ResponseStatus.adopted
        session.add(released)
        session.commit()
    assert privacy_on_channel() == before + 1


def test_figures_worked_out_in_a_transaction_that_rolls_back_are_not_kept(demo_app):
    """A write raises the figures revision inside its transaction. Figures worked out there
    (after the flush) and kept would show the undone write once the next write raises the
    revision to the same number; so they are worked out but not kept."""
    from consult import dashboard, revisions

    anonymous = demo_app.test_client()

    def answered() -> str:
        html = anonymous.get(f"{BASE}/dashboard").get_data(as_text=True)
        return re.search(r'<p class="big-number">([^<]+)</p>', html)[1]

    before = answered()
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        answer_first_open_point(session, consultation, "Wordt teruggedraaid.")
        inside = dashboard.dashboard(session, consultation)
        assert f"{inside.answered} / {inside.total}" != before  # the answer counts in there
        session.rollback()
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        revisions.bump(session, [consultation.id])  # the next write: the same revision number
        session.commit()
    assert answered() == before


def test_what_is_kept_per_reader_never_pushes_out_a_consultations_figures(demo_app):
    """Nieuw keeps each reader's points of interest (a new entry after every change that
    concerns them) on a shelf of its own: however many readers come by, the figures the
    consultation's pages share stay kept, and the readers' shelf stays at its size."""
    from consult import revisions

    with demo_app.app_context():
        computed = []
        revisions.remember(("figures", 1), lambda: computed.append(1) or "kept")
        for reader in range(revisions.SHELVES["readers"] * 5):
            revisions.remember(("reader", reader), lambda: [1, 2, 3], shelf="readers")
        assert revisions.remember(("figures", 1), lambda: computed.append(2) or "again") == "kept"
        assert computed == [1]
        assert len(demo_app.extensions["consult.memo.readers"]) == revisions.SHELVES["readers"]


def test_the_tables_subregion_choices_kept_per_revision_follow_the_registry(demo_app):
    """The answered table's subregion filter offers the top-level senders of the points; the
    list is kept per figures revision: a sender moved under a new subregion, and that
    subregion renamed, show at the next request (a stakeholder's change raises every
    consultation's revision)."""
    import re

    secretary = Actor(demo_app.test_client(), "secretary")

    def choices():
        html = secretary.get("/consultaties/holland-rijnland-jeugdhulp-2016/tabel").get_data(
            as_text=True)
        box = html[html.index('name="subregio"'):]
        box = box[:box.index("</select>")]
        return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', box)

    before = choices()
    assert before and "Subregio Noord" not in before
    with demo_app.app_context():
        session = get_session()
        top = Stakeholder(slug="subregio-noord", name="Subregio Noord", kind="subregion")
        session.add(top)
        session.flush()
        sender = session.exec(select(Stakeholder).where(Stakeholder.name == before[0])).first()
        sender.parent_id = top.id
        session.add(sender)
        session.commit()
        top_id = top.id
    after = choices()
    assert "Subregio Noord" in after and before[0] not in after
    with demo_app.app_context():
        session = get_session()
        session.get(Stakeholder, top_id).name = "Subregio Noordelijk"
        session.commit()
    assert "Subregio Noordelijk" in choices()
