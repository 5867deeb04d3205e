"""Counting terms: raw text to (row, column) occurrences over a vocabulary.

For word unigrams and character n-grams within words (the analyzers whose
terms never cross whitespace), a batch of documents is never cut into Python
strings: it becomes one numpy array of code points, split at whitespace and
hashed by numpy (:mod:`arclass.text.pieces`); a table maps each raw piece to
its columns after comparing its code points (so a hash collision cannot
change a count), and only the pieces never seen before are decoded and
normalized, all together in a few regex passes. Other analyzers build each
term as a string.
"""

from __future__ import annotations

from itertools import chain, compress, repeat
from typing import Callable, Iterator, Sequence

import numpy as np

from ..text.ngrams import PER_WORD, Analyzer
from ..text.pieces import _grown, _Pieces, _PieceTable, _ranges, _text_batches
from ..text.tokenizer import CACHE_SIZE, Tokenizer, drop_noise
from .sparse import SparseRows, count_pairs

__all__ = ["GrowingVocabulary", "Counter"]


class GrowingVocabulary(dict):
    """A term -> column dict that gives each unseen term the next column."""

    def __missing__(self, term: str) -> int:
        column = self[term] = len(self)
        return column


# -- raw pieces to columns ----------------------------------------------------

#: Code points per batch of documents (a document longer than this is a batch).
_BATCH_CHARS = 1 << 18
#: Documents per batch for the analyzers that build every term as a string.
_BATCH_DOCS = 1000


