"""The splitter on real letters from the 2016 round, on generated letters, and on any text."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.splitter import SplitResult, split

FIXTURES = Path(__file__).parent / "fixtures"


def read_fixture(name: str) -> str:
    """A fixture letter, exactly as it was cut from the seed text."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def norm(text: str) -> str:
    """Whitespace-normalised text, for word-for-word comparisons."""
    return " ".join(text.split())


def nonspace(text: str) -> list[str]:
    """The non-whitespace characters of text, in order."""
    return [c for c in text if not c.isspace()]


def assert_nothing_lost(text: str, result: SplitResult) -> None:
    """Every non-whitespace character outside the dropped lines is in exactly one point, in order.

    The points are rendered back as: the heading where it opens, then label ("Punt ", "(", a
    bullet before a number), number, marker and text.
    The only characters allowed to go missing are line-end hyphens, and exactly as many as the
    result says it removed.
    """
    lines = text.splitlines()
    assert [lines[i] for i in result.dropped_lines] == result.dropped
    dropped = set(result.dropped_lines)
    source: list[str] = []
    line_end_hyphens: set[int] = set()
    for i, line in enumerate(lines):
        if i in dropped:
            continue
        chars = nonspace(line)
        if chars and chars[-1] == "-":
            line_end_hyphens.add(len(source) + len(chars) - 1)
        source.extend(chars)
    rendered: list[str] = []
    for point in result.points:
        if point.opens_heading:
            rendered.extend(nonspace(point.heading or ""))
        rendered.extend(nonspace(point.label + point.number + point.marker + point.text))
    i = j = skipped = 0
    while i < len(source):
        if j < len(rendered) and source[i] == rendered[j]:
            i, j = i + 1, j + 1
        elif i in line_end_hyphens:
            i, skipped = i + 1, skipped + 1
        else:
            context = "".join(source[max(0, i - 30) : i + 30])
            raise AssertionError(
                f"text lost or changed near {context!r} (got {rendered[j : j + 20]})"
            )
    assert j == len(rendered), f"points contain text not in the input: {rendered[j : j + 40]}"
    assert skipped == result.hyphens_removed


def numbers(result: SplitResult) -> list[str]:
    """The point numbers in order."""
    return [p.number for p in result.points]


def by_number(result: SplitResult, number: str, occurrence: int = 0):
    """The point with this number (the n-th one when numbering restarts)."""
    return [p for p in result.points if p.number == number][occurrence]


def upto(n: int) -> list[str]:
    """The point numbers "1" up to n."""
    return [str(i) for i in range(1, n + 1)]


# --- Real letters of the 2016 round (tests/fixtures, cut from the seed texts) -------------------


def test_leiden_ambtelijk_and_wmo_adviesraad():
    text = read_fixture("leiden_2016.txt")
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == upto(10) + upto(6)
    assert [p.heading for p in result.points] == ["Leiden Ambtelijke uitvraag:"] * 10 + [
        "WMO Adviesraad"
    ] * 6
    # the page break after point 2: page number and repeated table header are gone
    assert result.dropped == ["10 ", "Gemeente / ", "subregio ", "Uitgangspunten Toelichting "]
    assert not any("subregio" in p.text or "Toelichting" in p.text for p in result.points)
    assert by_number(result, "2").text == (
        "Integraliteit ( o.a. evt. integraal pgb) NB let op relatie verzekeringsmodel"
    )
    assert by_number(result, "5").text == (
        "Ruimte voor lokale initiatieven (initiatieven uit de stad, zoals eerder gebeurde met de "
        "Merel-Foundation)"
    )
    wmo = result.points[10:]
    assert wmo[0].text == (
        "Er wordt veelal uitgegaan van het gesprek tussen gemeentes/regio en aanbieders, cliënten "
        "worden gemist, bijv. op bijlage 1, blz 3, punt 2. Advies: cliënten duidelijk onderdeel "
        "laten zijn van het proces."
    )
    # point 4 runs on after the cut-out Toelichting block, mid-sentence
    assert "uitvoeringspraktijk) zorgen over het kunnen bieden van maatwerk" in wmo[3].text
    assert wmo[3].text.endswith(
        "verwijst graag naar het wettelijke kader waarin dit is vastgelegd."
    )
    assert wmo[5].text == (
        "Uit de tekst lijkt te blijken dat het doel van de versnelling van de transformatie het "
        "realiseren van de bezuinigingen is. De Adviesraad is in de veronderstelling dat de "
        "gehele transformatie voor de gemeente Leiden kwaliteitsverbetering beoogt (p.3a) zoals "
        "ook elders in de tekst wordt geschreven. Advies: beschrijf duidelijk wat de versnelling "
        "van de transformatie beoogt."
    )


NIEUWKOOP_HEADINGS = (
    ["Nieuwkoop Ambtelijke uitvraag:"] * 3
    + ["Integrale zorg"] * 2
    + ["JGT Algemeen"] * 4
    + ["Sturing JGT"] * 7
    + ["Cliënten / keuze vrijheid"] * 3
    + ["Financiën"] * 3
    + ["Inkoop"] * 5
    + ["Sturing algemeen"] * 15
)


