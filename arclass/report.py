"""Self-contained HTML pages: why a document got its tags, and how a model does on labeled data.

:func:`explanation_page` shows a document with its words colored, per label,
by how much they pushed the label up or down, with the score table and the
strongest terms. :func:`evaluation_report` shows, per label, the
precision-recall curve with the chosen threshold, score histograms of the
documents with and without the label, the counts of right and wrong
decisions and the worst mistakes with their text.

Each page is one UTF-8 file with its style and pictures inline (plots are
base64 PNG), loading nothing from anywhere, so it can be mailed or archived.
Plots need matplotlib, an optional extra: ``pip install 'arclass[report]'``;
the explanation page needs nothing beyond arclass.
"""

from __future__ import annotations

import base64
import html
import io
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any, Sequence

import numpy as np

from ._version import __version__
from .explanation import TermMap
from .tagger import scores_table

__all__ = [
    "MATPLOTLIB_MISSING",
    "require_matplotlib",
    "explanation_page",
    "evaluation_report",
    "precision_recall_points",
]

#: The one-line message given when matplotlib is missing.
MATPLOTLIB_MISSING = "the report's plots need matplotlib: install arclass[report] (pip install 'arclass[report]')"

#: Colors of contributions for a label (green) and against it (red), as RGB.
_FOR, _AGAINST = (22, 140, 74), (200, 40, 40)
_BLUE, _ORANGE, _RED = "#1f5fa8", "#e08a1e", "#c0282a"

_STYLE = """
:root { color-scheme: light; }
body { font-family: "Noto Sans", "Noto Naskh Arabic", "Segoe UI", Tahoma, Arial, sans-serif;
       margin: 1.5rem auto; max-width: 70rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.5; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.meta { color: #555; font-size: .9rem; }
[dir="rtl"] p[dir="ltr"] { text-align: right; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #ddd; padding: .25rem .55rem; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
.num { direction: ltr; unicode-bidi: isolate; font-variant-numeric: tabular-nums; white-space: nowrap; }
.yes { color: #0b6b34; font-weight: 600; }
.no { color: #777; }
.doc { white-space: pre-wrap; font-size: 1.15rem; line-height: 2; border: 1px solid #ddd;
       border-radius: 4px; padding: .6rem .9rem; background: #fcfcfc; }
.doc mark { color: inherit; border-radius: 3px; padding: 0 .08em; }
.legend { font-size: .85rem; color: #444; }
.swatch { display: inline-block; width: 2.2em; height: .9em; vertical-align: middle; border: 1px solid #ccc; }
.terms { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.figures { display: flex; gap: 1rem; flex-wrap: wrap; }
figure { margin: 0; }
figure img { width: 430px; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #444; max-width: 430px; }
table.mistakes { width: 100%; }
table.mistakes td:nth-child(-n+4) { white-space: nowrap; }
td.text { font-size: 1rem; }
details summary { cursor: pointer; }
nav a { margin-inline-end: 1rem; }
"""


