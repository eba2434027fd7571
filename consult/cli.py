"""The `flask consult` command group: database upgrades and the demo consultation."""

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlmodel import Session, select

from . import db, demo

# Commands that work without the database's tables: they create them (upgrade, restore into a
# fresh instance) or read a file only.
WITHOUT_TABLES = {"upgrade", "restore", "split"}


@click.group("consult")
@click.pass_context
def consult_cli(ctx: click.Context):
    """consult: manage the database and the demo data."""
    if ctx.invoked_subcommand not in WITHOUT_TABLES and not ctx.resilient_parsing:
        _require_tables(ctx.ensure_object(ScriptInfo).load_app())


def _require_tables(app) -> None:
    """Stop with one Dutch line, not a SQLAlchemy traceback ("no such table: consultation"),
    when the database has not been set up by `flask consult upgrade` yet (exit status 1)."""
    import sqlalchemy as sa

    with app.app_context():
        try:
            tables = set(sa.inspect(app.extensions["consult.engine"]).get_table_names())
        except sa.exc.OperationalError as err:
            raise _DutchError(
                f"de database is niet bereikbaar ({str(err.orig).strip()}).") from err
    if "consultation" not in tables:
        raise _DutchError("de database is nog niet ingericht. Voer eerst "
                          "`flask --app app consult upgrade` uit.")


@consult_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def upgrade_command(revision: str):
    """Apply the database migrations, then refresh the planner's statistics."""
    db.upgrade(current_app.config["DATABASE_URL"], revision)
    db.analyze(current_app.extensions["consult.engine"])
    click.echo(f"Database at {revision}.")


@consult_cli.command("demo")
@with_appcontext
def demo_command():
    """Load the 2016 Holland Rijnland consultation (a second run changes nothing)."""
    from . import search

    search.service().mode = "off"  # recorded in the outbox; applied below, with progress
    data = demo.read_data()
    session = db.get_session()
    with click.progressbar(length=len(data["reactions"]), label="Reacties laden") as bar:
        result = demo.load(session, data, progress=lambda _key: bar.update(1))
    session.commit()
    _index_after_load()
    if not result.created:
        click.echo(f"Demo consultation already loaded: {result.consultation.title}")
    else:
        click.echo(
            f"Loaded {result.consultation.title}: {result.stakeholders} stakeholders, "
            f"{result.reactions} reactions, {result.points} points, {result.responses} responses."
        )
    click.echo("Demo accounts (for trying the app out only):")
    for email, _name, role, _stakeholder, password in demo.DEMO_USERS:
        click.echo(f"  {role:<16} {email:<30} {password}")


def _index_after_load() -> None:
    """Bring the search index up to date after a bulk load (built, or the outbox applied)."""
    from . import search

    service = search.service()
    service.mode = "inline"  # a command does its work before it exits
    service.join_rebuild()
    if service.store.current_dir() is None or service.store.outdated():
        _rebuild_with_progress(service)
    service.drain()


def _rebuild_with_progress(service) -> int:
    """Rebuild the index, showing a progress bar; waits if another process is rebuilding."""
    import time

    from .search import documents

    with Session(service.engine) as session:
        total = sum(documents.count_sources(session).values())
    with click.progressbar(length=total, label="Zoekindex opbouwen") as bar:
        count = service.rebuild(progress=bar.update)
    while count is None:  # another process holds the rebuild lock: wait for it
        time.sleep(0.5)
        if not service.rebuilding:
            count = 0
    return count


@consult_cli.command("create-admin")
@click.option("--email", prompt="E-mail address")
@click.option("--name", prompt="Name")
@click.password_option("--password", prompt="Password", confirmation_prompt=True)
@with_appcontext
def create_admin_command(email: str, name: str, password: str):
    """Create the first administrator (or another one)."""
    from pydantic import ValidationError

    from .accounts import MIN_PASSWORD, create_user, user_by_email
    from .models import Role

    session = db.get_session()
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if user_by_email(session, email) is not None:
        raise click.ClickException(f"There is already an account for {email}.")
    try:
        create_user(session, email=email, name=name, role=Role.admin, password=password)
    except ValidationError as err:
        raise click.ClickException(f"Not a valid account: {err.errors()[0]['msg']}") from err
    session.commit()
    click.echo(f"Administrator {email} created.")


class _DutchError(click.ClickException):
    """A failure shown as "Fout: ..." on standard error, with exit code 1."""

    def show(self, file=None) -> None:
        """Print the Dutch message."""
        click.echo(f"Fout: {self.format_message()}", err=True)


