"""Writers of result dicts: JSON Lines, CSV, TSV, or an aligned table for a terminal.

A formatter turns one batch of results at a time into text, with nothing
shared between batches but the header (except the table's column widths),
so worker processes can format their own batches. A writer writes a
formatter's text to a stream; CSV and TSV write their header at once, so a
run with no records still writes a valid file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import IO, Any, NamedTuple, Sequence

__all__ = ["OUTPUT_FORMATS", "TAG_SEPARATOR", "Formatted", "make_formatter", "make_writer", "format_for_path"]

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


class Formatted(NamedTuple):
    """One batch of results as output text, with its counts."""

    text: str
    count: int
    failed: int


class _Format:
    """Results to output text, a batch at a time; plain data, so that worker processes can format."""

    header = ""
    #: Whether each batch formats alone (False: the table measures its first batch).
    stateless = True

    def format(self, results: Sequence[dict[str, Any]]) -> str:
        raise NotImplementedError

    def batch(self, results: Sequence[dict[str, Any]]) -> Formatted:
        return Formatted(self.format(results), len(results), sum(r["error"] is not None for r in results))


class _JsonLines(_Format):
    def format(self, results: Sequence[dict[str, Any]]) -> str:
        return "".join([_json_line(r) for r in results])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class _Delimited(_Format):
    """CSV or TSV: id, tags (joined by :data:`TAG_SEPARATOR`), one score column per label, error, kept fields."""

    def __init__(self, labels: Sequence[str], keep_fields: Sequence[str], delimiter: str) -> None:
        self.labels = [str(x) for x in labels]
        self.keep = list(keep_fields)
        self.delimiter = delimiter
        columns = ["id", "tags", *self.labels, "error", *self.keep]
        clash = {c for c in columns if columns.count(c) > 1}
        if clash:
            raise ValueError(f"column {sorted(clash)[0]!r} would appear twice in the output")
        self.header = self._rows([columns])

    def _rows(self, rows) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator="\n").writerows(rows)
        return buffer.getvalue()

    def format(self, results: Sequence[dict[str, Any]]) -> str:
        return self._rows(
            [_cell(r["id"]), "" if r["tags"] is None else TAG_SEPARATOR.join(map(str, r["tags"])),
             *(("" if r["scores"] is None else _cell(r["scores"][n])) for n in self.labels),
             r["error"] or "", *(_cell(r.get(k)) for k in self.keep)]
            for r in results)


class _Table(_Format):
    """Aligned columns for reading in a terminal: id, tags, one score per label."""

    stateless = False

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = [str(x) for x in labels]
        self.id_width: int | None = None
        self.tags_width = max(len(TAG_SEPARATOR.join(self.labels)), 4)

    def format(self, results: Sequence[dict[str, Any]]) -> str:
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
        return "".join(line + "\n" for line in lines)

    def _row(self, id: str, tags: str, cells: Sequence[str]) -> str:
        scores = "  ".join(f"{c:>{max(len(n), 6)}}" for c, n in zip(cells, self.labels))
        return f"{id:<{self.id_width}}  {tags:<{self.tags_width}}  {scores}"


def make_formatter(format: str, labels: Sequence[str], keep_fields: Sequence[str] = ()) -> _Format:
    """What turns results into ``format`` text: ``.header``, then ``.format(results)`` per batch.

    ``format`` is one of :data:`OUTPUT_FORMATS`; ``table`` leaves out kept fields.
    """
    if format == "jsonl":
        return _JsonLines()
    if format in ("csv", "tsv"):
        return _Delimited(labels, keep_fields, "," if format == "csv" else "\t")
    if format == "table":
        return _Table(labels)
    raise ValueError(f"unknown output format {format!r}; one of {', '.join(OUTPUT_FORMATS)}")


class _Writer:
    def __init__(self, out: IO[str], formatter: _Format) -> None:
        self.out = out
        self.formatter = formatter
        if formatter.header:
            out.write(formatter.header)

    def write(self, results: Sequence[dict[str, Any]]) -> None:
        self.out.write(self.formatter.format(results))


def make_writer(format: str, out: IO[str], labels: Sequence[str], keep_fields: Sequence[str] = ()) -> _Writer:
    """A writer of result dicts to ``out``: ``writer.write(results)`` per batch.

    As :func:`make_formatter`; CSV and TSV write their header row at once,
    so a run with no records still writes a valid file.
    """
    return _Writer(out, make_formatter(format, labels, keep_fields))
