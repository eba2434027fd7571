"""The PostgreSQL search backend's own promises (the search suite itself, test_search.py, runs
on it as on Whoosh): it starts only on PostgreSQL, a change is in the index in the very
transaction that makes it, and reindex/analysis upgrades rebuild the table."""

import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from consult import create_app, search
from consult.models import Point, SearchOutbox
from consult.search import analysis, pgquery, pgsearch
from consult.search.pgquery import tsvector_literal
from consult.search.tables import SearchDocument, SearchState

from .conftest import Actor, empty_database, indexed_demo
from .test_search import _thread_url, run


@pytest.fixture
def pg(tmp_path):
    with indexed_demo(empty_database("postgresql", tmp_path), tmp_path,
                      SEARCH_BACKEND="postgres") as app:
        yield app


def test_the_postgres_backend_refuses_another_database(tmp_path):
    settings = {"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}"}
    with pytest.raises(RuntimeError, match="CONSULT_SEARCH_BACKEND=postgres needs a PostgreSQL"):
        create_app({**settings, "SEARCH_BACKEND": "postgres"})
    with pytest.raises(ValueError, match="CONSULT_SEARCH_BACKEND='lucene'"):
        create_app({**settings, "SEARCH_BACKEND": "lucene"})
    assert search.service(create_app(settings)).backend == "whoosh"  # the default


def test_a_change_is_found_in_the_transaction_that_makes_it(pg):
    """No outbox and no worker: with the after-commit machinery off, a committed change is
    found at once, an uncommitted one by nobody else, a rolled-back one never."""
    service = search.service(pg)
    service.mode = "off"
    engine = pg.extensions["consult.engine"]
    with Session(engine) as session:
        point = session.exec(select(Point).order_by(Point.id)).first()
        point.body += " Zeppelinvaart"
        session.flush()
        assert run(pg, "zeppelinvaart").total == 0  # another connection: not committed yet
        session.rollback()
    assert run(pg, "zeppelinvaart").total == 0
    with Session(engine) as session:
        point = session.exec(select(Point).order_by(Point.id)).first()
        point.body += " Zeppelinvaart"
        session.commit()
    assert run(pg, "zeppelinvaart").total == 1
    secretary = Actor(pg.test_client(), "secretary")
    assert secretary.hx_post(_thread_url(pg, "Leiden", "8") + "/berichten",
                             data={"body": "Luchtschipoverleg", "kind": "comment"}
                             ).status_code == 204
    assert run(pg, "luchtschipoverleg").total == 1
    with Session(engine) as session:
        assert session.exec(select(sa.func.count()).select_from(SearchOutbox)).one() == 0


def test_reindex_repairs_the_table_and_status_reports_it(pg):
    engine = pg.extensions["consult.engine"]
    runner = pg.test_cli_runner()
    with engine.begin() as connection:
        table = SearchDocument.__table__
        connection.execute(sa.delete(table).where(table.c.key == (
            sa.select(sa.func.min(table.c.key)).where(table.c.kind == "point")
            .scalar_subquery())))
        connection.execute(sa.insert(table).values(
            key="p999999", kind="point", ident=999999,
            terms=sa.cast(tsvector_literal("spook"), table.c.terms.type)))
    status = json.loads(runner.invoke(args=["consult", "index-status", "--json"]).output)
    assert status["backend"] == "postgres"
    assert status["index"]["point"] == status["database"]["point"]  # one gone, one too many
    assert run(pg, "spook").total == 1
    result = runner.invoke(args=["consult", "reindex"])
    assert result.exit_code == 0, result.output
    assert "285 documenten geïndexeerd" in result.output
    again = json.loads(runner.invoke(args=["consult", "index-status", "--json"]).output)
    assert again["index"] == again["database"] == {
        "point": 204, "response": 53, "message": 0, "stakeholder": 28, "section": 0}
    assert run(pg, "spook").total == 0


