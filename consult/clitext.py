"""What the `flask consult` commands print, in one language per run: Dutch, like the interface,
unless CONSULT_LANGUAGE=en asks for English. Also the commands' shared failures: the Dutch (or
English) error line, and the check that the database was set up before a command uses it.

The messages are written in English and translated through the app's own catalogue
(consult/translations), so a command reads the same .mo file as the web pages, without a
Flask request (the web's language comes from the visitor's cookie, a command's from here)."""

import errno
import os
from functools import cache
from pathlib import Path

import click
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LANGUAGE_ENV = "CONSULT_LANGUAGE"
LANGUAGES = ("nl", "en")
TRANSLATIONS = Path(__file__).parent / "translations"


def language() -> str:
    """The language of this run's output: "en" when CONSULT_LANGUAGE says so, else "nl"
    (also for an unknown value: Dutch is the default everywhere)."""
    value = (os.environ.get(LANGUAGE_ENV) or "").strip().lower()
    return value if value in LANGUAGES else "nl"


@cache
def _catalogue(lang: str) -> NullTranslations:
    """The compiled catalogue for a language (English: the messages as written)."""
    if lang == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [lang])


def _(message: str, /, **values) -> str:
    """The message in this run's language, with %(name)s placeholders filled from values."""
    text = _catalogue(language()).ugettext(message)
    return text % values if values else text


def _n(singular: str, plural: str, count: int, /, **values) -> str:
    """The singular or plural message for ``count`` in this run's language; %(count)s and
    the other placeholders are filled from values."""
    text = _catalogue(language()).ungettext(singular, plural, count)
    return text % values


def number(value: float, decimals: int = 0) -> str:
    """A number in the language's notation, rounded to ``decimals`` places: "12.345" and
    "1,5" in Dutch, "12,345" and "1.5" in English."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=language())


def N_(message: str) -> str:  # noqa: N802 - the usual name of gettext's no-op marker
    """Mark a message for the catalogue (`make messages` extracts N_) without translating it
    yet: the run's language is known only when it is printed."""
    return message


