"""The result of tagging one record, and :func:`tag_batch`, which makes them.

The result dict, a stable part of the API::

    {"id": ...,          # the record's id: a field of the input, or where it came from
     "tags": [...],      # labels at or above their threshold, most probable first
     "scores": {...},    # every label's probability, rounded to `decimals`
     "error": None,      # or the reason the record was not tagged
     ...}                # then the fields carried over from the input (keep_fields)

An error result has ``tags`` and ``scores`` set to ``None``: "not tagged" is
never confused with "no topic" (``tags == []``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Sequence

import numpy as np

from ..io.readers import RESERVED_FIELDS, Record, kind_of
from ..text.arabic import CONTROLS, DIACRITICS, INVISIBLE_SPACES, TATWEEL
from .options import TagOptions

__all__ = ["RESULT_KEYS", "tag_batch", "blank_text"]

#: Keys of every result dict, in this order, before any carried-over fields.
RESULT_KEYS = RESERVED_FIELDS

_VISIBLE = re.compile("[^\\s" + re.escape(DIACRITICS + TATWEEL + CONTROLS + INVISIBLE_SPACES) + "]")


def blank_text(text: str) -> bool:
    """Whether ``text`` holds nothing to read: white space, diacritics, tatweel, invisible marks."""
    found = _VISIBLE.search(text)
    if found is None:
        return True
    if unicodedata.category(found.group()) not in ("Cf", "Mn", "Me"):
        return False
    return all(c.isspace() or c == TATWEEL or unicodedata.category(c) in ("Cf", "Mn", "Me")
               for c in text[found.start():])


def _problem(record: Record, max_chars: int | None) -> str | None:
    if record.error is not None:
        return record.error
    text = record.text
    if not isinstance(text, str):
        return f"text is {kind_of(text)}, not a string"
    if max_chars is not None and len(text) > max_chars:
        return f"text longer than {max_chars} characters ({len(text)})"
    if blank_text(text):
        return "empty text"
    return None


def _failure(exc: BaseException) -> str:
    return f"tagging failed: {type(exc).__name__}: {exc}"


_TAGGING_ERRORS = (ValueError, TypeError, ArithmeticError, LookupError)


def tag_batch(tagger, records: Sequence[Record], options: TagOptions | None = None,
              **kwargs: Any) -> list[dict[str, Any]]:
    """One result dict per record, in order.

    Records with an ``error``, a text that is empty (see :func:`blank_text`)
    or longer than ``max_chars`` get an error result. The others are tagged
    together with ``tagger.predict_proba``; should that fail, each is tagged
    alone, so that one bad text costs only its own record. ``options`` (or
    its fields as keywords) is a :class:`~arclass.tagging.options.TagOptions`.
    Pure: no I/O, no state.
    """
    options = (options or TagOptions(**kwargs)).check(tagger)
    records = list(records)
    problems = [_problem(r, options.max_chars) for r in records]
    good = [i for i, problem in enumerate(problems) if problem is None]
    proba: dict[int, Any] = {}
    if good:
        try:
            proba = dict(zip(good, tagger.predict_proba([records[i].text for i in good])))
        except _TAGGING_ERRORS as exc:
            if len(good) == 1:
                problems[good[0]] = _failure(exc)
            else:
                for i in good:
                    try:
                        proba[i] = tagger.predict_proba([records[i].text])[0]
                    except _TAGGING_ERRORS as exc:
                        problems[i] = _failure(exc)
    names = [str(c) for c in tagger.classes_]
    labels = {}
    if proba:
        rows = np.vstack(list(proba.values()))
        labels = dict(zip(proba, tagger.labels_from_proba(rows, options.thresholds, options.top_k)))
    results = []
    decimals = options.decimals
    for i, record in enumerate(records):
        if i in proba:
            result = {"id": record.id, "tags": list(labels[i]),
                      "scores": {n: round(float(p), decimals) for n, p in zip(names, proba[i])},
                      "error": None}
        else:
            result = {"id": record.id, "tags": None, "scores": None, "error": problems[i]}
        if record.extra:
            for key, value in record.extra.items():
                result.setdefault(key, value)
        results.append(result)
    return results
