"""User text is rendered to HTML once, when it is written; pages show the stored HTML.

Every Markdown text has an HTML column beside it (``FIELDS``). A session hook renders it in
every flush for each row that is new or whose text changed, whatever wrote the row (a view,
the JSON or spreadsheet import, the demo loader, a command), so no write path has to remember
it. The migration that added the columns filled the existing rows; ``refill`` renders every
row again (a restore does, and it is the command to run when the renderer's rules change).
A row read without its HTML (written behind the ORM's back) gets it rendered in memory on
load, with a warning in the log, so it still shows correctly.
"""

import logging

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value

from .models import Consultation, Message, Point, Response, ResponseVersion
from .text import render_markdown

log = logging.getLogger("consult.rendered")

# model -> (text attribute, HTML attribute) pairs; every template shows the HTML one.
FIELDS: dict[type, tuple[tuple[str, str], ...]] = {
    Consultation: (("description", "description_html"),),
    Point: (("body", "body_html"),),
    Response: (("body", "body_html"),),
    ResponseVersion: (("body", "body_html"),),
    Message: (("body", "body_html"),),
}
# (table, column) of every stored HTML column: derived data, never taken from a file.
HTML_COLUMNS = frozenset(
    (model.__tablename__, html) for model, pairs in FIELDS.items() for _text, html in pairs
)
_BATCH = 500


def _before_flush(session: OrmSession, _context, _instances) -> None:
    """Render the HTML of every new row and of every row whose text changed."""
    for obj in (*session.new, *session.dirty):
        pairs = FIELDS.get(type(obj))
        if not pairs:
            continue
        state = sa.inspect(obj)
        for text, html in pairs:
            changed = state.attrs[text].history.has_changes()
            # An expired HTML column is not loaded just to look at it: it was stored.
            if changed or (html not in state.unloaded and getattr(obj, html) is None):
                setattr(obj, html, render_markdown(getattr(obj, text)))


def _on_load(obj, _context) -> None:
    """A row without its HTML (an INSERT behind the ORM's back): render it for this read."""
    for text, html in FIELDS[type(obj)]:
        if obj.__dict__.get(html) is None and text in obj.__dict__:
            log.warning("%s %s has no stored HTML; rendered on reading",
                        type(obj).__name__, obj.__dict__.get("id"))
            set_committed_value(obj, html, render_markdown(obj.__dict__[text]))


def listen() -> None:
    """Keep the HTML columns filled in every session (idempotent)."""
    if not event.contains(OrmSession, "before_flush", _before_flush):
        event.listen(OrmSession, "before_flush", _before_flush)
        for model in FIELDS:
            event.listen(model, "load", _on_load)


def refill(conn: Connection, only_missing: bool = False, containing: str | None = None) -> int:
    """Render the HTML of every row again (or only of rows that have none, or only of texts
    that contain ``containing``), in batches; returns the number of texts rendered. Runs on
    ``conn``; the caller commits."""
    count = 0
    for model, pairs in FIELDS.items():
        for text, html in pairs:
            # Only these columns: the model's table would also bump ``updated_at``.
            table = sa.table(model.__tablename__, sa.column("id", sa.Integer),
                             sa.column(text, sa.Text), sa.column(html, sa.Text))
            last = 0
            while True:
                query = (sa.select(table.c.id, table.c[text]).where(table.c.id > last)
                         .order_by(table.c.id).limit(_BATCH))
                if only_missing:
                    query = query.where(table.c[html].is_(None))
                if containing is not None:
                    query = query.where(table.c[text].contains(containing, autoescape=True))
                rows = conn.execute(query).all()
                if not rows:
                    break
                conn.execute(
                    sa.update(table).where(table.c.id == sa.bindparam("row_id"))
                    .values({html: sa.bindparam("html")}),
                    [{"row_id": row_id, "html": str(render_markdown(body))}
                     for row_id, body in rows],
                )
                count += len(rows)
                last = rows[-1][0]
    return count
