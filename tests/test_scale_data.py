"""The bench generator (bench/scale_data.py) writes rows the app itself could have written:
the counts asked for, every HTML column rendered, and pages that show the generated points."""

import random

import sqlalchemy as sa

from bench import scale_data
from consult.rendered import FIELDS

SLUG = "schaal-proef"


def test_a_generated_consultation_is_complete_and_the_app_shows_it(demo_app, as_role):
    engine = demo_app.extensions["consult.engine"]
    cid = scale_data.add_consultation(engine, 300, random.Random(7), slug=SLUG)

    found = scale_data.counts(engine, cid)
    assert found["points"] == 300
    assert 300 / 14 <= found["reactions"] <= 300 / 6  # ~1 reaction per 10 points
    assert 300 * 0.2 <= found["answers"] <= 300 * 0.4  # 34k answers for 120k points
    assert found["answers"] < found["versions"] < 2.2 * found["answers"]
    assert found["messages"] >= 2.7 * 300 - 1
    assert 0.1 * 300 <= found["landings"] <= 0.16 * 300
    with engine.connect() as conn:
        for model, pairs in FIELDS.items():
            for _text, html in pairs:
                missing = conn.execute(sa.select(sa.func.count()).select_from(model.__table__)
                                       .where(model.__table__.c[html].is_(None))).scalar()
                assert missing == 0, (model.__tablename__, html)
        point = conn.execute(
            sa.text("SELECT p.id, p.body_html, r.id FROM point p JOIN reaction r "
                    "ON r.id = p.reaction_id WHERE r.consultation_id = :c ORDER BY p.id "
                    "LIMIT 1"), {"c": cid}).one()
        destination = conn.execute(sa.text(
            "SELECT min(destination_id) FROM responsedestination rd JOIN response r "
            "ON r.id = rd.response_id WHERE r.consultation_id = :c"), {"c": cid}).scalar()

    base = f"/consultaties/{SLUG}"
    anonymous, secretary = as_role(None), as_role("secretary")
    thread = f"{base}/punten/{point[0]}"
    for actor, url in ((anonymous, base), (anonymous, f"{base}/openbaar"),
                       (anonymous, f"{base}/tabel"), (secretary, f"{base}/dashboard"),
                       (secretary, f"{base}/reacties/{point[2]}"), (secretary, thread),
                       (secretary, f"{base}/bestemmingen/{destination}"),
                       (secretary, f"{base}/tabel.xlsx")):
        assert actor.get(url).status_code == 200, url
    assert str(point[1]) in secretary.get(thread).get_data(as_text=True)
    # The ids were taken past the sequences' ends: the app can write beside them.
    posted = secretary.hx_post(f"{thread}/berichten", data={"kind": "comment",
                                                           "body": "Na de bulk: *ook*."})
    assert posted.status_code == 204
    assert "Na de bulk: <em>ook</em>." in secretary.get(thread).get_data(as_text=True)


def test_the_reindex_bench_gives_fts5_the_documents_the_app_indexed(tmp_path):
    """bench/reindex_bench.py (issue 15: the reindex against FTS5 in the same run): FTS5 is
    fed the very documents the app's reindex wrote, both times, and the ratio is theirs."""
    import sqlite3

    from bench import reindex_bench
    from consult import create_app
    from consult.db import upgrade

    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'consult.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "t", "SEARCH_MODE": "off"})
    assert app.test_cli_runner().invoke(args=["consult", "demo"]).exit_code == 0
    app.extensions["consult.engine"].dispose()

    result = reindex_bench.one_round(instance, tmp_path / "work")
    indexed = result["consult"]["documents"]
    assert indexed > 250  # the demo's points, answers, messages and stakeholders
    for name in ("fts5_fed", "fts5_memory"):
        assert result[name]["documents"] == indexed
        with sqlite3.connect(tmp_path / "work" / f"{name}.sqlite3") as conn:
            assert conn.execute("SELECT count(*) FROM fts").fetchone()[0] == indexed
            assert conn.execute("SELECT count(*) FROM fts WHERE fts MATCH 'jeugdhulp'"
                                ).fetchone()[0] > 10
    assert result["ratio_memory"] == result["consult"]["rate"] / result["fts5_memory"]["rate"]
    assert "PASS" in reindex_bench.verdict([{**result, "ratio_memory": 0.1}])
    assert "FAIL" in reindex_bench.verdict([{**result, "ratio_memory": 0.09}])