def test_a_table_of_another_analysis_is_rebuilt_at_start(pg):
    engine = pg.extensions["consult.engine"]
    with engine.begin() as connection:
        connection.execute(sa.update(SearchState.__table__).values(value="1-old"))
        connection.execute(sa.update(SearchDocument.__table__).values(
            terms=sa.cast(tsvector_literal("oud"), SearchDocument.__table__.c.terms.type)))
    service = search.service(pg)
    service._built = None  # another process: it reads the state afresh
    assert service.status()["outdated"]
    service.mode = "thread"
    service._checked = False
    service.ensure_worker()  # what a worker does at its first request
    service.join_rebuild(60)
    assert not service.status()["outdated"]
    with Session(engine) as session:
        built = session.exec(select(SearchState.value)).one()
    assert built == analysis.VERSION
    assert run(pg, "privacy", kind="point").total == 3
    assert run(pg, "oud").total == 0


# --- words that match more than the backend ranks (issue 19: count_limit) ---------------------


def _analysed(app) -> None:
    """The statistics autovacuum keeps in a running installation (the planner's estimate of
    a word's matches comes from them)."""
    with app.extensions["consult.engine"].begin() as connection:
        connection.exec_driver_sql("ANALYZE search_document")


def _point_ids(page) -> list[int]:
    return sorted(int(hit.key[1:]) for hit in page.hits if hit.key.startswith("p"))


def test_a_word_matching_more_than_the_limit_shows_the_newest_matches_and_says_so(pg):
    service = search.service(pg)
    _analysed(pg)
    service.count_limit = 0  # everything ranked and counted, as on Whoosh
    everything = run(pg, "JGT", size=1000)
    assert not everything.capped and everything.total == 50
    service.count_limit = 16
    newest = run(pg, "JGT", size=1000)
    assert newest.capped and 0 < newest.total < everything.total
    shown, all_ids = _point_ids(newest), _point_ids(everything)
    assert shown == all_ids[-len(shown):]  # the newest matching points, none skipped
    assert max(all_ids) in shown and min(all_ids) not in shown
    # The facet counts are those of what is shown, and say so on the page.
    # The facet counts are those of what is shown: the points among the newest, not all.
    kinds = dict((value, n) for value, _text, n in
                 next(f for f in newest.facets if f.name == "kind").values)
    assert kinds["point"] == len(shown) < len(all_ids)
    html = Actor(pg.test_client(), "secretary").get("/zoeken?q=JGT").get_data(as_text=True)
    assert f"Ten minste {newest.total} resultaten" in html
    assert f"alleen de {newest.total} laatst toegevoegde gerangschikt en geteld" in html
    quick = Actor(pg.test_client(), "secretary").hx_get("/zoeken/snel?q=JGT")
    assert f"Toon ten minste {newest.total} resultaten" in quick.get_data(as_text=True)
    # Words that match fewer than the limit are counted exactly, as before.
    service.count_limit = 16
    few = run(pg, "privacy", size=1000)
    service.count_limit = 0
    assert not few.capped and few.total == run(pg, "privacy", size=1000).total > 0
    assert "Ten minste" not in Actor(pg.test_client(), "secretary").get(
        "/zoeken?q=privacy").get_data(as_text=True)


def test_a_filter_that_narrows_a_common_word_below_the_limit_counts_it_exactly(pg):
    service = search.service(pg)
    _analysed(pg)
    service.count_limit = 0
    answers = run(pg, "inkoop", size=1000, kind="response")
    service.count_limit = 16
    assert run(pg, "inkoop", size=1000).capped  # the word alone: more than 16 expected
    narrowed = run(pg, "inkoop", size=1000, kind="response", stakeholder="1")
    service.count_limit = 0
    exact = run(pg, "inkoop", size=1000, kind="response", stakeholder="1")
    assert not narrowed.capped and narrowed.total == exact.total
    assert answers.total >= exact.total


