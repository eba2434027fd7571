"""Acting on many points at once (issue 17): a selection of a consultation's points by filter
or by hand, bulk actions on it with one undo, answer templates and custom status labels."""
