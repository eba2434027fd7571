"""SQLite's page cache and memory map, set on every connection (consult.db.make_engine): at
120k points the database file is ~730 MB and a page that follows a council's points reads
more pages than SQLite's default 2 MiB cache holds."""

import pytest
import sqlalchemy as sa

from consult import db


def _pragma(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()


def test_every_connection_maps_the_file_and_keeps_a_larger_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(db.SQLITE_MMAP_MB_ENV, raising=False)
    monkeypatch.delenv(db.SQLITE_CACHE_MB_ENV, raising=False)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert _pragma(engine, "mmap_size") == 1024 * 1024 * 1024
    assert _pragma(engine, "cache_size") == -16 * 1024  # KiB
    assert _pragma(engine, "journal_mode") == "wal"
    engine.dispose()


def test_the_sizes_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(db.SQLITE_MMAP_MB_ENV, "0")
    monkeypatch.setenv(db.SQLITE_CACHE_MB_ENV, "64")
    engine = db.make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert _pragma(engine, "mmap_size") == 0
    assert _pragma(engine, "cache_size") == -64 * 1024
    engine.dispose()


@pytest.mark.parametrize("raw", ["-5", "1.5", "veel", "64MB", "\u00b2", "\u0661\u0662",
                                 "9999999999"])
def test_a_size_that_is_not_a_whole_number_of_mib_is_refused_by_name(tmp_path, monkeypatch, raw):
    for name in (db.SQLITE_MMAP_MB_ENV, db.SQLITE_CACHE_MB_ENV):
        monkeypatch.delenv(db.SQLITE_MMAP_MB_ENV, raising=False)
        monkeypatch.delenv(db.SQLITE_CACHE_MB_ENV, raising=False)
        monkeypatch.setenv(name, raw)
        with pytest.raises(ValueError, match=name):
            db.make_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")


def test_a_mapped_database_sees_another_connections_commit(tmp_path):
    """WAL and the map together: what one connection commits, the next read of another
    connection sees (the map holds the main file; committed pages are read from the WAL)."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    reader = engine.connect()
    assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0
    reader.rollback()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t VALUES (1), (2)"))
    assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 2
    reader.close()
    engine.dispose()
