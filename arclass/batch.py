"""Tag many documents: read records, tag them in batches, write the results.

Three kinds of small pieces, joined by plain iterators:

readers
    :func:`read_inputs` (and :func:`read_document`, :func:`read_lines`,
    :func:`read_jsonl`, :func:`read_csv`) yield :class:`Record` objects
    lazily, in input order, never holding a whole input in memory. A record
    that cannot be read (undecodable bytes, malformed JSON, a missing text
    field...) is still yielded, with its ``error`` set.
taggers
    :func:`tag_batch` turns a list of records into a list of result dicts,
    one per record, in order; it is pure, so it can run per batch in worker
    processes or per partition of a Dask bag. :func:`tag_batches` and
    :func:`tag_records` stream any number of records through it, optionally
    in ``n_jobs`` worker processes, with identical output.
writers
    :func:`make_writer` writes result dicts as JSON Lines, CSV, TSV or an
    aligned table.

The result dict, a stable part of the API::

    {"id": ...,          # the record's id: a field of the input, or where it came from
     "tags": [...],      # labels at or above their threshold, most probable first
     "scores": {...},    # every label's probability, rounded to `decimals`
     "error": None,      # or the reason the record was not tagged
     ...}                # then the fields carried over from the input (keep_fields)

An error result has ``tags`` and ``scores`` set to ``None``: "not tagged" is
never confused with "no topic" (``tags == []``).

>>> from arclass import load
>>> from arclass.batch import Record, tag_batch
>>> tag_batch(load(), [Record("a", "ارتفعت أسعار النفط"), Record("b", "  ")])  # doctest: +SKIP
[{'id': 'a', 'tags': ['oil'], 'scores': {...}, 'error': None},
 {'id': 'b', 'tags': None, 'scores': None, 'error': 'empty text'}]
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import io
import json
import os
import queue
import re
import sys
import threading
import time
import unicodedata
import zlib
from collections import deque
from contextlib import ExitStack
from itertools import islice
from typing import IO, Any, BinaryIO, Iterable, Iterator, NamedTuple, Sequence

import numpy as np

__all__ = [
    "Record",
    "DecodeError",
    "RESULT_KEYS",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "DEFAULT_MAX_CHARS",
    "DEFAULT_BATCH_SIZE",
    "decode_bytes",
    "detect_format",
    "iter_files",
    "read_inputs",
    "read_document",
    "read_lines",
    "read_jsonl",
    "read_csv",
    "parse_thresholds",
    "tag_batch",
    "tag_batches",
    "tag_records",
    "make_writer",
    "Progress",
    "Tally",
    "raise_on_sigterm",
]

#: Keys of every result dict, in this order, before any carried-over fields.
RESULT_KEYS = ("id", "tags", "scores", "error")
#: How an input file is split into records.
INPUT_FORMATS = ("document", "lines", "jsonl", "csv", "tsv")
OUTPUT_FORMATS = ("jsonl", "csv", "tsv", "table")
#: Texts longer than this are error records (and bigger files are not read).
DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_BATCH_SIZE = 256

_STDIN = "<stdin>"
_CHUNK = 1 << 16
_EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
}


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


class DecodeError(ValueError):
    """Bytes that are not text in any encoding arclass accepts."""


# -- decoding ----------------------------------------------------------------

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NON_ASCII_LETTER = re.compile(r"(?![\x00-\x7f])[^\W\d_]")
_ARABIC_LETTER = re.compile(r"(?=[\u0600-\u06ff])[^\W\d_]")
# The bytes of UTF-8-encoded Arabic letters: a lead byte D8-DB and one
# continuation byte. Undecodable UTF-8 full of them is damaged UTF-8, which
# Windows-1256 would also "decode" (into nonsense), so it is refused.
_UTF8_ARABIC_PAIR = re.compile(rb"[\xd8-\xdb][\x80-\xbf]")
_NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")
_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _sniff(head: bytes, encoding: str | None) -> tuple[str | None, int]:
    """The codec to decode with (None: guess per piece) and the BOM's length."""
    if encoding is None:
        for bom, codec in _BOMS:
            if head.startswith(bom):
                return codec, len(bom)
        return None, 0
    codec = codecs.lookup(encoding).name
    if codec in ("utf-8", "utf-8-sig"):
        return "utf-8", len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    for family in ("utf-16", "utf-32"):
        if codec.startswith(family):
            for bom, bom_codec in _BOMS:
                if bom_codec.startswith(family) and head.startswith(bom):
                    if codec in (family, bom_codec):
                        return bom_codec, len(bom)
            return (f"{family}-le" if codec == family else codec), 0
    return codec, 0


