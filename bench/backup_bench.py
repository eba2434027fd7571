"""How long `flask consult backup` and `restore` take: the demo and a generated database.

    .venv/bin/python bench/backup_bench.py [--points 10000] [--postgres URL]

Each database is backed up through the CLI command (in process), then restored into a fresh
SQLite file and, with --postgres (an empty database: its public schema is dropped), into
PostgreSQL. Restore times include rebuilding the search index.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search_bench import build_database  # noqa: E402

from consult import create_app, demo  # noqa: E402
from consult.db import get_session, upgrade  # noqa: E402


def _app(url: str, instance: Path):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance),
                       "SEARCH_MODE": "off"})


def _run(app, *args) -> float:
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["consult", *args])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    for line in result.output.splitlines():
        # Every line but the progress labels: the results, in the command's language.
        if line.strip() and line not in ("Back-up maken", "Back-up terugzetten",
                                         "Zoekindex opbouwen"):
            print("   ", line)
    return time.perf_counter() - started


def measure(label: str, url: str, folder: Path, postgres: str | None) -> None:
    """Back up the database at ``url``, restore it into SQLite (and PostgreSQL)."""
    source = _app(url, folder / "instance")
    backup_seconds = _run(source, "backup", str(folder / "backups"))
    source.extensions["consult.engine"].dispose()
    (archive,) = (folder / "backups").glob("*.tar.gz")
    size = archive.stat().st_size
    print(f"{label}: backup {backup_seconds:.2f} s, {size / 1e6:.1f} MB")
    target = _app(f"sqlite:///{folder / 'restored.sqlite3'}", folder / "restored")
    print(f"{label}: restore into SQLite {_run(target, 'restore', str(archive)):.2f} s")
    target.extensions["consult.engine"].dispose()
    if postgres:
        from tests.conftest import reset_postgres

        reset_postgres(postgres)
        target = _app(postgres, folder / "restored-pg")
        print(f"{label}: restore into PostgreSQL {_run(target, 'restore', str(archive)):.2f} s")
        target.extensions["consult.engine"].dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to restore into")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="backupbench-"))

    url = f"sqlite:///{root / 'demo.sqlite3'}"
    upgrade(url)
    app = _app(url, root / "demo" / "instance")
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    app.extensions["consult.engine"].dispose()
    measure("demo", url, root / "demo", args.postgres)

    url = f"sqlite:///{root / 'generated.sqlite3'}"
    build_database(url, args.points, random.Random(1))
    measure(f"generated ({args.points:,} points)", url, root / "generated", args.postgres)


if __name__ == "__main__":
    main()
