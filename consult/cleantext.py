"""Text that every format can hold: control characters out, wherever text comes in or goes out.

XML 1.0 (and so Word, Excel and every OOXML file) allows only tab, LF and CR below U+0020 and
never U+FFFE, U+FFFF or a lone surrogate (https://www.w3.org/TR/xml/#charsets); lxml refuses
such a string outright ("All strings must be XML compatible"), PostgreSQL refuses NUL and a
lone surrogate cannot even be encoded as UTF-8. One such character in a pasted letter or a PDF
would break every Word and Excel export of its consultation. DEL and the C1 controls are legal
XML but invisible, meaningless in a letter and "discouraged" by the same spec: they go too.

The separators Python itself reads as line breaks (vertical tab: Word's manual line break when
pasted; form feed: a PDF's page break; the file/group/record separators; NEL) become a newline
instead of vanishing, so that lines on either side do not run together.

The explicit direction controls (embeddings and overrides U+202A-U+202E, isolates
U+2066-U+2069) go too: a right-to-left override makes "factuur\u202etxt.exe" read as
"factuurexe.txt" and a sentence say the reverse of what it stores ("Trojan Source",
CVE-2021-42574). Text in a right-to-left script keeps its natural order without them.
"""

import re

_LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85"
_LINE_BREAK = re.compile(f"[{_LINE_BREAKS}]")
_UNFIT = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
    "\ufffe\uffff]"
)
_ANY = re.compile(
    f"[\x00-\x08{_LINE_BREAKS}\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
    "\ufffe\uffff]"
)


def clean_text(text: str) -> str:
    """``text`` without the characters described above (line-like ones become "\\n").

    Tab, LF, CR and everything XML allows from U+0020 up stay as they are; clean text comes
    back unchanged (the same object), at the cost of one regular-expression scan."""
    if not _ANY.search(text):
        return text
    return _UNFIT.sub("", _LINE_BREAK.sub("\n", text))


def clean_value(value):
    """``value`` with every string in it cleaned: a str, or lists/tuples/dicts (keys too) of
    them, as JSON columns and parsed files hold them; anything else comes back as it is."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        cleaned = [clean_value(v) for v in value]
        return cleaned if isinstance(value, list) else tuple(cleaned)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    return value
