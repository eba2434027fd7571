"""One language per run of a `flask consult` command: Dutch by default, English with
CONSULT_LANGUAGE=en. Every command is run on SQLite (with its success and its failure
paths), and every line it prints is checked against the message catalogue: in the Dutch run
each line is a msgstr (with its placeholders filled), in the English run each line is a msgid
and none is a Dutch msgstr. Lines that are data (a letter's points, a search hit, a table row)
are named per command, and their words from the interface (roles, kinds) are checked too."""

import re
import sys
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from .conftest import make_app

PO = Path(__file__).parent.parent / "consult/translations/nl/LC_MESSAGES/messages.po"
SLUG = "holland-rijnland-jeugdhulp-2016"
# Placeholders whose value is itself a message (checked against the catalogue in turn).
NESTED = {"message", "reason"}


def _pattern(template: str) -> re.Pattern:
    """A catalogue entry as a regular expression: %(name)s, %(name).1f... match any text."""
    out, pos, names = [], 0, set()
    for found in re.finditer(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]", template):
        out.append(re.escape(template[pos:found.start()]))
        name = found.group(1)
        out.append(".+" if name in names else f"(?P<{name}>.+)")
        names.add(name)
        pos = found.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.DOTALL)


@cache
def catalogue() -> dict[str, list[re.Pattern]]:
    """The patterns of every translated message: "nl" (msgstr), "en" (msgid) and "both"
    (the few written the same in both languages, such as "Index: %(path)s")."""
    with PO.open("rb") as f:
        entries = [m for m in read_po(f) if m.id and all(m.string or [""])]
    forms = []  # (English, Dutch): a plural entry gives its singular and its plural
    for m in entries:
        forms.extend(zip(m.id, m.string, strict=True) if m.pluralizable else [(m.id, m.string)])
    return {
        "nl": [_pattern(s) for _i, s in forms],
        "en": [_pattern(i) for i, _s in forms],
        "both": [_pattern(i) for i, s in forms if i == s],
    }


def translated(line: str, lang: str) -> bool:
    """The line is one of the language's messages (nested messages checked in turn)."""
    for pattern in catalogue()[lang]:
        found = pattern.fullmatch(line)
        if found and all(translated(value, lang) for name, value in found.groupdict().items()
                         if name in NESTED):
            return True
    return False


def check(output: str, lang: str, data: tuple[str, ...] = ()) -> list[str]:
    """Assert every non-empty line of the output is in the run's language; lines matching
    one of the data patterns are the command's data. Returns the lines (stripped)."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    assert lines, "the command printed nothing"
    for line in lines:
        if any(re.fullmatch(d, line) for d in data):
            continue
        assert translated(line.strip(), lang), f"not a {lang} message: {line!r}"
        other = "en" if lang == "nl" else "nl"
        assert not translated(line.strip(), other) or translated(line.strip(), "both"), \
            f"a {other} message in the {lang} run: {line!r}"
    return lines


def refusal(result, lang: str) -> None:
    """A refused command: exit status 1, its last line the error in the run's language."""
    assert result.exit_code == 1, result.output
    assert check(result.output, lang)[-1].startswith("Fout: " if lang == "nl" else "Error: ")


def word(text: str, lang: str) -> bool:
    """A single interface word (a role, a kind) in the run's language."""
    return translated(text, lang) and (lang == "en" or not translated(text, "en")
                                       or text in {"index", "database"})


@pytest.fixture(params=["nl", "en"])
def lang(request, monkeypatch):
    """The run's language: Dutch by default (the variable unset), English when asked."""
    if request.param == "en":
        monkeypatch.setenv("CONSULT_LANGUAGE", "en")
    else:
        monkeypatch.delenv("CONSULT_LANGUAGE", raising=False)
    return request.param


def test_the_catalogue_check_tells_the_languages_apart():
    """The check itself: a Dutch line is not English and the other way round."""
    assert translated("Database op versie head.", "nl")
    assert not translated("Database op versie head.", "en")
    assert translated("Database at head.", "en") and not translated("Database at head.", "nl")
    assert translated("Fout: Kan /x niet lezen: geen toegang.", "nl")
    assert not translated("Fout: Kan /x niet lezen: permission denied.", "nl")


