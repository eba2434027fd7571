"""The answered table (secretary) and the public page: the big consultation against the demo
consultation of the same installation, in the same run (issue 15, plan 2.5 and 2.6).

Usage: .venv/bin/python bench/table_bench.py INSTANCE_DIR [--rounds 7] [--big SLUG]
INSTANCE_DIR holds consult.sqlite3 (a COPY of /work/scale/instance: logging in writes to it).
Rounds are interleaved (demo, big, big, demo, ...); medians and p95 (nearest rank) in ms, the
1-minute load average at the start and end of each figure, the HTML size of one response.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale import DEMO_SLUG, client, load1, percentile  # noqa: E402
from consult import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--big", default="schaal-01-10000")
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": f"sqlite:///{args.instance / 'consult.sqlite3'}",
                      "INSTANCE_PATH": str(args.instance), "SECRET_KEY": "bench",
                      "SEARCH_MODE": "off", "SESSION_COOKIE_SECURE": False})
    clients = {"secretary": client(app, "secretary"), None: client(app, None)}
    pages = [("answered table (sec.)", "secretary", "/consultaties/{}/tabel"),
             ("public page", None, "/consultaties/{}/openbaar")]
    for name, role, url in pages:
        samples = {DEMO_SLUG: [], args.big: []}
        loads = [load1()]
        size = {}
        for i in range(args.rounds):
            order = [DEMO_SLUG, args.big] if i % 2 == 0 else [args.big, DEMO_SLUG]
            for slug in order:
                started = time.perf_counter()
                response = clients[role].get(url.format(slug))
                samples[slug].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
                size[slug] = len(response.data)
        loads.append(load1())
        for slug, found in samples.items():
            print(f"{name:<22} {slug:<34} median {statistics.median(found):7.0f} ms  "
                  f"p95 {percentile(found, 95):7.0f} ms  n={len(found)}  "
                  f"{size[slug] / 1024:7.0f} KiB  load {loads[0]:.1f}-{loads[1]:.1f}",
                  flush=True)
        ratio = statistics.median(samples[args.big]) / statistics.median(samples[DEMO_SLUG])
        print(f"{name:<22} ratio big/demo {ratio:.2f}", flush=True)


if __name__ == "__main__":
    main()
