"""Search cases: texts as they are stored, a query as people type it, what must (not) be found.

Input `<case>.query.json`::

    {"about": "why this case exists",
     "texts": {"name": "a text as stored", ...},
     "demo": true,            # optional: also the points of the real 2016 table,
                              # named "<stakeholder> <number>"
     "query": "JGT-ers"}

Expected `<case>.expected.json`::

    {"found": ["name", ...],      # each must be among the results
     "found_matching": "\\bgemeen",  # and every text this regular expression matches
     "not_found": ["name", ...],  # none of these may be
     "only": true,                # optional: nothing else may be found
     "marked": {"name": ["JGT-ers"]}}  # optional: what its snippet marks

The texts are indexed twice, by the bulk writer of a rebuild and by Whoosh's own writer (what
an edit goes through), and the query must find the same in both.
"""

import json
import re
from pathlib import Path

import yaml

from consult import demo
from consult.search import matching
from consult.search import query as q
from consult.search.store import IndexStore

EVERYTHING = q.Scope(frozenset(), frozenset())
ALL = matching.Restriction({}, frozenset(), frozenset())


def demo_texts(answers: bool = False) -> dict[str, str]:
    """'<stakeholder> <number>' -> heading and text of every point of the demo, as indexed;
    with answers, also '<stakeholder> answer <n>' -> the text of each answer."""
    data = yaml.safe_load(demo.DATA_FILE.read_text(encoding="utf-8"))
    names = {s["key"]: s["name"] for s in data["stakeholders"]}
    out: dict[str, str] = {}

    def add(name: str, text: str) -> None:
        assert name not in out, f"two demo texts named {name!r}"
        out[name] = text

    for reaction in data["reactions"]:
        who = names[reaction["stakeholder"]]
        for p in reaction.get("points", []):
            sender = names[p.get("stakeholder") or reaction["stakeholder"]]
            add(f"{sender} {p['number']}", f"{p.get('heading') or ''}\n{p['body']}")
        for r in reaction.get("responses", []) if answers else []:
            add(f"{who} answer {sum(n.startswith(who + ' answer') for n in out) + 1}",
                r["text"])
    return out


class TextIndex:
    """Named texts in a real index of the app (as points), searched with the app's query
    code; ``method`` "segments" is a rebuild's writer, "whoosh" the writer of an edit."""

    def __init__(self, texts: dict[str, str], folder: Path, method: str = "segments"):
        self.names = list(texts)
        self.texts = texts
        self.store = IndexStore(folder)
        path = self.store.new_dir()
        docs = [_document(i, text) for i, text in enumerate(texts.values())]
        if method == "segments":
            self.store.build(iter(docs), path, method="segments")
        else:
            self.store.apply(docs, [], path)
        self.store.swap(path)
        self._names_by_docnum: list[str] | None = None

    def find(self, text: str) -> list[str]:
        """The names of the texts the query finds, best first."""
        request = q.Request(text=text, size=max(1, len(self.names)))
        found = self.store.read(lambda s: q.search(s, request, EVERYTHING, facets=False))
        return [self.names[int(key[1:])] for key in found.keys]

    def matching(self, text: str) -> set[str]:
        """The names of every text the query matches (no ranking: quick, for many queries)."""
        query = q.parse(text)

        def work(searcher):
            names = set()
            found = matching.match(searcher, query, ALL)
            for _segment, ids, _scores, offset in found.parts:
                names.update(self._by_docnum(searcher)[int(i) + offset] for i in ids)
            return names

        return self.store.read(work)

    def _by_docnum(self, searcher) -> list[str]:
        if self._names_by_docnum is None:
            keys = [searcher.stored_fields(d)["key"] for d in range(searcher.doc_count_all())]
            self._names_by_docnum = [self.names[int(k[1:])] for k in keys]
        return self._names_by_docnum

    def close(self) -> None:
        self.store._close_local()


def _document(number: int, text: str) -> dict:
    return {"key": f"p{number}", "kind": "point", "consultation": "1", "stakeholder": "1",
            "skind": "", "channel": "", "status": "open", "year": "2016", "destinations": "",
            "when": 0, "body": text}


def check(source: Path, expected: dict, tmp_path: Path) -> None:
    case = json.loads(source.read_text(encoding="utf-8"))
    texts = dict(case.get("texts", {}))
    if case.get("demo"):
        texts.update(demo_texts())
    for name in [*expected.get("found", []), *expected.get("not_found", []),
                 *expected.get("marked", {})]:
        assert name in texts, f"{source.name}: no text named {name!r}"
    wanted = list(expected.get("found", []))
    if "found_matching" in expected:
        pattern = re.compile(expected["found_matching"], re.IGNORECASE)
        matching = [name for name, text in texts.items() if pattern.search(text)]
        assert matching, f"{source.name}: the pattern matches no text"
        wanted += [name for name in matching if name not in wanted]
    results = {}
    for method in ("segments", "whoosh"):
        index = TextIndex(texts, tmp_path / method, method)
        try:
            results[method] = index.find(case["query"])
        finally:
            index.close()
    found = results["segments"]
    assert set(found) == set(results["whoosh"]), "a rebuild and an edit index differently"
    query = case["query"]
    missing = [n for n in wanted if n not in found]
    assert not missing, f"{query!r} does not find {missing}; it finds {found}"
    wrong = [n for n in expected.get("not_found", []) if n in found]
    assert not wrong, f"{query!r} should not find {wrong}"
    if expected.get("only"):
        extra = sorted(set(found) - set(wanted))
        assert not extra, f"{query!r} finds more than asked: {extra}"
    parsed = q.parse(query)
    for name, words in expected.get("marked", {}).items():
        marks = [piece for piece, is_match in q.snippet(texts[name], parsed) if is_match]
        assert marks == words, f"{query!r} marks {marks} in {name!r}, not {words}"