def test_every_command_speaks_one_language(lang, tmp_path):
    url = f"sqlite:///{tmp_path / 'consult.sqlite3'}"
    app = make_app(url, tmp_path, create_schema=False)
    run = app.test_cli_runner().invoke
    dutch = lang == "nl"

    # Before the upgrade: one line saying what to run first.
    before = run(args=["consult", "demo"])
    assert before.exit_code == 1
    assert check(before.output, lang) == [
        "Fout: de database is nog niet ingericht. Voer eerst `flask --app app consult upgrade` "
        "uit." if dutch else "Error: the database has not been set up yet. Run "
        "`flask --app app consult upgrade` first."]
    upgraded = run(args=["consult", "upgrade"])
    assert check(upgraded.output, lang) == [
        "Database op versie head." if dutch else "Database at head."]

    accounts = r"  (\S+(?: \S+)*?) +(\S+@consult\.example) +(demo-\S+)"
    demo = run(args=["consult", "demo"])
    assert demo.exit_code == 0, demo.output
    lines = check(demo.output, lang, data=(accounts,))
    roles = [re.fullmatch(accounts, line).group(1) for line in lines if "@" in line]
    assert len(roles) == 5 and all(word(role, lang) for role in roles), roles
    assert ("204 punten" if dutch else "204 points") in demo.output
    assert check(run(args=["consult", "demo"]).output, lang, data=(accounts,))[1] == (
        "De democonsultatie is al geladen: " if dutch else "Demo consultation already loaded: "
    ) + "Uitgangspunten toekomst Jeugdhulp Holland Rijnland"

    _create_admin(run, lang)
    _search_and_index(run, lang)
    _exports_and_imports(run, lang, tmp_path)
    _split(run, lang, tmp_path)

    backup = run(args=["consult", "backup", str(tmp_path / "b.tar.gz")])
    assert backup.exit_code == 0, backup.output
    check(backup.output, lang)
    refused = run(args=["consult", "restore", str(tmp_path / "b.tar.gz")])
    assert refused.exit_code == 1
    check(refused.output, lang)
    assert ("niet leeg" if dutch else "is not empty") in refused.output
    target = make_app(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "restored",
                      create_schema=False)
    restored = target.test_cli_runner().invoke(
        args=["consult", "restore", str(tmp_path / "b.tar.gz")])
    assert restored.exit_code == 0, restored.output
    check(restored.output, lang)


def _create_admin(run, lang: str) -> None:
    """Asked interactively (a mistyped repeat asked again), then the refusals."""
    made = run(args=["consult", "create-admin"],
               input="baas@regio.example\nBaas\nheel-geheim-1\nheel-geheim-2\n"
                     "heel-geheim-1\nheel-geheim-1\n")
    assert made.exit_code == 0, made.output
    # A prompt's line holds the answer (the password's is not echoed): the prompt is checked.
    asked = re.sub(r"(?m)^([^:\n]+):.*$", r"\1", made.output)
    lines = check(asked, lang)
    assert len(lines) == 8, lines  # 6 prompts, the mismatch, the result
    for args in (["--email", "baas@regio.example"],
                 ["--email", "b@r.example", "--password", "kort"],
                 ["--email", "c@r.example", "--name", "B" * 201]):
        refused = run(args=["consult", "create-admin", "--name", "B",
                            "--password", "heel-geheim-1", *args])
        refusal(refused, lang)


def _search_and_index(run, lang: str) -> None:
    """reindex, index-status (a table of kinds), render, search (hits are data)."""
    for command in (["reindex"], ["render"]):
        result = run(args=["consult", *command])
        assert result.exit_code == 0, result.output
        check(result.output, lang)
    status = run(args=["consult", "index-status"])
    lines = check(status.output, lang, data=(r"\S+ +\S+ +\S+",))  # the table
    assert len(lines) == 8, lines  # the folder, the heads, 5 kinds, the outbox
    header = lines[1].split()
    assert all(word(w, lang) for w in header), header
    kinds = [line.split()[0] for line in lines[2:7]]  # ... and a document's sections
    assert all(word(kind, lang) for kind in kinds), kinds
    hit = r"\[(\S+)\] .*"
    found = run(args=["consult", "search", "jeugdhulp", "--limit", "5"])
    lines = check(found.output, lang, data=(hit,))
    assert len(lines) == 6 and all(word(re.fullmatch(hit, line).group(1), lang)
                                   for line in lines[:5])