def _listing(points: list) -> str:
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
    """Split a letter (.docx, .odt, .pdf, .rtf, .txt, an e-mail, or - for standard input) into
    its numbered points."""
    import json
    import sys
    from pathlib import Path

    from .extract import MAX_UPLOAD_BYTES, ExtractError, extract_text
    from .splitter import split

    if file == "-":
        try:
            text = sys.stdin.read()
        except UnicodeDecodeError as exc:
            raise _DutchError("De invoer is geen UTF-8-tekst.") from exc
    else:
        path = Path(file)
        try:
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                raise _DutchError("Het bestand is groter dan 10 MB.")
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise _DutchError(f"Kan {file} niet lezen: het bestand bestaat niet.") from exc
        except IsADirectoryError as exc:
            raise _DutchError(f"Kan {file} niet lezen: dit is een map.") from exc
        except PermissionError as exc:
            raise _DutchError(f"Kan {file} niet lezen: geen toegang.") from exc
        except OSError as exc:
            raise _DutchError(f"Kan {file} niet lezen.") from exc
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


@consult_cli.command("render")
@with_appcontext
def render_command():
    """Render the stored HTML of every text again (after a change to consult/text.py)."""
    import time

    from . import rendered

    started = time.perf_counter()
    with current_app.extensions["consult.engine"].begin() as conn:
        count = rendered.refill(conn)
    click.echo(f"{count} texts rendered in {time.perf_counter() - started:.1f} s.")


# --- search ------------------------------------------------------------------------------


@consult_cli.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the search index from the database (beside the live one, then swapped in)."""
    count, seconds = _reindex()
    rate = count / max(seconds, 1e-9)
    click.echo(f"{count} documents indexed in {seconds:.1f} s ({rate:.0f}/s).")


def _reindex() -> tuple[int, float]:
    """Rebuild the search index in this process (after any rebuild already running), then
    apply what the outbox gathered meanwhile: the documents indexed and the seconds taken."""
    import time

    from . import search

    service = search.service()
    service.mode = "inline"
    service.join_rebuild()
    started = time.perf_counter()
    count = _rebuild_with_progress(service)
    if not count and service.store.current_dir() is None:
        raise _DutchError("De zoekindex kon niet worden opgebouwd.")
    seconds = time.perf_counter() - started
    service.drain()
    return count, seconds


@consult_cli.command("index-status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@with_appcontext
def index_status_command(as_json: bool):
    """Documents in the index against the database, and the outbox length."""
    import json

    from . import search

    status = search.service().status()
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    click.echo(f"Index: {status['path'] or '(none)'}")
    click.echo(f"{'kind':<12} {'index':>9} {'database':>9}")
    for kind, expected in status["database"].items():
        have = "-" if status["index"] is None else status["index"].get(kind, 0)
        click.echo(f"{kind:<12} {have:>9} {expected:>9}")
    click.echo(f"Outbox pending: {status['outbox']}")
    if status["outdated"]:
        click.echo("Built with another text analysis: `flask consult reindex` (or a start of "
                   "the server) rebuilds it.")
    if status["rebuilding"]:
        click.echo("A rebuild is running.")


@consult_cli.command("search")
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@with_appcontext
def search_command(query: str, limit: int, as_json: bool):
    """Search everything (as the administrator sees it), in the web page's order."""
    import json

    from . import search

    session = db.get_session()
    page = search.run(session, None, search.Request(text=query, size=limit), search.EVERYTHING)
    if page.unavailable:
        raise _DutchError("De zoekindex wordt opnieuw opgebouwd; probeer het zo weer.")
    if page.failed:
        raise _DutchError("Deze zoekopdracht kon niet worden uitgevoerd; probeer andere woorden.")
    rows = [
        {
            "kind": hit.kind,
            "consultation": hit.consultation.slug if hit.consultation else None,
            "stakeholder": hit.stakeholder.name if hit.stakeholder else None,
            "reaction": hit.reaction.title if hit.reaction else None,
            "number": hit.number,
            "snippet": hit.snippet_text,
        }
        for hit in page.hits
    ]
    if as_json:
        click.echo(json.dumps({"total": page.total, "results": rows}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        where = " · ".join(str(v) for v in (row["stakeholder"], row["number"]) if v)
        click.echo(f"[{row['kind']}] {where}: {row['snippet']}")
    click.echo(f"{page.total} results")


# --- exports -------------------------------------------------------------------------------


@consult_cli.command("export")
@click.argument("consultation")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["docx", "xlsx", "csv", "json", "letters"]))
@click.option("-o", "--output", "output", required=True, type=click.Path())
@with_appcontext
def export_command(consultation: str, fmt: str, output: str):
    """Write the answered table of a consultation (its slug) as Word, Excel or CSV; the whole
    consultation as JSON (to archive it or import it elsewhere); or, with --format letters, an
    answer letter (.docx) per stakeholder into the folder OUTPUT."""
    import time
    from pathlib import Path

    from . import exports
    from .consultations import get_consultation

    session = db.get_session()
    found = get_consultation(session, consultation)
    if found is None:
        raise _DutchError(f"Geen consultatie met de naam {consultation}.")
    started = time.perf_counter()
    if fmt == "letters":
        _write_letters(session, found, Path(output))
        click.echo(f"Letters written to {output} ({time.perf_counter() - started:.1f} s).")
        return
    if fmt == "json":
        from . import archive

        data = archive.dumps(archive.export(session, found)).encode("utf-8")
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise _DutchError(f"Kan {output} niet schrijven: {exc.strerror}.") from exc
        click.echo(f"Consultation written to {output} ({len(data):,} bytes, "
                   f"{time.perf_counter() - started:.1f} s).")
        return
    try:
        with open(output, "wb") as out:
            points = exports.write(fmt, found, exports.iter_tables(session, found), out)
            size = out.tell()
    except OSError as exc:
        raise _DutchError(f"Kan {output} niet schrijven: {exc.strerror}.") from exc
    click.echo(
        f"{points} points written to {output} ({size:,} bytes, "
        f"{time.perf_counter() - started:.1f} s)."
    )


