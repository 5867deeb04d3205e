"""Labeled data: the sets shipped with arclass, and reading your own.

Labeled data is JSON Lines, one document per line: ``{"id": ..., "text":
..., "labels": [...]}``; ``labels`` is a list of topic names, empty for a
document with no topic.

``seeds``
    Headlines and paragraphs drawn from the five seed articles (Iraq, the
    anti-ISIS coalition, oil exports, diplomacy), each labeled by the
    labeling guide.
``authored``
    News-style texts written for arclass by its developers, in their own
    words, across the three topics and many no-topic subjects (sports,
    culture, health, economy, domestic politics, crime, accidents).
"""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import NamedTuple

__all__ = ["LabeledData", "read_labeled", "load_seeds", "load_authored", "load_builtin", "BUILTIN"]

#: The labeled sets shipped in ``arclass/data``.
BUILTIN = ("seeds", "authored")


class LabeledData(NamedTuple):
    """Texts with their label lists (and ids)."""

    texts: list[str]
    labels: list[list[str]]
    ids: list[str]

    def __add__(self, other: "LabeledData") -> "LabeledData":  # type: ignore[override]
        return LabeledData(self.texts + other.texts, self.labels + other.labels, self.ids + other.ids)


class LabeledDataError(ValueError):
    """A labeled data file with a malformed line."""


def _parse(lines, source: str, text_field: str, labels_field: str) -> LabeledData:
    texts, labels, ids = [], [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise LabeledDataError(f"{where}: not valid JSON ({exc.args[0]})") from None
        if not isinstance(record, dict):
            raise LabeledDataError(f"{where}: expected a JSON object")
        text = record.get(text_field)
        if not isinstance(text, str) or not text.strip():
            raise LabeledDataError(f"{where}: field {text_field!r} must be a non-empty string")
        doc_labels = record.get(labels_field)
        if not isinstance(doc_labels, list) or not all(isinstance(x, str) and x for x in doc_labels):
            raise LabeledDataError(f"{where}: field {labels_field!r} must be a list of label names")
        texts.append(text)
        labels.append(sorted(set(doc_labels)))
        ids.append(str(record.get("id", where)))
    if not texts:
        raise LabeledDataError(f"{source}: no labeled documents")
    return LabeledData(texts, labels, ids)


def read_labeled(
    path: str | os.PathLike, text_field: str = "text", labels_field: str = "labels"
) -> LabeledData:
    """Read a labeled JSON Lines file (gzip-compressed if it ends in ``.gz``)."""
    path = os.fspath(path)
    if path.endswith(".gz"):
        import gzip

        opener = gzip.open(path, "rt", encoding="utf-8-sig")
    else:
        opener = open(path, encoding="utf-8-sig")
    with opener as f:
        return _parse(f, path, text_field, labels_field)


def _builtin(name: str) -> LabeledData:
    resource = resources.files("arclass") / "data" / f"{name}.jsonl"
    with resource.open(encoding="utf-8") as f:
        return _parse(f, f"arclass/data/{name}.jsonl", "text", "labels")


def load_seeds() -> LabeledData:
    """The labeled units drawn from the seed articles."""
    return _builtin("seeds")


def load_authored() -> LabeledData:
    """The news-style texts written for arclass by its developers."""
    return _builtin("authored")


def load_builtin() -> LabeledData:
    """Everything the default model is trained on: seeds, then authored."""
    return load_seeds() + load_authored()
