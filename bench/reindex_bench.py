"""A reindex of a realistic installation against SQLite FTS5, in the same run (issue 15, point 5:
"a reindex of the realistic 120k installation at >= 0.1x FTS5's rate").

    .venv/bin/python bench/scale_data.py /work/scale         # once: the 120k installation
    .venv/bin/python bench/reindex_bench.py /work/scale [--rounds 2]

Each round, on a copy of the installation's SQLite database:

1. **consult**: ``search.service(app).rebuild()``, what ``flask consult reindex`` runs (one
   process per core from PARALLEL_FROM points on): documents read from the database, analysed
   and written as Whoosh segments, then swapped in.
2. **FTS5 fed from the database**: the same documents (``documents.all_documents``, the same
   text) inserted into the tuned FTS5 table of bench/search_bench.py (``prefix='2 3 4'``,
   unicode61 without diacritics) as they are read, in one transaction: the like-for-like
   reindex.
3. **FTS5 from memory**: the same documents, already read, inserted again into a fresh table:
   the reference the search benchmark has always used (harsher: no reading counted). The
   target is judged against it.

Documents/s, seconds, the 1-minute load average before and after each part, the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET = 0.1


def one_round(source: Path, folder: Path) -> dict:
    """The three builds on a fresh copy of the instance folder ``source`` (its
    consult.sqlite3; its search folder is not copied): their rates and loads."""
    from sqlmodel import Session

    from bench.search_bench import fts5_build
    from consult import create_app, search
    from consult.search import documents

    instance = folder / "instance"
    shutil.rmtree(instance, ignore_errors=True)
    shutil.copytree(source, instance, ignore=shutil.ignore_patterns("search"))
    app = create_app({"DATABASE_URL": f"sqlite:///{instance / 'consult.sqlite3'}",
                      "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "SEARCH_MODE": "inline", "SEARCH_TAKE_OVER": True})
    out: dict = {}
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    count = search.service(app).rebuild()
    out["consult"] = {"documents": count, "seconds": time.perf_counter() - start,
                      "main_process_cpu": time.process_time() - cpu,
                      "load": [load, os.getloadavg()[0]]}
    kept: list[tuple[int, str, str]] = []

    def stream():
        with Session(app.extensions["consult.engine"]) as session:
            for n, doc in enumerate(documents.all_documents(session), 1):
                row = (n, doc.get("body") or "", doc.get("stakeholder") or "0")
                kept.append(row)
                yield row

    for name, rows in (("fts5_fed", stream), ("fts5_memory", lambda: iter(kept))):
        load = os.getloadavg()[0]
        rate, _bytes = fts5_build(folder / f"{name}.sqlite3", rows())
        out[name] = {"documents": len(kept), "seconds": len(kept) / rate,
                     "load": [load, os.getloadavg()[0]]}
    app.extensions["consult.engine"].dispose()
    for part in out.values():
        part["rate"] = part["documents"] / part["seconds"]
    out["ratio_memory"] = out["consult"]["rate"] / out["fts5_memory"]["rate"]
    out["ratio_fed"] = out["consult"]["rate"] / out["fts5_fed"]["rate"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("installation", type=Path, help="a folder bench/scale_data.py prepared")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the rounds as JSON")
    args = parser.parse_args()
    if not (args.installation / "READY").exists():
        raise SystemExit(f"{args.installation} holds no prepared installation (READY)")
    rounds = []
    with tempfile.TemporaryDirectory(prefix="reindex-bench-") as folder:
        for n in range(1, args.rounds + 1):
            result = one_round(args.installation / "instance", Path(folder))
            rounds.append(result)
            print(f"round {n}: {line(result)}", flush=True)
    print(verdict(rounds))
    if args.json:
        args.json.write_text(json.dumps(rounds, indent=2))


def line(result: dict) -> str:
    """One round in one line."""
    c, fed, mem = result["consult"], result["fts5_fed"], result["fts5_memory"]
    return (f"consult {c['documents']:,} documents in {c['seconds']:.1f} s = "
            f"{c['rate']:,.0f}/s (load {c['load'][0]:.1f}->{c['load'][1]:.1f}); "
            f"FTS5 fed from the database {fed['rate']:,.0f}/s "
            f"(load {fed['load'][0]:.1f}->{fed['load'][1]:.1f}); "
            f"FTS5 from memory {mem['rate']:,.0f}/s "
            f"(load {mem['load'][0]:.1f}->{mem['load'][1]:.1f}); "
            f"ratio {result['ratio_memory']:.3f} (from memory), "
            f"{result['ratio_fed']:.3f} (fed)")


def verdict(rounds: list[dict]) -> str:
    """The worst round against the target (consult uses every core, FTS5 one: said so)."""
    worst = min(r["ratio_memory"] for r in rounds)
    return (f"reindex at {worst:.3f}x FTS5's rate from memory in the worst round "
            f"(target >= {TARGET}x): {'PASS' if worst >= TARGET else 'FAIL'}; consult's "
            f"reindex uses up to {os.cpu_count()} processes here, FTS5 one")


if __name__ == "__main__":
    main()
