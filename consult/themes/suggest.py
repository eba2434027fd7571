"""Suggested themes, computed offline on a consultation's points.

1. **Words** (``point_terms``): each point's heading and text through the search's Dutch
   analysis (consult/search/analysis.py: the same stems and compound parts the index holds),
   function words (search's ``STOP``, Whoosh's Dutch stop list), words that ask without naming
   a subject (``GENERIC``: "aandacht", "ruimte", "overweeg" ...) and the words of the
   sender's own name ("Gemeente Lisse") left out.
   Each word also adds its **family** (``_families``): its first ``FAMILY_CHARS`` letters at
   ``FAMILY_WEIGHT``, so that forms the stemmer keeps apart still meet ("normalisatie" and
   "normaliseren", "integraliteit" and "integrale", "wachttijden" and "wachtlijsten").
2. **A sender's own words weigh less** (``_letter_weights``): a heading shared by several points
   of one letter ("Sturing JGT" above seven points) counts at a quarter, and a word that many
   points of one sender in one reaction use counts less for each of them (``2/k`` for a word in
   ``k >= 3`` of its points). So two points of one letter are not alike by their heading or
   their sender's pet words alone; what they say still is. A joint letter counts per sender:
   the councils of one joint letter that each write "aanbieders" each raised it.
3. **Vectors** (``vectors``): each weight made sublinear (``ln(1 + w)``: a word a point
   repeats, or holds as word, part and family at once, does not count its sum; measured
   against plain and BM25 weights, docs/themes-gold.md), times its inverse *sender*
   frequency (how many different stakeholders use the word, not how many points: a word that
   one sender repeats says less than one that many senders share), rows l2-normalised;
   words of one sender only are left out (they cannot link a subject several stakeholders
   raised).
4. **Groups** (``clusters``): a graph that links each point to its ``NEIGHBOURS`` most alike
   points of *other* senders (cosine of the vectors; two points of one sender are never
   linked, so a letter's own points do not hold a group together), split into communities by
   the Leiden algorithm with the Constant Potts Model (graspologic-native; Traag, Waltman &
   van Eck 2019, "From Louvain to Leiden", Sci. Rep. 9:5233): a group stays together while
   its links weigh more than ``DENSITY`` per pair of its points. Unlike modularity, CPM has
   no resolution limit, so groups do not grow with the consultation. A consultation of more
   than ``BLOCK`` points is first split into blocks by k-means on SVD-reduced vectors, and
   neighbours are looked for within a block (at most BLOCK x BLOCK similarities).
   Measured against average-linkage agglomerative clustering cut at a cosine distance (the
   method before) on the gold standard (docs/themes-gold.md). A group becomes a suggestion
   when at least two different senders (stakeholders) are in it, none with more than two
   thirds of its points: a subject several stakeholders raised.
5. **Names** (``_label``): the words most of the group's points share, weighted by how telling
   they are (summed weight), written as the points write them ("PGB", "ZIN").

Everything here is deterministic (fixed seeds) and needs no network or model files.
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import graspologic_native
import numpy as np
from scipy import sparse
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from sqlalchemy.orm import aliased
from sqlmodel import Session, select
from threadpoolctl import threadpool_limits
from whoosh.lang.stopwords import stoplists

from ..models import Point, Reaction, Stakeholder
from ..search.analysis import (
    ATOM,
    CHUNK,
    PAIR_MARK,
    SURFACE_MARK,
    atom_terms,
    chunk_terms,
    fold,
    normalise,
    query_term,
    split_compound,
)
from ..search.query import STOP

_PIECE = re.compile(r"[-/]")

NEIGHBOURS = 6  # each point's most alike points of other senders: its links in the graph
DENSITY = 0.06  # CPM resolution: the least link weight per pair of points that holds a group
TRIALS = 3  # independent Leiden runs; the partition of the highest quality is kept
ITERATIONS = 5  # Leiden cycles per run, each from the last one's partition
SEED = 0  # the runs are seeded: the same points give the same suggestions
BLOCK = 3000  # points whose neighbours are looked for together (a larger consultation is split)
ROWS_AT_ONCE = 1000  # similarities computed for this many points at a time (memory: x BLOCK)
COMPONENTS = 100  # SVD dimensions for the k-means blocks of a large consultation
HEADING_WEIGHT = 0.25  # a heading shared by several points of one letter
PART_WEIGHT = 0.5  # a compound's parts ("onderwijs" in "onderwijszorgarrangementen")
FAMILY_CHARS = 5  # a word's family: its first letters ("norma" of normalisatie, normaliseren)
FAMILY_WEIGHT = PART_WEIGHT  # a family counts like a compound's part: a hint, not the word
FAMILY_MARK = "\x03"  # family terms (a label shows a family as its most written word)
LABEL_WORDS = 3
MAX_SENDER_SHARE = 2 / 3
SURFACE_ITEMS = 30  # a group's first points, read to find how a label word is written
# Words that ask or stress but name no subject ("Aandacht voor ...", "Zorg ervoor dat ...").
GENERIC = frozenset(query_term(w) for w in (
    "aandacht ruimte meer minder goed goede nodig noodzakelijk belangrijk mogelijkheid "
    "mogelijkheden wenselijk overweeg onderzoek onderzoeken maak maken ervoor blijvend extra "
    "juiste beter duidelijk duidelijkheid vraag vragen zorgen laat laten zet inzetten "
    "ontwikkel ontwikkelen gemeenten raad regio regionaal lokaal lokale jeugd kinderen "
    "jeugdigen ouders waar indien tijd eigen kan kunnen willen wil staan hebben krijgen "
    "mogen geven gegeven zien zoals eerder bijv bijvoorbeeld etc evt incl nb verder gaan "
    "houden nemen kijken denken vinden weten daarbij daarom hierbij vaak steeds manier "
    "wijze sprake graag pleit vindt fractie gemeenteraad gemeente college wethouder "
    "adviesraad tekst uitgangspunten uitgangspuntennotitie notitie").split()) | frozenset(
    query_term(w) for w in stoplists["nl"])


@dataclass(frozen=True)
class Item:
    """One point as suggestions see it: ids for the board, the sender for "several
    stakeholders", the text to compare."""

    id: int
    reaction_id: int
    sender: str
    number: str
    heading: str
    body: str


