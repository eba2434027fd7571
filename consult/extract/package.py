"""Zip-based office files (.docx, .odt): their parts, unpacked within limits, parsed as XML
without DTDs, entities or network access.

Declared sizes can be trusted as ceilings: Python's zipfile never returns more than an entry's
declared size (and a wrong CRC is an error), so a part is measured before it is unpacked. Office
parts never carry a DOCTYPE; one that does is refused (entity expansion, external entities).
libxml2 refuses nesting deeper than 256 levels unless asked for huge trees, which we never do.
"""

import io
import zipfile

from lxml import etree

from .errors import TOO_BIG_UNPACKED, ExtractError, Limits, too_complex

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
    remove_comments=True, remove_pis=True,
)


class Package:
    """An opened zip package; `xml(name)` gives a parsed part or None when it is absent."""

    def __init__(self, data: bytes, limits: Limits, unreadable: str):
        self.limits, self.unreadable = limits, unreadable
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            entries = self.zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise ExtractError(unreadable) from exc
        if len(entries) > limits.zip_entries:
            raise too_complex(f"meer dan {limits.zip_entries:,} onderdelen".replace(",", "."))
        self.entries = {entry.filename: entry for entry in entries}

    def has(self, name: str) -> bool:
        """Whether the package holds this part."""
        return name in self.entries

    def read(self, name: str) -> bytes | None:
        """The unpacked bytes of a part (None when absent); refused when it unpacks too large."""
        entry = self.entries.get(name)
        if entry is None:
            return None
        if entry.file_size > self.limits.xml_part:
            raise ExtractError(TOO_BIG_UNPACKED)
        try:
            return self.zip.read(entry)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
            raise ExtractError(self.unreadable) from exc

    def xml(self, name: str):
        """A part parsed as XML (its root element), or None when absent."""
        data = self.read(name)
        if data is None:
            return None
        return parse(data, self.unreadable)


def parse(data: bytes, unreadable: str):
    """XML bytes -> root element; refuses a DOCTYPE (no entity can expand) and deep nesting."""
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise ExtractError(unreadable)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower() or "nest" in str(exc).lower():
            raise too_complex("te diep geneste opmaak") from exc
        raise ExtractError(unreadable) from exc
