"""The answered table with its "Verwerkt in" column (issue 18), at size: one generated
consultation (bench.scale_data.add_consultation: ~16 % of its points landed), its first page,
the Word and the Excel download, timed through the test client as a user gets them.

Usage: .venv/bin/python bench/landed_bench.py [--points 10000] [--rounds 5]
Prints the median milliseconds of each. CONSULT_ROOT=<another clone> times that clone's code
on the same data (how the "before" figures were taken). Not part of the test command.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("CONSULT_ROOT", Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # scale_data: this clone's
sys.path.insert(0, str(ROOT))  # consult: the clone timed

import scale_data  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from consult import create_app, demo  # noqa: E402
from consult.db import get_session, upgrade  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="landedbench-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder),
                      "SEARCH_MODE": "off"})
    with app.app_context():
        demo.load(get_session())
        get_session().commit()
    engine = sa.create_engine(url)
    cid = scale_data.add_consultation(engine, args.points, random.Random(18), slug="groot")
    with engine.connect() as conn:
        landed = conn.execute(sa.text(
            "SELECT count(*) FROM landing JOIN point ON point.id = landing.point_id "
            "JOIN reaction ON reaction.id = point.reaction_id WHERE reaction.consultation_id = "
            ":c"), {"c": cid}).scalar()
    engine.dispose()
    print(f"code: {ROOT}; {args.points:,} points, {landed:,} landings")
    client = app.test_client()
    for name, path in (("page", "/consultaties/groot/openbaar"),
                       ("word", "/consultaties/groot/tabel.docx"),
                       ("excel", "/consultaties/groot/tabel.xlsx")):
        samples = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            response = client.get(path)
            body = response.get_data()
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"  {name:<6} median {statistics.median(samples):8.0f} ms "
              f"(min {min(samples):.0f}, max {max(samples):.0f}; {len(body) / 2**20:.1f} MB)")


if __name__ == "__main__":
    main()
