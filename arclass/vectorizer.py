"""TF-IDF features of Arabic text, compatible with scikit-learn.

:class:`ArabicTfidfVectorizer` gives the same matrix as scikit-learn's
``TfidfVectorizer(analyzer=vectorizer.build_analyzer(), ...)`` with the same
settings, but counts faster: the per-token work (normalizing, finding words,
looking up their column) runs in C through ``re``, ``str`` methods and
``map`` over dicts, and the matrix is assembled with numpy. It imports
neither scikit-learn nor, until a sparse matrix is asked for, SciPy, so a
saved tagger starts quickly.
"""

from __future__ import annotations

import numbers
from itertools import chain, repeat
from typing import Callable, Iterable

import numpy as np

from .base import Estimator
from .normalizer import Normalizer
from .tokenizer import CACHE_SIZE, Tokenizer

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
            return cls(np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0), n_features)
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


_UNSEEN = -(2**62)
#: Documents whose tokens are looked up together in the fast path.
_CHUNK = 1000


class _ColumnCache(dict):
    """Raw token -> column, filled on demand: the unigram fast path.

    A value is a column (>= 0), -1 for a token with no known term (a stop
    word, or a term outside a fixed vocabulary), or ``-2 - k`` for a raw
    token that yields several terms, whose columns are ``expansions[k]``.
    """

    def __init__(self, tokenizer: Tokenizer, vocabulary: dict[str, int], grow: bool):
        super().__init__()
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.grow = grow
        self.expansions: list[list[int]] = []

    def __missing__(self, raw: str) -> int:
        return self._store(raw, self.tokenizer.terms_of_raw(raw))

    def learn(self, raws: list[str]) -> None:
        """Add many distinct raw tokens at once (one normalization call)."""
        if len(self) + len(raws) > CACHE_SIZE:
            self.clear()
        vocabulary = self.vocabulary
        lookup = vocabulary.__getitem__ if self.grow else vocabulary.get
        default = () if self.grow else (-1,)
        for raw, terms in zip(raws, self.tokenizer.terms_of_many(raws)):
            if len(terms) == 1:
                self[raw] = lookup(terms[0], *default)
            else:
                self[raw] = self._columns_of(terms)

    def _store(self, raw: str, terms: tuple[str, ...]) -> int:
        if len(self) >= CACHE_SIZE:
            self.clear()
        value = self[raw] = self._columns_of(terms)
        return value

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


