"""The answered table per theme (``/tabel?orde=thema``), timed at scale beside the table per
reaction: the first page, a later page (its ``na`` link), and the Word and Excel downloads,
each a request through the app (the test client, as a visitor of the published consultation).

Usage: .venv/bin/python bench/theme_table_bench.py [--points 10000] [--themes 60] [--rounds 5]
       [--database-url postgresql+psycopg://...]  (default: a fresh SQLite file)
       [--no-downloads]  (the pages only)

The consultation comes from bench/scale_data.add_consultation; its themes are inserted in bulk
as the board would leave them: ``--themes`` themes, each point in one theme (70 %), two (15 %)
or none (15 %). Medians in ms, with the load average beside each; then the page per theme as a
function, its order worked out on every request as it first was and kept per figures revision
as now, in the same run. Not part of the test command.
"""

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import scale_data  # noqa: E402
from consult import create_app  # noqa: E402
from consult.models import Point, Reaction  # noqa: E402
from consult.themes.models import Theme, ThemePoint  # noqa: E402


def add_themes(engine, consultation_id: int, count: int, rnd: random.Random) -> int:
    """``count`` themes holding the consultation's points (see the module); returns the number
    of links."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ids = [conn.execute(sa.insert(Theme.__table__).values(
            consultation_id=consultation_id, title=f"Thema {n}: {rnd.random():.4f}",
            description="Wat meerdere indieners over dit onderwerp schreven.\nTweede regel.",
            position=n, archived=False, created_at=now, updated_at=now)).inserted_primary_key[0]
            for n in range(1, count + 1)]
        points = conn.execute(sa.select(Point.id).join(Reaction).where(
            Reaction.consultation_id == consultation_id)).scalars().all()
        links = []
        for point_id in points:
            draw = rnd.random()
            for theme_id in rnd.sample(ids, 2 if draw < 0.15 else 1 if draw < 0.85 else 0):
                links.append({"theme_id": theme_id, "point_id": point_id, "added_at": now})
        conn.execute(sa.insert(ThemePoint.__table__), links)
    return len(links)


def python_page(session, consultation, after=None):
    """The first version of table.theme_page (before issue 17's leftovers): the whole order
    worked out (table.order) on every request, then cut. Kept here to be timed beside the
    order kept per figures revision in the same run."""
    from consult.themes import table

    found = table.order(session, consultation)
    keys = [e.key for e in found.entries]
    start = 0 if after is None else (keys.index(after) + 1 if after in keys else len(keys))
    part = next(table._parts(found.entries[start:], table.PAGE_REACTIONS, table.PAGE_POINTS),
                [])
    begun = {e.section for e in found.entries[:start]}
    sections = table._sections(table.Reader(session, consultation, None), found.themes, part,
                               begun) if part else []
    end = start + len(part)
    return table.ThemePage(sections, table.Filters(), after,
                           keys[end - 1] if end < len(keys) else None)


def compare_pages(app, slug: str, rounds: int) -> None:
    """Page 1 and 2 of the table per theme as functions, in one run: the order worked out in
    Python on every request (before) beside the order kept per figures revision (now): its
    first request after a change (cold), then page 1 again and page 2 (kept). Medians with
    the load average; each round starts with a change (the revision raised)."""
    from consult import revisions
    from consult.db import get_session
    from consult.models import Consultation
    from consult.themes import table

    with app.app_context():
        session = get_session()
        consultation = session.exec(sa.select(Consultation).where(
            Consultation.slug == slug)).scalar_one()
        second = table.theme_page(session, consultation).next_after
        assert python_page(session, consultation).next_after == second
        samples: dict = {}

        def run(label, page, after):
            start = time.perf_counter()
            got = page(session, consultation, after=after)
            samples.setdefault(label, []).append(((time.perf_counter() - start) * 1000,
                                                  os.getloadavg()[0]))
            return [(s.title, len(s.blocks)) for s in got.sections]

        for _round in range(rounds):
            revisions.bump(session, [consultation.id])
            session.commit()
            now = run("kept order (now), page 1, first after a change", table.theme_page, None)
            assert run("kept order (now), page 1 again", table.theme_page, None) == now
            later = run("kept order (now), page 2", table.theme_page, second)
            assert run("python order (before), page 1", python_page, None) == now
            assert run("python order (before), page 2", python_page, second) == later
            session.rollback()
    print("theme_page as a function (the same sections from both):")
    for label, got in sorted(samples.items()):
        took = statistics.median(t for t, _ in got)
        load = statistics.median(la for _, la in got)
        print(f"  {label:48}: {took:8,.1f} ms  (load {load:.1f})")


def timed(client, url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    response = client.get(url)
    took = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return took, response.data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--themes", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--no-downloads", action="store_true",
                        help="time the pages only (not Word and Excel)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="themetable-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    from consult.db import upgrade

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SEARCH_MODE": "off",
                      "INSTANCE_PATH": str(folder)})
    engine = app.extensions["consult.engine"]
    slug = f"themes-{args.points}-{os.getpid()}"
    cid = scale_data.add_consultation(engine, args.points, random.Random(args.points), slug=slug)
    links = add_themes(engine, cid, args.themes, random.Random(1))
    base = f"/consultaties/{slug}/tabel"
    client = app.test_client()
    second = {}
    for order, query in (("per reaction", ""), ("per theme", "?orde=thema")):
        html = client.get(base + query).get_data(as_text=True)
        more = re.search(r'id="meer-reacties"[^>]*hx-get="([^"]+)"', html)
        second[order] = more.group(1).replace("&amp;", "&") if more else None
    samples: dict = {}
    sizes: dict = {}
    for _round in range(args.rounds):
        for order, query in (("per reaction", ""), ("per theme", "?orde=thema")):
            for what, target in (("page 1", base + query), ("page 2", second[order]),
                                 ("docx", f"{base}.docx{query}"),
                                 ("xlsx", f"{base}.xlsx{query}"))[:2 if args.no_downloads
                                                                   else 4]:
                took, data = timed(client, target)
                samples.setdefault((order, what), []).append((took, os.getloadavg()[0]))
                sizes[(order, what)] = len(data)
    print(f"{args.points:,} points, {args.themes} themes, {links:,} theme links; "
          f"{engine.dialect.name}; medians of {args.rounds} rounds, ms (load average, 1 min)")
    for (order, what), got in samples.items():
        took = statistics.median(t for t, _ in got)
        load = statistics.median(la for _, la in got)
        print(f"{order:>13} {what:7}: {took:8,.0f} ms  {sizes[(order, what)]:>11,} bytes  "
              f"(load {load:.1f})")
    compare_pages(app, slug, args.rounds)


if __name__ == "__main__":
    main()
