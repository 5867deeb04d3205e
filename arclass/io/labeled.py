"""Labeled data: the sets shipped with arclass, and reading your own.

Labeled data is JSON Lines, one document per line: ``{"id": ..., "text":
..., "labels": [...]}``; ``labels`` is a list of topic names, empty for a
document with no topic. It is read by the same JSON Lines reader as the
documents to tag (:func:`arclass.io.readers.json_objects`).

``seeds``
    Headlines and paragraphs drawn from the five seed articles (Iraq, the
    anti-ISIS coalition, oil exports, diplomacy), each labeled by the
    labeling guide.
``authored``
    News-style texts written for arclass by its developers, in their own
    words, one file per region or theme in ``arclass/data/authored/``,
    across the three topics and many no-topic subjects (sports, religion,
    culture, science, economy, domestic politics, crime, accidents).
"""

from __future__ import annotations

import os
from importlib import resources
from typing import NamedTuple, Sequence

from .readers import json_objects, joined_text

__all__ = ["LabeledData", "LabeledDataError", "read_labeled", "load_seeds", "load_authored",
           "load_builtin", "builtin_files"]


class LabeledData(NamedTuple):
    """Texts with their label lists (and ids)."""

    texts: list[str]
    labels: list[list[str]]
    ids: list[str]

    def __add__(self, other: "LabeledData") -> "LabeledData":  # type: ignore[override]
        return LabeledData(self.texts + other.texts, self.labels + other.labels, self.ids + other.ids)


class LabeledDataError(ValueError):
    """A labeled data file with a malformed line."""


def read_labeled(
    source: str | os.PathLike,
    text_field: str | Sequence[str] = "text",
    labels_field: str = "labels",
    *,
    encoding: str | None = None,
    name: str | None = None,
) -> LabeledData:
    """Read labeled JSON Lines (a path, ``"-"`` for stdin or a binary stream; gzip is read transparently).

    ``text_field`` may name several fields, joined by a newline. Raises
    :class:`LabeledDataError` naming the first malformed line.
    """
    fields = (text_field,) if isinstance(text_field, str) else tuple(text_field)
    texts, labels, ids = [], [], []
    for where, record, problem in json_objects(source, encoding=encoding, max_chars=None):
        if name is not None:
            where = name + where[where.rfind(":"):]
        if record is None:
            raise LabeledDataError(f"{where}: {problem}")
        text, problem = joined_text([(f, record[f]) for f in fields if f in record])
        if problem or not isinstance(text, str) or not text.strip():
            raise LabeledDataError(
                f"{where}: {problem or 'field ' + ' or '.join(map(repr, fields)) + ' must be a non-empty string'}"
            )
        doc_labels = record.get(labels_field)
        if not isinstance(doc_labels, list) or not all(isinstance(x, str) and x for x in doc_labels):
            raise LabeledDataError(f"{where}: field {labels_field!r} must be a list of label names")
        texts.append(text)
        labels.append(sorted(set(doc_labels)))
        ids.append(str(record.get("id", where)))
    if not texts:
        label = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<stream>")
        raise LabeledDataError(f"{label}: no labeled documents")
    return LabeledData(texts, labels, ids)


def _data_folder():
    return resources.files("arclass") / "data"


def builtin_files() -> list[str]:
    """The shipped labeled files, relative to ``arclass/data``, in training order."""
    authored = sorted(
        f"authored/{entry.name}" for entry in (_data_folder() / "authored").iterdir()
        if entry.name.endswith(".jsonl")
    )
    return ["seeds.jsonl", *authored]


def _builtin(relative: str) -> LabeledData:
    with (_data_folder() / relative).open("rb") as f:
        return read_labeled(f, name=f"arclass/data/{relative}")


def load_seeds() -> LabeledData:
    """The labeled units drawn from the seed articles."""
    return _builtin("seeds.jsonl")


def load_authored() -> LabeledData:
    """The news-style texts written for arclass by its developers (every authored file)."""
    parts = [_builtin(name) for name in builtin_files() if name.startswith("authored/")]
    return sum(parts[1:], parts[0])


def load_builtin() -> LabeledData:
    """Everything the default model is trained on: seeds, then the authored files by name."""
    return load_seeds() + load_authored()
