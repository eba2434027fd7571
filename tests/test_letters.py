"""Letters as they arrive at a secretariat: the frame is no point, list forms from Word, PDF and
the web, page furniture anywhere. Rules as properties; the real examples are in the corpus
(tests/fixtures/realworld/letters, run by tests/test_realworld.py)."""

import gc
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.composer import from_text
from consult.intake import DraftPoint, fill_numbers
from consult.letterforms import display_text
from consult.splitter import split

from .test_splitter import assert_nothing_lost, bullet_letters, numbered_letters


def body(text: str) -> list[tuple[str, str | None, str]]:
    """The points proper (no intro, no outro): number, heading, text."""
    return [(p.number, p.heading, p.text) for p in split(text).body]


def numbers(text: str) -> list[str]:
    return [p.number for p in split(text).body]


# --- The frame of a letter ----------------------------------------------------------------------

HEADS = [
    ["Wmo-adviesraad Leiden", "Postbus 9100", "2300 PC Leiden"],
    ["Aan het college van burgemeester en wethouders", "van de gemeente Leiden"],
    ["Aan het College van Burgemeester en Wethouders", "Ter attentie van wethouder G. van Dam",
     "Postbus 9900", "1201 GM  Hilversum"],
    ["Ontvangen op 27 februari 2023"],
    ["Hilversum, 12 maart 2023", "Betreft: Visie Sociaal Domein ontvangen 27 februari 2023"],
    ["Ons kenmerk: 2023/0412", "Uw kenmerk: Z/23/1234", "Datum: 12 maart 2023"],
    ["Betreft:", "Advies over de inkoop jeugdhulp"],
    ["Onderwerp: reactie op de uitgangspunten"],
    ["Van: Fractie GroenLinks <fractie@example.nl>", "Verzonden: maandag 4 maart 2024 16:12",
     "Aan: Griffie <griffie@example.nl>", "Onderwerp: Zienswijze"],
]  # fmt: skip
SALUTATIONS = [
    "Geachte heer Van Voorden, geacht College van Burgemeester en Wethouders,",
    "Geacht bestuur,", "Geacht college,", "Geachte leden van de raad,", "Geachte mevrouw Jansen,",
    "Geachte dames en heren,", "Beste leden van het PHO,", "Beste Jan,", "Geachte voorzitter",
    "L.S.,", "Zeer geachte leden van het algemeen bestuur,",
]  # fmt: skip
CLOSINGS = [
    ["Met vriendelijke groet,", "", "namens de Adviesraad Sociaal Domein,", "", "A. de Wit,",
     "Voorzitter"],
    ["Hoogachtend,", "", "burgemeester en wethouders van Leiden,",
     "de secretaris, de burgemeester,"],
    ["Met vriendelijke groeten,", "Petra Smit", "fractievoorzitter"],
    ["Namens de raad van de gemeente Teylingen,", "de griffier, de voorzitter,"],
    ["Mocht deze brief vragen oproepen, dan zijn wij graag bereid deze te beantwoorden.", "",
     "Met vriendelijke groet,", "J. Jansen"],
    ["Wij vertrouwen erop u hiermee voldoende te hebben geïnformeerd.",
     "Vriendelijke groet,", "Werkgroep Jeugd"],
]  # fmt: skip


def _without_closing(lines: list[str]) -> list[str]:
    """The generated letter up to its own closing (the frame brings one)."""
    return lines[: lines.index("Met vriendelijke groet,")] if "Met vriendelijke groet," in lines \
        else lines


FRAME = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FRAME
@given(
    numbered_letters(),
    st.lists(st.sampled_from(HEADS), max_size=3),
    st.one_of(st.none(), st.sampled_from(SALUTATIONS)),
    st.one_of(st.none(), st.sampled_from(CLOSINGS)),
    st.booleans(),
)
def test_any_letter_in_any_frame_gives_the_same_points(letter, heads, salutation, closing, blank):
    """Letterhead, addressee, subject, salutation and closing never change the points."""
    lines = _without_closing(letter.lines)
    plain = "\n".join(lines) + "\n"
    gap = [""] if blank else []
    head = [line for block in heads for line in [*block, *gap]]
    if salutation:
        head += [salutation, *gap]
    tail = ["", *closing] if closing else []
    framed = "\n".join(head + lines + tail) + "\n"
    result = split(framed)
    assert_nothing_lost(framed, result)
    assert body(framed) == body(plain)
    if salutation:
        assert salutation in result.intro
    if closing:
        assert closing[-1] in result.outro


