"""Word files with list numbering written as Word writes it (word/numbering.xml): instances
(w:num) of definitions (w:abstractNum), start overrides, level overrides, numbering styles."""

import io
import zipfile

from docx import Document

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def lvl(ilvl, fmt="decimal", text=None, start=1, restart=None, font=None, style=None, legal=False):
    """A w:lvl; text defaults to "%N." for level N."""
    text = f"%{ilvl + 1}." if text is None else text
    extra = f'<w:lvlRestart w:val="{restart}"/>' if restart is not None else ""
    extra += f'<w:pStyle w:val="{style}"/>' if style else ""
    extra += "<w:isLgl/>" if legal else ""
    rpr = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{extra}'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{720 * (ilvl + 1)}" w:hanging="360"/></w:pPr>{rpr}</w:lvl>'
    )


def abstract(aid, levels, extra=""):
    return (
        f'<w:abstractNum w:abstractNumId="{aid}"><w:multiLevelType w:val="hybridMultilevel"/>'
        f'{extra}{"".join(levels)}</w:abstractNum>'
    )


def num(nid, aid, overrides=""):
    return f'<w:num w:numId="{nid}"><w:abstractNumId w:val="{aid}"/>{overrides}</w:num>'


def start_override(ilvl, value):
    """What Word writes for "Set Numbering Value" / "Restart at 1"."""
    return f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{value}"/></w:lvlOverride>'


def para(text, num_id=None, ilvl=0, style=None):
    ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
    if num_id is not None:
        level = f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else ""
        ppr += f'<w:numPr>{level}<w:numId w:val="{num_id}"/></w:numPr>'
    ppr = f"<w:pPr>{ppr}</w:pPr>" if ppr else ""
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def build(paragraphs, abstracts, nums, styles_extra="") -> bytes:
    """A .docx (python-docx's template) with this body, numbering part and extra styles."""
    buffer = io.BytesIO()
    Document().save(buffer)
    numbering = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="{W}">'
        f'{"".join(abstracts)}{"".join(nums)}</w:numbering>'
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{"".join(paragraphs)}'
        f"<w:sectPr/></w:body></w:document>"
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = document.encode()
            elif info.filename == "word/numbering.xml":
                data = numbering.encode()
            elif info.filename == "word/styles.xml" and styles_extra:
                data = data.decode().replace("</w:styles>", styles_extra + "</w:styles>").encode()
            dst.writestr(info, data)
    return out.getvalue()


DECIMAL = abstract(0, [lvl(0), lvl(1, "lowerLetter"), lvl(2, "lowerRoman")])