def _exports_and_imports(run, lang: str, tmp_path) -> None:
    """Every export format, a path that cannot be written, a consultation that is not there;
    the table and the archive back in (dry runs, a refusal)."""
    for fmt, name in (("csv", "t.csv"), ("xlsx", "t.xlsx"), ("json", "c.json"),
                      ("letters", "brieven")):
        result = run(args=["consult", "export", SLUG, "--format", fmt,
                           "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        check(result.output, lang)
    for args in ([SLUG, "-o", str(tmp_path / "geen" / "map" / "t.csv")],
                 [SLUG, "-o", str(tmp_path / "geen" / "c.json"), "--format", "json"],
                 ["bestaat-niet", "-o", str(tmp_path / "x.csv")]):
        if "--format" not in args:
            args = [*args, "--format", "csv"]
        refused = run(args=["consult", "export", *args])
        refusal(refused, lang)
    table = run(args=["consult", "import", str(tmp_path / "t.xlsx"), "--dry-run"])
    assert table.exit_code == 0, table.output
    check(table.output, lang)
    (tmp_path / "kapot.json").write_bytes(b"\xff\xfe{}")
    for path in (tmp_path / "geen.csv", tmp_path / "brieven", tmp_path / "kapot.json"):
        refused = run(args=["consult", "import", str(path)])
        refusal(refused, lang)


def _split(run, lang: str, tmp_path) -> None:
    """split: the letter's points are data; the summary and every refusal are messages."""
    letter = tmp_path / "brief.txt"
    letter.write_text("1. Eerste punt.\n2. Tweede punt.\n", encoding="utf-8")
    result = run(args=["consult", "split", str(letter)])
    assert result.exit_code == 0, result.output
    assert check(result.output, lang, data=(r"[12]\. \w+ punt\.",))[-1] == (
        "2 punten; 0 regels paginaopmaak weggelaten." if lang == "nl"
        else "2 points; 0 lines of page layout left out.")
    big = tmp_path / "groot.txt"
    with big.open("wb") as f:
        f.truncate(11 * 1024 * 1024)
    for args, stdin in (([str(tmp_path / "weg.txt")], None), ([str(tmp_path)], None),
                        ([str(big)], None), (["-"], b"\xff\xfe kapot")):
        refused = run(args=["consult", "split", *args], input=stdin)
        refusal(refused, lang)


def test_index_status_after_reindexing_an_empty_database(tmp_path):
    """An index built from an empty database has no segment to read: index-status (and a
    search) said NotImplementedError instead of the counts."""
    app = make_app(f"sqlite:///{tmp_path / 'leeg.sqlite3'}", tmp_path)
    run = app.test_cli_runner().invoke
    assert run(args=["consult", "reindex"]).exit_code == 0
    status = run(args=["consult", "index-status"])
    assert status.exit_code == 0, status.output
    assert [line.split() for line in status.output.splitlines()[2:6]] == [
        ["punt", "0", "0"], ["antwoord", "0", "0"], ["bericht", "0", "0"],
        ["indiener", "0", "0"]]
    found = run(args=["consult", "search", "jeugdhulp"])
    assert (found.exit_code, found.output) == (0, "0 resultaten\n")


def test_counts_and_numbers_follow_the_language(lang):
    """One result is "1 resultaat", not "1 resultaten"; Dutch writes 1.234,5 where English
    writes 1,234.5 (the size and the seconds in one line used both notations)."""
    from consult.clitext import _n, number

    one, two = (_n("%(count)s result", "%(count)s results", n, count=n) for n in (1, 2))
    assert (one, two) == (("1 resultaat", "2 resultaten") if lang == "nl"
                          else ("1 result", "2 results"))
    assert number(1234.54, 1) == ("1.234,5" if lang == "nl" else "1,234.5")
    assert number(54639) == ("54.639" if lang == "nl" else "54,639")


USAGE_MISTAKES = [
    ["export"],  # an argument missing
    ["export", SLUG, "-o", "x.csv"],  # an option missing
    ["export", SLUG, "--format", "pdf", "-o", "x.pdf"],  # not one of the choices
    ["export", SLUG, "-o"],  # an option without its value
    ["search", "jeugd", "--limit", "0"],  # out of range
    ["demo", "--snel"],  # no such option
    ["demo", "extra"],  # a word too many
    ["bestaat-niet"],  # no such command
    ["split"],  # a command that needs no app
]


@pytest.mark.parametrize("args", USAGE_MISTAKES, ids=" ".join)
def test_command_line_mistakes_are_told_in_the_runs_language(lang, tmp_path, args):
    """click's own usage errors ("Error: Missing argument 'CONSULTATION'.", with its usage
    lines) were English in a Dutch run: one line in the run's language, exit status 2."""
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path)
    result = app.test_cli_runner().invoke(args=["consult", *args])
    assert result.exit_code == 2, result.output
    (line,) = check(result.output, lang)
    assert line.startswith("Fout: " if lang == "nl" else "Error: ")
    assert line.endswith(" --help`.")


def test_make_messages_finds_every_message_of_the_commands(tmp_path):
    """`make messages` (pybabel extract, then update) would mark an entry obsolete when the
    extraction does not see it: every catalogue entry of the commands is found by the
    Makefile's keywords (ngettext as _n, no-op marks as N_, no calls inside f-strings)."""
    import shlex
    import subprocess

    root = PO.parent.parent.parent.parent.parent
    line = next(n for n in (root / "Makefile").read_text().splitlines()
                if "pybabel extract" in n)
    words = shlex.split(line)
    keywords = [arg for flag, word in zip(words, words[1:], strict=False) if flag == "-k"
                for arg in ("-k", word)]
    pot = tmp_path / "messages.pot"
    subprocess.run([Path(sys.executable).parent / "pybabel", "extract", "-F", "babel.cfg",
                    *keywords, "-o", str(pot), "."], cwd=root, check=True, capture_output=True)
    with pot.open("rb") as f:
        found = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with PO.open("rb") as f:
        ours = [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f)
                if any(path.startswith("consult/cli") for path, _line in m.locations)]
    assert len(ours) > 70 and [m for m in ours if m not in found] == []


