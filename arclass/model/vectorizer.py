"""TF-IDF features of Arabic text, compatible with scikit-learn.

:class:`ArabicTfidfVectorizer` gives the same matrix as scikit-learn's
``TfidfVectorizer(analyzer=vectorizer.build_analyzer(), ...)`` with the same
settings, but faster (:mod:`arclass.model.counting`). It imports neither
scikit-learn nor, until a sparse matrix is asked for, SciPy, so a saved
tagger starts quickly.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Iterable

import numpy as np

from ..text.ngrams import Analyzer, char_wb_ngrams, word_ngrams, words_and_char_wb_ngrams
from ..text.normalizer import Normalizer
from ..text.tokenizer import Tokenizer
from .counting import Counter, GrowingVocabulary
from .estimator import Estimator, InstanceOf, Interval, Options, Pair, Param, RealNotInt
from ..text.pieces import _ranges
from .sparse import SparseRows, count_pairs

__all__ = ["ArabicTfidfVectorizer", "SparseRows"]

_BOOL = (InstanceOf(bool),)


class ArabicTfidfVectorizer(Estimator):
    """Convert Arabic documents to a matrix of TF-IDF features.

    Attributes
    ----------
    vocabulary_ : dict of str -> int
        Column of each term; columns follow the sorted terms.
    idf_ : ndarray of shape (n_features,)
        Inverse document frequency of each term (ones without ``use_idf``).
    n_features_in_ : int
        Number of terms (same as ``len(vocabulary_)``).
    """

    #: Every parameter, once: __init__, validation, the docstring, what a
    #: model file saves and the flags of ``arclass train`` all come from here.
    parameters = (
        Param("normalizer", None, (None, InstanceOf(Normalizer, "a Normalizer")),
              "Character normalization; ``None`` means ``Normalizer()``.", flag=False),
        Param("numbers", "placeholder", (Options("keep", "placeholder", "drop"),),
              "Numbers as written, all as one placeholder token, or none."),
        Param("stem", False, _BOOL,
              "Light stemming (article, proclitics and frequent suffixes stripped).\n"
              "It pools the written forms of a word but also merges unrelated\n"
              "words (وزارة and زار)."),
        Param("stop_words", None, (None, Options("arabic"), InstanceOf((list, tuple, frozenset, set), "a list of words")),
              "Words dropped before counting (see :class:`~arclass.Tokenizer`);\n"
              "``\"arabic\"`` needs the arabic-stopwords package.",
              extra={"choices": ("arabic",)}),
        Param("analyzer", "word", (Options("word", "char_wb", "word+char_wb"),),
              "Count word n-grams, character n-grams inside word boundaries (of\n"
              "normalized words), or both: each word as a term ``[word]`` beside its\n"
              "character n-grams (``ngram_range`` is then that of the characters)."),
        Param("ngram_range", (1, 1), (Pair(Interval(int, 1, 10)),),
              "Lengths of the n-grams counted, in words or characters per ``analyzer``.",
              type_doc="tuple (min_n, max_n)"),
        Param("title_weight", 1, (Interval(int, 1, 10),),
              "Count the terms of the first line (a headline, when the text starts\n"
              "with one) this many times."),
        Param("min_df", 1, (Interval(int, 1, None), Interval(RealNotInt, 0.0, 1.0)),
              "Drop terms found in fewer documents (a float: a proportion of them)."),
        Param("max_df", 1.0, (Interval(int, 1, None), Interval(RealNotInt, 0.0, 1.0)),
              "Drop terms found in more documents (a float: a proportion of them)."),
        Param("max_features", None, (None, Interval(int, 1, None)),
              "Keep only the most frequent terms."),
        Param("sublinear_tf", True, _BOOL,
              "Use ``1 + log(tf)``: a word said ten times is not ten times the evidence."),
        Param("use_idf", True, _BOOL, "Inverse document frequency weighting."),
        Param("smooth_idf", True, _BOOL, "Smooth idf as scikit-learn does (one more document holding every term)."),
        Param("norm", "l2", (Options("l2", "l1", None),), "Row normalization."),
        Param("dtype", np.float64, (Options(np.float64, np.float32),), "Type of the matrix values.",
              saved=False, flag=False),
    )

    # -- analysis -----------------------------------------------------------

    def build_tokenizer(self) -> Tokenizer:
        """The :class:`~arclass.Tokenizer` these parameters describe."""
        return Tokenizer(
            self.normalizer, numbers=self.numbers, stem=self.stem, stop_words=self.stop_words
        )

    def build_analyzer(self) -> Callable[[str], list[str]]:
        """A callable from one document to its list of terms (n-grams)."""
        self.validate_params()
        tokenizer = self.build_tokenizer()
        low, high = self.ngram_range
        if self.analyzer == "word":
            if (low, high) == (1, 1):
                return tokenizer
            return Analyzer(tokenizer, word_ngrams, (low, high))
        if self.analyzer == "char_wb":
            return Analyzer(tokenizer, char_wb_ngrams, (low, high))
        return Analyzer(tokenizer, words_and_char_wb_ngrams, (low, high))

    def analysis_params(self) -> tuple:
        """The parameters that decide which terms a document has."""
        return (self.normalizer, self.numbers, self.stem, self.stop_words, self.analyzer, tuple(self.ngram_range),
                self.title_weight)

    def _weighted(self, docs: list[str]) -> list[str]:
        """The documents with their first line repeated ``title_weight`` times in all."""
        if self.title_weight == 1:
            return docs
        extra = self.title_weight - 1
        return [(doc.split("\n", 1)[0] + "\n") * extra + doc if "\n" in doc else doc for doc in docs]

    # -- fitting ------------------------------------------------------------

    def fit(self, raw_documents: Iterable[str], y=None) -> "ArabicTfidfVectorizer":
        """Learn the vocabulary and idf of ``raw_documents``."""
        self._fit_rows(raw_documents)
        return self

    def fit_transform(self, raw_documents: Iterable[str], y=None):
        """Learn vocabulary and idf; return the documents' TF-IDF matrix (CSR)."""
        return self._fit_rows(raw_documents).tocsr()

    def _fit_rows(self, raw_documents: Iterable[str]) -> SparseRows:
        counts, counter = self._count_terms(raw_documents)
        rows = self._fit_counts(counts)
        # What fit learned about raw pieces stays useful to transform.
        if counter.pieces is not None:
            counter.pieces.adopt(self.vocabulary_, self._term_columns[counts.rank])
            counter.vocabulary, counter.grow = self.vocabulary_, False
            counter.params = self.analysis_params()
            self._counter = counter
        else:
            self.__dict__.pop("_counter", None)
        return rows

    def _count_terms(self, raw_documents: Iterable[str]) -> tuple["TermCounts", Counter]:
        """Every term of every document counted once, over all the terms found, sorted.

        A :class:`TopicTagger` counts its training texts once and fits each
        cross-validation fold on rows of these counts (:meth:`_fit_counts`).
        """
        docs = _check_documents(raw_documents)
        self.validate_params()
        docs = self._weighted(docs)
        vocabulary = GrowingVocabulary()
        counter = Counter(self.build_analyzer(), vocabulary, grow=True)
        parts = [(rows + start, columns) for start, _, rows, columns in counter.occurrences(docs)]
        if not vocabulary:
            raise ValueError("empty vocabulary: the documents hold no words")
        # Count once, in the final column order: each term's rank among the
        # sorted terms, so that pruning keeps the columns sorted within rows.
        terms = sorted(vocabulary)
        by_rank = np.fromiter(map(vocabulary.__getitem__, terms), np.int64, len(terms))
        rank = np.empty(len(terms), dtype=np.int64)
        rank[by_rank] = np.arange(len(terms))
        rows = np.concatenate([r for r, _ in parts]) if parts else np.zeros(0, np.int64)
        columns = rank[np.concatenate([c for _, c in parts])] if parts else np.zeros(0, np.int64)
        counts = count_pairs(len(docs), rows, columns, len(terms))
        return TermCounts(counts, terms, rank), counter

    def _fit_counts(self, counts: "TermCounts", rows: np.ndarray | None = None) -> SparseRows:
        """Learn vocabulary and idf from ``rows`` of ``counts`` (all by default); their TF-IDF rows."""
        self.validate_params()
        part = counts.rows(rows)
        n_docs = part.n_rows
        df = np.bincount(part.indices, minlength=len(counts.terms))
        keep = self._feature_mask(df, part, n_docs) & (df > 0)
        # Nothing is learned until here: a failure above leaves no state.
        final = np.cumsum(keep) - 1
        final[~keep] = -1
        kept = np.flatnonzero(keep).tolist()
        self.vocabulary_ = dict(zip(map(counts.terms.__getitem__, kept), range(len(kept))))
        self.n_features_in_ = len(kept)
        if self.use_idf:
            n = float(n_docs + self.smooth_idf)
            self.idf_ = np.log(n / (df[keep] + self.smooth_idf)) + 1.0
        else:
            self.idf_ = np.ones(len(kept))
        self._term_columns = final
        self.__dict__.pop("_counter", None)
        return self._weight(_select_columns(part, final, len(kept)))

    def _transform_counts(self, counts: "TermCounts", rows: np.ndarray) -> SparseRows:
        """TF-IDF rows of ``rows`` of ``counts``, over what :meth:`_fit_counts` learned from the same counts."""
        return self._weight(_select_columns(counts.rows(rows), self._term_columns, len(self.vocabulary_)))

    def _feature_mask(self, df: np.ndarray, counts: SparseRows, n_docs: int) -> np.ndarray:
        high = self.max_df if isinstance(self.max_df, numbers.Integral) else self.max_df * n_docs
        low = self.min_df if isinstance(self.min_df, numbers.Integral) else self.min_df * n_docs
        if high < low:
            raise ValueError("ArabicTfidfVectorizer: max_df corresponds to fewer documents than min_df")
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
        self.validate_params()
        docs = _check_documents(raw_documents)
        return self._weight(self._transform_counter().count(self._weighted(docs)))

    def _transform_counter(self) -> Counter:
        """The counter over ``vocabulary_``, kept between calls for what it learns."""
        counter = self.__dict__.get("_counter")
        params = self.analysis_params()
        if counter is None or counter.vocabulary is not self.vocabulary_ or counter.params != params:
            counter = Counter(self.build_analyzer(), self.vocabulary_, grow=False)
            self._counter = counter
        counter.params = params
        return counter

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_counter", "_term_columns")}

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
            else:
                norms = np.bincount(rows, weights=np.abs(data), minlength=counts.n_rows)
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

    # -- saving -------------------------------------------------------------

    def saved_params(self) -> dict[str, Any]:
        """The parameters a model file records, as JSON values."""
        params = {p.name: getattr(self, p.name) for p in self.parameters if p.saved}
        params["ngram_range"] = list(params["ngram_range"])
        if params["stop_words"] is not None:
            # The words themselves: a model must not change when a stop-word package does.
            params["stop_words"] = sorted(self.build_tokenizer().stop_word_set)
        if params["normalizer"] is not None:
            params["normalizer"] = params["normalizer"].__getstate__()
        return params

    @classmethod
    def from_saved_params(cls, params: dict[str, Any]) -> "ArabicTfidfVectorizer":
        """The inverse of :meth:`saved_params`; ``ValueError`` for anything not allowed."""
        if not isinstance(params, dict):
            raise ValueError("vectorizer parameters must be an object")
        params = dict(params)
        saved = {p.name for p in cls.parameters if p.saved}
        unknown = set(params) - saved
        if unknown:
            raise ValueError(f"unknown vectorizer parameters {sorted(unknown)}")
        normalizer = params.get("normalizer")
        if normalizer is not None:
            options = set(Normalizer().__getstate__())
            if not isinstance(normalizer, dict) or set(normalizer) - options:
                raise ValueError("bad normalizer options")
            if not all(isinstance(v, bool) for v in normalizer.values()):
                raise ValueError("normalizer options must be true or false")
            params["normalizer"] = Normalizer(**normalizer)
        if isinstance(params.get("ngram_range"), list):
            params["ngram_range"] = tuple(params["ngram_range"])
        stop = params.get("stop_words")
        if isinstance(stop, list) and not all(isinstance(w, str) for w in stop):
            raise ValueError("stop_words must be a list of words")
        vectorizer = cls(**params)
        vectorizer.validate_params()
        return vectorizer