def test_nieuwkoop_42_points_under_their_headings():
    text = read_fixture("nieuwkoop_2016.txt")
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == upto(42)
    assert [p.heading for p in result.points] == NIEUWKOOP_HEADINGS
    first = result.points[0]
    assert (first.number, first.marker) == ("1", "")  # "1 Verbinding ...": no dot
    assert first.text == "Verbinding zoeken met alle leefgebieden en gezonde leefstijl"
    assert result.dropped == ["14 ", "Gemeente / ", "subregio ", "Uitgangspunten Toelichting "]
    # point 24 is broken by the page break "14 / Gemeente / subregio / Uitgangspunten Toelichting"
    assert by_number(result, "24").text == (
        "Populatie bekostiging draagt bij aan doelstellingen transitie ( preventie/ kostenbewust, "
        "effectieve inzet van middelen)"
    )
    assert by_number(result, "11").text == (
        "Acceptatie van gemeentelijke coördinatie op het team (vooral belangrijk om goed in te "
        "regelen op moment dat de coöperatie een feit is en van daaruit leiding begin te komen)\\"
    )
    assert by_number(result, "34").text == "JGT"
    assert by_number(result, "42").text == "Aantal uithuisplaatsingen"
    opened = [p.heading for p in result.points if p.opens_heading]
    assert opened == list(dict.fromkeys(NIEUWKOOP_HEADINGS))


def test_hillegom_council_decision_keeps_its_intro():
    text = read_fixture("hillegom_raad_2016.txt")
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == ["", "1", "2"]
    assert all(p.heading is None for p in result.points)
    assert result.points[0].text == (
        "Raadsbesluit gemeente Hillegom: Tevens heeft de gemeente Hillegom een raadsbesluit "
        "(aangenomen motie 17-09-2015) aangeleverd met daarin de volgende aandachtspunten ten "
        "aanzien van de regionale inkoop:"
    )
    assert result.points[1].text == "Betrekken van de gemeenteraad bij het gehele proces"
    assert result.points[2].text == (
        "Het perspectief van de cliënt vooropstellen in organisatie en proces"
    )


DNB_HEADINGS = (
    [None]
    + ["Inkoop in relatie tot beleid"] * 5
    + ["Integrale aanpak"] * 4
    + ["Privacy borgen"]
    + ["Samenwerken met zorgaanbieders"] * 2
    + ["Capaciteit voor opdrachtgeverschap"] * 3
    + ["Aanvullingen gemeenteraden per gemeente\nGemeente Lisse"] * 3
    + ["Gemeente Teylingen"] * 12
    + ["Gemeente Noordwijkerhout"] * 9
)


def test_duin_bollenstreek_joint_letter_numbering_runs_across_senders():
    text = read_fixture("duin_bollenstreek_2016.txt")
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == [""] + upto(39)
    assert [p.heading for p in result.points] == DNB_HEADINGS
    assert result.points[0].text.startswith("Duin & Bollenstreek\nAmbtelijke uitvraag:")
    assert result.points[0].text.endswith("Noordwijk, Noordwijkerhout en Teylingen:")
    # "2020." starts a line inside point 13: a year, not point 2020
    assert by_number(result, "13").text == (
        "Het is noodzakelijk dat gemeenten van Holland Rijnland een besluit nemen over het "
        "voortbestaan van de gezamenlijke Tijdelijke Werkeenheid Opdrachtgeverschap Jeugdhulp "
        "(TWO) na 2016. Wij bepleiten een verlenging van 4 jaar tot en met 2020. Wij vragen "
        "Holland Rijnland daar een voorstel voor te doen."
    )
    assert by_number(result, "10").text.endswith(
        "Informatie uitwisselen over mensen moet mogelijk zijn als dit zinvol is voor het "
        "bereiken van doelen van de cliënt."
    )
    assert by_number(result, "16").text == (
        "In het nieuwe inkoopmodel moet het mogelijk zijn nieuwe aanbieders te contracteren."
    )
    assert (
        "organiseren in en rondom het Jeugd- en Gezinsteam, en verbinden"
        in by_number(result, "20").text
    )
    # point 28 goes on in a second paragraph after the cut-out Toelichting
    assert by_number(result, "28").text.split("\n") == [
        "Ga meer uit van kwaliteit van de hulpverlening.",
        "Hierbij wordt gedacht aan een bredere blik van hulpverleners, handelingsgericht werken, "
        "werken vanuit integraliteit. Dit kan bijdragen aan de kanteling in de benadering van de "
        "jeugdzorg van financiën naar kwaliteit. Wat verstaan wij onder kwaliteit? Wanneer is "
        "goed goed genoeg? Willen/moeten wij hierop sturen? Wie beoordeelt wanneer de kwaliteit "
        "voldoende/goed is? Vindt een methode voor kwaliteitstoetsing.",
    ]


