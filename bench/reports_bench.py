"""How long the exports take: the demo consultation and a generated one of 10,000 points.

Usage: .venv/bin/python bench/reports_bench.py [--points 10000] [--rounds 3]
Times the answered table as .docx, .xlsx and .csv, the printable page, and the answer letters
(one per stakeholder), through the same functions the web page and `flask consult export` use.
Medians of the rounds, in seconds. Not part of the test command.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consult import create_app, demo, reports  # noqa: E402
from consult import letters as answer_letters  # noqa: E402
from consult.consultations import get_consultation  # noqa: E402
from consult.db import get_session, upgrade  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from search_bench import build_database  # noqa: E402


def timed(fn, rounds):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def measure(app, slug: str, rounds: int, label: str) -> None:
    with app.test_request_context("/"):
        session = get_session()
        consultation = get_consultation(session, slug)
        seconds, table = timed(lambda: reports.answered_table(session, consultation), rounds)
        print(f"{label}: {len(table.points):,} points; reading the table {seconds:.2f} s")
        for fmt, (_mime, build) in reports.FORMATS.items():
            seconds, data = timed(lambda b=build: b(reports.answered_table(session, consultation)),
                                  rounds)
            print(f"  {fmt:<5} {seconds:6.2f} s  {len(data) / 2**20:6.1f} MB")
        client = app.test_client()
        seconds, response = timed(lambda: client.get(f"/consultaties/{slug}/tabel"), rounds)
        print(f"  page  {seconds:6.2f} s  {len(response.data) / 2**20:6.1f} MB (printable HTML)")
        seconds, response = timed(lambda: client.get(f"/consultaties/{slug}/dashboard"), rounds)
        assert response.status_code == 200, response.status_code
        print(f"  dashboard {seconds:6.2f} s (charts incl. status over time)")

        def letters():
            senders = answer_letters.senders(session, consultation)
            for stakeholder in senders:
                answer_letters.answer_letter(session, consultation, stakeholder, whole=False)
            return len(senders)

        seconds, count = timed(letters, 1)
        print(f"  letters {seconds:6.2f} s for {count} stakeholders")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="reportsbench-"))
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder),
                      "SEARCH_MODE": "off"})
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    measure(app, "holland-rijnland-jeugdhulp-2016", args.rounds, "demo consultation")

    url = f"sqlite:///{folder / 'generated.sqlite3'}"
    build_database(url, args.points, random.Random(1))
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # one consultation holding every generated point
        for table in ("reaction", "response"):
            conn.execute(sa.text(f"UPDATE {table} SET consultation_id = 1"))
        # The six destinations of consultation c are ids 6(c-1)+1 .. 6c: use the first six.
        conn.execute(sa.text(
            "UPDATE responsedestination SET destination_id = ((destination_id - 1) % 6) + 1"))
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": str(folder / "generated"), "SEARCH_MODE": "off"})
    measure(app, "consultatie-1", args.rounds, "generated consultation")


if __name__ == "__main__":
    main()
