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
from itertools import compress, repeat
from typing import Callable, Iterable, Iterator

import numpy as np

from .base import Estimator
from .normalizer import Normalizer
from .pieces import _grown, _Pieces, _PieceTable, _ranges, _text_batches
from .tokenizer import CACHE_SIZE, Tokenizer, _single_arabic_words, drop_noise

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
    with ``char_range`` the character n-grams of its words
    (``analyzer="char_wb"``), which never cross a word. With ``grow``,
    unseen terms get new columns in ``vocabulary`` (a :class:`_GrowingVocabulary`).
    """

    def __init__(self, tokenizer: Tokenizer, vocabulary: dict[str, int], grow: bool,
                 char_range: tuple[int, int] | None = None) -> None:
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.grow = grow
        self.char_range = char_range
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
        """Values of ``n`` raw pieces joined by newlines (what ``terms_of_many`` does, to columns).

        A value does not depend on ``store`` (:meth:`_PieceTable.resolve`).
        """
        tokenizer = self.tokenizer
        folded, lines, stems = tokenizer._fold_lines(joined)
        words = _single_arabic_words(folded, n)
        if tokenizer._stop:
            words &= ~np.fromiter(map(tokenizer._stop.__contains__, lines), dtype=bool, count=n)
        values = np.full(n, -1, dtype=np.int64)
        terms_of = tokenizer._terms_of_folded
        if self.char_range is not None:
            grams = self.char_range
            for i, (line, stem, word) in enumerate(zip(lines, stems, words.tolist())):
                values[i] = self._columns_of(_char_wb_ngrams((stem,) if word else terms_of(line), grams))
            return values
        which = np.flatnonzero(words)
        terms = compress(stems, words.tolist())
        if self.grow:
            values[which] = np.fromiter(map(self.vocabulary.__getitem__, terms), np.int64, len(which))
        else:
            values[which] = np.fromiter(map(self.vocabulary.get, terms, repeat(-1)), np.int64, len(which))
        for i in np.flatnonzero(~words).tolist():
            values[i] = self._columns_of(terms_of(lines[i]))
        return values

    def _columns_of(self, terms) -> int:
        if self.grow:
            columns = [self.vocabulary[t] for t in terms]
        else:
            columns = [c for c in map(self.vocabulary.get, terms, repeat(-1)) if c >= 0]
        if len(columns) == 1:
            return columns[0]
        if not columns:
            return -1
        k, size = self._n, len(columns)
        self._starts = _grown(self._starts, k + 1)
        self._lengths = _grown(self._lengths, k + 1)
        self._grams = _grown(self._grams, self._used + size)
        self._starts[k], self._lengths[k] = self._used, size
        self._grams[self._used : self._used + size] = columns
        self._used += size
        self._n = k + 1
        return -2 - k

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


def _count(n_rows: int, rows: np.ndarray, columns: np.ndarray, width: int) -> SparseRows:
    """CSR counts of (row, column) occurrences; columns sorted within rows."""
    width = max(width, 1)
    if n_rows * width < 2**32:  # smaller keys sort faster
        keys = rows.astype(np.uint32)
        keys *= np.uint32(width)
        keys += columns.astype(np.uint32)
    else:
        keys = rows * width + columns
    keys.sort()
    if len(keys):
        first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        counts = np.diff(np.append(first, len(keys)))
        rows, columns = np.divmod(keys[first].astype(np.int64), width)
    else:
        counts = np.zeros(0, dtype=np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    index = np.int32 if width < 2**31 else np.int64
    return SparseRows(indptr, columns.astype(index), counts.astype(np.float64), width)


class _Counter:
    """Counts the terms of documents over a vocabulary.

    Word unigrams and character n-grams within words go through
    :class:`_PieceColumns`; word n-grams are built as strings first. With ``grow``, unseen
    terms get new columns (``vocabulary`` must then be a
    :class:`_GrowingVocabulary`); otherwise they are dropped.
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
        elif isinstance(analyzer, _Analyzer) and analyzer.expand is _char_wb_ngrams:
            self.pieces = _PieceColumns(analyzer.tokenizer, self.vocabulary, self.grow, analyzer.ngram_range)
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
