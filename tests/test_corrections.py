"""Correcting saved points (consult.corrections): edit with versions and stale-edit conflicts,
numbers kept unique, a point's own sender (also in the composer), and move, merge and split
with answers, thread messages, follows, landings and commitments attached: everything counted
before and after (nothing lost, nothing doubled), the pages and the search index following.
On SQLite and PostgreSQL."""

import re
from dataclasses import dataclass

import pytest
from sqlmodel import Session, func, select

from consult import commitments, follows, followup, search, threads
from consult.accounts import user_by_email
from consult.corrections.models import PointVersion
from consult.db import get_session
from consult.intake import DraftPoint, log_reaction
from consult.models import (
    AuditEvent,
    Commitment,
    Consultation,
    Follow,
    Landing,
    Message,
    Point,
    Reaction,
    Response,
    ResponsePoint,
    Stakeholder,
)
from consult.processing import answer, create_destination

from .conftest import DEMO_PASSWORDS, Actor, indexed_demo, reopen
from .test_attacks import PAYLOADS, active_content

SLUG = "holland-rijnland-jeugdhulp-2016"
BASE = f"/consultaties/{SLUG}"
CONFLICT = "Iemand anders heeft dit punt intussen gewijzigd"

LETTER = [  # (number, text): the letter the corrections work on (Leiden)
    ("1", "Betrek cliënten bij de inkoop van jeugdhulp."),
    ("2", "Meet ook de tevredenheid van jongeren zelf. Niet alleen die van hun ouders."),
    ("3", "Regel de overgang 18-/18+ zorgvuldig, met een warme overdracht."),
    ("4", "Houd de wachttijden kort.\nRapporteer de wachttijden per kwartaal aan de raad."),
]
OTHER = [("1", "Een punt van Leiderdorp."), ("2", "Nog een punt."), ("3", "Derde punt.")]


def q(app, fn):
    """Read straight from the database in a fresh session (what is really stored)."""
    with Session(app.extensions["consult.engine"]) as s:
        return fn(s)