@FRAME
@given(bullet_letters(), st.sampled_from(SALUTATIONS), st.sampled_from(CLOSINGS))
def test_a_bullet_list_in_any_frame_gives_the_same_points(case, salutation, closing):
    text, _expected = case
    framed = "\n".join([salutation, "", text, "", *closing]) + "\n"
    assert_nothing_lost(framed, split(framed))
    assert [(p.marker, p.text) for p in split(framed).body] == [
        (p.marker, p.text) for p in split(text).body
    ]


def test_a_salutation_directly_above_point_one_opens_the_letter():
    text = "Geachte heer X, geacht College,\n1. Eerste punt.\n2. Tweede punt.\n"
    result = split(text)
    assert numbers(text) == ["1", "2"]
    assert result.intro == "Geachte heer X, geacht College,"
    for salutation in SALUTATIONS:
        assert numbers(f"{salutation}\n1. Preventie.\n2. Regie.\n") == ["1", "2"], salutation


def test_frame_lines_are_never_a_heading_over_the_letter():
    text = (
        "Betreft:\nAdvies inkoop jeugdhulp\n\nAan het college van burgemeester en wethouders\n\n"
        "1. Eerste punt.\n2. Tweede punt.\n"
    )
    result = split(text)
    assert [(p.number, p.heading) for p in result.body] == [("1", None), ("2", None)]
    assert "Advies inkoop jeugdhulp" in result.intro


def test_a_sentence_introducing_the_points_is_intro_not_a_heading():
    for opening in ("Wij reageren als volgt:", "Hieronder onze punten:", "Graag merken wij op:"):
        result = split(f"{opening}\n\n1. Eerste punt.\n2. Tweede punt.\n")
        assert [p.heading for p in result.body] == [None, None], opening
        assert result.intro == opening
    assert split("Vanuit de Raad:\n\n1. Eerste punt.\n").body[0].heading == "Vanuit de Raad:"


def test_a_closing_right_after_a_point_without_blank_line():
    text = "1. Preventie\n2. Vraaggerichte zorg\nMet vriendelijke groet,\nJ. Jansen\n"
    result = split(text)
    assert body(text) == [("1", None, "Preventie"), ("2", None, "Vraaggerichte zorg")]
    assert result.outro == "Met vriendelijke groet,\nJ. Jansen"
    sentence = "1. Wij sturen u\nmet vriendelijke groet de stukken.\n"
    assert body(sentence) == [("1", None, "Wij sturen u met vriendelijke groet de stukken.")]


def test_a_letter_without_numbering_keeps_its_body_as_one_point():
    text = (
        "Geacht college,\n\nDe nota roept weinig nieuwe vragen op.\n\nDe adviesraad mist een "
        "visie op jongeren.\n\nMocht deze brief vragen oproepen, dan horen wij dat graag.\n\n"
        "Met vriendelijke groet,\n\nde adviesraad\n"
    )
    result = split(text)
    assert body(text) == [
        ("", None, "De nota roept weinig nieuwe vragen op.\n"
                   "De adviesraad mist een visie op jongeren.")
    ]
    assert result.intro == "Geacht college,"
    assert result.outro.startswith("Mocht deze brief vragen oproepen")


# --- Lists as Word, PDF, web pages and e-mail write them -----------------------------------------

NUMBER_FORMS = [
    "{n}. {t}", "{n}) {t}", "({n}) {t}", "{n}.\t{t}", "{n}.\u00a0\u00a0\u00a0{t}", "Punt {n}: {t}",
    "Ad {n}. {t}", "• {n}. {t}", "\uf0b7 {n}. {t}", "{n}.{t}", "{n}\t{t}",
]  # fmt: skip


@given(st.sampled_from(NUMBER_FORMS), st.integers(2, 12), st.booleans())
def test_every_number_form_numbers_the_points(form, count, own_line):
    """The forms Word, PDFs, web pages and e-mail clients write give the same points."""
    texts = [f"Tekst van punt {n} over de zorg." for n in range(1, count + 1)]
    if own_line and "{n}.{t}" != form and "\t{t}" not in form:
        lines = [form.format(n=n, t="").rstrip() + "\n" + t for n, t in enumerate(texts, 1)]
    else:
        lines = [form.format(n=n, t=t) for n, t in enumerate(texts, 1)]
    text = "Wij reageren als volgt:\n\n" + "\n".join(lines) + "\n"
    result = split(text)
    assert_nothing_lost(text, result)
    assert body(text) == [(str(n), None, t) for n, t in enumerate(texts, 1)]


