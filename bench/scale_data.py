"""A realistic installation, generated fast: consultations of thousands of points, bulk-inserted.

``add_consultation(engine, points, rnd)`` adds one published consultation with reactions,
numbered points, answers with versions, answer links to points and destinations, thread
messages, landings and commitments, in the proportions of a real installation (issue 15:
120,204 points, 12,527 reactions, 34k answers, 57k versions, 327k messages and 19k landings
for 20 consultations). ``generate(url)`` builds that whole installation on top of the demo.

How it writes: SQLAlchemy Core ``insert()`` in chunks, with ids assigned here (no ORM
objects, no search-outbox rows; the index is built in bulk afterwards). Every stored HTML
column (consult/rendered.py FIELDS) is filled by the app's own ``render_markdown``, so no
page renders Markdown on load. Works on SQLite and PostgreSQL.

The text: sentences of the seeds (the demo YAML, tests/fixtures, /work/shared/seeds when
present) with about 30 % of their content words replaced by words drawn from a Dutch
word-frequency list with a Zipf-like law (``wordfreq``, the optional ``bench`` extra; without
it the words of the seeds themselves), and now and then a compound of two such words: a
vocabulary of tens of thousands of distinct words with a long tail, as real letters have.
"""

from __future__ import annotations

import itertools
import random
import re
import sys
import time
from bisect import bisect
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from consult import demo  # noqa: E402
from consult.models import (  # noqa: E402
    Commitment,
    Consultation,
    Destination,
    Landing,
    Membership,
    Message,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseVersion,
    Stakeholder,
    User,
)
from consult.text import render_markdown  # noqa: E402

CHUNK = 5_000
SEED_DIRS = (Path("/work/shared/seeds"),)
# Per point, as in the installation (12,527 reactions, 34k answers, 57k versions,
# 327k messages, 19k landings for 120,204 points).
MESSAGES_PER_POINT = 2.7
LANDINGS_PER_POINT = 0.16
STATUSES = ("draft", "proposed", "adopted", "done", "not_adopted")
STATUS_WEIGHTS = (10, 20, 35, 20, 15)
CHANNELS = ("ambtelijke_uitvraag", "collegebrief", "raadsbesluit", "advies", "zienswijze",
            "gezamenlijke_reactie")

# --- text ---------------------------------------------------------------------------------


