"""A segment's term dictionary and posting lists, read straight from their bytes.

Whoosh reads a posting block through a file object: a seek, a 4-byte read, and a pickle loaded
from the file, which the C unpickler reads a few bytes at a time (26 calls of store._View.read
per block: a third of a common word's first-time search at 100,000 points). It also looks a
term up in the dictionary again for each question asked of it (is it there, its term info, its
document frequency in each segment for the idf). Here a term is looked up once per segment
and search, a prefix's terms are read in one pass over the sorted dictionary, and a posting
list is decoded from its bytes at computed positions (no shared read position, so no thread
can move another's). Same bytes, same values as Whoosh's own reading:
tests/test_search_postings.py compares every term of generated segments.

The formats read (whoosh.filedb.filetables, whoosh.codec.whoosh3):

- term dictionary (``OrderedHashReader``): records of ``!ii`` (key length, value length),
  key, value, in key order; a key is ``!H`` (field number) + the term's UTF-8. Lookups go
  through 256 hash tables of ``!Iq`` slots (hash, record position) chosen by the hash's
  low byte, probed linearly from slot ``(hash >> 8) % slots``.
- term info (``W3TermInfo``): ``!BfIBBfII`` (inlined?, total weight, document frequency,
  min/max length bytes, max weight, first/last id), then either the pickled postings
  ``(ids, weights, values)`` (terms in one document, bulk._inline) or ``!qi`` (offset and
  length of the posting list in the postings file).
- posting list: ``W3Bl``, then blocks of ``!i`` (length of the rest of the block, negative
  for the last), a pickled info tuple (postings, last id, max weight, compression, min/max
  length bytes), and the pickle (zlib-compressed when compression > 0) of (id deltas, the
  block starting from 0; weights: None = all 1.0, one float = all that, or a tuple; values).
"""

import pickle
import struct
import zlib
from io import BytesIO

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

_LENGTHS = struct.Struct("!ii")  # a dictionary record: key length, value length
_POINTER = struct.Struct("!Iq")  # a hash slot: key hash, record position
_INFO = struct.Struct("!BfIBBfII")  # W3TermInfo's fixed part
_EXTENT = struct.Struct("!qi")  # offset, length of a posting list
_INT = struct.Struct("!i")
_FIELD = struct.Struct("!H")


class PostingsDamaged(OSError):
    """A posting list that does not start with Whoosh's block tag (store.DAMAGE: the index
    is rebuilt, as for any unreadable segment)."""


def _getter(file):
    """``get(position, length)`` over a Whoosh file: slices of the mapped bytes (no copy) for
    a memory-mapped part (store._install_mapped_buffers), else Whoosh's own seek and read."""
    buf = getattr(file, "_buf", None)
    if buf is None:
        return file.get
    return lambda position, length: buf[position:position + length]


class Info:
    """What a search needs of a term's info in one segment.

    df: documents holding the term (deleted ones included, as Whoosh counts them);
    inlined: (ids, weights) when the postings sit in the term info, else None;
    extent: (offset, length) of the posting list in the segment's postings file."""

    __slots__ = ("df", "extent", "inlined")

    def __init__(self, raw):
        flags, _weight, self.df, _mn, _mx, _mw, _first, _last = _INFO.unpack_from(raw)
        if flags:
            ids, weights, _values = pickle.loads(raw[_INFO.size:])
            self.inlined, self.extent = (ids, weights), None
        else:
            self.inlined, self.extent = None, _EXTENT.unpack_from(raw, _INFO.size)