def _newline(codec: str | None) -> bytes:
    return b"\n" if codec is None else "\n".encode(codec)


def _decode(data: bytes, codec: str | None) -> str:
    """Decode strictly with ``codec``, or guess (UTF-8, then Windows-1256)."""
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            raise DecodeError(f"cannot decode as {codec} ({_where_bad(exc)})") from None
    if b"\x00" in data:
        raise DecodeError("binary data (NUL bytes); for UTF-16 without a BOM give the encoding")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_problem = _where_bad(exc)
    text = data.decode("cp1256")  # every byte has a meaning in cp1256
    if _looks_like_cp1256_arabic(data, text):
        return text
    raise DecodeError(f"cannot decode as UTF-8 or Windows-1256 (UTF-8: {utf8_problem})")


def _where_bad(exc: UnicodeDecodeError) -> str:
    return f"{exc.reason} 0x{exc.object[exc.start]:02x} at byte {exc.start}"


def _looks_like_cp1256_arabic(data: bytes, text: str) -> bool:
    """Whether ``text`` (``data`` read as cp1256) is plausibly Arabic text."""
    if _CONTROL.search(text):
        return False
    arabic = len(_ARABIC_LETTER.findall(text))
    if arabic == 0 or arabic < 0.8 * len(_NON_ASCII_LETTER.findall(text)):
        return False
    if arabic < 0.3 * len(_LETTER.findall(text)):
        return False
    utf8_pairs = len(_UTF8_ARABIC_PAIR.findall(data))
    return 2 * utf8_pairs < 0.5 * len(_NON_ASCII_BYTE.findall(data))


def decode_bytes(data: bytes, encoding: str | None = None) -> str:
    """Decode one document's bytes strictly; raise :class:`DecodeError` if impossible.

    Without ``encoding``: a BOM (UTF-8, UTF-16, UTF-32) decides; otherwise
    UTF-8, then Windows-1256 when the result looks like Arabic. Bytes are
    never replaced or dropped; NUL bytes mean binary data. A BOM is removed.
    """
    codec, bom = _sniff(data[:4], encoding)
    return _decode(data[bom:], codec)


# -- opening inputs ----------------------------------------------------------


