"""Search benchmark: consult's Whoosh index against a tuned SQLite FTS5 on the same documents.

Usage: .venv/bin/python bench/search_bench.py [--sizes 100000,1000000] [--per-kind 20]
                                             [--saves 100] [--http-rounds 2] [--pg URL]

With ``--pg postgresql+psycopg://...`` (an empty database: its schema is replaced) the same
corpus is also written to PostgreSQL and the PostgreSQL search backend
(CONSULT_SEARCH_BACKEND=postgres) is measured on the same queries beside Whoosh and FTS5:
rebuild rate, first-time p50/p95 per query kind (with and without facets), HTTP p95 and
saved -> found through gunicorn with that backend.

Per size it builds a generated installation (points of the real 2016 table's sentences and the
seed letters, with a long tail of Dutch words drawn by their frequency in the `wordfreq` list;
10 points a reaction, an answer for 7 in 10 reactions, thread messages, so that there are ~1.57
index documents a point as in a real installation; 300 stakeholders), then measures, in one run:

- bulk index rate (consult: `rebuild()`, i.e. `flask consult reindex`; FTS5: INSERT of the same
  documents into the tuned table), documents/s and the ratio;
- **first-time queries** (the headline): every query uses words never asked before in the run
  (single common / rare words, two-word ANDs of random words, of common words and of a common
  and a rarer word, phrases, prefixes, a common word with a stakeholder filter). Consult: a
  fresh searcher and an empty decoded-postings cache per query (what a worker meets after a
  commit or for a new term; the per-segment columns stay, as in a running worker); FTS5: a
  fresh connection per query (empty page cache). Both: top 20 by relevance and the total.
  The same list asked again gives the "repeat" figures.
- HTTP search p50/p95 through the real endpoint (gunicorn, 2 workers, logged in);
- saved -> found: log a reaction with one point through the real intake endpoint, then poll
  the search page until the point is found (``--saves`` times).

The FTS5 reference is tuned as one would in production: `prefix='2 3 4'`, the stakeholder as
an indexed column queried as `{stakeholder}: s12 AND {body}: (...)`, ranked by bm25 on the
body alone, and the total in the same statement (`count(*) OVER ()`).

Not part of the test command. The machine is shared: compare ratios within one run; the load
average is printed beside each figure.
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consult import create_app, demo, search  # noqa: E402
from consult.accounts import create_user  # noqa: E402
from consult.db import get_session, upgrade  # noqa: E402
from consult.models import (  # noqa: E402
    Consultation,
    Destination,
    Message,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    Role,
    Stakeholder,
)
from consult.search import query as q  # noqa: E402

KINDS = ["municipality", "executive", "council", "advisory_board", "council_faction"]
CHANNELS = ["ambtelijke_uitvraag", "collegebrief", "raadsbesluit", "advies", "zienswijze"]
STATUSES = ["proposed", "adopted", "done", "not_adopted"]
PLACES = [
    "Alphen aan den Rijn", "Hillegom", "Kaag en Braassem", "Katwijk", "Leiden", "Leiderdorp",
    "Lisse", "Nieuwkoop", "Noordwijk", "Oegstgeest", "Teylingen", "Voorschoten", "Zoeterwoude",
    "Wassenaar", "Delft", "Gouda", "Haarlem", "Utrecht", "Zwolle", "Amersfoort",
]
ADMIN = ("bench@consult.example", "bench-wachtwoord-2026")

# (label, kind, query text, filter on the stakeholder of the first reaction?)
QUERIES = [
    ("common", "jeugdhulp", False), ("common", "gemeente", False), ("common", "zorg", False),
    ("common", "inkoop", False), ("common", "JGT", False),
    ("rare", "privacy", False), ("rare", "huisartsen", False), ("rare", "continuïteit", False),
    ("rare", "1Gezin1Plan", False), ("rare", "veiligheidsketen", False),
    ("and", "inkoop aanbieders", False), ("and", "lokale sturing", False),
    ("and", "pgb zin", False), ("and", "jeugdhulp onderwijs", False),
    ("and", "financiële middelen", False),
    ("phrase", '"lokale sturing"', False), ("phrase", '"nieuwe aanbieders"', False),
    ("phrase", '"het JGT"', False), ("phrase", '"sociaal domein"', False),
    ("prefix", "jeugd*", False), ("prefix", "transform*", False), ("prefix", "inkoop*", False),
    ("prefix", "cliënt*", False),
    ("or", "privacy OR veiligheid", False), ("not", "PGB -ZIN", False),
    ("filter", "jeugdhulp", True), ("filter", "aanbieders", True), ("filter", "privacy", True),
    ("filter", "inkoop*", True), ("filter", '"lokale sturing"', True),
]


def fts5_match(text: str) -> str:
    """A query of the benchmark in FTS5 syntax, on the body column."""
    if text.startswith('"'):
        return "{body}: " + text
    words = text.split()
    parts = [f'"{w[:-1]}"*' if w.endswith("*") else f'"{w}"' for w in words]
    return "{body}: (" + " AND ".join(parts) + ")"


def sentences() -> list[str]:
    texts: list[str] = []
    data = yaml.safe_load(demo.DATA_FILE.read_text(encoding="utf-8"))
    for reaction in data["reactions"]:
        texts.extend(p["body"] for p in reaction.get("points", []))
        texts.extend(r["text"] for r in reaction.get("responses", []))
    for path in sorted((ROOT / "tests" / "fixtures").glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8"))
    for path in sorted(Path("/work/shared/seeds").glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8"))
    found = []
    for text in texts:
        for s in re.split(r"(?<=[.!?])\s+|\n+", text):
            s = s.strip()
            if len(s.split()) >= 4:
                found.append(s)
    return found


class Text:
    """Point, answer and message texts: one or two real sentences of the domain and a run of
    words drawn from Dutch by frequency (wordfreq's list, 100,000 words with their
    frequencies: a long tail, so prefix expansion and term statistics are exercised)."""

    def __init__(self, seed: int):
        self.pool = sentences()
        self.rng = np.random.default_rng(seed)
        try:
            from wordfreq import top_n_list, word_frequency
        except ImportError:  # pip install wordfreq==3.1.1 (bench only)
            print("wordfreq missing: the long tail is left out", flush=True)
            self.words = None
            return
        words = top_n_list("nl", 100_000)
        freq = np.array([word_frequency(w, "nl") for w in words], np.float64)
        self.words = np.array(words, dtype=object)
        self.p = freq / freq.sum()

    def many(self, n: int, sentences: tuple[int, int], tail: tuple[int, int]) -> list[str]:
        rng = self.rng
        counts = rng.integers(tail[0], tail[1] + 1, n) if self.words is not None else None
        drawn = (self.words[rng.choice(len(self.words), int(counts.sum()), p=self.p)]
                 if counts is not None else None)
        picks = rng.integers(0, len(self.pool), (n, sentences[1]))
        nsent = rng.integers(sentences[0], sentences[1] + 1, n)
        out, at = [], 0
        for i in range(n):
            text = " ".join(self.pool[j] for j in picks[i, : nsent[i]])
            if counts is not None:
                k = int(counts[i])
                text += " " + " ".join(drawn[at : at + k]) + "."
                at += k
            out.append(text)
        return out


def percentile(samples, p):
    """Nearest-rank percentile, as in bench/load.py (round() here took one rank too low)."""
    from math import ceil

    samples = sorted(samples)
    return samples[max(0, ceil(p * len(samples) / 100) - 1)]


def ms(samples):
    return f"{statistics.median(samples):7.1f} / {percentile(samples, 95):7.1f}"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# --- the corpus -------------------------------------------------------------------------


def build_database(url: str, size: int, rnd: random.Random, text: Text | None = None) -> dict:
    """Fill an empty consult database with `size` points (and answers, messages); returns the
    documents for FTS5 as (rowid, body, stakeholder id) and facts for the queries."""
    text = text or Text(size)
    upgrade(url)
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    stakeholders = [
        {"id": i + 1, "slug": f"sh-{i + 1}", "name": f"{kind_name(KINDS[i % 5])} "
         f"{PLACES[i % len(PLACES)]} {i // len(PLACES) + 1}", "kind": KINDS[i % 5],
         "created_at": now, "updated_at": now, "archived": False}
        for i in range(300)
    ]
    n_consultations = max(1, size // 5000)
    with engine.begin() as conn:
        conn.execute(sa.insert(Stakeholder.__table__), stakeholders)
        conn.execute(sa.insert(Consultation.__table__), [
            {"id": c + 1, "slug": f"consultatie-{c + 1}", "title": f"Consultatie {c + 1}",
             "document": "", "organiser": "", "status": "published", "description": "",
             "decided_by": "", "revision": 0,
             "opened_on": date(2016 + c % 10, 1 + c % 12, 1),
             "created_at": now, "updated_at": now, "archived": False}
            for c in range(n_consultations)
        ])
        conn.execute(sa.insert(Destination.__table__), [
            {"id": c * 6 + d + 1, "consultation_id": c + 1, "slug": f"d{d}", "title": title,
             "kind": "document_section", "position": d, "created_at": now, "updated_at": now,
             "archived": False}
            for c in range(n_consultations)
            for d, title in enumerate(["Inkoopstrategie", "Inkoopplan", "Sturing", "Privacy",
                                       "Strategisch overleg jeugd", "Niet overgenomen"])
        ])
    point_texts = text.many(size, (1, 2), (8, 30))
    reactions, points, responses, links, routes, messages = [], [], [], [], [], []
    point_id = 0
    for r in range((size + 9) // 10):
        cid = 1 + r % n_consultations
        reactions.append({
            "id": r + 1, "consultation_id": cid, "stakeholder_id": 1 + rnd.randrange(300),
            "channel": CHANNELS[r % 5], "title": "Reactie", "original_text": "", "position": r,
            "status": "submitted", "version": 1, "created_at": now, "updated_at": now,
            "archived": False,
        })
        covered = []
        for n in range(10):
            if point_id == size:
                break
            point_id += 1
            points.append({"id": point_id, "reaction_id": r + 1, "number": str(n + 1),
                           "position": n, "body": point_texts[point_id - 1],
                           "created_at": now, "updated_at": now, "archived": False})
            covered.append(point_id)
        if rnd.random() < 0.7 and covered:
            rid = len(responses) + 1
            responses.append({
                "id": rid, "consultation_id": cid, "reaction_id": r + 1,
                "body": "", "status": rnd.choice(STATUSES), "decided_by": "",
                "position": rid, "version": 1, "created_at": now, "updated_at": now,
                "archived": False,
            })
            links.extend({"response_id": rid, "point_id": p} for p in covered)
            routes.append({"response_id": rid, "destination_id": (cid - 1) * 6 + 1
                           + rnd.randrange(6)})
    for row, body in zip(responses, text.many(len(responses), (1, 2), (5, 20)), strict=True):
        row["body"] = body
    # Thread messages: ~0.5 a point, so that (points + answers + messages) / points ~ 1.57.
    n_messages = int(size * 0.5)
    message_texts = text.many(n_messages, (0, 1), (5, 25))
    for m in range(n_messages):
        messages.append({"id": m + 1, "point_id": 1 + rnd.randrange(size), "kind": "comment",
                         "body": message_texts[m], "public": False, "created_at": now,
                         "updated_at": now, "archived": False})
    with engine.begin() as conn:
        for table, rows in ((Reaction, reactions), (Point, points), (Response, responses),
                            (ResponsePoint, links), (ResponseDestination, routes),
                            (Message, messages)):
            for start in range(0, len(rows), 20_000):
                conn.execute(sa.insert(table.__table__), rows[start:start + 20_000])
    engine.dispose()
    store_html(url)
    holder = [0] + [r["stakeholder_id"] for r in reactions]
    point_holder = [0] + [holder[p["reaction_id"]] for p in points]
    docs = [(p["id"], p["body"], point_holder[p["id"]]) for p in points]
    docs += [(size + r["id"], r["body"], holder[r["reaction_id"]]) for r in responses]
    docs += [(size + len(responses) + m["id"], m["body"], point_holder[m["point_id"]])
             for m in messages]
    return {"docs": docs, "stakeholder": reactions[0]["stakeholder_id"],
            "responses": len(responses), "messages": n_messages}


def store_html(url: str) -> int:
    """Give every text written behind the ORM's back its stored HTML, as the app's own writes
    (consult.rendered) and its migration do: without it every row a result page loads is
    rendered from Markdown on reading, with a warning logged (consult.rendered._on_load),
    which no real installation pays and which made the HTTP figures ~100 ms too slow. The
    corpus is plain sentences, so its HTML is the paragraph Markdown makes of one (escaped);
    the search page never shows it. Returns the rows filled."""
    escaped = "'<p>' || replace(replace(replace({0}, '&', '&amp;'), '<', '&lt;'), '>', " \
              "'&gt;') || '</p>'"
    engine = sa.create_engine(url)
    filled = 0
    with engine.begin() as conn:
        for table, text, html in (("point", "body", "body_html"),
                                  ("response", "body", "body_html"),
                                  ("message", "body", "body_html"),
                                  ("consultation", "description", "description_html")):
            filled += conn.execute(sa.text(
                f"UPDATE {table} SET {html} = {escaped.format(text)} WHERE {html} IS NULL"
            )).rowcount
    engine.dispose()
    return filled


def kind_name(kind: str) -> str:
    return {"municipality": "Gemeente", "executive": "College", "council": "Gemeenteraad",
            "advisory_board": "Adviesraad", "council_faction": "Fractie"}[kind]


# --- first-time queries ----------------------------------------------------------------------

KIND_ORDER = ["common", "rare", "and-random", "and-common", "and-mixed", "phrase", "prefix",
              "filter"]
_WORD = re.compile(r"[a-z]{3,}")


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower())
                   if not unicodedata.combining(c))


def first_time_queries(docs, stakeholder: int, per_kind: int, rnd: random.Random):
    """(kind, query text, stakeholder filter or None), no word (or prefix) used twice.

    Words by document frequency over a sample of the documents: "common" = the 400 most
    frequent, "mid" = ranks 400-5,000, "rare" = in 2-50 sampled documents; "random" = any
    word seen twice or more, uniformly (mostly the long tail)."""
    sample = rnd.sample(docs, min(len(docs), 100_000))
    df: Counter = Counter()
    for _rowid, body, _s in sample:
        df.update({w for w in _WORD.findall(_plain(body))})
    ranked = [w for w, _n in df.most_common()]
    common, mid = ranked[:400], ranked[400:5000]
    rare = [w for w in ranked if 2 <= df[w] <= 50]
    anyword = [w for w in ranked if df[w] >= 2]
    used: set[str] = set()

    def pick(pool):
        for _ in range(10_000):
            w = rnd.choice(pool)
            if w not in used:
                used.add(w)
                return w
        raise RuntimeError("vocabulary exhausted")

    out = []
    for _n in range(per_kind):
        out.append(("common", pick(common), None))
        out.append(("rare", pick(rare), None))
        out.append(("and-random", f"{pick(anyword)} {pick(anyword)}", None))
        out.append(("and-common", f"{pick(common)} {pick(common)}", None))
        out.append(("and-mixed", f"{pick(common)} {pick(mid)}", None))
        while True:  # two neighbouring words of a document, as someone remembers them
            words = _plain(rnd.choice(sample)[1]).split()
            i = rnd.randrange(max(1, len(words) - 1))
            pair = words[i : i + 2]
            if len(pair) == 2 and all(_WORD.fullmatch(w) for w in pair) and not used & set(pair):
                used.update(pair)
                out.append(("phrase", f'"{pair[0]} {pair[1]}"', None))
                break
        while True:
            word = rnd.choice(mid)
            stem = word[: rnd.choice((4, 5))]
            if len(stem) >= 4 and stem not in used:
                used.add(stem)
                out.append(("prefix", stem + "*", None))
                break
        out.append(("filter", pick(common), stakeholder))
    return out


# --- consult (Whoosh) ------------------------------------------------------------------------


def consult_first_time(app, queries, facets: bool = False) -> dict[str, list[float]]:
    """Milliseconds per kind, each query on a fresh searcher with an empty decoded-postings
    cache (the per-segment columns stay loaded, as in a running worker)."""
    from consult.search import matching

    service = search.service(app)
    ix = service.store.open()
    scope = q.Scope(frozenset(), frozenset())
    by_kind: dict[str, list[float]] = {}
    for kind, text, stakeholder in queries:
        request = q.Request(text=text, filters={"stakeholder": str(stakeholder)}
                            if stakeholder else {})
        matching.clear_caches()
        start = time.perf_counter()
        with ix.searcher() as searcher:
            q.search(searcher, request, scope, facets=facets)
        by_kind.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    return by_kind


def consult_repeat(app, queries) -> dict[str, list[float]]:
    """The same queries asked again on the thread's searcher (caches warm)."""
    service = search.service(app)
    scope = q.Scope(frozenset(), frozenset())
    by_kind: dict[str, list[float]] = {}
    for kind, text, stakeholder in queries:
        request = q.Request(text=text, filters={"stakeholder": str(stakeholder)}
                            if stakeholder else {})
        start = time.perf_counter()
        service.store.read(lambda s, r=request: q.search_top(s, r, scope))
        by_kind.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    return by_kind


