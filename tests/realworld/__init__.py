"""Checkers for the real-world corpus, one module per kind of input.

`tests/fixtures/realworld/<kind>/<case>.<ext>` is one input as it arrives at a secretariat (a
pasted letter, a Word or PDF file, an e-mail, a spreadsheet, a query); beside it,
`<case>.expected.json` holds the right result. The module `tests.realworld.<kind>` has
`check(source: Path, expected: dict, tmp_path: Path) -> None`, which runs the input through the
app's own code and asserts the result. `tests/test_realworld.py` runs every case.
"""