class _Prepended(io.RawIOBase):
    """A raw stream reading ``head`` and then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = head
        self._stream = stream
        self._read = getattr(stream, "read1", stream.read)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _with_head(stream: BinaryIO, n: int = 4) -> tuple[bytes, BinaryIO]:
    head = stream.read(n)
    return head, io.BufferedReader(_Prepended(head, stream), _CHUNK)


def _open(source, stack: ExitStack) -> tuple[bytes, BinaryIO]:
    """The first bytes and a binary stream of ``source``, gunzipped if need be."""
    if source == "-":
        # Unbuffered, so that a reader thread blocked on a quiet pipe holds no
        # lock of sys.stdin's, which the interpreter needs when it exits.
        try:
            stream = stack.enter_context(open(sys.stdin.fileno(), "rb", buffering=0, closefd=False))
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
            stream = sys.stdin.buffer  # a stand-in stdin with no file descriptor
    elif isinstance(source, (str, os.PathLike)):
        stream = stack.enter_context(open(source, "rb"))
    else:
        stream = source
    head, stream = _with_head(stream)
    if head[:2] == b"\x1f\x8b":
        import gzip

        head, stream = _with_head(stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb")))
    elif _name(source).endswith(".gz"):
        raise OSError("not gzip data, despite the .gz name")
    return head, stream


def _name(source) -> str:
    if source == "-":
        return _STDIN
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


def _read_problem(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read: {exc.strerror}"
    return f"cannot read: {exc}" if str(exc) else f"cannot read: {type(exc).__name__}"


# Raised while reading a (possibly gzip-compressed) input.
_READ_ERRORS = (OSError, EOFError, zlib.error)


def detect_format(name: str) -> str:
    """The input format its file name suggests: ``jsonl``, ``csv``, ``tsv`` or ``document``.

    A ``.gz`` suffix is ignored (``news.jsonl.gz`` is JSON Lines).
    """
    name = name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return _EXTENSIONS.get(os.path.splitext(name)[1], "document")


def iter_files(folder: str | os.PathLike, glob: str = "*.txt") -> Iterator[tuple[str, str | None]]:
    """``(path, error)`` for the files under ``folder`` whose name matches ``glob``.

    Recursive, in sorted order. ``glob`` is matched against file names, with
    or without a ``.gz`` suffix. A folder that cannot be listed is reported
    as ``(folder, reason)`` rather than skipped. Symbolic links to folders are
    not followed (they could loop).
    """
    folder = os.fspath(folder)
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"cannot list folder: {exc.strerror or exc}"
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from iter_files(entry.path, glob)
        elif _matches(entry.name, glob) and entry.is_file():
            yield entry.path, None


def _matches(name: str, glob: str) -> bool:
    return fnmatch.fnmatch(name, glob) or (name.endswith(".gz") and fnmatch.fnmatch(name[:-3], glob))


# -- readers -----------------------------------------------------------------


def _blank(keep_fields: Sequence[str]) -> dict[str, Any] | None:
    return dict.fromkeys(keep_fields) if keep_fields else None


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
    name = _name(source)
    limit = None if max_chars is None else 4 * max_chars + 4
    record_id = name if id is None else id
    try:
        if limit is not None and isinstance(source, (str, os.PathLike)) and source != "-":
            size = os.stat(source).st_size
            if size > limit and not name.endswith(".gz"):
                return Record(record_id, None, f"text longer than {max_chars} characters ({size} bytes)",
                              _blank(keep_fields))
        with ExitStack() as stack:
            head, stream = _open(source, stack)
            data = stream.read() if limit is None else stream.read(limit + 1)
    except _READ_ERRORS as exc:
        return Record(record_id, None, _read_problem(exc), _blank(keep_fields))
    if limit is not None and len(data) > limit:
        return Record(record_id, None, f"text longer than {max_chars} characters", _blank(keep_fields))
    try:
        return Record(record_id, decode_bytes(data, encoding), None, _blank(keep_fields))
    except DecodeError as exc:
        return Record(record_id, None, str(exc), _blank(keep_fields))


def _split_units(stream: BinaryIO, newline: bytes) -> Iterator[bytes]:
    """Lines of a stream whose newline is several bytes (UTF-16, UTF-32)."""
    unit = len(newline)
    read = getattr(stream, "read1", stream.read)
    buffer = b""
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            break
        buffer += chunk
        start = search = 0
        while True:
            found = buffer.find(newline, search)
            if found < 0:
                break
            if (found - start) % unit:  # straddles two code units
                search = found + 1
                continue
            yield buffer[start : found + unit]
            start = search = found + unit
        buffer = buffer[start:]
    if buffer:
        yield buffer


class _Line(NamedTuple):
    number: int  # 1-based; 0 when the input could not be opened
    text: str | None  # without its line ending; None when it cannot be decoded
    error: str | None = None
    fatal: bool = False  # a read error: no more lines follow
    stand_in: str = ""  # for an undecodable line: a lossless stand-in, never tagged


def _decoded_lines(source, encoding: str | None) -> Iterator[_Line]:
    """The lines of ``source``, decoded one by one, so one bad line spoils only itself.

    A read error (a truncated gzip file, a vanished file) ends the lines
    with a ``fatal`` one.
    """
    number = 0
    try:
        with ExitStack() as stack:
            head, stream = _open(source, stack)
            codec, bom = _sniff(head, encoding)
            stream.read(bom)
            newline = _newline(codec)
            lines = stream if newline == b"\n" else _split_units(stream, newline)
            for number, raw in enumerate(lines, 1):
                try:
                    text = _decode(raw, codec)
                except DecodeError as exc:
                    # latin-1 maps bytes one to one, keeping the line's ASCII
                    # structure (quotes, delimiters) for the CSV parser.
                    stand_in = raw.decode("latin-1") if newline == b"\n" else ""
                    yield _Line(number, None, str(exc), stand_in=stand_in)
                    continue
                if text.endswith("\n"):
                    text = text[:-2] if text.endswith("\r\n") else text[:-1]
                yield _Line(number, text)
    except _READ_ERRORS as exc:
        where = f" after line {number}" if number else ""
        yield _Line(number + 1 if number else 0, None, _read_problem(exc) + where, fatal=True)


def _where(name: str, number: int) -> str:
    return f"{name}:{number}" if number else name


def read_lines(
    source, *, encoding: str | None = None, keep_fields: Sequence[str] = ()
) -> Iterator[Record]:
    """One record per line; ids are ``name:line``. Blank lines are error records."""
    name = _name(source)
    for line in _decoded_lines(source, encoding):
        yield Record(_where(name, line.number), line.text, line.error, _blank(keep_fields))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _text_of(value: Any, field: str) -> tuple[str | None, str | None]:
    if isinstance(value, str):
        return value, None
    return None, f"field {field!r} is {_kind(value)}, not a string"


def read_jsonl(
    source,
    *,
    text_field: str = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    encoding: str | None = None,
) -> Iterator[Record]:
    """One record per JSON Lines object; blank lines are skipped.

    The id is the ``id_field`` value when present (a string or number), else
    ``name:line``. ``keep_fields`` are carried into the result (``None`` when
    absent).
    """
    name = _name(source)
    for line in _decoded_lines(source, encoding):
        where = _where(name, line.number)
        if line.error is not None:
            yield Record(where, None, line.error, _blank(keep_fields))
            continue
        if not line.text.strip():
            continue
        try:
            obj = json.loads(line.text)
        except json.JSONDecodeError as exc:
            yield Record(where, None, f"invalid JSON ({exc.msg} at column {exc.colno})", _blank(keep_fields))
            continue
        except RecursionError:
            yield Record(where, None, "invalid JSON (nested too deeply)", _blank(keep_fields))
            continue
        if not isinstance(obj, dict):
            yield Record(where, None, f"not a JSON object ({_kind(obj)})", _blank(keep_fields))
            continue
        record_id = obj.get(id_field)
        if record_id is None or record_id == "" or isinstance(record_id, (bool, list, dict)):
            record_id = where
        extra = {field: obj.get(field) for field in keep_fields} if keep_fields else None
        if text_field not in obj:
            yield Record(record_id, None, f"no {text_field!r} field", extra)
            continue
        text, problem = _text_of(obj[text_field], text_field)
        yield Record(record_id, text, problem, extra)


def read_csv(
    source,
    *,
    text_field: str = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    delimiter: str = ",",
    encoding: str | None = None,
) -> Iterator[Record]:
    """One record per row of a CSV (or, with ``delimiter="\\t"``, TSV) file with a header.

    Quoted fields may span lines. Blank lines are skipped. The id is the
    ``id_field`` column when present and not empty, else ``name:line``.
    """
    name = _name(source)
    bad_lines: dict[int, str] = {}
    read_error: list[_Line] = []

    def lines() -> Iterator[str]:
        for line in _decoded_lines(source, encoding):
            if line.fatal:
                read_error.append(line)
                return
            if line.error is not None:
                bad_lines[line.number] = line.error  # its row becomes an error record
                yield line.stand_in + "\n"
            else:
                yield line.text + "\n"

    if csv.field_size_limit() < sys.maxsize // 2:
        csv.field_size_limit(sys.maxsize // 2)  # our own limit is max_chars
    reader = csv.reader(lines(), delimiter=delimiter)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            for n in range(start, reader.line_num + 1):
                bad_lines.pop(n, None)
            reason = f"malformed {_csv_kind(delimiter)} ({exc})"
            yield Record(f"{name}:{start}", None, reason, _blank(keep_fields))
            continue
        where = f"{name}:{start}"
        problems = [bad_lines.pop(n) for n in range(start, reader.line_num + 1) if n in bad_lines]
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
        if problems:
            yield Record(record_id, None, problems[0], extra)
        elif len(row) != len(header):
            yield Record(record_id, None, f"row has {len(row)} fields, the header has {len(header)}", extra)
        elif text_field not in index:
            yield Record(record_id, None, f"no {text_field!r} column (columns: {', '.join(header)})", extra)
        else:
            yield Record(record_id, row[index[text_field]], None, extra)
    for line in read_error:
        yield Record(_where(name, line.number), None, line.error, _blank(keep_fields))


def _csv_kind(delimiter: str) -> str:
    return "TSV" if delimiter == "\t" else "CSV"


def read_file(
    source,
    format: str | None = None,
    *,
    encoding: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Iterator[Record]:
    """The records of one file (or ``"-"``, or a binary stream) in ``format``.

    ``format`` None means :func:`detect_format` of the file's name.
    """
    format = format or detect_format(_name(source))
    if format == "document":
        yield read_document(source, encoding=encoding, max_chars=max_chars, keep_fields=keep_fields)
    elif format == "lines":
        yield from read_lines(source, encoding=encoding, keep_fields=keep_fields)
    elif format == "jsonl":
        yield from read_jsonl(source, text_field=text_field, id_field=id_field,
                              keep_fields=keep_fields, encoding=encoding)
    elif format in ("csv", "tsv"):
        yield from read_csv(source, text_field=text_field, id_field=id_field, keep_fields=keep_fields,
                            delimiter="," if format == "csv" else "\t", encoding=encoding)
    else:
        raise ValueError(f"unknown input format {format!r}; one of {', '.join(INPUT_FORMATS)}")


def read_inputs(
    inputs: Iterable[str | os.PathLike] = ("-",),
    *,
    format: str | None = None,
    glob: str = "*.txt",
    encoding: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Iterator[Record]:
    """Records from files, folders (recursively, files matching ``glob``) and ``"-"`` (stdin).

    ``format`` (one of :data:`INPUT_FORMATS`) applies to every file; None
    means by file name (:func:`detect_format`), and one document for stdin.
    Checks its arguments at once; reads lazily.
    """
    if format is not None and format not in INPUT_FORMATS:
        raise ValueError(f"unknown input format {format!r}; one of {', '.join(INPUT_FORMATS)}")
    if encoding is not None:
        codecs.lookup(encoding)  # LookupError for an unknown encoding
    reserved = sorted(set(keep_fields) & set(RESULT_KEYS))
    if reserved:
        raise ValueError(f"cannot keep field {reserved[0]!r}: the output has its own {reserved[0]!r}")
    options = dict(encoding=encoding, text_field=text_field, id_field=id_field,
                   keep_fields=tuple(keep_fields), max_chars=max_chars)
    return _read_inputs(list(inputs), format, glob, options)


def _read_inputs(inputs: list, format: str | None, glob: str, options: dict) -> Iterator[Record]:
    for item in inputs:
        if item == "-":
            yield from read_file("-", format or "document", **options)
        elif isinstance(item, (str, os.PathLike)) and os.path.isdir(item):
            for path, error in iter_files(item, glob):
                if error is not None:
                    yield Record(path, None, error, _blank(options["keep_fields"]))
                else:
                    yield from read_file(path, format, **options)
        else:
            yield from read_file(item, format, **options)


# -- tagging -----------------------------------------------------------------


def parse_thresholds(specs: Sequence[str], labels: Sequence[str]) -> float | dict[str, float] | None:
    """``["0.4"]``, ``["security=0.3,oil=0.6"]`` or both, as an argument of :func:`tag_batch`.

    A bare number applies to every label; ``label=value`` pairs override it.
    Raises ``ValueError`` for unknown labels or values outside [0, 1].
    """
    everyone: float | None = None
    pairs: dict[str, float] = {}
    for spec in specs:
        for part in filter(None, (p.strip() for p in spec.split(","))):
            label, _, value = part.rpartition("=")
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"threshold {part!r} is not a number or label=number") from None
            if not 0.0 <= number <= 1.0:
                raise ValueError(f"threshold {part!r} must be between 0 and 1")
            if not label:
                everyone = number
            elif label not in [str(x) for x in labels]:
                known = ", ".join(map(str, labels))
                raise ValueError(f"unknown label {label!r} in threshold; labels: {known}")
            else:
                pairs[label] = number
    if not pairs:
        return everyone
    if everyone is None:
        return pairs
    return {**dict.fromkeys(map(str, labels), everyone), **pairs}


def _blank_text(text: str) -> bool:
    """Whether ``text`` holds only white space and invisible format marks."""
    if not text.strip():
        return True
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def _problem(record: Record, max_chars: int | None) -> str | None:
    if record.error is not None:
        return record.error
    text = record.text
    if not isinstance(text, str):
        return f"text is {_kind(text)}, not a string"
    if max_chars is not None and len(text) > max_chars:
        return f"text longer than {max_chars} characters ({len(text)})"
    if _blank_text(text):
        return "empty text"
    return None


def tag_batch(
    tagger,
    records: Sequence[Record],
    *,
    thresholds: float | dict[str, float] | None = None,
    top_k: int | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    decimals: int = 4,
) -> list[dict[str, Any]]:
    """One result dict per record, in order (see the module docstring).

    Records with an ``error``, a text that is empty (only spaces and
    invisible marks) or longer than ``max_chars`` get an error result. The
    others are tagged together with ``tagger.predict_proba``; should that
    fail, each is tagged alone, so that one bad text costs only its own
    record. ``thresholds`` and ``top_k`` are as in
    :meth:`TopicTagger.labels_from_proba`. Pure: no I/O, no state.
    """
    records = list(records)
    tagger.resolve_thresholds(thresholds)  # a bad argument is an exception, not failed records
    problems = [_problem(r, max_chars) for r in records]
    good = [i for i, problem in enumerate(problems) if problem is None]
    proba: dict[int, Any] = {}
    if good:
        try:
            proba = dict(zip(good, tagger.predict_proba([records[i].text for i in good])))
        except (ValueError, TypeError, ArithmeticError, LookupError) as exc:
            if len(good) == 1:
                problems[good[0]] = f"tagging failed: {type(exc).__name__}: {exc}"
            else:
                for i in good:
                    try:
                        proba[i] = tagger.predict_proba([records[i].text])[0]
                    except (ValueError, TypeError, ArithmeticError, LookupError) as exc:
                        problems[i] = f"tagging failed: {type(exc).__name__}: {exc}"
    names = [str(c) for c in tagger.classes_]
    labels = {}
    if proba:
        rows = np.vstack(list(proba.values()))
        labels = dict(zip(proba, tagger.labels_from_proba(rows, thresholds, top_k)))
    results = []
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


def _batches(records: Iterable[Record], size: int, max_wait: float | None = None) -> Iterator[list[Record]]:
    """Consecutive lists of ``size`` records (the last may be shorter).

    With ``max_wait``, a batch is also cut short once ``max_wait`` seconds
    have passed since its first record arrived: records read from a slow
    stream (``tail -f``, a socket) are tagged promptly instead of waiting
    for a full batch. The records are then read by a helper thread.
    """
    if max_wait is not None:
        yield from _timed_batches(records, size, max_wait)
        return
    records = iter(records)
    while True:
        batch = list(islice(records, size))
        if not batch:
            return
        yield batch


_END = object()


def _timed_batches(records: Iterable[Record], size: int, max_wait: float) -> Iterator[list[Record]]:
    waiting: queue.Queue = queue.Queue(maxsize=2 * size)  # bounded: the reader cannot run ahead
    failure: list[BaseException] = []

    def read() -> None:
        try:
            for record in records:
                waiting.put(record)
        except BaseException as exc:  # handed to the consumer, raised there
            failure.append(exc)
        finally:
            waiting.put(_END)

    threading.Thread(target=read, name="arclass-reader", daemon=True).start()
    done = False
    while not done:
        first = waiting.get()
        if first is _END:
            break
        batch = [first]
        deadline = time.monotonic() + max_wait
        while len(batch) < size:
            try:
                item = waiting.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                break
            if item is _END:
                done = True
                break
            batch.append(item)
        yield batch
    if failure:
        raise failure[0]


def tag_batches(
    tagger,
    records: Iterable[Record],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_jobs: int = 1,
    thresholds: float | dict[str, float] | None = None,
    top_k: int | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    decimals: int = 4,
    max_wait: float | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """:func:`tag_batch` over consecutive batches of ``records``: a list of results per batch.

    Streams: reads ``records`` lazily and keeps only a few batches in
    memory. With ``n_jobs > 1`` (or ``-1`` for every CPU), batches are
    tagged in that many worker processes (joblib's loky executor), each
    receiving the tagger once; the output is the same, in the same order.
    With ``max_wait`` (seconds), a batch is cut short when its first record
    has waited that long for the rest: for slow streams such as ``tail -f``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be at least 1, not {top_k}")
    tagger.resolve_thresholds(thresholds)  # fail now, not in a worker
    options = dict(thresholds=thresholds, top_k=top_k, max_chars=max_chars, decimals=decimals)
    n_jobs = _effective_jobs(n_jobs)
    batches = _batches(records, batch_size, max_wait)
    if n_jobs == 1:
        return (tag_batch(tagger, batch, **options) for batch in batches)
    return _tag_in_workers(tagger, batches, n_jobs, options)


def tag_records(tagger, records: Iterable[Record], **kwargs: Any) -> Iterator[dict[str, Any]]:
    """One result dict per record, in order; keywords as in :func:`tag_batches`."""
    for results in tag_batches(tagger, records, **kwargs):
        yield from results


def _effective_jobs(n_jobs: int) -> int:
    if n_jobs == 0 or not isinstance(n_jobs, int):
        raise ValueError(f"n_jobs must be a non-zero int, not {n_jobs!r}")
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


_WORKER_TAGGER = None


def _init_worker(tagger) -> None:
    global _WORKER_TAGGER
    _WORKER_TAGGER = tagger


def _tag_in_worker(records: list[Record], options: dict) -> list[dict[str, Any]]:
    return tag_batch(_WORKER_TAGGER, records, **options)


def _tag_in_workers(tagger, batches: Iterator[list[Record]], n_jobs: int, options: dict):
    # The executor rather than joblib.Parallel: Parallel keeps dispatching as
    # workers finish, whether or not the results are consumed, so a slow
    # reader of the output would make memory grow without bound. Here at
    # most 2 * n_jobs batches are in flight, and results come back in order.
    from joblib.externals.loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=n_jobs, initializer=_init_worker, initargs=(tagger,))
    pending: deque = deque()
    try:
        for batch in batches:
            pending.append(executor.submit(_tag_in_worker, batch, options))
            if len(pending) >= 2 * n_jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


