"""Alembic environment: the models' metadata, the URL from the Flask CLI or the environment."""

from alembic import context
from sqlmodel import SQLModel

import consult.invitations  # noqa: F401  (its own table)
import consult.models  # noqa: F401  (registers the tables)
from consult.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    """The URL handed over by `flask consult upgrade`, else the app's configured one."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from consult import create_app

    return create_app().config["DATABASE_URL"]


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # Batch mode copies a table that other tables' foreign keys point at (point,
            # consultation): with the checks on, dropping the old copy fails on a database
            # with rows. Alembic's advice: foreign keys off while migrating (the PRAGMA only
            # works outside a transaction; every new connection turns them on again).
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