_OS_REASONS = {
    errno.ENOENT: N_("the file or folder does not exist"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.EISDIR: N_("it is a folder"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.ENOSPC: N_("the disk is full"),
    errno.EROFS: N_("the disk is read-only"),
    errno.EEXIST: N_("it already exists"),
}
_OTHER_REASON = N_("a system error")


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in this run's language (the system's own text
    is English whatever the run's language)."""
    return _(_OS_REASONS.get(exc.errno, _OTHER_REASON))


class CommandError(click.ClickException):
    """A failure shown as one line, "Fout: ..." ("Error: ..." in English) on standard error,
    with exit status 1. The message is already in the run's language."""

    def show(self, file=None) -> None:
        """Print the message."""
        click.echo(_("Error: %(message)s", message=self.format_message()), err=True)


def require_tables(app) -> None:
    """Stop with one line, not a SQLAlchemy traceback ("no such table: consultation"), when
    the database cannot be reached or has not been set up by `flask consult upgrade` yet.

    Raises CommandError (exit status 1)."""
    import sqlalchemy as sa

    with app.app_context():
        try:
            tables = set(sa.inspect(app.extensions["consult.engine"]).get_table_names())
        except sa.exc.OperationalError as err:
            raise CommandError(_("the database cannot be reached (%(reason)s).",
                                 reason=str(err.orig).strip())) from err
    if "consultation" not in tables:
        raise CommandError(_("the database has not been set up yet. Run "
                             "`flask --app app consult upgrade` first."))


def usage_error(err: click.UsageError, ctx: click.Context) -> CommandError:
    """A mistake on the command line (click's own message is English whatever the run's
    language) as one line in the run's language, naming the command's --help; exit status 2
    as click gives it."""
    param = getattr(err, "param", None)
    name = param.get_error_hint(ctx) if param is not None else getattr(err, "param_hint", "")
    if isinstance(err, click.NoSuchOption):
        problem = _("There is no option %(name)s.", name=err.option_name)
    elif isinstance(err, click.BadOptionUsage):
        problem = _("The option %(name)s needs a value.", name=err.option_name)
    elif isinstance(err, click.MissingParameter):
        problem = (_("The option %(name)s is missing.", name=name)
                   if getattr(param, "param_type_name", "") == "option"
                   else _("The argument %(name)s is missing.", name=name))
    elif isinstance(err, click.BadParameter) and isinstance(getattr(param, "type", None),
                                                             click.Choice):
        problem = _("%(name)s must be one of %(choices)s.", name=name,
                    choices=", ".join(param.type.choices))
    elif isinstance(err, click.BadParameter) and isinstance(getattr(param, "type", None),
                                                             click.IntRange):
        problem = _("%(name)s must be a whole number from %(min)s to %(max)s.", name=name,
                    min=param.type.min, max=param.type.max)
    elif isinstance(err, click.BadParameter):
        problem = _("%(name)s has a value that cannot be used.", name=name)
    else:  # an extra argument, or an unknown command
        problem = _("The command line has a word too many or an unknown command.")
    error = CommandError(_("%(problem)s See `%(command)s --help`.", problem=problem,
                           command=ctx.command_path))
    error.exit_code = 2
    return error


def help_text(english: str | None) -> str | None:
    """A command's or option's help (its docstring or ``help=``) in this run's language,
    looked up when --help is shown, not when the module is imported (the run's language is
    known only then). The catalogue's msgid is the text on one line (white space collapsed),
    so a docstring may be re-wrapped without losing its translation."""
    if not english:
        return english
    flat = " ".join(english.split())
    translated = _(flat)
    return english if translated == flat else translated


# click's own words on a --help page (click translates them through the system's gettext
# domain, which knows nothing of CONSULT_LANGUAGE).
_CLICK_WORDS = {"Show this message and exit.": N_("Show this message and exit.")}


def _in_language(record: tuple[str, str], english_help: str | None) -> tuple[str, str]:
    """An option's (names, help) line with its help, "[default: x]" and "[required]" in the
    run's language."""
    names, text = record
    if english_help:
        text = text.replace(english_help, help_text(english_help) or "", 1)
    elif text in _CLICK_WORDS:
        text = _(_CLICK_WORDS[text])
    text = text.replace("[default: ", "[" + _("default") + ": ").replace(
        "[required]", "[" + _("required") + "]")
    return names, text


class Translated:
    """--help in the run's language: the command's help, its options' help, the headings
    ("Usage:", "Options", "Commands") and click's help option. Mixed into click.Command and
    click.Group."""

    help: str | None

    def _swapped_help(self, call):
        english = self.help
        self.help = help_text(english)
        try:
            return call()
        finally:
            self.help = english

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command's own help, translated."""
        self._swapped_help(lambda: super(Translated, self).format_help_text(ctx, formatter))

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first words of the translated help (in a group's list of commands)."""
        return self._swapped_help(lambda: super(Translated, self).get_short_help_str(limit))

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The usage line, "Gebruik:" in Dutch."""
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage:") + " ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options with their help in the run's language (and a group's commands)."""
        rows = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and not isinstance(param, click.Argument):
                rows.append(_in_language(record, getattr(param, "help", None)))
        if rows:
            with formatter.section(_("Options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """A group's commands, each with the start of its translated help."""
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        commands = [(name, cmd) for name, cmd in commands if cmd is not None and not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _cmd in commands)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, cmd.get_short_help_str(limit))
                                    for name, cmd in commands])


class Command(Translated, click.Command):
    """A command whose command-line mistakes and --help are in the run's language."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse as click does; a usage error becomes one line in the run's language."""
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            raise usage_error(err, ctx) from err


class TablesCommand(Command):
    """A command that loads the app and needs the database's tables. Both are checked when the
    command runs, after its options were parsed, so `--help` (and a usage error) works before
    the first upgrade. The app's INFO log lines (English, for the server's log) are left out
    of a command's output unless CONSULT_LOG_LEVEL asks for them: its own lines say it."""

    needs_tables = True

    def invoke(self, ctx: click.Context):
        """Load the app, check the tables, then run the command."""
        import logging

        from flask.cli import ScriptInfo

        from .logs import LEVEL_ENV

        app = ctx.ensure_object(ScriptInfo).load_app()
        if not app.testing and not os.environ.get(LEVEL_ENV):
            logging.getLogger("consult").setLevel(logging.WARNING)
        if self.needs_tables:
            require_tables(app)
        return super().invoke(ctx)


class SetupCommand(TablesCommand):
    """A command that loads the app but makes the tables itself (upgrade, restore)."""

    needs_tables = False
