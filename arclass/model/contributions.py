"""What each term of a document contributed to each label's decision (numpy only).

A label's decision value (its log-odds) is linear in the document's TF-IDF
features, so each ``tfidf(term) x coef(term)`` is exactly what that term
contributed. :func:`explain` (and :meth:`TopicTagger.explain`) returns them
as one :class:`LabelExplanation` per label; :mod:`arclass.explain` shows
them on the document's own words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from .metrics import sigmoid

__all__ = ["LabelExplanation", "explain", "label_explanations", "split_terms"]


@dataclass(frozen=True)
class LabelExplanation:
    """Why one label was given to a document, or not.

    Attributes
    ----------
    label : str
        The label.
    score : float
        Its probability, ``sigmoid(decision)``, as ``predict_proba`` gives it.
    threshold : float
        The probability at or above which the label is given.
    tagged : bool
        Whether the label is given (``score >= threshold``), as ``predict`` does.
    decision : float
        The linear score: ``intercept + other + sum of all contributions``
        listed in ``positive`` and ``negative``.
    intercept : float
        The label's intercept (its decision value for an empty document).
    positive : list of (term, contribution)
        Terms that pushed towards the label, strongest first.
    negative : list of (term, contribution)
        Terms that pushed against it (negative contributions), strongest first.
    other : float
        Sum of the contributions left out of the two lists (0.0 when all
        are listed).
    n_other : int
        How many terms with a non-zero contribution were left out.
    """

    label: str
    score: float
    threshold: float
    tagged: bool
    decision: float
    intercept: float
    positive: list[tuple[str, float]]
    negative: list[tuple[str, float]]
    other: float = 0.0
    n_other: int = 0

    def contributions(self) -> dict[str, float]:
        """The listed terms' contributions, by term."""
        return dict(self.positive + self.negative)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (term lists as ``[term, contribution]`` pairs)."""
        out = asdict(self)
        out["positive"] = [list(pair) for pair in self.positive]
        out["negative"] = [list(pair) for pair in self.negative]
        return out


def split_terms(
    terms: Sequence[str], contributions: np.ndarray, top: int | None = None
) -> tuple[list[tuple[str, float]], list[tuple[str, float]], float, int]:
    """The strongest terms for and against, what is left over, and how many.

    Terms with a zero contribution are in neither list; ties are broken by
    the term, so the order does not depend on the vocabulary.
    """
    if top is not None and top < 0:
        raise ValueError(f"top must be None or >= 0, not {top!r}")
    pairs = [(str(t), float(c)) for t, c in zip(terms, contributions) if c != 0.0]
    positive = sorted((p for p in pairs if p[1] > 0), key=lambda p: (-p[1], p[0]))
    negative = sorted((p for p in pairs if p[1] < 0), key=lambda p: (p[1], p[0]))
    if top is None:
        return positive, negative, 0.0, 0
    rest = positive[top:] + negative[top:]
    return positive[:top], negative[:top], float(sum(c for _, c in rest)), len(rest)


def label_explanations(
    classes: Sequence[Any],
    terms: Sequence[str],
    values: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    decision: np.ndarray,
    thresholds: np.ndarray,
    *,
    top: int | None = None,
) -> list[LabelExplanation]:
    """One :class:`LabelExplanation` per label, most probable first.

    ``terms`` and ``values`` are the document's non-zero features (term and
    TF-IDF value); ``coef`` holds the labels' coefficients of those features
    only, shape ``(n_labels, len(terms))``; ``decision`` is the decision
    value of each label, as the tagger computes it.
    """
    contributions = np.asarray(values)[None, :] * np.asarray(coef)
    score = sigmoid(np.asarray(decision, dtype=np.float64))
    out = []
    for k in np.argsort(-score, kind="stable"):
        positive, negative, other, n_other = split_terms(terms, contributions[k], top)
        out.append(
            LabelExplanation(
                label=classes[k],
                score=float(score[k]),
                threshold=float(thresholds[k]),
                tagged=bool(score[k] >= thresholds[k]),
                decision=float(decision[k]),
                intercept=float(intercept[k]),
                positive=positive,
                negative=negative,
                other=other,
                n_other=n_other,
            )
        )
    return out


def explain(tagger, text: str, top: int | None = None) -> list[LabelExplanation]:
    """Why ``tagger`` gives ``text`` each label or not, most probable label first.

    A term's contribution to a label is its TF-IDF value in ``text`` times
    the label's coefficient; the intercept plus all contributions is the
    label's decision value. ``top`` keeps only the ``top`` strongest terms
    for and against each label (the rest are summed in ``other``); ``None``
    lists them all.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    tagger._check_fitted("coef_")
    rows = tagger.vectorizer_.transform_rows([text])
    columns, values = rows.indices, rows.data
    terms = tagger.vectorizer_.get_feature_names_out()[columns]
    decision = rows.dot(tagger.coef_)[0] + tagger.intercept_
    return label_explanations(
        tagger.classes_, terms, values, tagger.coef_[:, columns], tagger.intercept_,
        decision, tagger.thresholds_, top=top,
    )
