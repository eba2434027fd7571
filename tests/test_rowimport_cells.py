"""Reading answered tables cell by cell: numbers, encodings, quotes, rows as Excel counts them."""

import codecs
import io

import pytest
from openpyxl import Workbook

from consult.rowimport import csvfile, read_table
from consult.rowimport.reading import point_number, unquote_csv_cell
from consult.rowimport.xlsxfile import cell_value

HEADER = "Indiener;Soort indiener;Kanaal;Nummer;Punt\r\n"


@pytest.mark.parametrize("typed, stored", [
    ("3", "3"), ("3.", "3"), ("3)", "3"), ("(3)", "3"), ("Punt 3", "3"), ("nr. 12", "12"),
    ("1.10", "1.10"), ("4.3.2", "4.3.2"), ("12a", "12a"), ("b", "b"), ("iv", "iv"),
])
def test_point_numbers_as_letters_write_them(typed, stored):
    assert point_number(typed) == (stored, None)


@pytest.mark.parametrize("typed, words", [
    ("1-feb", "datum"), ("01-02-2026", "datum"), ("feb-01", "datum"), ("2026-02-01", "datum"),
    ("1-2", "meer dan één punt"), ("3 t/m 5", "meer dan één punt"), ("1, 2", "meer dan één punt"),
    ("1,1", "getal"),
    ("1,00E+01", "getal"), ("zie boven", "geen puntnummer"),
])
def test_what_excel_or_people_made_of_a_number_is_named(typed, words):
    _stored, problem = point_number(typed)
    assert problem is not None and words in problem


def test_cells_excel_invented_are_odd_in_the_right_columns():
    from datetime import datetime

    date = cell_value(datetime(2026, 2, 1), "d", "d-mmm", None)
    assert "1 februari 2026" in date.number_problem and date.problem
    decimal = cell_value(1.1, "n", "General", None)
    assert decimal.problem is None and decimal.text == "1,1" and "1,1" in decimal.number_problem
    fixed = cell_value(1.1, "n", "0.00", None)
    assert fixed.number_problem is None and fixed.number_text == "1.10"
    assert cell_value(4.0, "n", "General", None) == "4"
    assert "formule zonder uitkomst" in cell_value(None, "n", "General", False).problem
    assert cell_value(7, "n", "General", True) == "7"  # a formula with its stored result
    assert "#N/A" in cell_value("#N/A", "e", "General", None).problem
    assert "WAAR" in cell_value(True, "b", "General", None).problem


def test_the_exports_quote_and_only_that_is_taken_off():
    assert unquote_csv_cell("'=1+1") == "=1+1"
    assert unquote_csv_cell("'\\|pijp") == "|pijp"
    assert unquote_csv_cell("'s-Gravenhage") == "'s-Gravenhage"
    assert unquote_csv_cell("=1+1") == "=1+1"


@pytest.mark.parametrize("encoding, notice", [
    ("utf-8", None), ("utf-8-sig", None), ("cp1252", "Windows-1252"), ("utf-16", "UTF-16"),
    ("utf-16-le", "UTF-16"),
])
def test_encodings_dutch_excel_writes(encoding, notice):
    text = HEADER + "Gemeente Noordwijkerhout;;collegebrief;1;Cliënten € 2,5 miljoen – “nu”\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16":
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    decoded, said = csvfile.decode(data)
    assert decoded.lstrip("\ufeff") == text
    assert (said is None) if notice is None else (notice in said)


def test_the_header_decides_the_delimiter_whatever_the_text_holds():
    body = ('Leiden;;collegebrief;1;"JGT\'s, komma\'s; en ""aanhalingstekens"", '
            + "heel lang " * 2000 + '\r\nmet regels"\r\n')
    assert csvfile.delimiter_of(HEADER + body)[0] == ";"
    assert csvfile.delimiter_of("sep=,\r\n" + HEADER)[0] == ","
    assert csvfile.delimiter_of(HEADER.replace(";", "\t"))[0] == "\t"


