"""Time the demo load and the main pages on a real SQLite file (not part of the test command).

Usage: .venv/bin/python bench/pages_bench.py [--rounds 200]
Prints medians and 95th percentiles in milliseconds; run it twice on a noisy machine.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import SQLModel, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult import create_app, demo  # noqa: E402
from consult.db import get_session, upgrade  # noqa: E402
from consult.models import Reaction  # noqa: E402


def timed(fn, rounds):
    """Milliseconds per call over the given number of rounds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(name, samples):
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{name:<38} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})

    start = time.perf_counter()
    upgrade(url)
    print(f"{'migrations (fresh SQLite file)':<38} {1000 * (time.perf_counter() - start):7.1f} ms")
    with app.app_context():
        session = get_session()
        start = time.perf_counter()
        demo.load(session)
        session.commit()
        print(f"{'demo load (17 reactions, 204 points)':<38} "
              f"{1000 * (time.perf_counter() - start):7.1f} ms")
        joint = session.exec(select(Reaction).where(Reaction.title.startswith("Gezamenlijke"))).one()
    assert SQLModel.metadata.tables  # models imported

    client = app.test_client()
    slug = "holland-rijnland-jeugdhulp-2016"
    for name, path in [
        ("GET / (consultations)", "/"),
        ("GET consultation page", f"/consultaties/{slug}"),
        ("GET reaction page (76 points)", f"/consultaties/{slug}/reacties/{joint.id}"),
    ]:
        assert client.get(path).status_code == 200
        summary(name, timed(lambda p=path: client.get(p), args.rounds))


if __name__ == "__main__":
    main()
