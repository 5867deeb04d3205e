"""TF-IDF features of Arabic text, compatible with scikit-learn.

:class:`ArabicTfidfVectorizer` gives the same matrix as scikit-learn's
``TfidfVectorizer(analyzer=vectorizer.build_analyzer(), ...)`` with the same
settings, but faster. For word unigrams (the default) a batch of documents is
never cut into Python strings: it becomes one numpy array of code points,
split at whitespace and hashed by numpy; a hash table maps each piece to its
column after comparing its code points (so a hash collision cannot change a
count), and only the pieces never seen before are decoded and normalized,
all together in a few regex passes. Counting is one sort per batch. It
imports neither scikit-learn nor, until a sparse matrix is asked for, SciPy,
so a saved tagger starts quickly.
"""

from __future__ import annotations

import numbers
import pickle
import uuid
from itertools import chain, compress, repeat
from typing import Callable, Iterable, Iterator

import numpy as np

from .base import Estimator
from .normalizer import Normalizer
from .tokenizer import CACHE_SIZE, Tokenizer, drop_noise

__all__ = ["ArabicTfidfVectorizer", "SparseRows"]


class SparseRows:
    """CSR parts (``indptr``, ``indices``, ``data``) of a documents-by-terms matrix.

    The numpy-only form of the vectorizer's output: the tagger multiplies it
    by its weights without SciPy; :meth:`tocsr` wraps it for everyone else.
    """

    __slots__ = ("indptr", "indices", "data", "n_features")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_features: int):
        self.indptr = indptr
        self.indices = indices
        self.data = data
        self.n_features = n_features

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def row_ids(self) -> np.ndarray:
        """The row of every stored value."""
        return np.repeat(np.arange(self.n_rows), np.diff(self.indptr))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``self @ weights.T`` for a dense ``(n_outputs, n_features)`` array."""
        rows = self.row_ids()
        out = np.empty((self.n_rows, weights.shape[0]))
        for k, w in enumerate(weights):
            out[:, k] = np.bincount(rows, weights=self.data * w[self.indices], minlength=self.n_rows)
        return out

    def tocsr(self):
        import scipy.sparse as sp

        return sp.csr_matrix(
            (self.data, self.indices, self.indptr), shape=(self.n_rows, self.n_features)
        )

    @classmethod
    def concatenate(cls, parts: list["SparseRows"], n_features: int) -> "SparseRows":
        if not parts:
            return cls(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0), n_features)
        if len(parts) == 1:
            return parts[0]
        offsets = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
        indptr = np.concatenate([parts[0].indptr[:1]] + [p.indptr[1:] + o for p, o in zip(parts, offsets)])
        return cls(
            indptr,
            np.concatenate([p.indices for p in parts]),
            np.concatenate([p.data for p in parts]),
            n_features,
        )


class _GrowingVocabulary(dict):
    """A term -> column dict that gives each unseen term the next column."""

    def __missing__(self, term: str) -> int:
        column = self[term] = len(self)
        return column


def _word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams += map(" ".join, zip(*(tokens[i:] for i in range(n))))
    return grams


def _char_wb_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams: list[str] = []
    for token in tokens:
        word = f" {token} "
        for n in range(low, high + 1):
            grams += [word[i : i + n] for i in range(len(word) - n + 1)]
    return grams


class _Analyzer:
    """Tokenize, then expand into n-grams (a class so that it pickles)."""

    def __init__(self, tokenizer: Tokenizer, expand, ngram_range: tuple[int, int]):
        self.tokenizer = tokenizer
        self.expand = expand
        self.ngram_range = ngram_range

    def __call__(self, doc: str) -> list[str]:
        return self.expand(self.tokenizer(doc), self.ngram_range)


# -- pieces of text as numpy arrays -------------------------------------------

#: Code points per batch of documents (a document longer than this is a batch).
_BATCH_CHARS = 1 << 18
#: Documents per batch for the analyzers that build every term as a string.
_BATCH_DOCS = 1000

_WHITESPACE: np.ndarray | None = None


def _whitespace() -> np.ndarray:
    """Which code points ``str.split()`` splits on, as a lookup table."""
    global _WHITESPACE
    if _WHITESPACE is None:
        table = np.zeros(0x110000, dtype=bool)
        # Every Unicode whitespace character lies in the BMP.
        table[[c for c in range(0x10000) if chr(c).isspace()]] = True
        _WHITESPACE = table
    return _WHITESPACE


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
    shift = np.repeat(starts - _exclusive_cumsum(lengths), lengths)
    shift += np.arange(len(shift))
    return shift


def _equal_runs(a: np.ndarray, a_starts: np.ndarray, b: np.ndarray, b_starts: np.ndarray,
                lengths: np.ndarray) -> np.ndarray:
    """Whether ``a[a_starts[i]:][:lengths[i]]`` equals ``b[b_starts[i]:][:lengths[i]]``, for each i."""
    positions = _ranges(a_starts, lengths)
    other = positions + np.repeat(b_starts - a_starts, lengths)
    differ = a[positions] != b[other]
    equal = np.ones(len(lengths), dtype=bool)
    if differ.any():
        run_ends = np.cumsum(lengths)
        equal[np.searchsorted(run_ends, np.flatnonzero(differ), side="right")] = False
    return equal


class _Pieces:
    """The whitespace-separated pieces of a batch of texts, as numpy arrays.

    ``units`` holds the code points of the texts joined by spaces (``inside``
    marks those that are not whitespace); piece ``i`` is
    ``units[starts[i]:starts[i] + lengths[i]]``, and ``hashes[i]`` a 64-bit
    polynomial hash of it. ``per_text`` counts the pieces of each text.
    Code points, not UTF-16 units: a lone surrogate stays one unit.
    """

    __slots__ = ("units", "inside", "starts", "lengths", "hashes", "per_text")

    def __init__(self, texts: list[str]) -> None:
        joined = " ".join(texts)
        units = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        inside = np.take(_whitespace(), units)
        np.logical_not(inside, out=inside)
        edges = np.diff(inside.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        text_ends = np.cumsum([len(t) + 1 for t in texts])
        self.per_text = np.diff(np.searchsorted(starts, text_ends), prepend=0)
        power, inverse = _powers(len(units))
        prefix = np.zeros(len(units) + 1, dtype=np.uint64)
        np.cumsum(units * power[: len(units)], out=prefix[1:])
        self.hashes = (prefix[ends] - prefix[starts]) * inverse[starts]
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
    grown = np.zeros(max(size, 2 * len(array)), dtype=array.dtype)
    grown[: len(array)] = array
    return grown


class _PieceTable:
    """An exact map from pieces (runs of code points) to int64 values.

    A piece is looked up by its hash (open addressing, linear probing, all
    vectorized), then its code points are compared with the stored ones:
    a piece whose hash is already taken by another is simply not stored.
    """

    _MIX = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._bits = 16
        self._keys = np.zeros(1 << self._bits, dtype=np.uint64)
        self._slots = np.full(1 << self._bits, -1, dtype=np.int64)
        self._n = self._used = 0
        self._values = np.zeros(1 << 12, dtype=np.int64)
        self._hashes = np.zeros(1 << 12, dtype=np.uint64)
        self._starts = np.zeros(1 << 12, dtype=np.int64)
        self._lengths = np.zeros(1 << 12, dtype=np.int64)
        self._units = np.zeros(1 << 16, dtype=np.uint32)

    def __len__(self) -> int:
        return self._n

    @property
    def values(self) -> np.ndarray:
        """The value of each entry (a view: assignable)."""
        return self._values[: self._n]

    def values_of(self, entries: np.ndarray) -> np.ndarray:
        """The values of ``entries``, with garbage for negative ones."""
        return self._values[entries]

    def _home(self, hashes: np.ndarray) -> np.ndarray:
        return ((hashes * self._MIX) >> np.uint64(64 - self._bits)).astype(np.intp)

    def find(self, hashes: np.ndarray) -> np.ndarray:
        """The entry holding each hash, or -1 (the code points are not compared)."""
        slot = self._home(hashes)
        entry = self._slots[slot]
        hit = self._keys[slot] == hashes
        out = np.where(hit, entry, -1)
        pending = np.flatnonzero(~hit & (entry >= 0))
        mask = len(self._slots) - 1
        while len(pending):
            slot[pending] = where = (slot[pending] + 1) & mask
            entry = self._slots[where]
            hit = self._keys[where] == hashes[pending]
            out[pending[hit]] = entry[hit]
            pending = pending[~hit & (entry >= 0)]
        return out

    def lookup(self, pieces: _Pieces) -> np.ndarray:
        """The entry of each piece: -1 if not stored, -2 if its hash belongs to another piece."""
        if not self._n:
            return np.full(len(pieces), -1, dtype=np.int64)
        entries = self.find(pieces.hashes)
        if (entries >= 0).all() and (self._lengths[entries] == pieces.lengths).all():
            # All found (the usual case once warm): every code point of the
            # batch against its stored copy, in one pass.
            inner = np.flatnonzero(pieces.inside)
            stored = np.repeat(self._starts[entries] - pieces.starts, pieces.lengths)
            stored += inner
            if np.array_equal(self._units[stored], pieces.units[inner]):
                return entries
        found = np.flatnonzero(entries >= 0)
        same = self._holds(entries[found], pieces.units, pieces.starts[found], pieces.lengths[found])
        entries[found[~same]] = -2
        return entries

    def _holds(self, entries: np.ndarray, units: np.ndarray, starts: np.ndarray,
               lengths: np.ndarray) -> np.ndarray:
        """Whether entry ``entries[i]`` is the piece ``units[starts[i]:][:lengths[i]]``."""
        same = self._lengths[entries] == lengths
        which = np.flatnonzero(same)
        same[which] = _equal_runs(units, starts[which], self._units, self._starts[entries[which]], lengths[which])
        return same

    def add(self, hashes: np.ndarray, values: np.ndarray, units: np.ndarray, starts: np.ndarray,
            lengths: np.ndarray) -> None:
        """Store new pieces (distinct hashes, none stored yet)."""
        first, n = self._n, self._n + len(hashes)
        total = int(lengths.sum())
        self._units = _grown(self._units, self._used + total)
        self._units[self._used : self._used + total] = units[_ranges(starts, lengths)]
        self._values = _grown(self._values, n)
        self._hashes = _grown(self._hashes, n)
        self._starts = _grown(self._starts, n)
        self._lengths = _grown(self._lengths, n)
        self._values[first:n] = values
        self._hashes[first:n] = hashes
        self._starts[first:n] = self._used + _exclusive_cumsum(lengths)
        self._lengths[first:n] = lengths
        self._used += total
        self._n = n
        if 2 * n > len(self._slots):
            while 2 * n > (1 << self._bits):
                self._bits += 1
            self._keys = np.zeros(1 << self._bits, dtype=np.uint64)
            self._slots = np.full(1 << self._bits, -1, dtype=np.int64)
            self._place(self._hashes[:n], np.arange(n))
        else:
            self._place(hashes, np.arange(first, n))

    def _place(self, hashes: np.ndarray, entries: np.ndarray) -> None:
        slot = self._home(hashes)
        mask = len(self._slots) - 1
        pending = np.arange(len(hashes))
        while len(pending):
            where = slot[pending]
            free = self._slots[where] < 0
            # Several pieces may reach the same free slot: one write wins.
            self._slots[where[free]] = entries[pending[free]]
            placed = self._slots[where] == entries[pending]
            self._keys[where[placed]] = hashes[pending[placed]]
            pending = pending[~placed]
            slot[pending] = (slot[pending] + 1) & mask


def _single_arabic_words(folded: str, n_lines: int) -> np.ndarray:
    """Which of the ``n_lines`` lines of ``folded`` are one word of Arabic letters."""
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    newline = codes == ord("\n")
    line = np.cumsum(newline)
    other = ((codes < 0x0621) | (codes > 0x064A)) & ~newline
    words = np.ones(n_lines, dtype=bool)
    words[line[other]] = False
    bounds = np.concatenate(([-1], np.flatnonzero(newline), [len(codes)]))
    words &= np.diff(bounds) > 1
    return words


class _PieceColumns:
    """Column of each raw piece of text: the unigram fast path.

    A value is a column (>= 0), -1 for a piece with no known term (a stop
    word, punctuation, or a term outside a fixed vocabulary), or ``-2 - k``
    for a piece that yields several terms, whose columns are ``expansions[k]``.
    With ``grow``, unseen terms get new columns in ``vocabulary`` (a
    :class:`_GrowingVocabulary`).
    """

    def __init__(self, tokenizer: Tokenizer, vocabulary: dict[str, int], grow: bool) -> None:
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.grow = grow
        self.table = _PieceTable()
        self.expansions: list[list[int]] = []

    def columns(self, pieces: _Pieces) -> np.ndarray:
        """The value of every piece; learns the unseen ones."""
        table = self.table
        if len(table) >= CACHE_SIZE:
            table.clear()
            self.expansions = []
        entries = table.lookup(pieces)
        values = table.values_of(entries)
        strays = [np.flatnonzero(entries == -2)]  # their hash belongs to another piece
        missing = np.flatnonzero(entries == -1)
        if len(missing):
            hashes, first, inverse = np.unique(pieces.hashes[missing], return_index=True, return_inverse=True)
            new = missing[first]
            lengths = pieces.lengths[missing]
            same = lengths == lengths[first][inverse]
            same[same] = _equal_runs(
                pieces.units, pieces.starts[missing][same], pieces.units,
                pieces.starts[new][inverse][same], lengths[same],
            )
            new_values = self._learn(pieces.joined(new), len(new))
            table.add(hashes, new_values, pieces.units, pieces.starts[new], pieces.lengths[new])
            values[missing] = new_values[inverse]
            strays.append(missing[~same])
        strays = np.concatenate(strays)
        if len(strays):
            values[strays] = self._learn(pieces.joined(strays), len(strays))
        return values

    def _learn(self, joined: str, n: int) -> np.ndarray:
        """Values of ``n`` raw pieces joined by newlines (what ``terms_of_many`` does, to columns)."""
        tokenizer = self.tokenizer
        _, lines, stems = tokenizer._fold_lines(joined)
        words = _single_arabic_words(_, n)
        if tokenizer._stop:
            words &= ~np.fromiter(map(tokenizer._stop.__contains__, lines), dtype=bool, count=n)
        values = np.full(n, -1, dtype=np.int64)
        which = np.flatnonzero(words)
        terms = compress(stems, words.tolist())
        if self.grow:
            values[which] = np.fromiter(map(self.vocabulary.__getitem__, terms), np.int64, len(which))
        else:
            values[which] = np.fromiter(map(self.vocabulary.get, terms, repeat(-1)), np.int64, len(which))
        terms_of = tokenizer._terms_of_folded
        for i in np.flatnonzero(~words).tolist():
            values[i] = self._columns_of(terms_of(lines[i]))
        return values

    def _columns_of(self, terms: tuple[str, ...]) -> int:
        if self.grow:
            columns = [self.vocabulary[t] for t in terms]
        else:
            columns = [c for c in map(self.vocabulary.get, terms, repeat(-1)) if c >= 0]
        if len(columns) == 1:
            return columns[0]
        if not columns:
            return -1
        self.expansions.append(columns)
        return -1 - len(self.expansions)

    def expand(self, rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every term occurrence, given each piece's row and value."""
        known = values >= 0
        if known.all():
            return rows, values
        multi = np.flatnonzero(values < -1)
        if not len(multi):
            return rows[known], values[known]
        expanded = [self.expansions[-2 - v] for v in values[multi].tolist()]
        return (
            np.concatenate([rows[known], np.repeat(rows[multi], [len(e) for e in expanded])]),
            np.concatenate([values[known], np.fromiter(chain.from_iterable(expanded), np.int64)]),
        )

    def adopt(self, vocabulary: dict[str, int], new_columns: np.ndarray) -> None:
        """Switch to a fixed ``vocabulary``: column ``c`` becomes ``new_columns[c]`` (-1: dropped)."""
        values = self.table.values
        known = values >= 0
        values[known] = new_columns[values[known]]
        self.expansions = [[int(new_columns[c]) for c in e if new_columns[c] >= 0] for e in self.expansions]
        self.vocabulary = vocabulary
        self.grow = False


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


