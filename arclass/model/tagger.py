"""Multi-label topic tagging: TF-IDF features and one linear model per label.

:class:`TopicTagger` learns, for each label, a logistic regression on
:class:`~arclass.ArabicTfidfVectorizer` features, and a decision threshold
chosen on out-of-fold probabilities, so that "no tag" is an answer the model
gives when no label is likely enough. scikit-learn is needed to ``fit``;
a fitted or loaded tagger predicts with numpy alone.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from typing import Iterable, Sequence

import numpy as np

from .._version import __version__
from .estimator import Estimator, InstanceOf, Interval, Options, Param
from .metrics import best_threshold, scores_table, sigmoid
from .modelfile import ModelFileError, read_model, write_model
from .vectorizer import ArabicTfidfVectorizer

__all__ = ["TopicTagger", "ModelFileError", "training_checksum"]


def _binarize(label_lists: Sequence[Sequence[str]], classes: list[str] | None = None):
    label_lists = [list(labels) for labels in label_lists]
    for i, labels in enumerate(label_lists):
        if not all(isinstance(label, str) and label for label in labels):
            raise ValueError(f"labels of document {i} must be non-empty strings: {labels!r}")
    if classes is None:
        classes = sorted({label for labels in label_lists for label in labels})
    index = {label: k for k, label in enumerate(classes)}
    Y = np.zeros((len(label_lists), len(classes)), dtype=bool)
    for i, labels in enumerate(label_lists):
        for label in labels:
            if label in index:
                Y[i, index[label]] = True
    return Y, classes


class TopicTagger(Estimator):
    """Tag texts with any number of topics, or none.

    Attributes
    ----------
    classes_ : list of str (or of int, for a tagger fitted on an indicator matrix)
        The labels, sorted.
    indicator_ : bool
        Whether ``fit`` was given a binary indicator matrix; :meth:`predict`
        then returns one too.
    vectorizer_ : ArabicTfidfVectorizer
        The fitted feature extractor.
    coef_ : ndarray of shape (n_labels, n_features)
    intercept_ : ndarray of shape (n_labels,)
    thresholds_ : ndarray of shape (n_labels,)
        Probability at or above which each label is given.
    cv_scores_ : dict
        Out-of-fold precision, recall, F1 and support per label, micro and
        macro (at the chosen thresholds, so slightly optimistic).
    training_ : dict
        Number of documents, label counts and SHA-256 of the training data.
    """

    _estimator_type = "classifier"

    parameters = (
        Param("vectorizer", None, (InstanceOf(ArabicTfidfVectorizer, "an ArabicTfidfVectorizer"),),
              "The feature extractor, cloned before fitting.", factory=ArabicTfidfVectorizer,
              type_doc="ArabicTfidfVectorizer", saved=False),
        Param("C", 30.0, (Interval(float, 0.0, None, "neither"),),
              "Inverse regularization strength of each label's logistic regression\n"
              "(chosen by cross-validation on the built-in data; benchmarks/README.md)."),
        Param("class_weight", "balanced", (Options("balanced", None),),
              "Weigh each label's positives and negatives equally, since most\n"
              "documents do not carry a given topic."),
        Param("cv", 5, (Interval(int, 2, None),),
              "Folds of the cross-validation that chooses the thresholds and\n"
              "estimates the scores."),
        Param("threshold", "cv", (Options("cv"), Interval(float, 0.0, 1.0, "neither")),
              "Per-label thresholds chosen to maximize each label's out-of-fold F1,\n"
              "or one fixed probability for every label."),
        Param("random_state", 0, (Interval(int, 0, None),), "Seed of the fold assignment."),
        Param("max_iter", 1000, (Interval(int, 1, None),), "Iterations allowed to each logistic regression."),
        Param("verbose", 0, (Interval(int, 0, None),), "Progress on stderr while fitting: 0 none, 1 a line per step.",
              saved=False),
    )

    def _say(self, message: str) -> None:
        if self.verbose:
            import sys

            print(f"arclass: {message}", file=sys.stderr, flush=True)

    # -- fitting ------------------------------------------------------------

    def fit(self, X: Iterable[str], y) -> "TopicTagger":
        """Learn from texts ``X`` and their label lists ``y`` (empty list: no tag).

        ``y`` may also be a binary indicator matrix (one column per label, as
        made by scikit-learn's ``MultiLabelBinarizer``); ``classes_`` are then
        the column numbers and :meth:`predict` returns such a matrix. Use that
        form with ``GridSearchCV``, which does not accept lists of lists.
        """
        from sklearn.base import clone

        self.validate_params()
        if isinstance(X, str):
            raise TypeError("X must be an iterable of str, not one str")
        texts = list(X)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("X must be an iterable of str")
        if len(texts) != _n_rows(y):
            raise ValueError(f"{len(texts)} texts but {_n_rows(y)} label lists")
        if self.cv > len(texts):
            raise ValueError(f"TopicTagger: parameter 'cv' ({self.cv}) exceeds the number of documents ({len(texts)})")
        indicator = _is_indicator(y)
        if indicator:
            Y = _indicator(y)
            classes = list(range(Y.shape[1]))
        else:
            Y, classes = _binarize(y)
        if not classes:
            raise ValueError("no labels in y: at least one document must carry a label")
        for k, label in enumerate(classes):
            positives = int(Y[:, k].sum())
            if positives < 2 or len(texts) - positives < 2:
                raise ValueError(
                    f"label {label!r} needs at least 2 documents with it and 2 without "
                    f"(has {positives} of {len(texts)})"
                )

        self._say(f"counting the terms of {len(texts)} documents")
        vectorizer = clone(self.vectorizer)
        counts, _ = vectorizer._count_terms(texts)  # once, for every fold and the final fit
        probabilities = self._out_of_fold(counts, Y, self.vectorizer)
        if self.threshold == "cv":
            thresholds = [best_threshold(Y[:, k], probabilities[:, k]) for k in range(len(classes))]
        else:
            thresholds = [float(self.threshold)] * len(classes)
        self._say(f"fitting the final model on {len(texts)} documents")
        features = vectorizer._fit_counts(counts).tocsr()
        coef, intercept = self._fit_linear(features, Y)
        # Learned state is set only once everything has succeeded.
        self.indicator_ = indicator
        self.thresholds_ = np.asarray(thresholds)
        self.cv_scores_ = scores_table(Y, probabilities >= self.thresholds_, [str(c) for c in classes])
        self.vectorizer_ = vectorizer
        self.coef_, self.intercept_ = coef, intercept
        self.classes_ = classes
        self.n_features_in_ = features.shape[1]
        self.training_ = {
            "n_documents": len(texts),
            "label_counts": {str(label): int(Y[:, k].sum()) for k, label in enumerate(classes)},
            "no_label": int((~Y.any(axis=1)).sum()),
            "sha256": training_checksum(
                texts, [[str(classes[k]) for k in np.flatnonzero(row)] for row in Y]
            ),
        }
        return self

    def _fit_linear(self, features, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.linear_model import LogisticRegression

        coef = np.zeros((Y.shape[1], features.shape[1]))
        intercept = np.zeros(Y.shape[1])
        for k in range(Y.shape[1]):
            if Y[:, k].all() or not Y[:, k].any():
                # A fold can lack a rare label: predict it never (or always).
                intercept[k] = 30.0 if Y[:, k].all() else -30.0
                continue
            model = LogisticRegression(
                C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=self.max_iter
            )
            model.fit(features, Y[:, k])
            coef[k] = model.coef_[0]
            intercept[k] = model.intercept_[0]
        return coef, intercept

    def _folds(self, Y: np.ndarray):
        from sklearn.model_selection import KFold, StratifiedKFold

        # Stratify on the label combination, pooling combinations too rare to
        # spread over the folds, so every fold sees every label.
        keys = np.array(["|".join(map(str, np.flatnonzero(row))) for row in Y])
        values, counts = np.unique(keys, return_counts=True)
        rare = set(values[counts < self.cv])
        keys = np.array([("rare" if key in rare else key) for key in keys])
        if min(np.unique(keys, return_counts=True)[1]) >= self.cv:
            return StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state).split(keys, keys)
        return KFold(self.cv, shuffle=True, random_state=self.random_state).split(keys)

    def _out_of_fold(self, counts, Y: np.ndarray, vectorizer) -> np.ndarray:
        """Out-of-fold probabilities; each fold fits on rows of the counts made once for all."""
        from sklearn.base import clone

        probabilities = np.zeros(Y.shape)
        for fold, (train, test) in enumerate(self._folds(Y), 1):
            self._say(f"cross-validation fold {fold} of {self.cv} ({len(train)} documents)")
            fold_vectorizer = clone(vectorizer)
            features = fold_vectorizer._fit_counts(counts, train).tocsr()
            coef, intercept = self._fit_linear(features, Y[train])
            rows = fold_vectorizer._transform_counts(counts, test)
            probabilities[test] = sigmoid(rows.dot(coef) + intercept)
        return probabilities

    # -- predicting ---------------------------------------------------------

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Linear score of each label for each text, shape (n_texts, n_labels)."""
        self._check_fitted("coef_")
        rows = self.vectorizer_.transform_rows(_texts(X))
        return rows.dot(self.coef_) + self.intercept_

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probability of each label for each text, shape (n_texts, n_labels)."""
        return sigmoid(self.decision_function(X))

    def predict(self, X: Iterable[str]):
        """The labels of each text: those at or above their threshold (maybe none).

        A list of label lists; or, for a tagger fitted on a binary indicator
        matrix, an indicator matrix (as scikit-learn's multi-label classifiers do).
        """
        proba = self.predict_proba(X)
        if self.indicator_:
            return (proba >= self.thresholds_).astype(int)
        return self.labels_from_proba(proba)

    def labels_from_proba(
        self,
        proba: np.ndarray,
        thresholds: np.ndarray | float | dict[str, float] | None = None,
        top_k: int | None = None,
    ) -> list[list[str]]:
        """Turn probabilities into label lists.

        ``thresholds`` overrides the learned ones: one number for all labels,
        or a dict of some labels' thresholds. ``top_k`` keeps at most the
        ``k`` most probable labels that pass.
        """
        cut = self.resolve_thresholds(thresholds)
        passed = proba >= cut
        out = []
        for row, ok in zip(proba, passed):
            chosen = [k for k in np.argsort(-row, kind="stable") if ok[k]]
            if top_k is not None:
                chosen = chosen[:top_k]
            out.append([self.classes_[k] for k in chosen])
        return out

    def resolve_thresholds(self, thresholds=None) -> np.ndarray:
        """The learned thresholds with ``thresholds`` (number or dict) applied."""
        self._check_fitted("thresholds_")
        cut = self.thresholds_.copy()
        if thresholds is None:
            return cut
        if isinstance(thresholds, dict):
            for label, value in thresholds.items():
                names = [str(c) for c in self.classes_]
                if str(label) not in names:
                    raise ValueError(f"unknown label {label!r}; labels: {', '.join(names)}")
                cut[names.index(str(label))] = float(value)
            return cut
        return np.full_like(cut, float(thresholds))

    def tag(self, text: str) -> list[str]:
        """The labels of one text."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return self.predict([text])[0]

    def explain(self, text: str, top: int | None = None):
        """Why ``text`` gets each label or not: one
        :class:`~arclass.model.contributions.LabelExplanation` per label,
        most probable first (see :func:`arclass.model.contributions.explain`)."""
        from .contributions import explain

        return explain(self, text, top=top)

    def score(self, X: Iterable[str], y) -> float:
        """Micro-averaged F1 of :meth:`predict` against label lists (or an indicator matrix) ``y``."""
        return self.evaluate(X, y)["micro"]["f1"]

    def evaluate(self, X: Iterable[str], y) -> dict[str, dict]:
        """Per-label precision, recall, F1 and support, micro and macro averages.

        Labels in ``y`` that the model does not know are ignored (see
        :meth:`unknown_labels`).
        """
        self._check_fitted("coef_")
        Y_true = _indicator(y) if _is_indicator(y) else _binarize(y, self.classes_)[0]
        Y_pred = self.predict_proba(X) >= self.thresholds_
        return scores_table(Y_true, Y_pred, [str(c) for c in self.classes_])

    def unknown_labels(self, y: Sequence[Sequence[str]]) -> list[str]:
        """The labels of ``y`` that this model does not know, sorted."""
        known = {str(c) for c in self.classes_}
        return sorted({str(label) for labels in y for label in labels} - known)

    # -- persistence --------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted tagger to ``path`` (see :mod:`arclass.model.modelfile`)."""
        self._check_fitted("coef_")
        meta = {
            "arclass_version": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "labels": [str(c) for c in self.classes_],
            "label_type": "int" if self.indicator_ else "str",
            "thresholds": [float(t) for t in self.thresholds_],
            "intercept": [float(b) for b in self.intercept_],
            "vectorizer": self.vectorizer_.saved_params(),
            "tagger": {p.name: getattr(self, p.name) for p in self.parameters if p.saved},
            "training": self.training_,
            "cv_scores": self.cv_scores_,
        }
        names = self.vectorizer_.get_feature_names_out().tolist()
        write_model(path, meta, names, self.vectorizer_.idf_, self.coef_)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TopicTagger":
        """Read a tagger written by :meth:`save`. Never executes code from the file."""
        meta, vocabulary, idf, coef = read_model(path)
        try:
            vectorizer = ArabicTfidfVectorizer.from_saved_params(meta["vectorizer"])
            tagger = cls(**meta.get("tagger", {}))
            tagger.validate_params()
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: invalid parameters in model.json ({exc})") from None
        vectorizer.vocabulary_ = vocabulary
        vectorizer.idf_ = idf
        vectorizer.n_features_in_ = len(vocabulary)
        tagger.vectorizer_ = vectorizer
        tagger.indicator_ = meta.get("label_type") == "int"
        tagger.classes_ = [int(x) for x in meta["labels"]] if tagger.indicator_ else list(meta["labels"])
        tagger.coef_ = coef
        tagger.intercept_ = np.asarray(meta["intercept"], dtype=np.float64)
        tagger.thresholds_ = np.asarray(meta["thresholds"], dtype=np.float64)
        tagger.n_features_in_ = len(vocabulary)
        tagger.training_ = meta.get("training", {})
        tagger.cv_scores_ = meta.get("cv_scores", {})
        tagger.metadata_ = {k: v for k, v in meta.items() if k not in ("files",)}
        return tagger


def _is_indicator(y) -> bool:
    return hasattr(y, "shape") and len(y.shape) == 2


def _indicator(y) -> np.ndarray:
    Y = y.toarray() if hasattr(y, "toarray") else np.asarray(y)
    if not np.isin(Y, (0, 1)).all():
        raise ValueError("an indicator matrix y must hold only 0 and 1")
    return Y.astype(bool)


def _n_rows(y) -> int:
    return y.shape[0] if hasattr(y, "shape") else len(y)


def _texts(X) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected an iterable of texts, got one str (use tag() for one text)")
    return X if isinstance(X, list) else list(X)


def training_checksum(texts: Sequence[str], label_lists: Sequence[Sequence[str]]) -> str:
    """SHA-256 of the training texts and labels, in order."""
    digest = hashlib.sha256()
    for text, labels in zip(texts, label_lists):
        digest.update(json.dumps([text, sorted(labels)], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