def test_rows_are_counted_as_excel_counts_them():
    book = Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"] = "Indiener", "Kanaal", "Nummer", "Tekst"
    sheet["B6"], sheet["C6"], sheet["D6"], sheet["E6"] = "Leiden", "collegebrief", "1", "x"
    out = io.BytesIO()
    book.save(out)
    table = read_table("t.xlsx", out.getvalue())
    assert [r.number for r in table.rows] == [6]
    assert any("rij 3" in n for n in table.notices)
    csv_table = read_table("t.csv", ("\r\n\r\n" + HEADER + 'Leiden;;collegebrief;1;"a\r\nb"\r\n'
                                     "Leiden;;collegebrief;2;c\r\n").encode())
    assert [r.number for r in csv_table.rows] == [4, 5]  # a cell of two lines is one row


def test_the_issues_line_as_dutch_excel_on_windows_writes_it():
    """Windows-1252, CRLF, ";" with the delimiter inside a quoted cell, a cell of several KB
    over many lines, and the rows of only delimiters Excel leaves below a table it formatted."""
    long = "\r\n".join(f"{i}. Jeugdhulp dichtbij, “één gezin, één plan”; regie lokaal." * 3
                       for i in range(1, 41))
    assert len(long) > 5000
    text = (HEADER + 'Gemeente Leiden;gemeente (ambtelijk);collegebrief;1;"Wij steunen dit; mits '
            'de regie lokaal blijft."\r\n'
            f'Gemeente Leiden;;collegebrief;2;"{long}"\r\n'
            + ";;;;\r\n" * 3)
    table = read_table("tabel.csv", text.encode("cp1252"))
    assert [(r.number, r.values["number"], r.values["text"]) for r in table.rows] == [
        (2, "1", "Wij steunen dit; mits de regie lokaal blijft."),
        (3, "2", long.replace("\r\n", "\n")),
    ]
    assert not any(r.problems for r in table.rows)
    assert any("Windows-1252" in n for n in table.notices)


def test_hidden_rows_are_read_and_a_visible_column_beats_a_hidden_one_of_its_name():
    book = Workbook()
    sheet = book.active
    sheet.append(["Indiener", "Kanaal", "Nummer", "Punt", "Punt"])
    sheet.append(["Leiden", "collegebrief", "1", "oude tekst", "Regie lokaal"])
    sheet.append(["Leiden", "collegebrief", "2", "oude tekst", "Eén plan per gezin"])
    sheet.column_dimensions["D"].hidden = True  # the text before it was rewritten
    sheet.row_dimensions[3].hidden = True  # filtered away
    out = io.BytesIO()
    book.save(out)
    table = read_table("t.xlsx", out.getvalue())
    assert [r.values["text"] for r in table.rows] == ["Regie lokaal", "Eén plan per gezin"]
    assert any("1 verborgen of weggefilterde rij" in n for n in table.notices)


def test_percentages_and_times_excel_made_of_numbers():
    from datetime import time

    percent = cell_value(0.05, "n", "0%", None)
    assert percent.text == "5%" and "percentage" in percent.number_problem
    clock = cell_value(time(1, 2), "d", "h:mm", None)  # "1:2" typed
    assert clock.text == "01:02" and "een tijd" in clock.number_problem
    assert "een tijd" in clock.problem


def test_a_cell_typed_in_excels_last_row_costs_no_minute():
    """A sheet whose size says A1:XFD1048576 (a cell typed in the last row and column, or a
    sheet another program wrote so) is read by the cells it holds. openpyxl padded every row to
    16,384 cells and filled the gap with empty rows: the read hit the 30 s limit and the user
    got "duurde te lang" for a table of three rows."""
    import time
    import zipfile

    book = Workbook()
    sheet = book.active
    sheet.append(["Indiener", "Kanaal", "Nummer", "Tekst"])
    sheet.append(["Leiden", "collegebrief", "1", "Meer preventie."])
    sheet["A1048576"] = "Leiden"
    sheet["B1048576"], sheet["C1048576"], sheet["D1048576"] = "collegebrief", "2", "Minder regels."
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    declared = io.BytesIO()
    with zipfile.ZipFile(declared, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                part = part.replace(b'<dimension ref="A1:D1048576"/>',
                                    b'<dimension ref="A1:XFD1048576"/>')
                assert b"XFD1048576" in part
            target.writestr(name, part)
    started = time.perf_counter()
    table = read_table("t.xlsx", declared.getvalue())
    assert [(r.number, r.values["text"]) for r in table.rows] == [
        (2, "Meer preventie."), (1048576, "Minder regels.")]
    assert time.perf_counter() - started < 15  # 1 s here; > 30 s (the limit) before