def _count(n_rows: int, rows: np.ndarray, columns: np.ndarray, width: int) -> SparseRows:
    """CSR counts of (row, column) occurrences; columns sorted within rows."""
    keys = rows * max(width, 1) + columns
    keys.sort()
    if len(keys):
        first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        counts = np.diff(np.append(first, len(keys)))
        rows, columns = np.divmod(keys[first], max(width, 1))
    else:
        counts = np.zeros(0, dtype=np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    index = np.int32 if width < 2**31 else np.int64
    return SparseRows(indptr, columns.astype(index), counts.astype(np.float64), width)


class _Counter:
    """Counts the terms of documents over a vocabulary.

    Unigram word analysis goes through :class:`_PieceColumns`; other
    analyzers build their terms as strings first. With ``grow``, unseen
    terms get new columns (``vocabulary`` must then be a
    :class:`_GrowingVocabulary`); otherwise they are dropped.
    """

    def __init__(self, analyzer, vocabulary: dict[str, int], grow: bool) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.grow = grow
        self._setup()

    def _setup(self) -> None:
        fast = isinstance(self.analyzer, Tokenizer)
        self.pieces = _PieceColumns(self.analyzer, self.vocabulary, self.grow) if fast else None

    def __getstate__(self) -> dict:
        return {"analyzer": self.analyzer, "vocabulary": self.vocabulary, "grow": self.grow}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._setup()

    def occurrences(self, docs: list[str]) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """Per batch: (start, stop, row in the batch, column) of every term occurrence."""
        if self.pieces is not None:
            for start, stop in _text_batches(docs, _BATCH_CHARS):
                pieces = _Pieces([drop_noise(d) for d in docs[start:stop]])
                rows, columns = self.pieces.expand(pieces.rows(), self.pieces.columns(pieces))
                yield start, stop, rows, columns
            return
        vocabulary = self.vocabulary
        for start in range(0, len(docs), _BATCH_DOCS):
            stop = min(start + _BATCH_DOCS, len(docs))
            terms: list[str] = []
            lengths = []
            for doc in docs[start:stop]:
                doc_terms = self.analyzer(doc)
                terms += doc_terms
                lengths.append(len(doc_terms))
            if self.grow:
                lookup = map(vocabulary.__getitem__, terms)
            else:
                lookup = map(vocabulary.get, terms, repeat(-1))
            columns = np.fromiter(lookup, dtype=np.int64, count=len(terms))
            rows = np.repeat(np.arange(stop - start), lengths)
            known = columns >= 0
            yield start, stop, rows[known], columns[known]

    def count(self, docs: list[str]) -> SparseRows:
        """Term counts of ``docs`` (columns sorted within rows)."""
        width = len(self.vocabulary)
        parts = [_count(stop - start, rows, columns, width) for start, stop, rows, columns in self.occurrences(docs)]
        return SparseRows.concatenate(parts, width)


# -- worker processes -----------------------------------------------------------

#: In a worker: the counter of the vocabulary last seen, by its key.
_WORKER_COUNTER: dict[str, _Counter] = {}


def _count_in_worker(key: str, blob: bytes, docs: list[str]) -> SparseRows:
    counter = _WORKER_COUNTER.get(key)
    if counter is None:
        counter = pickle.loads(blob)
        _WORKER_COUNTER.clear()
        _WORKER_COUNTER[key] = counter
    return counter.count(docs)


def _count_in_parallel(counter: _Counter, docs: list[str], n_jobs: int) -> SparseRows:
    """``counter.count(docs)`` by this process and ``n_jobs - 1`` workers.

    Documents go in slices: workers take them from the end, this process
    from the front, until they meet. Workers keep their counter (and what it
    learns) between calls, so it is sent as bytes and unpickled only once.
    """
    from joblib.externals.loky import get_reusable_executor

    key, blob = counter.__dict__.get("_shipped") or (None, None)
    if key is None:
        key, blob = uuid.uuid4().hex, pickle.dumps(counter, protocol=pickle.HIGHEST_PROTOCOL)
        counter._shipped = (key, blob)
    n_slices = 4 * n_jobs
    bounds = np.linspace(0, len(docs), n_slices + 1).astype(int).tolist()
    slices = list(zip(bounds[:-1], bounds[1:]))
    executor = get_reusable_executor(max_workers=n_jobs - 1)
    results: dict[int, object] = {}
    front, back = 0, len(slices)
    in_flight: list[tuple[int, object]] = []
    while front < back or in_flight:
        while front < back and len(in_flight) < 2 * (n_jobs - 1):
            back -= 1
            start, stop = slices[back]
            in_flight.append((back, executor.submit(_count_in_worker, key, blob, docs[start:stop])))
        if front < back:
            start, stop = slices[front]
            results[front] = counter.count(docs[start:stop])
            front += 1
        else:
            index, future = in_flight.pop(0)
            results[index] = future.result()
        done = [item for item in in_flight if item[1].done()]
        for index, future in done:
            results[index] = future.result()
            in_flight.remove((index, future))
    return SparseRows.concatenate([results[i] for i in range(len(slices))], len(counter.vocabulary))


class ArabicTfidfVectorizer(Estimator):
    """Convert Arabic documents to a matrix of TF-IDF features.

    Parameters
    ----------
    normalizer : Normalizer or None, default=None
        Character normalization; ``None`` means ``Normalizer()``.
    numbers : {"keep", "placeholder", "drop"}, default="placeholder"
        Numbers as written, all as one placeholder token, or none.
    stem : bool, default=False
        Light stemming (article, proclitics and frequent suffixes stripped).
        It pools the written forms of a word but also merges unrelated words
        (وزارة and زار); on held-out news it scored lower, so it is off.
    stop_words : "arabic", list of str or None, default=None
        Words dropped before counting (see :class:`~arclass.Tokenizer`).
    analyzer : {"word", "char_wb"}, default="word"
        Count word n-grams, or character n-grams inside word boundaries
        (of normalized, stemmed words).
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Lengths of the n-grams counted, in words or characters per ``analyzer``.
    min_df, max_df : int or float, default=1 and 1.0
        Drop terms found in fewer than ``min_df`` or more than ``max_df``
        documents (a float is a proportion of the documents).
    max_features : int or None, default=None
        Keep only the most frequent terms.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)``: a word said ten times is not ten times the evidence.
    use_idf, smooth_idf : bool, default=True
        Inverse document frequency weighting, smoothed as in scikit-learn.
    norm : {"l2", "l1", None}, default="l2"
        Row normalization.
    n_jobs : int or None, default=None
        Worker processes for :meth:`transform` (joblib); ``None`` is one,
        ``-1`` all cores. Output is identical whatever the number.
    dtype : numpy dtype, default=numpy.float64
        Type of the matrix values.

    Attributes
    ----------
    vocabulary_ : dict of str -> int
        Column of each term; columns follow the sorted terms.
    idf_ : ndarray of shape (n_features,)
        Inverse document frequency of each term (ones without ``use_idf``).
    n_features_in_ : int
        Number of terms (same as ``len(vocabulary_)``).
    """

    def __init__(
        self,
        *,
        normalizer: Normalizer | None = None,
        numbers: str = "placeholder",
        stem: bool = False,
        stop_words=None,
        analyzer: str = "word",
        ngram_range: tuple[int, int] = (1, 1),
        min_df: float = 1,
        max_df: float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        use_idf: bool = True,
        smooth_idf: bool = True,
        norm: str | None = "l2",
        n_jobs: int | None = None,
        dtype=np.float64,
    ) -> None:
        self.normalizer = normalizer
        self.numbers = numbers
        self.stem = stem
        self.stop_words = stop_words
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.norm = norm
        self.n_jobs = n_jobs
        self.dtype = dtype

    # -- analysis -----------------------------------------------------------

    def build_tokenizer(self) -> Tokenizer:
        """The :class:`~arclass.Tokenizer` these parameters describe."""
        return Tokenizer(
            self.normalizer, numbers=self.numbers, stem=self.stem, stop_words=self.stop_words
        )

    def build_analyzer(self) -> Callable[[str], list[str]]:
        """A callable from one document to its list of terms (n-grams)."""
        tokenizer = self.build_tokenizer()
        low, high = self.ngram_range
        if not (isinstance(low, numbers.Integral) and isinstance(high, numbers.Integral) and 1 <= low <= high):
            raise ValueError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n, not {self.ngram_range!r}")
        if self.analyzer == "word":
            if (low, high) == (1, 1):
                return tokenizer
            return _Analyzer(tokenizer, _word_ngrams, (low, high))
        if self.analyzer == "char_wb":
            return _Analyzer(tokenizer, _char_wb_ngrams, (low, high))
        raise ValueError(f"analyzer must be 'word' or 'char_wb', not {self.analyzer!r}")

    # -- fitting ------------------------------------------------------------

    def fit(self, raw_documents: Iterable[str], y=None) -> "ArabicTfidfVectorizer":
        """Learn the vocabulary and idf of ``raw_documents``."""
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents: Iterable[str], y=None):
        """Learn vocabulary and idf; return the documents' TF-IDF matrix (CSR)."""
        return self._fit_rows(raw_documents).tocsr()

    def _fit_rows(self, raw_documents: Iterable[str]) -> SparseRows:
        docs = _check_documents(raw_documents)
        vocabulary = _GrowingVocabulary()
        counter = _Counter(self.build_analyzer(), vocabulary, grow=True)
        parts = [(rows + start, columns) for start, _, rows, columns in counter.occurrences(docs)]
        if not vocabulary:
            raise ValueError("empty vocabulary: the documents hold no words")
        # Count once, in the final column order: each term's rank among the
        # sorted terms, so that pruning keeps the columns sorted within rows.
        terms = list(vocabulary)
        by_rank = np.fromiter(map(vocabulary.__getitem__, sorted(terms)), np.int64, len(terms))
        rank = np.empty(len(terms), dtype=np.int64)
        rank[by_rank] = np.arange(len(terms))
        rows = np.concatenate([r for r, _ in parts]) if parts else np.zeros(0, np.int64)
        columns = rank[np.concatenate([c for _, c in parts])] if parts else np.zeros(0, np.int64)
        counts = _count(len(docs), rows, columns, len(terms))
        del rows, columns, parts

        df = np.bincount(counts.indices, minlength=len(terms))
        keep = self._feature_mask(df, counts, len(docs))
        final = np.cumsum(keep) - 1
        final[~keep] = -1
        kept = by_rank[keep].tolist()
        self.vocabulary_ = dict(zip(map(terms.__getitem__, kept), range(len(kept))))
        self.n_features_in_ = len(kept)
        if self.use_idf:
            n = float(len(docs) + self.smooth_idf)
            self.idf_ = np.log(n / (df[keep] + self.smooth_idf)) + 1.0
        else:
            self.idf_ = np.ones(len(kept))

        if not keep.all():
            present = keep[counts.indices]
            rows = counts.row_ids()[present]
            indptr = np.zeros(len(docs) + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=len(docs)), out=indptr[1:])
            counts = SparseRows(indptr, counts.indices[present], counts.data[present], len(terms))
        indices = final[counts.indices].astype(counts.indices.dtype)
        kept_counts = SparseRows(counts.indptr, indices, counts.data, len(kept))

        # What fit learned about raw pieces stays useful to transform.
        if counter.pieces is not None:
            counter.pieces.adopt(self.vocabulary_, final[rank])
            counter.vocabulary, counter.grow = self.vocabulary_, False
            counter.params = self._analysis_params()
            self._counter = counter
        else:
            self.__dict__.pop("_counter", None)
        return self._weight(kept_counts)

    def _feature_mask(self, df: np.ndarray, counts: SparseRows, n_docs: int) -> np.ndarray:
        high = self.max_df if isinstance(self.max_df, numbers.Integral) else self.max_df * n_docs
        low = self.min_df if isinstance(self.min_df, numbers.Integral) else self.min_df * n_docs
        if high < low:
            raise ValueError("max_df corresponds to fewer documents than min_df")
        mask = (df <= high) & (df >= low)
        if self.max_features is not None and mask.sum() > self.max_features:
            tf = np.bincount(counts.indices, weights=counts.data, minlength=len(df))
            candidates = np.flatnonzero(mask)
            best = candidates[np.argsort(-tf[candidates], kind="stable")[: self.max_features]]
            mask = np.zeros_like(mask)
            mask[best] = True
        if not mask.any():
            raise ValueError("after pruning, no terms remain; try a lower min_df or a higher max_df")
        return mask

    # -- transforming -------------------------------------------------------

    def transform(self, raw_documents: Iterable[str]):
        """TF-IDF matrix (CSR) of ``raw_documents`` over the fitted vocabulary."""
        return self.transform_rows(raw_documents).tocsr()

    def transform_rows(self, raw_documents: Iterable[str]) -> SparseRows:
        """Like :meth:`transform`, as numpy CSR parts (no SciPy needed)."""
        self._check_fitted("vocabulary_")
        docs = _check_documents(raw_documents)
        counter = self._transform_counter()
        n_jobs = _effective_jobs(self.n_jobs)
        if n_jobs > 1 and len(docs) >= 8 * n_jobs:
            counts = _count_in_parallel(counter, docs, n_jobs)
        else:
            counts = counter.count(docs)
        return self._weight(counts)

    def _analysis_params(self) -> tuple:
        return (self.normalizer, self.numbers, self.stem, self.stop_words, self.analyzer, tuple(self.ngram_range))

    def _transform_counter(self) -> _Counter:
        """The counter over ``vocabulary_``, kept between calls for what it learns."""
        counter = self.__dict__.get("_counter")
        params = self._analysis_params()
        if counter is None or counter.vocabulary is not self.vocabulary_ or counter.params != params:
            counter = _Counter(self.build_analyzer(), self.vocabulary_, grow=False)
            self._counter = counter
        counter.params = params
        return counter

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_counter"}

    def _weight(self, counts: SparseRows) -> SparseRows:
        data = counts.data.astype(self.dtype, copy=True)
        if self.sublinear_tf:
            np.log(data, out=data)
            data += 1.0
        data *= self.idf_[counts.indices]
        if self.norm is not None:
            rows = counts.row_ids()
            if self.norm == "l2":
                norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.n_rows))
            elif self.norm == "l1":
                norms = np.bincount(rows, weights=np.abs(data), minlength=counts.n_rows)
            else:
                raise ValueError(f"norm must be 'l2', 'l1' or None, not {self.norm!r}")
            norms[norms == 0.0] = 1.0
            data /= norms[rows]
        return SparseRows(counts.indptr, counts.indices, data, counts.n_features)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The terms, in column order."""
        self._check_fitted("vocabulary_")
        names = np.empty(len(self.vocabulary_), dtype=object)
        for term, column in self.vocabulary_.items():
            names[column] = term
        return names


def _check_documents(raw_documents) -> list[str]:
    if isinstance(raw_documents, str):
        raise ValueError("expected an iterable of documents, got a single string")
    docs = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise TypeError(f"document {i} is {type(doc).__name__}, not str")
    return docs


def _effective_jobs(n_jobs: int | None) -> int:
    if n_jobs is None or n_jobs == 1:
        return 1
    if n_jobs < 0:
        import os

        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)
