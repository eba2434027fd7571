"""The demo consultation is the real 2016 Holland Rijnland table, complete and word for word."""

import re
from datetime import date

from sqlmodel import func, select

from consult import demo
from consult.models import (
    Consultation,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    Stakeholder,
)
from consult.processing import destination_paths

SLUG = "holland-rijnland-jeugdhulp-2016"

# (stakeholder, reaction title) -> number of points, counted in the source table.
POINTS_PER_REACTION = {
    ("Alphen aan den Rijn", "Ambtelijke uitvraag"): 4,
    ("College van B&W Alphen aan den Rijn", "Collegebrief"): 5,
    ("Duin- en Bollenstreek", "Ambtelijke uitvraag"): 0,
    (
        "Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen",
        "Gezamenlijke reactie portefeuillehouders Katwijk, Lisse, Noordwijk, Noordwijkerhout en "
        "Teylingen",
    ): 76,
    ("Gemeenteraad Hillegom", "Raadsbesluit gemeente Hillegom (aangenomen motie 17-09-2015)"): 2,
    ("Kaag en Braassem", "Ambtelijke uitvraag"): 3,
    ("Leiden", "Ambtelijke uitvraag"): 10,
    ("WMO Adviesraad Leiden", "WMO Adviesraad"): 6,
    ("Gemeenteraad Leiden", "Vanuit de gemeenteraad"): 4,
    ("Leiderdorp", "Ambtelijke uitvraag"): 8,
    ("Gemeenteraad Leiderdorp", "Vanuit de raad van Leiderdorp"): 1,
    ("Nieuwkoop", "Ambtelijke uitvraag"): 42,
    ("Oegstgeest", "Ambtelijke uitvraag"): 5,
    ("Gemeenteraad Oegstgeest", "Vanuit de Raad"): 12,
    ("WMO Adviesraad Oegstgeest", "WMO Adviesraad"): 3,
    ("Zoeterwoude", "Ambtelijke uitvraag"): 12,
    ("Gemeenteraad Zoeterwoude", "Vanuit de Raad"): 11,
}

# (stakeholder of the reaction, point number) -> the point's words in the source.
POINTS = {
    ("Alphen aan den Rijn", "3"): "Uitgaan van de oplossing die de inwoner nodig heeft in plaats "
    "van de producten die van jeugdhulp kennen.",
    ("College van B&W Alphen aan den Rijn", "4"): "Financiële beheersbaarheid door "
    "bekostigingsmodel en slim en anders organiseren",
    ("Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen", "10"):
    "Er moet geïnvesteerd worden in het borgen van de privacy van jeugdigen en hun ouders. "
    "Absolute randvoorwaarde is dat dit het “doen wat nodig is” niet in de weg staat. Informatie "
    "uitwisselen over mensen moet mogelijk zijn als dit zinvol is voor het bereiken van doelen "
    "van de cliënt.",
    ("Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen", "16"):
    "In het nieuwe inkoopmodel moet het mogelijk zijn nieuwe aanbieders te contracteren.",
    ("Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen", "67"):
    "De gemeente benadrukt nogmaals het belang van het vierde uitgangspunt om robuuste en goed "
    "geoutilleerde JGT’s te realiseren eventueel in de richting van een uitbreiding van het "
    "aantal JGT’s. Werkdruk en overbelasting lijken immers de “beweging om hulp naar voren te "
    "brengen” af te remmen.",
    ("Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen", "69"):
    "de raadsleden ervaren een te grote tijdsdruk bij het inkooptraject",
    ("Gemeenteraad Hillegom", "2"): "Het perspectief van de cliënt vooropstellen in organisatie "
    "en proces",
    ("Leiden", "5"): "Ruimte voor lokale initiatieven (initiatieven uit de stad, zoals eerder "
    "gebeurde met de Merel-Foundation)",
    ("WMO Adviesraad Leiden", "6"): "Uit de tekst lijkt te blijken dat het doel van de "
    "versnelling van de transformatie het realiseren van de bezuinigingen is. De Adviesraad is in "
    "de veronderstelling dat de gehele transformatie voor de gemeente Leiden "
    "kwaliteitsverbetering beoogt (p.3a) zoals ook elders in de tekst wordt geschreven. Advies: "
    "beschrijf duidelijk wat de versnelling van de transformatie beoogt.",
    ("Nieuwkoop", "8"): "JGT moeten opereren vanuit een onafhankelijke indentiteit",
    ("Nieuwkoop", "42"): "Aantal uithuisplaatsingen",
    ("Gemeenteraad Oegstgeest", "12"): "Hoe wordt de problematiek van de "
    "vluchtelingenkinderen opgepakt.",
    ("Gemeenteraad Zoeterwoude", "11"): "Indien mogelijk geen knip tussen PGB en ZIN",
    ("Gemeenteraad Leiderdorp", "1"): "Ontschotting",
}

