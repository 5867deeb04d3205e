"""The explanation page: a document with its words colored by what they did to each label.

Self-contained (style inline, nothing loaded from anywhere); needs nothing
beyond arclass.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .._version import __version__
from .html import escape as _e, now as _now, number as _num, page as _page
from .terms import TermMap

__all__ = ["explanation_page"]

#: Colors of contributions for a label (green) and against it (red), as RGB.
_FOR, _AGAINST = (22, 140, 74), (200, 40, 40)


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
        f"<tr><td><bdi lang=\"ar\">{_e(term)}</bdi></td><td>{'، '.join(f'<bdi>{_e(w)}</bdi>' for w in term_map.words(term))}</td>"
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
        f'<p class="meta">{f"<bdi>{_e(source)}</bdi> · " if source else ""}'
        f"arclass {_e(__version__)} · {_e(_now())}</p>",
        f"<p>Tags: <strong>{_e(', '.join(map(str, tags))) if tags else 'none'}</strong></p>",
        "<table><thead><tr><th>label</th><th>score</th><th>threshold</th><th>tagged</th>"
        "<th>log-odds</th><th>intercept</th></tr></thead>"
        f"<tbody>{score_rows}</tbody></table>",
        '<p class="legend">Colors: <span class="swatch" style="background: '
        f'linear-gradient(to right, {_color(1, 1)}, {_color(1e-9, 1)})"></span> for the label, '
        f'<span class="swatch" style="background: linear-gradient(to right, {_color(-1, 1)}, '
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
            f'<section id="label-{i}"><h2><bdi>{_e(e.label)}</bdi>: {verdict} '
            f"(score {_num(e.score)}, threshold {_num(e.threshold)})</h2>",
            f'<div class="doc" dir="rtl" lang="ar">{_highlighted(term_map, w, contributions, scale)}</div>',
            '<div class="terms">',
            _terms_table("for", positive, term_map),
            _terms_table("against", negative, term_map),
            "</div>",
        ]
        hidden = len(e.positive) - len(positive) + len(e.negative) - len(negative)
        if hidden:
            rest = sum(c for _, c in e.positive[top:] + e.negative[top:])
            parts.append(f"<p class=\"meta\">and {hidden} more terms, together {_num(rest, '+.3f')}</p>")
        parts.append("</section>")
    body = "\n".join(parts)
    return _page("arclass: why these tags", body, lang="en", direction="ltr")
