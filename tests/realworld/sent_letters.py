"""The real-world letters behind tests/fixtures/realworld/uploads/: their structure, as sent.

Texts are from the 2016 Holland Rijnland consultation (shared/seeds, tests/fixtures/*.txt:
the joint reaction of Duin & Bollenstreek, Leiden, Zoeterwoude, Hillegom's council motion, the
decision points of the budget memo) and from public pages found for this corpus (the CDA
Hoogeveen council questions on the Jeugdhulpregio Drenthe, June 2024). Points are shortened to
their first sentence. A block is ("h", heading), ("p", paragraph), ("ol", start, items, style)
with an item a text or (text, [sub-items]) (and "set" when Word's "Set Numbering Value"
started the list), or ("ul", items).
"""

JOINT_LETTER = [
    ("p", "Gezamenlijke reactie portefeuillehouders Katwijk, Lisse, Noordwijk, Noordwijkerhout "
          "en Teylingen"),
    ("h", "Inkoop in relatie tot beleid"),
    ("ol", 1, [
        "Overweeg een andere vorm dan budgetfinanciering.",
        "Het is wenselijk dat contracten met aanbieders langer duren en dat de inhoud van "
        "contracten niet statisch is.",
        "Introduceer een innovatiebudget, waarmee aanbieders gestimuleerd worden innovaties "
        "door te voeren.",
        "Onderzoek welke mogelijkheden er zijn om integraal te gaan inkopen voor de Jeugdwet, "
        "Wmo en zo mogelijk ook de Wlz.",
        "Onderzoek hoe de administratieve lasten voor aanbieders (nog verder) verminderd kunnen "
        "worden.",
    ], "1."),
    ("h", "Integrale aanpak"),
    ("ol", 6, [
        "Onderzoek de mogelijkheid van “1 gezin/1plan/1aannemer”.",
        "De problematiek van jeugdigen die 18 jaar worden en ondersteuning nodig hebben, moet "
        "een beleidsprioriteit worden.",
        "In het beleid voor het PGB Jeugdhulp is eerder gesteld dat “1 gezin/1 plan/1 budget” "
        "uitgangspunt is.",
        "De samenwerking met het onderwijs en het ontwikkelen van onderwijszorgarrangementen "
        "moet blijvend op de agenda staan.",
    ], "1."),
    ("h", "Privacy borgen"),
    ("ol", 10, [
        "Er moet geïnvesteerd worden in het borgen van de privacy van jeugdigen en hun ouders.",
    ], "1."),
    ("h", "Samenwerken met zorgaanbieders"),
    ("ol", 11, [
        "Stimuleer in de opbouw van een netwerkstructuur van aanbieders.",
        "De samenwerking met huisartsen moet een prioriteit worden.",
    ], "1."),
    ("h", "Capaciteit voor opdrachtgeverschap"),
    ("ol", 13, [
        "Het is noodzakelijk dat gemeenten van Holland Rijnland een besluit nemen over het "
        "voortbestaan van de gezamenlijke uitvoeringsorganisatie.",
        "Stevig opdrachtgeverschap is nodig voor de gewenste transformatie en voor het bewaken "
        "van de kosten.",
        "Het is wenselijk dat gemeenten van Holland Rijnland een besluit nemen over de wijze "
        "waarop zij solidariteit gaan vormgeven.",
    ], "1."),
    ("h", "Aanvullingen gemeenteraden per gemeente"),
    ("h", "Gemeente Lisse"),
    # Each council's points were pasted in as a list of their own, then numbered on with
    # Word's "Set Numbering Value" (w:startOverride): "set" marks such a list.
    ("ol", 16, [
        "In het nieuwe inkoopmodel moet het mogelijk zijn om lokale aanbieders te contracteren.",
        "Zorginnovatie is belangrijk en moet meer aandacht krijgen.",
        "Er is blijvend aandacht nodig voor de juiste zorg op de juiste plek.",
    ], "1.", "set"),
    ("h", "Gemeente Teylingen"),
    ("ol", 19, [
        "De gemeente wil binnen de regionale kaders ruimte voor eigen keuzes.",
        "Gemeente wil de aanvullende jeugdhulp lokaal inkopen.",
        "Ga na tot hoe ver de keuzevrijheid van de burger moet gaan.",
        "Ontwikkel een marktstrategie om antwoord te geven op de vraag welke aanbieders nodig "
        "zijn.",
    ], "1.", "set"),
    ("p", "Met vriendelijke groet,"),
]
JOINT_POINTS = [
    ("1", "Overweeg een andere"), ("2", "Het is wenselijk"), ("3", "Introduceer een"),
    ("4", "Onderzoek welke mogelijkheden"), ("5", "Onderzoek hoe de"),
    ("6", "Onderzoek de mogelijkheid"), ("7", "De problematiek van"), ("8", "In het beleid"),
    ("9", "De samenwerking met het onderwijs"), ("10", "Er moet geïnvesteerd"),
    ("11", "Stimuleer in de"), ("12", "De samenwerking met huisartsen"),
    ("13", "Het is noodzakelijk"), ("14", "Stevig opdrachtgeverschap"),
    ("15", "Het is wenselijk dat gemeenten"),
    ("16", "In het nieuwe"), ("17", "Zorginnovatie is belangrijk"), ("18", "Er is blijvend"),
    ("19", "De gemeente wil"), ("20", "Gemeente wil de"), ("21", "Ga na tot"),
    ("22", "Ontwikkel een marktstrategie"),
]