# name -> (file, the numbers Word shows, in order, one per numbered paragraph)
CASES = {
    "joint_letter_set_numbering_value": (
        build(
            [para("Gezamenlijke reactie"), para("Gemeente Lisse")]
            + [para(f"Lisse punt {i}", 1) for i in (16, 17, 18)]
            + [para("Gemeente Teylingen")]
            + [para(f"Teylingen punt {i}", 2) for i in (19, 20, 21)],
            [DECIMAL], [num(1, 0, start_override(0, 16)), num(2, 0, start_override(0, 19))],
        ),
        ["16.", "17.", "18.", "19.", "20.", "21."],
    ),
    "restart_at_1": (
        build(
            [para("Jeugd")] + [para(f"Jeugd {i}", 1) for i in (1, 2, 3)]
            + [para("Wmo")] + [para(f"Wmo {i}", 2) for i in (1, 2)],
            [DECIMAL], [num(1, 0), num(2, 0, start_override(0, 1))],
        ),
        ["1.", "2.", "3.", "1.", "2."],
    ),
    "continue_across_a_heading": (
        build(
            [para(f"punt {i}", 1) for i in (1, 2)] + [para("Tussenkop")]
            + [para(f"punt {i}", 1) for i in (3, 4)],
            [DECIMAL], [num(1, 0)],
        ),
        ["1.", "2.", "3.", "4."],
    ),
    "instances_of_one_definition_continue": (
        build(
            [para(f"punt {i}", 1) for i in (1, 2)] + [para("Tussenkop")]
            + [para(f"punt {i}", 2) for i in (3, 4)],
            [DECIMAL], [num(1, 0), num(2, 0)],
        ),
        ["1.", "2.", "3.", "4."],
    ),
    "sub_items_restart_under_each_point": (
        build(
            [para("punt 1", 1), para("sub a", 1, 1), para("sub b", 1, 1), para("punt 2", 1),
             para("sub a", 1, 1)],
            [DECIMAL], [num(1, 0)],
        ),
        ["1.", "a.", "b.", "2.", "a."],
    ),
    "multilevel_1_1": (
        build(
            [para("punt 1", 1), para("punt 1.1", 1, 1), para("punt 1.2", 1, 1), para("punt 2", 1),
             para("punt 2.1", 1, 1)],
            [abstract(0, [lvl(0, text="%1."), lvl(1, text="%1.%2")])], [num(1, 0)],
        ),
        ["1.", "1.1", "1.2", "2.", "2.1"],
    ),
    "roman_parenthesis_letter": (
        build(
            [para(f"romein {i}", 1) for i in (1, 2, 3, 4)] + [para(f"haak {i}", 2) for i in (1, 2)]
            + [para(f"letter {i}", 3) for i in (1, 2)],
            [abstract(0, [lvl(0, "upperRoman")]), abstract(1, [lvl(0, text="%1)")]),
             abstract(2, [lvl(0, "lowerLetter", "(%1)")])],
            [num(1, 0), num(2, 1), num(3, 2)],
        ),
        ["I.", "II.", "III.", "IV.", "1)", "2)", "a)", "b)"],
    ),
    "bullets_in_symbol_font_and_courier_o": (
        build(
            [para("punt 1", 1), para("opsomming", 2), para("dieper", 2, 1), para("punt 2", 1)],
            [DECIMAL, abstract(1, [lvl(0, "bullet", "\uf0b7", font="Symbol"),
                                   lvl(1, "bullet", "o", font="Courier New")])],
            [num(1, 0), num(2, 1)],
        ),
        ["1.", "•", "◦", "2."],
    ),
    "definition_starts_at_5": (
        build([para(f"punt {i}", 1) for i in (5, 6)], [abstract(0, [lvl(0, start=5)])],
              [num(1, 0)]),
        ["5.", "6."],
    ),
    "level_override_replaces_the_level": (
        build(
            [para(f"punt {i}", 1) for i in (7, 8)],
            [DECIMAL],
            [num(1, 0, '<w:lvlOverride w:ilvl="0"><w:lvl w:ilvl="0"><w:start w:val="7"/>'
                       '<w:numFmt w:val="decimal"/><w:lvlText w:val="%1)"/></w:lvl>'
                       "</w:lvlOverride>")],
        ),
        ["7)", "8)"],
    ),
    "numbered_heading_style_and_numid_0": (
        build(
            [para("Inleiding", style="Kop1num"), para("tekst"), para("Financien", style="Kop1num"),
             para("geen nummer", 0, style="Kop1num")],
            [DECIMAL], [num(1, 0)],
            '<w:style w:type="paragraph" w:styleId="Kop1num"><w:name w:val="Kop 1 genummerd"/>'
            '<w:basedOn w:val="Heading1"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr>'
            "</w:style>",
        ),
        ["1.", "2."],
    ),
    "heading_levels_linked_by_style": (
        build(
            [para("Hoofdstuk", style="Heading1"), para("Paragraaf", style="Heading2"),
             para("Paragraaf", style="Heading2"), para("Hoofdstuk", style="Heading1"),
             para("Paragraaf", style="Heading2")],
            [abstract(0, [lvl(0, text="%1", style="Heading1"),
                          lvl(1, text="%1.%2", style="Heading2")])],
            [num(1, 0)],
            '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
            '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
            '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>'
            '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>',
        ),
        ["1", "1.1", "1.2", "2", "2.1"],
    ),
    "numbering_style_link": (
        build(
            [para(f"punt {i}", 1) for i in (1, 2)],
            [abstract(0, [], '<w:numStyleLink w:val="Lijst"/>'),
             abstract(1, [lvl(0, text="%1)")], '<w:styleLink w:val="Lijst"/>')],
            [num(1, 0), num(2, 1)],
            '<w:style w:type="numbering" w:styleId="Lijst"><w:name w:val="Lijst"/>'
            '<w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style>',
        ),
        ["1)", "2)"],
    ),
    "legal_numbering": (
        build(
            [para("a", 1), para("b", 1, 1), para("c", 1, 1)],
            [abstract(0, [lvl(0, "upperRoman", "%1."),
                          lvl(1, "lowerLetter", "%1.%2", legal=True)])],
            [num(1, 0)],
        ),
        ["I.", "1.1", "1.2"],
    ),
    "level_that_never_restarts": (
        build(
            [para("a", 1), para("b", 1, 1), para("c", 1), para("d", 1, 1)],
            [abstract(0, [lvl(0), lvl(1, "decimal", "%2)", restart=0)])],
            [num(1, 0)],
        ),
        ["1.", "1)", "2.", "2)"],
    ),
}
