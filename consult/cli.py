"""The `flask consult` command group: database upgrades and the demo consultation.

Every line a command prints goes through consult.clitext: Dutch by default, English with
CONSULT_LANGUAGE=en."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session, select

from . import db, demo, files
from .clitext import (
    N_,
    Command,
    CommandError,
    SetupCommand,
    TablesCommand,
    Translated,
    _,
    _n,
    number,
    os_reason,
    usage_error,
)


class _Group(Translated, click.Group):
    """The commands check for the database's tables when they run (TablesCommand), except
    those that make them (upgrade, restore into a fresh instance: SetupCommand) and split,
    which reads a file only (Command)."""

    command_class = TablesCommand

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """Find the command; an unknown one is told in the run's language."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as err:
            raise usage_error(err, ctx) from err


@click.group("consult", cls=_Group, help=N_(
    "consult: manage the database and the demo data."))
def consult_cli():
    """The group; each command's help is its help=N_(...), shown in the run's language."""


@consult_cli.command("upgrade", cls=SetupCommand, help=N_(
    "Apply the database migrations, then refresh the planner's statistics."))
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def upgrade_command(revision: str):
    db.upgrade(current_app.config["DATABASE_URL"], revision)
    db.analyze(current_app.extensions["consult.engine"])
    click.echo(_("Database at %(revision)s.", revision=revision))


@consult_cli.command("demo", help=N_(
    "Load the 2016 Holland Rijnland consultation (a second run changes nothing)."))
@with_appcontext
def demo_command():
    from . import search

    search.service().mode = "off"  # recorded in the outbox; applied below, with progress
    data = demo.read_data()
    session = db.get_session()
    with click.progressbar(length=len(data["reactions"]), label=_("Loading reactions")) as bar:
        result = demo.load(session, data, progress=lambda _key: bar.update(1))
    session.commit()
    _index_after_load()
    if not result.created:
        click.echo(_("Demo consultation already loaded: %(title)s",
                     title=result.consultation.title))
    else:
        click.echo(_("Loaded %(title)s: %(stakeholders)s stakeholders, %(reactions)s "
                     "reactions, %(points)s points, %(answers)s answers.",
                     title=result.consultation.title, stakeholders=result.stakeholders,
                     reactions=result.reactions, points=result.points,
                     answers=result.responses))
    click.echo(_("Demo accounts (for trying the app out only):"))
    for email, _name, role, _stakeholder, password in demo.DEMO_USERS:
        click.echo(f"  {_(ROLES[role.value]):<24} {email:<30} {password}")


# The roles and the kinds of search result by their names in the interface (consult/labels.py
# has the same English names, translated in the catalogue).
ROLES = {"admin": N_("administrator"), "secretary": N_("secretary"),
         "councillor": N_("councillor"), "advisory_member": N_("advisory board member"),
         "viewer": N_("reader")}
KINDS = {"point": N_("point"), "response": N_("answer"), "message": N_("message"),
         "stakeholder": N_("stakeholder"), "section": N_("section")}


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
    with click.progressbar(length=total, label=_("Building the search index")) as bar:
        count = service.rebuild(progress=bar.update)
    while count is None:  # another process holds the rebuild lock: wait for it
        time.sleep(0.5)
        if not service.rebuilding:
            count = 0
    return count


@consult_cli.command("create-admin", help=N_(
    "Create the first administrator (or another one)."))
@click.option("--email", help=N_("Asked for when not given."))
@click.option("--name", help=N_("Asked for when not given."))
@click.option("--password", help=N_("Asked for (twice, hidden) when not given."))
@with_appcontext
def create_admin_command(email: str | None, name: str | None, password: str | None):
    from pydantic import ValidationError

    from .accounts import MIN_PASSWORD, create_user, user_by_email
    from .models import Role

    # Asked here, not by click's prompt options: their texts would be fixed at import, and
    # click's own "Repeat for confirmation" and mismatch line are English only.
    email = email or click.prompt(_("E-mail address"))
    name = name or click.prompt(_("Name"))
    password = password or _ask_password()
    session = db.get_session()
    if len(password) < MIN_PASSWORD:
        raise CommandError(_("Choose a password of at least %(count)s characters.",
                             count=MIN_PASSWORD))
    if user_by_email(session, email) is not None:
        raise CommandError(_("There is already an account for %(email)s.", email=email))
    try:
        create_user(session, email=email, name=name, role=Role.admin, password=password)
    except ValidationError as err:
        field = err.errors()[0]["loc"][0] if err.errors()[0]["loc"] else ""
        if field == "email":
            raise CommandError(_("%(email)s is not a valid e-mail address.",
                                 email=email)) from err
        raise CommandError(_("Not a valid account: check the name and e-mail address.")) from err
    session.commit()
    click.echo(_("Administrator %(email)s created.", email=email))


