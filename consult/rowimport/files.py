"""Which reader a file needs, decided by its content; this runs in the upload sandbox."""

from ..extract.errors import Limits
from . import csvfile, xlsxfile
from .reading import Table, table

_BINARY = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def read_table(filename: str, data: bytes, limits: Limits) -> Table:
    """The rows of an .xlsx or .csv file (by content: a zip or an old Excel file is read as a
    workbook, anything else as CSV text; a name ending in .xlsx must be a workbook)."""
    if data.startswith(_BINARY) or filename.lower().endswith(".xlsx"):
        return table(xlsxfile.read(data, limits))
    return table(csvfile.read(data))