# Response text -> (stakeholder of the reaction, the point numbers, the destination paths).
RESPONSES = {
    "De punten 1 t/m 5 worden opgenomen in het inkoopplan 2017 (financiën, contractduur en "
    "administratieve lasten).": (
        "Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen",
        ["1", "2", "3", "4", "5"],
        ["Inkoopplan 2017"],
    ),
    "De punten 13 t/m 15 worden vanzelfsprekend behandeld op het PHO Jeugdhulp.": (
        "Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen",
        ["13", "14", "15"],
        ["PHO Jeugdhulp"],
    ),
    "Punt 12: krijgt een plek in het strategisch overleg jeugd.": (
        "Gemeenteraad Oegstgeest",
        ["12"],
        ["Strategisch overleg jeugd"],
    ),
    "Alle punten zijn meegenomen in de aangescherpte uitgangspunten (lokale sturing en "
    "doorontwikkeling JGT’s).": (
        "Kaag en Braassem",
        ["1", "2", "3"],
        [
            "Aangescherpte uitgangspunten › Lokale sturing",
            "Aangescherpte uitgangspunten › Doorontwikkeling JGT’s",
        ],
    ),
    "De punten 20 t/m 22 worden meegenomen in de financiële paragraaf van het inkoopplan 2017.": (
        "Nieuwkoop",
        ["20", "21", "22"],
        ["Inkoopplan 2017 › Financiële paragraaf"],
    ),
    "Punt 4. Hoe we omgaan met PGB en ZIN en de relatie daartussen is inderdaad een belangrijk "
    "thema dat een plek krijgt in het strategisch overleg jeugd.": (
        "WMO Adviesraad Leiden",
        ["4"],
        ["Strategisch overleg jeugd › Werkgroep PGB en ZIN"],
    ),
    "Punten 4,9, 10 en 11 worden meegenomen onder sturing en monitoring in het inkoopplan 2017.": (
        "Gemeenteraad Oegstgeest",
        ["4", "9", "10", "11"],
        ["Inkoopplan 2017 › Sturing en monitoring"],
    ),
    "De punten 4, 6 en 10 krijgen een plek in het strategisch overleg jeugd.": (
        "Gemeenteraad Zoeterwoude",
        ["4", "6", "10"],
        ["Strategisch overleg jeugd"],
    ),
    "De doorontwikkeling van de JGT’s (punt 67) en het thema sturing en monitoring (punt 68) "
    "hebben een nadrukkelijke plek in respectievelijk de aangescherpte uitgangspunten en het "
    "inkoopplan.": (
        "Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen",
        ["67", "68"],
        [
            "Aangescherpte uitgangspunten › Doorontwikkeling JGT’s",
            "Inkoopplan 2017 › Sturing en monitoring",
        ],
    ),
}


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def _points_of(session, stakeholder_name):
    rows = session.exec(
        select(Point)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == stakeholder_name)
    ).all()
    return {p.number: p for p in rows}


