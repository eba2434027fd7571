"""`flask consult split FILE [--json]`: files, standard input, Word, and bad files."""

import json
import shutil
from pathlib import Path

import pytest

from consult import create_app

from .test_extract import DOCX

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def runner(tmp_path):
    """A CLI runner on an app with its own SQLite file (the command does not need it)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        }
    )
    return app.test_cli_runner()


def test_json_of_a_real_letter(runner, tmp_path):
    path = tmp_path / "nieuwkoop.txt"
    shutil.copy(FIXTURES / "nieuwkoop_2016.txt", path)
    result = runner.invoke(args=["consult", "split", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "Cliënten / keuze vrijheid" in result.stdout  # not \u00eb-escaped
    points = json.loads(result.stdout)
    assert [p["number"] for p in points] == [str(i) for i in range(1, 43)]
    assert all(set(p) == {"number", "heading", "text"} for p in points)
    assert points[3] == {
        "number": "4",
        "heading": "Integrale zorg",
        "text": (
            "Integraliteit op stelselniveau door verbinding te leggen bij uitvoering WLZ en ZVW"
        ),
    }


def test_readable_listing(runner):
    result = runner.invoke(args=["consult", "split", str(FIXTURES / "hillegom_raad_2016.txt")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("– Raadsbesluit gemeente Hillegom: Tevens heeft")
    assert "1. Betrekken van de gemeenteraad bij het gehele proces" in lines
    assert "2. Het perspectief van de cliënt vooropstellen in organisatie en proces" in lines
    assert lines[-1] == "3 punten; 0 regels paginaopmaak weggelaten."


def test_listing_shows_headings_and_sub_items(runner):
    result = runner.invoke(args=["consult", "split", str(FIXTURES / "besluitpunten_2016.txt")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Besluitpunten voor de gemeenteraden / colleges"
    sub_item = "a. Inbreng vanuit de gemeenten naar rato jeugdhulpbudget meicirculaire 2016."
    assert "   " + sub_item in lines  # indented under "2. Instemmen ..."


def test_standard_input(runner):
    letter = "Privacy borgen\n\n10. Er moet geïnvesteerd worden in de privacy van\n\njeugdigen.\n"
    result = runner.invoke(args=["consult", "split", "-", "--json"], input=letter)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "number": "10",
            "heading": "Privacy borgen",
            "text": "Er moet geïnvesteerd worden in de privacy van jeugdigen.",
        }
    ]


def test_word_file(runner, tmp_path):
    path = tmp_path / "reactie.docx"
    path.write_bytes(DOCX)
    result = runner.invoke(args=["consult", "split", str(path), "--json"])
    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)
    assert [p["number"] for p in points] == ["", "1", "2", ""]
    assert points[1]["text"] == "Cliënten centraal in één loket"
    assert points[2]["text"].startswith("Meer regie voor de gemeenteraad\n• ook voor 18+")


def test_a_file_that_is_not_what_it_says(runner, tmp_path):
    path = tmp_path / "reactie.pdf"
    path.write_text("1. Dit is geen PDF.")
    result = runner.invoke(args=["consult", "split", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Fout: {path}: Dit bestand is geen leesbare PDF.\n"


def test_a_missing_file_or_a_folder(runner, tmp_path):
    result = runner.invoke(args=["consult", "split", str(tmp_path / "weg.txt")])
    assert result.exit_code == 1
    assert result.stderr == (f"Fout: Kan {tmp_path / 'weg.txt'} niet lezen: het bestand of de "
                             "map bestaat niet.\n")
    result = runner.invoke(args=["consult", "split", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == f"Fout: Kan {tmp_path} niet lezen: dit is een map.\n"


def test_standard_input_that_is_not_utf8(runner):
    result = runner.invoke(args=["consult", "split", "-"], input="1. Cliënten".encode("cp1252"))
    assert result.exit_code == 1
    assert result.stderr == "Fout: De invoer is geen UTF-8-tekst.\n"
