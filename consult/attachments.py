"""Uploaded originals: stored under generated names in the file store (consult/files.py),
served as downloads."""

import uuid

from sqlmodel import Session, select

from . import audit
from .extract import content_type, display_name
from .files import Files
from .models import Attachment, Consultation, Reaction, User


def store(
    session: Session,
    actor: User | None,
    files: Files,
    reaction: Reaction | None,
    filename: str,
    data: bytes,
    consultation: Consultation | None = None,
) -> Attachment:
    """Keep the original upload of a reaction, or the document under consultation (no
    reaction, ``consultation`` given). The user's file name is never used as a path; the
    bytes go to ``files`` under a generated name (in the session's transaction when the
    store is the database)."""
    stored_name = uuid.uuid4().hex
    files.put(session, "uploads", stored_name, data)
    attachment = Attachment(
        reaction_id=reaction.id if reaction is not None else None,
        consultation_id=consultation.id if consultation is not None else None,
        filename=display_name(filename),
        stored_name=stored_name,
        content_type=content_type(data),
        size=len(data),
        uploaded_by_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
    )
    session.add(attachment)
    session.flush()
    audit.record(session, actor, "create", attachment)
    return attachment


def of_reaction(session: Session, reaction_id: int) -> list[Attachment]:
    """The reaction's uploaded originals, oldest first."""
    return list(
        session.exec(
            select(Attachment).where(Attachment.reaction_id == reaction_id).order_by(Attachment.id)
        )
    )


def send(files: Files, stored_name: str, content_type: str | None, filename: str | None):
    """The stored upload as a download response (never inline), streamed from the store;
    raises files.Missing (the app answers 404 with a Dutch sentence)."""
    media, name = download(content_type, filename)
    return files.send("uploads", stored_name, media, name)


# The extension a download gets for what its content is (extract.kinds.CONTENT_TYPES).
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/rtf": ".rtf",
    "application/vnd.ms-outlook": ".msg",
    "message/rfc822": ".eml",
    "text/plain": ".txt",
}


def download(content_type: str | None, filename: str | None) -> tuple[str, str]:
    """(media type, file name) to serve a stored original with: the type without parameters
    (Flask adds the charset of text/* itself; "charset=utf-8" came twice), and the uploaded
    name with the extension of what the file really is ("x.exe" holding a .docx is served as
    "x.docx"; an upload named ".html" is never offered as a web page)."""
    media = (content_type or "application/octet-stream").split(";")[0].strip()
    name = display_name(filename or "document")
    extension = _EXTENSIONS.get(media)
    if extension and not name.lower().endswith(extension):
        name = (name.rsplit(".", 1)[0] if "." in name[1:] else name) + extension
    return media, name