def test_when_the_newest_hold_almost_none_of_the_matches_all_are_ranked(pg):
    """The estimate says "many", but the newest documents hold (nearly) none of them: all
    matches are ranked and counted rather than showing almost nothing."""
    engine = pg.extensions["consult.engine"]
    with Session(engine) as session:
        reaction = session.exec(select(Point)).first().reaction_id
        for n in range(120):  # newer points, none of them about the JGT
            session.add(Point(reaction_id=reaction, number=f"N{n}", position=900 + n,
                              body=f"Fietspaden en verlichting, punt {n}."))
        session.commit()
    _analysed(pg)
    service = search.service(pg)
    service.count_limit = 0
    everything = run(pg, "JGT", size=1000, kind="point")
    service.count_limit = 16
    with engine.connect() as connection:  # what the planner expects: more than the limit
        expected = pgsearch._estimate(connection, [pgquery.matches(pgquery.lexeme("jgt")),
                                                   pgsearch.D.kind == "point"])
    assert expected > 16
    found = run(pg, "JGT", size=1000, kind="point")
    assert not found.capped and found.total == everything.total > 16


def test_a_word_whose_matches_are_all_recent_shows_them_all_as_at_least(pg):
    """A word whose matches are all recent: the newest hold every one, so every one is
    shown, and the page claims no more than it knows ("ten minste", never "meer dan")."""
    engine = pg.extensions["consult.engine"]
    with Session(engine) as session:
        reaction = session.exec(select(Point)).first().reaction_id
        for n in range(30):
            session.add(Point(reaction_id=reaction, number=f"Z{n}", position=900 + n,
                              body=f"De zeppelinhaven, punt {n}."))
        session.commit()
    _analysed(pg)
    service = search.service(pg)
    service.count_limit = 16  # ~30 expected: more than the limit, so only the newest are read
    found = run(pg, "zeppelinhaven", size=1000)
    assert found.capped and found.total == len(found.hits) == 30
    html = Actor(pg.test_client(), "secretary").get("/zoeken?q=zeppelinhaven").get_data(
        as_text=True)
    assert "Ten minste 30 resultaten" in html and "Meer dan" not in html


def test_the_public_paging_and_date_order_under_the_limit(pg):
    """The public sees only what it may under the bound too; page 2 continues page 1 in the
    same newest set; sorted by date every match is ordered (the newest by date need not be
    the newest added)."""
    service = search.service(pg)
    _analysed(pg)
    service.count_limit = 0
    everything = {h.key for h in run(pg, "JGT", role=None, size=1000).hits}
    service.count_limit = 16
    newest = run(pg, "JGT", role=None, size=1000)
    assert newest.capped and {h.key for h in newest.hits} < everything
    with pg.test_request_context("/"):
        from consult.db import get_session

        def page(n, size):
            return search.run(get_session(), None, search.Request("JGT", page=n, size=size))
        first, second, both = page(1, 3), page(2, 3), page(1, 6)
    assert first.capped and second.capped and second.page == 2
    assert [h.key for h in both.hits] == [h.key for h in first.hits + second.hits]
    with pg.test_request_context("/"):
        from consult.db import get_session

        by_date = search.run(get_session(), None,
                             search.Request("JGT", sort="date", size=1000))
    assert not by_date.capped and {h.key for h in by_date.hits} == everything


