"""A consultation's life: create it, edit its facts, take it from concept to published and
archived, and tell late reactions (operations.py; its pages in views.py)."""

from .operations import (
    STEPS,
    Facts,
    LifecycleError,
    StateConflict,
    create,
    edit,
    is_late,
    legacy_state,
    state_label,
    take_step,
)

__all__ = [
    "STEPS", "Facts", "LifecycleError", "StateConflict", "create", "edit", "is_late",
    "legacy_state", "state_label", "take_step",
]