def test_zoeterwoude_numbering_with_and_without_dots():
    text = read_fixture("zoeterwoude_2016.txt")
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == upto(12) + upto(11)
    assert [p.marker for p in result.points] == ["."] * 12 + [""] * 11
    assert [p.heading for p in result.points] == ["Zoeterwoude Ambtelijke uitvraag:"] * 12 + [
        "Vanuit de Raad:"
    ] * 11
    council = result.points[12:]
    assert council[0].text == "Het beschikbare geld dient effectief besteed te worden"
    assert council[2].text == "Vraaggerichte zorg"
    assert council[9].text == "Flexibele contracten; voldoende ruimte voor nieuwe aanbieders"
    assert council[10].text == "Indien mogelijk geen knip tussen PGB en ZIN"


def test_decision_points_keep_their_lettered_sub_items():
    text = read_fixture("besluitpunten_2016.txt")
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == ["1", "2", "3", "4"]
    assert {p.heading for p in result.points} == {"Besluitpunten voor de gemeenteraden / colleges"}
    one, two, three, four = result.points
    assert one.text.startswith(
        "Instemmen met het inzetten van de verhoging van de middelen vanuit de meicirculaire voor "
        "het inkopen van extra regionale jeugdhulp - dit vanuit de beleidslijn"
    )
    assert two.text.split("\n") == [
        "Instemmen met regionaal incidenteel 3 miljoen extra in 2016 ter beschikking stellen voor "
        "het inkopen van extra regionale jeugdhulp zorg in natura.",
        "a. Inbreng vanuit de gemeenten naar rato jeugdhulpbudget meicirculaire 2016.",
    ]
    lines = three.text.split("\n")
    assert lines[0] == (
        "Instemmen met het regionaal instellen van een Tijdelijk Fonds Jeugdhulp Holland Rijnland "
        "van totaal € 7 miljoen om de transformatie te stimuleren."
    )
    assert lines[1] == (
        "a. Vulling van het fonds volgens de systematiek: €1mln. (2016), €3mln. (2017), €2mln. "
        "(2018), €1mln. (2019),"
    )
    assert lines[2].startswith("b. Inbreng vanuit de gemeenten naar rato jeugdhulpbudget.")
    assert len(lines) == 3
    assert four.text.split("\n") == [
        "Instemmen met de definitieve regionale programmabegroting Jeugdhulp 2016 Holland Rijnland "
        "en definitieve bijdrage van de eigen gemeente (aparte bijlage).",
        "a. Kennis te nemen van de detailbegroting 2016 en de verdeling naar gemeenten.",
    ]
    assert result.hyphens_removed == 3  # meicircu-laire, Hol-land, gemeen-ten


def test_annex_with_multi_level_numbers():
    text = read_fixture("bijlage1_2016.txt")
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    assert {p.heading for p in result.points} == {"Bijlage 1 Kern van de vraagstukken"}
    first = result.points[0].text.split("\n")
    assert first[0] == "Uitname Wlz-middelen voor slecht 50% kunnen inboeken"
    assert first[1].startswith(
        "Gedurende 2015 is de begroting 2015 neerwaarts bijgesteld van € 107,5 miljoen tot € 103,7 "
        "miljoen als gevolg van de WLZ-uitname (3,1 miljoen) en andere herberekeningen (0,7 "
        "miljoen) door het Rijk."
    )
    assert result.points[1].text.split("\n") == [
        "Gemiddeld 10% budgetkorting 2016 voor aanbieders (na 6% korting 2015)",
        "Ten opzichte van de primaire begroting 2015 gaat het voor 2016 om een korting van 9,3%.",
        "In 2015 bedroeg de korting 6% ten opzichte van het voorgaande jaar.",
    ]
    assert "de door de jeugdhulpaanbieders geleverde capaciteit" in result.points[2].text
    assert "met de specialistische zorgaanbieders" in result.points[2].text
    assert result.points[4].text.endswith("in relatie tot het sterk verminderde budget.")
    assert result.dropped == []  # the footnote marker "2" is not a page number: kept


@pytest.mark.parametrize(
    ("fixture", "reactions"),
    [
        ("leiden_2016.txt", ["leiden-ambtelijk", "leiden-wmo-adviesraad"]),
        ("nieuwkoop_2016.txt", ["nieuwkoop-ambtelijk"]),
        ("hillegom_raad_2016.txt", ["hillegom-raadsbesluit"]),
        ("duin_bollenstreek_2016.txt", ["dnb-gezamenlijk"]),
        ("zoeterwoude_2016.txt", ["zoeterwoude-ambtelijk", "zoeterwoude-raad"]),
    ],
)
def test_points_match_the_hand_transcribed_demo_data(fixture, reactions):
    """The demo data was typed over from the same table by hand: same numbers, same words."""
    from consult.demo import read_data

    transcribed = {r["key"]: r["points"] for r in read_data()["reactions"]}
    expected = [p for key in reactions for p in transcribed[key]]
    found = [p for p in split(read_fixture(fixture)).points if p.number]
    expected = expected[: len(found)]  # the joint letter goes on after point 39
    assert [p.number for p in found] == [str(p["number"]) for p in expected]
    assert [norm(p.text) for p in found] == [norm(p["body"]) for p in expected]