def count(app, model, *where) -> int:
    return q(app, lambda s: s.exec(select(func.count()).select_from(model).where(*where)).one())


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def form_key(html: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', html).group(1)


@dataclass
class Letter:
    """The Leiden letter with everything attached, and Leiderdorp's letter to move into."""

    reaction: int
    other: int
    points: dict[str, int]  # number -> id
    answers: dict[str, int]  # "shared" (points 1 and 2), "two" (2), "three" (3), "four" (4)
    destinations: tuple[int, int]
    commitment: int
    users: dict[str, int]


def _user(session, role):
    return user_by_email(session, DEMO_PASSWORDS[role][0])


@pytest.fixture
def letter(demo_app) -> Letter:
    return make_letter(demo_app)


def make_letter(app) -> Letter:
    """A Leiden letter of four points, answered (one answer shared by points 1 and 2, one for
    2 alone with a commitment, one each for 3 and 4), with messages in the threads of 2 and
    3, followers (the councillor follows 1 and 2, the board member 2), and landings (1 and 2
    at the same destination, 2 also at another); and Leiderdorp's letter of three points."""
    with app.test_request_context("/"):
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        by_slug = {s.slug: s for s in session.exec(select(Stakeholder))}
        sec, cou, adv = (_user(session, r) for r in ("secretary", "councillor", "advisory_member"))
        reaction = log_reaction(session, sec, consultation, by_slug["leiden"],
                                [DraftPoint(n, t) for n, t in LETTER], channel="collegebrief",
                                title="Brief correcties")
        other = log_reaction(session, sec, consultation, by_slug["leiderdorp"],
                             [DraftPoint(n, t) for n, t in OTHER], channel="collegebrief",
                             title="Brief Leiderdorp")
        points = {p.number: p for p in session.exec(
            select(Point).where(Point.reaction_id == reaction.id))}
        plan = create_destination(session, sec, consultation_id=consultation.id,
                                  slug="inkoopplan-correcties", title="Inkoopplan correcties",
                                  kind="document_section")
        body = create_destination(session, sec, consultation_id=consultation.id,
                                  slug="overleg-correcties", title="Overleg correcties",
                                  kind="standing_body")

        def answered(numbers, text, *where):
            return answer(session, sec, consultation, [points[n] for n in numbers], where,
                          text, "adopted", reaction_id=reaction.id)

        answers = {
            "shared": answered("12", "Wordt meegenomen in het inkoopplan.", plan),
            "two": answered("2", "Jongeren worden zelf bevraagd.", plan, body),
            "three": answered("3", "Komt in het overleg 18-/18+.", body),
            "four": answered("4", "Wachttijden worden gemonitord.", plan),
        }
        promise = commitments.create(session, sec, answers["two"], "Tevredenheid jongeren meten",
                                     "Secretariaat", None, "PHO maart")
        threads.post_message(session, cou, consultation, points["2"], "question",
                             "Hoe worden jongeren bevraagd?")
        threads.post_message(session, sec, consultation, points["2"], "internal_note",
                             "Navragen bij het JGT.")
        threads.post_message(session, sec, consultation, points["3"], "answer",
                             "Dat loopt via de werkgroep.")
        follows.toggle(session, cou, point_id=points["1"].id)
        follows.toggle(session, cou, point_id=points["2"].id)
        follows.toggle(session, adv, point_id=points["2"].id)
        followup.land(session, sec, points["1"], plan, "Inkoopplan v2, §1", "Inkoopplan")
        followup.land(session, sec, points["2"], plan, "Inkoopplan v2, §2", "Inkoopplan")
        followup.land(session, sec, points["2"], body, "Verslag overleg 3 maart", "Overleg")
        session.commit()
        return Letter(reaction.id, other.id, {n: p.id for n, p in points.items()},
                      {k: r.id for k, r in answers.items()}, (plan.id, body.id), promise.id,
                      {"secretary": sec.id, "councillor": cou.id, "advisory_member": adv.id})


@pytest.fixture
def secretary(as_role):
    return as_role("secretary")


def inventory(app) -> dict:
    """Everything attached to points, as sets of rows: answer links, messages (by id, with
    their point), follows, landings, commitments, answers; and the row counts."""
    def read(s):
        return {
            "links": set(s.exec(select(ResponsePoint.response_id, ResponsePoint.point_id)).all()),
            "messages": dict(s.exec(select(Message.id, Message.point_id)).all()),
            "follows": sorted(s.exec(select(Follow.user_id, Follow.point_id)).all()),
            "landings": {lg.id: (lg.point_id, lg.destination_id, lg.archived, lg.reference)
                         for lg in s.exec(select(Landing))},
            "commitments": {c.id: c.response_id for c in s.exec(select(Commitment))},
            "responses": {r.id: (r.body, r.archived) for r in s.exec(select(Response))},
        }
    return q(app, read)


def all_points(app) -> list[dict]:
    return q(app, lambda s: [p.model_dump() for p in s.exec(select(Point).order_by(Point.id))])


def point(app, point_id: int) -> Point:
    return q(app, lambda s: s.get(Point, point_id))


def get_ok(actor, url) -> str:
    response = actor.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# --- edit: versions, conflicts, numbers --------------------------------------------------------


def test_a_corrected_text_keeps_its_earlier_wording_as_a_version(demo_app, letter, secretary):
    pid = letter.points["1"]
    revision = q(demo_app, lambda s: s.exec(select(Consultation.revision)).first())
    edit = f"{BASE}/punten/{pid}/corrigeren"
    page = get_ok(secretary, edit)
    saved = secretary.form_post(edit, {
        "version": "1", "number": "1", "heading": "Inkoop", "form_key": form_key(page),
        "body": "Betrek cliënten en hun ouders bij de inkoop van jeugdhulp.",
    })
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/reacties/{letter.reaction}#punt-1")
    stored = point(demo_app, pid)
    assert (stored.version, stored.heading) == (2, "Inkoop")
    assert stored.body == "Betrek cliënten en hun ouders bij de inkoop van jeugdhulp."
    # Both wordings on the versions page, newest first, with who corrected it.
    versions = text_of(get_ok(secretary, f"{BASE}/punten/{pid}/versies"))
    assert versions.index("Betrek cliënten en hun ouders") < versions.index(
        "Betrek cliënten bij de inkoop van jeugdhulp.")
    assert "Versie 2" in versions and "Versie 1" in versions and "zoals vastgelegd" in versions
    assert "Sanne Secretaris" in versions
    # The reaction page shows the new text under its heading, with a link to the versions;
    # the thread tells it; the audit trail has before and after; open pages refresh.
    reaction = text_of(get_ok(secretary, f"{BASE}/reacties/{letter.reaction}"))
    assert re.search(r"Inkoop Punt 1 .{0,20}Betrek cliënten en hun ouders", reaction)
    assert "gecorrigeerd: versie 2" in reaction
    thread = text_of(get_ok(secretary, f"{BASE}/punten/{pid}"))
    assert "Punt gecorrigeerd door Sanne Secretaris (versie 2)" in thread
    change = q(demo_app, lambda s: s.exec(select(AuditEvent).where(
        AuditEvent.entity == "point", AuditEvent.entity_id == pid)).one())
    assert change.action == "change"
    assert change.before["body"] == LETTER[0][1] and change.after["heading"] == "Inkoop"
    assert q(demo_app, lambda s: s.exec(select(Consultation.revision)).first()) > revision
    assert count(demo_app, PointVersion, PointVersion.point_id == pid) == 2
    # Saving the same wording again makes no version and no event.
    again = secretary.form_post(edit, {"version": "2", "number": "1", "heading": "Inkoop",
                                       "body": stored.body})
    assert again.status_code == 303 and point(demo_app, pid).version == 2
    assert count(demo_app, PointVersion, PointVersion.point_id == pid) == 2


def test_a_stale_edit_gets_the_conflict_page_with_its_text_kept(demo_app, letter, as_role):
    pid = letter.points["2"]
    edit = f"{BASE}/punten/{pid}/corrigeren"
    first, second = as_role("secretary"), as_role("admin")
    page_one, page_two = get_ok(first, edit), get_ok(second, edit)  # both open version 1
    assert first.form_post(edit, {"version": "1", "number": "2", "form_key": form_key(page_one),
                                  "body": "Eerste correctie van punt twee."}).status_code == 303
    stale = second.form_post(edit, {"version": "1", "number": "2", "heading": "Kop",
                                    "form_key": form_key(page_two),
                                    "body": "Tweede correctie, van de beheerder."})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert CONFLICT in text_of(html) and "nu versie 2" in html
    assert "Tweede correctie, van de beheerder." in html  # the editor's text, in the form
    assert "Eerste correctie van punt twee." in html  # next to what is saved now
    assert 'name="version" value="2"' in html  # saving again knowingly replaces version 2
    assert point(demo_app, pid).body == "Eerste correctie van punt twee."
    # Inside the reaction page (htmx): the form comes back in its place, text kept.
    inline = second.hx_post(edit, {"version": "1", "number": "2", "body": "Nog een poging."})
    assert inline.status_code == 409
    assert inline.headers["HX-Retarget"] == f"#correct-{pid}"
    assert "Nog een poging." in inline.get_data(as_text=True)
    # With the version it was shown, the admin's correction is saved.
    assert second.form_post(edit, {"version": "2", "number": "2",
                                   "body": "Tweede correctie, van de beheerder."}
                            ).status_code == 303
    assert point(demo_app, pid).version == 3


def test_correcting_inside_the_reaction_page_refreshes_its_points(demo_app, letter, secretary):
    pid = letter.points["3"]
    page = get_ok(secretary, f"{BASE}/reacties/{letter.reaction}")
    assert f'hx-get="{BASE}/punten/{pid}/corrigeren"' in page and f'id="correct-{pid}"' in page
    form = secretary.hx_get(f"{BASE}/punten/{pid}/corrigeren")
    assert form.status_code == 200 and "<html" not in form.get_data(as_text=True)
    assert 'hx-target="#points"' in form.get_data(as_text=True)
    saved = secretary.hx_post(f"{BASE}/punten/{pid}/corrigeren", {
        "version": "1", "number": "3", "form_key": form_key(form.get_data(as_text=True)),
        "body": "Regel de overgang 18-/18+ zorgvuldig."})
    assert saved.status_code == 200
    points = text_of(saved.get_data(as_text=True))
    assert "Regel de overgang 18-/18+ zorgvuldig." in points and "warme overdracht" not in points
    assert "Komt in het overleg 18-/18+." in points  # its answer is still there


@pytest.mark.parametrize("fields, message", [
    ({"number": "2"}, "Nummer 2 is in deze reactie al in gebruik: “Meet ook de tevredenheid"),
    ({"number": " 2. "}, "Nummer 2 is in deze reactie al in gebruik"),
    ({"number": ""}, "Geef het punt een nummer van hoogstens 20 tekens."),
    ({"number": "1" * 21}, "Geef het punt een nummer van hoogstens 20 tekens."),
    ({"heading": "k" * 301}, "Een kopje is hoogstens 300 tekens lang."),
    ({"body": "   \n "}, "Een punt heeft tekst nodig (hoogstens 200.000 tekens)."),
    ({"body": "x" * 200_001}, "Een punt heeft tekst nodig (hoogstens 200.000 tekens)."),
    ({"stakeholder_id": "999999"}, "Kies de afzender uit de lijst."),
])
def test_bad_corrections_get_a_dutch_message_and_change_nothing(demo_app, letter, secretary,
                                                                 fields, message):
    pid = letter.points["1"]
    before = inventory(demo_app), all_points(demo_app)
    typed = {"version": "1", "number": "1", "heading": "", "body": "Getypte tekst.", **fields}
    refused = secretary.form_post(f"{BASE}/punten/{pid}/corrigeren", typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert message in text_of(html)
    if "body" not in fields:
        assert "Getypte tekst." in html  # what was typed stays in the form
    assert (inventory(demo_app), all_points(demo_app)) == before
    assert count(demo_app, PointVersion) == 0


def test_a_number_held_by_an_archived_point_is_refused_by_name(demo_app, letter, secretary):
    archived = secretary.form_post(f"{BASE}/archiveren/punt/{letter.points['4']}")
    assert archived.status_code == 303
    refused = secretary.form_post(f"{BASE}/punten/{letter.points['1']}/corrigeren",
                                  {"version": "1", "number": "4", "body": "Tekst."})
    assert refused.status_code == 422
    assert "Nummer 4 is in gebruik bij een gearchiveerd punt van deze reactie" in text_of(
        refused.get_data(as_text=True))


def test_number_and_text_are_cleaned_as_the_composer_does(demo_app, letter, secretary):
    pid = letter.points["1"]
    saved = secretary.form_post(f"{BASE}/punten/{pid}/corrigeren", {
        "version": "1", "number": " 1a) ", "heading": "  Cliënten \t en  inkoop ",
        "body": "  Tekst met\x00 een\x0b stuurteken.\n\nTweede alinea.  "})
    assert saved.status_code == 303
    stored = point(demo_app, pid)
    assert (stored.number, stored.heading) == ("1a", "Cliënten en inkoop")
    assert stored.body == "Tekst met een stuurteken.\n\nTweede alinea."
    thread = text_of(get_ok(secretary, f"{BASE}/punten/{pid}"))
    assert "nummer 1 werd 1a" in thread


# --- merge ---------------------------------------------------------------------------------


def test_merging_two_answered_points_loses_nothing_and_doubles_nothing(demo_app, letter,
                                                                         secretary):
    one, two = letter.points["1"], letter.points["2"]
    before = inventory(demo_app)
    page = get_ok(secretary, f"{BASE}/punten/{two}/samenvoegen")  # from the later point
    assert "Betrek cliënten bij de inkoop" in page  # point 1 offered
    form = {"version": "1", "other_id": str(one), "form_key": form_key(page)}
    merged = secretary.form_post(f"{BASE}/punten/{two}/samenvoegen", form)
    assert merged.status_code == 303
    assert merged.headers["Location"].endswith(f"/reacties/{letter.reaction}#punt-1")
    after = inventory(demo_app)
    moved = {two: one}

    def follow(p):
        return moved.get(p, p)

    # The earlier point is kept with both texts in order; the later one archived, pointing to it.
    kept, gone = point(demo_app, one), point(demo_app, two)
    assert kept.body == f"{LETTER[0][1]}\n\n{LETTER[1][1]}" and not kept.archived
    assert gone.archived and gone.merged_into_id == one and gone.body == LETTER[1][1]
    assert (kept.version, gone.version) == (2, 2)
    # Answer links: both answers on the kept point, the shared one once.
    assert after["links"] == {(r, follow(p)) for r, p in before["links"]}
    assert len(after["links"]) == len(before["links"]) - 1
    assert count(demo_app, ResponsePoint) == len(after["links"])
    # Every message is still there, the later point's now in the kept thread; two new events.
    assert {m: follow(p) for m, p in before["messages"].items()} == {
        m: p for m, p in after["messages"].items() if m in before["messages"]}
    new = {m: p for m, p in after["messages"].items() if m not in before["messages"]}
    events = q(demo_app, lambda s: {s.get(Message, m).event: p for m, p in new.items()})
    assert events == {"point_merged": one, "point_merged_into": two}
    # Followers: the councillor followed both and follows the kept point once; the board
    # member's follow moved.
    users = letter.users
    assert sorted(set(after["follows"])) == after["follows"]  # no duplicates
    assert after["follows"] == sorted({(u, follow(p)) for u, p in before["follows"]})
    assert (users["councillor"], one) in after["follows"]
    assert (users["advisory_member"], one) in after["follows"]
    assert not [f for f in after["follows"] if f[1] == two]
    # Landings: all kept and moved; the one at a destination the kept point had landed at
    # already is archived (one live landing per destination), the other stays live.
    assert after["landings"].keys() == before["landings"].keys()
    live = [(p, d) for p, d, archived, _r in after["landings"].values() if not archived]
    assert sorted(live) == sorted({(one, d) for d in letter.destinations})
    assert {r for p, _d, _a, r in after["landings"].values() if p == one} == {
        "Inkoopplan v2, §1", "Inkoopplan v2, §2", "Verslag overleg 3 maart"}
    # Commitments and answers: untouched.
    assert after["commitments"] == before["commitments"]
    assert after["responses"] == before["responses"]
    # The history of both says what happened.
    for pid in (one, two):
        actions = q(demo_app, lambda s, pid=pid: s.exec(select(AuditEvent.action).where(
            AuditEvent.entity == "point", AuditEvent.entity_id == pid)).all())
        assert actions == ["merge"]
        history = text_of(get_ok(secretary, f"{BASE}/geschiedenis/punt/{pid}"))
        assert "samengevoegd" in history and "Sanne Secretaris" in history
    # The pages show it.
    reaction = get_ok(secretary, f"{BASE}/reacties/{letter.reaction}")
    assert 'id="punt-2"' not in reaction and "Niet alleen die van hun ouders." in reaction
    assert text_of(reaction).count("Jongeren worden zelf bevraagd.") == 1
    assert "3 van 3 punten beantwoord" in text_of(reaction)
    thread = text_of(get_ok(secretary, f"{BASE}/punten/{one}"))
    assert "Hoe worden jongeren bevraagd?" in thread and "Navragen bij het JGT." in thread
    assert "heeft punt 2 met dit punt samengevoegd" in thread
    assert "Verslag overleg 3 maart" in thread
    old = text_of(get_ok(secretary, f"{BASE}/punten/{two}"))
    assert "heeft dit punt samengevoegd met punt 1" in old
    assert "Gearchiveerd: samengevoegd met een ander punt" in old
    assert "Brief correcties, punt 2: Meet ook de tevredenheid" in text_of(
        get_ok(secretary, f"{BASE}/archief"))
    councillor = Actor(demo_app.test_client(), "councillor")
    assert councillor.get(f"{BASE}/punten/{two}").status_code == 404  # archived
    assert "Hoe worden jongeren bevraagd?" in text_of(get_ok(councillor, f"{BASE}/punten/{one}"))
    # The same form again (double click, retry): answered alike, nothing merged twice.
    again = secretary.form_post(f"{BASE}/punten/{two}/samenvoegen", form)
    # The point the form was opened on is archived now; the repeat is still answered alike
    # (not "not found": that is what a double click at the same moment saw).
    assert again.status_code == 303, again.status_code
    assert again.headers["Location"] == merged.headers["Location"]
    # Another person's form, or the same person's with other content, still finds nothing.
    other = secretary.form_post(f"{BASE}/punten/{two}/samenvoegen",
                                {**form, "version": "2"})
    assert other.status_code == 404
    assert inventory(demo_app) == after
    assert point(demo_app, one).body == kept.body


def test_a_double_submitted_merge_merges_once(demo_app, letter, secretary):
    one, two = letter.points["3"], letter.points["4"]
    page = get_ok(secretary, f"{BASE}/punten/{one}/samenvoegen")
    form = {"version": "1", "other_id": str(two), "form_key": form_key(page)}
    first = secretary.form_post(f"{BASE}/punten/{one}/samenvoegen", form)
    after = inventory(demo_app), all_points(demo_app)
    second = secretary.form_post(f"{BASE}/punten/{one}/samenvoegen", form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert (inventory(demo_app), all_points(demo_app)) == after
    assert point(demo_app, one).body.count("Houd de wachttijden kort.") == 1
    # Another form on the stale page (no key): the archived point is not merged again.
    stale = secretary.form_post(f"{BASE}/punten/{one}/samenvoegen",
                                {"version": "2", "other_id": str(two)})
    assert stale.status_code == 422
    assert "Kies een ander punt van deze reactie" in text_of(stale.get_data(as_text=True))
    assert (inventory(demo_app), all_points(demo_app)) == after


def test_merge_refuses_a_point_of_another_reaction_or_itself(demo_app, letter, secretary):
    one = letter.points["1"]
    elsewhere = q(demo_app, lambda s: s.exec(select(Point.id).where(
        Point.reaction_id == letter.other)).first())
    before = inventory(demo_app), all_points(demo_app)
    for other in (elsewhere, one, 999999, "x"):
        refused = secretary.form_post(f"{BASE}/punten/{one}/samenvoegen",
                                      {"version": "1", "other_id": str(other)})
        assert refused.status_code == 422, other
    stale = secretary.form_post(f"{BASE}/punten/{one}/samenvoegen",
                                {"version": "7", "other_id": str(letter.points["2"])})
    assert stale.status_code == 409 and CONFLICT in text_of(stale.get_data(as_text=True))
    assert (inventory(demo_app), all_points(demo_app)) == before


# --- move ----------------------------------------------------------------------------------


def test_moving_a_point_takes_its_answers_thread_and_follow_up_along(demo_app, letter,
                                                                      secretary):
    pid = letter.points["3"]
    before, points_before = inventory(demo_app), all_points(demo_app)
    url = f"{BASE}/punten/{pid}/verplaatsen"
    page = get_ok(secretary, url)
    assert "Leiderdorp — Brief Leiderdorp" in page
    # Number 3 is taken there: a clear message and a free number to confirm.
    taken = secretary.form_post(url, {"version": "1", "reaction_id": str(letter.other),
                                      "number": "3", "form_key": form_key(page)})
    html = taken.get_data(as_text=True)
    assert taken.status_code == 422
    assert "Nummer 3 is in deze reactie al in gebruik: “Derde punt.”" in text_of(html)
    assert "Voorstel: 4" in text_of(html) and 'name="number" value="4"' in html
    assert f'<option value="{letter.other}" selected>' in html
    assert (inventory(demo_app), all_points(demo_app)) == (before, points_before)
    moved = secretary.form_post(url, {"version": "1", "reaction_id": str(letter.other),
                                      "number": "4", "form_key": form_key(html)})
    assert moved.status_code == 303
    assert moved.headers["Location"].endswith(f"/reacties/{letter.other}#punt-4")
    stored = point(demo_app, pid)
    assert (stored.reaction_id, stored.number, stored.stakeholder_id, stored.version) == (
        letter.other, "4", None, 2)
    after = inventory(demo_app)
    # Everything stays with the point: one new event, nothing else changed.
    assert after["links"] == before["links"] and after["follows"] == before["follows"]
    assert after["landings"] == before["landings"]
    assert after["commitments"] == before["commitments"]
    assert after["responses"] == before["responses"]
    new = set(after["messages"]) - set(before["messages"])
    assert {after["messages"][m] for m in new} == {pid} and len(new) == 1
    assert {m: p for m, p in after["messages"].items() if m in before["messages"]} == before[
        "messages"]
    # The answer written in the old letter's row for this point alone moved with it.
    assert q(demo_app, lambda s: s.get(Response, letter.answers["three"]).reaction_id) == \
        letter.other
    assert q(demo_app, lambda s: s.get(Response, letter.answers["shared"]).reaction_id) == \
        letter.reaction
    # The pages show it where it is now, and not where it was.
    there = text_of(get_ok(secretary, f"{BASE}/reacties/{letter.other}"))
    assert "warme overdracht" in there and "Komt in het overleg 18-/18+." in there
    assert there.index("Derde punt.") < there.index("warme overdracht")
    here = text_of(get_ok(secretary, f"{BASE}/reacties/{letter.reaction}"))
    assert "warme overdracht" not in here and "Komt in het overleg" not in here
    thread = text_of(get_ok(secretary, f"{BASE}/punten/{pid}"))
    assert ("Verplaatst door Sanne Secretaris van Leiden — Brief correcties (punt 3) naar "
            "Leiderdorp — Brief Leiderdorp (punt 4).") in thread
    assert "Dat loopt via de werkgroep." in thread
    leiderdorp = q(demo_app, lambda s: s.exec(select(Stakeholder.id).where(
        Stakeholder.slug == "leiderdorp")).one())
    assert "warme overdracht" in text_of(get_ok(secretary, f"/indieners/{leiderdorp}"))
    assert q(demo_app, lambda s: s.exec(select(AuditEvent.action).where(
        AuditEvent.entity == "point", AuditEvent.entity_id == pid)).all()) == ["move"]


def test_a_moved_point_takes_its_place_in_number_order_and_can_keep_its_sender(
        demo_app, letter, secretary):
    pid = letter.points["1"]
    moved = secretary.form_post(f"{BASE}/punten/{pid}/verplaatsen", {
        "version": "1", "reaction_id": str(letter.other), "number": "1a", "keep_sender": "1"})
    assert moved.status_code == 303
    numbers = q(demo_app, lambda s: s.exec(select(Point.number).where(
        Point.reaction_id == letter.other).order_by(Point.position)).all())
    assert numbers == ["1", "1a", "2", "3"]
    leiden = q(demo_app, lambda s: s.exec(select(Stakeholder.id).where(
        Stakeholder.slug == "leiden")).one())
    assert point(demo_app, pid).stakeholder_id == leiden  # still Leiden's point
    page = text_of(get_ok(secretary, f"{BASE}/reacties/{letter.other}"))
    assert re.search(r"1a .{0,10}Leiden Betrek cliënten bij de inkoop", page)
    overview = text_of(get_ok(secretary, BASE))
    assert re.search(r"Leiderdorp — Brief Leiderdorp .{0,200}Met aanvullingen van: Leiden",
                     overview)
    # The shared answer still covers it, now in another reaction's row: both pages show it.
    assert "Wordt meegenomen in het inkoopplan." in page
    # Moving back gives Leiden's own letter its point again, without a sender of its own.
    back = secretary.form_post(f"{BASE}/punten/{pid}/verplaatsen", {
        "version": "2", "reaction_id": str(letter.reaction), "number": "1", "keep_sender": "1"})
    assert back.status_code == 303
    stored = point(demo_app, pid)
    assert (stored.reaction_id, stored.number, stored.stakeholder_id) == (
        letter.reaction, "1", None)


def test_move_refuses_its_own_reaction_an_archived_one_and_another_consultation(
        demo_app, letter, secretary):
    pid = letter.points["1"]
    assert secretary.form_post(f"{BASE}/archiveren/reactie/{letter.other}").status_code == 303
    before = inventory(demo_app), all_points(demo_app)
    for target in (letter.reaction, letter.other, 999999, ""):
        refused = secretary.form_post(f"{BASE}/punten/{pid}/verplaatsen",
                                      {"version": "1", "reaction_id": str(target), "number": "7"})
        assert refused.status_code == 422, target
        assert "Kies de reactie waar het punt naartoe moet." in text_of(
            refused.get_data(as_text=True))
    assert (inventory(demo_app), all_points(demo_app)) == before


def test_the_move_page_names_every_reaction_in_a_fixed_number_of_queries(
        demo_app, letter, secretary):
    """The reactions to move to are named by their senders: one query for all of them, not one
    per reaction (a consultation of 300 reactions from 300 stakeholders: 323 queries)."""
    from sqlalchemy import event

    url = f"{BASE}/punten/{letter.points['1']}/verplaatsen"
    engine = demo_app.extensions["consult.engine"]
    statements = []

    def count(*_args):
        statements.append(1)

    def pages_queries():
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            html = get_ok(secretary, url)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return html, len(statements)

    html, few = pages_queries()
    with demo_app.test_request_context("/"):
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        sec = _user(session, "secretary")
        for n in range(30):
            sender = Stakeholder(slug=f"verplaats-{n}", name=f"Indiener {n}", kind="other")
            session.add(sender)
            session.flush()
            log_reaction(session, sec, consultation, sender, [DraftPoint("1", "Een punt.")],
                         channel="collegebrief", title=f"Brief {n}")
        session.commit()
    html, many = pages_queries()
    assert "Indiener 29 — Brief 29" in text_of(html)
    assert many == few


# --- split ---------------------------------------------------------------------------------


def test_splitting_a_point_keeps_both_parts_answered(demo_app, letter, secretary):
    pid = letter.points["4"]
    before = inventory(demo_app)
    body = LETTER[3][1]
    url = f"{BASE}/punten/{pid}/splitsen"
    page = get_ok(secretary, url)
    at = body.index("Rapporteer")
    assert f'value="{at}" required checked' in page  # the line break is proposed
    assert 'placeholder="5"' in page  # the next number, as the composer would give it
    split = secretary.form_post(url, {"version": "1", "at": str(at), "number": "",
                                      "form_key": form_key(page)})
    assert split.status_code == 303
    new_id = q(demo_app, lambda s: s.exec(select(Point.id).where(
        Point.reaction_id == letter.reaction, Point.number == "5")).one())
    first, new = point(demo_app, pid), point(demo_app, new_id)
    assert first.body == "Houd de wachttijden kort." and first.version == 2
    assert new.body == "Rapporteer de wachttijden per kwartaal aan de raad."
    assert (new.version, new.position, new.heading) == (1, first.position + 1, first.heading)
    after = inventory(demo_app)
    # Both answered by the same answer; nothing else moved.
    assert after["links"] == before["links"] | {(letter.answers["four"], new_id)}
    assert after["follows"] == before["follows"] and after["landings"] == before["landings"]
    assert after["responses"] == before["responses"]
    # The thread stays with the first; the new one starts with a pointer to it.
    new_messages = {m: p for m, p in after["messages"].items() if m not in before["messages"]}
    assert sorted(new_messages.values()) == sorted([pid, new_id])
    assert all(after["messages"][m] == p for m, p in before["messages"].items())
    thread = text_of(get_ok(secretary, f"{BASE}/punten/{new_id}"))
    assert "heeft dit punt afgesplitst van punt 4" in thread
    assert "Beantwoord door" not in thread  # the earlier story is told in point 4's thread
    assert "het tweede deel is nu punt 5" in text_of(get_ok(secretary, f"{BASE}/punten/{pid}"))
    reaction = text_of(get_ok(secretary, f"{BASE}/reacties/{letter.reaction}"))
    assert "5 van 5 punten beantwoord" in reaction
    # The answer both parts share is shown once, beside the two of them.
    assert reaction.count("Wachttijden worden gemonitord.") == 1
    assert "Antwoord op punten 4 en 5" in reaction
    versions = text_of(get_ok(secretary, f"{BASE}/punten/{pid}/versies"))
    assert "gesplitst" in versions and "Rapporteer de wachttijden" in versions


def test_a_split_in_the_middle_gets_a_lettered_number_and_copies_the_followers(
        demo_app, letter, secretary):
    pid = letter.points["2"]
    at = LETTER[1][1].index("Niet alleen")
    taken = secretary.form_post(f"{BASE}/punten/{pid}/splitsen",
                                {"version": "1", "at": str(at), "number": "3"})
    assert taken.status_code == 422
    assert "Nummer 3 is in deze reactie al in gebruik" in text_of(taken.get_data(as_text=True))
    for bad in ("0", str(len(LETTER[1][1])), "99999", "x", str(at - 1000)):
        refused = secretary.form_post(f"{BASE}/punten/{pid}/splitsen",
                                      {"version": "1", "at": bad})
        assert refused.status_code == 422, bad
    before = inventory(demo_app)
    assert secretary.form_post(f"{BASE}/punten/{pid}/splitsen",
                               {"version": "1", "at": str(at)}).status_code == 303
    numbers = q(demo_app, lambda s: s.exec(select(Point.number).where(
        Point.reaction_id == letter.reaction).order_by(Point.position)).all())
    assert numbers == ["1", "2", "2a", "3", "4"]
    new_id = q(demo_app, lambda s: s.exec(select(Point.id).where(
        Point.reaction_id == letter.reaction, Point.number == "2a")).one())
    after = inventory(demo_app)
    users = letter.users
    assert after["follows"] == sorted(before["follows"] + [
        (users["councillor"], new_id), (users["advisory_member"], new_id)])
    assert {(r, p) for r, p in after["links"] if p == new_id} == {
        (letter.answers["shared"], new_id), (letter.answers["two"], new_id)}
    # The commitment made in the answer now stands for both parts.
    promises = text_of(get_ok(secretary, f"{BASE}/toezeggingen"))
    assert "Tevredenheid jongeren meten" in promises


# --- the search index follows ------------------------------------------------------------


@pytest.fixture
def indexed(database_url, tmp_path):
    """The demo and the letter, indexed: changes reach the index right after each commit."""
    with indexed_demo(database_url, tmp_path) as app:
        letter = make_letter(app)
        assert search.service(app).wait_until_applied()
        yield app, letter


def found(app, text: str, kind: str = "point", **filters) -> list[tuple[str, str, str]]:
    """(kind key, stakeholder, point number) of the results as the secretary gets them."""
    assert search.service(app).wait_until_applied()
    with app.test_request_context("/"):
        session = get_session()
        user = user_by_email(session, DEMO_PASSWORDS["secretary"][0])
        page = search.run(session, user, search.Request(
            text=text, filters={"kind": kind, **filters}, size=20))
        return [(h.key, h.stakeholder.name, h.number) for h in page.hits]


def test_search_finds_a_moved_merged_or_split_point_where_it_is_now(indexed):
    app, letter = indexed
    secretary = Actor(app.test_client(), "secretary")
    ids = q(app, lambda s: {x.slug: str(x.id) for x in s.exec(select(Stakeholder))})
    three, one, two, four = (letter.points[n] for n in "3124")
    assert found(app, "warme overdracht") == [(f"p{three}", "Leiden", "3")]
    assert found(app, "overleg 18-/18+", "response")[0][1:] == ("Leiden", "3")
    # moved: found under Leiderdorp as point 4, not under Leiden any more
    assert secretary.form_post(f"{BASE}/punten/{three}/verplaatsen", {
        "version": "1", "reaction_id": str(letter.other), "number": "4"}).status_code == 303
    assert found(app, "warme overdracht") == [(f"p{three}", "Leiderdorp", "4")]
    assert found(app, "warme overdracht", stakeholder=ids["leiden"]) == []
    assert found(app, "warme overdracht", stakeholder=ids["leiderdorp"]) != []
    assert found(app, "overleg 18-/18+", "response")[0][1:] == ("Leiderdorp", "4")
    assert found(app, "via de werkgroep", "message")[0][1:] == ("Leiderdorp", "4")
    # merged: the later point's words are found in the kept point, the later point is gone
    leiden = ids["leiden"]
    assert found(app, '"jongeren zelf"', stakeholder=leiden) == [(f"p{two}", "Leiden", "2")]
    assert secretary.form_post(f"{BASE}/punten/{one}/samenvoegen", {
        "version": "1", "other_id": str(two)}).status_code == 303
    assert found(app, '"jongeren zelf"', stakeholder=leiden) == [(f"p{one}", "Leiden", "1")]
    assert found(app, '"jongeren bevraagd"', "message")[0][1:] == ("Leiden", "1")
    # split: each part found as its own point
    at = LETTER[3][1].index("Rapporteer")
    assert secretary.form_post(f"{BASE}/punten/{four}/splitsen", {
        "version": "1", "at": str(at)}).status_code == 303
    new = q(app, lambda s: s.exec(select(Point.id).where(
        Point.reaction_id == letter.reaction, Point.number == "5")).one())
    assert found(app, '"per kwartaal"', stakeholder=leiden) == [(f"p{new}", "Leiden", "5")]
    assert found(app, '"wachttijden kort"', stakeholder=leiden) == [(f"p{four}", "Leiden", "4")]
    # and an edit: the new wording is found, the old one not
    assert secretary.form_post(f"{BASE}/punten/{four}/corrigeren", {
        "version": "2", "number": "4", "body": "Houd de doorlooptijden kort."}
    ).status_code == 303
    assert found(app, '"doorlooptijden kort"', stakeholder=leiden) == [
        (f"p{four}", "Leiden", "4")]
    assert found(app, '"wachttijden kort"', stakeholder=leiden) == []

# --- a point's own sender ------------------------------------------------------------------


def test_a_saved_point_gets_its_own_sender_inside_a_joint_letter(demo_app, letter, secretary):
    pid = letter.points["3"]
    council = q(demo_app, lambda s: s.exec(select(Stakeholder).where(
        Stakeholder.slug == "leiden-raad")).one())
    form = secretary.hx_get(f"{BASE}/punten/{pid}/corrigeren").get_data(as_text=True)
    assert f'<option value="{council.id}">{council.name}</option>' in form
    assert "als de reactie: Leiden" in form
    saved = secretary.hx_post(f"{BASE}/punten/{pid}/corrigeren", {
        "version": "1", "number": "3", "body": LETTER[2][1], "stakeholder_id": str(council.id)})
    assert saved.status_code == 200
    assert re.search(rf"3 .{{0,10}}{council.name} Regel de overgang",
                     text_of(saved.get_data(as_text=True)))
    assert point(demo_app, pid).stakeholder_id == council.id
    overview = text_of(get_ok(secretary, BASE))
    assert re.search(rf"Leiden — Brief correcties .{{0,200}}Met aanvullingen van: {council.name}",
                     overview)
    thread = text_of(get_ok(secretary, f"{BASE}/punten/{pid}"))
    assert f"afzender Leiden werd {council.name}" in thread
    # The letter's own sender is no sender of its own.
    leiden = q(demo_app, lambda s: s.exec(select(Stakeholder.id).where(
        Stakeholder.slug == "leiden")).one())
    assert secretary.form_post(f"{BASE}/punten/{pid}/corrigeren", {
        "version": "2", "number": "3", "body": LETTER[2][1], "stakeholder_id": str(leiden),
    }).status_code == 303
    assert point(demo_app, pid).stakeholder_id is None
    # An archived stakeholder cannot be chosen.
    with demo_app.app_context():
        session = get_session()
        archived = session.get(Stakeholder, council.id)
        archived.archived = True
        session.add(archived)
        session.commit()
    refused = secretary.form_post(f"{BASE}/punten/{pid}/corrigeren", {
        "version": "3", "number": "3", "body": LETTER[2][1], "stakeholder_id": str(council.id)})
    assert refused.status_code == 422
    assert point(demo_app, pid).stakeholder_id is None
    # A point whose sender was archived since keeps it when its text is corrected: the form
    # still offers (and has chosen) that sender.
    other = letter.points["4"]
    with demo_app.app_context():
        session = get_session()
        kept = session.get(Point, other)
        kept.stakeholder_id = council.id
        session.add(kept)
        session.commit()
    form = secretary.get(f"{BASE}/punten/{other}/corrigeren").get_data(as_text=True)
    assert f'<option value="{council.id}" selected>{council.name}</option>' in form
    assert secretary.form_post(f"{BASE}/punten/{other}/corrigeren", {
        "version": "1", "number": "4", "body": "Houd de wachttijden kort.",
        "stakeholder_id": str(council.id)}).status_code == 303
    assert point(demo_app, other).stakeholder_id == council.id


def test_the_composer_preview_sets_each_points_sender(demo_app, secretary):
    by_slug = q(demo_app, lambda s: {x.slug: x.id for x in s.exec(select(Stakeholder))})
    text = "Gemeente Lisse\n1. Eerste punt van Lisse.\nGemeente Teylingen\n2. Punt van Teylingen."
    preview = secretary.hx_post(f"{BASE}/composer/voorbeeld", {"text": text})
    html = preview.get_data(as_text=True)
    assert html.count('name="point_stakeholder"') == 2
    assert "als de reactie" in html
    lisse, teylingen, joint = by_slug["lisse"], by_slug["teylingen"], by_slug["dnb-pho"]
    # Split, merge and renumber in the preview keep each point's sender.
    edited = secretary.hx_post(f"{BASE}/composer/bewerk", {
        "point_number": ["1", "2"], "point_heading": ["", ""],
        "point_text": ["Eerste zin. Tweede zin van Lisse.", "Punt van Teylingen."],
        "point_stakeholder": [str(lisse), str(teylingen)], "action": "split:0"})
    html = edited.get_data(as_text=True)
    chosen = re.findall(r'<option value="(\d+)" selected>', html)
    assert chosen == [str(lisse), str(lisse), str(teylingen)]
    # Saved with the points' own senders; the letter's own sender is no sender of its own.
    logged = secretary.hx_post(f"{BASE}/reacties", {
        "stakeholder_id": joint, "channel": "gezamenlijke_reactie", "title": "Gezamenlijk",
        "point_number": ["1", "2", "3"], "point_heading": ["", "", ""],
        "point_text": ["Van Lisse.", "Van Teylingen.", "Van allen."],
        "point_stakeholder": [str(lisse), str(teylingen), str(joint)]})
    assert logged.status_code == 201, logged.get_data(as_text=True)
    senders = q(demo_app, lambda s: s.exec(
        select(Point.number, Point.stakeholder_id).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Reaction.title == "Gezamenlijk").order_by(Point.position)).all())
    assert [tuple(r) for r in senders] == [("1", lisse), ("2", teylingen), ("3", None)]
    # An unknown sender: a Dutch message, nothing logged.
    reactions = count(demo_app, Reaction)
    refused = secretary.hx_post(f"{BASE}/reacties", {
        "stakeholder_id": joint, "channel": "gezamenlijke_reactie", "title": "Onbekend",
        "point_number": ["1"], "point_heading": [""], "point_text": ["Tekst."],
        "point_stakeholder": ["999999"]})
    assert refused.status_code == 422
    assert "Punt 1: kies de afzender uit de lijst." in text_of(refused.get_data(as_text=True))
    assert count(demo_app, Reaction) == reactions


def test_a_board_cannot_name_another_sender_in_the_portal(demo_app, as_role):
    reopen(demo_app)  # boards draft while the round is open
    board = as_role("advisory_member")
    preview = board.hx_post(f"/portaal/{SLUG}/voorbeeld", {"text": "1. Een.\n2. Twee."})
    assert preview.status_code == 200
    assert "point_stakeholder" not in preview.get_data(as_text=True)
    other = q(demo_app, lambda s: s.exec(select(Stakeholder.id).where(
        Stakeholder.slug == "leiden")).one())
    sent = board.form_post(f"/portaal/{SLUG}/concept", {
        "title": "Advies met afzender", "point_number": ["1"], "point_heading": [""],
        "point_text": ["Een punt van de adviesraad."], "point_stakeholder": [str(other)],
        "submit": "1"})
    assert sent.status_code == 303
    senders = q(demo_app, lambda s: s.exec(
        select(Point.stakeholder_id).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Reaction.title == "Advies met afzender")).all())
    assert senders == [None]


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, "viewer", "councillor", "advisory_member"])
def test_only_the_secretariat_corrects(demo_app, letter, role):
    actor = Actor(demo_app.test_client(), role)
    before = inventory(demo_app), all_points(demo_app)
    pid, other = letter.points["1"], letter.points["2"]
    for path, data in [("corrigeren", {"version": "1", "number": "1", "body": "Gekaapt."}),
                       ("verplaatsen", {"version": "1", "reaction_id": str(letter.other),
                                        "number": "9"}),
                       ("samenvoegen", {"version": "1", "other_id": str(other)}),
                       ("splitsen", {"version": "1", "at": "5"})]:
        url = f"{BASE}/punten/{pid}/{path}"
        assert actor.get(url).status_code == 404, url  # no hint the form exists
        assert actor.hx_get(url).status_code == 404, url
        assert actor.form_post(url, data).status_code == 403, url
    versions = actor.get(f"{BASE}/punten/{pid}/versies")
    assert versions.status_code == (404 if role is None else 200)
    assert (inventory(demo_app), all_points(demo_app)) == before