class Terms:
    """A segment reader's body terms: look-ups and prefix scans on its dictionary, posting
    lists from its postings file. ``reader``: a whoosh SegmentReader of the W3 codec."""

    def __init__(self, reader, fieldname: str = "body"):
        terms = reader._terms
        self._index = terms._tindex
        self._get = _getter(self._index.dbfile)
        self._postings = _getter(terms._postfile)
        number = terms._fieldmap.get(fieldname)
        self._field = None if number is None else _FIELD.pack(number)

    def info(self, term: str) -> Info | None:
        """The term's info, None when the segment does not hold it."""
        if self._field is None:
            return None
        raw = self._lookup(self._field + term.encode("utf-8"))
        return None if raw is None else Info(raw)

    def _lookup(self, key: bytes):
        """The value stored for ``key`` (HashReader.ranges_for_key, without a generator and
        with one read per slot), or None."""
        index, get = self._index, self._get
        keyhash = index.hashfn(key)
        start, slots = index.tables[keyhash & 255]
        if not slots:
            return None
        slot = (keyhash >> 8) % slots
        for _ in range(slots):
            slothash, position = _POINTER.unpack(get(start + slot * _POINTER.size,
                                                     _POINTER.size))
            if not position:
                return None
            if slothash == keyhash:
                keylen, datalen = _LENGTHS.unpack(get(position, _LENGTHS.size))
                begin = position + _LENGTHS.size
                if keylen == len(key) and get(begin, keylen) == key:
                    return get(begin + keylen, datalen)
            slot = (slot + 1) % slots
        return None

    def prefixed(self, prefix: str) -> list[tuple[str, Info]]:
        """(term, info) of every term starting with ``prefix``, in term (byte) order: one
        binary search, then the records in the order they are stored."""
        if self._field is None:
            return []
        first = self._field + prefix.encode("utf-8")
        index, get = self._index, self._get
        position = index.closest_key_pos(first)
        if position is None:
            return []
        found = []
        skip = len(self._field)
        while position < index.endofdata:
            keylen, datalen = _LENGTHS.unpack(get(position, _LENGTHS.size))
            begin = position + _LENGTHS.size
            key = bytes(get(begin, keylen))
            if not key.startswith(first):
                break
            found.append((key[skip:].decode("utf-8"), Info(get(begin + keylen, datalen))))
            position = begin + keylen + datalen
        return found

    def postings(self, info: Info, within: np.ndarray | None = None):
        """(ids int32, term frequencies float32, complete) of a term in this segment; with
        ``within`` (sorted ids), only the blocks whose id range can hold one (complete is
        then False when a block was skipped)."""
        if info.inlined is not None:
            ids, weights = info.inlined
            return np.array(ids, np.int32), np.array(weights, np.float32), True
        offset, length = info.extent
        return decode(self._postings(offset, length), within)


def _block_info(data, at: int):
    """(info tuple, where the block's data starts) of the block whose info pickle starts at
    ``at``. The pickle's length is that of the same tuple pickled again (protocol 2, as
    Whoosh and bulk.py write it), checked against the bytes; else read by the unpickler."""
    info = pickle.loads(data[at:])
    again = pickle.dumps(info, 2)
    if data[at:at + len(again)] == again:
        return info, at + len(again)
    stream = BytesIO(bytes(data[at:]))
    pickle.Unpickler(stream).load()
    return info, at + stream.tell()


def decode(data, within: np.ndarray | None = None):
    """A W3 posting list's (ids int32, tf float32, complete) from its bytes (see the module
    docstring). within: sorted document numbers; a block is decoded only when one of them
    lies in (last id of the block before, its own last id]."""
    if bytes(data[:4]) != WHOOSH3_HEADER_MAGIC:
        raise PostingsDamaged(f"posting list starts with {bytes(data[:4])!r}")
    blocks = _Blocks()
    complete, at, last_id, done = True, 4, -1, False
    while not done:
        (length,) = _INT.unpack_from(data, at)
        done = length < 0
        end = at + 4 + abs(length)
        (count, block_last, _mw, compression, _mn, _mx), start = _block_info(data, at + 4)
        if within is not None:
            found = int(np.searchsorted(within, last_id, side="right"))
            if found == len(within):  # no wanted id after this point
                return *blocks.arrays(), False
            if within[found] > block_last:
                complete, last_id, at = False, block_last, end
                continue
        raw = data[start:end]
        blocks.add(zlib.decompress(raw) if compression else bytes(raw), count, block_last)
        last_id, at = block_last, end
    return *blocks.arrays(), complete


_G_ONE = b"G" + struct.pack(">d", 1.0)  # a pickled 1.0 (BINFLOAT)
_WEIGHT = np.dtype([("opcode", "u1"), ("value", ">f8")])


_FIRST = {ord("K"): (1, False), ord("M"): (2, False), ord("J"): (4, True)}