def test_counts_match_the_table(demo_app, session):
    assert _count(session, Stakeholder) == 28
    assert _count(session, Reaction) == 17
    assert _count(session, Point) == 204
    assert _count(session, Response) == 53


def test_points_per_reaction_and_numbering(demo_app, session):
    found = {}
    for reaction, stakeholder in session.exec(
        select(Reaction, Stakeholder).join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
    ):
        numbers = session.exec(
            select(Point.number).where(Point.reaction_id == reaction.id).order_by(Point.position)
        ).all()
        # The source numbers every reaction 1..n, and the order is kept.
        assert numbers == [str(i) for i in range(1, len(numbers) + 1)], reaction.title
        found[(stakeholder.name, reaction.title)] = len(numbers)
    assert found == POINTS_PER_REACTION


def test_points_word_for_word(demo_app, session):
    for (stakeholder, number), words in POINTS.items():
        assert _points_of(session, stakeholder)[number].body == words


def test_joint_letter_points_name_their_own_sender(demo_app, session):
    points = _points_of(
        session, "Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen"
    )
    senders = {s.id: s.name for s in session.exec(select(Stakeholder))}

    def sender(n):
        return senders.get(points[str(n)].stakeholder_id)

    assert [sender(n) for n in (1, 15)] == [None, None]
    assert {sender(n) for n in (16, 17, 18)} == {"Gemeenteraad Lisse"}
    assert {sender(n) for n in range(19, 31)} == {"Gemeenteraad Teylingen"}
    assert {sender(n) for n in range(31, 40)} == {"Gemeenteraad Noordwijkerhout"}
    assert {sender(n) for n in range(40, 67)} == {"Gemeenteraad Noordwijk"}
    assert {sender(n) for n in (67, 68)} == {"Gemeenteraad Katwijk"}
    assert {sender(n) for n in range(69, 77)} == {"Gemeenteraad Hillegom"}
    assert points["5"].heading == "Inkoop in relatie tot beleid"
    assert points["10"].heading == "Privacy borgen"


def test_responses_link_exactly_the_points_and_destinations_they_name(demo_app, session):
    consultation = session.exec(select(Consultation)).one()
    paths = destination_paths(session, consultation.id)
    for text, (stakeholder, numbers, destinations) in RESPONSES.items():
        response = session.exec(select(Response).where(Response.body == text)).one()
        reaction_stakeholder = session.exec(
            select(Stakeholder.name)
            .join(Reaction, Reaction.stakeholder_id == Stakeholder.id)
            .where(Reaction.id == response.reaction_id)
        ).one()
        assert reaction_stakeholder == stakeholder
        linked = session.exec(
            select(Point.number)
            .join(ResponsePoint, ResponsePoint.point_id == Point.id)
            .where(ResponsePoint.response_id == response.id)
            .order_by(Point.position)
        ).all()
        assert linked == numbers, text
        routed = session.exec(
            select(ResponseDestination.destination_id).where(
                ResponseDestination.response_id == response.id
            )
        ).all()
        assert sorted(paths[d] for d in routed) == sorted(destinations), text
        assert response.status == "adopted"
        assert (response.decided_by, response.decided_on) == ("PHO Jeugdhulp", date(2015, 12, 16))


def _named_numbers(text: str) -> list[str] | None:
    """The numbers an explanation names at its start ("De punten 1 t/m 5", "Punt 12", ...)."""
    text = text.replace(" tot en met ", " t/m ")
    m = re.match(r"(?:De punten|Punten|Punt|Alle punten \()\s*([\d ,/tmen]+?)(?=[^\d ,/tmen]|$)",
                 text)
    if not m:
        return None
    numbers: list[str] = []
    for part in re.split(r",\s*|\s+en\s+", m.group(1).strip()):
        if "t/m" in part:
            a, b = (int(x) for x in part.split("t/m"))
            numbers += [str(i) for i in range(a, b + 1)]
        elif part.strip():
            numbers.append(part.strip())
    return numbers


