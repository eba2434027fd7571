"""Point selections typed the way the documents write them; bad ones get a Dutch message."""

import pytest

from consult.ranges import SelectionError, format_selection, parse_selection

from .conftest import make_app

NUMBERS = [str(i) for i in range(1, 21)]


@pytest.fixture
def app(tmp_path):
    """Selections need only the app's translations: one SQLite app is enough."""
    return make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, create_schema=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 t/m 5", ["1", "2", "3", "4", "5"]),
        ("De punten 1 tot en met 3", ["1", "2", "3"]),
        ("6-9", ["6", "7", "8", "9"]),
        ("6 - 9", ["6", "7", "8", "9"]),
        ("4, 9, 10 en 11", ["4", "9", "10", "11"]),
        ("Punten 4,9, 10 en 11", ["4", "9", "10", "11"]),
        ("punt 12", ["12"]),
        ("11 en 1 t/m 2", ["1", "2", "11"]),
        ("alle punten", NUMBERS),
        ("Alle", NUMBERS),
    ],
)
def test_selections(app, text, expected):
    with app.test_request_context():
        assert parse_selection(text, NUMBERS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("punten 3 t/m 1", "Het bereik 3 t/m 1 loopt achteruit"),
        ("21", "Punt 21 bestaat niet in deze reactie."),
        ("1 t/m 99", "Punt 99 bestaat niet in deze reactie."),
        ("", "Noem ten minste één punt."),
        ("  ,  en ", "Noem ten minste één punt."),
        # a range cut off (the trial: "1-" said "Punt 1- bestaat niet in deze reactie.")
        ("1-", "Het bereik „1-” is niet af: noem het eerste en het laatste punt"),
        ("1 t/m", "Het bereik „1 t/m” is niet af"),
        ("t/m 3", "Het bereik „t/m 3” is niet af"),
        ("-3", "Het bereik „-3” is niet af"),
        ("2, 4 -", "Het bereik „4 -” is niet af"),
        ("3 to", "Het bereik „3 to” is niet af"),
    ],
)
def test_bad_selections_say_what_is_wrong_in_dutch(app, text, message):
    with app.test_request_context():
        with pytest.raises(SelectionError) as err:
            parse_selection(text, NUMBERS)
    assert message in str(err.value)


def test_numbers_that_are_not_integers_follow_the_reactions_order(app):
    numbers = ["1.1", "1.2", "1.3", "a", "b"]
    with app.test_request_context():
        assert parse_selection("1.2 t/m a", numbers) == ["1.2", "1.3", "a"]


# The answer panel writes the ticked points back into the selection field
# (ranges.format_selection): what it writes reads back as the same points.
MIXED = ["1", "2", "3", "3a", "4", "1.1", "1.2", "1.10", "a", "b", "12"]


@pytest.mark.parametrize(
    ("numbers", "chosen", "text"),
    [
        (NUMBERS, [], ""),
        (NUMBERS, ["4"], "4"),
        (NUMBERS, ["1", "2"], "1, 2"),
        (NUMBERS, ["1", "2", "3"], "1 t/m 3"),
        (NUMBERS, ["1", "2", "3", "5", "7", "8", "9", "10"], "1 t/m 3, 5, 7 t/m 10"),
        (NUMBERS, ["11", "1", "2", "3"], "1 t/m 3, 11"),  # in the reaction's order
        (NUMBERS, NUMBERS, "1 t/m 20"),
        (MIXED, ["3", "3a", "4"], "3 t/m 4"),
        (MIXED, ["1.1", "1.2", "1.10", "a"], "1.1 t/m a"),
        (MIXED, ["b", "12"], "b, 12"),
        (MIXED, ["99"], ""),  # not a point of this reaction
    ],
)
def test_ticked_points_are_written_as_a_selection_that_reads_back(app, numbers, chosen, text):
    assert format_selection(chosen, numbers) == text
    if text:
        with app.test_request_context():
            assert parse_selection(text, numbers) == [n for n in numbers if n in chosen]


@pytest.mark.parametrize(("text", "expected"), [
    ("1000-1002", ["1000", "1001", "1002"]),
    ("998 t/m 1001", ["998", "999", "1000", "1001"]),
    ("punten 999 en 1005", ["999", "1005"]),
])
def test_selections_past_point_999(app, text, expected):
    numbers = [str(i) for i in range(1, 1006)]
    with app.app_context():
        assert parse_selection(text, numbers) == expected
        assert parse_selection(format_selection(expected, numbers), numbers) == expected
