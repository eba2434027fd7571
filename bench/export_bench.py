"""The Word and Excel tables before and after issue 15, in the same run.

Usage: .venv/bin/python bench/export_bench.py [--points 2000 10000] [--rounds 3]
Builds a SQLite database (demo + generated consultations, bench/scale_data.py), then times,
interleaved round by round, the old builders (tests/old_exports.py on reports.answered_table)
and the streamed exports (consult.exports.export_file, what the download runs). Medians in
ms, with the load average beside each figure. Not part of the test command.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale_data  # noqa: E402
from consult import create_app, exports, reports  # noqa: E402
from consult.consultations import get_consultation  # noqa: E402
from consult.db import get_session  # noqa: E402
from tests import old_exports  # noqa: E402

OLD = {"docx": old_exports.to_docx, "xlsx": old_exports.to_xlsx}


def run(session, consultation, kind: str, fmt: str) -> float:
    session.expunge_all()
    start = time.perf_counter()
    if kind == "old":
        OLD[fmt](reports.answered_table(session, consultation))
    else:
        file, _size, _points = exports.export_file(session, consultation, fmt)
        file.close()
    return (time.perf_counter() - start) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="exportbench-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    from consult.db import upgrade

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SEARCH_MODE": "off",
                      "INSTANCE_PATH": str(folder)})
    assert app.test_cli_runner().invoke(args=["consult", "demo"]).exit_code == 0
    engine = app.extensions["consult.engine"]
    slugs = {"demo": "holland-rijnland-jeugdhulp-2016"}
    for n in args.points:
        slugs[f"{n:,} points"] = f"export-{n}"
        scale_data.add_consultation(engine, n, random.Random(n), slug=f"export-{n}")
    samples: dict = {}
    with app.test_request_context("/"):  # Dutch labels, as in a download
        session = get_session()
        for _round in range(args.rounds):
            for name, slug in slugs.items():
                consultation = get_consultation(session, slug)
                for fmt in OLD:
                    for kind in ("old", "new"):
                        took = run(session, consultation, kind, fmt)
                        samples.setdefault((name, fmt, kind), []).append((took, os.getloadavg()[0]))
    print(f"medians of {args.rounds} interleaved rounds, ms (load average, 1 min)")
    for name in slugs:
        for fmt in OLD:
            old = statistics.median(t for t, _ in samples[(name, fmt, "old")])
            new = statistics.median(t for t, _ in samples[(name, fmt, "new")])
            load = statistics.median(la for _, la in samples[(name, fmt, "new")])
            print(f"{name:>14} {fmt}: old {old:8,.0f}  new {new:7,.0f}  {old / new:5.1f}x "
                  f"faster  (load {load:.1f})")


if __name__ == "__main__":
    main()
