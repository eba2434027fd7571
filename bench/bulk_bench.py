"""Bulk actions on a 10,000-point consultation (issue 17): the selection page, and "select all"
with each bulk action and its undo, timed once each: wall clock, and the CPU time of this
process (on SQLite that includes the database's work; on a shared machine the wall clock
depends on the load, printed beside it).

Usage: .venv/bin/python bench/bulk_bench.py [--points 10000] [--url DATABASE_URL]
Without --url a fresh SQLite file in a temporary folder; with a PostgreSQL URL that database is
emptied first. The demo is loaded (for its accounts), then a generated consultation
(bench/scale_data.add_consultation: ~10 points per letter, ~30 % answered).
"""

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bench import scale, scale_data  # noqa: E402
from consult import create_app, demo  # noqa: E402
from consult.db import get_session  # noqa: E402

SLUG = "bulk-bench"


def build(url: str, folder: str, points: int):
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "SEARCH_MODE": "off", "SESSION_COOKIE_SECURE": False})
    engine = app.extensions["consult.engine"]
    if engine.dialect.name == "postgresql":
        SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    scale_data.add_consultation(engine, points, random.Random(17), slug=SLUG)
    return app


def timed(what: str, call):
    started, cpu = time.perf_counter(), time.process_time()
    response = call()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{what:<36} wall {seconds:7.2f} s  cpu {cpu:7.2f} s  HTTP {response.status_code}  "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:500]
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bulk-bench-")
    url = args.url or f"sqlite:///{os.path.join(folder, 'consult.sqlite3')}"
    started = time.perf_counter()
    app = build(url, folder, args.points)
    print(f"built {args.points} points on {url.split(':')[0]} in "
          f"{time.perf_counter() - started:.1f} s; load {os.getloadavg()[0]:.1f}")
    scale.ACCOUNTS.setdefault("admin", ("beheer@consult.example", "demo-beheer-2016"))
    admin = scale.client(app, "admin")
    base = f"/consultaties/{SLUG}/selectie"
    page = timed("selection page (all points, page 1)", lambda: admin.get(base))
    print("  ", re.search(r'id="match-count">([^<]*)', page.get_data(as_text=True)).group(1))
    with app.app_context():
        cid, dest = get_session().execute(sa.text(
            "SELECT c.id, min(d.id) FROM consultation c JOIN destination d "
            "ON d.consultation_id = c.id WHERE c.slug = :s GROUP BY c.id"), {"s": SLUG}).one()
    post = lambda data: admin.post(base, data={"csrf_token": admin.csrf, "scope": "all",  # noqa: E731
                                               **data})

    def undo():
        with app.app_context():
            last = get_session().execute(sa.text("SELECT max(id) FROM bulkaction")).scalar()
        return admin.post(f"{base}/{last}/ongedaan", data={"csrf_token": admin.csrf})

    timed("route all to a destination", lambda: post({"action": "route", "destination_id": dest}))
    timed("  undo", undo)
    timed("set status of all to 'done'", lambda: post({"action": "status", "new_status": "done"}))
    timed("  undo", undo)
    with app.app_context():
        from consult.bulk.answertemplates import create_template
        from consult.models import Consultation
        session = get_session()
        template = create_template(session, None, session.get(Consultation, cid), "Bench",
                                   "{indiener}: punt {punt} gaat naar {bestemming}.")
        session.commit()
        template_id = template.id
    timed("answer all with a template", lambda: post({
        "action": "template", "template_id": template_id, "template_status": "proposed",
        "destination_ids": dest}))
    timed("  undo", undo)
    print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
