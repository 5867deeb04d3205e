"""Whitespace-separated pieces of many texts as numpy arrays, and an exact map from pieces.

A batch of texts becomes one array of code points, cut at whitespace, each
piece hashed by numpy (a 64-bit polynomial hash); :class:`_PieceTable` maps
pieces to int64 values by hash, then compares code points, so a collision
can never return another piece's value. The tokenizer and the vectorizer
use them to look up what they know of each raw piece without making a
Python string of it: a str per piece is the cost they avoid.
Pure numpy; imports nothing from arclass.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

#: The code points ``str.split()`` splits on (``str.isspace``), all in the BMP;
#: a constant, since finding them costs more than tagging a short text.
WHITESPACE = (
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
    *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
)
_INSIDE: np.ndarray | None = None


def _inside() -> np.ndarray:
    """Which code points ``str.split()`` does not split on, as a lookup table."""
    global _INSIDE
    if _INSIDE is None:
        table = np.ones(0x110000, dtype=bool)
        table[list(WHITESPACE)] = False
        _INSIDE = table
    return _INSIDE


# An odd multiplier is invertible modulo 2**64, so the hash of a piece can be
# cut out of prefix sums: sum(c[j] * B**j, s <= j < e) * B**-s.
_HASH_BASE = 0x9E3779B97F4A7C15
_POWERS = (np.ones(1, np.uint64), np.ones(1, np.uint64))


def _cumulative_powers(base: int, n: int) -> np.ndarray:
    factors = np.full(n, base, dtype=np.uint64)
    factors[0] = 1
    return np.cumprod(factors)


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``B**i`` and ``B**-i`` modulo 2**64 for ``i < n`` (at least)."""
    global _POWERS
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]), 1 << 16)
        _POWERS = (
            _cumulative_powers(_HASH_BASE, size),
            _cumulative_powers(pow(_HASH_BASE, -1, 1 << 64), size),
        )
    return _POWERS


