"""The stakeholder registry: who may react, kept by the secretariat.

- ``operations``: create, rename, change kind or contact e-mail, re-parent (never into a
  circle), archive and restore; all audited, all versioned against stale forms.
- ``matching``: close matches for a typed name (RapidFuzz on Dutch organisation names), asked
  wherever someone types a stakeholder name: the composer, the registry, the portal, imports.
- ``merging``: two stakeholders that are one organisation become one; nothing is lost.
- ``views``: the management pages under /indieners and the close-matches fragment.

No tables of its own: the registry keeps ``models.Stakeholder``.
"""
