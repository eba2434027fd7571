"""Themes per consultation: points of any reactions grouped by subject, so that a subject
raised by many stakeholders can be read and answered together.

``models`` holds the tables (Theme, ThemePoint, ThemeSuggestion), ``operations`` changes them
(and only flushes), ``suggest`` computes suggested themes offline, ``views`` is the blueprint
``themes``."""

from . import models  # noqa: F401  (registers the tables)