@dataclass
class Suggestion:
    """A suggested theme: its name and its points (Item ids, in board order)."""

    label: str
    point_ids: list[int]


def _keep(term: str) -> bool:
    """Whether an index term says something about a subject."""
    if term.startswith((PAIR_MARK, SURFACE_MARK)) or term in STOP or term in GENERIC:
        return False
    if term.isdigit():
        return len(term) <= 2  # "18" (of 18-/18+), not years or amounts
    return len(term) >= 3 or term in {"zin", "pgb", "jgt", "wmo", "wlz", "ots"}


@lru_cache(maxsize=200_000)
def _chunk_weights(chunk: str) -> tuple[tuple[str, float], ...]:
    """(term, weight) of one chunk of text: each word's stem 1, its compound parts
    PART_WEIGHT (the chunks repeat, so this is looked up, not computed, most of the time)."""
    out = []
    positions, _joined = chunk_terms(chunk)
    for main, *parts in positions:
        if _keep(main):
            out.append((main, 1.0))
        out.extend((part, PART_WEIGHT) for part in parts if part != main and _keep(part))
    return tuple(out)


def text_terms(text: str, weight: float = 1.0) -> Counter:
    """Index terms of a text with weights (see _chunk_weights), all times ``weight``."""
    counts: Counter = Counter()
    for chunk in CHUNK.findall(normalise(text)):
        for term, value in _chunk_weights(chunk):
            counts[term] += value * weight
    return counts


def point_terms(items: list[Item]) -> list[Counter]:
    """Each point's weighted terms with their families, a sender's own words weighing less
    (see the module)."""
    shared_heading = Counter((i.reaction_id, i.heading) for i in items if i.heading)
    out = []
    for item in items:
        terms = text_terms(item.body)
        if item.heading:
            repeated = shared_heading[(item.reaction_id, item.heading)] > 1
            terms.update(text_terms(item.heading, HEADING_WEIGHT if repeated else 1.0))
        for name_term in text_terms(item.sender):  # "Gemeente Lisse" says who, not what
            terms.pop(name_term, None)
        out.append(_families(terms))
    return _letter_weights(items, out)


def _families(terms: Counter) -> Counter:
    """The terms plus each word's family (FAMILY_MARK + its first FAMILY_CHARS letters) at
    FAMILY_WEIGHT times the strongest weight of a word of that family in the point."""
    families: dict[str, float] = {}
    for term, weight in terms.items():
        family = _family_term(term)
        if family and families.get(family, 0.0) < weight:
            families[family] = weight
    for family, weight in families.items():
        terms[family] += weight * FAMILY_WEIGHT
    return terms


@lru_cache(maxsize=200_000)
def _family_term(term: str) -> str | None:
    """The family term of an index term, or None (numbers, short words, pair terms)."""
    if len(term) >= FAMILY_CHARS and term.isalpha():
        return FAMILY_MARK + term[:FAMILY_CHARS]
    return None