def _ask_password() -> str:
    """The password, typed twice without being shown, until both agree."""
    while True:
        first = click.prompt(_("Password"), hide_input=True)
        if click.prompt(_("Repeat the password"), hide_input=True) == first:
            return first
        click.echo(_("The two passwords differ; try again."), err=True)


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


def _given(file: str) -> tuple[str | None, str, bytes | None]:
    """What a command was given to read: (the text, "-", None) for "-" (standard input, as
    UTF-8), else (None, the file's name, its bytes). Raises CommandError (in the run's
    language) for input that is not UTF-8, a file over 10 MB or one that cannot be read."""
    import sys
    from pathlib import Path

    from .extract import MAX_UPLOAD_BYTES

    if file == "-":
        try:
            return sys.stdin.read(), "-", None
        except UnicodeDecodeError as exc:
            raise CommandError(_("The input is not UTF-8 text.")) from exc
    path = Path(file)
    try:
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise CommandError(_("The file is larger than 10 MB."))
        return None, path.name, path.read_bytes()
    except OSError as exc:
        raise CommandError(_("Cannot read %(path)s: %(reason)s.", path=file,
                             reason=os_reason(exc))) from exc


@consult_cli.command("split", cls=Command, help=N_(
    "Split a letter (.docx, .odt, .pdf, .rtf, .txt, an e-mail, or - for standard "
    "input) into its numbered points."))
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help=N_("Print the points as a JSON list."))
def split_command(file: str, as_json: bool):
    import json

    from .extract import ExtractError, extract_text
    from .splitter import split

    text, name, data = _given(file)
    if data is not None:
        try:
            text = extract_text(name, data)
        except ExtractError as exc:  # its message is Dutch, as on the web pages
            raise CommandError(f"{file}: {exc}") from exc
    result = split(text)
    if as_json:
        rows = [{"number": p.number, "heading": p.heading, "text": p.text} for p in result.points]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(_listing(result.points))
    click.echo()
    click.echo(_("%(points)s points; %(dropped)s lines of page layout left out.",
                 points=len(result.points), dropped=len(result.dropped)))


@consult_cli.command("render", help=N_(
    "Render the stored HTML of every text again (after a change to consult/text.py)."))
@with_appcontext
def render_command():
    import time

    from . import rendered

    started = time.perf_counter()
    with current_app.extensions["consult.engine"].begin() as conn:
        count = rendered.refill(conn)
    click.echo(_n("%(count)s text rendered in %(seconds)s s.",
                  "%(count)s texts rendered in %(seconds)s s.", count, count=number(count),
                  seconds=number(time.perf_counter() - started, 1)))


# --- search ------------------------------------------------------------------------------


@consult_cli.command("reindex", help=N_(
    "Rebuild the search index from the database (beside the live one, then swapped "
    "in)."))
@with_appcontext
def reindex_command():
    count, seconds = _reindex()
    rate = count / max(seconds, 1e-9)
    click.echo(_n("%(count)s document indexed in %(seconds)s s (%(rate)s/s).",
                  "%(count)s documents indexed in %(seconds)s s (%(rate)s/s).", count,
                  count=number(count), seconds=number(seconds, 1), rate=number(rate)))


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
        raise CommandError(_("The search index could not be built."))
    seconds = time.perf_counter() - started
    service.drain()
    return count, seconds


