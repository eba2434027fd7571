"""Readable, unique slugs for things people create by name."""

import re
import unicodedata

from sqlmodel import Session, select


def slugify(text: str) -> str:
    """"Werkgroep 18-/18+ › Financiële" -> "werkgroep-18-18-financiele"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100] or "x"


def unique_slug(session: Session, model, text: str, **scope) -> str:
    """A slug for the text not yet used by another row of the model (within the given scope)."""
    base = slugify(text)
    taken = set(
        session.exec(
            select(model.slug).where(
                model.slug.startswith(base), *(getattr(model, k) == v for k, v in scope.items())
            )
        ).all()
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
