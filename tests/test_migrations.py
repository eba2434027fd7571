"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

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
    assert "Database at head" in result.output
    assert _diff(database_url) == []


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    from consult.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    engine.dispose()