def test_a_secretary_of_another_consultation_or_an_archived_point_gets_404(demo_app, letter,
                                                                           as_role):
    from consult.accounts import create_user

    with demo_app.app_context():
        session = get_session()
        create_user(session, password="andere-secretaris-2026", email="ander@consult.example",
                    name="Andere Secretaris", role="secretary")
        session.commit()
    outsider = Actor(demo_app.test_client(), None)
    token = outsider.token
    logged_in = outsider.client.post("/inloggen", data={
        "email": "ander@consult.example", "password": "andere-secretaris-2026",
        "csrf_token": token})
    assert logged_in.status_code == 303
    home = outsider.get("/").get_data(as_text=True)
    assert "Andere Secretaris" in home  # a secretary, but not of this consultation
    outsider.token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    url = f"{BASE}/punten/{letter.points['1']}/corrigeren"
    assert outsider.get(url).status_code == 404
    assert outsider.form_post(url, {"version": "1", "number": "1", "body": "X."}
                              ).status_code == 403
    # An archived point must be restored before it is corrected; its versions stay readable
    # for the secretariat.
    secretary = as_role("secretary")
    assert secretary.form_post(f"{BASE}/archiveren/punt/{letter.points['1']}").status_code == 303
    assert secretary.get(url).status_code == 404
    assert secretary.get(f"{BASE}/punten/{letter.points['1']}/versies").status_code == 200
    assert Actor(demo_app.test_client(), "councillor").get(
        f"{BASE}/punten/{letter.points['1']}/versies").status_code == 404