def test_every_demo_reaction_rebuilt_as_text_splits_back_into_its_points():
    """All 17 reactions, 204 points: numbers, headings and (without an outro) texts come back.

    An outro paragraph after the last point stays in that point as a second paragraph.
    """
    from consult.demo import original_text, read_data

    for reaction in read_data()["reactions"]:
        found = [p for p in split(original_text(reaction)).points if p.number]
        expected = reaction["points"]
        assert [p.number for p in found] == [str(p["number"]) for p in expected]
        assert [p.heading for p in found] == [p.get("heading") for p in expected]
        if not reaction.get("outro"):
            assert [norm(p.text) for p in found] == [norm(p["body"]) for p in expected]


# --- Small letters: one rule each --------------------------------------------------------------


def test_hyphenation_is_repaired_only_before_a_lowercase_letter():
    text = "1. De middelen uit de meicircu-\n\nlaire van Hol-\nland en de Merel-\nFoundation\n"
    result = split(text)
    assert result.points[0].text == (
        "De middelen uit de meicirculaire van Holland en de Merel-Foundation"
    )
    assert result.hyphens_removed == 2
    assert_nothing_lost(text, result)


def test_suspended_hyphens_and_acronyms_keep_their_hyphen():
    text = "1. Het Jeugd-\nen Gezinsteam krijgt WLZ-\nmiddelen in Q1-\n2016.\n"
    result = split(text)
    assert result.points[0].text == "Het Jeugd- en Gezinsteam krijgt WLZ-middelen in Q1-2016."
    assert result.hyphens_removed == 0


def test_page_numbers_go_but_numbered_points_and_numbers_in_text_stay():
    text = (
        "9. Eerste punt over de zorg.\n\n10. Tweede punt over\n\n10\n\nde inkoop.\n\n"
        "- 3 -\n\nPagina 3 van 4\n\n11. Derde punt.\n"
    )
    result = split(text)
    assert numbers(result) == ["9", "10", "11"]
    assert result.points[1].text == "Tweede punt over de inkoop."
    assert result.dropped == ["10", "- 3 -", "Pagina 3 van 4"]
    assert_nothing_lost(text, result)


def test_letterhead_lines_are_dropped_and_the_subject_stays():
    text = (
        "Ons kenmerk: 2016/0412\nDatum: 12 januari 2016\nOnderwerp: reactie uitgangspunten\n\n"
        "Geachte leden van het PHO,\n\nWij reageren als volgt:\n\n"
        "1. Eerste punt.\n2. Tweede punt.\n"
    )
    result = split(text)
    assert result.dropped == ["Ons kenmerk: 2016/0412", "Datum: 12 januari 2016"]
    assert numbers(result) == ["", "1", "2"]
    intro = result.points[0]
    assert intro.heading is None
    assert intro.text.split("\n") == [
        "Onderwerp: reactie uitgangspunten",
        "Geachte leden van het PHO,",
        "Wij reageren als volgt:",
    ]
    assert_nothing_lost(text, result)


def test_text_pasted_from_word_has_no_blank_lines():
    text = "Geachte leden,\nHierbij onze reactie.\n1. Preventie.\n2. Regie.\n"
    text += "Met vriendelijke groet,\nJan"
    result = split(text)
    assert numbers(result) == ["", "1", "2", ""]
    assert result.points[0].text == "Geachte leden,\nHierbij onze reactie."
    assert result.points[3].text == "Met vriendelijke groet,\nJan"


def test_bullets_without_numbering_become_points():
    text = (
        "Wij vragen aandacht voor:\n\n• Dekkend zorgaanbod in de regio\n"
        "• Minder administratieve lasten voor\naanbieders en gemeenten\n"
        "- Ruimte voor nieuwe aanbieders\n"
    )
    result = split(text)
    assert numbers(result) == ["", "", "", ""]
    assert [p.marker for p in result.points] == ["", "•", "•", "-"]
    assert [p.text for p in result.points] == [
        "Wij vragen aandacht voor:",
        "Dekkend zorgaanbod in de regio",
        "Minder administratieve lasten voor aanbieders en gemeenten",
        "Ruimte voor nieuwe aanbieders",
    ]
    assert_nothing_lost(text, result)


def test_a_bullet_list_is_parsed_once(monkeypatch):
    """A text of bullets and no numbering cannot give a point a number, so the splitter goes
    straight to bullets-as-points: a megabyte of "- x" lines cost two full parses before."""
    from consult import splitter

    runs = []
    original = splitter._Parser.run

    def counted(self, limit=None):
        runs.append(self.bullet_points)
        return original(self, limit)

    monkeypatch.setattr(splitter._Parser, "run", counted)
    assert [p.text for p in split("- een\n- twee\n- drie\n").points] == ["een", "twee", "drie"]
    assert runs == [True]
    runs.clear()
    assert numbers(split("a. een\n- twee\n")) == ["a"]  # a letter may number: both passes
    assert runs == [False]


