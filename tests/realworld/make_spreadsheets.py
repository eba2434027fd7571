"""Produce tests/fixtures/realworld/spreadsheets/ the way real producers write answered tables.
Run once; the files are committed, so tests need none of this:

    .venv/bin/python -m tests.realworld.make_spreadsheets   # needs soffice (libreoffice-calc)

Each case starts from its *truth*: the rows a secretary typed (texts from the real 2016
Holland Rijnland "Bijlage 2" and from reaction tables of other rounds). The expected.json is
written from the truth, never from what the import makes of the file. The file is written by:
- LibreOffice (soffice --headless --convert-to) from a workbook: CSV in the dialects it writes
  (";" + Windows-1252 as Dutch Excel, "," + UTF-8, UTF-16 tab-separated "Unicode text"),
  .xlsx from an HTML table with rowspans (merged cells as LibreOffice writes them), and .xlsx
  with formulas recalculated (their results stored, as every spreadsheet program does);
- openpyxl for .xlsx as Excel writes it (merged cells, number formats, hidden columns,
  formatted empty rows, dates and numbers where text was typed);
- Python's csv module configured as Excel and Google Sheets write CSV (RFC 4180: CRLF,
  quotes only where needed, "" inside quotes), with Excel's byte-order mark and "sep=" line;
- our own export (consult.reports) of a small consultation made through the app.
"""

import csv
import html
import io
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "realworld" / "spreadsheets"

HEADER = ["Indiener", "Soort indiener", "Kanaal", "Nummer", "Kop", "Punt", "Toelichting",
          "Bestemmingen", "Status"]
KINDS = {"municipality": "gemeente (ambtelijk)", "executive": "college van B&W",
         "council": "gemeenteraad", "advisory_board": "adviesraad",
         "joint_group": "samenwerkingsverband / subregio"}
CHANNELS = {"ambtelijke_uitvraag": "ambtelijke uitvraag", "collegebrief": "collegebrief",
            "raadsbesluit": "raadsbesluit / motie", "advies": "advies",
            "zienswijze": "zienswijze", "gezamenlijke_reactie": "gezamenlijke reactie"}
STATUSES = {"adopted": "vastgesteld", "proposed": "voorgesteld", "not_adopted":
            "niet overgenomen", "done": "afgerond"}


@dataclass
class P:
    """One point as typed: who, how, number, heading, text, its answer, where, status."""

    stakeholder: str
    kind: str
    channel: str
    number: str
    text: str
    answer: str = ""
    destinations: list[str] = field(default_factory=list)
    status: str = ""  # code; "" = adopted when answered
    heading: str = ""

    def cells(self) -> list[str]:
        return [self.stakeholder, KINDS[self.kind], CHANNELS[self.channel], self.number,
                self.heading, self.text, self.answer, "; ".join(self.destinations),
                STATUSES.get(self.status, "")]

    def stored(self) -> dict:
        return {"stakeholder": self.stakeholder, "channel": self.channel,
                "number": self.number, "heading": self.heading or None, "text": self.text,
                "answer": self.answer or None, "destinations": sorted(self.destinations),
                "status": (self.status or "adopted") if self.answer else "open"}


# --- the truths: real texts ----------------------------------------------------------------

ALPHEN_ANSWER = ("Deze punten worden meegenomen in de inkoopstrategie voor 2017 en zullen in het "
                 "inkoopplan verder worden uitgewerkt. Het gaat hier met name over horizontale "
                 "en verticale integratie van jeugdhulp.")