def _write_letters(session, consultation, folder) -> None:
    """One answer letter per stakeholder that sent points in the consultation, with the
    opening and closing its secretaries stored."""
    from . import letters

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _DutchError(f"Kan de map {folder} niet maken: {exc.strerror}.") from exc
    with click.progressbar(letters.senders(session, consultation),
                           label="Antwoordbrieven") as bar:
        for stakeholder in bar:
            data = letters.answer_letter(session, consultation, stakeholder, whole=False)
            (folder / f"antwoordbrief-{stakeholder.slug}.docx").write_bytes(data)


@consult_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be created.")
@click.option("--consultation", "slug",
              help="For .xlsx/.csv: the consultation to add to (needed when there are several).")
@with_appcontext
def import_command(path: str, dry_run: bool, slug: str | None):
    """Import a consultation archive (.json from `flask consult export --format json`), or an
    answered table (.xlsx/.csv: stakeholder, kind, channel, number, heading, text, answer,
    destinations, status) into an existing consultation (--consultation SLUG; without it, the
    only consultation there is)."""
    from pathlib import Path

    from . import archive

    source = Path(path)
    if source.suffix.lower() != ".json":  # a table; its content says which kind
        _import_rows(source, slug, dry_run)
        return
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _DutchError(f"Kan {path} niet lezen.") from exc
    session = db.get_session()
    try:
        data = archive.read(text)
        consultation = archive.load(session, data)
    except archive.ArchiveError as exc:
        session.rollback()
        raise _DutchError(str(exc)) from exc
    points = sum(len(r["points"]) for r in data["reactions"])
    summary = (f"{consultation.slug}: {len(data['reactions'])} reactions, {points} points, "
               f"{len(data['responses'])} answers, {len(data['destinations'])} destinations")
    if dry_run:
        session.rollback()
        click.echo(f"Dry run, nothing written. Would create {summary}.")
        return
    session.commit()
    _index_after_load()
    click.echo(f"Imported {summary}.")


def _import_rows(source, slug: str | None, dry_run: bool) -> None:
    """An answered table from Excel or CSV: every row checked, nothing written on any error."""
    from . import rowimport
    from .consultations import get_consultation
    from .models import Consultation

    session = db.get_session()
    if not slug:
        # A table row names no consultation: with only one there is nothing to ask.
        slugs = session.exec(select(Consultation.slug).where(
            Consultation.archived == False).order_by(Consultation.slug)).all()  # noqa: E712
        if len(slugs) != 1:
            raise _DutchError(
                "Geef met --consultation aan in welke consultatie de rijen horen"
                + (f" ({', '.join(slugs)})." if slugs else "; er is nog geen consultatie."))
        slug = slugs[0]
        click.echo(f"Into the only consultation: {slug}")
    consultation = get_consultation(session, slug)
    if consultation is None:
        raise _DutchError(f"Geen consultatie met de naam {slug}.")
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise _DutchError(f"Kan {source} niet lezen.") from exc
    try:
        table = rowimport.read_table(source.name, data)
    except rowimport.RowImportError as exc:
        raise _DutchError(str(exc)) from exc
    checked = rowimport.plan(session, consultation, table)
    for notice in checked.notices:
        click.echo(notice)
    if not checked.ok:
        for problem in checked.problems:
            click.echo(str(problem), err=True)
        raise _DutchError(f"{len(checked.problems)} problemen; er is niets ingelezen.")
    summary = (f"{checked.points} points in {checked.reactions} reactions, {checked.answers} "
               f"answers, {len(checked.new_stakeholders)} new stakeholders"
               + (f" ({', '.join(checked.new_stakeholders)})" if checked.new_stakeholders
                  else "")
               + (f", {len(checked.new_destinations)} new destinations"
                  if checked.new_destinations else ""))
    if dry_run:
        click.echo(f"Dry run, nothing written. Would create {summary}.")
        return
    rowimport.apply(session, None, consultation, checked)
    session.commit()
    _index_after_load()
    click.echo(f"Imported {summary}.")