def require_matplotlib() -> None:
    """Raise ImportError with :data:`MATPLOTLIB_MISSING` when matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(MATPLOTLIB_MISSING) from None


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float, fmt: str = ".3f") -> str:
    return f'<span class="num">{_e(format(value, fmt))}</span>'


def _page(title: str, body: str, *, lang: str, direction: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="arclass {_e(__version__)}">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# -- explanation page --------------------------------------------------------


def _color(weight: float, scale: float) -> str:
    r, g, b = _FOR if weight > 0 else _AGAINST
    alpha = 0.08 + 0.72 * min(1.0, abs(weight) / scale)
    return f"rgba({r}, {g}, {b}, {alpha:.2f})"


def _highlighted(term_map: TermMap, weights: np.ndarray, contributions: dict[str, float], scale: float) -> str:
    """The text with each piece that carries weight in a colored ``<mark>``."""
    text = term_map.text
    out, cursor = [], 0
    for (start, end), weight, terms in zip(term_map.spans, weights, term_map.terms_of_piece()):
        out.append(_e(text[cursor:start]))
        piece = _e(text[start:end])
        if weight:
            detail = "; ".join(f"{t} {contributions[t]:+.3f}" for t in terms if contributions.get(t))
            out.append(
                f'<mark style="background-color: {_color(weight, scale)}" '
                f'title="{_e(f"{weight:+.3f} ({detail})")}">{piece}</mark>'
            )
        else:
            out.append(piece)
        cursor = end
    out.append(_e(text[cursor:]))
    return "".join(out)


def _terms_table(caption: str, pairs: list[tuple[str, float]], term_map: TermMap) -> str:
    if not pairs:
        return f"<div><h3>{_e(caption)}</h3><p class=\"no\">none</p></div>"
    rows = "".join(
        f"<tr><td>{_e(term)}</td><td>{'، '.join(f'<bdi>{_e(w)}</bdi>' for w in term_map.words(term))}</td>"
        f"<td>{_num(c, '+.3f')}</td></tr>"
        for term, c in pairs
    )
    return (
        f"<div><h3>{_e(caption)}</h3><table><thead><tr><th>term</th><th>in the text</th>"
        f"<th>contribution</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def explanation_page(
    tagger,
    text: str,
    *,
    labels: Sequence[str] | None = None,
    top: int = 10,
    source: str | None = None,
) -> str:
    """An HTML page explaining ``tagger``'s decisions on ``text``.

    For each label (all, or those in ``labels``), most probable first: the
    document with every word colored by its share of the contributions
    (green for the label, red against, stronger for more; the scale is the
    same for all labels), and the ``top`` strongest terms each way. Hovering
    a word shows its terms and their contributions.
    """
    explanations = tagger.explain(text)
    if labels is not None:
        explanations = [e for e in explanations if e.label in labels]
    term_map = TermMap(tagger.vectorizer_, text)
    weights = [term_map.piece_weights(e.contributions()) for e in explanations]
    scale = max([float(np.abs(w).max()) for w in weights if len(w)] + [0.0]) or 1.0

    tags = [e.label for e in explanations if e.tagged]
    score_rows = "".join(
        f"<tr><td><a href=\"#label-{i}\">{_e(e.label)}</a></td><td>{_num(e.score)}</td>"
        f"<td>{_num(e.threshold)}</td>"
        f"<td class=\"{'yes' if e.tagged else 'no'}\">{'tagged' if e.tagged else 'not tagged'}</td>"
        f"<td>{_num(e.decision, '+.3f')}</td><td>{_num(e.intercept, '+.3f')}</td></tr>"
        for i, e in enumerate(explanations)
    )
    parts = [
        "<h1>Why these tags</h1>",
        f'<p class="meta" dir="ltr">{f"<bdi>{_e(source)}</bdi> · " if source else ""}'
        f"arclass {_e(__version__)} · {_e(_now())}</p>",
        f"<p dir=\"ltr\">Tags: <strong>{_e(', '.join(map(str, tags))) if tags else 'none'}</strong></p>",
        "<table><thead><tr><th>label</th><th>score</th><th>threshold</th><th>tagged</th>"
        "<th>log-odds</th><th>intercept</th></tr></thead>"
        f"<tbody>{score_rows}</tbody></table>",
        '<p class="legend" dir="ltr">Colors: <span class="swatch" style="background: '
        f'linear-gradient(to left, {_color(1, 1)}, {_color(1e-9, 1)})"></span> for the label, '
        f'<span class="swatch" style="background: linear-gradient(to left, {_color(-1, 1)}, '
        f'{_color(-1e-9, 1)})"></span> against it; the stronger the color, the larger the '
        "contribution (the same scale for every label). A word's contribution is its terms' "
        "TF-IDF value times the label's coefficient, shared among the places a term occurs; "
        "the log-odds are the intercept plus all contributions.</p>",
    ]
    for i, (e, w) in enumerate(zip(explanations, weights)):
        contributions = e.contributions()
        positive, negative = e.positive[:top], e.negative[:top]
        verdict = "tagged" if e.tagged else "not tagged"
        parts += [
            f'<section id="label-{i}"><h2>{_e(e.label)}: {verdict} '
            f"(score {_num(e.score)}, threshold {_num(e.threshold)})</h2>",
            f'<div class="doc" dir="auto">{_highlighted(term_map, w, contributions, scale)}</div>',
            '<div class="terms">',
            _terms_table("for", positive, term_map),
            _terms_table("against", negative, term_map),
            "</div>",
        ]
        hidden = len(e.positive) - len(positive) + len(e.negative) - len(negative)
        if hidden:
            rest = sum(c for _, c in e.positive[top:] + e.negative[top:])
            parts.append(f"<p class=\"meta\" dir=\"ltr\">and {hidden} more terms, together {_num(rest, '+.3f')}</p>")
        parts.append("</section>")
    body = "\n".join(parts)
    return _page("arclass: why these tags", body, lang="ar", direction="rtl")


# -- evaluation report -------------------------------------------------------


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
        f"<tr><td>{_num(s[i])}</td><td>{_e(ids[i])}</td><td>{_e(', '.join(labels[i]) or '—')}</td>"
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

    score_rows = "".join(
        f"<tr><th>{_e(name)}</th>"
        + "".join(f"<td>{_num(table[name][k])}</td>" for k in ("precision", "recall", "f1"))
        + f"<td>{_num(table[name]['support'], 'd')}</td>"
        + (f"<td>{_num(thresholds[i])}</td>" if i < len(classes) else "<td></td>")
        + "</tr>"
        for i, name in enumerate(classes + ["micro", "macro"])
    )
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
        "<table><thead><tr><th></th><th>precision</th><th>recall</th><th>F1</th><th>support</th>"
        f"<th>threshold</th></tr></thead><tbody>{score_rows}</tbody></table>",
        "<h2>Counts</h2>",
        "<table><thead><tr><th></th><th>true positives</th><th>false positives</th>"
        "<th>false negatives</th><th>true negatives</th></tr></thead>"
        f"<tbody>{''.join(count_rows)}</tbody></table>",
    ]
    if unknown:
        body.append(f'<p class="meta">Labels in the data the model does not know (ignored): '
                    f"{_e(', '.join(unknown))}.</p>")
    return _page("arclass evaluation report", "\n".join(body + sections), lang="en", direction="ltr")
