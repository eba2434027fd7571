"""Search benchmark: consult's Whoosh index against SQLite FTS5 on the same corpus and queries.

Usage: .venv/bin/python bench/search_bench.py [--sizes 10000,100000,1000000] [--rounds 5]

Per size it builds a generated corpus of points (sentences of the real 2016 table and the seed
letters, recombined; 10 points a reaction, a response for 7 of 10 reactions, 300 stakeholders),
then measures, in one run:
- bulk index rate and index size (consult: `rebuild()`, i.e. `flask consult reindex`;
  FTS5: INSERT into an fts5 table with unicode61 remove_diacritics 2, the reference);
- engine query p50/p95 over a fixed mix of 30 queries (top 20 by relevance and the total), and
  the same for consult with facet counts (what the page needs);
- HTTP search p50/p95 through the real endpoint (gunicorn, 2 workers, logged in);
- save-to-findable: log a reaction with one point through the real intake endpoint, then
  poll the search page until the point is found.
Not part of the test command. The machine is shared: compare ratios within one run.
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
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

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


def fts5_query(text: str) -> str:
    """The same query in FTS5 syntax."""
    if text.startswith('"'):
        return text
    if " OR " in text:
        return " OR ".join(text.split(" OR "))
    words = text.split()
    positive = [w for w in words if not w.startswith("-")]
    negative = [w[1:] for w in words if w.startswith("-")]
    out = " AND ".join(f'"{w}"' if not w.endswith("*") else f'"{w[:-1]}"*' for w in positive)
    for w in negative:
        out += f' NOT "{w}"'
    return out


def sentences() -> list[str]:
    texts: list[str] = []
    data = yaml.safe_load(demo.DATA_FILE.read_text(encoding="utf-8"))
    for reaction in data["reactions"]:
        texts.extend(p["body"] for p in reaction.get("points", []))
        texts.extend(r["text"] for r in reaction.get("responses", []))
    for path in sorted((ROOT / "tests" / "fixtures").glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8"))
    found = []
    for text in texts:
        for s in re.split(r"(?<=[.!?])\s+|\n+", text):
            s = s.strip()
            if len(s.split()) >= 4:
                found.append(s)
    return found


def percentile(samples, p):
    """Nearest-rank percentile, as in bench/load.py (round() here took one rank too low)."""
    from math import ceil

    samples = sorted(samples)
    return samples[max(0, ceil(p * len(samples) / 100) - 1)]


def ms(samples):
    return f"{statistics.median(samples):7.1f} / {percentile(samples, 95):7.1f}"


# --- the corpus -------------------------------------------------------------------------


def build_database(url: str, size: int, rnd: random.Random) -> dict:
    """Fill an empty consult database with `size` points; returns facts for the queries."""
    upgrade(url)
    engine = sa.create_engine(url)
    pool = sentences()
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
    reactions, points, responses, links, routes = [], [], [], [], []
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
            body = " ".join(rnd.choice(pool) for _ in range(rnd.randint(1, 3)))
            points.append({"id": point_id, "reaction_id": r + 1, "number": str(n + 1),
                           "position": n, "body": body, "created_at": now, "updated_at": now,
                           "archived": False})
            covered.append(point_id)
        if rnd.random() < 0.7 and covered:
            rid = len(responses) + 1
            responses.append({
                "id": rid, "consultation_id": cid, "reaction_id": r + 1,
                "body": rnd.choice(pool), "status": rnd.choice(STATUSES), "decided_by": "",
                "position": rid, "version": 1, "created_at": now, "updated_at": now,
                "archived": False,
            })
            links.extend({"response_id": rid, "point_id": p} for p in covered)
            routes.append({"response_id": rid, "destination_id": (cid - 1) * 6 + 1
                           + rnd.randrange(6)})
    with engine.begin() as conn:
        for table, rows in ((Reaction, reactions), (Point, points), (Response, responses),
                            (ResponsePoint, links), (ResponseDestination, routes)):
            for start in range(0, len(rows), 20_000):
                conn.execute(sa.insert(table.__table__), rows[start:start + 20_000])
    engine.dispose()
    texts = [(p["id"], p["body"], reactions[p["reaction_id"] - 1]["stakeholder_id"])
             for p in points]
    first = [p["id"] for p in points if reactions[p["reaction_id"] - 1]["consultation_id"] == 1]
    return {"texts": texts, "stakeholder": reactions[0]["stakeholder_id"],
            "responses": len(responses), "first_consultation_points": first}


def kind_name(kind: str) -> str:
    return {"municipality": "Gemeente", "executive": "College", "council": "Gemeenteraad",
            "advisory_board": "Adviesraad", "council_faction": "Fractie"}[kind]


# --- consult (Whoosh) ------------------------------------------------------------------------


def engine_queries(app, stakeholder: int, rounds: int, facets: bool,
                   cold: bool = False) -> dict[str, list[float]]:
    """Milliseconds per query kind. cold: the decoded-postings cache is emptied before every
    query (the arrays read once per segment stay), i.e. the first time a term is asked."""
    from consult.search import matching

    service = search.service(app)
    by_kind: dict[str, list[float]] = {}
    scope = q.Scope(frozenset(), frozenset())

    def run(searcher, request):
        if facets:
            return q.search(searcher, request, scope)
        return q.search_top(searcher, request, scope)

    for _round in range(rounds):
        for label, text, filtered in QUERIES:
            filters = {"stakeholder": str(stakeholder)} if filtered else {}
            request = q.Request(text=text, filters=filters)
            if cold:
                matching.POSTINGS.entries.clear()
                matching.POSTINGS.size = 0
            start = time.perf_counter()
            service.store.read(lambda s, r=request: run(s, r))
            by_kind.setdefault(label, []).append((time.perf_counter() - start) * 1000)
    return by_kind


# --- FTS5 (the reference) ----------------------------------------------------------------------


def fts5(path: Path, texts, stakeholder: int, rounds: int):
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(body, stakeholder UNINDEXED, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO fts(rowid, body, stakeholder) VALUES (?, ?, ?)", texts)
    rate = len(texts) / (time.perf_counter() - start)
    conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    conn.commit()
    size = path.stat().st_size
    by_kind: dict[str, list[float]] = {}
    for _round in range(rounds):
        for label, text, filtered in QUERIES:
            match = fts5_query(text)
            extra, args = (" AND stakeholder = ?", [stakeholder]) if filtered else ("", [])
            start = time.perf_counter()
            conn.execute(
                f"SELECT rowid FROM fts WHERE fts MATCH ?{extra} ORDER BY rank LIMIT 20",
                [match, *args],
            ).fetchall()
            conn.execute(f"SELECT count(*) FROM fts WHERE fts MATCH ?{extra}",
                         [match, *args]).fetchone()
            by_kind.setdefault(label, []).append((time.perf_counter() - start) * 1000)
    conn.close()
    return rate, size, by_kind


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


def http_measurements(folder: Path, url: str, stakeholder: int, rounds: int):
    port = free_port()
    env = {**os.environ, "CONSULT_DATABASE_URL": url, "CONSULT_INSTANCE_PATH": str(folder),
           "CONSULT_SECRET_KEY": "bench", "CONSULT_INSECURE_COOKIES": "1",
           "CONSULT_SEARCH_MODE": "thread"}
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
        for _label, text, _f in QUERIES[:4]:  # warm both workers' readers
            client.get("/zoeken?" + urllib.parse.urlencode({"q": text}))
            client.get("/zoeken?" + urllib.parse.urlencode({"q": text}))
        samples = []
        for _round in range(rounds):
            for _label, text, filtered in QUERIES:
                args = {"q": text, **({"stakeholder": stakeholder} if filtered else {})}
                start = time.perf_counter()
                client.get("/zoeken?" + urllib.parse.urlencode(args))
                samples.append((time.perf_counter() - start) * 1000)
        fresh = []
        rnd = random.Random(5)
        for n in range(20):
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


def run_size(size: int, rounds: int, http_rounds: int) -> dict:
    rnd = random.Random(size)
    folder = Path(tempfile.mkdtemp(prefix=f"searchbench-{size}-"))
    url = f"sqlite:///{folder / 'consult.sqlite3'}"
    start = time.perf_counter()
    facts = build_database(url, size, rnd)
    print(f"[{size}] database filled in {time.perf_counter() - start:.0f} s", flush=True)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder),
                      "SEARCH_MODE": "inline"})
    with app.app_context():
        session = get_session()
        create_user(session, password=ADMIN[1], email=ADMIN[0], name="Bench", role=Role.admin)
        session.commit()
    service = search.service(app)
    start = time.perf_counter()
    docs = service.rebuild()
    seconds = time.perf_counter() - start
    result = {
        "size": size, "documents": docs, "index_seconds": seconds,
        "index_rate_points": size / seconds, "index_rate_docs": docs / seconds,
        "index_bytes": dir_size(service.store.current_dir()),
    }
    print(f"[{size}] consult index: {docs} documents in {seconds:.0f} s", flush=True)
    engine_queries(app, facts["stakeholder"], 1, True)  # warm the caches once
    plain = engine_queries(app, facts["stakeholder"], rounds, False)
    result["engine_cold"] = engine_queries(app, facts["stakeholder"], rounds, False, cold=True)
    faceted = engine_queries(app, facts["stakeholder"], rounds, True)
    rate, fsize, fts = fts5(folder / "fts5.sqlite3", facts["texts"], facts["stakeholder"], rounds)
    result.update(fts5_rate=rate, fts5_bytes=fsize)
    result["engine"] = {k: v for k, v in plain.items()}
    result["engine_facets"] = {k: v for k, v in faceted.items()}
    result["fts5"] = fts
    app.extensions["consult.engine"].dispose()
    http_samples, fresh = http_measurements(folder, url, facts["stakeholder"], http_rounds)
    result["http"] = http_samples
    result["fresh"] = fresh
    return result


def report(results: list[dict]) -> None:
    print()
    print("| points | index rate (points/s) consult / FTS5 | index size consult / FTS5 "
          "| engine p50/p95 ms consult | cold term cache | + facets | FTS5 | p95 ratio (cold) "
          "| HTTP p50/p95 ms | saved→found p50/p95 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        def flat(d):
            return [x for v in d.values() for x in v]
        e, ef, f = flat(r["engine"]), flat(r["engine_facets"]), flat(r["fts5"])
        ec = flat(r["engine_cold"])
        print(
            f"| {r['size']:,} | {r['index_rate_points']:,.0f} / {r['fts5_rate']:,.0f} "
            f"| {r['index_bytes'] / 2**20:,.0f} MB / {r['fts5_bytes'] / 2**20:,.0f} MB "
            f"| {ms(e)} | {ms(ec)} | {ms(ef)} | {ms(f)} "
            f"| {percentile(e, 95) / percentile(f, 95):.2f} "
            f"({percentile(ec, 95) / percentile(f, 95):.2f}) | {ms(r['http'])} "
            f"| {ms(r['fresh'])} |"
        )
    print()
    for r in results:
        print(f"{r['size']:,} points, per query kind, p50/p95 ms "
              "(consult | cold term cache | +facets | FTS5):")
        for kind in r["engine"]:
            print(f"  {kind:<7} {ms(r['engine'][kind])} | {ms(r['engine_cold'][kind])} | "
                  f"{ms(r['engine_facets'][kind])} | {ms(r['fts5'][kind])}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--http-rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        results.append(run_size(size, args.rounds, args.http_rounds))
        report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
