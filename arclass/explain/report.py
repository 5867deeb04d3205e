"""The evaluation report: how a model does on labeled data, per label, as one HTML page.

Per label: the precision-recall curve with the chosen threshold, score
histograms of the documents with and without the label, the counts of right
and wrong decisions and the worst mistakes with their text. Plots are
base64 PNG made by matplotlib, an optional extra: ``pip install 'arclass[report]'``.
"""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from typing import Any, Sequence

import numpy as np

from .._version import __version__
from ..model.metrics import render_scores, scores_table
from .html import escape as _e, now as _now, number as _num, page as _page
from .html import require_matplotlib

__all__ = ["evaluation_report", "precision_recall_points"]

_BLUE, _ORANGE, _RED = "#1f5fa8", "#e08a1e", "#c0282a"


def precision_recall_points(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall at every distinct score taken as the threshold.

    The same arrays as ``sklearn.metrics.precision_recall_curve(y_true,
    scores)``: thresholds increasing; precision and recall one longer, ending
    with precision 1 at recall 0. Recall is 1 throughout when there are no
    positives.
    """
    y = np.asarray(y_true).astype(bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != s.shape or not len(s):
        raise ValueError("y_true and scores must be non-empty and of the same length")
    order = np.argsort(s, kind="mergesort")[::-1]
    s, y = s[order], y[order]
    ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.cumsum(y, dtype=np.float64)[ends]
    fps = 1 + ends - tps
    precision = tps / (tps + fps)
    recall = tps / tps[-1] if tps[-1] else np.ones_like(tps)
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], s[ends][::-1]


def _at_threshold(y: np.ndarray, s: np.ndarray, threshold: float) -> dict[str, int]:
    predicted = s >= threshold
    return {
        "tp": int(np.sum(y & predicted)),
        "fp": int(np.sum(~y & predicted)),
        "fn": int(np.sum(y & ~predicted)),
        "tn": int(np.sum(~y & ~predicted)),
    }


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=144, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.6, 3.5), layout="constrained")
    return fig, fig.add_subplot()


def _pr_plot(y: np.ndarray, s: np.ndarray, threshold: float) -> tuple[str, str]:
    """Base64 PNG of the precision-recall curve, and its caption."""
    precision, recall, thresholds = precision_recall_points(y, s)
    ap = float(-np.sum(np.diff(recall) * precision[:-1]))
    fig, ax = _figure()
    grid = np.linspace(0.01, 1, 200)
    for f in (0.2, 0.4, 0.6, 0.8):
        p = f * grid / (2 * grid - f)
        keep = (p > 0) & (p <= 1.05)
        ax.plot(grid[keep], p[keep], color="#cccccc", linewidth=0.8)
    ax.plot(recall, precision, drawstyle="steps-post", color=_BLUE, linewidth=1.6, label=f"AP {ap:.3f}")
    counts = _at_threshold(y, s, threshold)
    caption = f"Average precision {ap:.3f}; the gray curves join points of equal F1 (0.2, 0.4, 0.6, 0.8)."
    if counts["tp"] + counts["fp"]:
        p_t = counts["tp"] / (counts["tp"] + counts["fp"])
        r_t = counts["tp"] / max(1, counts["tp"] + counts["fn"])
        ax.plot([r_t], [p_t], "o", color=_RED, markersize=7, zorder=5,
                label=f"threshold {threshold:.3f}: P {p_t:.2f}, R {r_t:.2f}")
        caption += f" At the model's threshold {threshold:.3f}: precision {p_t:.3f}, recall {r_t:.3f}."
    else:
        caption += f" No document reaches the model's threshold {threshold:.3f}."
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0)[:-1]
    best = int(np.argmax(f1))
    ax.plot([recall[best]], [precision[best]], "o", markerfacecolor="none", markeredgecolor=_ORANGE,
            markeredgewidth=1.6, markersize=9, zorder=4, label=f"best F1 here: threshold {thresholds[best]:.3f}")
    caption += f" The best F1 on this data, {f1[best]:.3f}, is at threshold {thresholds[best]:.3f}."
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower left", fontsize=7.5, framealpha=0.9)
    return _png(fig), caption


def _histogram_plot(y: np.ndarray, s: np.ndarray, threshold: float) -> str:
    fig, ax = _figure()
    from matplotlib.ticker import FuncFormatter

    bins = np.linspace(0, 1, 21)
    ax.hist([s[~y], s[y]], bins=bins, color=[_ORANGE, _BLUE],
            label=[f"without the label ({int((~y).sum())})", f"with the label ({int(y.sum())})"])
    ax.axvline(threshold, color=_RED, linestyle="--", linewidth=1.3, label=f"threshold {threshold:.3f}")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (probability)")
    ax.set_ylabel("documents (log scale)")
    ax.legend(loc="best", fontsize=7.5, framealpha=0.9)
    return _png(fig)


_SPACE_RUN = re.compile(r"\s+")


def _snippet(text: str, limit: int = 300) -> tuple[str, bool]:
    """``text`` on one line, cut at a word boundary near ``limit`` characters."""
    flat = _SPACE_RUN.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat, False
    cut = flat[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    else:  # one very long word: do not split a letter from its marks
        while len(cut) > 1 and unicodedata.combining(flat[len(cut)]):
            cut = cut[:-1]
    return cut.rstrip() + "…", True


def _text_cell(text: str) -> str:
    snippet, cut = _snippet(text)
    if not cut:
        return f'<td class="text" dir="rtl" lang="ar">{_e(snippet)}</td>'
    full = text if len(text) <= 20_000 else text[:20_000] + "…"
    return (
        f'<td class="text" dir="rtl" lang="ar"><details><summary>{_e(snippet)}</summary>'
        f'<div style="white-space: pre-wrap">{_e(full)}</div></details></td>'
    )


def _mistakes_table(rows: np.ndarray, s: np.ndarray, texts, labels, ids, tags) -> str:
    if not len(rows):
        return '<p class="no">none</p>'
    body = "".join(
        f"<tr><td>{_num(s[i])}</td><td><bdi>{_e(ids[i])}</bdi></td><td>{_e(', '.join(labels[i]) or '—')}</td>"
        f"<td>{_e(', '.join(map(str, tags[i])) or '—')}</td>{_text_cell(texts[i])}</tr>"
        for i in rows
    )
    return (
        "<table class=\"mistakes\"><thead><tr><th>score</th><th>id</th><th>true labels</th><th>tags given</th>"
        f"<th>text</th></tr></thead><tbody>{body}</tbody></table>"
    )


def evaluation_report(
    tagger,
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    ids: Sequence[Any] | None = None,
    *,
    source: str | None = None,
    model: str | None = None,
    mistakes: int = 10,
    proba: np.ndarray | None = None,
) -> str:
    """An HTML report of ``tagger`` on labeled documents (needs matplotlib).

    Scores and counts per label, then for each label: its precision-recall
    curve with the model's threshold (filled dot) and this data's best-F1
    threshold (ring), histograms of the scores of documents with and without
    the label, and the ``mistakes`` worst false positives (highest scores)
    and false negatives (lowest scores) with their text. ``proba`` may give
    ``tagger.predict_proba(texts)`` when already computed.
    """
    require_matplotlib()
    texts = list(texts)
    labels = [list(map(str, doc_labels)) for doc_labels in labels]
    ids = [str(i + 1) for i in range(len(texts))] if ids is None else [str(i) for i in ids]
    if not (len(texts) == len(labels) == len(ids)) or not texts:
        raise ValueError("texts, labels and ids must be non-empty and of the same length")
    classes = [str(c) for c in tagger.classes_]
    thresholds = np.asarray(tagger.thresholds_, dtype=np.float64)
    proba = tagger.predict_proba(texts) if proba is None else np.asarray(proba)
    Y = np.array([[c in set(doc) for c in classes] for doc in labels], dtype=bool).reshape(len(texts), -1)
    tags = tagger.labels_from_proba(proba)
    table = scores_table(Y, proba >= thresholds, classes)
    unknown = sorted({label for doc in labels for label in doc} - set(classes))

    count_rows = []
    sections = []
    for k, label in enumerate(classes):
        y, s = Y[:, k], proba[:, k]
        counts = _at_threshold(y, s, thresholds[k])
        count_rows.append(
            f"<tr><th><a href=\"#label-{k}\">{_e(label)}</a></th>"
            + "".join(f"<td>{_num(counts[c], 'd')}</td>" for c in ("tp", "fp", "fn", "tn"))
            + "</tr>"
        )
        if y.any():
            pr_png, pr_caption = _pr_plot(y, s, thresholds[k])
            pr = (
                f'<figure class="pr-curve" data-label="{_e(label)}"><img alt="precision-recall curve of '
                f'{_e(label)}" src="data:image/png;base64,{pr_png}"><figcaption>Precision-recall curve. '
                f"{_e(pr_caption)}</figcaption></figure>"
            )
        else:
            pr = f'<p class="no">No document in the data has the label {_e(label)}: no precision-recall curve.</p>'
        histogram = (
            f'<figure class="histogram" data-label="{_e(label)}"><img alt="score histogram of {_e(label)}" '
            f'src="data:image/png;base64,{_histogram_plot(y, s, thresholds[k])}"><figcaption>Scores of '
            "the documents with the label (blue) and without it (orange); the dashed line is the "
            "model's threshold.</figcaption></figure>"
        )
        predicted = s >= thresholds[k]
        false_pos = np.flatnonzero(~y & predicted)
        false_pos = false_pos[np.argsort(-s[false_pos], kind="stable")][:mistakes]
        false_neg = np.flatnonzero(y & ~predicted)
        false_neg = false_neg[np.argsort(s[false_neg], kind="stable")][:mistakes]
        sections.append(
            f'<section id="label-{k}"><h2>{_e(label)}</h2>'
            f'<div class="figures">{pr}{histogram}</div>'
            f"<p>True positives {_num(counts['tp'], 'd')}, false positives {_num(counts['fp'], 'd')}, "
            f"false negatives {_num(counts['fn'], 'd')}, true negatives {_num(counts['tn'], 'd')}.</p>"
            f"<h3>Worst false positives: tagged {_e(label)} but not labeled so, highest scores first "
            f"({min(mistakes, counts['fp'])} of {counts['fp']})</h3>"
            + _mistakes_table(false_pos, s, texts, labels, ids, tags)
            + f"<h3>Worst false negatives: labeled {_e(label)} but not tagged, lowest scores first "
            f"({min(mistakes, counts['fn'])} of {counts['fn']})</h3>"
            + _mistakes_table(false_neg, s, texts, labels, ids, tags)
            + "</section>"
        )

    meta = [f"{len(texts)} documents"]
    if source:
        meta.insert(0, f"data: {source}")
    meta += [f"model: {model or 'bundled default'}", f"arclass {__version__}", _now()]
    body = [
        "<h1>Evaluation report</h1>",
        f'<p class="meta">{" · ".join(_e(m) for m in meta)}</p>',
        "<nav>" + "".join(f'<a href="#label-{k}">{_e(c)}</a>' for k, c in enumerate(classes)) + "</nav>",
        "<h2>Scores at the model's thresholds</h2>",
        render_scores(table, classes, thresholds, style="html"),
        "<h2>Counts</h2>",
        "<table><thead><tr><th></th><th>true positives</th><th>false positives</th>"
        "<th>false negatives</th><th>true negatives</th></tr></thead>"
        f"<tbody>{''.join(count_rows)}</tbody></table>",
    ]
    if unknown:
        body.append(f'<p class="meta">Labels in the data the model does not know (ignored): '
                    f"{_e(', '.join(unknown))}.</p>")
    return _page("arclass evaluation report", "\n".join(body + sections), lang="en", direction="ltr")
