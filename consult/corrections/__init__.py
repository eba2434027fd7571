"""Correcting logged points: edit number, heading, text and sender (with versions and
stale-edit conflicts), move a point to another reaction, merge two points or split one.

``operations`` changes (and only flushes), ``views`` is the blueprint ``corrections``; the
table lives in ``models`` (imported here so it is registered with the metadata)."""

from . import models  # noqa: F401  (registers the PointVersion table)