ALPHEN = [P("Alphen aan den Rijn", "municipality", "ambtelijke_uitvraag", n, t, ALPHEN_ANSWER,
            ["Inkoopplan 2017", "Inkoopstrategie 2017"]) for n, t in [
    ("1", "De jeugdhulpproblematiek vraagt om arrangementen over de grenzen van verschillende "
          "disciplines binnen de jeugdhulp, maar ook tussen de jeugdhulp en de andere delen van "
          "het sociaal domein."),
    ("2", "Versnelde transformatie door effectievere en efficiëntere jeugdhulp: "
          "vroegsignalering, vroeginterventie, vervanging van duurdere (individuele) vormen van "
          "hulp door minder kostbare (collectieve) vormen, duurzame oplossingen."),
    ("3", "Uitgaan van de oplossing die de inwoner nodig heeft in plaats van de producten die "
          "van jeugdhulp kennen."),
    ("4", "Wijkgerichte en integrale inbedding van de (gespecialiseerde) jeugdhulp. De "
          "mogelijkheid om in uitvoering en sturing de jeugdaanpak te verbinden met preventie en "
          "voorliggend veld (welzijn, TOM in de buurt) Wmo zorg (ondersteuning), schulden "
          "aanpak, en participatie (bv de keten van dagbesteding naar werk voor jongeren)."),
]]
COLLEGE = "College van B&W Alphen aan den Rijn"
COLLEGE_123 = ("De punten 1 tot en met 3 zijn opgenomen als aandachtpunten in de inkoopstrategie "
               "en komen terug in het inkoopplan 2017.")
COLLEGEBRIEF = [
    P(COLLEGE, "executive", "collegebrief", "1", "Snelheid van transformatie", COLLEGE_123,
      ["Inkoopplan 2017", "Inkoopstrategie 2017"]),
    P(COLLEGE, "executive", "collegebrief", "2", "Integraliteit, innovatie en ontschotting",
      COLLEGE_123, ["Inkoopplan 2017", "Inkoopstrategie 2017"]),
    P(COLLEGE, "executive", "collegebrief", "3", "Lokaal contractmanagement", COLLEGE_123,
      ["Inkoopplan 2017", "Inkoopstrategie 2017"]),
    P(COLLEGE, "executive", "collegebrief", "4", "Financiële beheersbaarheid door "
      "bekostigingsmodel en slim en anders organiseren"),
    P(COLLEGE, "executive", "collegebrief", "5", "Aandacht voor 18+",
      "De aandacht voor 18+ is een veel genoemd punt binnen de regio en zal worden benoemd als "
      "thema binnen het strategisch overleg jeugd.", ["Strategisch overleg jeugd › Werkgroep "
                                                       "18-/18+"]),
]
# Texts with the delimiter, quotes, apostrophes and line breaks inside (as typed in Excel).
KATWIJK = [
    P("Gemeenteraad Katwijk", "council", "zienswijze", "1",
      "Wij steunen dit; mits de regie lokaal blijft.",
      "De regie blijft lokaal; zie de aangescherpte uitgangspunten.",
      ["Aangescherpte uitgangspunten › Lokale sturing"], heading="Lokale sturing"),
    P("Gemeenteraad Katwijk", "council", "zienswijze", "2",
      "De JGT's moeten \"laagdrempelig\" blijven, ook voor ouders met komma's, puntkomma's; "
      "en aanhalingstekens in hun vragen.",
      "Overgenomen: de JGT’s blijven de toegang.",
      ["Aangescherpte uitgangspunten › Doorontwikkeling JGT’s"], heading="JGT's"),
    P("Gemeenteraad Katwijk", "council", "zienswijze", "3",
      "Zorg voor:\n- één plan per gezin;\n- één regisseur;\n- budget voor € 2,5 miljoen aan "
      "preventie.", "Het inkoopplan 2017 werkt dit uit in de financiële paragraaf.",
      ["Inkoopplan 2017 › Financiële paragraaf"], status="proposed"),
]
LONG = ("Het bekostigingsmodel moet de transformatie ondersteunen; aanbieders die investeren in "
        "preventie, in het voorliggend veld en in het afschalen van zorg mogen daar niet "
        "financieel op achteruitgaan. Wij vragen het college daarom om in het inkoopplan 2017 "
        "vast te leggen dat resultaatgerichte bekostiging het uitgangspunt is, met een "
        "overgangsperiode voor de huidige aanbieders, en om de raad halfjaarlijks te "
        "informeren over de effecten op wachttijden, de “zachte landing” van cliënten en de "
        "budgetten per perceel.\n")
WMO = [
    P("WMO Adviesraad Leiden", "advisory_board", "advies", str(n),
      (f"Punt {n}: " + LONG * (6 + n)).strip(),
      "De adviesraad wordt betrokken bij het inkoopplan 2017; het advies over de bekostiging "
      "is overgenomen.\nZie ook de financiële paragraaf.",
      ["Inkoopplan 2017 › Financiële paragraaf"], heading="Bekostiging")
    for n in range(1, 4)
]


