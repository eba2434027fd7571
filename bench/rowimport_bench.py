"""How long importing a large answered table takes, phase by phase, and how fast its points
reach the search index.

    .venv/bin/python bench/rowimport_bench.py [--points 10000] [--format csv|xlsx]
    CONSULT_INDEX_BULK_FROM=1000000000 .venv/bin/python bench/rowimport_bench.py  # per document

A table of POINTS points (10 per reaction, 100 stakeholders, answers shared by five points,
routed to the demo's destinations, texts from the 2016 table) is written as our export writes
it, then read (in the upload sandbox), checked and imported into the demo consultation on a
fresh SQLite file; the search outbox is then applied to the index. By default the outbox goes
through the bulk writer from 1,000 pending changes (consult/search/service.py, BULK_FROM).
"""

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from consult import create_app, demo, rowimport, search  # noqa: E402
from consult.consultations import get_consultation  # noqa: E402
from consult.db import get_session  # noqa: E402
from consult.processing import destination_paths  # noqa: E402

HEADER = ["Indiener", "Soort indiener", "Kanaal", "Nummer", "Kop", "Punt", "Toelichting",
          "Bestemmingen", "Status"]


def table(points: int, paths: list[str], texts: list[str]) -> list[list[str]]:
    rng = random.Random(2016)
    rows = []
    for n in range(points):
        who, number = n // 10 % 100, n % 10 + 1
        answer = f"Antwoord {n // 5}: " + rng.choice(texts)
        rows.append([f"Gemeenteraad Proef {who}", "gemeenteraad", "zienswijze", str(number),
                     "", f"{rng.choice(texts)} ({n})", answer,
                     "; ".join(sorted(rng.sample(paths, 2))), "vastgesteld"])
    return rows


def encode(rows, fmt: str) -> bytes:
    if fmt == "xlsx":
        book = Workbook()
        book.active.append(HEADER)
        for row in rows:
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows([HEADER, *rows])
    return ("\ufeff" + buffer.getvalue()).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--format", default="csv", choices=["csv", "xlsx"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "b",
                          "INSTANCE_PATH": tmp, "SEARCH_MODE": "off"})
        from sqlmodel import SQLModel

        SQLModel.metadata.create_all(app.extensions["consult.engine"])
        with app.app_context():
            session = get_session()
            demo.load(session)
            session.commit()
            service = search.service()
            service.rebuild()
            consultation = get_consultation(session, "holland-rijnland-jeugdhulp-2016")
            paths = list(destination_paths(session, consultation.id).values())
            texts = [p["body"] for r in demo.read_data()["reactions"] for p in r["points"]]
            data = encode(table(args.points, paths, texts), args.format)
            print(f"{args.points} points, {args.format}, {len(data):,} bytes")
            clock = time.perf_counter()
            found = rowimport.read_table(f"tabel.{args.format}", data)
            print(f"  read (sandbox)   {time.perf_counter() - clock:6.1f} s")
            clock = time.perf_counter()
            checked = rowimport.plan(session, consultation, found)
            assert checked.ok, checked.problems[:5]
            print(f"  check            {time.perf_counter() - clock:6.1f} s")
            clock = time.perf_counter()
            rowimport.apply(session, None, consultation, checked)
            session.commit()
            print(f"  import + commit  {time.perf_counter() - clock:6.1f} s")
            clock = time.perf_counter()
            service.mode = "inline"
            applied = service.drain()
            took = time.perf_counter() - clock
            print(f"  search index     {took:6.1f} s  ({applied} outbox rows, "
                  f"{args.points / took:,.0f} points/s)")
        app.extensions["consult.engine"].dispose()


if __name__ == "__main__":
    main()