def test_a_word_in_most_documents_reads_the_newest_row_by_row_and_finds_the_same(pg,
                                                                                monkeypatch):
    """A word in a large share of the table: the newest window's rows are read through the
    (kind, ident) index and matched one by one instead of through the GIN index (which builds
    a bitmap of every match first). The same page, total and facet counts either way."""
    service = search.service(pg)
    _analysed(pg)
    service.count_limit = 16
    asked = ["JGT", "inkoop", "jeugd*", "jeugdhulp", '"lokale sturing"', "zorg OR inkoop"]
    real = pgsearch.WINDOW_SCAN_RATIO

    def pages(ratio):
        monkeypatch.setattr(pgsearch, "WINDOW_SCAN_RATIO", ratio)
        monkeypatch.setattr(pgsearch, "SCATTERED_SCAN_RATIO", ratio)
        out = {}
        for limit in (16, 10**6):  # the newest window; every match (a stakeholder's, below)
            service.count_limit = limit
            for text in asked:
                for role in ("secretary", None):
                    for chosen in ({}, {"stakeholder": "1"}):
                        page = run(pg, text, role, size=1000, **chosen)
                        out[limit, text, role, tuple(chosen)] = (
                            page.capped, page.total, [h.key for h in page.hits],
                            [(f.name, f.values) for f in page.facets])
        return out

    through_index, one_by_one = pages(10**9), pages(0.001)
    assert sum(capped for capped, *_rest in through_index.values()) >= 6
    assert sum(bool(hits) for _c, _t, hits, _f in through_index.values()) >= 40
    assert one_by_one == through_index
    service.count_limit = 16
    with pg.extensions["consult.engine"].connect() as connection:  # it is chosen by share
        # the second run did match row by row (else the comparison above proves nothing)
        assert service._plan(connection, {}, pgquery.lexeme("jgt"))[1]
        assert service._plan(connection, {"stakeholder": "1"}, pgquery.lexeme("jgt"))[1]
        monkeypatch.setattr(pgsearch, "WINDOW_SCAN_RATIO", real)
        _window, each = service._plan(connection, {}, pgquery.lexeme("jgt"))
    assert not each  # at the real ratio: ~60 matches in a demo of ~400 documents


def test_the_lexemes_the_index_reads_are_the_positive_ones_each_once():
    """What the GIN index reads for a query (pgsearch._postings): every word and prefix of an
    AND, an OR or a phrase, not a word left out with a minus sign."""
    def lexemes(text):
        return pgquery.positive_lexemes(pgquery.tsquery_literal(search.query.parse(text)))

    assert lexemes("volgende geen") == ["'volgend'", "'gen'"]
    assert lexemes("PGB -ZIN") == ["'pgb'"]
    # Words left out as a group are not read either (a review found them counted).
    for text in ("JGT -jeugd*", 'JGT -"lokale sturing"', "JGT -(de OR het)", "JGT -de -het"):
        assert lexemes(text) == ["'jgt'"], text
    assert lexemes("(zorg OR jeugd) -(de OR het) inkoop") == [
        *lexemes("zorg"), *lexemes("jeugd"), *lexemes("inkoop")]
    assert lexemes("privacy OR veiligheid") == ["'privacy'", "'veilig'"]
    assert lexemes("jeugd*")[0] == "'jeugd':*"
    assert lexemes("o'neill zorg") == ["'oneil'", "'zorg'"]
    assert len(lexemes('"lokale sturing"')) == 1  # a phrase is one pair term


def test_a_search_under_the_limit_asks_the_planner_once(pg):
    """The estimates per word are asked only when a path is to be chosen: a search of a few
    words, under the limit and without a stakeholder filter, runs one EXPLAIN."""
    from .costs import statements

    search.service(pg).count_limit = 10**6
    with statements(pg) as recorded:
        page = run(pg, "JGT zorg gemeente jeugd*")
    assert not page.capped
    explains = [s for s in recorded.all if s.sql.lstrip().upper().startswith("EXPLAIN")]
    assert len(explains) == 1, len(explains)


def test_the_count_limit_is_a_setting(tmp_path):
    from .conftest import make_app

    app = make_app(empty_database("postgresql", tmp_path), tmp_path,
                   SEARCH_BACKEND="postgres", SEARCH_COUNT_LIMIT=123)
    try:
        assert search.service(app).count_limit == 123
    finally:
        app.extensions["consult.engine"].dispose()