def test_bullets_inside_a_numbered_point_stay_in_it():
    text = "1. Wij willen:\n• meer preventie\n• minder bureaucratie\n2. Tweede punt.\n"
    result = split(text)
    assert numbers(result) == ["1", "2"]
    assert result.points[0].text == "Wij willen:\n• meer preventie\n• minder bureaucratie"


def test_lettered_items_without_a_numbered_parent_are_points():
    text = (
        "Twee voorstellen:\n\na. Oplossen van de knelpunten.\nb) Stimuleren van de transformatie.\n"
    )
    result = split(text)
    assert numbers(result) == ["a", "b"]
    assert [p.marker for p in result.points] == [".", ")"]
    assert [p.heading for p in result.points] == ["Twee voorstellen:"] * 2
    intro = split("Wij doen twee voorstellen aan het PHO:\n\na. Oplossen.\nb. Stimuleren.\n")
    assert numbers(intro) == ["", "a", "b"]
    capitals = split("A. Budgettair tekort 2016\n\nB. Tijdelijk fonds\n")
    assert numbers(capitals) == ["A", "B"]


def test_unnumbered_sections_under_headings_are_one_point_each():
    text = (
        "Integrale aanpak\n\nDe gemeente wil meer samenhang.\n\nDat vraagt om regie.\n\n"
        "Privacy borgen\n\nInformatie delen moet kunnen.\n"
    )
    result = split(text)
    assert numbers(result) == ["", ""]
    assert [p.heading for p in result.points] == ["Integrale aanpak", "Privacy borgen"]
    assert result.points[0].text == "De gemeente wil meer samenhang.\nDat vraagt om regie."
    assert_nothing_lost(text, result)


def test_headings_above_each_other():
    text = (
        "15. Laatste punt.\n\nAanvullingen gemeenteraden\n\nGemeente Lisse\n\n16. Punt.\n\n"
        "Korte regel\n\nNog een korte regel\n\nMet vriendelijke groet,\n"
    )
    result = split(text)
    assert numbers(result) == ["15", "16", ""]
    assert result.points[1].heading == "Aanvullingen gemeenteraden\nGemeente Lisse"
    # short lines that lead to no point are text, not a pile of headings
    assert result.points[1].text == "Punt.\nKorte regel\nNog een korte regel"
    assert result.points[2].heading is None


def test_a_closing_is_not_part_of_the_last_point():
    text = "1. Eerste punt.\n2. Laatste punt.\n\nMet vriendelijke groet,\n\nJ. Jansen\nwethouder\n"
    result = split(text)
    assert numbers(result) == ["1", "2", ""]
    assert result.points[1].text == "Laatste punt."
    assert result.points[2].text == "Met vriendelijke groet,\nJ. Jansen wethouder"


def test_a_letter_opening_on_behalf_of_the_college_keeps_its_points():
    text = (
        "Geachte leden van het PHO,\n\nNamens het college van burgemeester en wethouders "
        "reageren wij als volgt.\n\n1. Eerste punt.\n2. Tweede punt.\n\nHoogachtend,\n"
    )
    assert numbers(split(text)) == ["", "1", "2", ""]


def test_numbers_inside_sentences_are_not_points():
    text = "1. Wij vragen een verlenging tot en met\n2. De rest volgt.\n3 jaar is kort.\n"
    result = split(text)
    assert numbers(result) == ["1"]
    assert_nothing_lost(text, result)
    assert numbers(split("1. een\n2. twee\n3. drie")) == ["1", "2", "3"]
    assert numbers(split("1. Samenwerking met\n2. onderwijs")) == ["1"]


def test_empty_and_blank_text():
    assert split("").points == []
    assert split(" \n\n\t\n").points == []


# --- Generated letters -----------------------------------------------------------------------

CAPITALISED = ["Gemeente", "Zorg", "Inkoop", "Cliënten", "Coöperatie", "Financiën", "Het", "Een"]
NOUNS = [
    "jeugdhulp", "gemeente", "cliënten", "coöperatie", "financiën", "zorg", "aanbieders",
    "transformatie", "regio", "beleid", "inkoop", "Holland", "Rijnland", "JGT’s", "PGB", "Wmo",
    "ZIN", "privacy", "meicirculaire", "cliëntondersteuning", "kwaliteit", "één", "budget",
    "WLZ-middelen", "Merel-Foundation", "Q1-2016", "geïnvesteerd", "verantwoordelijkheid",
]  # fmt: skip
PLAIN = ["en", "van", "de", "het", "voor", "met", "t/m", "(zie", "bijlage)", "“doen", "is”",
         "2016", "3,6%", "€", "18+", "–", "kwaliteit,", "wat", "nodig"]  # fmt: skip
PUNCTUATED = ["o.a.", "i.p.v.", "2020.", "vraag?", "aandacht!", "budget;", "Advies:"]
LAST = ["zorg", "beleid", "jeugdhulp", "aanbieders", "regio", "Wmo", "privacy", "kwaliteit"]
HEADINGS = ["Integrale aanpak", "Privacy borgen", "JGT Algemeen", "Gemeente Lisse", "Financiën",
            "Cliënten / keuze vrijheid", "Sturing algemeen", "Vanuit de Raad:"]  # fmt: skip