def test_help_is_in_the_runs_language(lang, tmp_path):
    """`flask consult --help` and every command's --help: the command's and its options'
    help, the headings and click's own --help line in the run's language (they were
    English in the Dutch run: click reads help strings when the module is imported)."""
    from consult.cli import consult_cli

    app = make_app(f"sqlite:///{tmp_path / 'consult.sqlite3'}", tmp_path, create_schema=False)
    run = app.test_cli_runner().invoke
    flat = lambda text: " ".join(text.split())  # noqa: E731 - click re-wraps the lines
    for name in [None, *consult_cli.commands]:
        result = run(args=["consult", *([name] if name else []), "--help"])
        assert result.exit_code == 0, result.output
        shown = flat(result.output)
        command = consult_cli.commands[name] if name else consult_cli
        texts = [command.help] + [p.help for p in command.params if getattr(p, "help", None)]
        for english in map(flat, texts):
            dutch = flat(catalogue_entry(english))
            assert (dutch if lang == "nl" else english) in shown, (name, shown)
            assert lang == "en" or english not in shown, (name, english)
        headings = ("Gebruik: ", "Opties:", "Deze hulptekst tonen en stoppen.") if \
            lang == "nl" else ("Usage: ", "Options:", "Show this message and exit.")
        assert all(h in result.output for h in headings), result.output
        if lang == "nl":
            assert "Usage" not in result.output and "Options" not in result.output
            assert "default:" not in result.output and "[required]" not in result.output


def catalogue_entry(english: str) -> str:
    """The Dutch msgstr of a msgid (AssertionError when the catalogue lacks it)."""
    with PO.open("rb") as f:
        for m in read_po(f):
            if m.id == english and m.string:
                return m.string
    raise AssertionError(f"not in the catalogue: {english!r}")