# --- FTS5 (the reference, tuned) ---------------------------------------------------------------


def fts5_build(path: Path, docs) -> tuple[float, int]:
    """The reference index at ``path`` (replaced) from (rowid, body, stakeholder id) rows, an
    iterable (a generator's own reading is timed with the inserts): documents/s and bytes."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(body, stakeholder, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"
    )
    conn.execute("INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25(1.0, 0.0)')")
    count = 0

    def rows():
        nonlocal count
        for rowid, body, sh in docs:
            count += 1
            yield rowid, body, f"s{sh}"

    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO fts(rowid, body, stakeholder) VALUES (?, ?, ?)", rows())
    rate = count / (time.perf_counter() - start)
    conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    conn.commit()
    conn.close()
    return rate, path.stat().st_size


def fts5_queries(path: Path, queries, fresh: bool) -> dict[str, list[float]]:
    """Milliseconds per kind: top 20 by bm25 and the total in one statement. fresh: a new
    connection per query (empty page cache), timed with the query."""
    by_kind: dict[str, list[float]] = {}
    conn = None if fresh else sqlite3.connect(path)
    for kind, text, stakeholder in queries:
        match = fts5_match(text)
        if stakeholder:
            match = f"{{stakeholder}}: s{stakeholder} AND " + match
        start = time.perf_counter()
        db = sqlite3.connect(path) if fresh else conn
        db.execute("SELECT rowid, count(*) OVER () FROM fts WHERE fts MATCH ? "
                   "ORDER BY rank LIMIT 20", [match]).fetchall()
        if fresh:
            db.close()
        by_kind.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    if conn is not None:
        conn.close()
    return by_kind


# --- over HTTP ---------------------------------------------------------------------------------


class Client:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        html = self.get("/inloggen")
        token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        self.post("/inloggen", {"email": ADMIN[0], "password": ADMIN[1], "csrf_token": token})
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', self.get("/")).group(1)

    def get(self, path):
        with self.opener.open(self.base + path, timeout=120) as r:
            return r.read().decode()

    def post(self, path, data, hx=False):
        req = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data).encode())
        if hx:
            req.add_header("HX-Request", "true")
            req.add_header("X-CSRFToken", self.csrf)
        with self.opener.open(req, timeout=120) as r:
            return r.status


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_measurements(folder: Path, url: str, queries, saves: int, backend: str = "whoosh"):
    port = free_port()
    env = {**os.environ, "CONSULT_DATABASE_URL": url, "CONSULT_INSTANCE_PATH": str(folder),
           "CONSULT_SECRET_KEY": "bench", "CONSULT_INSECURE_COOKIES": "1",
           "CONSULT_SEARCH_MODE": "thread", "CONSULT_SEARCH_BACKEND": backend}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        client = Client(base)
        for _kind, text, _s in queries[:4]:  # both workers' readers open
            client.get("/zoeken?" + urllib.parse.urlencode({"q": text}))
            client.get("/zoeken?" + urllib.parse.urlencode({"q": text}))
        samples = []
        for _kind, text, stakeholder in queries:  # first time for the web workers too
            args = {"q": text, **({"stakeholder": stakeholder} if stakeholder else {})}
            start = time.perf_counter()
            client.get("/zoeken?" + urllib.parse.urlencode(args))
            samples.append((time.perf_counter() - start) * 1000)
        fresh = []
        rnd = random.Random(time.time_ns())  # new words in every run (--reuse: the same database)
        for n in range(saves):
            word = f"meetwoord{n}x{rnd.randrange(10**6)}"
            start = time.perf_counter()
            # A secretary logs a reaction with one point (the intake form, as htmx posts it).
            client.post("/consultaties/consultatie-1/reacties",
                        {"stakeholder_id": 1, "channel": "collegebrief", "title": "Meting",
                         "text": f"1. Nieuw punt over {word} en de inkoop."}, hx=True)
            while "1 resultaat" not in client.get("/zoeken?q=" + word):
                if time.perf_counter() - start > 30:
                    break
                time.sleep(0.01)
            fresh.append((time.perf_counter() - start) * 1000)
        return samples, fresh
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def existing_docs(url: str, size: int) -> dict:
    """The FTS5 documents and facts of a database this benchmark filled before (--reuse)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        holder = dict(conn.execute(sa.text("SELECT id, stakeholder_id FROM reaction")).all())
        points = conn.execute(sa.text("SELECT id, body, reaction_id FROM point "
                                      f"WHERE id <= {size} ORDER BY id")).all()
        point_holder = {pid: holder[rid] for pid, _b, rid in points}
        responses = conn.execute(sa.text("SELECT id, body, reaction_id FROM response "
                                         "ORDER BY id")).all()
        messages = conn.execute(sa.text("SELECT id, body, point_id FROM message "
                                        "WHERE kind = 'comment' ORDER BY id")).all()
    engine.dispose()
    docs = [(pid, body, point_holder[pid]) for pid, body, _r in points]
    docs += [(size + rid, body, holder[r]) for rid, body, r in responses]
    docs += [(size + len(responses) + mid, body, point_holder.get(pid, 0))
             for mid, body, pid in messages]
    return {"docs": docs, "stakeholder": holder[1]}


