"""Bytes a point's move on the theme board sends back (htmx), against the whole board the
move used to send: a generated consultation (bench/scale_data) of ``--points`` points with
``--themes`` themes filled as bench/theme_table_bench.add_themes does.

Usage: .venv/bin/python bench/theme_board_bench.py [--points 470] [--themes 64]
"""

import argparse
import random
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import scale_data  # noqa: E402
from bench.theme_table_bench import add_themes  # noqa: E402
from consult import create_app  # noqa: E402
from consult.models import Point, Reaction  # noqa: E402
from consult.themes.models import Theme, ThemePoint  # noqa: E402
from tests.conftest import Actor  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=470)
    parser.add_argument("--themes", type=int, default=64)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="themeboard-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    from consult.db import upgrade

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SEARCH_MODE": "off",
                      "INSTANCE_PATH": str(folder), "PROPAGATE_EXCEPTIONS": True})
    assert app.test_cli_runner().invoke(args=["consult", "demo"]).exit_code == 0
    engine = app.extensions["consult.engine"]
    cid = scale_data.add_consultation(engine, args.points, random.Random(3), slug="bord")
    add_themes(engine, cid, args.themes, random.Random(1))
    with engine.connect() as conn:
        themed = set(conn.execute(sa.select(ThemePoint.point_id)).scalars())
        points = conn.execute(sa.select(Point.id).join(Reaction).where(
            Reaction.consultation_id == cid)).scalars().all()
        themes = conn.execute(sa.select(Theme.id).where(Theme.consultation_id == cid)
                              .order_by(Theme.position)).scalars().all()
    loose = next(p for p in points if p not in themed)
    secretary = Actor(app.test_client(), "secretary")
    board = secretary.hx_get("/consultaties/bord/themas")
    whole = len(board.data)
    print(f"{args.points} points, {args.themes} themes: the board's htmx block "
          f"{whole:,} bytes (what a move sent back before)")
    moves = [("a point without a theme into a theme", loose, {"into": str(themes[0])}),
             ("the same point into a second theme", loose, {"into": str(themes[1])}),
             ("out of the second theme", loose, {"out_of": str(themes[1])}),
             ("out of its last theme", loose, {"out_of": str(themes[0])})]
    for what, point, form in moves:
        response = secretary.hx_post(f"/consultaties/bord/themas/punten/{point}", form)
        assert response.status_code == 200, response.status_code
        parts = re.findall(r'<section [^>]*id="([^"]+)"[^>]*hx-swap-oob', response.get_data(
            as_text=True))
        print(f"  {what:40}: {len(response.data):>9,} bytes  ({', '.join(parts)})")


if __name__ == "__main__":
    main()
