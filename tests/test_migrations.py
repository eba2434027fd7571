"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from consult.db import alembic_config, upgrade

from .conftest import make_app


def _diff(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    return diff


def _tables(url) -> set[str]:
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    return tables


def test_upgrade_matches_models(database_url):
    upgrade(database_url)
    assert _diff(database_url) == []


def test_downgrade_to_base_and_back(database_url):
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(database_url)
    assert _diff(database_url) == []


def test_upgrade_command_on_a_fresh_instance(database_url, tmp_path):
    app = make_app(database_url, tmp_path, create_schema=False)
    result = app.test_cli_runner().invoke(args=["consult", "upgrade"])
    app.extensions["consult.engine"].dispose()
    assert result.exit_code == 0, result.output
    assert "Database op versie head." in result.output
    assert _diff(database_url) == []


@pytest.mark.parametrize("command", [
    ["demo"], ["reindex"], ["index-status"], ["render"], ["search", "jeugd"],
    ["create-admin", "--email", "a@b.nl"], ["backup", "/dev/null"],
    ["export", "x", "--format", "csv", "-o", "/dev/null"], ["import", "/dev/null"],
])
def test_a_command_before_the_first_upgrade_says_what_to_run(database_url, tmp_path, command):
    """On an instance that was never migrated, every command that needs the tables says in
    one Dutch line what to run first (it ended in a SQLAlchemy traceback, "no such table");
    after the upgrade the same command works."""
    app = make_app(database_url, tmp_path, create_schema=False)
    runner = app.test_cli_runner()
    before = runner.invoke(args=["consult", *command], input="geheim-wachtwoord-1\n" * 2)
    assert before.exit_code == 1
    assert before.output.strip() == ("Fout: de database is nog niet ingericht. Voer eerst "
                                     "`flask --app app consult upgrade` uit.")
    assert runner.invoke(args=["consult", "upgrade"]).exit_code == 0
    if command == ["demo"]:
        after = runner.invoke(args=["consult", "demo"])
        assert after.exit_code == 0, after.output
    app.extensions["consult.engine"].dispose()


def test_help_of_every_command_works_before_the_first_upgrade(database_url, tmp_path,
                                                             monkeypatch):
    """`--help` only prints: it works on a never-migrated instance (the check for the tables
    refused it, before any command ran), and the instance stays untouched. It speaks the
    run's language (Dutch by default), every command's help translated."""
    from consult.cli import consult_cli
    from consult.clitext import help_text

    monkeypatch.delenv("CONSULT_LANGUAGE", raising=False)
    app = make_app(database_url, tmp_path, create_schema=False)
    runner = app.test_cli_runner()
    for name, cmd in consult_cli.commands.items():
        result = runner.invoke(args=["consult", name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert result.output.startswith("Gebruik: ") and f" consult {name} " in result.output, \
            (name, result.output)
        dutch = help_text(cmd.help)
        assert dutch != cmd.help, f"{name}: its help has no Dutch translation"
        assert " ".join(dutch.split()[:3]) in " ".join(result.output.split())
    assert runner.invoke(args=["consult", "--help"]).exit_code == 0
    # A real command still gets the one line saying what to run first.
    refused = runner.invoke(args=["consult", "create-admin", "--email", "a@b.nl"])
    assert (refused.exit_code, refused.output.count("\n")) == (1, 1), refused.output
    assert "flask --app app consult upgrade" in refused.output
    app.extensions["consult.engine"].dispose()
    assert _tables(database_url) == set()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    from consult.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    engine.dispose()


def test_texts_with_line_breaks_are_rendered_again_on_upgrade(demo_app, database_url):
    """0026: HTML stored by the renderer that joined a point's sub-items into one line is
    rendered again (sub-items on lines of their own); a text without a line break is left
    alone (its HTML could not change)."""
    from sqlalchemy import text

    engine = create_engine(database_url)
    with engine.begin() as conn:
        first, second = conn.execute(text("SELECT id FROM point ORDER BY id LIMIT 2")).scalars()
        conn.execute(text("UPDATE point SET body = :b, body_html = :h WHERE id = :i"),
                     {"b": "Wij vragen:\na. meer tijd\nb. een evaluatie",
                      "h": "<p>Wij vragen:\na. meer tijd\nb. een evaluatie</p>", "i": first})
        conn.execute(text("UPDATE point SET body = 'Eén regel', body_html = '<p>oud</p>' "
                          "WHERE id = :i"), {"i": second})
    try:
        command.stamp(alembic_config(database_url), "0025")
        upgrade(database_url, "0026")  # the schema is the models' (head) already: only 0026
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, body_html FROM point WHERE id IN (:a, :b)"),
                                     {"a": first, "b": second}).all())
    finally:  # a connection left to the garbage collector fails a later test
        engine.dispose()
    assert rows[first] == "<p>Wij vragen:<br>\na. meer tijd<br>\nb. een evaluatie</p>"
    assert rows[second] == "<p>oud</p>"


@pytest.mark.parametrize(("table", "index", "columns"), [
    ("message", "ix_message_point_news", "(point_id, archived, kind, author_id)"),
    ("point", "ix_point_stakeholder_live", "(stakeholder_id, archived, reaction_id, \"position\")"),
])
def test_indexes_that_answer_alone_include_the_id_on_postgresql(database_url, table, index,
                                                                 columns):
    """"Nieuw" reads each unseen entry's id, a stakeholder's page each point's id: on
    PostgreSQL these indexes include it (0037, 0038), so the plans are index-only scans, as on
    SQLite where every index holds the row id; the models say the same. (Alembic's compare
    does not look at INCLUDE.)"""
    from sqlalchemy import text

    upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite's indexes hold the row id")
        definition = conn.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = :i"), {"i": index}).scalar()
    engine.dispose()
    assert definition.endswith(f"{columns} INCLUDE (id)"), definition
    in_models = next(i for i in SQLModel.metadata.tables[table].indexes if i.name == index)
    assert in_models.dialect_options["postgresql"]["include"] == ["id"]
