"""`flask consult themes SLUG`: a consultation's themes, or with --suggest the suggested ones.

--json prints ``{"themes": [{"label": str, "points": [{"stakeholder": str, "reaction": int,
"number": str}]}]}`` in the order of the board (themes by position; suggestions as the board
shows them after "Suggest themes": largest first), points in board order (reaction, then
position)."""

import json

import click
from flask.cli import with_appcontext

from .. import db
from ..clitext import N_, CommandError, TablesCommand, _, _n
from ..consultations import get_consultation
from . import operations, suggest


def board(session, consultation_id: int, suggested: bool) -> list[dict]:
    """The themes (or fresh suggestions) as the JSON shape above."""
    items = suggest.load_items(session, consultation_id)
    by_id = {i.id: i for i in items}
    order = {i.id: n for n, i in enumerate(items)}
    if suggested:
        groups = [(s.label, s.point_ids) for s in suggest.suggest(items)]
    else:
        groups = [(t.title, operations.point_ids(session, t))
                  for t in operations.themes(session, consultation_id)]
    return [{"label": label,
             "points": [{"stakeholder": by_id[p].sender, "reaction": by_id[p].reaction_id,
                         "number": by_id[p].number}
                        for p in sorted((p for p in ids if p in by_id), key=order.get)]}
            for label, ids in groups]


@click.command("themes", cls=TablesCommand, help=N_(
    "List a consultation's themes with their points, or suggest themes (--suggest)."))
@click.argument("slug")
@click.option("--suggest", "suggested", is_flag=True,
              help=N_("Compute suggested themes from the points' text (nothing is saved)."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the themes as JSON."))
@with_appcontext
def themes_command(slug: str, suggested: bool, as_json: bool):
    """The themes command (help above, in the run's language)."""
    session = db.get_session()
    consultation = get_consultation(session, slug)
    if consultation is None:
        raise CommandError(_("No consultation named %(slug)s.", slug=slug))
    themes = board(session, consultation.id, suggested)
    if as_json:
        click.echo(json.dumps({"themes": themes}, ensure_ascii=False, indent=1))
        return
    for theme in themes:
        click.echo(_n("%(label)s (%(count)s point)", "%(label)s (%(count)s points)",
                      len(theme["points"]), label=theme["label"], count=len(theme["points"])))
        for p in theme["points"]:
            click.echo(f"  {p['stakeholder']} {p['number']}")
    if not themes:
        click.echo(_("No themes suggested.") if suggested else _("No themes yet."))
