"""A built wheel is a working consult: it holds the compiled Dutch catalogue (built by
setuptools-gettext, not by the Makefile), the templates, the static files and the migrations,
and installed into a fresh virtual environment it migrates a database and serves Dutch pages.

The wheel is built from a copy of the files git knows (as a fresh checkout has them: no .mo);
the fresh environment sees the test environment's libraries through a .pth file but not its
editable consult (a .pth file named in another .pth is not run), so nothing is reinstalled."""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import read_mo

ROOT = Path(__file__).parent.parent
MO = "consult/translations/nl/LC_MESSAGES/messages.mo"

CHECK = """
import sys
from pathlib import Path

import consult
from consult import create_app
from consult.db import upgrade

assert Path(consult.__file__).is_relative_to(sys.prefix), consult.__file__
url = "sqlite:///" + sys.argv[1] + "/consult.sqlite3"
upgrade(url)
app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url,
                  "INSTANCE_PATH": sys.argv[1] + "/instance"})
client = app.test_client()
page = client.get("/inloggen")
print(page.status_code, client.get("/static/consult.css").status_code)
print(page.get_data(as_text=True))
"""


def _source_copy(target: Path) -> Path:
    """The files git tracks or would add (not the ignored .mo, .venv, instance...)."""
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
    return target


def _fresh_venv(folder: Path) -> Path:
    """A virtual environment without pip, seeing the test environment's libraries."""
    venv.create(folder, with_pip=False)
    python = folder / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True, text=True)
    libraries = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site.stdout.strip(), "test-libraries.pth").write_text("\n".join(libraries) + "\n")
    return python


def test_the_wheel_holds_the_dutch_catalogue_and_serves_dutch(tmp_path):
    assert shutil.which("msgfmt"), "setuptools-gettext compiles with GNU msgfmt: `make gettext`"
    source = _source_copy(tmp_path / "source")
    assert not (source / MO).exists() and (source / MO).with_suffix(".po").exists()
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "-w", str(tmp_path / "dist")],
                   check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("consult-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        catalogue = read_mo(BytesIO(archive.read(MO)))
    assert catalogue.get("Password").string == "Wachtwoord"
    # Every module, template, static file and migration of the source is in the wheel.
    wanted = {str(p.relative_to(source)) for p in (source / "consult").rglob("*.py")}
    for folder in ("templates", "static", "migrations"):
        wanted |= {f"consult/{p.relative_to(source)}" for p in (source / folder).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts}
    assert wanted - names == set()

    python = _fresh_venv(tmp_path / "venv")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index",
                    "--no-compile", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "work"  # not the repository: its consult/ would be imported instead
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "PYTHON"))}
    run = subprocess.run([python, "-c", CHECK, str(work)], cwd=work, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    status, html = run.stdout.split("\n", 1)
    assert status == "200 200"
    assert "Wachtwoord" in html and "Inloggen" in html and "Password" not in html

    # A command of the installed package speaks Dutch too (its catalogue, not the Makefile's).
    letter = work / "brief.txt"
    letter.write_text("1. Eerste punt.\n2. Tweede punt.\n", encoding="utf-8")
    split = subprocess.run([python, "-m", "flask", "--app", "consult:create_app", "consult",
                            "split", str(letter)], cwd=work, capture_output=True, text=True,
                           env={**env, "CONSULT_INSTANCE_PATH": str(work / "instance")})
    assert split.returncode == 0, split.stderr
    assert split.stdout.splitlines()[-1] == "2 punten; 0 regels paginaopmaak weggelaten."