def pg_first_time(app, queries, facets: bool = False) -> dict[str, list[float]]:
    """Milliseconds per kind on the PostgreSQL backend (each query's words new to the run)."""
    service = search.service(app)
    scope = q.Scope(frozenset(), frozenset())
    by_kind: dict[str, list[float]] = {}
    for kind, text, stakeholder in queries:
        request = q.Request(text=text, filters={"stakeholder": str(stakeholder)}
                            if stakeholder else {})
        start = time.perf_counter()
        service.find(request, scope, facets=facets)
        by_kind.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    return by_kind


def _pg_filled(url: str, size: int, built: bool = True) -> bool:
    """Whether this database holds a corpus of this size (and its bench user) whose search
    table was built (built=False: whether or not)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            points = conn.execute(sa.text("SELECT count(*) FROM point WHERE id <= :n"),
                                  {"n": size}).scalar_one()
            done = conn.execute(sa.text("SELECT count(*) FROM search_state "
                                        "WHERE name = 'pg_analysis'")).scalar_one()
            user = conn.execute(sa.text("SELECT count(*) FROM \"user\" WHERE email = :e"),
                                {"e": ADMIN[0]}).scalar_one()
    except sa.exc.DBAPIError:
        return False
    finally:
        engine.dispose()
    return points == size and user == 1 and (done == 1 or not built)


def _pg_build(size: int, pg_url: str, settings: dict, resume: bool = False):
    """An empty PostgreSQL database filled with the corpus and its search table built:
    (app, documents, seconds the rebuild took). resume: a database whose corpus was written
    before (a build stopped while its search table was built) only gets its table built."""
    from sqlalchemy.engine import make_url

    from tests.conftest import reset_postgres

    if resume and _pg_filled(pg_url, size, built=False):
        print(f"[{size}] PostgreSQL corpus found: building its search table only", flush=True)
        app = create_app(settings)
        return (app, *_pg_rebuild(app, size))
    reset_postgres(pg_url)
    start = time.perf_counter()
    build_database(pg_url, size, random.Random(size), Text(size))
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:  # the corpus was written with explicit ids
        for table in ("stakeholder", "consultation", "destination", "reaction", "point",
                      "response", "message", "user"):
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"COALESCE((SELECT max(id) FROM \"{table}\"), 0) + 1, false)"))
    engine.dispose()
    print(f"[{size}] PostgreSQL database ready in {time.perf_counter() - start:.0f} s "
          f"({make_url(pg_url).database})", flush=True)
    app = create_app(settings)
    with app.app_context():
        session = get_session()
        create_user(session, password=ADMIN[1], email=ADMIN[0], name="Bench", role=Role.admin)
        session.commit()
    return (app, *_pg_rebuild(app, size))


def _pg_rebuild(app, size: int) -> tuple[int, float]:
    """`flask consult reindex` of the PostgreSQL backend, with a progress line every 100,000
    documents: (documents, seconds)."""
    service = search.service(app)
    start = time.perf_counter()
    done = [0]

    def progress(n: int) -> None:  # a line every 100,000 documents (a 1M build takes long)
        if (done[0] + n) // 100_000 > done[0] // 100_000:
            print(f"[{size}] search table: {done[0] + n:,} documents after "
                  f"{time.perf_counter() - start:.0f} s (load {load()})", flush=True)
        done[0] += n

    count = service.rebuild(progress=progress)
    return count, time.perf_counter() - start


def run_pg(size: int, pg_url: str, queries, http_queries, saves: int,
           reuse: bool = False) -> dict:
    """The same corpus (same seed) in PostgreSQL, the PostgreSQL search backend measured."""
    from sqlalchemy.engine import make_url

    folder = Path(tempfile.mkdtemp(prefix=f"searchbench-pg-{size}-"))
    settings = {"DATABASE_URL": pg_url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder),
                "SEARCH_MODE": "inline", "SEARCH_BACKEND": "postgres"}
    if reuse and _pg_filled(pg_url, size):
        print(f"[{size}] PostgreSQL database reused ({make_url(pg_url).database}); "
              f"{store_html(pg_url)} texts given their stored HTML", flush=True)
        app = create_app(settings)
        service = search.service(app)
        count, seconds = sum(service.status()["index"].values()), float("nan")
    else:
        app, count, seconds = _pg_build(size, pg_url, settings, resume=reuse)
    with app.extensions["consult.engine"].connect() as conn:
        table_bytes = conn.execute(sa.text(
            "SELECT pg_total_relation_size('search_document')")).scalar_one()
        conn.execute(sa.text("ANALYZE search_document"))
        conn.commit()
    result = {"documents": count, "index_seconds": seconds, "index_rate_docs": count / seconds,
              "index_bytes": table_bytes, "load": {"index": load()}}
    print(f"[{size}] PostgreSQL search table: {count} documents in {seconds:.0f} s, "
          f"{table_bytes / 2**20:,.0f} MB (load {load()})", flush=True)
    result["first"] = pg_first_time(app, queries)
    result["first_facets"] = pg_first_time(app, queries, facets=True)
    result["repeat"] = pg_first_time(app, queries)
    result["load"]["queries"] = load()
    app.extensions["consult.engine"].dispose()
    if saves:
        result["http"], result["fresh"] = http_measurements(folder, pg_url, http_queries, saves,
                                                            backend="postgres")
        result["load"]["http"] = load()
    return result


def report_pg(r: dict) -> None:
    """The PostgreSQL backend beside Whoosh and FTS5 (same corpus, same queries)."""
    p = r["pg"]
    print()
    print(f"## {r['size']:,} points: PostgreSQL backend ({p['documents']:,} documents), "
          f"Whoosh, FTS5")
    print(f"bulk index: PostgreSQL {p['index_rate_docs']:,.0f} documents/s in "
          f"{p['index_seconds']:.0f} s, {p['index_bytes'] / 2**20:,.0f} MB; Whoosh "
          f"{r.get('index_rate_docs', 0):,.0f} documents/s [load {p['load']['index']}]")
    print(f"first-time queries, p50 / p95 ms [load {p['load']['queries']}]:")
    print("| kind | PostgreSQL | PostgreSQL + facets | Whoosh | Whoosh + facets | FTS5 tuned |")
    print("|---|---|---|---|---|---|")
    names = ("first", "first_facets")
    rows = [(k, p[names[0]][k], p[names[1]][k], r["consult_first"][k],
             r["consult_first_facets"][k], r["fts5_first"][k]) for k in KIND_ORDER]
    rows.append(("all", flat(p[names[0]]), flat(p[names[1]]), flat(r["consult_first"]),
                 flat(r["consult_first_facets"]), flat(r["fts5_first"])))
    for kind, a, b, c, d, e in rows:
        print(f"| {kind} | {ms(a)} | {ms(b)} | {ms(c)} | {ms(d)} | {ms(e)} |")
    if "http" in p:
        print(f"HTTP search, first time, p50/p95 ms: PostgreSQL {ms(p['http'])}, Whoosh "
              f"{ms(r.get('http', []))}; saved -> found: PostgreSQL {ms(p['fresh'])}, Whoosh "
              f"{ms(r.get('fresh', []))} [load {p['load']['http']}]")


def _query_seed(size: int, seed: int, offset: int = 0) -> int:
    """The seed of a run's queries: --seed N asks other words than the runs before (with
    --reuse the database is the same, so seed 0 would ask the same words again)."""
    return size + offset + 7919 * seed


def run_size(size: int, per_kind: int, saves: int, reuse: str | None = None,
             pg_url: str | None = None, seed: int = 0) -> dict:
    rnd = random.Random(size)
    folder = Path(reuse) if reuse else Path(tempfile.mkdtemp(prefix=f"searchbench-{size}-"))
    url = f"sqlite:///{folder / 'consult.sqlite3'}"
    start = time.perf_counter()
    if reuse:
        store_html(url)
    facts = existing_docs(url, size) if reuse else build_database(url, size, rnd, Text(size))
    docs = facts["docs"]
    vocabulary = len({w for _r, body, _s in docs[:200_000] for w in _WORD.findall(_plain(body))})
    print(f"[{size}] database ready in {time.perf_counter() - start:.0f} s; "
          f"{vocabulary:,} distinct words in the first 200,000 documents", flush=True)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder),
                      "SEARCH_MODE": "inline"})
    service = search.service(app)
    result = {"size": size, "vocabulary_200k": vocabulary, "load": {}, "fts5_docs": len(docs)}
    if not reuse:
        with app.app_context():
            session = get_session()
            create_user(session, password=ADMIN[1], email=ADMIN[0], name="Bench",
                        role=Role.admin)
            session.commit()
        start = time.perf_counter()
        count = service.rebuild()
        seconds = time.perf_counter() - start
        result.update(documents=count, index_seconds=seconds, index_rate_docs=count / seconds,
                      index_bytes=dir_size(service.store.current_dir()))
        result["load"]["index"] = load()
        print(f"[{size}] consult index: {count} documents in {seconds:.0f} s "
              f"(load {load()})", flush=True)
        rate, fsize = fts5_build(folder / "fts5.sqlite3", docs)
        result.update(fts5_rate=rate, fts5_bytes=fsize)
        print(f"[{size}] FTS5: {len(docs)} documents at {rate:,.0f}/s (load {load()})",
              flush=True)
    else:
        result["documents"] = sum(service.status()["index"].values())
    queries = first_time_queries(docs, facts["stakeholder"], per_kind,
                                 random.Random(_query_seed(size, seed)) if seed else rnd)
    result["queries"] = queries
    consult_repeat(app, queries[:3])  # segment columns loaded, as in a running worker
    result["consult_first"] = consult_first_time(app, queries)
    result["fts5_first"] = fts5_queries(folder / "fts5.sqlite3", queries, fresh=True)
    result["consult_first_facets"] = consult_first_time(app, queries, facets=True)
    result["consult_repeat"] = consult_repeat(app, queries)
    result["fts5_repeat"] = fts5_queries(folder / "fts5.sqlite3", queries, fresh=False)
    result["load"]["queries"] = load()
    app.extensions["consult.engine"].dispose()
    report([result])
    if saves:
        http_queries = first_time_queries(docs, facts["stakeholder"], 4,
                                          random.Random(_query_seed(size, seed, 1)))
        try:
            result["http"], result["fresh"] = http_measurements(folder, url, http_queries,
                                                                saves)
        except OSError as exc:
            print(f"[{size}] HTTP measurements failed: {exc!r} (load {load()})", flush=True)
        result["load"]["http"] = load()
    if pg_url:
        result["pg"] = run_pg(size, pg_url, queries, http_queries if saves else [], saves,
                              reuse=bool(reuse))
        report_pg(result)
    return result


def run_pg_only(size: int, per_kind: int, saves: int, reuse: bool, pg_url: str,
                seed: int = 0) -> dict:
    """The PostgreSQL backend alone (no Whoosh, no FTS5: at 1M points their builds take
    hours on a shared machine): build or reuse the corpus, the same kinds of first-time
    queries, HTTP p50/p95 and saved -> found."""
    if not (reuse and _pg_filled(pg_url, size)):
        _pg_build(size, pg_url, {"DATABASE_URL": pg_url, "SECRET_KEY": "bench",
                                 "INSTANCE_PATH": tempfile.mkdtemp(prefix="searchbench-pg-"),
                                 "SEARCH_MODE": "inline", "SEARCH_BACKEND": "postgres"},
                  resume=reuse)[0].extensions["consult.engine"].dispose()
    store_html(pg_url)
    facts = existing_docs(pg_url, size)
    queries = first_time_queries(facts["docs"], facts["stakeholder"], per_kind,
                                 random.Random(_query_seed(size, seed)))
    http_queries = first_time_queries(facts["docs"], facts["stakeholder"], 4,
                                      random.Random(_query_seed(size, seed, 1))) if saves else []
    p = run_pg(size, pg_url, queries, http_queries, saves, reuse=True)
    print()
    print(f"## {size:,} points: PostgreSQL backend alone ({p['documents']:,} documents, "
          f"{p['index_bytes'] / 2**20:,.0f} MB)")
    print(f"first-time queries, p50 / p95 ms [load {p['load']['queries']}]:")
    print("| kind | PostgreSQL | PostgreSQL + facets | repeat |")
    print("|---|---|---|---|")
    for kind in [*KIND_ORDER, "all"]:
        a, b, c = ((flat(p[n]) if kind == "all" else p[n][kind])
                   for n in ("first", "first_facets", "repeat"))
        print(f"| {kind} | {ms(a)} | {ms(b)} | {ms(c)} |")
    if "http" in p:
        print(f"HTTP search, first time, p50/p95 ms: {ms(p['http'])}; saved -> found: "
              f"{ms(p['fresh'])} [load {p['load']['http']}]")
    return {"size": size, "pg": p}


def flat(d):
    return [x for v in d.values() for x in v]


def report(results: list[dict]) -> None:
    for r in results:
        print()
        print(f"## {r['size']:,} points ({r['documents']:,} consult documents, "
              f"{r['fts5_docs']:,} FTS5 documents; {r['vocabulary_200k']:,} distinct words "
              "in the first 200,000)")
        ratio = r["index_rate_docs"] / r["fts5_rate"] if "fts5_rate" in r else None
        if ratio is not None:
            print(f"bulk index: consult {r['index_rate_docs']:,.0f} documents/s "
                  f"({r['index_rate_docs'] * r['size'] / r['documents']:,.0f} points/s) in "
                  f"{r['index_seconds']:.0f} s, {r['index_bytes'] / 2**20:,.0f} MB; FTS5 "
                  f"{r['fts5_rate']:,.0f} documents/s, {r['fts5_bytes'] / 2**20:,.0f} MB; "
                  f"ratio {ratio:.2f} (target >= 0.10: "
                  f"{'met' if ratio >= 0.1 else 'NOT met'}) [load {r['load']['index']}]")
        print(f"first-time queries, p50 / p95 ms [load {r['load']['queries']}]:")
        print("| kind | consult | consult + facets | FTS5 tuned | p95 ratio | "
              "repeat: consult | repeat: FTS5 |")
        print("|---|---|---|---|---|---|---|")
        rows = [(k, r["consult_first"][k], r["consult_first_facets"][k], r["fts5_first"][k],
                 r["consult_repeat"][k], r["fts5_repeat"][k]) for k in KIND_ORDER]
        rows.append(("all", *(flat(r[n]) for n in ("consult_first", "consult_first_facets",
                                                   "fts5_first", "consult_repeat",
                                                   "fts5_repeat"))))
        for kind, c, cf, f, cr, fr in rows:
            print(f"| {kind} | {ms(c)} | {ms(cf)} | {ms(f)} "
                  f"| {percentile(c, 95) / percentile(f, 95):.2f} | {ms(cr)} | {ms(fr)} |")
        overall = percentile(flat(r["consult_first"]), 95) / percentile(flat(r["fts5_first"]),
                                                                         95)
        print(f"target first-time p95 <= 1.5x FTS5: {overall:.2f} "
              f"({'met' if overall <= 1.5 else 'NOT met'})")
        if "fresh" not in r:
            continue
        print(f"HTTP search, first time, p50/p95 ms: {ms(r['http'])}; saved -> found over "
              f"{len(r['fresh'])} saves: {ms(r['fresh'])} (target p95 <= 1000 ms: "
              f"{'met' if percentile(r['fresh'], 95) <= 1000 else 'NOT met'}) "
              f"[load {r['load']['http']}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--saves", type=int, default=100,
                        help="saved -> found samples (0: no HTTP measurements)")
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument("--reuse", help="a folder this benchmark filled before (one size): "
                        "skip building, measure the queries again")
    parser.add_argument("--pg", help="also measure the PostgreSQL search backend on this "
                        "(empty, disposable) PostgreSQL database; with --reuse, a database "
                        "this benchmark filled before at that size is measured again as it is")
    parser.add_argument("--seed", type=int, default=0,
                        help="other query words than the default run's (for runs with --reuse: "
                        "seed 0 asks the words an earlier run asked, which the database has "
                        "cached since)")
    parser.add_argument("--pg-only", action="store_true",
                        help="measure only the PostgreSQL backend (--pg), no Whoosh or FTS5; "
                        "with --reuse (any value) a database filled before is measured again")
    args = parser.parse_args()
    if args.pg_only and not args.pg:
        parser.error("--pg-only needs --pg URL")
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        if args.pg_only:
            results.append(run_pg_only(size, args.per_kind, args.saves, args.reuse, args.pg,
                                       args.seed))
            continue
        results.append(run_size(size, args.per_kind, args.saves, args.reuse, args.pg,
                                args.seed))
        if "fresh" in results[-1]:
            report(results[-1:])
    if args.json:
        Path(args.json).write_text(json.dumps(results))


if __name__ == "__main__":
    main()

