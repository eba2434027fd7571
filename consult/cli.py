"""The `flask consult` command group: database upgrades and the demo consultation."""

import click
from flask import current_app
from flask.cli import with_appcontext

from . import db, demo


@click.group("consult")
def consult_cli():
    """consult: manage the database and the demo data."""


@consult_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def upgrade_command(revision: str):
    """Apply the database migrations."""
    db.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@consult_cli.command("demo")
@with_appcontext
def demo_command():
    """Load the 2016 Holland Rijnland consultation (a second run changes nothing)."""
    data = demo.read_data()
    session = db.get_session()
    with click.progressbar(length=len(data["reactions"]), label="Reacties laden") as bar:
        result = demo.load(session, data, progress=lambda _key: bar.update(1))
    session.commit()
    if not result.created:
        click.echo(f"Demo consultation already loaded: {result.consultation.title}")
        return
    click.echo(
        f"Loaded {result.consultation.title}: {result.stakeholders} stakeholders, "
        f"{result.reactions} reactions, {result.points} points, {result.responses} responses."
    )