FURNITURE = [
    ["10 "], ["14"], ["- 3 -"], ["Pagina 3 van 4"], ["Kenmerk: 2016/0412"],
    ["14 ", "", " ", "", "Gemeente / ", "subregio ", "", "Uitgangspunten Toelichting "],
]  # fmt: skip
SUSPENDED = {"en", "of", "tot", "noch"}


@st.composite
def sentence_words(draw, capital: bool = True, title: bool = False) -> list[str]:
    """The words of one paragraph: a title without closing period, or sentences ending in '.'."""
    pool = NOUNS + PLAIN if title else NOUNS + PLAIN + PUNCTUATED
    words = [draw(st.sampled_from(CAPITALISED)) if capital else draw(st.sampled_from(NOUNS))]
    words += draw(st.lists(st.sampled_from(pool), max_size=30))
    words.append(draw(st.sampled_from(LAST)) + ("" if title else "."))
    return words


@st.composite
def layout(draw, words: list[str], gaps: bool = True) -> list[tuple[str, str]]:
    """Break words into PDF lines: (gap before the line, line); a gap is "", "blank" or "furniture".

    Like the PDFs: a blank line or page break inside a paragraph only follows a full line (9 or
    more words) and never comes right before the paragraph's last line; long lowercase words are
    hyphenated at a line end, and words with a hyphen may break at it.
    """
    lines: list[list[str]] = []
    rest = list(words)
    while rest:
        size = draw(st.integers(2, 12))
        lines.append(rest[:size])
        rest = rest[size:]
    for k in range(len(lines) - 1):
        nxt = lines[k + 1][0]
        if not draw(st.booleans()):
            continue
        if "-" in nxt[1:-1]:
            head, tail = nxt.split("-", 1)
            lines[k].append(head + "-")
            lines[k + 1][0] = tail
        elif len(nxt) >= 9 and nxt.isalpha() and nxt.islower():
            cut = draw(st.integers(3, len(nxt) - 3))
            if nxt[cut:] not in SUSPENDED:
                lines[k].append(nxt[:cut] + "-")
                lines[k + 1][0] = nxt[cut:]
    out: list[tuple[str, str]] = []
    for k, line in enumerate(lines):
        gap = ""
        if gaps and 0 < k < len(lines) - 1 and len(lines[k - 1]) >= 9:
            gap = draw(st.sampled_from(["", "", "blank", "furniture"]))
        out.append((gap, " ".join(line)))
    return out


class Letter:
    """A generated letter: its lines, the points expected, the furniture put in."""

    def __init__(self):
        """An empty letter."""
        self.lines: list[str] = []
        self.expected: list[tuple[str, str | None, list[str]]] = []
        self.furniture: list[str] = []

    def __repr__(self) -> str:
        """The letter's text, so that a failing example can be read."""
        return "Letter(\n" + "\n".join(self.lines) + "\n)"

    def gap(self, draw, kind: str) -> None:
        """A gap between lines: nothing, a blank line, or page furniture between blank lines."""
        if kind == "blank":
            self.lines.append("")
        elif kind == "furniture":
            block = draw(st.sampled_from(FURNITURE))
            self.lines.extend(["", *block, ""])
            self.furniture.extend(line for line in block if line.strip())

    def paragraph(self, draw, words: list[str], prefix: str = "", gaps: bool = True) -> None:
        """Add a paragraph broken into PDF lines, the first one after prefix ("3. ", "a. ")."""
        for k, (gap, text) in enumerate(draw(layout(words, gaps))):
            self.gap(draw, gap)
            self.lines.append(prefix + text if k == 0 else text)


def _point_words(draw, letter: Letter, label: str, in_letter_list: bool) -> list[str]:
    """Write one point ("3. ...") with its sub-items; return the words its text must have."""
    title = draw(st.booleans())
    point_words = draw(sentence_words(title=title))
    letter.paragraph(draw, point_words, prefix=f"{label} ", gaps=not title)
    words = list(point_words)
    letters = iter("abc")
    for sub in draw(st.lists(st.sampled_from(["letter", "bullet"]), max_size=3)):
        if sub == "letter" and not in_letter_list:
            sub_label = f"{next(letters)}."
        else:
            sub_label = draw(st.sampled_from("•-*●"))
        sub_words = draw(sentence_words(capital=draw(st.booleans())))
        letter.paragraph(draw, sub_words, prefix=f"{sub_label} ")
        words += [sub_label, *sub_words]
    return words