def _seed_texts() -> list[str]:
    texts: list[str] = []
    data = yaml.load(demo.DATA_FILE.read_text(encoding="utf-8"),
                     Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for reaction in data["reactions"]:
        texts.extend(p["body"] for p in reaction.get("points", []))
        texts.extend(r["text"] for r in reaction.get("responses", []))
    paths = [*sorted((ROOT / "tests" / "fixtures").rglob("*.txt"))]
    for folder in SEED_DIRS:
        if folder.is_dir():
            paths.extend(sorted(folder.glob("*.txt")))
    for path in paths:
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
    return texts


@cache
def seed_sentences() -> tuple[str, ...]:
    """Sentences of 5-60 words from the seed texts (whitespace collapsed)."""
    found = []
    for text in _seed_texts():
        text = re.sub(r"\s+", " ", text)
        for sentence in re.split(r"(?<=[.!?;])\s+", text):
            sentence = sentence.strip(" -•*")
            words = sentence.split()
            if 5 <= len(words) <= 60 and sum(w.isalpha() for w in words) >= len(words) // 2:
                found.append(sentence)
    return tuple(dict.fromkeys(found))


@cache
def word_list() -> tuple[tuple[str, ...], str]:
    """Dutch content words by falling frequency, and where they came from."""
    try:
        import wordfreq

        words = wordfreq.top_n_list("nl", 200_000, wordlist="large")
        source = "wordfreq 'large' Dutch list"
    except ImportError:
        dutch = Path("/usr/share/dict/dutch")
        if dutch.exists():
            words = dutch.read_text(encoding="utf-8").split()
            source = str(dutch)
        else:
            counts: dict[str, int] = {}
            for sentence in seed_sentences():
                for w in sentence.lower().split():
                    counts[w] = counts.get(w, 0) + 1
            words = sorted(counts, key=counts.get, reverse=True)
            source = "the seed texts (install the bench extra for a real vocabulary)"
    # The commonest ~300 are function words; the seeds bring those already.
    content = [w for w in words[300:] if w.isalpha() and len(w) >= 4]
    return tuple(content), source


class Text:
    """Dutch sentences with a long-tail vocabulary, reproducible from ``rnd``."""

    def __init__(self, rnd: random.Random, replace: float = 0.3, exponent: float = 1.0):
        self.rnd = rnd
        self.replace = replace
        self.sentences = seed_sentences()
        self.words, self.source = word_list()
        self.cum = list(itertools.accumulate(1 / (rank + 10) ** exponent
                                             for rank in range(len(self.words))))

    def word(self) -> str:
        w = self.words[bisect(self.cum, self.rnd.random() * self.cum[-1])]
        if self.rnd.random() < 0.05:  # a compound, as Dutch writes them
            w += self.words[bisect(self.cum, self.rnd.random() * self.cum[-1])]
        return w

    def sentence(self) -> str:
        words = self.rnd.choice(self.sentences).split()
        rnd = self.rnd
        for i, w in enumerate(words):
            if len(w) >= 4 and w.isalpha() and w.islower() and rnd.random() < self.replace:
                words[i] = self.word()
        return " ".join(words)

    def paragraph(self, low: int = 1, high: int = 3) -> str:
        return " ".join(self.sentence() for _ in range(self.rnd.randint(low, high)))

    def phrase(self, low: int = 2, high: int = 5) -> str:
        words = [self.word() for _ in range(self.rnd.randint(low, high))]
        return " ".join(words).capitalize()

    def point_body(self) -> str:
        body = self.paragraph(1, 4)
        if self.rnd.random() < 0.1:  # a point with a list of sub-items
            items = "\n".join(f"- {self.sentence()}" for _ in range(self.rnd.randint(2, 4)))
            body = f"{body}\n\n{items}"
        return body


@lru_cache(maxsize=20_000)
def html(text: str):
    """The app's own rendering (consult.text.render_markdown), memoised for repeated texts."""
    return render_markdown(text)


# --- the registry -------------------------------------------------------------------------

# (name, slug in the demo where it is there, subregion)
PLACES = [
    ("Alphen aan den Rijn", "alphen", "rijnstreek"), ("Kaag en Braassem", "kaag-braassem",
                                                      "rijnstreek"),
    ("Nieuwkoop", "nieuwkoop", "rijnstreek"), ("Katwijk", "katwijk", "dnb"),
    ("Lisse", "lisse", "dnb"), ("Noordwijk", "noordwijk", "dnb"), ("Teylingen", "teylingen", "dnb"),
    ("Hillegom", "hillegom", "dnb"), ("Leiden", "leiden", "leidse-regio"),
    ("Leiderdorp", "leiderdorp", "leidse-regio"), ("Oegstgeest", "oegstgeest", "leidse-regio"),
    ("Zoeterwoude", "zoeterwoude", "leidse-regio"), ("Voorschoten", "voorschoten", "leidse-regio"),
]
SUBREGIONS = [("Duin- en Bollenstreek", "dnb"), ("Leidse Regio", "leidse-regio"),
              ("Rijnstreek", "rijnstreek")]
PARTIES = ["VVD", "CDA", "D66", "GroenLinks", "PvdA", "SP", "ChristenUnie", "Lokaal Belang"]
PROVIDERS = ["Jeugdhulp", "Jeugdzorg", "Pleegzorg", "GGZ", "Ambulante hulp", "Gezinshuis",
             "Kinderpraktijk", "Zorgboerderij", "Dyslexiezorg", "Jeugdbescherming"]


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _registry_rows() -> list[dict]:
    """The wanted registry: subregions, 13 municipalities with their bodies, providers."""
    rows = [{"slug": slug, "name": name, "kind": "joint_group", "parent": None}
            for name, slug in SUBREGIONS]
    for i, (name, slug, region) in enumerate(PLACES):
        rows.append({"slug": slug, "name": name, "kind": "municipality", "parent": region})
        rows.append({"slug": f"{slug}-college", "name": f"College van B&W {name}",
                     "kind": "executive", "parent": slug})
        rows.append({"slug": f"{slug}-raad", "name": f"Gemeenteraad {name}", "kind": "council",
                     "parent": slug})
        rows.append({"slug": f"{slug}-wmo", "name": f"WMO Adviesraad {name}",
                     "kind": "advisory_board", "parent": slug})
        for j in range(1 + i % 3):
            party = PARTIES[(i + j * 3) % len(PARTIES)]
            rows.append({"slug": f"{slug}-raad-{_slugify(party)}",
                         "name": f"Fractie {party} {name}", "kind": "council_faction",
                         "parent": f"{slug}-raad"})
    for i in range(30):
        name = f"{PROVIDERS[i % len(PROVIDERS)]} {PLACES[i % len(PLACES)][0]}"
        rows.append({"slug": f"aanbieder-{_slugify(name)}", "name": name,
                     "kind": "care_provider", "parent": None})
    rows.append({"slug": "huisartsen-rijnland", "name": "Huisartsenkring Rijnland",
                 "kind": "other", "parent": None})
    rows.append({"slug": "swv-passend-onderwijs", "name": "Samenwerkingsverband Passend "
                 "Onderwijs", "kind": "working_group", "parent": None})
    return rows


def ensure_registry(conn, now: datetime) -> list[dict]:
    """Create the registry's missing stakeholders (reusing the demo's by slug); returns every
    live stakeholder as {id, slug, name, kind, parent_id}."""
    table = Stakeholder.__table__
    existing = {r.slug: r.id for r in conn.execute(sa.select(table.c.slug, table.c.id))}
    next_id = _next_id(conn, table)
    new = []
    for row in _registry_rows():
        if row["slug"] in existing:
            continue
        existing[row["slug"]] = next_id
        new.append({"id": next_id, "slug": row["slug"], "name": row["name"], "kind": row["kind"],
                    "parent_id": existing.get(row["parent"]) if row["parent"] else None,
                    "email": "", "merged_into_id": None, "version": 1, "created_at": now,
                    "updated_at": now, "archived": False})
        next_id += 1
    if new:
        conn.execute(sa.insert(table), new)
        _fix_sequence(conn, table)
    return [dict(r._mapping) for r in conn.execute(
        sa.select(table.c.id, table.c.slug, table.c.name, table.c.kind, table.c.parent_id)
        .where(table.c.archived == sa.false()))]


# --- ids ----------------------------------------------------------------------------------


def _next_id(conn, table) -> int:
    return (conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1


def _fix_sequence(conn, table) -> None:
    """PostgreSQL: move the id sequence past the ids assigned here."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
            f"(SELECT max(id) FROM \"{table.name}\"))"))


def _insert(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(table), rows[start:start + CHUNK])


# --- one consultation ---------------------------------------------------------------------


class _Builder:
    """Collects the rows of one consultation; ``rows`` maps table -> list of dicts."""

    def __init__(self, conn, rnd: random.Random, text: Text, now: datetime):
        self.conn, self.rnd, self.text, self.now = conn, rnd, text, now
        self.rows: dict = {t: [] for t in (
            Consultation, Destination, Reaction, Point, Response, ResponseVersion,
            ResponsePoint, ResponseDestination, Message, Landing, Commitment, Membership)}
        self.ids = {t: itertools.count(_next_id(conn, t.__table__))
                    for t in self.rows if "id" in t.__table__.c}
        users = {r.email: r.id for r in conn.execute(
            sa.select(User.__table__.c.email, User.__table__.c.id))}
        self.numbers: dict[int, str] = {}  # point id -> its number
        self.secretary = users.get("secretaris@consult.example")
        self.askers = [u for u in (users.get("raadslid@consult.example"),
                                   users.get("adviesraad@consult.example")) if u] or [None]
        self.members = [uid for email, uid in users.items()
                        if email in {e for e, *_ in demo.DEMO_USERS}
                        and email != "beheer@consult.example"]

    def tracked(self, **row) -> dict:
        return {"created_at": self.now, "updated_at": self.now, "archived": False, **row}

    def add(self, model, **row) -> int:
        if model in self.ids and "id" not in row:
            row["id"] = next(self.ids[model])
        self.rows[model].append(row)
        return row.get("id")

    def message(self, point_id: int, at: datetime, kind: str, *, body: str = "",
                event=None, data=None, author=None, response_id=None, public=False) -> None:
        self.add(Message, **self.tracked(
            created_at=at, updated_at=at, point_id=point_id, author_id=author, kind=kind,
            body=body, body_html=html(body), event=event, data=data,
            response_id=response_id, public=public))


def _consultation(b: _Builder, slug: str | None, points: int) -> tuple[int, date, date]:
    rnd, text = b.rnd, b.text
    opened = date(2016 + rnd.randrange(10), 1 + rnd.randrange(12), 1)
    closes, decided = opened + timedelta(weeks=6), opened + timedelta(days=100)
    description = text.paragraph(2, 4)
    cid = next(b.ids[Consultation])
    b.add(Consultation, **b.tracked(
        id=cid, slug=slug or f"generated-{cid}", title=f"{text.phrase(2, 4)} ({points} punten)",
        document=text.phrase(2, 3),
        document_url="", organiser="Holland Rijnland", opened_on=opened, closes_on=closes,
        status="published", description=description, description_html=html(description),
        decided_by="PHO Jeugdhulp", decided_on=decided, revision=0, version=1,
        letter_opening="", letter_closing=""))
    for uid in b.members:
        b.add(Membership, consultation_id=cid, user_id=uid, created_at=b.now)
    return cid, opened, decided


def _destinations(b: _Builder, cid: int) -> tuple[list[tuple[int, str]], int]:
    """A small tree: 4-6 sections/bodies with 0-4 children, plus "not adopted" and "noted".
    Returns [(id, path)] of the routable ones and the id of "not adopted"."""
    rnd, found = b.rnd, []
    position = itertools.count(1)
    for i in range(rnd.randint(4, 6)):
        kind = ("document_section", "document_section", "decision", "standing_body")[i % 4]
        title = b.text.phrase(1, 3)
        top = b.add(Destination, **b.tracked(consultation_id=cid, parent_id=None, slug=f"d{i}",
                                             title=title, kind=kind, position=next(position)))
        found.append((top, title))
        for j in range(rnd.randint(0, 4)):
            child_title = b.text.phrase(1, 3)
            child = b.add(Destination, **b.tracked(
                consultation_id=cid, parent_id=top, slug=f"d{i}.{j}", title=child_title,
                kind=kind, position=next(position)))
            found.append((child, f"{title} › {child_title}"))
    refused = b.add(Destination, **b.tracked(consultation_id=cid, parent_id=None,
                                             slug="niet-overgenomen", title="Niet overgenomen",
                                             kind="not_adopted", position=next(position)))
    b.add(Destination, **b.tracked(consultation_id=cid, parent_id=None, slug="kennisgenomen",
                                   title="Ter kennisgeving", kind="noted",
                                   position=next(position)))
    return found, refused


def _senders(registry: list[dict]) -> tuple[list[dict], list[int], list[dict]]:
    """Who sends letters (weighted to municipalities' bodies) and the joint senders."""
    weights = {"municipality": 3, "executive": 5, "council": 4, "council_faction": 1,
               "advisory_board": 3, "care_provider": 1, "other": 1, "working_group": 1,
               "joint_group": 0}
    singles = [s for s in registry if weights.get(s["kind"], 0)]
    joint = [s for s in registry if s["kind"] == "joint_group"]
    return singles, [weights[s["kind"]] for s in singles], joint


def _reactions(b: _Builder, cid: int, points: int, registry: list[dict], opened: date):
    """Reactions and their points; returns [(reaction_id, sender name, [point ids])]."""
    rnd, text = b.rnd, b.text
    singles, weights, joint = _senders(registry)
    made, left, position = [], points, itertools.count(1)
    while left > 0:
        is_joint = joint and rnd.random() < 0.08
        n = min(left, rnd.randint(30, 60) if is_joint else rnd.randint(1, 12))
        left -= n
        sender = rnd.choice(joint) if is_joint else rnd.choices(singles, weights)[0]
        channel = "gezamenlijke_reactie" if is_joint else rnd.choice(CHANNELS[:5])
        title = f"{channel.replace('_', ' ').capitalize()} {sender['name']}"
        rid = next(b.ids[Reaction])
        received = opened + timedelta(days=rnd.randrange(42))
        heading, number, sub, lines, ids = None, 0, 0, [], []
        for index in range(1, n + 1):
            if rnd.random() < 0.08 and number:  # a sub-item of the previous number
                sub += 1
                label = f"{number}{'abcdefghijklmnopqrstuvwxyz'[sub % 26]}"
            else:
                number, sub = number + 1, 0
                label = str(number)
            if rnd.random() < 0.07:
                heading = text.phrase(2, 5)
                lines.append(heading)
            body = text.point_body()
            lines.append(f"{label}. {body}")
            at = datetime.combine(received, datetime.min.time(), UTC) + timedelta(hours=9)
            pid = b.add(Point, **b.tracked(
                created_at=at, updated_at=at, reaction_id=rid, number=label, position=index,
                heading=heading,
                stakeholder_id=rnd.choice(singles)["id"] if is_joint else None,
                body=body, body_html=html(body), version=1, merged_into_id=None))
            b.message(pid, at, "system", event="logged", author=b.secretary,
                      data={"stakeholder": sender["name"], "channel": channel,
                            "reaction": title})
            ids.append(pid)
            b.numbers[pid] = label
        b.add(Reaction, **b.tracked(
            id=rid, consultation_id=cid, stakeholder_id=sender["id"], channel=channel,
            received_on=received, title=title, original_text="\n\n".join(lines),
            position=next(position), status="submitted", drafted_by_id=None, draft_points=None,
            version=1))
        made.append((rid, ids))
    return made


def _answers(b: _Builder, cid: int, reactions, routes, refused: int, decided: date):
    """Answers over runs of 1-4 consecutive points, 1-3 versions each; returns
    [(point_id, destination_id, path, status)] for the landings."""
    rnd, text = b.rnd, b.text
    paths = dict(routes) | {refused: "Niet overgenomen"}
    landable, position = [], itertools.count(1)
    for rid, pids in reactions:
        i = 0
        while i < len(pids):
            if rnd.random() >= 0.46:
                i += 1
                continue
            covered = pids[i:i + rnd.randint(1, 4)]
            i += len(covered)
            status = rnd.choices(STATUSES, STATUS_WEIGHTS)[0]
            versions = rnd.choices((1, 2, 3), (45, 42, 13))[0]
            dests = ([refused] if status == "not_adopted" else
                     [d for d, _ in rnd.sample(routes, rnd.randint(1, min(2, len(routes))))])
            numbers = [b.numbers[p] for p in covered]
            aid = next(b.ids[Response])
            when = datetime.combine(decided, datetime.min.time(), UTC)
            earlier = STATUSES[:STATUSES.index(status) if status != "not_adopted" else 2] or \
                ("draft",)
            body = ""
            for v in range(1, versions + 1):
                body = text.paragraph(1, 3)
                v_status = status if v == versions else rnd.choice(earlier)
                at = when - timedelta(days=10 * (versions - v) + rnd.randrange(10))
                decided_v = v_status in ("adopted", "done", "not_adopted")
                b.add(ResponseVersion, response_id=aid, version=v, body=body,
                      body_html=html(body), status=v_status,
                      decided_by="PHO Jeugdhulp" if decided_v else "",
                      decided_on=decided if decided_v else None,
                      destinations=[paths[d] for d in dests],
                      points=numbers, author_id=b.secretary, created_at=at)
                for pid in covered:
                    data = {"destinations": [paths[d] for d in dests], "status": v_status,
                            "version": v}
                    b.message(pid, at, "system", event="answered" if v == 1 else
                              "answer_changed", data=data, author=b.secretary,
                              response_id=aid)
            decided_a = status in ("adopted", "done", "not_adopted")
            b.add(Response, **b.tracked(
                id=aid, consultation_id=cid, reaction_id=rid, body=body, body_html=html(body),
                status=status, decided_by="PHO Jeugdhulp" if decided_a else "",
                decided_on=decided if decided_a else None, position=next(position),
                version=versions))
            for pid in covered:
                b.add(ResponsePoint, response_id=aid, point_id=pid)
                if status in ("adopted", "done"):
                    landable.append((pid, dests[0], paths[dests[0]], status, when))
            for d in dests:
                b.add(ResponseDestination, response_id=aid, destination_id=d)
            if status in ("adopted", "done") and rnd.random() < 0.04:
                _commitment(b, aid, covered, decided, when)
    return landable


def _commitment(b: _Builder, aid: int, covered, decided: date, when: datetime) -> None:
    description, owner = b.text.sentence()[:300], b.text.phrase(1, 3)
    due = decided + timedelta(days=b.rnd.randrange(30, 300))
    b.add(Commitment, **b.tracked(response_id=aid, description=description, owner=owner,
                                  due_on=due, due_meeting="",
                                  status=b.rnd.choice(("open", "open", "done")), evidence=""))
    for pid in covered:
        b.message(pid, when, "system", event="commitment_made", author=b.secretary,
                  response_id=aid, data={"description": description, "owner": owner,
                                         "due": due.isoformat()})


def _landings(b: _Builder, landable, points: int) -> None:
    """Landings for ~16 % of the points (done answers first), each told in the thread."""
    rnd, seen = b.rnd, set()
    rnd.shuffle(landable)
    landable.sort(key=lambda row: row[3] != "done")
    for pid, dest, path, _status, when in landable[:round(points * LANDINGS_PER_POINT)]:
        if (pid, dest) in seen:
            continue
        seen.add((pid, dest))
        at = when + timedelta(days=rnd.randrange(30, 200))
        reference = f"{b.text.phrase(1, 3)} v{rnd.randint(1, 3)}, §{rnd.randint(1, 9)}." \
                    f"{rnd.randint(1, 9)}"
        b.add(Landing, point_id=pid, destination_id=dest, reference=reference,
              created_by_id=b.secretary, created_at=at, archived=False)
        b.message(pid, at, "system", event="landed", author=b.secretary,
                  data={"destination": path, "reference": reference})


def _conversation(b: _Builder, point_ids: list[int], opened: date) -> None:
    """Comments, questions, answers and internal notes up to ~2.7 messages a point, spread
    unevenly (a few points get long threads)."""
    rnd = b.rnd
    wanted = round(len(point_ids) * MESSAGES_PER_POINT) - len(b.rows[Message])
    start = datetime.combine(opened, datetime.min.time(), UTC)
    hot = rnd.sample(point_ids, max(1, len(point_ids) // 20))
    for _ in range(max(0, wanted)):
        pid = rnd.choice(hot) if rnd.random() < 0.3 else rnd.choice(point_ids)
        kind = rnd.choices(("comment", "question", "answer", "internal_note"), (35, 25, 20, 20))[0]
        author = rnd.choice(b.askers) if kind == "question" else (
            b.secretary if kind != "comment" else rnd.choice([b.secretary, *b.askers]))
        at = start + timedelta(minutes=rnd.randrange(60 * 24 * 200))
        b.message(pid, at, kind, body=b.text.paragraph(1, 3), author=author,
                  public=kind == "answer" and rnd.random() < 0.3)


def add_consultation(engine, points: int, rnd: random.Random, *, slug: str | None = None,
                     text: Text | None = None) -> int:
    """Bulk-insert one published consultation of ``points`` points (with reactions, answers,
    versions, links, thread messages, landings, commitments; every HTML column rendered by
    consult.text.render_markdown) in one transaction; returns its id.

    ``engine``: a SQLAlchemy engine on a database at the newest migration (the demo need not
    be there: the registry is created as needed, and messages are authored by the demo's
    secretary when it exists). ``slug`` defaults to ``generated-<id>``. No search-outbox rows:
    rebuild the index afterwards (``flask consult reindex``)."""
    text = text or Text(rnd)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        registry = ensure_registry(conn, now)
        b = _Builder(conn, rnd, text, now)
        cid, opened, decided = _consultation(b, slug, points)
        routes, refused = _destinations(b, cid)
        reactions = _reactions(b, cid, points, registry, opened)
        landable = _answers(b, cid, reactions, routes, refused, decided)
        _landings(b, landable, points)
        _conversation(b, [p for _r, ids in reactions for p in ids], opened)
        for model, rows in b.rows.items():
            _insert(conn, model.__table__, rows)
            if "id" in model.__table__.c:
                _fix_sequence(conn, model.__table__)
    return cid


# --- the installation ---------------------------------------------------------------------


def sizes(consultations: int, total: int, low: int, high: int, rnd: random.Random) -> list[int]:
    """Consultation sizes between ``low`` and ``high`` adding up to about ``total``: one of
    ``high`` and one of ``low`` exactly, the rest spread around the mean that is left."""
    if consultations < 2:
        return [high][:consultations]
    rest = consultations - 2
    mean = (total - high - low) / rest if rest else 0
    found = [high, low]
    for _ in range(rest):
        found.append(int(min(high - 1, max(low + 1, rnd.gauss(mean, (high - low) / 5)))))
    if rest:  # bring the total to ``total`` by shifting the free ones evenly
        shift = (total - sum(found)) / rest
        found[2:] = [int(min(high - 1, max(low + 1, s + shift))) for s in found[2:]]
    return found


def generate(url: str, *, consultations: int = 20, min_points: int = 2000,
             max_points: int = 10000, total_points: int = 120_000, seed: int = 1,
             progress: bool = True, instance_path: str | None = None) -> dict:
    """Build the installation: migrations, the demo (through the app's own loader), then the
    generated consultations, ANALYZE, and the search index built in bulk (the app's reindex).

    Returns {"slugs": [...], "sizes": [...], "big": slug of ``max_points``, "small": slug of
    ``min_points``, "seconds": {...}, "vocabulary": source}."""
    from consult import create_app
    from consult.db import upgrade

    say = print if progress else (lambda *_a, **_k: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    upgrade(url)
    config = {"DATABASE_URL": url, "SEARCH_MODE": "off", "SECRET_KEY": "bench"}
    if instance_path:
        config["INSTANCE_PATH"] = instance_path
    app = create_app(config)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["consult", "demo"])
    assert result.exit_code == 0, result.output
    seconds["demo"] = time.perf_counter() - started
    say(f"demo loaded in {seconds['demo']:.1f} s")
    rnd = random.Random(seed)
    text = Text(rnd)
    say(f"vocabulary: {len(text.words)} words from {text.source}; "
        f"{len(text.sentences)} seed sentences")
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _fast(dbapi_conn, _record):  # a bulk load: durability comes from the final file
            dbapi_conn.execute("PRAGMA synchronous=OFF")
    plan = sizes(consultations, total_points, min_points, max_points, rnd)
    slugs = []
    mark = time.perf_counter()
    for n, size in enumerate(plan, start=1):
        t = time.perf_counter()
        slug = f"schaal-{n:02d}-{size}"
        add_consultation(engine, size, rnd, slug=slug, text=text)
        slugs.append(slug)
        say(f"[{n}/{len(plan)}] {slug}: {size} points in {time.perf_counter() - t:.1f} s")
    seconds["consultations"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    seconds["analyze"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result = runner.invoke(args=["consult", "reindex"])
    assert result.exit_code == 0, result.output
    seconds["index"] = time.perf_counter() - mark
    say(result.output.strip().splitlines()[-1] if result.output.strip() else "indexed")
    seconds["total"] = time.perf_counter() - started
    say(f"generated in {seconds['total']:.0f} s ({seconds})")
    return {"slugs": slugs, "sizes": plan, "big": slugs[0], "small": slugs[1] if len(slugs) > 1
            else None, "seconds": seconds, "vocabulary": text.source}


def counts(engine, consultation_id: int) -> dict[str, int]:
    """Rows of one consultation per kind (for checks and reports)."""
    t = {m.__tablename__: m.__table__ for m in (Reaction, Point, Response, ResponseVersion,
                                                 Message, Landing)}
    points = (sa.select(t["point"].c.id).join(t["reaction"], t["reaction"].c.id ==
                                                t["point"].c.reaction_id)
              .where(t["reaction"].c.consultation_id == consultation_id))
    answers = sa.select(t["response"].c.id).where(t["response"].c.consultation_id ==
                                                   consultation_id)
    queries = {
        "reactions": sa.select(sa.func.count()).select_from(t["reaction"]).where(
            t["reaction"].c.consultation_id == consultation_id),
        "points": sa.select(sa.func.count()).select_from(points.subquery()),
        "answers": sa.select(sa.func.count()).select_from(answers.subquery()),
        "versions": sa.select(sa.func.count()).select_from(t["responseversion"]).where(
            t["responseversion"].c.response_id.in_(answers)),
        "messages": sa.select(sa.func.count()).select_from(t["message"]).where(
            t["message"].c.point_id.in_(points)),
        "landings": sa.select(sa.func.count()).select_from(t["landing"]).where(
            t["landing"].c.point_id.in_(points)),
    }
    with engine.connect() as conn:
        return {name: conn.execute(q).scalar() for name, q in queries.items()}


def write_ready(folder: Path, made: dict) -> Path:
    """The READY file of a prepared installation in ``folder`` (instance/ inside it): JSON
    with the paths, the slugs of the largest and smallest consultations, and the settings
    that make the app use it. bench/scale.py --reuse reads it."""
    import json

    instance = folder / "instance"
    facts = {
        "instance": str(instance),
        "database": str(instance / "consult.sqlite3"),
        "search_index": str(instance / "search"),
        "big": made["big"], "small": made["small"],
        "slugs": dict(zip(made["slugs"], made["sizes"], strict=True)),
        "seconds": {k: round(v, 1) for k, v in made["seconds"].items()},
        "vocabulary": made["vocabulary"],
        "env": {"CONSULT_INSTANCE_PATH": str(instance),
                "CONSULT_DATABASE_URL": f"sqlite:///{instance / 'consult.sqlite3'}"},
        "note": "Copy the folder before writing to it (cp -a); demo accounts as in "
                "consult/demo DEMO_USERS.",
    }
    path = folder / "READY"
    path.write_text(json.dumps(facts, indent=2, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="an empty folder: instance/ and READY go here")
    parser.add_argument("--points", type=int, default=120_000)
    parser.add_argument("--consultations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    instance = args.folder / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    made = generate(f"sqlite:///{instance / 'consult.sqlite3'}",
                    consultations=args.consultations, total_points=args.points, seed=args.seed,
                    instance_path=str(instance))
    print("written", write_ready(args.folder, made))


if __name__ == "__main__":
    main()
