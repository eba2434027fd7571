"""A whole consultation as JSON: export, import into an empty database, export again: the same."""

import json

from consult.db import get_session

from .conftest import Actor, empty_database, make_app

SLUG = "holland-rijnland-jeugdhulp-2016"


def test_round_trip_gives_identical_output(demo_app, tmp_path):
    # Some history beyond the demo: a message, a landing, a commitment.
    secretary = Actor(demo_app.test_client(), "secretary")
    assert secretary.form_post(f"/consultaties/{SLUG}/toezeggingen", {
        "response_id": 1, "description": "Terugkoppelen", "owner": "TWO",
        "due_meeting": "PHO maart"}).status_code == 303
    first = tmp_path / "first.json"
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["consult", "export", SLUG, "--format", "json", "-o", str(first)])
    assert result.exit_code == 0, result.output
    data = json.loads(first.read_text(encoding="utf-8"))
    assert sum(len(r["points"]) for r in data["reactions"]) == 204
    assert len(data["responses"]) == 53 and data["responses"][0]["commitments"]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = make_app(empty_database("sqlite", elsewhere), elsewhere)
    runner2 = other.test_cli_runner()
    dry = runner2.invoke(args=["consult", "import", str(first), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "niets geschreven" in dry.output and "204 punten" in dry.output
    with other.app_context():
        from sqlmodel import func, select

        from consult.models import Point
        assert get_session().exec(select(func.count()).select_from(Point)).one() == 0
    done = runner2.invoke(args=["consult", "import", str(first)])
    assert done.exit_code == 0, done.output
    second = tmp_path / "second.json"
    again = runner2.invoke(args=["consult", "export", SLUG, "--format", "json", "-o",
                                 str(second)])
    assert again.exit_code == 0, again.output
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    # The imported consultation reads like the original.
    page = other.test_client().get(f"/consultaties/{SLUG}").get_data(as_text=True)
    assert "203 van 204 punten beantwoord" in page
    twice = runner2.invoke(args=["consult", "import", str(first)])
    assert twice.exit_code == 1 and "Er is al een consultatie" in twice.output
    other.extensions["consult.engine"].dispose()


def test_bad_files_get_a_dutch_message(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    for name, content, message in [
        ("kapot.json", "{niet: json", "Geen geldige JSON"),
        ("ander.json", '{"format": "iets anders"}', "Dit is geen consult-archief"),
        ("half.json", '{"format": "consult-archive", "version": 1, "consultation": '
                      '{"slug": "nieuw"}}', "onvolledig of beschadigd"),
        ("tabel.xlsx", "x", "Dit is geen Excel-bestand (.xlsx)"),
        # Any other file is read as a table by its content: text without our columns.
        ("brief.txt", "x", "De kopregel mist de kolom(men): stakeholder, channel, number, text"),
    ]:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = runner.invoke(args=["consult", "import", str(path)])
        assert result.exit_code == 1 and message in result.output, (name, result.output)
