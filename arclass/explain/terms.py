"""Why a tagger gave a document its tags.

A label's decision value (its log-odds) is linear in the document's TF-IDF
features::

    decision = intercept + sum over the document's terms of (tfidf(term) x coef(term))

so each product is exactly what that term contributed, for the label when
positive, against it when negative. :func:`explain` (and
:meth:`TopicTagger.explain <arclass.TopicTagger.explain>`) returns these
contributions as one :class:`LabelExplanation` per label; :class:`TermMap` finds where each term
sits in the text as written, to show contributions on the document's own
words; :func:`format_explanations` prints them for a terminal.

This module needs numpy only (no scikit-learn), like tagging does.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import numpy as np

from ..text.ngrams import word_term
from ..model.contributions import LabelExplanation, explain, label_explanations, split_terms

__all__ = ["LabelExplanation", "TermMap", "explain", "label_explanations", "split_terms", "format_explanations"]


_NON_SPACE = re.compile(r"\S+")


class TermMap:
    """Where each term of a document comes from in the text as written.

    The text is cut into the whitespace-separated pieces the vectorizer's
    tokenizer reads (URLs, e-mail addresses and phone numbers dropped), each
    with its span in ``text``. A term occurrence is a tuple of the pieces it
    was made from: one piece for a word (or, with ``analyzer="char_wb"``, a
    character n-gram of it), several for a word n-gram.

    Parameters
    ----------
    vectorizer : ArabicTfidfVectorizer
        The vectorizer whose terms are mapped (fitted or not).
    text : str
        The document.

    Attributes
    ----------
    spans : list of (start, end)
        Each piece's place in ``text``, without the punctuation around it.
    occurrences : dict of str -> list of tuple of int
        Every term the vectorizer makes of ``text`` (whether in its
        vocabulary or not), with the pieces of each occurrence.
    """

    def __init__(self, vectorizer, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        tokenizer = vectorizer.build_tokenizer()
        self.text = text
        self.spans = _piece_spans(tokenizer, text)
        pieces = [text[a:b] for a, b in self.spans]
        words = [
            (term, i)
            for i, piece_terms in enumerate(tokenizer.terms_of_many(pieces))
            for term in piece_terms
        ]
        self.occurrences = _occurrences(words, vectorizer.analyzer, tuple(vectorizer.ngram_range))

    def piece_weights(self, contributions: dict[str, float]) -> np.ndarray:
        """Each piece's share of the contributions, shape ``(len(spans),)``.

        A term's contribution is shared equally by its occurrences (a word
        said three times gets a third of it at each place), and an n-gram's
        share equally by its words, so the weights add up to the sum of the
        contributions of the terms found in the text.
        """
        weights = np.zeros(len(self.spans))
        for term, contribution in contributions.items():
            places = self.occurrences.get(term)
            if not places or not contribution:
                continue
            share = contribution / len(places)
            for pieces in places:
                for i in pieces:
                    weights[i] += share / len(pieces)
        return weights

    def words(self, term: str) -> list[str]:
        """The distinct pieces of text (as written) a term was made from, in order."""
        seen: dict[str, None] = {}
        for pieces in self.occurrences.get(term, ()):
            start, end = self.spans[pieces[0]][0], self.spans[pieces[-1]][1]
            seen.setdefault(" ".join(self.text[start:end].split()), None)
        return list(seen)

    def terms_of_piece(self) -> list[list[str]]:
        """The terms each piece takes part in, in order of first occurrence."""
        out: list[dict[str, None]] = [{} for _ in self.spans]
        for term, places in self.occurrences.items():
            for pieces in places:
                for i in pieces:
                    out[i].setdefault(term, None)
        return [list(terms) for terms in out]


def _piece_spans(tokenizer, text: str) -> list[tuple[int, int]]:
    """The span in ``text`` of each piece of ``tokenizer.raw_tokens(text)``.

    Noise is found per whitespace-separated chunk, which gives the same
    pieces as the whole text except around an international phone number
    written with spaces (dropped as a whole from the text, but only partly
    per chunk); chunk pieces the whole text lacks are skipped.
    """
    wanted = tokenizer.raw_tokens(text)
    spans: list[tuple[int, int]] = []
    for match in _NON_SPACE.finditer(text):
        if len(spans) == len(wanted):
            break
        chunk, cursor = match.group(), 0
        for piece in tokenizer.raw_tokens(chunk):
            at = chunk.find(piece, cursor)
            cursor = at + len(piece)
            if len(spans) < len(wanted) and piece == wanted[len(spans)]:
                spans.append((match.start() + at, match.start() + cursor))
    if len(spans) != len(wanted):  # pragma: no cover - a tokenizer that does not split on whitespace
        raise ValueError("cannot locate the tokenizer's pieces in the text")
    return [_trim(text, start, end) for start, end in spans]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the punctuation and symbols around the word, if any word is left."""
    a, b = start, end
    while a < b and unicodedata.category(text[a])[0] in "PSZC":
        a += 1
    while b > a and unicodedata.category(text[b - 1])[0] in "PSZC":
        b -= 1
    return (a, b) if a < b else (start, end)


