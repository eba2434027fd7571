"""The stakeholder facet and filter of the PostgreSQL search backend at scale (issue 17: an
answer is filed under every sender it answers, ``search_document.stakeholders`` text[] with a
GIN index): EXPLAIN ANALYZE of the statements a search page runs, and the facet count over
the array beside the same count over the single ``stakeholder`` column (what it was before).

Usage: .venv/bin/python bench/search_senders_bench.py --database-url postgresql+psycopg://...
       [--points 10000] [--shared 0.3] [--rounds 5]

The consultation comes from bench/scale_data.add_consultation; then ``--shared`` of its
answers are made theme answers: each also covers one to three points of other reactions (so
of other senders). The table is rebuilt, and each statement timed ``--rounds`` times (median,
ms, the 1-minute load average beside it). Not part of the test command.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import scale_data  # noqa: E402
from consult import create_app, search  # noqa: E402
from consult.models import Point, Reaction, Response, ResponsePoint  # noqa: E402
from consult.search import query as q  # noqa: E402


def share_answers(engine, consultation_id: int, share: float, rnd: random.Random) -> int:
    """Let ``share`` of the consultation's answers also cover 1-3 points of other reactions;
    returns the number of links added."""
    with engine.begin() as conn:
        points = conn.execute(sa.select(Point.id, Point.reaction_id).join(Reaction).where(
            Reaction.consultation_id == consultation_id)).all()
        answers = conn.execute(sa.select(Response.id, Response.reaction_id).where(
            Response.consultation_id == consultation_id)).all()
        have = set(conn.execute(sa.select(ResponsePoint.response_id, ResponsePoint.point_id)
                                .join(Response).where(
                                    Response.consultation_id == consultation_id)).all())
        links = []
        for rid, reaction_id in rnd.sample(answers, int(len(answers) * share)):
            for pid, other in rnd.sample(points, 3)[:rnd.randint(1, 3)]:
                if other != reaction_id and (rid, pid) not in have:
                    have.add((rid, pid))
                    links.append({"response_id": rid, "point_id": pid})
        if links:
            conn.execute(sa.insert(ResponsePoint.__table__), links)
    return len(links)


def timed(conn, sql: str, params, rounds: int) -> tuple[float, float, str]:
    """(median ms, median load, the plan of the last round) of one statement."""
    took, loads, plan = [], [], ""
    for _ in range(rounds):
        start = time.perf_counter()
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).all()
        took.append((time.perf_counter() - start) * 1000)
        loads.append(os.getloadavg()[0])
        plan = "\n".join(r[0] for r in rows)
    return statistics.median(took), statistics.median(loads), plan


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--shared", type=float, default=0.3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from consult.db import upgrade

    upgrade(args.database_url)
    folder = Path("/tmp") / f"senders-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "bench",
                      "SEARCH_BACKEND": "postgres", "SEARCH_MODE": "off",
                      "INSTANCE_PATH": str(folder)})
    engine = app.extensions["consult.engine"]
    rnd = random.Random(args.points)
    cid = scale_data.add_consultation(engine, args.points, rnd,
                                      slug=f"senders-{args.points}-{os.getpid()}")
    links = share_answers(engine, cid, args.shared, rnd)
    service = search.service(app)
    documents = service.rebuild()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE search_document")
        multi = conn.exec_driver_sql(
            "SELECT count(*) FROM search_document WHERE cardinality(stakeholders) > 1"
        ).scalar_one()
        sender = conn.exec_driver_sql(
            "SELECT s FROM search_document, unnest(stakeholders) s WHERE kind = 'response' "
            "GROUP BY s ORDER BY count(*) DESC LIMIT 1").scalar_one()
    print(f"{args.points:,} points, {documents:,} documents, {links:,} extra answer links, "
          f"{multi:,} documents with several senders; medians of {args.rounds}, ms "
          f"(load average, 1 min)")
    # The statements one search page runs (facets, then the page), captured as sent.
    for label, text, filters in (
            ("everything of the consultation", "", {"consultation": str(cid)}),
            ("a word", "zorg", {}),
            ("a word, one sender", "zorg", {"stakeholder": sender}),
            ("one sender", "", {"stakeholder": sender})):
        sent = []

        def capture(_conn, _cursor, statement, parameters, _context, _many, sent=sent):
            sent.append((statement, parameters))

        sa.event.listen(engine, "before_cursor_execute", capture)
        try:
            found = service.find(q.Request(text=text, filters=filters), search.EVERYTHING)
        finally:
            sa.event.remove(engine, "before_cursor_execute", capture)
        print(f"\n== {label}: {found.total:,} results")
        with engine.connect() as conn:
            for statement, parameters in sent:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                what = "facets" if "UNION ALL" in statement else "page"
                ms, load, plan = timed(conn, statement, parameters, args.rounds)
                scans = sorted(set(re.findall(r"((?:Bitmap Index|Index|Seq|Index Only) Scan"
                                              r"(?: using \w+)? on \w+)", plan)))
                execution = re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)
                print(f"  {what:6}: {ms:8.1f} ms (execution {execution} ms, load {load:.1f})"
                      f"  {'; '.join(scans)}")
    # The stakeholder facet alone over the whole consultation: the array against the column.
    with engine.connect() as conn:
        where = "consultation = %(c)s AND internal != '1'"
        for label, sql in (
                ("stakeholder facet, array (now)",
                 f"SELECT s, count(*) FROM search_document, unnest(stakeholders) s "
                 f"WHERE {where} GROUP BY s"),
                ("stakeholder facet, column (before)",
                 f"SELECT stakeholder, count(*) FROM search_document WHERE {where} "
                 f"GROUP BY stakeholder"),
                ("stakeholder filter, array @> (now)",
                 "SELECT count(*) FROM search_document WHERE stakeholders @> ARRAY[%(s)s]"),
                ("stakeholder filter, column = (before)",
                 "SELECT count(*) FROM search_document WHERE stakeholder = %(s)s")):
            ms, load, plan = timed(conn, sql, {"c": str(cid), "s": sender}, args.rounds)
            scans = sorted(set(re.findall(r"((?:Bitmap Index|Index|Seq|Index Only) Scan"
                                          r"(?: using \w+)? on \w+)", plan)))
            print(f"{label:38}: {ms:7.1f} ms (load {load:.1f})  {'; '.join(scans)}")


if __name__ == "__main__":
    main()