class _PieceColumns:
    """Columns of each raw piece of text: the fast path of the per-word analyzers.

    A value is a column (>= 0), -1 for a piece with no known term (a stop
    word, punctuation, or terms outside a fixed vocabulary), or ``-2 - k``
    for a piece that yields several terms, whose columns are expansion
    ``k``: ``grams[starts[k]:starts[k] + lengths[k]]`` (-1 there: a term
    dropped from the vocabulary). The terms of a piece are its words, or
    with ``expand_many`` what it makes of them (character n-grams within words,
    which never cross a word; see :data:`arclass.text.ngrams.PER_WORD`). With ``grow``,
    unseen terms get new columns in ``vocabulary`` (a :class:`GrowingVocabulary`).
    """

    def __init__(self, tokenizer: Tokenizer, vocabulary: dict[str, int], grow: bool,
                 expand_many: Callable[[list[Sequence[str]]], tuple[list[str], np.ndarray]] | None = None) -> None:
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.grow = grow
        self.expand_many = expand_many
        self.table = _PieceTable()
        self._clear_expansions()

    def _clear_expansions(self) -> None:
        self._grams = np.zeros(1 << 12, dtype=np.int64)
        self._used = 0
        self._starts = np.zeros(1 << 10, dtype=np.int64)
        self._lengths = np.zeros(1 << 10, dtype=np.int64)
        self._n = 0

    def columns(self, pieces: _Pieces) -> np.ndarray:
        """The value of every piece; learns the unseen ones."""
        table = self.table
        if len(table) >= CACHE_SIZE:
            table.clear()
            self._clear_expansions()
        return table.resolve(pieces, self._learn)

    def _learn(self, joined: str, n: int, store: bool = True) -> np.ndarray:
        """Values of ``n`` raw pieces joined by newlines (what ``Tokenizer.terms_of_many`` does, to columns).

        A value does not depend on ``store`` (:meth:`_PieceTable.resolve`).
        """
        tokenizer = self.tokenizer
        lines, stems, words = tokenizer.fold_pieces(joined, n)
        values = np.full(n, -1, dtype=np.int64)
        terms_of = tokenizer.terms_of_folded
        if self.expand_many is not None:
            grams, lengths = self.expand_many(
                [(stem,) if word else terms_of(line) for line, stem, word in zip(lines, stems, words.tolist())]
            )
            return self._values_of(grams, lengths)
        which = np.flatnonzero(words)
        terms = compress(stems, words.tolist())
        if self.grow:
            values[which] = np.fromiter(map(self.vocabulary.__getitem__, terms), np.int64, len(which))
        else:
            values[which] = np.fromiter(map(self.vocabulary.get, terms, repeat(-1)), np.int64, len(which))
        other = np.flatnonzero(~words)
        if len(other):
            term_lists = [terms_of(lines[i]) for i in other.tolist()]
            lengths = np.fromiter(map(len, term_lists), np.int64, len(other))
            values[other] = self._values_of(list(chain.from_iterable(term_lists)), lengths)
        return values

    def _values_of(self, terms: list[str], lengths: np.ndarray) -> np.ndarray:
        """Values of the pieces whose terms are ``terms``, ``lengths[i]`` of them for piece ``i``, in order."""
        if self.grow:
            columns = np.fromiter(map(self.vocabulary.__getitem__, terms), np.int64, len(terms))
        else:
            columns = np.fromiter(map(self.vocabulary.get, terms, repeat(-1)), np.int64, len(terms))
            known = columns >= 0
            if not known.all():
                piece = np.repeat(np.arange(len(lengths)), lengths)[known]
                columns = columns[known]
                lengths = np.bincount(piece, minlength=len(lengths))
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        values = np.full(len(lengths), -1, dtype=np.int64)
        one = lengths == 1
        values[one] = columns[starts[one]]
        multi = np.flatnonzero(lengths > 1)
        if len(multi):
            k, sizes = self._n, lengths[multi]
            total = int(sizes.sum())
            n = len(multi)
            self._starts = _grown(self._starts, k + n)
            self._lengths = _grown(self._lengths, k + n)
            self._grams = _grown(self._grams, self._used + total)
            self._starts[k : k + n] = self._used + np.cumsum(sizes) - sizes
            self._lengths[k : k + n] = sizes
            self._grams[self._used : self._used + total] = columns[_ranges(starts[multi], sizes)]
            self._used += total
            self._n = k + n
            values[multi] = -2 - np.arange(k, k + n)
        return values

    def expand(self, rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every term occurrence, given each piece's row and value."""
        known = values >= 0
        if known.all():
            return rows, values
        multi = np.flatnonzero(values < -1)
        if not len(multi):
            return rows[known], values[known]
        k = -2 - values[multi]
        lengths = self._lengths[k]
        columns = self._grams[_ranges(self._starts[k], lengths)]
        multi_rows = np.repeat(rows[multi], lengths)
        if not self.grow:
            kept = columns >= 0
            columns, multi_rows = columns[kept], multi_rows[kept]
        return np.concatenate([rows[known], multi_rows]), np.concatenate([values[known], columns])

    def adopt(self, vocabulary: dict[str, int], new_columns: np.ndarray) -> None:
        """Switch to a fixed ``vocabulary``: column ``c`` becomes ``new_columns[c]`` (-1: dropped)."""
        values = self.table.values
        known = values >= 0
        values[known] = new_columns[values[known]]
        self._grams[: self._used] = new_columns[self._grams[: self._used]]
        self.vocabulary = vocabulary
        self.grow = False


class Counter:
    """Counts the terms of documents over a vocabulary.

    Word unigrams and per-word expansions (character n-grams within words)
    go through :class:`_PieceColumns`; word n-grams are built as strings first. With ``grow``, unseen
    terms get new columns (``vocabulary`` must then be a
    :class:`GrowingVocabulary`); otherwise they are dropped.
    """

    def __init__(self, analyzer, vocabulary: dict[str, int], grow: bool) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.grow = grow
        self._setup()

    def _setup(self) -> None:
        analyzer = self.analyzer
        if isinstance(analyzer, Tokenizer):
            self.pieces = _PieceColumns(analyzer, self.vocabulary, self.grow)
        elif isinstance(analyzer, Analyzer) and analyzer.expand in PER_WORD:
            self.pieces = _PieceColumns(analyzer.tokenizer, self.vocabulary, self.grow, analyzer.expand_many)
        else:
            self.pieces = None

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
        parts = [count_pairs(stop - start, rows, columns, len(self.vocabulary))
                 for start, stop, rows, columns in self.occurrences(docs)]  # a growing vocabulary grows here
        return SparseRows.concatenate(parts, len(self.vocabulary))