def _small_deltas(raw: bytes, count: int):
    """(first id, one byte per later id delta with a 0 for the first, 9 bytes per weight:
    ``G`` + big-endian double) of a block's data pickle in the layout of a block whose later
    deltas are all below 256 (most blocks of a common word): protocol 2, the ids a tuple of
    ``count`` ints, the first (the block's first id) ``K``, ``M`` or ``J``-coded, the others
    ``K``-coded; then the weights a tuple of ``G`` floats, one ``G`` float (all that) or
    ``N`` (None: all 1.0). None for any other layout, which pickle reads. Such a block
    becomes arrays without a Python object per posting (pickle.loads and the list-to-array
    copies were 40 % of decoding)."""
    if count < 4 or raw[:3] != b"\x80\x02(" or raw[3] not in _FIRST:
        return None
    size, signed = _FIRST[raw[3]]
    first = int.from_bytes(raw[4:4 + size], "little", signed=signed)
    at = 4 + size
    n2 = 2 * (count - 1)
    if raw[at:at + n2:2] != b"K" * (count - 1):
        return None
    deltas = b"\x00" + raw[at + 1:at + n2:2]
    at += n2
    if raw[at:at + 2] != b"tq":  # end of the ids tuple, memoised (BINPUT) as Python does
        return None
    at += 3
    opcode = raw[at:at + 1]
    if opcode == b"N":
        return first, deltas, _G_ONE * count
    if opcode == b"G":
        return first, deltas, raw[at:at + 9] * count
    records = raw[at + 1:at + 1 + 9 * count]
    if opcode != b"(" or raw[at + 1 + 9 * count:at + 2 + 9 * count] != b"t" or \
            records[::9] != b"G" * count:
        return None
    return first, deltas, records


class _Blocks:
    """The decoded blocks of a list, in order: runs of small-delta blocks as bytes, other
    blocks as Python values, each run turned into arrays at once."""

    def __init__(self):
        self.ids, self.tf = [], []  # arrays of finished runs: deltas, weights
        self.fast: tuple[list, list] = ([], [])
        self.slow: tuple[list, list] = ([], [])
        self.starts, self.before = [], []
        self.firsts: tuple[list, list] = ([], [])  # position, first id of small-delta blocks
        self.size, self.last = 0, 0

    def add(self, raw: bytes, count: int, block_last: int) -> None:
        """A block's decompressed data pickle; its first delta is its first id."""
        at = self.size
        self.starts.append(at)
        self.before.append(self.last)
        self.size += count
        self.last = block_last
        found = _small_deltas(raw, count)
        if found is not None:
            self._flush(slow=True)
            self.firsts[0].append(at)
            self.firsts[1].append(found[0])
            self.fast[0].append(found[1])
            self.fast[1].append(found[2])
            return
        self._flush(slow=False)
        deltas, weights, _values = pickle.loads(raw)
        self.slow[0].extend(deltas)
        self.slow[1].extend((1.0,) * count if weights is None
                            else (weights,) * count if isinstance(weights, float) else weights)

    def _flush(self, slow: bool) -> None:
        deltas, weights = self.slow if slow else self.fast
        if not deltas:
            return
        if slow:
            self.ids.append(np.array(deltas, np.int64))
            self.tf.append(np.array(weights, np.float32))
        else:
            self.ids.append(np.frombuffer(b"".join(deltas), np.uint8).astype(np.int64))
            self.tf.append(np.frombuffer(b"".join(weights), _WEIGHT)["value"].astype(np.float32))
        deltas.clear()
        weights.clear()

    def arrays(self):
        """(ids int32, tf float32), with one cumulative sum over the blocks: from each block's
        first delta the last id of the decoded block before it is taken off."""
        self._flush(slow=True)
        self._flush(slow=False)
        if not self.ids:
            return np.empty(0, np.int32), np.empty(0, np.float32)
        steps = np.concatenate(self.ids) if len(self.ids) > 1 else self.ids[0]
        if self.firsts[0]:
            steps[self.firsts[0]] = self.firsts[1]
        if len(self.starts) > 1:
            steps[self.starts] -= np.array(self.before, np.int64)
        tf = np.concatenate(self.tf) if len(self.tf) > 1 else self.tf[0]
        return np.cumsum(steps).astype(np.int32), tf
