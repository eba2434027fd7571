"""E-mail uploads: a saved message (.eml, RFC 5322, read with the standard library) or an
Outlook message (.msg, read with extract-msg): the sender, the date it was sent, the subject,
the body as text, and the attached files that may be the letter itself.
"""

import email
import email.policy
import email.utils
import html.parser
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .errors import ExtractError, Limits, too_complex
from .numbering import format_counter, number_attribute

NOT_A_MAIL = "Dit e-mailbericht kon niet worden gelezen."
MAX_ENCLOSURES = 50
_ZONE = ZoneInfo("Europe/Amsterdam")  # the date a Dutch secretariat received it
_OL_TYPES = {"a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}


@dataclass
class Mail:
    """What a message says about itself, and its attached files (name, bytes)."""

    sender: str = ""
    sent_on: date | None = None
    subject: str = ""
    body: str = ""
    enclosures: list[tuple[str, bytes]] = field(default_factory=list)


class _HtmlText(html.parser.HTMLParser):
    """The text of an HTML body: block elements become line breaks, scripts and styles vanish."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
              "ul", "ol", "blockquote"}  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.lists: list[list] = []  # open lists: ["ol", next number, type] or ["ul"]

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        attributes = dict(attrs)
        if tag == "ol":
            start = number_attribute(attributes.get("start"), 1, 0)
            self.lists.append(["ol", start, attributes.get("type")])
        elif tag == "ul":
            self.lists.append(["ul"])
        elif tag == "li":
            self.parts.append(self._marker())

    def _marker(self) -> str:
        """What a list item shows: "3. ", "b. " or a bullet, as a mail program renders it."""
        if not self.lists or self.lists[-1][0] == "ul":
            return "• "
        current = self.lists[-1]
        number, current[1] = current[1], current[1] + 1
        kind = current[2]
        return f"{format_counter(number, _OL_TYPES.get(kind, 'decimal'))}. "

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from an HTML mail body, one paragraph per block."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs, current = [], []
    for line in lines + [""]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    return "\n\n".join(paragraphs)


def _local_date(moment: datetime | None) -> date | None:
    """The day a message was sent, in Dutch time."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(_ZONE)
    return moment.date()


def _sender(name: str, address: str) -> str:
    """ "Name <address>", or whichever of the two there is."""
    name, address = " ".join((name or "").split()), (address or "").strip()
    if name and address and name != address:
        return f"{name} <{address}>"
    return name or address


def read_eml(data: bytes, limits: Limits) -> Mail:
    """A saved message (.eml): headers, body (plain text preferred, else HTML), attachments."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        name, address = email.utils.parseaddr(str(message.get("From", "")))
        try:
            sent = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
        except (TypeError, ValueError, IndexError):
            sent = None
        mail = Mail(
            sender=_sender(name, address), sent_on=_local_date(sent),
            subject=" ".join(str(message.get("Subject", "")).split()),
        )
        body = message.get_body(preferencelist=("plain", "html"))
        if body is not None:
            content = body.get_content()
            mail.body = html_to_text(content) if body.get_content_subtype() == "html" else content
        for part in message.walk():
            filename = part.get_filename()
            if filename and not part.is_multipart():
                mail.enclosures.append((filename, part.get_payload(decode=True) or b""))
                if len(mail.enclosures) > MAX_ENCLOSURES:
                    raise too_complex(f"meer dan {MAX_ENCLOSURES} bijlagen")
    except ExtractError:
        raise
    except RecursionError as exc:
        raise too_complex("te diep geneste berichtdelen") from exc
    except Exception as exc:  # the email package on a damaged message
        raise ExtractError(NOT_A_MAIL) from exc
    return mail


def read_msg(data: bytes, limits: Limits) -> Mail:
    """An Outlook message (.msg): sender, date, subject, body and attached files."""
    import extract_msg
    from extract_msg.enums import ErrorBehavior

    try:  # MsgKit-based exporters leave empty streams pointing at sector 0: harmless, tolerated
        message = extract_msg.openMsg(
            data, delayAttachments=False, errorBehavior=ErrorBehavior.OLE_DEFECT_INCORRECT
        )
    except Exception as exc:  # not an Outlook item, or a damaged one
        raise ExtractError(NOT_A_MAIL) from exc
    try:
        name, address = message.sender or "", ""
        if "<" in name:
            name, address = email.utils.parseaddr(name)
        else:  # the SMTP address, else the sender's address if it is one (not an X.500 name)
            for stream in ("__substg1.0_5D01", "__substg1.0_0C1F"):
                found = message.getStringStream(stream) or ""
                if "@" in found:
                    address = found
                    break
        mail = Mail(
            sender=_sender(name, address), sent_on=_local_date(message.date),
            subject=" ".join((message.subject or "").split()),
        )
        body = message.body
        if not (body or "").strip() and message.htmlBody:
            raw = message.htmlBody
            body = html_to_text(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
        mail.body = (body or "").replace("\r\n", "\n")
        for attachment in message.attachments:
            payload = getattr(attachment, "data", None)
            filename = getattr(attachment, "longFilename", None) or getattr(
                attachment, "shortFilename", None)
            if isinstance(payload, bytes) and filename:
                mail.enclosures.append((filename, payload))
            if len(mail.enclosures) > MAX_ENCLOSURES:
                raise too_complex(f"meer dan {MAX_ENCLOSURES} bijlagen")
    except ExtractError:
        raise
    except Exception as exc:  # extract-msg on a damaged message
        raise ExtractError(NOT_A_MAIL) from exc
    finally:
        message.close()
    return mail