def _letter_weights(items: list[Item], terms: list[Counter]) -> list[Counter]:
    """Scale each term by 2/k where k (>= 3) of its sender's points in its reaction use it."""
    per_letter: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for item, counts in zip(items, terms, strict=True):
        per_letter[(item.reaction_id, item.sender)].update(counts.keys())
    for item, counts in zip(items, terms, strict=True):
        seen = per_letter[(item.reaction_id, item.sender)]
        for term in counts:
            if seen[term] >= 3:
                counts[term] *= 2 / seen[term]
    return terms


def vectors(terms: list[Counter], senders: list[str]) -> tuple[sparse.csr_matrix, list[str]]:
    """The weighted matrix (points x words, rows l2-normalised) and its vocabulary, for the
    points' ``terms`` and their ``senders`` (one per point): each weight made sublinear
    (``ln(1 + w)``) times the word's smoothed inverse sender frequency
    ``ln((1 + S) / (1 + s)) + 1`` (S senders in all, s using the word). Words of one sender
    only are left out: they link no two stakeholders."""
    column: dict[str, int] = {}
    rows, cols, data = [], [], []
    for row, counts in enumerate(terms):
        for term, weight in counts.items():
            rows.append(row)
            cols.append(column.setdefault(term, len(column)))
            data.append(weight)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(terms), len(column)),
                               dtype=np.float64)
    matrix.data = np.log1p(matrix.data)  # sublinear: a word said twice is not twice the subject
    who = {name: n for n, name in enumerate(dict.fromkeys(senders))}
    sent_by = sparse.csr_matrix((np.ones(len(senders)), ([who[s] for s in senders],
                                                         range(len(senders)))),
                                shape=(len(who), len(senders)))
    users = np.asarray(((sent_by @ matrix) > 0).sum(axis=0)).ravel()  # senders per word
    vocabulary = sorted(t for t, n in column.items() if users[n] >= 2)
    picked = [column[t] for t in vocabulary]
    counts = matrix[:, picked]
    if not vocabulary:
        return counts.tocsr(), vocabulary
    idf = np.log((1 + len(who)) / (1 + users[picked])) + 1
    return normalize(counts @ sparse.diags(idf)).tocsr(), vocabulary