# --- producers --------------------------------------------------------------------------------


def workbook(rows: list[list[str]], title_rows: list[list[str]] = ()) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "Reacties"
    for row in title_rows:
        sheet.append(row)
    sheet.append(HEADER)
    for cell in sheet[len(title_rows) + 1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    return book


def save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def soffice(data: bytes, suffix: str, target: str, infilter: str | None = None) -> bytes:
    """Convert a file with LibreOffice (headless), as a municipality on LibreOffice saves it.
    target: e.g. 'csv:Text - txt - csv (StarCalc):59,34,1,1' or 'xlsx:Calc MS Excel 2007 XML'."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"tabel{suffix}"
        source.write_bytes(data)
        out = Path(tmp) / "out"
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        *([f"--infilter={infilter}"] if infilter else []),
                        "--convert-to", target, "--outdir", str(out), str(source)],
                       check=True, capture_output=True, timeout=180)
        (result,) = out.iterdir()
        return result.read_bytes()


def excel_csv(rows: list[list[str]], delimiter=";", encoding="utf-8-sig", sep_line=False,
              title_rows=()) -> bytes:
    """CSV as Excel writes it: quotes only where needed, CRLF, "" inside quotes."""
    buffer = io.StringIO()
    if sep_line:
        buffer.write(f"sep={delimiter}\r\n")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([*title_rows, HEADER, *rows])
    return buffer.getvalue().encode(encoding)


def write(name: str, data: bytes, expected: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_bytes(data)
    stem = name.split(".")[0]
    (OUT / f"{stem}.expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n")


def points(truth: list[P], **extra) -> dict:
    return {"points": [p.stored() for p in truth], **extra}


def rows_of(truth: list[P]) -> list[list[str]]:
    return [p.cells() for p in truth]


# --- kind 1: CSV as spreadsheet programs write it ----------------------------------------------


def csv_cases() -> None:
    mixed = ALPHEN + COLLEGEBRIEF + KATWIJK
    book = save(workbook(rows_of(mixed)))
    write("csv_excel_nl_cp1252.csv",
          soffice(book, ".xlsx", "csv:Text - txt - csv (StarCalc):59,34,1,1"),
          points(mixed, notices=["Windows-1252"], reactions=3))
    write("csv_libreoffice_utf8_comma.csv",
          soffice(book, ".xlsx", "csv:Text - txt - csv (StarCalc):44,34,76,1"),
          points(mixed, reactions=3))
    long = ALPHEN + KATWIJK + WMO
    write("csv_excel_utf8_bom_multiline.csv", excel_csv(rows_of(long)), points(long))
    write("csv_google_sheets_comma.csv",
          excel_csv(rows_of(mixed), delimiter=",", encoding="utf-8"), points(mixed))
    write("csv_excel_unicode_text.txt",  # Excel: "Unicode-tekst (*.txt)"
          excel_csv(rows_of(mixed), delimiter="\t", encoding="utf-16"),
          points(mixed, notices=["UTF-16"]))
    write("csv_excel_sep_line.csv", excel_csv(rows_of(KATWIJK), delimiter=",", sep_line=True,
                                              encoding="cp1252"), points(KATWIJK))
    title = [["Bijlage 2 – Ambtelijke en Bestuurlijke reacties"],
             ["Voorlopige uitgangspunten toekomst Jeugdhulp; PHO Jeugdhulp 16 december 2015"], []]
    write("csv_title_above_header.csv", excel_csv(rows_of(mixed), title_rows=title),
          points(mixed, notices=["rij 4"]))
    broken = excel_csv(rows_of(KATWIJK))
    write("csv_unclosed_quote.csv", broken.replace(b"preventie.\"", b"preventie."),
          {"file_error": "Rij 4: een aanhalingsteken (\") wordt nergens gesloten"})
    write("csv_quote_inside_cell.csv",
          broken.replace(b'"Wij steunen dit; mits de regie lokaal blijft."',
                         b'"Wij steunen "dit"; mits de regie lokaal blijft."'),
          {"file_error": "Rij 2: na een afsluitend aanhalingsteken"})


# --- kind 2: merged cells -------------------------------------------------------------------------


def _merge_down(sheet, column: int, first: int, last: int) -> None:
    """Merge a column over rows first..last, keeping only the top value (as Excel does)."""
    for row in range(first + 1, last + 1):
        sheet.cell(row=row, column=column).value = None
    sheet.merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)


def merged_cases() -> None:
    truth = ALPHEN + COLLEGEBRIEF
    book = workbook(rows_of(truth))
    sheet = book.active
    for column in (7, 8, 9):  # Toelichting, Bestemmingen, Status beside the points answered
        _merge_down(sheet, column, 2, 5)
        _merge_down(sheet, column, 6, 8)
    write("merged_toelichting_bijlage2.xlsx", save(book), points(truth, reactions=2))

    book = workbook(rows_of(truth))
    sheet = book.active
    for column in (1, 2, 3):  # Indiener, soort and kanaal once per reaction, as in Word
        _merge_down(sheet, column, 2, 5)
        _merge_down(sheet, column, 6, 10)
    _merge_down(sheet, 7, 6, 8)
    _merge_down(sheet, 8, 6, 8)
    write("merged_stakeholder_column.xlsx", save(book), points(truth, reactions=2))

    book = workbook(rows_of(KATWIJK), title_rows=[["Bijlage 2 – Ambtelijke en Bestuurlijke "
                                                    "reacties"]])
    book.active.merge_cells("A1:I1")
    write("merged_title_over_header.xlsx", save(book), points(KATWIJK, notices=["rij 2"]))

    nothing = "Geen opmerkingen; de punten zijn ter kennisgeving aangenomen."
    two = [P("Gemeenteraad Leiderdorp", "council", "zienswijze", "1",
             "Geen aanvullende opmerkingen op de uitgangspunten.", nothing, ["Ter kennisgeving"]),
           P("Gemeenteraad Leiderdorp", "council", "zienswijze", "2",
             "De raad wil op de hoogte blijven van de inkoop.", nothing, ["Ter kennisgeving"]),
           P("Gemeenteraad Zoeterwoude", "council", "zienswijze", "1",
             "Akkoord met de voorlopige uitgangspunten.", nothing, ["Ter kennisgeving"])]
    book = workbook(rows_of(two))
    for column in (7, 8):  # one Toelichting merged over the rows of two stakeholders
        _merge_down(book.active, column, 2, 4)
    write("merged_toelichting_over_two_stakeholders.xlsx", save(book),
          points(two, reactions=2))

    # LibreOffice: an HTML table with rowspans, saved as .xlsx.
    cells = []
    for i, p in enumerate(truth):
        row = [p.stakeholder, KINDS[p.kind], CHANNELS[p.channel], p.number, p.heading, p.text]
        first_of = {0: 4, 4: 3, 7: 1, 8: 1}  # rows answered together, as in the real table
        tail = ([p.answer, "; ".join(p.destinations), STATUSES.get(p.status, "")]
                if i in first_of else None)
        cells.append((row, tail, first_of.get(i, 1)))
    html_rows = ["<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in HEADER) + "</tr>"]
    for row, tail, span in cells:
        tds = "".join(f"<td>{html.escape(c)}</td>" for c in row)
        if tail is not None:
            tds += "".join(f'<td rowspan="{span}">{html.escape(c)}</td>' for c in tail)
        html_rows.append(f"<tr>{tds}</tr>")
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><table>'
            + "".join(html_rows) + "</table></body></html>").encode()
    write("merged_libreoffice_rowspan.xlsx",
          soffice(page, ".html", "xlsx:Calc MS Excel 2007 XML", infilter="HTML (StarCalc)"),
          points(truth, reactions=2))


# --- kind 3: cell types Excel invents ------------------------------------------------------------


def _errors(*pairs) -> dict:
    return {"errors": [list(p) for p in pairs]}


def types_cases() -> None:
    sub = [P("Gemeenteraad Oegstgeest", "council", "zienswijze", n, t) for n, t in [
        ("1.1", "Betrek de adviesraad bij de uitwerking van de uitgangspunten."),
        ("1.2", "Leg vast hoe de raad wordt geïnformeerd."),
        ("1.10", "Zorg voor een evaluatie na een jaar.")]]
    book = workbook(rows_of(sub))
    sheet = book.active
    sheet["D2"], sheet["D3"], sheet["D4"] = 1.1, 1.2, 1.1  # what Excel keeps of "1.10"
    write("types_number_became_decimal.xlsx", save(book),
          _errors(("Rij 2, kolom number", "1,1"), ("Rij 3, kolom number", "1,2"),
                  ("Rij 4, kolom number", "1,1")))

    book = workbook(rows_of(sub))
    sheet = book.active
    sheet["D2"] = 1
    sheet["D3"] = datetime(2026, 2, 1)  # "1-2" typed in a cell of format General
    sheet["D3"].number_format = "d-mmm"
    sheet["D4"] = 3
    write("types_number_became_date.xlsx", save(book),
          _errors(("Rij 3, kolom number", "1 februari 2026")))

    fixed = [P("Gemeenteraad Oegstgeest", "council", "zienswijze", n, t) for n, t in [
        ("1", "Betrek de adviesraad bij de uitwerking van de uitgangspunten."),
        ("2", "Leg vast hoe de raad wordt geïnformeerd."),
        ("2.10", "Zorg voor een evaluatie na een jaar."),
        ("2.5", "Maak de afspraken openbaar.")]]
    book = workbook(rows_of(fixed))
    sheet = book.active
    sheet["D2"], sheet["D3"] = 1, 2.0  # numbers Excel stored as numbers: the right value
    sheet["D4"] = 2.1
    sheet["D4"].number_format = "0.00"  # shows 2.10, as typed
    sheet["D5"] = 2.5
    sheet["D5"].number_format = "0.0"
    write("types_numbers_as_numbers.xlsx", save(book), points(fixed))

    formulas = [P("Gemeenteraad Hillegom", "council", "raadsbesluit", str(n), t,
                  "Overgenomen in het inkoopplan 2017.", ["Inkoopplan 2017"]) for n, t in [
        (1, "Motie: vreemd aan de orde van de dag, jeugdhulp dichtbij."),
        (2, "Motie: monitor de wachttijden per kwartaal.")]]
    book = workbook(rows_of(formulas))
    sheet = book.active
    sheet["D2"], sheet["D3"] = "=ROW()-1", "=D2+1"  # numbered by formula
    sheet["G3"] = "=G2"  # the same answer as the row above
    write("types_formulas_recalculated.xlsx",
          soffice(save(book), ".xlsx", "xlsx:Calc MS Excel 2007 XML"),
          points(formulas, notices=["formule"]))
    write("types_formulas_without_result.xlsx", save(book),
          _errors(("Rij 2, kolom number", "formule zonder uitkomst"),
                  ("Rij 3, kolom number", "formule zonder uitkomst"),
                  ("Rij 3, kolom answer", "formule zonder uitkomst")))

    book = workbook(rows_of(KATWIJK))
    sheet = book.active
    for row in range(5, 1500):  # formatted, empty: Excel keeps them in the file
        for column in range(1, 10):
            sheet.cell(row=row, column=column).font = Font(italic=True)
    sheet["A1501"] = "   "
    write("types_empty_trailing_rows.xlsx", save(book), points(KATWIJK))

    book = workbook(rows_of(KATWIJK))
    sheet = book.active
    sheet.insert_cols(1)
    sheet["A1"] = "Volgnummer intern"
    for row in range(2, 5):
        sheet.cell(row=row, column=1).value = row + 100
    sheet.insert_cols(8)  # before "Toelichting" (now H)
    sheet["H1"] = "Toelichting"  # the first draft of the answers, hidden by the secretary
    for row in range(2, 5):
        sheet.cell(row=row, column=8).value = "CONCEPT – niet gebruiken"
    for letter in "AFH":  # the internal number, "Kop" (the only one), the draft answers
        sheet.column_dimensions[letter].hidden = True
    write("types_hidden_columns.xlsx", save(book),
          points(KATWIJK, notices=["verborgen kolom “Kop”"]))

    book = workbook(rows_of(KATWIJK))
    sheet = book.active
    sheet["G3"] = "#N/A"  # a VLOOKUP that found nothing, its result stored
    sheet["E4"] = True
    write("types_error_values.xlsx", save(book),
          _errors(("Rij 3, kolom answer", "#N/A"), ("Rij 4, kolom heading", "WAAR")))

    # What Dutch Excel writes to CSV once it has turned numbers into dates and decimals.
    rows = rows_of(sub)
    rows[0][3], rows[1][3], rows[2][3] = "1-feb", "1,1", "01-02-2026"
    write("types_excel_csv_with_dates.csv", excel_csv(rows, encoding="cp1252"),
          _errors(("Rij 2, kolom number", "datum"),
                  ("Rij 3, kolom number", "“1,1” is een getal dat Excel"),
                  ("Rij 4, kolom number", "datum")))


# --- kind 4: our own exports ---------------------------------------------------------------------


def _small_consultation(session):
    """A consultation with what our export must carry: a joint letter whose points name their
    own senders, answers shared by points, an answer to a reaction as a whole, a point with
    two answers, an open point, nested destinations."""
    from sqlmodel import select

    from consult.intake import DraftPoint, create_consultation, create_stakeholder, log_reaction
    from consult.models import Destination, Point, Stakeholder
    from consult.processing import answer, create_destination
    from consult.slugs import unique_slug

    def who(name, kind, parent=None):
        return create_stakeholder(session, slug=unique_slug(session, Stakeholder, name),
                                  name=name, kind=kind, parent_id=parent.id if parent else None)

    c = create_consultation(session, title="Inkoop Jeugd 2017", slug="inkoop-jeugd-2017",
                            organiser="Holland Rijnland")
    dnb = who("Duin- en Bollenstreek", "joint_group")
    lisse = who("Gemeenteraad Lisse", "council", who("Lisse", "municipality", dnb))
    teylingen = who("Gemeenteraad Teylingen", "council", who("Teylingen", "municipality", dnb))
    pho = who("Portefeuillehouders Jeugd Lisse en Teylingen", "joint_group", dnb)
    wmo = who("WMO Adviesraad Leiden", "advisory_board", who("Leiden", "municipality"))

    def place(title, parent=None):
        return create_destination(session, consultation_id=c.id, title=title,
                                  slug=unique_slug(session, Destination, title,
                                                   consultation_id=c.id),
                                  kind="document_section", parent_id=parent.id if parent else None)

    plan = place("Inkoopplan 2017")
    privacy = place("Privacy", plan)
    soj = place("Strategisch overleg jeugd")
    noted = place("Ter kennisgeving")
    texts = ["Borg de privacy van jeugdigen bij het delen van gegevens.",
             "Maak afspraken over de \"zachte landing\" van cliënten; ook bij 18+.",
             "Kosten per perceel inzichtelijk maken (= transparantie).",
             "Betrek de JGT's bij de toegang.",
             "Monitor de wachttijden per kwartaal.",
             "Evalueer de inkoop na een jaar.",
             "Zorg voor één regisseur per gezin."]
    senders = [None, None, None, lisse.id, lisse.id, teylingen.id, teylingen.id]
    joint = log_reaction(session, None, c, pho, [
        DraftPoint(str(i), t, "Gemeente Lisse" if s == lisse.id else None, s)
        for i, (t, s) in enumerate(zip(texts, senders, strict=True), 1)],
        channel="gezamenlijke_reactie", title="Gezamenlijke reactie Lisse en Teylingen")
    points = {p.number: p for p in session.exec(select(Point).where(
        Point.reaction_id == joint.id))}
    answer(session, None, c, [points[n] for n in "12345"], [privacy, soj],
           "De punten 1 t/m 5 worden uitgewerkt in het inkoopplan; zie § 4.3.", "adopted",
           reaction_id=joint.id)
    answer(session, None, c, [points["6"]], [plan], "Komt in het inkoopplan 2017.",
           "proposed", reaction_id=joint.id)
    ambtelijk = log_reaction(session, None, c, dnb, [], channel="ambtelijke_uitvraag",
                             title="Ambtelijke uitvraag")
    answer(session, None, c, [], [noted], "Geen opmerkingen.", "adopted",
           reaction_id=ambtelijk.id)
    advice = log_reaction(session, None, c, wmo, [
        DraftPoint("1", "Betrek de adviesraad bij de uitwerking.", "Participatie"),
        DraftPoint("2", "Maak de afspraken openbaar.", "Participatie")],
        channel="advies", title="Advies WMO Adviesraad Leiden")
    mine = {p.number: p for p in session.exec(select(Point).where(
        Point.reaction_id == advice.id))}
    answer(session, None, c, [mine["1"]], [soj], "De adviesraad schuift aan bij het "
           "strategisch overleg jeugd.", "adopted", reaction_id=advice.id)
    answer(session, None, c, [mine["1"], mine["2"]], [noted], "Niet overgenomen: de "
           "afspraken zijn vertrouwelijk.", "not_adopted", reaction_id=advice.id)
    answer(session, None, c, [], [], "Dank voor het advies.", "done", reaction_id=advice.id)
    session.commit()
    return c


def export_cases() -> None:
    from flask_babel import force_locale
    from sqlmodel import select

    from consult import demo, reports
    from consult.consultations import get_consultation
    from consult.db import get_session
    from consult.followup import consultation_points
    from consult.models import Stakeholder
    from tests.conftest import make_app
    from tests.realworld.spreadsheets import stored_points

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(f"sqlite:///{tmp}/bron.sqlite3", Path(tmp))
        with app.app_context():
            session = get_session()
            c = _small_consultation(session)
            truth = {"points": stored_points(session, c), "reactions": 3}
            table = reports.answered_table(session, c)
            write("export_small_table.csv", reports.to_csv(table), truth)
            write("export_small_table.xlsx", reports.to_xlsx(table), truth)
            with app.test_request_context(), force_locale("en"):
                write("export_english_labels.csv", reports.to_csv(table), truth)
            demo.load(session)
            session.commit()
            hr = get_consultation(session, "holland-rijnland-jeugdhulp-2016")
            dnb = session.exec(select(Stakeholder).where(
                Stakeholder.name == "Duin- en Bollenstreek")).first()
            table = reports.answered_table(session, hr, reports.Filters(subregion=dnb.id))
            # The filtered table as stored: the points of the subregion, answers and all.
            wanted = {p.point.id for p in table.points}
            rows = []
            for p in consultation_points(session, hr):
                if p.point.id in wanted:
                    rows.append({
                        "stakeholder": p.sender.name, "channel": p.reaction.channel,
                        "number": p.point.number, "heading": p.point.heading,
                        "text": p.point.body,
                        "answer": "\n\n".join(a.response.body for a in p.answers) or None,
                        "destinations": sorted(d for a in p.answers for d in a.destinations),
                        "status": p.status})
            write("export_demo_one_subregion.csv", reports.to_csv(table), {"points": rows})
        app.extensions["consult.engine"].dispose()


# --- kind 5: what other producers write (added in review rvC) ----------------------------------


def _declare_whole_sheet(data: bytes) -> bytes:
    """The workbook with its sheet's size declared as A1:XFD1048576, as a sheet says once a
    cell in Excel's last row and column was typed in (or another program wrote it so)."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                part = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>',
                              part)
            target.writestr(name, part)
    return out.getvalue()


def producer_cases() -> None:
    mixed = ALPHEN + COLLEGEBRIEF + KATWIJK
    # .NET's and PowerShell's "Unicode" writers: UTF-16 little-endian, no byte-order mark.
    write("csv_utf16_without_bom.csv",
          excel_csv(rows_of(mixed), delimiter="\t", encoding="utf-16-le"),
          points(mixed, notices=["UTF-16"], reactions=3))
    # A secretary pressed Ctrl+Down and typed the last point in row 1,048,576.
    book = workbook(rows_of(KATWIJK[:-1]))
    last = KATWIJK[-1].cells()
    for column, value in enumerate(last, start=1):
        book.active.cell(row=1_048_576, column=column, value=value)
    write("types_last_row_of_the_sheet.xlsx", _declare_whole_sheet(save(book)),
          points(KATWIJK))


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    csv_cases()
    merged_cases()
    types_cases()
    export_cases()
    producer_cases()
    print(f"{len(list(OUT.glob('*.expected.json')))} cases in {OUT}")


if __name__ == "__main__":
    main()