SUB_ITEMS = ["a. {t}", "b) {t}", "(c) {t}", "i. {t}", "(ii) {t}", "• {t}", "\uf0b7\t{t}",
             "o\t{t}", "\uf0a7 {t}", "▪ {t}", "◦ {t}", "– {t}", "· {t}", "§\t{t}", "\uf076 {t}",
             "\uf0d8 {t}", "➢ {t}"]  # fmt: skip


@given(st.lists(st.sampled_from(SUB_ITEMS), min_size=1, max_size=5))
def test_sub_items_stay_inside_their_point(subs):
    lines = ["1. De raad vraagt aandacht voor:"]
    lines += [form.format(t=f"onderdeel {k}") for k, form in enumerate(subs)]
    lines += ["2. Tweede punt."]
    text = "\n".join(lines) + "\n"
    result = split(text)
    assert numbers(text) == ["1", "2"]
    first = display_text(result.body[0].text).split("\n")
    assert len(first) == 1 + len(subs)
    assert all(f"onderdeel {k}" in line for k, line in enumerate(first[1:]))


def test_glyph_bullets_become_points_and_never_show_as_boxes():
    text = "Wij vragen aandacht voor:\n\uf0b7\tpreventie\no\tin de wijk\n\uf0b7\tregie\n"
    result = split(text)
    assert [(p.marker, p.text) for p in result.body] == [
        ("\uf0b7", "preventie\no in de wijk"), ("\uf0b7", "regie")
    ]
    preview = from_text(text)
    assert [p.text for p in preview.points] == ["preventie\no in de wijk", "regie"]
    shown = display_text(
        "1. Wij willen:\n\uf0b7 meer\n\uf0a7 minder\n\uf076 anders\n\uf0d8 beter\n\uf0e9 x"
    )
    assert shown == "1. Wij willen:\n• meer\n▪ minder\n❖ anders\n➢ beter\n• x"
    assert display_text("zero\u200bwidth\ufeff") == "zerowidth"


def test_a_number_alone_on_its_line_takes_the_next_line():
    text = (
        "De doelen zijn:\n\n  • 1.\n\n    Leeswijzer\n\n  • 2.\n\n    Het adviesrecht van de raad\n"
    )
    assert body(text) == [("1", None, "Leeswijzer"), ("2", None, "Het adviesrecht van de raad")]


def test_roman_points_and_lettered_points_keep_their_order():
    text = "I. Inleiding.\nII. Advies.\nIII. Slot.\n"
    assert numbers(text) == ["I", "II", "III"]
    letters = "a. Een.\nb. Twee.\nc. Drie.\nd. Vier.\ne. Vijf.\nf. Zes.\ng. Zeven.\nh. Acht.\n"
    assert numbers(letters + "i. Negen.\nj. Tien.\n") == list("abcdefghij")


def test_a_sentence_about_a_point_is_not_a_point():
    text = "1. Eerste punt over de zorg.\n2. Tweede punt over\nPunt 3 is voor ons belangrijk.\n"
    assert numbers(text) == ["1", "2"]


# --- Page furniture -----------------------------------------------------------------------------

FURNITURE = [
    "Pagina 2 van 5", "Pagina 4/4", "- 3 -", "Page 2 of 4", "4 van 7", "3/7", "Blz. 3",
    "11/29/26, 5:02 PM file:///C:/Users/secretariaat/Downloads/advies.html 1/1",
    "11/29/26, 5:02 PM", "file:///C:/Users/secretariaat/Downloads/advies.html 1/1",
    "29-11-2026 17:02 Advies Wmo-raad | Gemeente Leiden",
    "https://www.gemeente.nl/zienswijze-kadernota 2/3",
    "Kenmerk: 2016/0412", "Datum 12 maart 2023", "Ons kenmerk / Datum 2023/45 / 1 maart 2023",
    "Wmo-adviesraad Leiden | Pagina 2 van 3",
]  # fmt: skip


def _repeated_neighbour(lines: list[str], k: int) -> bool:
    """Whether the nearest text line above or below break k occurs more than once: furniture next
    to it makes it a running header by rule, so the property does not hold there."""
    counts: dict[str, int] = {}
    for line in lines:
        key = " ".join(line.split())
        counts[key] = counts.get(key, 0) + 1
    near = [line for line in reversed(lines[:k]) if line.strip()][:1]
    near += [line for line in lines[k:] if line.strip()][:1]
    return any(counts[" ".join(line.split())] > 1 for line in near)