LEIDEN = [
    ("h", "Leiden Ambtelijke uitvraag"),
    ("ol", 1, [
        "Samenwerking / aansluiting op lokaal niveau, met zowel gemeentelijke als niet "
        "gemeentelijke partijen (incl. onderwijs, huisartsen).",
        "Integraliteit (o.a. evt. integraal pgb). NB let op relatie verzekeringsmodel.",
        "Keuzevrijheid. Maar wat verstaan we daaronder?",
        "Kwaliteit m.n. cliëntgestuurd.",
    ], "1."),
    ("h", "WMO Adviesraad"),
    ("ol", 1, [
        "Er wordt veelal uitgegaan van de eigen kracht van jeugdigen en hun ouders.",
        "Ervaringsdeskundigheid en het perspectief van de cliënt moeten worden benut.",
        "Wanneer wordt gesproken over ‘zorg dichtbij’, wat wordt daar dan onder verstaan?",
    ], "1."),
]
LEIDEN_POINTS = [
    ("1", "Samenwerking / aansluiting"), ("2", "Integraliteit (o.a."), ("3", "Keuzevrijheid."),
    ("4", "Kwaliteit m.n."), ("1", "Er wordt veelal"), ("2", "Ervaringsdeskundigheid en het"),
    ("3", "Wanneer wordt gesproken"),
]

ZOETERWOUDE = [
    ("h", "Zoeterwoude Ambtelijke uitvraag"),
    ("ol", 1, [
        "Doen wat regionaal al is afgesproken.",
        "Aansluiting op lokaal niveau.",
        "Ontdubbelen aanbod.",
        "Z.s.m. afschalen naar lichtere zorg.",
    ], "1)"),
    ("h", "Vanuit de Raad:"),
    ("ol", 1, [
        "Het beschikbare geld dient effectief te worden ingezet.",
        "Waar mogelijk afschalen / trajecten zo kort als mogelijk.",
        "Vraaggerichte zorg.",
    ], "1)"),
]
ZOETERWOUDE_POINTS = [
    ("1", "Doen wat regionaal"), ("2", "Aansluiting op lokaal"), ("3", "Ontdubbelen aanbod."),
    ("4", "Z.s.m. afschalen"), ("1", "Het beschikbare geld"), ("2", "Waar mogelijk afschalen"),
    ("3", "Vraaggerichte zorg."),
]

BESLUITPUNTEN = [
    ("h", "Besluitpunten voor de gemeenteraden / colleges"),
    ("ol", 1, [
        "Instemmen met het inzetten van de verhoging van de middelen vanuit de meicirculaire "
        "voor het inkopen van extra regionale jeugdhulp.",
        ("Instemmen met regionaal incidenteel 3 miljoen extra in 2016 ter beschikking stellen.",
         ["Inbreng vanuit de gemeenten naar rato jeugdhulpbudget meicirculaire 2016."]),
        ("Instemmen met het regionaal instellen van een Tijdelijk Fonds Jeugdhulp Holland "
         "Rijnland van totaal € 7 miljoen.",
         ["Vulling van het fonds volgens de systematiek: €1mln. (2016), €3mln. (2017).",
          "Inbreng vanuit de gemeenten naar rato jeugdhulpbudget."]),
        ("Instemmen met de definitieve regionale programmabegroting Jeugdhulp 2016.",
         ["Kennis te nemen van de detailbegroting 2016 en de verdeling naar gemeenten."]),
    ], "1."),
]
BESLUITPUNTEN_POINTS = [
    ("1", "Instemmen met het inzetten"),
    ("2", "Instemmen met regionaal", ["a. Inbreng vanuit"]),
    ("3", "Instemmen met het regionaal", ["a. Vulling van", "b. Inbreng vanuit"]),
    ("4", "Instemmen met de definitieve", ["a. Kennis te"]),
]

HILLEGOM = [
    ("p", "Raadsbesluit gemeente Hillegom"),
    ("p", "Tevens heeft de gemeente Hillegom een raadsbesluit (aangenomen motie 17-09-2015) "
          "aangeleverd met daarin de volgende aandachtspunten ten aanzien van de regionale "
          "inkoop:"),
    ("ol", 1, [
        "Betrekken van de gemeenteraad bij het gehele proces.",
        "Het perspectief van de cliënt vooropstellen in organisatie en proces.",
    ], "1."),
]
HILLEGOM_POINTS = [("1", "Betrekken van de"), ("2", "Het perspectief van")]

HOOGEVEEN = [
    ("p", "CDA Hoogeveen: schriftelijke vragen over de Jeugdhulpregio Drenthe (JHRD)"),
    ("h", "Over de brief van de JHRD"),
    ("ol", 1, [
        "Wanneer en door wie is dit rapport besproken?",
        "Wanneer en door wie is er een besluit genomen over (de conclusies en aanbevelingen in) "
        "het rapport?",
        "Waarom is over dit rapport geen besluit genomen en wat is uw reactie op of duiding van "
        "het rapport?",
    ], "1."),
    ("ul", ["Graag ontvangen wij dit besluit.", "Graag ook de reactie van de regio."]),
]
HOOGEVEEN_POINTS = [
    ("1", "Wanneer en door"), ("2", "Wanneer en door"), ("3", "Waarom is over"),
]
