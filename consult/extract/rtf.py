"""Rich Text Format (.rtf) uploads, with striprtf (maintained, pure Python, no dependencies).

Word and LibreOffice write each list number into the RTF as text (the \\listtext group), so the
numbers arrive as written; each RTF paragraph becomes a paragraph for the splitter.
"""

import re

from .errors import ExtractError

NOT_AN_RTF = "Dit bestand is geen leesbaar RTF-bestand."

_CODEPAGE = re.compile(rb"\\ansicpg(\d{3,5})")
# A list number as Word and LibreOffice write it (\listtext): "16.", "a)", "IV.", "•", a tab.
_NUMBER_TAB = re.compile(
    r"^\s*([0-9]{1,6}(?:\.[0-9]{1,3})*[.)]?|[a-zA-Z][.)]|[IVXivx]{1,6}[.)]|[•·▪◦-])\t"
)


def _encoding(data: bytes) -> str:
    """The code page the file declares (\\ansicpg1252), as a Python codec name."""
    match = _CODEPAGE.search(data[:4096])
    name = f"cp{int(match.group(1))}" if match else "cp1252"
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name


def read(data: bytes) -> str:
    """The paragraphs of an RTF file, a blank line between them, list numbers in front."""
    from striprtf.striprtf import rtf_to_text

    try:
        text = rtf_to_text(data.decode("latin-1"), encoding=_encoding(data), errors="replace")
    except RecursionError as exc:
        raise ExtractError(NOT_AN_RTF) from exc
    except (ValueError, IndexError, LookupError) as exc:  # striprtf on a damaged file
        raise ExtractError(NOT_AN_RTF) from exc
    lines = [_NUMBER_TAB.sub(r"\1 ", line).strip() for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line)
