"""Produce tests/fixtures/realworld/uploads/ from tests/realworld/sent_letters.py, the way real
producers make such files. Run once; the files are committed, so tests need none of this:

    .venv/bin/python -m tests.realworld.make_uploads   # needs soffice, node and npm

- .docx written as Word writes list numbering (tests/word_xml.py): continued lists, "Set
  Numbering Value" (w:startOverride), restarts, sub-levels, "%1)" level texts;
- .docx, .odt, .rtf and .pdf converted by LibreOffice (soffice --headless) from HTML lists
  (<ol start="19">), as a municipality on LibreOffice saves them;
- .eml composed with the standard library as mail programs send them (plain and HTML
  alternatives, quoted-printable, encoded Dutch headers, attachments, a forward);
- .msg written by @tutao/oxmsg (a port of MsgKit, the library Outlook exporters use).
"""

import html
import json
import subprocess
import tempfile
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests import word_xml as wx
from tests.realworld import sent_letters as L

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "realworld" / "uploads"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def to_html(blocks) -> str:
    """HTML as a letter pasted into a web editor: headings, paragraphs, (nested) lists."""
    out = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>brief</title></head><body>']
    for block in blocks:
        if block[0] == "h":
            out.append(f"<h2>{html.escape(block[1])}</h2>")
        elif block[0] == "p":
            out.append(f"<p>{html.escape(block[1])}</p>")
        elif block[0] == "ul":
            out.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block[1]) + "</ul>")
        else:
            _kind, start, items, _style, *_set = block
            out.append(f'<ol start="{start}">')
            for item in items:
                text, subs = (item, []) if isinstance(item, str) else item
                inner = "".join(f"<li>{html.escape(s)}</li>" for s in subs)
                out.append(f"<li>{html.escape(text)}" + (f'<ol type="a">{inner}</ol>' if subs
                                                       else "") + "</li>")
            out.append("</ol>")
    out.append("</body></html>")
    return "\n".join(out)


def to_word(blocks) -> bytes:
    """A .docx with numbering as Word writes it: a list that goes on where the last one stopped
    continues it; any other start, or a list marked "set", is "Set Numbering Value" on a new
    instance of the same definition."""
    paragraphs, nums, next_number, num_id = [], [], None, 0
    abstracts = {
        "1.": wx.abstract(0, [wx.lvl(0), wx.lvl(1, "lowerLetter")]),
        "1)": wx.abstract(1, [wx.lvl(0, text="%1)"), wx.lvl(1, "lowerLetter", "%2)")]),
    }
    bullets = wx.abstract(2, [wx.lvl(0, "bullet", "\uf0b7", font="Symbol")])
    for block in blocks:
        if block[0] in ("h", "p"):
            paragraphs.append(wx.para(block[1], style="Heading2" if block[0] == "h" else None))
            continue
        if block[0] == "ul":
            nums.append(wx.num(99, 2))
            paragraphs += [wx.para(item, 99) for item in block[1]]
            continue
        _kind, start, items, style, *set_value = block
        aid = 0 if style == "1." else 1
        if start != next_number or set_value:
            num_id += 1
            nums.append(wx.num(num_id, aid, wx.start_override(0, start)))
        for item in items:
            text, subs = (item, []) if isinstance(item, str) else item
            paragraphs.append(wx.para(text, num_id))
            paragraphs += [wx.para(sub, num_id, 1) for sub in subs]
        next_number = start + len(items)
    return wx.build(paragraphs, list(abstracts.values()) + [bullets], nums)


def soffice(html_text: str, fmt: str, name: str) -> bytes:
    """The letter converted by LibreOffice Writer from HTML into `fmt` (odt, docx, rtf, pdf)."""
    filters = {"odt": "writer8", "docx": "MS Word 2007 XML", "rtf": "Rich Text Format",
               "pdf": "writer_pdf_Export"}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{name}.html"
        source.write_text(html_text, encoding="utf-8")
        subprocess.run(
            ["soffice", "--headless", '--infilter=HTML (StarWriter)', "--convert-to",
             f"{fmt}:{filters[fmt]}", "--outdir", tmp, str(source)],
            check=True, capture_output=True, timeout=120,
        )
        return (Path(tmp) / f"{name}.{fmt}").read_bytes()