# --- what a user types, shown everywhere ---------------------------------------------------


def test_payloads_in_corrected_points_stay_inert(demo_app, letter, secretary):
    pid, version = letter.points["1"], 1
    problems = []
    for i, payload in enumerate(PAYLOADS):
        saved = secretary.form_post(f"{BASE}/punten/{pid}/corrigeren", {
            "version": str(version), "number": "1", "heading": payload[:300],
            "body": f"{payload} Tweede zin {i}. {payload}"})
        assert saved.status_code == 303, (i, saved.status_code)
        version += 1
    for url in [f"{BASE}/reacties/{letter.reaction}", f"{BASE}/punten/{pid}",
                f"{BASE}/punten/{pid}/versies", f"{BASE}/punten/{pid}/corrigeren",
                f"{BASE}/punten/{pid}/splitsen", f"{BASE}/punten/{pid}/verplaatsen",
                f"{BASE}/punten/{letter.points['2']}/samenvoegen"]:
        response = secretary.get(url)
        found = active_content(response.get_data(as_text=True))
        if response.status_code != 200 or found:
            problems.append(f"{url}: {response.status_code} {found[:3]}")
    assert not problems, "\n".join(problems)
    assert count(demo_app, PointVersion, PointVersion.point_id == pid) == len(PAYLOADS) + 1