# --- backup and restore --------------------------------------------------------------------


class _Progress:
    """A progress bar that opens on the first step, once the total is known."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def __call__(self, steps: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label)
            self.bar.__enter__()
        self.bar.update(steps)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@consult_cli.command("backup")
@click.argument("path", type=click.Path())
@with_appcontext
def backup_command(path: str):
    """Write a consistent snapshot of this instance (every table, the uploads, each
    consultation as JSON) to one .tar.gz: PATH itself if it ends in .tar.gz, otherwise
    consult-backup-YYYYMMDD-HHMMSS.tar.gz in the folder PATH. Safe while the app runs."""
    import time
    from pathlib import Path

    from . import backup

    target = backup.archive_path(Path(path))
    started = time.perf_counter()
    progress = _Progress("Back-up maken")
    try:
        manifest = backup.write(current_app.extensions["consult.engine"],
                                current_app.instance_path, target, progress)
    except backup.BackupError as exc:
        raise _DutchError(str(exc)) from exc
    finally:
        progress.close()
    click.echo(f"Backup written to {target}: {backup.row_count(manifest)} rows in "
               f"{len(manifest['tables'])} tables, "
               f"{manifest['uploads']['files']} uploads, {len(manifest['exports'])} "
               f"consultations as JSON ({target.stat().st_size:,} bytes, "
               f"{time.perf_counter() - started:.1f} s).")
    for name in manifest["uploads"]["missing"]:
        click.echo(f"Warning: the upload {name} is named in the database but missing from "
                   "the uploads folder.", err=True)


@consult_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@with_appcontext
def restore_command(archive: str):
    """Restore a backup (from `flask consult backup`) into this instance, whose database
    must be empty: checks the archive, migrates to the backup's revision, inserts every row
    in one transaction, copies the uploads, migrates to the newest revision, renders the
    texts' HTML and rebuilds the search index. A SQLite backup restores into PostgreSQL and
    back."""
    import tempfile
    import time
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from . import backup, rendered

    engine = current_app.extensions["consult.engine"]
    url = current_app.config["DATABASE_URL"]
    started = time.perf_counter()
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".consult-restore-", dir=instance) as folder:
        try:
            unpacked = backup.unpack(Path(archive), Path(folder))
            filled = backup.tables_with_rows(engine)
            if filled:
                raise backup.BackupError(
                    "De database is niet leeg (onder meer de tabel "
                    f"{filled[0]} heeft rijen); zet een back-up alleen terug in een nieuwe, "
                    "lege database.")
            backup.prepare_schema(engine, url, unpacked.manifest["revision"])
            progress = _Progress("Back-up terugzetten")
            try:
                with engine.begin() as conn:  # the one commit: every row or none
                    rows = backup.load(conn, unpacked, progress)
                files = backup.install_uploads(unpacked, str(instance), progress)
            finally:
                progress.close()
        except backup.BackupError as exc:
            raise _DutchError(str(exc)) from exc
        except SQLAlchemyError as exc:
            raise _DutchError("Het terugzetten is mislukt; er is niets ingelezen: "
                              f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc
    db.upgrade(url)
    with engine.begin() as conn:
        rendered.refill(conn, only_missing=True)  # the archive holds texts, never HTML
    click.echo(f"Restored {rows} rows and {files} uploads from {archive} "
               f"(made {unpacked.manifest['created_at']} on {unpacked.manifest['backend']}) "
               f"in {time.perf_counter() - started:.1f} s.")
    count, seconds = _reindex()
    click.echo(f"{count} documents indexed in {seconds:.1f} s; "
               f"restore took {time.perf_counter() - started:.1f} s.")