def _dense(matrix: sparse.csr_matrix) -> np.ndarray:
    """Rows reduced by truncated SVD (or kept whole when that is as small), l2-normalised."""
    size = min(COMPONENTS, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if matrix.shape[1] <= COMPONENTS or size < 2:
        return normalize(matrix.toarray())
    reduced = TruncatedSVD(n_components=size, n_iter=3, random_state=0).fit_transform(matrix)
    return normalize(reduced)


def _blocks(points: np.ndarray) -> list[np.ndarray]:
    """Row numbers in blocks of at most BLOCK points: all of them, or (for a large
    consultation) k-means parts of the SVD vectors, so that looking for neighbours needs at
    most BLOCK x BLOCK similarities."""
    if len(points) <= BLOCK:
        return [np.arange(len(points))]
    parts = math.ceil(len(points) / (BLOCK / 2))
    found = MiniBatchKMeans(n_clusters=parts, random_state=0, n_init=3,
                            batch_size=2048).fit_predict(points)
    out = []
    for part in range(parts):
        members = np.flatnonzero(found == part)
        out.extend(members[i:i + BLOCK] for i in range(0, len(members), BLOCK))
    return out


def clusters(matrix: sparse.csr_matrix, senders: list[str]) -> list[list[int]]:
    """Groups of row numbers (at least two each) of alike points (see the module, step 4):
    ``matrix`` holds the l2-normalised vectors (points x words), ``senders`` each point's
    sender. Points without a kept word are in no group.

    Points with the same vector (the same words: one text sent by many senders) are one node
    of the graph and come back together: as separate nodes, tied at similarity 1, every one
    of them named the same few as its neighbours, and Leiden kept ~100 of 1,000 identical
    points around those few and dropped the rest."""
    live = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    if len(live) < 2:
        return []
    codes = np.unique(np.asarray(senders, dtype=object), return_inverse=True)[1]
    if not matrix.has_sorted_indices:  # one vector, one key (_same_vectors)
        matrix = matrix.sorted_indices()
    twins = _same_vectors(matrix, live)
    nodes = np.array(sorted(twins))
    if len(nodes) <= BLOCK:
        blocks = [nodes]
    else:
        blocks = [nodes[part] for part in _blocks(_dense(matrix[nodes]))]
    edges: list[tuple[str, str, float]] = []
    for block in blocks:
        edges.extend(_neighbour_links(matrix[block], codes[block], block))
    groups: dict[int, list[int]] = defaultdict(list)
    if edges:
        _quality, community = graspologic_native.leiden(
            edges, resolution=DENSITY, use_modularity=False, seed=SEED, trials=TRIALS,
            iterations=ITERATIONS)
        for node, found in community.items():
            groups[found].extend(twins.pop(int(node)))
    out = [sorted(rows) for rows in groups.values()]
    out.extend(rows for rows in twins.values())  # a text no other text links to, sent twice+
    return [rows for rows in out if len(rows) >= 2]


def _same_vectors(matrix: sparse.csr_matrix, rows: np.ndarray) -> dict[int, list[int]]:
    """The ``rows`` by vector: {first row with a vector: every row with it, in order}."""
    first: dict[tuple, int] = {}
    twins: dict[int, list[int]] = {}
    for row in rows.tolist():
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        key = (matrix.indices[start:end].tobytes(), matrix.data[start:end].tobytes())
        found = first.setdefault(key, row)
        twins.setdefault(found, []).append(row)
    return twins


def _neighbour_links(matrix: sparse.csr_matrix, codes: np.ndarray,
                     rows: np.ndarray) -> list[tuple[str, str, float]]:
    """The links of a block of points (``rows``: their row numbers in the consultation):
    each point to its NEIGHBOURS most alike points of another sender in the block, as
    (row, row, cosine) with the smaller row first, each pair once (Leiden's edge list names
    nodes by strings)."""
    n = matrix.shape[0]
    k = min(NEIGHBOURS, n - 1)
    if k < 1:
        return []
    vectors = matrix.astype(np.float32)
    transposed = vectors.T.tocsr()
    heads, tails, weights = [], [], []
    for start in range(0, n, ROWS_AT_ONCE):
        stop = min(start + ROWS_AT_ONCE, n)
        alike = (vectors[start:stop] @ transposed).toarray()
        alike[codes[start:stop, None] == codes[None, :]] = 0.0  # its own sender, itself
        best = np.argpartition(alike, n - k, axis=1)[:, n - k:]
        head = np.repeat(np.arange(start, stop), k)
        found = alike[head - start, best.ravel()]
        keep = found > 0
        heads.append(head[keep])
        tails.append(best.ravel()[keep])
        weights.append(found[keep])
    head, tail, weight = (np.concatenate(x) for x in (heads, tails, weights))
    low, high = np.minimum(head, tail), np.maximum(head, tail)
    _pairs, first = np.unique(low.astype(np.int64) * n + high, return_index=True)
    return [(str(rows[a]), str(rows[b]), float(w))
            for a, b, w in zip(low[first], high[first], weight[first], strict=True)]


def _label(rows: list[int], matrix: sparse.csr_matrix, vocabulary: list[str],
           items: list[Item]) -> str:
    """The group's most telling shared words: summed weight times the share of the group's
    points that hold the word, as written most often (a family as its most written word:
    "Normalisatie" and "normaliseren" share "Normalisatie")."""
    block = matrix[rows]
    held = np.asarray((block > 0).sum(axis=0)).ravel() / len(rows)
    score = np.asarray(block.sum(axis=0)).ravel() * held
    best = [i for i in np.argsort(-score, kind="stable")[:LABEL_WORDS * 3] if score[i] > 0]
    spellings = _spellings([items[r] for r in rows[:SURFACE_ITEMS]],
                           {vocabulary[i] for i in best})
    words = []
    for i in best:
        term = vocabulary[i]
        seen = spellings.get(term)
        if not seen and term.startswith(FAMILY_MARK):
            continue  # a family is shown as a word of it, never as its marked stem
        written = seen.most_common(1)[0][0] if seen else term
        if not _telling(written):
            continue
        if _family(written) not in {_family(w) for w in words}:  # not "client, Cliënten"
            words.append(written)
        if len(words) == LABEL_WORDS:
            break
    return ", ".join(words)


def _telling(word: str) -> bool:
    """Whether a word may name a group: not a short lower-case word ("ten", "let", "leg":
    parts of phrases such as "ten behoeve") nor a lone digit ("1", "4": list numbers);
    acronyms ("ZIN", "TWO", "Wmo") and numbers such as "18" or "18+" may."""
    if len(word) >= 4:
        return True
    if any(c.isdigit() for c in word):
        return len(word) >= 2
    return any(c.isupper() for c in word)


def _family(word: str) -> str:
    """A written word's family, to show one word of each in a label."""
    return fold(word).lower()[:FAMILY_CHARS]


def _spellings(items: list[Item], wanted: set[str]) -> dict[str, Counter]:
    """How these points write each ``wanted`` term ("PGB" for "pgb", "aanbieders" for
    "aanbieder"): term -> spellings counted (a compound's part as the piece of the word it
    comes from, "kennis" of "PGB-kennis"). Read once per group, not once per label word, each
    chunk of text analysed once (on 10,000 points the re-reading was a third of the time)."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        for chunk in CHUNK.findall(normalise(f"{item.heading}\n{item.body}")):
            for term, written in _chunk_spellings(chunk):
                if term in wanted:
                    seen[term][written] += 1
    return seen


@lru_cache(maxsize=200_000)
def _chunk_spellings(chunk: str) -> tuple[tuple[str, str], ...]:
    """(term, as written) for each term of a chunk of text: a word's stem and family as the
    word, a compound's part and its family as its piece (chunks repeat, so this is mostly
    looked up)."""
    out = []
    for atom in ATOM.findall(chunk):
        terms = atom_terms(atom)
        if not terms:
            continue
        out.append((terms[0], atom))
        family = _family_term(terms[0])
        if family:
            out.append((family, atom))
        pieces = _pieces(atom)
        for part in sorted(set(terms[1:]) - {terms[0]}):
            written = pieces.get(part, part)
            out.append((part, written))
            family = _family_term(part)  # a part's family too: "gericht" of "Vraaggerichte"
            if family:
                out.append((family, written))
    return tuple(out)


@lru_cache(maxsize=50_000)
def _pieces(atom: str) -> dict[str, str]:
    """The written pieces of a word by their term: {"kenni": "kennis", "pgb": "pgb"} for
    "PGB-kennis", {"onderwij": "onderwijs", ...} for "onderwijszorgarrangementen"."""
    out: dict[str, str] = {}
    for piece in _PIECE.split(atom.lower()):
        for raw in (piece, *split_compound(piece), *split_compound(fold(piece))):
            term = query_term(raw)
            if term and not raw.endswith("-"):
                out.setdefault(term, raw)
    return out


def _several_senders(items: list[Item], rows: list[int]) -> bool:
    """Whether a group is a subject several stakeholders raised: two senders at least, none
    of them holding more than MAX_SENDER_SHARE of its points (one letter's list of asks with
    a stray point of another sender is not)."""
    senders = Counter(items[r].sender for r in rows)
    return len(senders) >= 2 and max(senders.values()) <= MAX_SENDER_SHARE * len(rows)


def suggest(items: list[Item]) -> list[Suggestion]:
    """Suggested themes for these points (given in board order): groups of alike points with
    at least two senders, largest first (then by first point), each point in board order.

    Runs its linear algebra on one thread: on a busy server (or beside other workers) BLAS
    threads fighting for the cores made the SVD ten times slower (0.9 s -> 10 s, 4,000
    points, load 15 on 2 cores)."""
    with threadpool_limits(1):
        return _suggest(items)


def _suggest(items: list[Item]) -> list[Suggestion]:
    if len(items) < 2:
        return []
    matrix, vocabulary = vectors(point_terms(items), [item.sender for item in items])
    if not vocabulary:
        return []
    order = {item.id: n for n, item in enumerate(items)}
    groups = [rows for rows in clusters(matrix, [item.sender for item in items])
              if _several_senders(items, rows)]
    groups.sort(key=lambda rows: (-len(rows), min(rows)))
    out = []
    for rows in groups:
        rows = sorted(rows)
        label = _label(rows, matrix, vocabulary, items)
        if not label:  # no word that names a subject links them ("18 12 4", "???"): none
            continue
        out.append(Suggestion(label, sorted((items[r].id for r in rows), key=order.get)))
    return out



def load_items(session: Session, consultation_id: int) -> list[Item]:
    """The consultation's live points as Items, in board order (reaction, then position); the
    sender is the point's own stakeholder in a joint letter, else the reaction's."""
    own = aliased(Stakeholder)
    rows = session.exec(
        select(Point.id, Point.reaction_id, Point.number, Point.heading, Point.body,
               Stakeholder.name, own.name)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .outerjoin(own, own.id == Point.stakeholder_id)
        .where(Reaction.consultation_id == consultation_id, Reaction.archived.is_(False),
               Point.archived.is_(False))
        .order_by(Point.reaction_id, Point.position, Point.id))
    return [Item(pid, rid, own_name or name, number, heading or "", body)
            for pid, rid, number, heading, body, name, own_name in rows]