# -- writers -----------------------------------------------------------------


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
    """CSV or TSV: id, tags (joined by ``;``), one score column per label, error, kept fields."""

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
                [_cell(r["id"]), "" if r["tags"] is None else ";".join(map(str, r["tags"])),
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
        self.tags_width = max(len(",".join(self.labels)), 4)

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
                lines.append(self._row(_cell(str(r["id"])), ",".join(map(str, r["tags"])) or "-", scores))
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


# -- progress ----------------------------------------------------------------


class Tally:
    """Counts of results: read, tagged and failed."""

    def __init__(self) -> None:
        self.read = self.failed = 0
        self.started = time.monotonic()

    @property
    def tagged(self) -> int:
        return self.read - self.failed

    def add(self, results: Sequence[dict[str, Any]]) -> None:
        self.read += len(results)
        self.failed += sum(r["error"] is not None for r in results)

    def summary(self) -> str:
        seconds = time.monotonic() - self.started
        rate = self.read / seconds if seconds > 0 else 0.0
        took = f"{seconds:.1f} s" if seconds < 60 else _clock(seconds)
        return (f"{self.read:,} record{'' if self.read == 1 else 's'} read, {self.tagged:,} tagged, "
                f"{self.failed:,} failed ({took}, {rate:,.0f} records/s)")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """A one-line progress report (records done and failed, rate, elapsed) redrawn on a terminal.

    Draws nothing unless ``enabled`` (by default: ``stream`` is a terminal),
    and nothing in the first ``delay`` seconds.
    """

    def __init__(self, stream: IO[str] | None = None, enabled: bool | None = None,
                 interval: float = 0.25, delay: float = 1.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.interval = interval
        self.done = self.failed = 0
        self.started = time.monotonic()
        self.last = self.started + delay - interval  # short runs draw nothing
        self.width = 0

    def update(self, n: int, failed: int = 0) -> None:
        """Count ``n`` more records, ``failed`` of them failed; redraw now and then."""
        self.done += n
        self.failed += failed
        now = time.monotonic()
        if self.enabled and now - self.last >= self.interval:
            self.last = now
            elapsed = now - self.started
            failures = f" ({self.failed:,} failed)" if self.failed else ""
            line = f"{self.done:,} records{failures}  {self.done / elapsed:,.0f}/s  {_clock(elapsed)}"
            self.stream.write("\r" + line.ljust(self.width))
            self.stream.flush()
            self.width = len(line)

    def close(self) -> None:
        """Erase the line."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


class raise_on_sigterm:
    """Within ``with``, SIGTERM raises ``SystemExit(143)`` so cleanups run.

    ``kill`` then behaves like Ctrl-C: context managers such as
    :class:`arclass.modelfile.atomic_writer` remove their temporary files.
    Does nothing outside the main thread (signals cannot be handled there).
    """

    def __enter__(self) -> "raise_on_sigterm":
        import signal
        import threading

        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, _terminated)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)
