"""Writers of result dicts: JSON Lines, CSV, TSV, or an aligned table for a terminal.

A writer takes one batch of results at a time (``writer.write(results)``)
and writes it to a text stream; CSV and TSV write their header at once, so
a run with no records still writes a valid file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import IO, Any, Sequence

__all__ = ["OUTPUT_FORMATS", "TAG_SEPARATOR", "make_writer", "format_for_path"]

OUTPUT_FORMATS = ("jsonl", "csv", "tsv", "table")
#: How the tags of one record are joined in the CSV, TSV and table outputs.
TAG_SEPARATOR = ";"
_BY_EXTENSION = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv",
                 ".tab": "tsv", ".txt": "table"}


def format_for_path(path: str | None) -> str | None:
    """The output format an output file's name asks for (``tags.csv``: csv), or None."""
    if path is None or path == "-":
        return None
    name = path.lower()
    for extension, format in _BY_EXTENSION.items():
        if name.endswith(extension):
            return format
    return None


# Lone surrogates (from JSON escapes such as "\\ud800") cannot be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_line(result: dict[str, Any]) -> str:
    line = json.dumps(result, ensure_ascii=False)
    if _SURROGATE.search(line):
        line = json.dumps(result)  # \u escapes: still the same JSON value
    return line + "\n"


class _JsonLinesWriter:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def write(self, results: Sequence[dict[str, Any]]) -> None:
        self.out.write("".join([_json_line(r) for r in results]))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class _DelimitedWriter:
    """CSV or TSV: id, tags (joined by :data:`TAG_SEPARATOR`), one score column per label, error, kept fields."""

    def __init__(
        self, out: IO[str], labels: Sequence[str], keep_fields: Sequence[str], delimiter: str
    ) -> None:
        self.labels = [str(x) for x in labels]
        self.keep = list(keep_fields)
        columns = ["id", "tags", *self.labels, "error", *self.keep]
        clash = {c for c in columns if columns.count(c) > 1}
        if clash:
            raise ValueError(f"column {sorted(clash)[0]!r} would appear twice in the output")
        self.out = out
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=delimiter, lineterminator="\n")
        self.writer.writerow(columns)
        self.write([])  # the header, even when no record follows

    def write(self, results: Sequence[dict[str, Any]]) -> None:
        for r in results:
            scores = r["scores"]
            self.writer.writerow(
                [_cell(r["id"]), "" if r["tags"] is None else TAG_SEPARATOR.join(map(str, r["tags"])),
                 *(("" if scores is None else _cell(scores[n])) for n in self.labels),
                 r["error"] or "", *(_cell(r.get(k)) for k in self.keep)]
            )
        self.out.write(self.buffer.getvalue())
        self.buffer.seek(0)
        self.buffer.truncate()


class _TableWriter:
    """Aligned columns for reading in a terminal: id, tags, one score per label."""

    def __init__(self, out: IO[str], labels: Sequence[str]) -> None:
        self.out = out
        self.labels = [str(x) for x in labels]
        self.id_width: int | None = None
        self.tags_width = max(len(TAG_SEPARATOR.join(self.labels)), 4)

    def write(self, results: Sequence[dict[str, Any]]) -> None:
        lines = []
        if self.id_width is None:
            self.id_width = min(max([len(str(r["id"])) for r in results] + [2]), 40)
            lines.append(self._row("id", "tags", self.labels).rstrip())
        for r in results:
            if r["error"] is not None:
                lines.append(f"{_cell(str(r['id'])):<{self.id_width}}  error: {r['error']}")
            else:
                scores = [f"{r['scores'][n]:.4f}" for n in self.labels]
                lines.append(self._row(_cell(str(r["id"])), TAG_SEPARATOR.join(map(str, r["tags"])) or "-", scores))
        self.out.write("".join(line + "\n" for line in lines))

    def _row(self, id: str, tags: str, cells: Sequence[str]) -> str:
        scores = "  ".join(f"{c:>{max(len(n), 6)}}" for c, n in zip(cells, self.labels))
        return f"{id:<{self.id_width}}  {tags:<{self.tags_width}}  {scores}"


def make_writer(format: str, out: IO[str], labels: Sequence[str], keep_fields: Sequence[str] = ()):
    """A writer of result dicts to ``out``: ``writer.write(results)`` per batch.

    ``format`` is one of :data:`OUTPUT_FORMATS`. CSV and TSV write their
    header row at once; ``table`` leaves out kept fields.
    """
    if format == "jsonl":
        return _JsonLinesWriter(out)
    if format in ("csv", "tsv"):
        return _DelimitedWriter(out, labels, keep_fields, "," if format == "csv" else "\t")
    if format == "table":
        return _TableWriter(out, labels)
    raise ValueError(f"unknown output format {format!r}; one of {', '.join(OUTPUT_FORMATS)}")
