"""PDF uploads: the text of every page, within a budget of pages, objects and page content.

pypdf extracts about 0.5 MB of page content per second on this machine, and pages may share one
content stream (100 pages x one 64 KB stream is 6.4 MB of work in a 16 KB file). So the decoded
content is measured per page, a shared stream counted each time it is used, before any text is
extracted; past the budget the file is refused at once.
"""

import io
import logging
import re
import warnings

from .errors import ExtractError, Limits, too_complex

NOT_A_PDF = "Dit bestand is geen leesbare PDF."


# "/Name Do": a page (or form) drawing an XObject by its resource name.
_DRAW = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s*Do(?![A-Za-z])")


class _Budget:
    """Decoded page content as pypdf will walk it: page streams, plus every form XObject's
    content each time it is drawn (forms drawing forms ten times, seven deep, are 10^7 draws)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.total = 0
        self.forms: dict[object, int | None] = {}  # form -> its expanded size; None while open

    def spend(self, size: int) -> None:
        self.total += size
        if self.total > self.limits.pdf_content:
            raise too_complex("te veel pagina-inhoud")

    def expanded(self, data: bytes, resources, depth: int = 0) -> int:
        """Bytes of content `data` stands for, forms included (spent as they are counted)."""
        if depth > 32:
            raise too_complex("te diep geneste onderdelen")
        size = len(data)
        self.spend(size)
        xobjects = _resolve(resources.get("/XObject")) if resources is not None else None
        if not xobjects:
            return size
        for name in _DRAW.findall(data):
            form = _resolve(xobjects.get("/" + name.decode("latin-1")))
            if form is None or form.get("/Subtype") != "/Form":
                continue
            key = getattr(form, "indirect_reference", None) or id(form)
            key = (key.idnum, key.generation) if hasattr(key, "idnum") else key
            if key not in self.forms:
                self.forms[key] = None
                inner = _resolve(form.get("/Resources")) or resources
                self.forms[key] = self.expanded(form.get_data(), inner, depth + 1)
            elif self.forms[key] is not None:
                self.spend(self.forms[key])  # drawn again: its content is walked again
            size += self.forms[key] or 0  # None: a form drawing itself, which pypdf stops
        return size


def _resolve(value):
    """An indirect object's value (or the value itself); None stays None."""
    return value.get_object() if value is not None and hasattr(value, "get_object") else value


def _check_objects(data: bytes, limits: Limits) -> None:
    """Refuse a PDF with more objects than any letter has, before pypdf reads its (pure Python)
    cross-reference table: counted in the bytes and as declared in the trailers."""
    declared = [int(n) for n in re.findall(rb"/Size\s+(\d{1,12})", data[-65536:])]
    if data.count(b"endobj") > limits.pdf_objects or max(declared, default=0) > limits.pdf_objects:
        raise too_complex(f"meer dan {limits.pdf_objects:,} objecten".replace(",", "."))


def _check_budget(reader, limits: Limits) -> None:
    """Refuse a PDF with too many pages or too much page content, before extracting."""
    count = _resolve(reader.trailer["/Root"]).get("/Pages")
    count = _resolve(count).get("/Count", 0) if count is not None else 0
    if not isinstance(count, int) or count > limits.pages or len(reader.pages) > limits.pages:
        raise too_complex(f"meer dan {limits.pages:,} pagina's".replace(",", "."))
    budget = _Budget(limits)
    for page in reader.pages:
        contents = page.get_contents()
        if contents is not None:
            budget.expanded(contents.get_data(), _resolve(page.get("/Resources")))


def read(data: bytes, limits: Limits) -> str:
    """The text of every page of a PDF, page after page; ExtractError when it cannot be read."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    caps = {
        "zlib_maximum_output_length": limits.stream,
        "lzw_maximum_output_length": limits.stream,
        "run_length_maximum_output_length": limits.stream,
        "maximum_declared_stream_length": limits.stream,
        "array_based_stream_maximum_output_length": limits.stream,
    }
    # pypdf logs its own (English) account of a damaged file ("EOF marker not found") to
    # stderr; the reader is told in Dutch below, once.
    pypdf_log = logging.getLogger("pypdf")
    was = pypdf_log.level
    pypdf_log.setLevel(logging.CRITICAL)  # its modules' loggers inherit this level
    try:
        with warnings.catch_warnings(), apply_configuration(**caps):
            warnings.simplefilter("ignore")
            _check_objects(data, limits)
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ExtractError("Deze PDF is beveiligd met een wachtwoord.")
            _check_budget(reader, limits)
            pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractError:
        raise
    except (LimitReachedError, RecursionError) as exc:
        raise too_complex("te grote of te diep geneste onderdelen") from exc
    except MemoryError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise ExtractError(NOT_A_PDF) from exc
    finally:
        pypdf_log.setLevel(was)
    text = "\n".join(pages)
    if not text.strip():
        raise ExtractError(
            "In deze PDF staat geen tekst (misschien is het een scan). "
            "Plak de tekst of upload een PDF met tekst."
        )
    return text
