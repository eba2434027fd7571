"""Where a search request's time goes: the search page through the app, per SQL statement.

Usage: .venv/bin/python bench/search_profile.py --url postgresql+psycopg://... [--backend postgres]
                                               [--instance DIR] [--profile] [--explain]

On a database that bench/search_bench.py filled (it holds the bench's admin user), each query
of search_bench.QUERIES is asked once through the Flask test client (logged in as the admin,
the whole page as a browser gets it): its wall time, the time spent in SQL statements and how
many ran, the slowest statements. ``--profile`` adds cProfile's top functions over all the
requests; ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of every SELECT one request runs
(PostgreSQL), for the first query given with ``--query`` (default: the first of QUERIES).

Not part of the test command; the machine is shared, so the load average is printed.
"""

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_bench import ADMIN, QUERIES, load  # noqa: E402
from consult import create_app  # noqa: E402


class Statements:
    """SQL statements and their durations (ms), recorded through the engine's events."""

    def __init__(self, engine):
        self.engine = engine
        self.rows: list[tuple[float, str, object]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["h1_start"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - conn.info.pop("h1_start", time.perf_counter())) * 1000
        self.rows.append((ms, statement, parameters))


def login(client) -> None:
    html = client.get("/inloggen").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    response = client.post("/inloggen", data={"email": ADMIN[0], "password": ADMIN[1],
                                              "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code


def explain(app, recorded) -> None:
    engine = app.extensions["consult.engine"]
    with engine.connect() as conn:
        for ms, sql, params in recorded:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            print(f"\n--- {ms:.1f} ms: {' '.join(sql.split())[:300]}")
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).all()
            print("\n".join(r[0] for r in plan))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--backend", default="postgres")
    parser.add_argument("--instance", help="instance folder (Whoosh: the bench's folder)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--query", help="the query --explain looks at")
    parser.add_argument("--rounds", type=int, default=1, help="times the query list is asked")
    args = parser.parse_args()
    folder = args.instance or tempfile.mkdtemp(prefix="searchprofile-")
    app = create_app({"DATABASE_URL": args.url, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": folder, "SEARCH_MODE": "inline",
                      "SEARCH_BACKEND": args.backend})
    recorded = Statements(app.extensions["consult.engine"])
    client = app.test_client()
    login(client)
    client.get("/zoeken?q=warm")
    queries = [(kind, q, s) for kind, q, s in QUERIES]
    stakeholder = None
    with app.extensions["consult.engine"].connect() as conn:
        stakeholder = conn.execute(text("SELECT stakeholder_id FROM reaction ORDER BY id "
                                        "LIMIT 1")).scalar()
    profiler = cProfile.Profile() if args.profile else None
    walls, sqls, counts = [], [], []
    print(f"{'kind':8} {'query':28} {'wall ms':>8} {'SQL ms':>7} {'stmts':>5}  slowest")
    for _round in range(args.rounds):
        for kind, q, filtered in queries:
            query = {"q": q, **({"stakeholder": stakeholder} if filtered else {})}
            recorded.rows.clear()
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            response = client.get("/zoeken?" + urllib.parse.urlencode(query))
            if profiler:
                profiler.disable()
            wall = (time.perf_counter() - start) * 1000
            assert response.status_code == 200
            sql = sum(ms for ms, _s, _p in recorded.rows)
            walls.append(wall)
            sqls.append(sql)
            counts.append(len(recorded.rows))
            slowest = sorted(recorded.rows, key=lambda r: -r[0])[:2]
            print(f"{kind:8} {q[:28]:28} {wall:8.1f} {sql:7.1f} {len(recorded.rows):5}  "
                  + "; ".join(f"{ms:.1f} {' '.join(s.split())[:60]}" for ms, s, _p in slowest))
    print(f"median wall {statistics.median(walls):.1f} ms, max {max(walls):.1f}; median SQL "
          f"{statistics.median(sqls):.1f} ms; statements {statistics.median(counts):.0f} "
          f"[load {load()}]")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    if args.explain:
        wanted = args.query or queries[0][1]
        recorded.rows.clear()
        client.get("/zoeken?" + urllib.parse.urlencode({"q": wanted}))
        explain(app, list(recorded.rows))
    app.extensions["consult.engine"].dispose()


if __name__ == "__main__":
    main()
