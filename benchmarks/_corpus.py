"""Reading benchmark corpora: JSON Lines (optionally gzipped) with a text field, by arclass's own reader."""

from __future__ import annotations

from arclass.io.readers import json_objects


def read_texts(path: str, limit: int | None = None, field: str = "text", with_title: bool = False) -> list[str]:
    """The first ``limit`` non-empty texts of a JSON Lines corpus (title and text with ``with_title``)."""
    texts: list[str] = []
    for where, record, problem in json_objects(path, max_chars=None):
        if record is None:
            raise ValueError(f"{where}: {problem}")
        text = record.get(field) or ""
        if with_title and record.get("title"):
            text = record["title"] + "\n" + text
        if text.strip():
            texts.append(text)
            if limit is not None and len(texts) >= limit:
                break
    return texts


def summary(values: list[float]) -> tuple[float, float, float]:
    """Median, min and max."""
    ordered = sorted(values)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return median, ordered[0], ordered[-1]
