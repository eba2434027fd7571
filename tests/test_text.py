"""User text becomes HTML only through the sanitising Markdown renderer."""

from consult.text import render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[klik](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    '<svg onload="alert(1)">',
    "<style>body{display:none}</style>",
]


def test_markdown_renders_lists_and_emphasis():
    html = render_markdown("De punten:\n\n- **eerste**\n- tweede")
    assert "<li><strong>eerste</strong></li>" in html
    assert "<ul>" in html


def test_links_get_safe_rel():
    html = render_markdown("[Holland Rijnland](https://www.hollandrijnland.nl)")
    assert 'href="https://www.hollandrijnland.nl"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_payloads_are_neutralised():
    for payload in PAYLOADS:
        html = str(render_markdown(payload)).lower()
        for bad in ("<script", "onerror", "javascript:", "<iframe", "onload", "<style"):
            assert bad not in html, (payload, html)


def test_empty_text():
    assert render_markdown(None) == ""
    assert render_markdown("") == ""