@consult_cli.command("index-status", help=N_(
    "Documents in the index against the database, and the outbox length."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the status as JSON."))
@with_appcontext
def index_status_command(as_json: bool):
    import json

    from . import search

    status = search.service().status()
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    click.echo(_("Index: %(path)s", path=status["path"] or _("(none)")))
    # The words outside the f-string: `make messages` does not read calls inside one.
    heads = _("kind"), _("index"), _("database")
    click.echo(f"{heads[0]:<12} {heads[1]:>9} {heads[2]:>9}")
    for kind, expected in status["database"].items():
        have = "-" if status["index"] is None else status["index"].get(kind, 0)
        click.echo(f"{_(KINDS.get(kind, kind)):<12} {have:>9} {expected:>9}")
    click.echo(_("Waiting in the outbox: %(count)s", count=number(status["outbox"])))
    if status["outdated"]:
        click.echo(_("Built with another text analysis: `flask consult reindex` (or a start "
                     "of the server) rebuilds it."))
    if status["rebuilding"]:
        click.echo(_("A rebuild is running."))


@consult_cli.command("search", help=N_(
    "Search everything (as the administrator sees it), in the web page's order."))
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the results as JSON."))
@with_appcontext
def search_command(query: str, limit: int, as_json: bool):
    import json

    from . import search

    session = db.get_session()
    page = search.run(session, None, search.Request(text=query, size=limit), search.EVERYTHING)
    if page.unavailable:
        raise CommandError(_("The search index is being rebuilt; try again shortly."))
    if page.failed:
        raise CommandError(_("This search could not be run; try other words."))
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
        found = {"total": page.total, **({"capped": True} if page.capped else {})}
        click.echo(json.dumps({**found, "results": rows}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        where = " · ".join(str(v) for v in (row["stakeholder"], row["number"]) if v)
        click.echo(f"[{_(KINDS.get(row['kind'], row['kind']))}] {where}: {row['snippet']}")
    if page.capped:  # the PostgreSQL backend ranked and counted the newest matches only
        click.echo(_("At least %(count)s results (the most recently added ranked and counted)",
                     count=number(page.total)))
    else:
        click.echo(_n("%(count)s result", "%(count)s results", page.total,
                      count=number(page.total)))


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
        raise CommandError(_("No consultation named %(slug)s.", slug=consultation))
    started = time.perf_counter()
    if fmt == "letters":
        _write_letters(session, found, Path(output))
        click.echo(_("Letters written to %(folder)s (%(seconds)s s).", folder=output,
                     seconds=number(time.perf_counter() - started, 1)))
        return
    if fmt == "json":
        from . import archive

        data = archive.dumps(archive.export(session, found)).encode("utf-8")
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(_("Cannot write %(path)s: %(reason)s.", path=output,
                                 reason=os_reason(exc))) from exc
        click.echo(_("Consultation written to %(path)s (%(size)s bytes, %(seconds)s s).",
                     path=output, size=number(len(data)),
                     seconds=number(time.perf_counter() - started, 1)))
        return
    try:
        with open(output, "wb") as out:
            points = exports.write(fmt, found, exports.iter_tables(session, found), out)
            size = out.tell()
    except OSError as exc:
        raise CommandError(_("Cannot write %(path)s: %(reason)s.", path=output,
                             reason=os_reason(exc))) from exc
    click.echo(_n("%(points)s point written to %(path)s (%(size)s bytes, %(seconds)s s).",
                  "%(points)s points written to %(path)s (%(size)s bytes, %(seconds)s s).",
                  points, points=number(points), path=output, size=number(size),
                  seconds=number(time.perf_counter() - started, 1)))


def _write_letters(session, consultation, folder) -> None:
    """One answer letter per stakeholder that sent points in the consultation, with the
    opening and closing its secretaries stored."""
    from . import letters

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(_("Cannot make the folder %(folder)s: %(reason)s.",
                             folder=folder, reason=os_reason(exc))) from exc
    with click.progressbar(letters.senders(session, consultation),
                           label=_("Answer letters")) as bar:
        for stakeholder in bar:
            data = letters.answer_letter(session, consultation, stakeholder, whole=False)
            (folder / f"antwoordbrief-{stakeholder.slug}.docx").write_bytes(data)


@consult_cli.command("import")
@click.argument("path", type=click.Path())  # a folder: our own line, not click's English
@click.option("--dry-run", is_flag=True, help=N_("Check the file and say what would be created."))
@click.option("--consultation", "slug",
              help=N_("For .xlsx/.csv: the consultation to add to (needed when there are "
                      "several)."))
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
    except OSError as exc:
        raise CommandError(_("Cannot read %(path)s: %(reason)s.", path=path,
                             reason=os_reason(exc))) from exc
    except UnicodeDecodeError as exc:
        raise CommandError(_("Cannot read %(path)s: it is not UTF-8 text.", path=path)) from exc
    session = db.get_session()
    try:
        data = archive.read(text)
        consultation = archive.load(session, data)
    except archive.ArchiveError as exc:
        session.rollback()
        raise CommandError(str(exc)) from exc  # its message is Dutch, as on the web pages
    summary = _("%(slug)s: %(reactions)s reactions, %(points)s points, %(answers)s answers, "
                "%(destinations)s destinations", slug=consultation.slug,
                reactions=len(data["reactions"]),
                points=sum(len(r["points"]) for r in data["reactions"]),
                answers=len(data["responses"]), destinations=len(data["destinations"]))
    if dry_run:
        session.rollback()
        click.echo(_("Dry run, nothing written. Would create %(summary)s.", summary=summary))
        return
    session.commit()
    _index_after_load()
    click.echo(_("Imported %(summary)s.", summary=summary))


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
            raise CommandError(
                _("Say with --consultation which consultation the rows belong to (%(slugs)s).",
                  slugs=", ".join(slugs)) if slugs
                else _("Say with --consultation which consultation the rows belong to; there "
                       "is no consultation yet."))
        slug = slugs[0]
        click.echo(_("Into the only consultation: %(slug)s", slug=slug))
    consultation = get_consultation(session, slug)
    if consultation is None:
        raise CommandError(_("No consultation named %(slug)s.", slug=slug))
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise CommandError(_("Cannot read %(path)s: %(reason)s.", path=source,
                             reason=os_reason(exc))) from exc
    try:
        table = rowimport.read_table(source.name, data)
    except rowimport.RowImportError as exc:
        raise CommandError(str(exc)) from exc  # its message is Dutch, as on the web pages
    checked = rowimport.plan(session, consultation, table)
    for notice in checked.notices:
        click.echo(notice)
    if not checked.ok:
        for problem in checked.problems:
            click.echo(str(problem), err=True)
        raise CommandError(_n("%(count)s problem; nothing was imported.",
                              "%(count)s problems; nothing was imported.",
                              len(checked.problems), count=len(checked.problems)))
    summary = _("%(points)s points in %(reactions)s reactions, %(answers)s answers, "
                "%(stakeholders)s new stakeholders", points=checked.points,
                reactions=checked.reactions, answers=checked.answers,
                stakeholders=len(checked.new_stakeholders))
    if checked.new_stakeholders:
        summary += f" ({', '.join(checked.new_stakeholders)})"
    if checked.new_destinations:
        summary += _n(", %(count)s new destination", ", %(count)s new destinations",
                      len(checked.new_destinations), count=len(checked.new_destinations))
    if dry_run:
        click.echo(_("Dry run, nothing written. Would create %(summary)s.", summary=summary))
        return
    rowimport.apply(session, None, consultation, checked)
    session.commit()
    _index_after_load()
    click.echo(_("Imported %(summary)s.", summary=summary))


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


@consult_cli.command("backup", help=N_(
    "Write a consistent snapshot of this instance (every table, the uploads, each "
    "consultation as JSON) to one .tar.gz: PATH itself if it ends in .tar.gz, "
    "otherwise consult-backup-YYYYMMDD-HHMMSS.tar.gz in the folder PATH. Safe while "
    "the app runs."))
@click.argument("path", type=click.Path())
@with_appcontext
def backup_command(path: str):
    import time
    from pathlib import Path

    from . import backup

    target = backup.archive_path(Path(path))
    started = time.perf_counter()
    progress = _Progress(_("Making the backup"))
    try:
        manifest = backup.write(current_app.extensions["consult.engine"],
                                files.of(current_app), target, progress)
    except backup.BackupError as exc:
        raise CommandError(str(exc)) from exc  # its message is Dutch
    finally:
        progress.close()
    click.echo(_("Backup written to %(path)s (%(size)s bytes, %(seconds)s s). Rows: %(rows)s, "
                 "tables: %(tables)s, uploads: %(uploads)s, consultations as JSON: "
                 "%(exports)s.",
                 path=target, rows=number(backup.row_count(manifest)),
                 tables=len(manifest["tables"]), uploads=manifest["uploads"]["files"],
                 exports=len(manifest["exports"]), size=number(target.stat().st_size),
                 seconds=number(time.perf_counter() - started, 1)))
    for name in manifest["uploads"]["missing"]:
        click.echo(_("Warning: the upload %(name)s is named in the database but missing from "
                     "the file store.", name=name), err=True)


def _restore_rows_and_uploads(engine, url: str, unpacked, progress) -> tuple[int, int]:
    """Load the archive's rows and uploads in one transaction where the archive's schema can
    hold the uploads (every store but a database store older than its table), else the rows,
    the newest schema, then the uploads; if those fail, the rows are removed again, so either
    way a failed restore leaves an empty database to try again. Returns (rows, uploads)."""
    from . import backup

    store = files.of(current_app)
    with engine.begin() as conn:  # the one commit: every row or none
        rows = backup.load(conn, unpacked, progress)
        uploaded = (backup.install_uploads(unpacked, store, conn, progress)
                    if backup.can_install_uploads(conn, store) else None)
    db.upgrade(url)
    if uploaded is None:
        try:
            with engine.begin() as conn:
                uploaded = backup.install_uploads(unpacked, store, conn, progress)
        except BaseException:
            backup.empty(engine)
            raise
    return rows, uploaded


@consult_cli.command("restore", cls=SetupCommand, help=N_(
    "Restore a backup (from `flask consult backup`) into this instance, whose "
    "database must be empty: checks the archive, migrates to the backup's revision, "
    "inserts every row in one transaction, copies the uploads, migrates to the newest"
    " revision, renders the texts' HTML and rebuilds the search index. A SQLite "
    "backup restores into PostgreSQL and back."))
@click.argument("archive", type=click.Path(dir_okay=False))
@with_appcontext
def restore_command(archive: str):
    import tempfile
    import time
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from . import backup, rendered, revisions

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
                raise backup.BackupError(_(
                    "The database is not empty (the table %(table)s, among others, has "
                    "rows); restore a backup only into a new, empty database.",
                    table=filled[0]))
            backup.prepare_schema(engine, url, unpacked.manifest["revision"])
            progress = _Progress(_("Restoring the backup"))
            try:
                rows, uploaded = _restore_rows_and_uploads(engine, url, unpacked, progress)
            finally:
                progress.close()
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(_("The restore failed; nothing was read in: %(error)s",
                                 error=f"{exc.__class__.__name__}: {exc}")) from exc
        except SQLAlchemyError as exc:
            raise CommandError(_("The restore failed; nothing was read in: %(error)s",
                                 error=f"{exc.__class__.__name__}: "
                                       f"{str(exc).splitlines()[0]}")) from exc
    with engine.begin() as conn:
        rendered.refill(conn, only_missing=True)  # the archive holds texts, never HTML
    # Figures kept before the restore could meet the same revision numbers again.
    revisions.forget_shared(current_app.instance_path)
    click.echo(_("Restored %(rows)s rows and %(files)s uploads from %(archive)s (made "
                 "%(made)s on %(backend)s) in %(seconds)s s.", rows=number(rows),
                 files=uploaded, archive=archive, made=unpacked.manifest["created_at"],
                 backend=unpacked.manifest["backend"],
                 seconds=number(time.perf_counter() - started, 1)))
    count, seconds = _reindex()
    click.echo(_n("%(count)s document indexed in %(seconds)s s; the restore took %(total)s s.",
                  "%(count)s documents indexed in %(seconds)s s; the restore took "
                  "%(total)s s.", count, count=number(count), seconds=number(seconds, 1),
                  total=number(time.perf_counter() - started, 1)))


@consult_cli.command("outline", cls=Command, help=N_(
    "Read a document's outline (.docx, .odt, .pdf, .md, .txt, or - for standard input): "
    "its chapters, sections and numbered paragraphs with their length in characters."))
@click.argument("file")
@click.option("--json", "as_json", is_flag=True,
              help=N_('Print {"sections": [{"number", "title", "level", "chars"}]} as JSON.'))
def outline_command(file: str, as_json: bool):
    """The outline command (help above, in the run's language)."""
    from .documents.outline import as_json as outline_json
    from .documents.outline import outline_of_text, read_outline
    from .extract import ExtractError

    text, name, data = _given(file)
    if data is None:
        sections = outline_of_text(text)
    else:
        try:
            _text, sections = read_outline(name, data)
        except ExtractError as exc:  # its message is Dutch, as on the web pages
            raise CommandError(f"{file}: {exc}") from exc
    if as_json:
        click.echo(outline_json(sections))
        return
    for s in sections:
        label = f"{s.number} {s.title}" if s.number else s.title
        click.echo(f"{'  ' * (s.level - 1)}{label}  "
                   + _n("(%(num)s character)", "(%(num)s characters)", s.chars,
                        num=number(s.chars)))


def _add_domain_commands() -> None:
    """Commands that live in their domain package."""
    from .themes.cli import themes_command

    consult_cli.add_command(themes_command)


_add_domain_commands()