def _occurrences(
    words: list[tuple[str, int]], analyzer: str, ngram_range: tuple[int, int]
) -> dict[str, list[tuple[int, ...]]]:
    """Term -> occurrences, mirroring the vectorizer's analyzers."""
    low, high = ngram_range
    out: dict[str, list[tuple[int, ...]]] = {}
    if analyzer == "word":
        for n in range(low, high + 1):
            for j in range(len(words) - n + 1):
                gram = words[j : j + n]
                term = " ".join(t for t, _ in gram)
                out.setdefault(term, []).append(tuple(dict.fromkeys(i for _, i in gram)))
    elif analyzer in ("char_wb", "word+char_wb"):
        for token, i in words:
            if analyzer == "word+char_wb":
                out.setdefault(word_term(token), []).append((i,))
            padded = f" {token} "
            for n in range(low, high + 1):
                for j in range(len(padded) - n + 1):
                    out.setdefault(padded[j : j + n], []).append((i,))
    else:
        raise ValueError(f"cannot map terms of analyzer {analyzer!r}")
    return out


def _number(value: float, digits: int = 3) -> str:
    return f"{value:+.{digits}f}"


def format_explanations(
    explanations: Sequence[LabelExplanation],
    term_map: TermMap | None = None,
    tags: Sequence[str] | None = None,
) -> str:
    """A plain-text report of explanations, for a terminal.

    ``term_map`` adds the words of the text each term comes from; ``tags``
    are the document's tags to name first (default: the tagged labels among
    ``explanations``, which may be a selection).

    Arabic is written in logical order, never reshaped or reordered. So that
    terminals that apply the Unicode bidirectional algorithm show it right,
    every line begins with a Latin word (which makes it a left-to-right
    line) and holds at most one Arabic run, at its end; numbers never sit
    between Arabic words, where bidi would reorder them. No invisible
    direction marks are added: they would show as boxes in some terminals
    and end up in copied text.
    """
    lines = []
    if tags is None:
        tags = [e.label for e in explanations if e.tagged]
    lines.append("tags: " + (", ".join(map(str, tags)) if tags else "(none)"))
    for e in explanations:
        verdict = "tagged" if e.tagged else "not tagged"
        relation = ">=" if e.tagged else "<"
        listed = sum(c for _, c in e.positive + e.negative) + e.other
        lines += [
            "",
            f"{e.label}  score {e.score:.3f} {relation} threshold {e.threshold:.3f}: {verdict}",
            f"  decision {_number(e.decision)} = intercept {_number(e.intercept)}"
            f" + terms {_number(listed)}",
        ]
        for side, pairs in (("for", e.positive), ("against", e.negative)):
            for term, contribution in pairs:
                line = f"  {side:<8}{_number(contribution)}  {term}"
                if term_map is not None:
                    written = [w for w in term_map.words(term) if w != term]
                    if written:
                        line += ": " + "، ".join(written)
                lines.append(line)
        if e.n_other:
            lines.append(f"  other   {_number(e.other)}  from {e.n_other} more terms")
        if not e.positive and not e.negative and not e.n_other:
            lines.append("  no known terms: the decision is the intercept")
    return "\n".join(lines)
