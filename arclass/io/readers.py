"""Readers: files, lines, JSON Lines and CSV/TSV into :class:`Record` objects.

Each reader yields records lazily, in input order. A record that cannot be
read (undecodable bytes, malformed JSON, a missing text field, a runaway
quoted CSV field...) is still yielded, with its ``error`` set, so that the
output lines up with the input. Memory is bounded: no line, record or field
is held beyond ``max_chars`` characters (``4 * max_chars + 4`` bytes, the
most that many characters take in any encoding read here); the rest of it is
skipped while streaming.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from contextlib import ExitStack
from itertools import chain
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

from .decoding import DecodeError, decode_bytes
from .sources import (
    READ_ERRORS, Line, decoded_lines, open_source, read_problem,
    source_name,
)

__all__ = [
    "Record", "INPUT_FORMATS", "DEFAULT_MAX_CHARS", "CSV_MAX_LINES", "RESERVED_FIELDS",
    "read_document", "read_lines", "json_objects", "read_jsonl", "read_csv", "sniff_delimiter", "joined_text",
    "kind_of",
]

#: How an input file is split into records.
INPUT_FORMATS = ("document", "lines", "jsonl", "csv", "tsv")
#: Texts longer than this are error records (and longer lines are not held).
DEFAULT_MAX_CHARS = 1_000_000
#: A quoted CSV field may span at most this many lines.
CSV_MAX_LINES = 10_000
#: Output keys that input fields cannot be copied into.
RESERVED_FIELDS = ("id", "tags", "scores", "error")


class Record(NamedTuple):
    """One input document: its id, and its text or the reason it has none.

    ``extra`` holds the input fields to carry into the result (``None``
    means none). A record with an ``error`` is not tagged but still gets a
    result, so the output lines up with the input.
    """

    id: Any
    text: str | None
    error: str | None = None
    extra: dict[str, Any] | None = None


def _blank(keep_fields: Sequence[str]) -> dict[str, Any] | None:
    return dict.fromkeys(keep_fields) if keep_fields else None


def _max_bytes(max_chars: int | None) -> int | None:
    return None if max_chars is None else 4 * max_chars + 4


def _where(name: str, number: int) -> str:
    return f"{name}:{number}" if number else name


def _fields(text_field: str | Sequence[str]) -> tuple[str, ...]:
    return (text_field,) if isinstance(text_field, str) else tuple(text_field)


def read_document(
    source,
    *,
    encoding: str | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    keep_fields: Sequence[str] = (),
    id: Any = None,
) -> Record:
    """The whole of ``source`` (a path, ``"-"`` for stdin, or a binary stream) as one record.

    Files bigger than ``max_chars`` could be in their encoding are not read.
    """
    name = source_name(source)
    limit = _max_bytes(max_chars)
    record_id = name if id is None else id
    try:
        if limit is not None and isinstance(source, (str, os.PathLike)) and source != "-":
            size = os.stat(source).st_size
            if size > limit and not name.endswith(".gz"):
                return Record(record_id, None, f"text longer than {max_chars} characters ({size} bytes)",
                              _blank(keep_fields))
        with ExitStack() as stack:
            _, stream = open_source(source, stack)
            data = stream.read() if limit is None else stream.read(limit + 1)
    except READ_ERRORS as exc:
        return Record(record_id, None, read_problem(exc), _blank(keep_fields))
    if limit is not None and len(data) > limit:
        return Record(record_id, None, f"text longer than {max_chars} characters", _blank(keep_fields))
    try:
        return Record(record_id, decode_bytes(data, encoding), None, _blank(keep_fields))
    except DecodeError as exc:
        return Record(record_id, None, str(exc), _blank(keep_fields))


def read_lines(
    source, *, encoding: str | None = None, keep_fields: Sequence[str] = (),
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Iterator[Record]:
    """One record per non-blank line; ids are ``name:line``."""
    return _line_records(source_name(source), decoded_lines(source, encoding, _max_bytes(max_chars)), keep_fields)


def _line_records(name: str, lines: Iterable[Line], keep_fields: Sequence[str]) -> Iterator[Record]:
    for line in lines:
        if line.error is None and not line.text.strip():
            continue
        yield Record(_where(name, line.number), line.text, line.error, _blank(keep_fields))


def kind_of(value: Any) -> str:
    """What a JSON value is, for messages: "null", "a number", "a list"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def json_objects(
    source, *, encoding: str | None = None, max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Iterator[tuple[str, dict | None, str | None]]:
    """``(where, object, error)`` for each non-blank line of a JSON Lines source.

    The one JSON Lines parser of arclass: tagging and labeled data both read
    through it. ``where`` is ``name:line``; ``object`` is None on an error.
    """
    return _json_objects(source_name(source), decoded_lines(source, encoding, _max_bytes(max_chars)))


def _json_objects(name: str, lines: Iterable[Line]) -> Iterator[tuple[str, dict | None, str | None]]:
    for line in lines:
        where = _where(name, line.number)
        if line.error is not None:
            yield where, None, line.error
            continue
        if not line.text.strip():
            continue
        try:
            obj = json.loads(line.text)
        except json.JSONDecodeError as exc:
            yield where, None, f"invalid JSON ({exc.msg} at column {exc.colno})"
            continue
        except RecursionError:
            yield where, None, "invalid JSON (nested too deeply)"
            continue
        if not isinstance(obj, dict):
            yield where, None, f"not a JSON object ({kind_of(obj)})"
            continue
        yield where, obj, None


def joined_text(values: Sequence[tuple[str, Any]]) -> tuple[str | None, str | None]:
    """The text of a record from its text fields, present ones as ``(name, value)``.

    One field: its string. Several: their non-empty strings joined by a
    newline (a title and a body). A value that is neither a string nor
    missing is an error.
    """
    if not values:
        return None, None
    for field, value in values:
        if value is not None and not isinstance(value, str):
            return None, f"field {field!r} is {kind_of(value)}, not a string"
    if len(values) == 1:
        field, value = values[0]
        return (value, None) if isinstance(value, str) else (None, f"field {field!r} is null, not a string")
    return "\n".join(v for _, v in values if isinstance(v, str) and v.strip()), None


def read_jsonl(
    source,
    *,
    text_field: str | Sequence[str] = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    encoding: str | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Iterator[Record]:
    """One record per JSON Lines object; blank lines are skipped.

    The id is the ``id_field`` value when present (a string or number), else
    ``name:line``. ``text_field`` may name several fields, joined by a
    newline. ``keep_fields`` are carried into the result (``None`` when
    absent).
    """
    objects = json_objects(source, encoding=encoding, max_chars=max_chars)
    return _jsonl_records(objects, _fields(text_field), id_field, keep_fields)


def _jsonl_records(
    objects: Iterable[tuple[str, dict | None, str | None]], fields: tuple[str, ...], id_field: str,
    keep_fields: Sequence[str],
) -> Iterator[Record]:
    for where, obj, problem in objects:
        if obj is None:
            yield Record(where, None, problem, _blank(keep_fields))
            continue
        record_id = obj.get(id_field)
        if record_id is None or record_id == "" or isinstance(record_id, (bool, list, dict)):
            record_id = where
        extra = {field: obj.get(field) for field in keep_fields} if keep_fields else None
        present = [(f, obj[f]) for f in fields if f in obj]
        if not present:
            yield Record(record_id, None, f"no {' or '.join(map(repr, fields))} field", extra)
            continue
        text, problem = joined_text(present)
        yield Record(record_id, text, problem, extra)


class _CsvLines:
    """The lines fed to :mod:`csv`, with guards: a quoted field may not run on forever.

    When the record being read has spanned more than ``max_lines`` lines or
    ``max_chars`` characters, the field is closed by an injected quote; that
    record is reported as an error naming the line it started on, and reading
    starts again at the line after it (the lines since are replayed), so one
    stray quote costs one record.
    """

    def __init__(self, lines: Iterator[Line], max_lines: int, max_chars: int | None) -> None:
        self.lines = lines
        self.max_lines = max_lines
        self.max_chars = max_chars
        self.replay: list[Line] = []
        self.record: list[Line] = []  # lines of the record being read
        self.size = 0
        self.runaway: int | None = None  # start line of a record cut short
        self.bad: dict[int, str] = {}
        self.fatal: Line | None = None

    def start_record(self) -> None:
        self.record, self.size = [], 0

    def __iter__(self):
        return self

    def _next_line(self) -> Line:
        if self.replay:
            return self.replay.pop()
        return next(self.lines)

    def __next__(self) -> str:
        if self.fatal is not None:
            raise StopIteration
        if self.record and (len(self.record) >= self.max_lines
                            or (self.max_chars is not None and self.size > self.max_chars)):
            self.runaway = self.record[0].number
            self.replay = list(reversed(self.record[1:]))
            self.record = []
            return '"\n'
        line = self._next_line()
        if line.fatal:
            self.fatal = line
            raise StopIteration
        self.record.append(line)
        if line.error is not None:
            self.bad[line.number] = line.error
            text = line.stand_in
        else:
            text = line.text
        self.size += len(text) + 1
        return text + "\n"


#: Delimiters a CSV header is sniffed for, the usual first.
DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV header line: the candidate that splits it most, outside quotes."""
    outside, quoted = [], False
    for c in header:
        if c == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(c)
    text = "".join(outside)
    counts = [text.count(d) for d in DELIMITERS]
    best = max(range(len(DELIMITERS)), key=lambda i: (counts[i], -i))
    return DELIMITERS[best] if counts[best] else ","


def read_csv(
    source,
    *,
    text_field: str | Sequence[str] = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    delimiter: str | None = None,
    encoding: str | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    max_lines: int = CSV_MAX_LINES,
) -> Iterator[Record]:
    """One record per row of a CSV (or, with ``delimiter="\\t"``, TSV) file with a header.

    ``delimiter`` None means :func:`sniff_delimiter` of the header line:
    spreadsheets in Arabic locales often write ``;``.
    Quoted fields may span up to ``max_lines`` lines. Blank lines are
    skipped. The id is the ``id_field`` column when present and not empty,
    else ``name:line``. ``text_field`` may name several columns, joined by a
    newline.
    """
    name = source_name(source)
    fields = _fields(text_field)
    lines = decoded_lines(source, encoding, _max_bytes(max_chars))
    if delimiter is None:
        first = next(lines, None)
        delimiter = sniff_delimiter(first.text if first is not None and first.text else "")
        lines = chain([first] if first is not None else [], lines)
    kind = "TSV" if delimiter == "\t" else "CSV"
    feed = _CsvLines(lines, max_lines, max_chars)
    if csv.field_size_limit() < sys.maxsize // 2:
        csv.field_size_limit(sys.maxsize // 2)  # the limit is max_chars, enforced by the feed
    reader = csv.reader(feed, delimiter=delimiter)
    header: list[str] | None = None
    index: dict[str, int] = {}
    while True:
        feed.start_record()
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            start = feed.record[0].number if feed.record else 0
            yield Record(_where(name, start), None, f"malformed {kind} ({exc})", _blank(keep_fields))
            continue
        lines = feed.record
        start = lines[0].number if lines else 0
        where = _where(name, start)
        if feed.runaway is not None:
            start, feed.runaway = feed.runaway, None
            for n in range(start, start + max_lines + 1):
                feed.bad.pop(n, None)
            yield Record(_where(name, start), None,
                         f"a quoted field that starts on line {start} is not closed within "
                         f"{max_lines} lines or {max_chars} characters; row skipped", _blank(keep_fields))
            continue
        problems = [feed.bad.pop(line.number) for line in lines if line.number in feed.bad]
        if header is None:
            if problems:
                yield Record(where, None, f"cannot read the header: {problems[0]}; file skipped",
                             _blank(keep_fields))
                return
            header = row
            index = {column: i for i, column in enumerate(header)}
            continue
        if not row and not problems:
            continue  # a blank line
        extra = None
        if keep_fields:
            extra = {f: (row[index[f]] if f in index and index[f] < len(row) else None) for f in keep_fields}
        record_id = row[index[id_field]] if id_field in index and index[id_field] < len(row) else ""
        record_id = record_id or where
        present = [(f, row[index[f]]) for f in fields if f in index and index[f] < len(row)]
        if problems:
            yield Record(record_id, None, problems[0], extra)
        elif len(row) != len(header):
            yield Record(record_id, None, f"row has {len(row)} fields, the header has {len(header)}", extra)
        elif not present:
            yield Record(record_id, None,
                         f"no {' or '.join(map(repr, fields))} column (columns: {', '.join(header)})", extra)
        else:
            yield Record(record_id, *joined_text(present), extra)
    if feed.fatal is not None:
        yield Record(_where(name, feed.fatal.number), None, feed.fatal.error, _blank(keep_fields))
