"""Writing a whole Whoosh segment at once, for full rebuilds.

Whoosh's writer handles every posting as a Python tuple: pooled, sorted, then written one
call at a time (about 1,000-2,000 points a second here, whatever the settings). A rebuild
knows all its documents up front, so this writer inverts them itself (term -> arrays of
document numbers and frequencies) and hands Whoosh's postings writer one block of 128
postings at a time, encoded exactly as Whoosh encodes them (delta-coded ids, weights,
big-endian frequencies, pickled and zlib-compressed, with the same block and term
statistics). The per-document part (stored key, field lengths, columns) goes through
Whoosh's own per-document writer. The result is an ordinary segment: Whoosh reads, merges
and deletes from it as from any other; tests/test_search_bulk.py compares it posting by
posting with one written by Whoosh.
"""

import struct
import zlib
from array import array
from collections import defaultdict
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import NO_MERGE

from .analysis import _utf8, index_terms

_BLOCK = 128
# Terms in at most this many documents keep their postings in the term info (_inline).
_INLINE = 1
_FREQ = struct.Struct(">I")
_APPROX = np.array([byte_to_length(length_to_byte(n)) for n in range(0, 1 << 16)], np.int64)


class _Postings:
    """One field's inverted postings: term -> (document numbers, frequencies)."""

    def __init__(self):
        self.docs: dict[bytes, array] = defaultdict(lambda: array("I"))
        self.freqs: dict[bytes, array] = defaultdict(lambda: array("I"))

    def items(self):
        """(term, document numbers, frequencies), terms in byte order."""
        for btext in sorted(self.docs):
            yield btext, self.docs[btext], self.freqs[btext]


class _Inverted:
    """The body's postings, gathered a document at a time as term numbers and inverted at
    the end with one stable sort: two C-level calls per document instead of a dictionary
    look-up and two appends per term of each document (the body has ~45 terms a text)."""

    def __init__(self):
        self.numbers: dict[str, int] = {}
        self.terms = array("I")
        self.freqs = array("I")
        self.sizes = array("I")

    def add(self, counts: dict[str, int]) -> int:
        """Add the next document's term counts; returns its length (sum of frequencies)."""
        numbers = self.numbers
        number = numbers.setdefault
        self.terms.extend([number(term, len(numbers)) for term in counts])
        self.freqs.extend(counts.values())
        self.sizes.append(len(counts))
        return sum(counts.values())

    def items(self):
        """(term, document numbers, frequencies), terms in byte order, documents ascending."""
        terms = np.frombuffer(self.terms, np.uint32)
        order = np.argsort(terms, kind="stable")  # stable: document order within a term
        docs = np.repeat(np.arange(len(self.sizes), dtype=np.int64),
                         np.frombuffer(self.sizes, np.uint32))[order]
        freqs = np.frombuffer(self.freqs, np.uint32)[order]
        bounds = np.searchsorted(terms[order], np.arange(len(self.numbers) + 1)).tolist()
        encoded = [_utf8(term) for term in self.numbers]
        for number in sorted(range(len(encoded)), key=encoded.__getitem__):
            start, end = bounds[number], bounds[number + 1]
            yield encoded[number], docs[start:end], freqs[start:end]


def _approx_length(length: int) -> int:
    """The field length Whoosh hands its postings writer: stored as a byte, read back."""
    return int(_APPROX[length]) if length < len(_APPROX) else byte_to_length(length_to_byte(length))


def write_segment(ix, documents, prepare, limit: int, delete=()) -> int:
    """Add up to ``limit`` documents from the iterator as one new segment; returns how many.
    ``delete``: keys whose documents in the existing segments go first (in the same commit)."""
    writer = ix.writer()
    try:
        for key in delete:
            writer.delete_by_term("key", key)
        count = _fill(writer, documents, prepare, limit)
        if count:
            writer.docnum = count
            writer._added = True
        writer.commit(mergetype=NO_MERGE)
    except BaseException:
        writer.cancel()
        raise
    return count


def _fill(writer, documents, prepare, limit: int) -> int:
    schema = writer.schema
    perdoc = writer.perdocwriter
    body_field, key_field = schema["body"], schema["key"]
    columns = [(name, schema[name]) for name in schema.names() if name not in ("body", "key")]
    body, keys = _Inverted(), _Postings()
    lengths = array("I")
    docnum = 0
    for doc in documents:
        doc = prepare(doc)
        counts, _words = index_terms(doc["body"])
        length = body.add(counts)
        key = _utf8(doc["key"])
        keys.docs[key].append(docnum)
        keys.freqs[key].append(1)
        lengths.append(length)
        # The per-document part, as SegmentWriter.add_document does it (fields sorted).
        perdoc.start_doc(docnum)
        perdoc.add_field("body", body_field, None, length)
        for name, field in columns:
            value = doc.get(name)
            if value is not None:
                perdoc.add_field(name, field, None, 0)
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.add_field("key", key_field, doc["key"], 0)
        perdoc.finish_doc()
        docnum += 1
        if docnum == limit:
            break
    if not docnum:
        return 0
    approx = _APPROX_OF(np.frombuffer(lengths, np.uint32).astype(np.int64))
    fields = writer.fieldwriter
    for name, field, postings, scorable in (
        ("body", body_field, body, True),
        ("key", key_field, keys, False),
    ):
        fields.start_field(name, field)
        _write_field(fields, postings, approx if scorable else None)
        fields.finish_field()
    return docnum


def _APPROX_OF(lengths: np.ndarray) -> np.ndarray:
    small = lengths < len(_APPROX)
    out = np.empty_like(lengths)
    out[small] = _APPROX[lengths[small]]
    for i in np.nonzero(~small)[0]:
        out[i] = _approx_length(int(lengths[i]))
    return out