@st.composite
def numbered_letters(draw) -> Letter:
    """A letter built from the pieces real letters have.

    An intro, sections with headings, numbered points ("1." / "1)" / "1 " / "1.1") with lettered
    sub-items and bullets inside them, lettered top-level lists, unnumbered sections, page
    furniture, and sometimes a closing.
    """
    letter = Letter()
    if draw(st.booleans()):
        words = draw(sentence_words())
        if draw(st.booleans()):
            words = words[:-1] + ["zijn", "de", "volgende", "punten", "opgenomen:"]
        letter.paragraph(draw, words)
        letter.expected.append(("", None, words))
        letter.gap(draw, draw(st.sampled_from(["blank", "furniture"])))
    heading: str | None = None
    last_top = 0
    for s in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["numbers", "numbers", "multi", "letters", "plain"]))
        if s == 0 and kind == "plain":
            kind = "numbers"  # a letter without any numbering is a bullet list: tested below
        if s > 0 or draw(st.booleans()):
            heading = draw(st.sampled_from(HEADINGS))
            if kind == "plain":
                heading = heading.rstrip(":")
            if letter.lines:
                letter.lines.append("")
            letter.lines.append(heading)
            letter.gap(draw, "blank" if kind == "plain" else draw(st.sampled_from(["", "blank"])))
        if kind == "plain":
            words = []
            for n in range(draw(st.integers(1, 2))):
                if n:
                    letter.lines.append("")
                paragraph = draw(sentence_words())
                letter.paragraph(draw, paragraph)
                words += paragraph
            letter.expected.append(("", heading, words))
            letter.lines.append("")
            continue
        major = 1 if draw(st.booleans()) or last_top == 0 else last_top + 1
        marker = draw(st.sampled_from([".", ")", ""]))
        first_letter = draw(st.sampled_from("aA"))
        for k in range(draw(st.integers(1, 4))):
            if kind == "numbers":
                number, mark, last_top = str(major + k), marker, major + k
            elif kind == "multi":
                number, mark, last_top = f"{major}.{k + 1}", marker.replace(")", ""), major
            else:
                number, mark = chr(ord(first_letter) + k), marker or "."
            if k > 0:
                letter.gap(draw, draw(st.sampled_from(["", "blank", "furniture"])))
            words = _point_words(draw, letter, number + mark, kind == "letters")
            letter.expected.append((number, heading, words))
        letter.lines.append("")
    if draw(st.booleans()):
        letter.lines += ["", "Met vriendelijke groet,", "", "J. Jansen", "wethouder Jeugd"]
        closing = "Met vriendelijke groet, J. Jansen wethouder Jeugd".split()
        letter.expected.append(("", None, closing))
    return letter


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(numbered_letters())
def test_generated_letters_split_into_the_points_they_were_made_of(letter):
    text = "\n".join(letter.lines) + "\n"
    result = split(text)
    # (1) no text lost
    assert_nothing_lost(text, result)
    # (2) the numbers, in order (unnumbered intro, sections and closing as "")
    assert numbers(result) == [number for number, _, _ in letter.expected]
    # (3) every point holds exactly its own words, under its own heading
    for point, (_number, heading, words) in zip(result.points, letter.expected, strict=True):
        assert point.text.split() == words
        assert point.heading == heading
    # page furniture, and only that, was dropped
    assert sorted(result.dropped) == sorted(letter.furniture)


@st.composite
def bullet_letters(draw) -> tuple[str, list[tuple[str, list[str]]]]:
    """A letter without numbering: an intro, then bullet items of one or more lines."""
    lines: list[str] = []
    expected: list[tuple[str, list[str]]] = []
    intro = draw(sentence_words())[:-1] + ["zijn", "de", "volgende", "punten", "opgenomen:"]
    lines.append(" ".join(intro))
    expected.append(("", intro))
    lines.append("")
    for _ in range(draw(st.integers(1, 6))):
        bullet = draw(st.sampled_from("•-–*●"))
        words = [w for w in draw(sentence_words(capital=draw(st.booleans()))) if w != "–"]
        chunks = [words[i : i + 7] for i in range(0, len(words), 7)]
        lines.append(f"{bullet}\t" + " ".join(chunks[0]))
        lines.extend(" ".join(chunk) for chunk in chunks[1:])
        if draw(st.booleans()):
            lines.append("")
        expected.append((bullet, words))
    return "\n".join(lines), expected


@FAST
@given(bullet_letters())
def test_generated_bullet_lists_become_unnumbered_points(case):
    text, expected = case
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == [""] * len(expected)
    assert [(p.marker, p.text.split()) for p in result.points] == expected


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_splits_without_losing_anything(text):
    assert_nothing_lost(text, split(text))


FRAGMENTS = ["", " ", "10", "- 3 -", "1.", "1)", "a.", "• x", "Kop", "Kop:", "Hol-", "land",
             "Met vriendelijke groet,", "Gemeente /", "subregio", "Datum: 1 mei", "1.1 Tekst",
             "2 Tekst", "B. Tekst"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="abcAB12.-:)• \t", max_size=12)),
        max_size=30,
    )
)
def test_letter_like_fragments_split_without_losing_anything(lines):
    text = "\n".join(lines)
    assert_nothing_lost(text, split(text))


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\f"])
def test_other_line_breaks(newline):
    text = newline.join(["Inkoop", "", "1. Eerste punt over", "de zorg.", "2. Tweede punt."])
    result = split(text)
    assert numbers(result) == ["1", "2"]
    assert result.points[0].text == "Eerste punt over de zorg."
    assert result.points[0].heading == "Inkoop"