def _exclusive_cumsum(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=out[1:])
    return out


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths)])``."""
    if len(lengths) and lengths.min() > 0:
        # Runs of one or more (pieces): a running sum of ones, and of the
        # jump from the end of each run to the start of the next.
        ends = np.cumsum(lengths)
        step = np.ones(int(ends[-1]), dtype=np.int64)
        step[0] = starts[0]
        step[ends[:-1]] += starts[1:] - starts[:-1] - lengths[:-1]
        return np.cumsum(step, out=step)
    shift = np.repeat(starts - _exclusive_cumsum(lengths), lengths)
    shift += np.arange(len(shift))
    return shift


def _equal_runs(a: np.ndarray, a_starts: np.ndarray, b: np.ndarray, b_starts: np.ndarray,
                lengths: np.ndarray) -> np.ndarray:
    """Whether ``a[a_starts[i]:][:lengths[i]]`` equals ``b[b_starts[i]:][:lengths[i]]``, for each i."""
    differ = np.take(a, _ranges(a_starts, lengths)) != np.take(b, _ranges(b_starts, lengths))
    equal = np.ones(len(lengths), dtype=bool)
    if differ.any():
        run_ends = np.cumsum(lengths)
        equal[np.searchsorted(run_ends, np.flatnonzero(differ), side="right")] = False
    return equal


class _Pieces:
    """The whitespace-separated pieces of a batch of texts, as numpy arrays.

    ``units`` holds the code points of the texts joined by spaces, and one
    more space if needed to make their number even (``inside`` marks those
    that are not whitespace); piece ``i`` is
    ``units[starts[i]:starts[i] + lengths[i]]``, and ``hashes[i]`` a 64-bit
    polynomial hash of it. ``per_text`` counts the pieces of each text.
    Code points, not UTF-16 units: a lone surrogate stays one unit.
    """

    __slots__ = ("units", "inside", "starts", "lengths", "hashes", "per_text")

    def __init__(self, texts: list[str]) -> None:
        joined = " ".join(texts)
        if len(joined) % 2:
            joined += " "  # code points in pairs (see _PieceTable._lookup)
        units = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        n = len(units)
        # Code points as 64-bit integers: indices for numpy, and the terms
        # of the hash (in place, which beats a mixed-type product).
        prefix = np.empty(n + 1, dtype=np.uint64)
        prefix[0] = 0
        codes = prefix[1:]
        codes[:] = units
        # Padded with whitespace at both ends: pieces start and end where it changes.
        padded = np.zeros(n + 2, dtype=bool)
        inside = padded[1:-1]
        np.take(_inside(), codes.view(np.int64), out=inside)
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        starts = edges[0::2]
        ends = edges[1::2]
        text_ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
        self.per_text = np.diff(np.searchsorted(starts, text_ends), prepend=0)
        power, inverse = _powers(n)
        codes *= power[:n]
        np.cumsum(codes, out=codes)
        hashes = np.take(prefix, ends)
        hashes -= np.take(prefix, starts)
        hashes *= np.take(inverse, starts)
        self.hashes = hashes
        self.units = units
        self.inside = inside
        self.starts = starts
        self.lengths = ends - starts

    def __len__(self) -> int:
        return len(self.starts)

    def rows(self) -> np.ndarray:
        """The text of each piece."""
        return np.repeat(np.arange(len(self.per_text)), self.per_text)

    def joined(self, which: np.ndarray) -> str:
        """The pieces ``which``, joined by newlines."""
        lengths = self.lengths[which]
        out = np.full(int(lengths.sum()) + len(which) - 1, ord("\n"), dtype=np.uint32)
        out[_ranges(_exclusive_cumsum(lengths) + np.arange(len(which)), lengths)] = self.units[
            _ranges(self.starts[which], lengths)
        ]
        return out.tobytes().decode("utf-32-le", "surrogatepass")


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    """``array`` with room for at least ``size`` items (doubling: appends stay linear)."""
    if size <= len(array):
        return array
    grown = np.zeros((max(size, 2 * len(array)),) + array.shape[1:], dtype=array.dtype)
    grown[: len(array)] = array
    return grown


class _PieceTable:
    """An exact map from pieces (runs of code points) to int64 values.

    A piece is looked up by its hash (open addressing, linear probing, all
    vectorized), then its code points are compared with the stored ones:
    a piece whose hash is already taken by another is simply not stored.
    A value is one int64, or ``width`` of them (then values are rows).
    Each slot holds a hash and its entry side by side, and each entry its
    start, length and value, so that a lookup reads one 16-byte slot and one
    record per piece (numpy gathers each as a single item).
    """

    _MIX = np.uint64(0x9E3779B97F4A7C15)
    _START, _LENGTH, _VALUE = range(3)

    def __init__(self, width: int = 1) -> None:
        self.width = width
        self.clear()

    def clear(self) -> None:
        self._bits = 16
        self._set_slots(np.full((1 << self._bits, 2), -1, dtype=np.int64))
        self._n = self._used = 0
        self._set_records(np.zeros((1 << 12, self._VALUE + self.width), dtype=np.int64))
        # Stored code points in overlapping pairs: _pairs[k] holds units k - 1
        # and k (as its low and high halves), so any two neighbours are one item.
        self._pairs = np.zeros(1 << 16, dtype=np.uint64)

    def _set_slots(self, slots: np.ndarray) -> None:
        """Slot ``i`` is ``slots[i] == (hash as int64, entry)``; entry -1 is free."""
        self._slots = slots
        self._slot_items = slots.view(np.complex128).ravel()  # 16 bytes: one item

    def _set_records(self, records: np.ndarray) -> None:
        self._records = records
        self._record_items = records.view(np.dtype((np.void, records.shape[1] * 8))).ravel()

    def __len__(self) -> int:
        return self._n

    def _value_columns(self, records: np.ndarray) -> np.ndarray:
        return records[:, self._VALUE] if self.width == 1 else records[:, self._VALUE :]

    @property
    def values(self) -> np.ndarray:
        """The value of each entry (a view: assignable)."""
        return self._value_columns(self._records[: self._n])

    def _records_of(self, entries: np.ndarray) -> np.ndarray:
        """The records of ``entries`` as rows (garbage for negative ones)."""
        records = np.take(self._record_items, entries, mode="clip")
        return records.view(np.int64).reshape(len(entries), self._VALUE + self.width)

    def _home(self, hashes: np.ndarray) -> np.ndarray:
        return ((hashes * self._MIX) >> np.uint64(64 - self._bits)).astype(np.intp)

    def _slots_at(self, where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hash as int64, entry) of the slots ``where``."""
        cells = np.take(self._slot_items, where).view(np.int64).reshape(-1, 2)
        return cells[:, 0], cells[:, 1]

    def find(self, hashes: np.ndarray) -> np.ndarray:
        """The entry holding each hash, or -1 (the code points are not compared)."""
        keys = hashes.view(np.int64)
        slot = self._home(hashes)
        key, entry = self._slots_at(slot)
        hit = key == keys
        out = np.where(hit, entry, -1)
        pending = np.flatnonzero(~hit & (entry >= 0))
        mask = len(self._slots) - 1
        while len(pending):
            slot[pending] = where = (slot[pending] + 1) & mask
            key, entry = self._slots_at(where)
            hit = key == keys[pending]
            out[pending[hit]] = entry[hit]
            pending = pending[~hit & (entry >= 0)]
        return out

    def _lookup(self, pieces: _Pieces) -> tuple[np.ndarray, np.ndarray]:
        """The entry of each piece (-1 if not stored, -2 if its hash belongs to another
        piece), and the value of each entry found (garbage for the others)."""
        if not self._n:
            shape = len(pieces) if self.width == 1 else (len(pieces), self.width)
            return np.full(len(pieces), -1, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        entries = self.find(pieces.hashes)
        records = self._records_of(entries)
        values = self._value_columns(records)  # rows of a fresh array: ours to change
        if self.width == 1:
            values = values.copy()
        found = entries >= 0
        if not found.any():
            return entries, values
        # Every code point of the batch against the stored copy of its
        # piece's entry, in one pass, two at a time. Code point j of piece i
        # is stored at j + shift[i]. A pair (2q, 2q + 1) of the batch never
        # holds code points of two pieces (whitespace separates them), so
        # from the first piece on it is compared with _pairs[2q + shift + 1]
        # of the piece it meets (whitespace compares with garbage, ignored):
        # a running sum of twos, and of the jumps between pieces. Pieces not
        # found compare with garbage.
        pair = pieces.starts >> 1
        first = int(pair[0])
        shift = records[:, self._START] - pieces.starts
        step = np.full(len(pieces.units) // 2 - first, 2, dtype=np.int64)
        step[0] = 2 * first + shift[0] + 1
        step[pair[1:] - first] += np.diff(shift)
        stored = np.cumsum(step, out=step)
        differ = np.take(self._pairs, stored, mode="clip")
        differ ^= pieces.units.view(np.uint64)[first:]
        differ = differ.view(np.uint32) != 0
        first *= 2
        differ &= pieces.inside[first:]
        bad = records[:, self._LENGTH] != pieces.lengths
        if differ.any():
            seen = np.zeros(len(differ) + 1, dtype=np.int32 if len(differ) < 2**31 else np.int64)
            np.cumsum(differ, out=seen[1:])
            at = pieces.starts - first
            bad |= seen[at + pieces.lengths] != seen[at]
        elif not bad.any() and found.all():
            return entries, values  # the usual case once warm
        entries[found & bad] = -2
        return entries, values

    def resolve(self, pieces: _Pieces, learn: Callable[[str, int, bool], np.ndarray]) -> np.ndarray:
        """The value of every piece of ``pieces``, learning and storing the unseen ones.

        ``learn(joined, n, store)`` returns the values of ``n`` pieces given
        joined by newlines. It is called once with the distinct unseen
        pieces (``store`` true: their values are then stored) and, if any,
        once more with the pieces whose hash belongs to another piece, stored
        or earlier in the batch (``store`` false: learned on every batch,
        never stored, so a collision costs time, not correctness).
        """
        entries, values = self._lookup(pieces)
        strays = [np.flatnonzero(entries == -2)]
        missing = np.flatnonzero(entries == -1)
        if len(missing):
            hashes, first, inverse, counts = np.unique(
                pieces.hashes[missing], return_index=True, return_inverse=True, return_counts=True
            )
            # The most frequent first: earlier entries win their home slot.
            order = np.argsort(-counts, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            hashes, first, inverse = hashes[order], first[order], rank[inverse]
            new = missing[first]
            lengths = pieces.lengths[missing]
            same = lengths == lengths[first][inverse]
            same[same] = _equal_runs(
                pieces.units, pieces.starts[missing][same], pieces.units,
                pieces.starts[new][inverse][same], lengths[same],
            )
            new_values = learn(pieces.joined(new), len(new), True)
            self.add(hashes, new_values, pieces.units, pieces.starts[new], pieces.lengths[new])
            values[missing] = new_values[inverse]
            strays.append(missing[~same])
        strays = np.concatenate(strays)
        if len(strays):
            values[strays] = learn(pieces.joined(strays), len(strays), False)
        return values

    def add(self, hashes: np.ndarray, values: np.ndarray, units: np.ndarray, starts: np.ndarray,
            lengths: np.ndarray) -> None:
        """Store new pieces (distinct hashes, none stored yet)."""
        first, n = self._n, self._n + len(hashes)
        total = int(lengths.sum())
        self._pairs = _grown(self._pairs, self._used + total + 1)
        new = units[_ranges(starts, lengths)]
        halves = self._pairs.view(np.uint32)
        used = self._used
        halves[2 * used + 1 : 2 * (used + total) + 1 : 2] = new  # high half of pair k: unit k
        halves[2 * used + 2 : 2 * (used + total) + 2 : 2] = new  # low half of pair k + 1
        if n > len(self._records):
            self._set_records(_grown(self._records, n))
        records = self._records[first:n]
        records[:, self._START] = self._used + _exclusive_cumsum(lengths)
        records[:, self._LENGTH] = lengths
        self._value_columns(records)[...] = values
        self._used += total
        self._n = n
        if 2 * n > len(self._slots):
            while 2 * n > (1 << self._bits):
                self._bits += 1
            # The hash of every entry, from the old slots and the new ones.
            old = self._slots[self._slots[:, 1] >= 0]
            every = np.empty(n, dtype=np.uint64)
            every[old[:, 1]] = old[:, 0].view(np.uint64)
            every[first:] = hashes
            self._set_slots(np.full((1 << self._bits, 2), -1, dtype=np.int64))
            self._place(every, np.arange(n))
        else:
            self._place(hashes, np.arange(first, n))

    def _place(self, hashes: np.ndarray, entries: np.ndarray) -> None:
        slot = self._home(hashes)
        mask = len(self._slots) - 1
        keys, held = self._slots[:, 0], self._slots[:, 1]
        # Where several entries reach the same free slot, the last write wins:
        # going from the last entry to the first, the earliest one does.
        pending = np.arange(len(hashes) - 1, -1, -1)
        while len(pending):
            where = slot[pending]
            free = held[where] < 0
            held[where[free]] = entries[pending[free]]
            placed = held[where] == entries[pending]
            keys[where[placed]] = hashes[pending[placed]].view(np.int64)
            pending = pending[~placed]
            slot[pending] = (slot[pending] + 1) & mask


def _text_batches(docs: list[str], max_chars: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive documents holding about ``max_chars`` code points."""
    start = size = 0
    for i, doc in enumerate(docs):
        size += len(doc) + 1
        if size >= max_chars:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(docs):
        yield start, len(docs)