class TermCounts:
    """Term counts of documents over all the terms they hold: ``counts`` (CSR, columns in
    the order of the sorted ``terms``), and ``rank``, each term's column by first sight."""

    def __init__(self, counts: SparseRows, terms: list[str], rank: np.ndarray) -> None:
        self.counts, self.terms, self.rank = counts, terms, rank

    def rows(self, which: np.ndarray | None) -> SparseRows:
        """The counts of documents ``which`` (all when None), in that order."""
        counts = self.counts
        if which is None:
            return counts
        which = np.asarray(which, dtype=np.int64)
        starts, ends = counts.indptr[which], counts.indptr[which + 1]
        lengths = ends - starts
        indptr = np.zeros(len(which) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        take = _ranges(starts, lengths) if len(which) else np.zeros(0, np.int64)
        return SparseRows(indptr, counts.indices[take], counts.data[take], counts.n_features)


def _select_columns(counts: SparseRows, columns: np.ndarray, width: int) -> SparseRows:
    """``counts`` with column ``c`` renamed ``columns[c]``, and those renamed -1 dropped."""
    new = columns[counts.indices]
    present = new >= 0
    if present.all():
        return SparseRows(counts.indptr, new.astype(counts.indices.dtype), counts.data, width)
    rows = counts.row_ids()[present]
    indptr = np.zeros(counts.n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=counts.n_rows), out=indptr[1:])
    return SparseRows(indptr, new[present].astype(counts.indices.dtype), counts.data[present], width)


def _check_documents(raw_documents) -> list[str]:
    if isinstance(raw_documents, str):
        raise ValueError("expected an iterable of documents, got a single string")
    docs = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise TypeError(f"document {i} is {type(doc).__name__}, not str")
    return docs
