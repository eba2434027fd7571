"""A councillor's "Nieuw" with the points of interest kept per process against the same
page with them gathered by the subquery on every request, alternating, in one process.

Usage (on an installation bench/scale_data.py made, SQLite or PostgreSQL):
    .venv/bin/python bench/interest_bench.py --database-url URL --instance DIR [--rounds 25]

e.g. ``--database-url sqlite:////work/scale-copy/instance/consult.sqlite3 --instance
/work/scale-copy/instance`` (a copy: the page records nothing, but the bench opens it as the
app does), or the PostgreSQL database ``bench/postgres-prod-up`` serves. Prints, per variant,
the median and p95 (nearest rank) of ``follows.new_counts`` for the demo's councillor and of
the whole page worked out again (Flask test client; the page kept per reader state,
news.kept_page, is forgotten before each), with the load average: the two variants differ
only in ``follows._kept_interesting`` (kept: the ids bound as one parameter, db.among;
asked: None, so the ``live_interesting`` subquery).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale  # noqa: E402


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(url: str, instance: Path, rounds: int) -> dict[str, dict[str, list[float]]]:
    """{variant: {"new_counts": [ms...], "page": [ms...]}} over ``rounds`` alternating rounds."""
    from sqlmodel import select

    from consult import access, follows
    from consult.db import get_session
    from consult.models import User

    app = scale.make_app({"url": url, "instance": instance})
    kept = follows._kept_interesting
    variants = {"kept": kept, "asked": lambda s, u, ids: None}
    client = scale.client(app, "councillor")
    times = {name: {"new_counts": [], "page": []} for name in variants}
    try:
        with app.app_context():
            session = get_session()
            user = session.exec(select(User).where(User.email == scale.ACCOUNTS["councillor"][0])
                                ).one()
            readable = {c.id for c in access.readable_consultations(user)}
            for r in range(rounds):
                for name in (list(variants) if r % 2 else list(reversed(variants))):
                    follows._kept_interesting = variants[name]
                    start = time.perf_counter()
                    follows.new_counts(session, user, readable, set(), limit=follows.NEW_PAGE + 1)
                    times[name]["new_counts"].append((time.perf_counter() - start) * 1000)
                    for shelf in ("nieuw", "news"):  # the kept page and items
                        app.extensions.pop(f"consult.memo.{shelf}", None)
                    start = time.perf_counter()
                    assert client.get("/nieuw").status_code == 200
                    times[name]["page"].append((time.perf_counter() - start) * 1000)
                print(f"round {r + 1}/{rounds}, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
            session.rollback()
    finally:
        follows._kept_interesting = kept
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instance", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    os.environ.setdefault("CONSULT_SEARCH_TAKE_OVER", "1")
    os.environ["CONSULT_SHARED_CACHE_MB"] = "0"  # what is kept stays in this process
    before = os.getloadavg()[0]
    times = measure(args.database_url, args.instance, args.rounds)
    print(f"\nload average {before:.2f} -> {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    print("| variant | new_counts median / p95 ms | page median / p95 ms |")
    print("|---|---|---|")
    for name, figures in times.items():
        cells = [f"{statistics.median(v):.1f} / {_p95(v):.1f}" for v in figures.values()]
        print(f"| {name} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
