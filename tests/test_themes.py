"""Themes: the operations (create, rename, delete, points in and out, suggestions accepted,
renamed, merged, dropped) on SQLite and PostgreSQL, on the 2016 demo."""

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import AuditEvent, Consultation, Point, Reaction
from consult.themes import operations as ops
from consult.themes.models import Theme

SLUG = "holland-rijnland-jeugdhulp-2016"


def _demo(session):
    consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
    points = list(session.exec(
        select(Point).join(Reaction, Reaction.id == Point.reaction_id)
        .where(Reaction.consultation_id == consultation.id, Point.archived.is_(False))
        .order_by(Point.id)))
    return consultation, points


def test_points_of_several_reactions_go_into_a_theme_and_out_again(demo_app):
    with demo_app.app_context():
        session = get_session()
        consultation, points = _demo(session)
        chosen = [p for p in points if p.reaction_id != points[0].reaction_id][:3] + points[:2]
        theme = ops.create_theme(session, consultation.id, "  Overgang   18-/18+ ", "Eén\nregel")
        assert ops.add_points(session, theme, chosen) == 5
        assert ops.add_points(session, theme, chosen[:2]) == 0  # already in it
        session.commit()
        assert theme.title == "Overgang 18-/18+"
        assert theme.description == "Eén\nregel"
        assert len({p.reaction_id for p in chosen}) >= 2
        assert set(ops.point_ids(session, theme)) == {p.id for p in chosen}
        # A point may sit in more than one theme.
        other = ops.create_theme(session, consultation.id, "Privacy")
        ops.add_points(session, other, [chosen[0].id])
        assert other.position == theme.position + 1
        assert ops.remove_points(session, theme, [chosen[0], points[-1]]) == 1
        session.commit()
        assert chosen[0].id not in ops.point_ids(session, theme)
        assert ops.point_ids(session, other) == [chosen[0].id]
        actions = session.exec(select(AuditEvent.action).where(
            AuditEvent.entity == "theme", AuditEvent.entity_id == theme.id)).all()
        assert actions == ["created", "points_added", "points_removed"]


def test_a_point_of_another_consultation_is_refused_and_nothing_is_added(demo_app):
    with demo_app.app_context():
        session = get_session()
        consultation, points = _demo(session)
        theme = ops.create_theme(session, consultation.id, "Financiën")
        with pytest.raises(ops.ThemeError, match="1"):
            ops.add_points(session, theme, [points[0].id, 999_999])
        assert ops.point_ids(session, theme) == []


@pytest.mark.parametrize("title", ["", "   ", "\x01", "x" * 201])
def test_a_bad_title_is_refused_with_a_message(demo_app, title):
    with demo_app.app_context():
        session = get_session()
        consultation, _ = _demo(session)
        with pytest.raises(ops.ThemeError):
            ops.create_theme(session, consultation.id, title)
        theme = ops.create_theme(session, consultation.id, "Goed")
        with pytest.raises(ops.ThemeError):
            ops.update_theme(session, theme, title, "")
        assert theme.title == "Goed"


def test_deleting_a_theme_archives_it_and_frees_its_points(demo_app):
    from consult.themes import board as reading

    with demo_app.app_context():
        session = get_session()
        consultation, points = _demo(session)
        theme = ops.create_theme(session, consultation.id, "Weg")
        ops.add_points(session, theme, points[:4])
        ops.delete_theme(session, theme)
        session.commit()
        assert ops.themes(session, consultation.id) == []
        board = reading.board(session, consultation)
        assert board.themes == [] and board.theme_titles == {}
        assert {p.id for p in points[:4]} <= {p.id for p in board.unthemed.points}
        assert session.get(Point, points[0].id).archived is False
        assert ops.theme_of(session, consultation.id, theme.id) is None


def test_a_deleted_theme_comes_back_whole_with_its_points_and_their_answers(demo_app):
    """The undo of a delete: the theme in its place, with the points it held; the answer
    given to the theme's points stayed on them all along."""
    from consult.processing import answer
    from consult.themes import board as reading

    with demo_app.app_context():
        session = get_session()
        consultation, points = _demo(session)
        first = ops.create_theme(session, consultation.id, "Eerste")
        theme = ops.create_theme(session, consultation.id, "Terug", "Met uitleg")
        ops.create_theme(session, consultation.id, "Laatste")
        chosen = [p for p in points if p.reaction_id != points[0].reaction_id][:2] + points[:2]
        ops.add_points(session, theme, chosen)
        response = answer(session, None, consultation, chosen, [], "Eén antwoord voor allen.",
                          "adopted", reaction_id=None)
        ops.delete_theme(session, theme)
        session.commit()
        assert [t.title for t in ops.themes(session, consultation.id)] == ["Eerste", "Laatste"]
        assert ops.restore_theme(session, theme) is True
        assert ops.restore_theme(session, theme) is False  # a repeat changes nothing
        session.commit()
        board = reading.board(session, consultation)
        assert [g.theme.title for g in board.themes] == ["Eerste", "Terug", "Laatste"]
        assert {p.id for p in board.themes[1].points} == {p.id for p in chosen}
        assert board.themes[1].theme.description == "Met uitleg"
        assert {p.status for p in board.themes[1].points} == {"adopted"}
        assert first.archived is False and response.archived is False
        actions = session.exec(select(AuditEvent.action).where(
            AuditEvent.entity == "theme", AuditEvent.entity_id == theme.id)).all()
        assert actions[-2:] == ["archived", "restored"]


def test_suggestions_are_renamed_merged_dropped_and_accepted(demo_app):
    with demo_app.app_context():
        session = get_session()
        consultation, points = _demo(session)
        ids = [p.id for p in points]
        first, second, third = ops.replace_suggestions(
            session, consultation.id,
            [("a b", ids[0:3]), ("c d", ids[2:5]), ("e f", ids[5:7])])
        ops.rename_suggestion(session, first, "Jeugd en onderwijs")
        ops.merge_suggestions(session, first, second)
        ops.drop_suggestion(session, third)
        session.commit()
        [left] = ops.suggestions(session, consultation.id)
        assert left.label == "Jeugd en onderwijs" and left.point_ids == ids[0:5]
        theme = ops.accept_suggestion(session, left)
        session.commit()
        assert ops.suggestions(session, consultation.id) == []
        assert [t.title for t in ops.themes(session, consultation.id)] == ["Jeugd en onderwijs"]
        assert set(ops.point_ids(session, theme)) == set(ids[0:5])
        assert session.get(Theme, theme.id).consultation_id == consultation.id


def test_a_suggestion_accepted_after_a_letter_was_archived_leaves_its_points_out(demo_app):
    """The attack: accepting a suggestion holding points of a letter archived since said
    "2 van de gekozen punten horen niet bij deze consultatie" and made nothing."""
    from consult.models import Point, Reaction
    from consult.themes import operations
    from consult.themes.models import ThemePoint, ThemeSuggestion

    with demo_app.app_context():
        session = get_session()
        points = session.exec(select(Point).order_by(Point.id).limit(4)).all()
        suggestion = ThemeSuggestion(consultation_id=1, label="Voorstel",
                                     point_ids=[p.id for p in points])
        session.add(suggestion)
        session.flush()
        letter = session.get(Reaction, points[0].reaction_id)
        letter.archived = True
        session.add(letter)
        session.flush()
        theme = operations.accept_suggestion(session, suggestion)
        kept = set(session.exec(select(ThemePoint.point_id).where(
            ThemePoint.theme_id == theme.id)))
        assert kept == {p.id for p in points if p.reaction_id != letter.id}
        session.rollback()
