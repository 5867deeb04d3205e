"""Scores of a multi-label tagger: thresholds, the score table and its rendering.

:func:`scores_table` is the one score table of arclass (per label, micro and
macro), computed by ``sklearn.metrics``; :func:`render_scores` draws it as
plain text, Markdown or HTML. Tagging never needs any of this except
:func:`sigmoid`, which is numpy only.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["sigmoid", "best_threshold", "scores_table", "render_scores"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings for large ``|x|``."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def best_threshold(y_true: np.ndarray, scores: np.ndarray) -> float:
    """The probability threshold that maximizes F1 of ``scores >= threshold``.

    Among equally good thresholds, the middle of the widest gap between
    neighbouring scores is taken, which generalizes better than a threshold
    right at one training score.
    """
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], y_true[order].astype(float)
    tp = np.cumsum(y)
    predicted = np.arange(1, len(s) + 1)
    f1 = 2 * tp / (predicted + y.sum())
    # Only cut between distinct scores.
    distinct = np.r_[s[:-1] > s[1:], True]
    f1 = np.where(distinct, f1, -1.0)
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    below = np.r_[s[1:], 0.0]
    gaps = s[best] - below[best]
    k = best[np.argmax(gaps)]
    return float((s[k] + below[k]) / 2)


def scores_table(Y_true: np.ndarray, Y_pred: np.ndarray, classes: Sequence[str]) -> dict[str, dict]:
    """Per-label precision, recall, F1 and support, with micro and macro averages.

    Macro averages are taken over the labels that have support (a label no
    document carries has no recall to average); ``table["macro"]["labels"]``
    says how many.
    """
    from sklearn.metrics import precision_recall_fscore_support

    Y_true = np.asarray(Y_true, dtype=bool)
    Y_pred = np.asarray(Y_pred, dtype=bool)
    p, r, f, s = precision_recall_fscore_support(Y_true, Y_pred, average=None, zero_division=0.0)
    table = {
        str(label): {"precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k]), "support": int(s[k])}
        for k, label in enumerate(classes)
    }
    mp, mr, mf, _ = precision_recall_fscore_support(
        Y_true.ravel(), Y_pred.ravel(), average="binary", zero_division=0.0
    )
    table["micro"] = {"precision": float(mp), "recall": float(mr), "f1": float(mf), "support": int(s.sum())}
    supported = s > 0
    table["macro"] = {
        "precision": float(p[supported].mean()) if supported.any() else 0.0,
        "recall": float(r[supported].mean()) if supported.any() else 0.0,
        "f1": float(f[supported].mean()) if supported.any() else 0.0,
        "support": int(s.sum()),
        "labels": int(supported.sum()),
    }
    return table


def _score_rows(table: dict, classes: Sequence[str], thresholds) -> tuple[list[str], list[list[str]]]:
    head = ["label", "precision", "recall", "F1", "support"] + (["threshold"] if thresholds is not None else [])
    rows = []
    for i, name in enumerate([str(c) for c in classes] + ["micro", "macro"]):
        r = table[name]
        row = [name, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}", str(r["support"])]
        if thresholds is not None:
            row.append(f"{thresholds[i]:.3f}" if i < len(classes) else "")
        rows.append(row)
    return head, rows


def render_scores(table: dict, classes: Sequence[str], thresholds=None, style: str = "text") -> str:
    """The score table as ``"text"`` (aligned columns), ``"markdown"`` or ``"html"``."""
    head, rows = _score_rows(table, classes, thresholds)
    if style == "markdown":
        lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    if style == "html":
        import html  # with html.entities, 1 ms that tagging need not pay

        cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        return f'<table class="scores"><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>'
    if style != "text":
        raise ValueError(f"style must be 'text', 'markdown' or 'html', not {style!r}")
    width = max([12] + [len(row[0]) + 2 for row in rows])
    widths = [width, 10, 8, 8, 9, 11][: len(head)]
    lines = [head[0].ljust(width) + "".join(h.lower().rjust(w) for h, w in zip(head[1:], widths[1:]))]
    lines += [row[0].ljust(width) + "".join(c.rjust(w) for c, w in zip(row[1:], widths[1:])) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
