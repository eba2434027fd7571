"""Time the demo load and the main pages on a real SQLite file (not part of the test command).

Usage: .venv/bin/python bench/pages_bench.py [--rounds 200]
Prints medians and 95th percentiles in milliseconds; run it twice on a noisy machine.
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consult import create_app, demo  # noqa: E402
from consult.db import get_session, upgrade  # noqa: E402
from consult.models import Point, Reaction  # noqa: E402


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
        joint = session.exec(
            select(Reaction).where(Reaction.title.startswith("Gezamenlijke"))
        ).one()
        point67 = session.exec(
            select(Point).where(Point.reaction_id == joint.id, Point.number == "67")
        ).one()

    client = app.test_client()
    slug = "holland-rijnland-jeugdhulp-2016"
    for name, path in [
        ("GET / (consultations)", "/"),
        ("GET consultation page", f"/consultaties/{slug}"),
        ("GET reaction page (76 points)", f"/consultaties/{slug}/reacties/{joint.id}"),
        ("GET thread of point 67", f"/consultaties/{slug}/punten/{point67.id}"),
        ("GET poll, nothing new (204)", f"/consultaties/{slug}/punten/{point67.id}/nieuw?na=10**9"),
    ]:
        path = path.replace("10**9", str(10**9))
        assert client.get(path).status_code in (200, 204)
        summary(name, timed(lambda p=path: client.get(p), args.rounds))

    # The composer's preview, as a secretary pastes Nieuwkoop's 42 points.
    secretary = app.test_client()
    html = secretary.get("/inloggen").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    secretary.post("/inloggen", data={"email": "secretaris@consult.example",
                                      "password": "demo-secretaris-2016", "csrf_token": token})
    letter = (ROOT / "tests" / "fixtures" / "nieuwkoop_2016.txt").read_text(encoding="utf-8")
    url = f"/consultaties/{slug}/composer/voorbeeld"
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    assert secretary.post(url, data={"text": letter}, headers=headers).status_code == 200
    summary("POST preview (Nieuwkoop, 42 points)",
            timed(lambda: secretary.post(url, data={"text": letter}, headers=headers),
                  max(20, args.rounds // 4)))
    from consult.splitter import split  # noqa: E402

    summary("split() alone (Nieuwkoop, 42 points)", timed(lambda: split(letter), args.rounds))


if __name__ == "__main__":
    main()
