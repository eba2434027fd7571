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


class _DutchError(click.ClickException):
    """A failure shown as "Fout: ..." on standard error, with exit code 1."""

    def show(self, file=None) -> None:
        """Print the Dutch message."""
        click.echo(f"Fout: {self.format_message()}", err=True)


def _listing(points) -> str:
    """The points as readable text: headings on their own lines, then "1. text"."""
    out: list[str] = []
    for point in points:
        if point.opens_heading and point.heading:
            out.extend(["", *point.heading.splitlines()])
        label = f"{point.number}{point.marker}" if point.number else "–"
        lines = point.text.splitlines() or [""]
        out.append(f"{label} {lines[0]}".rstrip())
        out.extend(" " * (len(label) + 1) + line for line in lines[1:])
    return "\n".join(out).lstrip("\n")


@consult_cli.command("split")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print the points as a JSON list.")
def split_command(file: str, as_json: bool):
    """Split a letter (.txt, .docx, .pdf, or - for standard input) into its numbered points."""
    import json
    from pathlib import Path

    from .extract import MAX_UPLOAD_BYTES, ExtractError, extract_text
    from .splitter import split

    if file == "-":
        text = click.get_text_stream("stdin").read()
    else:
        path = Path(file)
        try:
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                raise _DutchError("Het bestand is groter dan 10 MB.")
            data = path.read_bytes()
        except OSError as exc:
            raise _DutchError(f"Kan {file} niet lezen: {exc.strerror or exc}.") from exc
        try:
            text = extract_text(path.name, data)
        except ExtractError as exc:
            raise _DutchError(f"{file}: {exc}") from exc
    result = split(text)
    if as_json:
        rows = [{"number": p.number, "heading": p.heading, "text": p.text} for p in result.points]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(_listing(result.points))
    click.echo(
        f"\n{len(result.points)} punten; {len(result.dropped)} regels paginaopmaak weggelaten."
    )