@FRAME
@given(numbered_letters(), st.data())
def test_page_furniture_at_any_line_break_does_not_change_the_points(letter, data):
    lines = list(letter.lines)
    plain = "\n".join(lines) + "\n"
    for _ in range(data.draw(st.integers(1, 3))):
        k = data.draw(st.integers(0, len(lines)))
        if _repeated_neighbour(lines, k):
            continue
        lines.insert(k, data.draw(st.sampled_from(FURNITURE)))
    text = "\n".join(lines) + "\n"
    result = split(text)
    assert_nothing_lost(text, result)
    expected = split(plain)
    assert [(p.role, p.number, p.heading, p.text) for p in result.points] == [
        (p.role, p.number, p.heading, p.text) for p in expected.points
    ]


def test_a_point_goes_on_across_a_page_break():
    text = (
        "1. De raad vraagt het college de toegang tot de jeugdhulp\nPagina 2/4\nWmo-raad Leiden\n"
        "dichter bij de scholen te organiseren.\n2. Tweede punt.\n"
    )
    assert body(text)[0][2] == (
        "De raad vraagt het college de toegang tot de jeugdhulp Wmo-raad Leiden dichter bij de "
        "scholen te organiseren."
    )  # a single short line is not a running header until it repeats
    twice = text.replace(
        "2. Tweede punt.", "2. Tweede punt loopt\nPagina 3/4\nWmo-raad Leiden\ndoor."
    )
    assert [t for _n, _h, t in body(twice)] == [
        "De raad vraagt het college de toegang tot de jeugdhulp dichter bij de scholen te "
        "organiseren.",
        "Tweede punt loopt door.",
    ]


def test_numbers_and_dates_in_the_text_are_not_furniture():
    text = (
        "1. Wij vragen een evaluatie in\n2025/2026 en een rapportage per\n24/7 bereikbare dienst.\n"
        "2. Zie https://www.gemeente.nl/advies voor de stukken.\n"
    )
    result = split(text)
    assert result.dropped == []
    assert numbers(text) == ["1", "2"]


# --- Numbering as saved ---------------------------------------------------------------------------


@given(st.lists(st.one_of(st.just(""), st.integers(1, 30).map(str)), max_size=12, unique_by=lambda
                x: x or object()))
def test_saved_numbers_keep_the_letter_order(written):
    """Unnumbered points get numbers between their neighbours; written numbers never change."""
    points = fill_numbers([DraftPoint(n, "tekst") for n in written])
    saved = [p.number for p in points]
    assert len(set(saved)) == len(saved)
    assert [s for s, w in zip(saved, written, strict=True) if w] == [w for w in written if w]
    if all(w == "" for w in written):
        assert saved == [str(k) for k in range(1, len(written) + 1)]
    ascending = [int(w) for w in written if w]
    if ascending == sorted(ascending):  # a letter numbered in order stays in order when saved
        key = [(int("".join(c for c in s if c.isdigit())), s) for s in saved]
        assert key == sorted(key)


# --- Large inputs ------------------------------------------------------------------------------


def _big_letter(points: int) -> str:
    lines = ["Wmo-adviesraad Leiden", "Postbus 1", "", "Geacht college,", ""]
    for k in range(points):
        if k % 100 == 0:
            lines += ["", f"Onderdeel {k // 100 + 1}", ""]
        if k % 50 == 49:
            lines += [f"Wmo-adviesraad Leiden | Pagina {k // 50 + 1} van 999",
                      "Wmo-adviesraad Leiden"]
        lines += [f"{k % 100 + 1}. Betrek cliënten bij de inkoop van jeugdhulp en",
                  "maak afspraken over de toegang.", "\uf0b7\tmeer preventie", "o\tin de wijk"]
    return "\n".join([*lines, "", "Met vriendelijke groet,", "", "J. Jansen"])


def test_the_splitter_is_linear_time():
    """Four times the letter takes about four times as long (quadratic would be sixteen)."""
    small, large = _big_letter(2_500), _big_letter(10_000)

    def duration(text: str) -> float:
        # The splitter's own work is timed, not the garbage collector's: late in a full run the
        # test process holds a large heap, and one full collection inside the large letter made
        # it 10.8x the small one in CI (with collection off: 0.083 s -> 0.347 s, 4.2x).
        best = float("inf")
        gc.collect()
        gc.disable()
        try:
            for _ in range(3):
                start = time.perf_counter()
                result = split(text)
                best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
        assert len(result.body) == text.count("Betrek cliënten")
        return best

    t_small, t_large = duration(small), duration(large)
    assert t_large < 10 * max(t_small, 0.05), (t_small, t_large)
    assert t_large < 20, t_large  # about 1.5 s on the development machine