def _write_field(fields, postings, lengths: np.ndarray | None) -> None:
    postfile = fields._postfile
    fieldid = fields._fieldid
    tindex = fields._tindex
    length_list = lengths.tolist() if lengths is not None else None
    for btext, docs, freqs in postings.items():
        info = W3TermInfo()
        if len(docs) <= _INLINE:
            _inline(info, docs.tolist(), freqs.tolist(),
                    None if length_list is None else [length_list[d] for d in docs])
            tindex.add(pack_ushort(fieldid) + btext, info.to_bytes())
            continue
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        n = len(docs)
        if n <= _BLOCK:  # most terms: plain Python is quicker than numpy for a few postings
            docs, freqs = docs.tolist(), freqs.tolist()  # Python ints: pickled as Whoosh does
            _write_small_block(postfile, info, docs, freqs,
                               None if length_list is None else [length_list[d] for d in docs])
        else:
            ids = np.asarray(docs, np.int64)
            counts = np.asarray(freqs, np.uint32)
            for begin in range(0, n, _BLOCK):
                end = min(n, begin + _BLOCK)
                _write_block(postfile, info, ids[begin:end], counts[begin:end],
                             None if lengths is None else lengths[ids[begin:end]], end == n)
        info.set_extent(start, postfile.tell() - start)
        tindex.add(pack_ushort(fieldid) + btext, info.to_bytes())


def _inline(info, ids: list[int], freqs: list[int], lengths: list[int] | None) -> None:
    """Put a term's few postings into its term info, with the statistics TermInfo.add_block
    would give them, instead of a block of its own in the postings file. Whoosh's format
    allows it (W3TermInfo.set_inlined; its reader wraps them in a ListMatcher) though its own
    writer never does it (W3PostingsWriter calls a ``set_inline`` that does not exist). With
    a long-tail vocabulary most word-pair terms occur in one document: this skips their
    pickled, compressed block (two thirds of a rebuild's time went to those blocks)."""
    if lengths is None:  # an ID field: existence only
        weights, values = [1.0] * len(ids), (b"",) * len(ids)  # as ListMatcher.value() wants
    else:
        weights = [float(f) for f in freqs]
        values = tuple(_FREQ.pack(f) for f in freqs)
        nonzero = [x for x in lengths if x > 0]
        info._minlength = min(nonzero) if nonzero else None
        info._maxlength = max(lengths)
    info._weight = sum(weights)
    info._df = len(ids)
    info._maxweight = max(weights)
    info._minid, info._maxid = ids[0], ids[-1]
    info.set_inlined(ids, weights, values)


def _write_small_block(postfile, info, ids, freqs, lengths) -> None:
    """The last (here: only) block of a short posting list, without numpy."""
    n = len(ids)
    deltas = [ids[0], *(b - a for a, b in zip(ids, ids[1:], strict=False))]
    if lengths is None:
        mini_weights, values, minlength, maxlength, maxweight = None, None, None, 0, 1.0
        total = float(n)
    else:
        weights = [float(f) for f in freqs]
        first = weights[0]
        if all(w == first for w in weights):
            mini_weights = None if first == 1.0 else first
        else:
            mini_weights = tuple(weights)
        values = struct.pack(f">{n}I", *freqs)
        nonzero = [x for x in lengths if x > 0]
        minlength = min(nonzero) if nonzero else None
        maxlength = max(lengths)
        maxweight = max(weights)
        total = sum(weights)
    data = dumps((tuple(deltas), mini_weights, values), 2)
    _emit(postfile, info, data, (n, ids[0], ids[-1], total, maxweight, minlength, maxlength),
          last=True)


def _write_block(postfile, info, ids, freqs, lengths, last: bool) -> None:
    """One block, byte for byte as W3PostingsWriter._write_block writes it."""
    weights = freqs.astype(np.float32)
    if lengths is None:  # an ID field: existence only, no values, no lengths
        mini_weights, values = None, None
        minlength, maxlength = None, 0
    else:
        if (weights == 1.0).all():
            mini_weights = None
        elif (weights == weights[0]).all():
            mini_weights = float(weights[0])
        else:
            mini_weights = tuple(weights.tolist())
        values = freqs.astype(">u4").tobytes()
        nonzero = lengths[lengths > 0]
        minlength = int(nonzero.min()) if len(nonzero) else None
        maxlength = int(lengths.max()) if len(lengths) else 0
    deltas = np.diff(ids, prepend=0)
    data = dumps((tuple(deltas.tolist()), mini_weights, values), 2)
    maxweight = float(weights.max()) if lengths is not None else 1.0
    stats = (len(ids), int(ids[0]), int(ids[-1]), float(weights.sum()), maxweight, minlength,
             maxlength)
    _emit(postfile, info, data, stats, last)


def _emit(postfile, info, data: bytes, stats: tuple, last: bool) -> None:
    """Write a block (its info tuple, then its compressed data) and add its statistics to
    the term's, as W3PostingsWriter._write_block and TermInfo.add_block do."""
    n, first_id, last_id, total, maxweight, minlength, maxlength = stats
    data = zlib.compress(data, 3)
    block_info = dumps(
        (n, last_id, maxweight, 3, length_to_byte(minlength), length_to_byte(maxlength)), 2
    )
    size = len(block_info) + len(data)
    postfile.write_int(-size if last else size)
    postfile.write(block_info)
    postfile.write(data)
    info._weight += total
    info._df += n
    if minlength is not None:
        info._minlength = minlength if info._minlength is None else min(info._minlength,
                                                                           minlength)
    info._maxlength = max(info._maxlength, maxlength)
    info._maxweight = max(info._maxweight, maxweight)
    if info._minid is None:
        info._minid = first_id
    info._maxid = last_id