def test_every_explanation_that_names_numbers_links_exactly_those(demo_app, session):
    checked = 0
    for response in session.exec(select(Response)):
        named = _named_numbers(response.body)
        if named is None:
            continue
        linked = session.exec(
            select(Point.number)
            .join(ResponsePoint, ResponsePoint.point_id == Point.id)
            .where(ResponsePoint.response_id == response.id)
        ).all()
        assert sorted(linked, key=int) == sorted(named, key=int), response.body
        checked += 1
    assert checked >= 35


def test_all_points_means_all_of_that_reaction(demo_app, session):
    responses = session.exec(select(Response).where(Response.body.startswith("Alle punten"))).all()
    assert len(responses) >= 4
    for response in responses:
        if "(31 t/m 39)" in response.body:
            continue  # "Alle punten (31 t/m 39)": all of Noordwijkerhout's part of a joint letter
        linked = _count_links(session, response.id)
        total = session.exec(
            select(func.count()).select_from(Point).where(Point.reaction_id == response.reaction_id)
        ).one()
        assert linked == total > 0, response.body


def _count_links(session, response_id):
    return session.exec(
        select(func.count())
        .select_from(ResponsePoint)
        .where(ResponsePoint.response_id == response_id)
    ).one()


def test_only_the_unanswered_point_is_alphens_fourth(demo_app, session):
    answered = select(ResponsePoint.point_id)
    open_points = session.exec(select(Point).where(Point.id.not_in(answered))).all()
    assert [(p.number, p.body[:26]) for p in open_points] == [("4", "Financiële beheersbaarheid")]


def test_context_of_the_consultation(demo_app, session):
    c = session.exec(select(Consultation)).one()
    assert c.slug == SLUG
    assert c.organiser == "Holland Rijnland, TWO Jeugdhulp"
    assert (c.decided_by, c.decided_on) == ("PHO Jeugdhulp", date(2015, 12, 16))
    assert "portefeuillehoudersoverleg van 16 december 2015" in " ".join(c.description.split())


def test_loading_twice_changes_nothing(demo_app, session):
    before = [_count(session, m) for m in (Stakeholder, Reaction, Point, Response, ResponsePoint)]
    with demo_app.app_context():
        from consult.db import get_session

        s = get_session()
        result = demo.load(s)
        s.commit()
    assert result.created is False
    after = [_count(session, m) for m in (Stakeholder, Reaction, Point, Response, ResponsePoint)]
    assert after == before


def test_demo_command_reports_counts_and_is_idempotent(app, runner, session):
    first = runner.invoke(args=["consult", "demo"])
    assert first.exit_code == 0, first.output
    assert "28 indieners, 17 reacties, 204 punten, 53 antwoorden" in first.output
    second = runner.invoke(args=["consult", "demo"])
    assert second.exit_code == 0
    assert "al geladen" in second.output
    assert _count(session, Point) == 204


def test_a_letter_date_the_table_gives_is_the_reactions_received_date(demo_app, session):
    """The channel said "Gelogd 30 november 2026" beside a 2015 decision: the one letter
    date the demo's source gives (Hillegom's motion of 17-09-2015) is its received date, and
    the reaction's page shows it; reactions without a known date have none."""
    from datetime import date

    from consult.models import Reaction, Stakeholder

    rows = session.exec(select(Reaction.title, Reaction.received_on, Reaction.id)
                        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)).all()
    dated = {title: (received, rid) for title, received, rid in rows if received}
    assert list(dated) == ["Raadsbesluit gemeente Hillegom (aangenomen motie 17-09-2015)"]
    received, rid = next(iter(dated.values()))
    assert received == date(2015, 9, 17)
    page = demo_app.test_client().get(
        f"/consultaties/holland-rijnland-jeugdhulp-2016/reacties/{rid}").get_data(as_text=True)
    assert "17 september 2015" in page