def letter_text(blocks) -> str:
    """The letter as someone types it into a mail: numbers written out."""
    lines = []
    for block in blocks:
        if block[0] in ("h", "p"):
            lines += ["", block[1]]
        elif block[0] == "ul":
            lines += [f"- {item}" for item in block[1]]
        else:
            lines.append("")
            for n, item in enumerate(block[2], block[1]):
                text, subs = (item, []) if isinstance(item, str) else item
                lines.append(f"{n}. {text}")
                lines += [f"   {chr(97 + i)}. {s}" for i, s in enumerate(subs)]
    return "\n".join(lines).strip() + "\n"


def _points(points) -> list:
    return [list(p[:2]) + ([list(p[2])] if len(p) > 2 else []) for p in points]


def write(name: str, data: bytes, expected: dict) -> None:
    (OUT / name).write_bytes(data)
    stem = name.split(".")[0]
    (OUT / f"{stem}.expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def mail(sender, sent, subject, plain=None, html_body=None, files=(), forward=False):
    """An e-mail as Outlook or Thunderbird sends it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Griffie Holland Rijnland <griffie@hollandrijnland.nl>"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = f"<{abs(hash(subject)) % 10**12}@mail.example.nl>"
    if plain is not None:
        message.set_content(plain, cte="quoted-printable")
    if html_body is not None:
        if plain is None:
            message.set_content(html_body, subtype="html", cte="quoted-printable")
        else:
            message.add_alternative(html_body, subtype="html", cte="quoted-printable")
    for filename, data, maintype, subtype in files:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def outlook(spec: dict) -> bytes:
    """A .msg written by @tutao/oxmsg from a JSON spec (node, in a scratch npm folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "install", "--silent", "@tutao/oxmsg@0.2.3"], cwd=tmp,
                       check=True, capture_output=True, timeout=300)
        files = []
        for i, (filename, data) in enumerate(spec.pop("files", [])):
            (Path(tmp) / f"att{i}").write_bytes(data)
            files.append([filename, f"att{i}"])
        spec["files"] = files
        (Path(tmp) / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        (Path(tmp) / "make.mjs").write_text(MAKE_MSG, encoding="utf-8")
        subprocess.run(["node", "make.mjs"], cwd=tmp, check=True, capture_output=True,
                       timeout=60)
        return (Path(tmp) / "out.msg").read_bytes()


MAKE_MSG = """
import {Email, Attachment} from "@tutao/oxmsg"
import fs from "node:fs"
const spec = JSON.parse(fs.readFileSync("spec.json", "utf8"))
const email = new Email()
email.sender(spec.address, spec.name).to("griffie@hollandrijnland.nl", "Griffie Holland Rijnland")
email.subject(spec.subject).sentOn(new Date(spec.sent)).receivedOn(new Date(spec.sent))
if (spec.text) email.bodyText(spec.text)
if (spec.html) email.bodyHtml(spec.html)
for (const [name, path] of spec.files) {
    email.attach(new Attachment(new Uint8Array(fs.readFileSync(path)), name))
}
fs.writeFileSync("out.msg", email.msg())
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    joint_docx = to_word(L.JOINT_LETTER)
    cases = [
        ("joint_letter_duin_bollenstreek.docx", joint_docx, L.JOINT_POINTS),
        ("zoeterwoude_2016.docx", to_word(L.ZOETERWOUDE), L.ZOETERWOUDE_POINTS),
        ("besluitpunten_2016.docx", to_word(L.BESLUITPUNTEN), L.BESLUITPUNTEN_POINTS),
        ("leiden_2016_libreoffice.docx", soffice(to_html(L.LEIDEN), "docx", "l"), L.LEIDEN_POINTS),
        ("hoogeveen_vragen_2024.docx", soffice(to_html(L.HOOGEVEEN), "docx", "h"),
         L.HOOGEVEEN_POINTS),
        ("joint_letter_duin_bollenstreek.odt", soffice(to_html(L.JOINT_LETTER), "odt", "j"),
         L.JOINT_POINTS),
        ("zoeterwoude_2016.odt", soffice(to_html(L.ZOETERWOUDE), "odt", "z"),
         L.ZOETERWOUDE_POINTS),
        ("besluitpunten_2016.odt", soffice(to_html(L.BESLUITPUNTEN), "odt", "b"),
         L.BESLUITPUNTEN_POINTS),
        ("hoogeveen_vragen_2024.odt", soffice(to_html(L.HOOGEVEEN), "odt", "h"),
         L.HOOGEVEEN_POINTS),
        ("joint_letter_duin_bollenstreek.rtf", soffice(to_html(L.JOINT_LETTER), "rtf", "j"),
         L.JOINT_POINTS),
        ("leiden_2016.rtf", soffice(to_html(L.LEIDEN), "rtf", "l"), L.LEIDEN_POINTS),
        ("hillegom_raad_2016.rtf", soffice(to_html(L.HILLEGOM), "rtf", "g"), L.HILLEGOM_POINTS),
        ("besluitpunten_2016.rtf", soffice(to_html(L.BESLUITPUNTEN), "rtf", "b"),
         L.BESLUITPUNTEN_POINTS),
    ]
    for name, data, points in cases:
        write(name, data, {"points": _points(points)})
    _mails(joint_docx)


def _mails(joint_docx: bytes) -> None:
    """E-mails and Outlook messages: body or attachment, sender and date."""
    docx_type = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
    hillegom_pdf = soffice(to_html(L.HILLEGOM), "pdf", "g")
    sent = datetime(2015, 12, 1, 23, 40, tzinfo=ZoneInfo("UTC"))  # 2 December in Amsterdam
    teylingen = "Gemeente Teylingen <info@teylingen.nl>"
    write("collegebrief_teylingen.eml", mail(
        teylingen, sent, "Reactie college Teylingen op voorlopige uitgangspunten jeugdhulp",
        plain="Geachte griffie,\n\n" + letter_text(L.JOINT_LETTER[-3:-1])
        + "\nMet vriendelijke groet,\nCollege van B&W Teylingen\n"),
        {"sender": teylingen, "sent_on": "2015-12-02", "chosen": "body", "parts": ["body"],
         "subject": "Reactie college Teylingen op voorlopige uitgangspunten jeugdhulp",
         "points": _points(L.JOINT_POINTS[-4:])})
    write("reactie_met_bijlage_duin_bollenstreek.eml", mail(
        "Secretariaat Duin- en Bollenstreek <secretariaat@duinbollenstreek.nl>",
        datetime(2015, 11, 30, 9, 15, tzinfo=AMSTERDAM),
        "Gezamenlijke reactie Duin- en Bollenstreek",
        plain="Beste collega's,\n\nBijgaand onze gezamenlijke reactie.\n\nGroet, Anouk",
        html_body="<p>Beste collega's,</p><p>Bijgaand onze gezamenlijke reactie.</p>",
        files=[("Gezamenlijke reactie D&B.docx", joint_docx, *docx_type)]),
        {"sender": "Secretariaat Duin- en Bollenstreek <secretariaat@duinbollenstreek.nl>",
         "sent_on": "2015-11-30", "chosen": "1",
         "parts": ["body", "Gezamenlijke reactie D&B.docx"],
         "subject": "Gezamenlijke reactie Duin- en Bollenstreek",
         "points": _points(L.JOINT_POINTS)})
    leiden_html = "<p>Geachte griffie,</p>" + to_html(L.LEIDEN[3:]).split("<body>")[1]
    write("wmo_adviesraad_leiden_html.eml", mail(
        "=?utf-8?q?Wmo_Adviesraad_Leiden_=E2=80=93_secretaris?= <adviesraad@leiden.nl>",
        datetime(2015, 11, 27, 16, 2, tzinfo=AMSTERDAM), "Advies Wmo Adviesraad jeugdhulp",
        html_body=leiden_html),
        {"splitter_gap": "the salutation 'Geachte griffie,' takes point 1 into the intro "
                         "(consult/splitter.py, sec-letters)",
         "sender": "Wmo Adviesraad Leiden – secretaris <adviesraad@leiden.nl>",
         "sent_on": "2015-11-27", "chosen": "body", "parts": ["body"],
         "subject": "Advies Wmo Adviesraad jeugdhulp",
         "points": _points(L.LEIDEN_POINTS[4:])})
    write("doorgestuurd_motie_hillegom.eml", mail(
        "Griffie Hillegom <griffie@hillegom.nl>", datetime(2015, 9, 18, 8, 30, tzinfo=AMSTERDAM),
        "Fwd: Aangenomen motie regionale inkoop jeugdhulp – cliënt voorop",
        plain="---------- Doorgestuurd bericht ----------\nVan: raadsgriffier\n\n"
              "Zie bijgaande motie.",
        files=[("motie 17-09-2015.pdf", hillegom_pdf, "application", "pdf"),
               ("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image", "png")]),
        {"sender": "Griffie Hillegom <griffie@hillegom.nl>", "sent_on": "2015-09-18",
         "chosen": "1", "parts": ["body", "motie 17-09-2015.pdf"],
         "subject": "Fwd: Aangenomen motie regionale inkoop jeugdhulp – cliënt voorop",
         "points": _points(L.HILLEGOM_POINTS)})
    write("doorgestuurd_motie_hillegom_tekst.eml",
          (OUT / "doorgestuurd_motie_hillegom.eml").read_bytes(),
          {"part": "body", "chosen": "body", "parts": ["body", "motie 17-09-2015.pdf"],
           "sender": "Griffie Hillegom <griffie@hillegom.nl>", "sent_on": "2015-09-18",
           "points": []})
    _outlook(joint_docx, hillegom_pdf)


def _outlook(joint_docx: bytes, hillegom_pdf: bytes) -> None:
    """The same kinds of message as Outlook saves them (.msg)."""
    write("reactie_met_bijlage_duin_bollenstreek_outlook.msg", outlook({
        "address": "secretariaat@duinbollenstreek.nl", "name": "Secretariaat Duin- en Bollenstreek",
        "subject": "Gezamenlijke reactie Duin- en Bollenstreek", "sent": "2015-11-30T08:15:00Z",
        "text": "Beste collega's,\r\n\r\nBijgaand onze gezamenlijke reactie.\r\n\r\nGroet, Anouk",
        "files": [("Gezamenlijke reactie D&B.docx", joint_docx)]}),
        {"sender": "Secretariaat Duin- en Bollenstreek <secretariaat@duinbollenstreek.nl>",
         "sent_on": "2015-11-30", "chosen": "1",
         "parts": ["body", "Gezamenlijke reactie D&B.docx"],
         "subject": "Gezamenlijke reactie Duin- en Bollenstreek",
         "points": _points(L.JOINT_POINTS)})
    write("collegebrief_teylingen_outlook.msg", outlook({
        "address": "info@teylingen.nl", "name": "Gemeente Teylingen",
        "subject": "Reactie college Teylingen", "sent": "2015-12-01T23:40:00Z",
        "text": ("Geachte griffie,\n\n" + letter_text(L.JOINT_LETTER[-3:-1])).replace("\n", "\r\n"),
        "files": []}),
        {"sender": "Gemeente Teylingen <info@teylingen.nl>", "sent_on": "2015-12-02",
         "chosen": "body", "parts": ["body"], "subject": "Reactie college Teylingen",
         "points": _points(L.JOINT_POINTS[-4:])})
    write("wmo_adviesraad_leiden_html_outlook.msg", outlook({
        "address": "adviesraad@leiden.nl", "name": "Wmo Adviesraad Leiden",
        "subject": "Advies Wmo Adviesraad jeugdhulp", "sent": "2015-11-27T15:02:00Z",
        "html": "<html><body><p>Geachte griffie,</p>"
                + to_html(L.LEIDEN[3:]).split("<body>")[1],
        "files": []}),
        {"splitter_gap": "the salutation 'Geachte griffie,' takes point 1 into the intro "
                         "(consult/splitter.py, sec-letters)",
         "sender": "Wmo Adviesraad Leiden <adviesraad@leiden.nl>", "sent_on": "2015-11-27",
         "chosen": "body", "parts": ["body"], "subject": "Advies Wmo Adviesraad jeugdhulp",
         "points": _points(L.LEIDEN_POINTS[4:])})
    write("motie_hillegom_pdf_outlook.msg", outlook({
        "address": "griffie@hillegom.nl", "name": "Griffie Hillegom",
        "subject": "Aangenomen motie regionale inkoop jeugdhulp", "sent": "2015-09-18T06:30:00Z",
        "text": "Zie bijgaande motie.", "files": [("motie 17-09-2015.pdf", hillegom_pdf)]}),
        {"sender": "Griffie Hillegom <griffie@hillegom.nl>", "sent_on": "2015-09-18",
         "chosen": "1", "parts": ["body", "motie 17-09-2015.pdf"],
         "subject": "Aangenomen motie regionale inkoop jeugdhulp",
         "points": _points(L.HILLEGOM_POINTS)})


if __name__ == "__main__":
    main()