# --- at the same moment, against a real gunicorn ---------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    """gunicorn with the production settings (3 workers x 4 threads) on the demo."""
    import sqlalchemy as sa

    from consult.db import make_engine

    from .conftest import empty_database
    from .served import CONF, demo_database, server_env, started
    from .test_races import Site

    tmp_path = tmp_path_factory.mktemp(f"corrections-{request.param}")
    url = empty_database(request.param, tmp_path)
    demo_database(url, tmp_path)
    engine = make_engine(url)
    env = server_env(url, tmp_path, CONSULT_WORKERS="3", CONSULT_THREADS="4")
    server = started(env, tmp_path / "gunicorn.log", CONF)
    yield Site(server.base, engine, server)
    server.stop()
    engine.dispose()
    assert sa  # (imported for the Site's queries)


def test_at_the_same_moment_a_merge_happens_once_and_an_edit_is_never_lost(served):
    import sqlalchemy as sa

    from .test_races import Client, at_once
    from .test_races import form_key as key_of

    secretary = Client(served.base, "secretary")
    leiden = served.query(sa.select(Stakeholder.id).where(Stakeholder.slug == "leiden"))[0][0]
    text = "\n".join(f"{i}. Punt {i} van de gelijktijdige brief, zin{i}x." for i in range(1, 8))
    logged = secretary.send(f"{BASE}/reacties", {
        "stakeholder_id": leiden, "channel": "collegebrief", "title": "Gelijktijdig",
        "text": text}, hx=True)
    assert logged.status == 201, logged.body
    reaction = served.query(sa.select(Reaction.id).where(Reaction.title == "Gelijktijdig"))[0][0]
    ids = dict(served.query(sa.select(Point.number, Point.id).where(
        Point.reaction_id == reaction)))
    answered = secretary.send(f"{BASE}/reacties/{reaction}/antwoorden", {
        "selection": "1 t/m 4", "body": "Wordt meegenomen.", "status": "adopted"}, hx=True)
    assert answered.status == 200
    links = served.count(ResponsePoint)

    def events(event):
        return served.count(Message, Message.event == event)

    # 1. The same merge form sent four times at once (double click, retries): merged once.
    url = f"{BASE}/punten/{ids['2']}/samenvoegen"
    form = {"version": "1", "other_id": str(ids["1"]), "form_key": key_of(secretary.page(url), url)}
    answers = at_once([lambda: secretary.send(url, form)] * 4)
    assert [a.status for a in answers] == [303] * 4, [a.status for a in answers]
    assert len({a.headers["Location"] for a in answers}) == 1
    body = served.query(sa.select(Point.body).where(Point.id == ids["1"]))[0][0]
    assert body.count("zin2x") == 1 and body.count("zin1x") == 1
    assert events("point_merged") == 1 and served.count(ResponsePoint) == links - 1
    # 2. Two people merging the same pair at once, each from their own page: once.
    people = [Client(served.base, role) for role in ("secretary", "admin", "secretary", "admin")]
    forms = []
    for n, person in enumerate(people):
        here, there = (ids["3"], ids["4"]) if n % 2 else (ids["4"], ids["3"])
        page = f"{BASE}/punten/{here}/samenvoegen"
        forms.append((page, {"version": "1", "other_id": str(there),
                             "form_key": key_of(person.page(page), page)}))
    answers = at_once([lambda p=p, f=f: p.send(*f) for p, f in zip(people, forms, strict=True)])
    statuses = sorted(a.status for a in answers)
    assert statuses.count(303) == 1 and set(statuses) <= {303, 404, 409, 422}, statuses
    body = served.query(sa.select(Point.body).where(Point.id == ids["3"]))[0][0]
    assert body.count("zin4x") == 1 and events("point_merged") == 2
    assert served.count(Point, Point.reaction_id == reaction, Point.archived == sa.false()) == 5
    assert served.count(ResponsePoint) == links - 2
    # 3. Eight editors saving the same version of one point: one stored, seven conflicts, each
    #    with its own text in the form.
    url = f"{BASE}/punten/{ids['5']}/corrigeren"
    editors = [Client(served.base, "secretary" if n % 2 else "admin") for n in range(8)]
    forms = [{"version": "1", "number": "5", "body": f"Redacteur {n} schreef dit: tekst{n}y.",
              "form_key": key_of(e.page(url), url)} for n, e in enumerate(editors)]
    answers = at_once([lambda e=e, f=f: e.send(url, f)
                       for e, f in zip(editors, forms, strict=True)])
    assert sorted(a.status for a in answers) == [303] + [409] * 7
    for reply, sent in zip(answers, forms, strict=True):
        if reply.status == 409:
            assert CONFLICT in reply.body and sent["body"] in reply.body
    winner = next(f["body"] for a, f in zip(answers, forms, strict=True) if a.status == 303)
    assert tuple(served.query(sa.select(Point.body, Point.version).where(
        Point.id == ids["5"]))[0]) == (winner, 2)
    assert served.count(PointVersion, PointVersion.point_id == ids["5"]) == 2
    # 4. Two points renumbered to the same number at once: one gets it, the other a Dutch
    #    message (the unique key may catch it on PostgreSQL), never a 500.
    people = [Client(served.base, "secretary"), Client(served.base, "admin")]
    forms = [(f"{BASE}/punten/{ids[n]}/corrigeren",
              {"version": "1", "number": "9", "body": f"Punt {n} van de gelijktijdige brief."})
             for n in ("6", "7")]
    answers = at_once([lambda p=p, f=f: p.send(*f) for p, f in zip(people, forms, strict=True)])
    assert sorted(a.status for a in answers) == [303, 422], [a.status for a in answers]
    refused = next(a for a in answers if a.status == 422)
    assert "Nummer 9 is" in refused.body
    assert served.count(Point, Point.reaction_id == reaction, Point.number == "9") == 1
    log = served.server.log_text()
    assert not [line for line in log.splitlines() if '" 500 ' in line], log[-5000:]
    assert "Traceback" not in log, log[-5000:]