# --- numbers of four digits and more ---------------------------------------------------------


def test_a_list_goes_on_past_point_999():
    """"1000." was not seen as a point number: points 1000 and on were glued to point 999."""
    text = "\n".join(f"{n}. Punt {n} over de inkoop van jeugdhulp." for n in range(1, 1006))
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == upto(1005)
    assert by_number(result, "999").text == "Punt 999 over de inkoop van jeugdhulp."
    assert by_number(result, "1000").text == "Punt 1000 over de inkoop van jeugdhulp."



def test_past_point_999_headings_and_numbers_alone_on_their_line_work_as_before():
    points = "\n".join(f"{n}. Punt {n}." for n in range(1, 1000))
    result = split(points + "\n\nSlotopmerkingen\n\n1000. Het laatste punt.\n1001. Nog een.")
    assert [(p.number, p.heading) for p in result.points[-3:]] == [
        ("999", None), ("1000", "Slotopmerkingen"), ("1001", "Slotopmerkingen")]
    result = split(points + "\n1000.\nHet laatste punt.")
    assert (result.points[-1].number, result.points[-1].text) == ("1000", "Het laatste punt.")


@pytest.mark.parametrize("text, expected", [
    # A year opening the text is no point, with or without a period after it.
    ("2016. Het jaar waarin de jeugdhulp overging.\n\n2017. Het jaar daarna.", [""]),
    ("2016 was een goed jaar.\n\n1. Eerste punt.", ["", "1"]),
    # A year opening a line inside a list is no point either: not the next number.
    ("1. Eerste punt.\n2. Tweede punt.\n2016. Het jaar waarin alles veranderde.\n3. Derde.",
     ["1", "2", "3"]),
    ("1. Eerste.\n\nGeschiedenis\n\n2016. Het begin.\n\n2. Tweede.", ["1", "", "2"]),
    ("1. Eerste punt.\n2. Tweede punt, dat in\n2016. van start ging.\n3. Derde.",
     ["1", "2", "3"]),
    # Nor is an amount or a street number, nor a number longer than six digits after 999.
    ("1. Eerste punt.\n\n1500 jongeren kregen hulp.\n\n2. Tweede.", ["1", "2"]),
])
def test_years_and_amounts_that_open_a_line_stay_text(text, expected):
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == expected


def test_a_number_longer_than_six_digits_is_never_a_point():
    text = "\n".join(f"{n}. Punt {n}." for n in range(1, 1000)) + "\n1000000. Tekst."
    result = split(text)
    assert numbers(result)[-1] == "999" and result.points[-1].text.endswith("1000000. Tekst.")


def test_a_point_number_with_a_superscript_is_filled_not_a_500():
    """"3²" (a footnote mark after the number, as Word copies it): "²" is a digit to
    str.isdigit but int() refuses it; numbering the points around it raised."""
    from consult.intake import DraftPoint, fill_numbers

    points = fill_numbers([DraftPoint("1", "Een."), DraftPoint("3²", "Drie."),
                           DraftPoint("", "Vier."), DraftPoint("①", "Vijf."),
                           DraftPoint("", "Zes.")])
    assert [p.number for p in points][:3] == ["1", "3²", "4"]
    assert len({p.number for p in points}) == 5


_BASE_999 = "\n".join(f"{n}. Punt {n} over de inkoop van jeugdhulp." for n in range(1, 999))


@pytest.mark.parametrize("tail, last_999, last", [
    # A postcode on its own line right after point 999 (found by a reviewer: it became point
    # 1000 "AB Amsterdam" and swallowed the real point 1000).
    ("Ons adres:\n\n1000 AB Amsterdam\n\n1000. Volgende punt.",
     "Ons adres: 1000 AB Amsterdam", "Volgende punt."),
    ("Punt.\n\n1000 jongeren kregen hulp.\n\n1000. Echte punt duizend.",
     "Punt. 1000 jongeren kregen hulp.", "Echte punt duizend."),
    ("Stuur post naar\n1000 AB Amsterdam.\n1000) Volgende.",
     "Stuur post naar 1000 AB Amsterdam.", "Volgende."),
])
def test_a_number_past_999_without_a_period_or_bracket_is_text(tail, last_999, last):
    """Up to 999 "3 Tekst" may be a point; a number of four digits or more needs a period,
    bracket or colon after it, or a word such as "Punt" before it: a postcode or an amount
    opening a line ("1000 AB", "1000 jongeren") is the next number only by chance."""
    text = _BASE_999 + "\n999. " + tail
    result = split(text)
    assert_nothing_lost(text, result)
    assert numbers(result) == upto(1000)
    assert by_number(result, "999").text == last_999
    assert by_number(result, "1000").text == last


def test_labelled_and_sub_numbers_past_999_are_points():
    result = split(_BASE_999 + "\n999. x\nPunt 1000: Tekst duizend.\nPunt 1001 Nog een.")
    assert numbers(result)[-2:] == ["1000", "1001"]