class _Counter:
    """Counts the terms of documents into CSR parts over a vocabulary.

    Unigram word analysis maps raw tokens straight to columns through a
    :class:`_ColumnCache`, one C-level dict lookup per token; other analyzers
    build their terms as strings first. With ``grow``, unseen terms get new
    columns (``vocabulary`` must then be a :class:`_GrowingVocabulary`);
    otherwise they are dropped.
    """

    def __init__(self, analyzer, vocabulary: dict[str, int], grow: bool):
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.grow = grow

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_columns"}

    def count(self, docs: list[str]) -> SparseRows:
        if isinstance(self.analyzer, Tokenizer):
            rows, columns = self._columns_fast(docs)
        else:
            rows, columns = self._columns_of_terms(docs)
        n_docs = len(docs)
        width = max(len(self.vocabulary), 1)
        keys, counts = np.unique(rows * width + columns, return_counts=True)
        rows, columns = np.divmod(keys, width)
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
        return SparseRows(indptr, columns, counts.astype(np.float64), len(self.vocabulary))

    def _columns_fast(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        cache = self.__dict__.get("_columns")
        if cache is None:
            cache = self._columns = _ColumnCache(self.analyzer, self.vocabulary, self.grow)
        raw_tokens = self.analyzer.raw_tokens
        parts = []
        lengths = []
        for start in range(0, len(docs), _CHUNK):
            tokens: list[str] = []
            for doc in docs[start : start + _CHUNK]:
                doc_tokens = raw_tokens(doc)
                tokens += doc_tokens
                lengths.append(len(doc_tokens))
            # Look every token up once; learn the unseen ones in one batch.
            columns = np.fromiter(map(cache.get, tokens, repeat(_UNSEEN)), np.int64, len(tokens))
            unseen = np.flatnonzero(columns == _UNSEEN)
            if len(unseen):
                missing = [tokens[i] for i in unseen]
                cache.learn(list(dict.fromkeys(missing)))
                columns[unseen] = np.fromiter(map(cache.__getitem__, missing), np.int64, len(missing))
            parts.append(columns)
        columns = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        known = columns >= 0
        multi = np.flatnonzero(columns < -1)
        if not len(multi):
            return rows[known], columns[known]
        expanded = [cache.expansions[-2 - c] for c in columns[multi]]
        return (
            np.concatenate([rows[known], np.repeat(rows[multi], [len(e) for e in expanded])]),
            np.concatenate([columns[known], np.fromiter(chain.from_iterable(expanded), np.int64)]),
        )

    def _columns_of_terms(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        terms: list[str] = []
        lengths = []
        for doc in docs:
            doc_terms = self.analyzer(doc)
            terms += doc_terms
            lengths.append(len(doc_terms))
        vocabulary = self.vocabulary
        if self.grow:
            lookup = map(vocabulary.__getitem__, terms)
        else:
            lookup = map(vocabulary.get, terms, repeat(-1))
        columns = np.fromiter(lookup, dtype=np.int64, count=len(terms))
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        known = columns >= 0
        return rows[known], columns[known]


class ArabicTfidfVectorizer(Estimator):
    """Convert Arabic documents to a matrix of TF-IDF features.

    Parameters
    ----------
    normalizer : Normalizer or None, default=None
        Character normalization; ``None`` means ``Normalizer()``.
    numbers : {"keep", "placeholder", "drop"}, default="placeholder"
        Numbers as written, all as one placeholder token, or none.
    stem : bool, default=True
        Light stemming (article, proclitics and frequent suffixes stripped),
        which pools the many written forms of a word in small training sets.
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
        stem: bool = True,
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
        analyzer = self.build_analyzer()
        vocabulary = _GrowingVocabulary()
        counts = _Counter(analyzer, vocabulary, grow=True).count(docs)
        n_docs = counts.n_rows
        if not vocabulary:
            raise ValueError("empty vocabulary: the documents hold no words")

        terms = np.array(list(vocabulary), dtype=object)
        df = np.bincount(counts.indices, minlength=len(terms))
        keep = self._feature_mask(df, counts, n_docs)
        order = np.argsort(terms[keep].astype(str), kind="stable")
        kept_columns = np.flatnonzero(keep)[order]
        remap = np.full(len(terms), -1, dtype=np.int64)
        remap[kept_columns] = np.arange(len(kept_columns))

        self.vocabulary_ = {str(t): i for i, t in enumerate(terms[kept_columns])}
        self.__dict__.pop("_counter", None)
        self.n_features_in_ = len(self.vocabulary_)
        if self.use_idf:
            df_kept = df[kept_columns].astype(np.float64)
            n = float(n_docs + self.smooth_idf)
            self.idf_ = np.log(n / (df_kept + self.smooth_idf)) + 1.0
        else:
            self.idf_ = np.ones(len(kept_columns))

        columns = remap[counts.indices]
        present = columns >= 0
        rows = counts.row_ids()[present]
        columns = columns[present]
        order = np.lexsort((columns, rows))
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
        kept = SparseRows(indptr, columns[order], counts.data[present][order], len(self.vocabulary_))
        return self._weight(kept)

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
        counter = self.__dict__.get("_counter")
        if counter is None:
            counter = self._counter = _Counter(self.build_analyzer(), self.vocabulary_, grow=False)
        n_jobs = _effective_jobs(self.n_jobs)
        if n_jobs > 1 and len(docs) >= 2 * n_jobs:
            from joblib import Parallel, delayed

            bounds = np.linspace(0, len(docs), n_jobs + 1).astype(int)
            parts = Parallel(n_jobs=n_jobs)(
                delayed(counter.count)(docs[start:stop])
                for start, stop in zip(bounds[:-1], bounds[1:])
            )
            counts = SparseRows.concatenate(parts, len(self.vocabulary_))
        else:
            counts = counter.count(docs)
        return self._weight(counts)

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
