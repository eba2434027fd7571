"""User text in points, answers and messages never becomes active HTML."""

from html.parser import HTMLParser

from sqlmodel import select

from consult.models import Point, Reaction, Stakeholder

SLUG = "holland-rijnland-jeugdhulp-2016"
PAYLOADS = [
    "<script>alert('x1')</script>",
    '<img src=x onerror="alert(\'x2\')">',
    "[klik](javascript:alert('x3'))",
    '<a href="javascript:alert(\'x4\')">x</a>',
    "<iframe src=//evil.example/x5></iframe>",
    '<svg onload="alert(\'x6\')">',
    '"><script>alert("x7")</script>',
    "<details open ontoggle=alert('x8')>",
]


class ActiveContent(HTMLParser):
    """Collects what a browser would run: scripts not ours, frames, handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append(f"<script> {values}")
        if tag in ("iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def test_payloads_in_points_answers_and_messages_are_inert(as_role, session):
    secretary = as_role("secretary")
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    text = "\n".join(f"{i}. {p}" for i, p in enumerate(PAYLOADS, start=1))
    points = [{"n": str(i), "t": p} for i, p in enumerate(PAYLOADS, start=1)]
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "stakeholder_id": leiden.id, "channel": "other", "title": PAYLOADS[0], "text": text,
        "point_number": [p["n"] for p in points], "point_heading": [PAYLOADS[1]] * len(points),
        "point_text": [p["t"] for p in points]})
    assert response.status_code == 201
    reaction = session.exec(select(Reaction).where(Reaction.title == PAYLOADS[0])).one()
    for payload in PAYLOADS:
        secretary.hx_post(f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden",
                          data={"selection": "alle punten", "body": payload, "status": "adopted",
                                "decided_by": payload, "new_destination": payload})
    point = session.exec(select(Point).where(Point.reaction_id == reaction.id)).first()
    for payload in PAYLOADS:
        posted = secretary.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                                   data={"kind": "comment", "body": payload})
        assert posted.status_code == 204
    # the payloads were stored (as text) and are shown, inert
    thread = secretary.get(f"/consultaties/{SLUG}/punten/{point.id}").get_data(as_text=True)
    assert "alert(&#39;x1&#39;)" in thread or "alert('x1')" in thread
    pages = [
        f"/consultaties/{SLUG}",
        f"/consultaties/{SLUG}/reacties/{reaction.id}",
        f"/consultaties/{SLUG}/reacties/{reaction.id}/punten",
        f"/consultaties/{SLUG}/punten/{point.id}",
        f"/consultaties/{SLUG}/bestemmingen",
    ]
    for url in pages:
        response = secretary.get(url)
        assert response.status_code == 200, url
        assert active_content(response.get_data(as_text=True)) == [], url


def test_the_detector_itself_sees_active_content():
    html = '<p><img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a><script>1</script>'
    assert len(active_content(html)) == 3
