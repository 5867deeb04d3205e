"""Inputs: files, folders and stdin as records, or as batches of raw lines for workers.

:func:`read_inputs` is what every verb reads through: each file by its
format (:mod:`~arclass.io.readers`), folders recursively. :func:`read_batches`
gives the same records in batches; JSON Lines and lines files come as
:class:`LineBatch` objects, raw lines that become records in whichever
process tags them.
"""

from __future__ import annotations

import os
from itertools import chain
from typing import Iterable, Iterator, Sequence

from .decoding import check_encoding
from .readers import (
    DEFAULT_MAX_CHARS, INPUT_FORMATS, RESERVED_FIELDS, Record, _blank, _fields, _json_objects, _jsonl_records,
    _line_records, _max_bytes, read_csv, read_document, read_jsonl, read_lines,
)
from .sources import Line, LineDecoder, detect_format, iter_files, raw_lines, source_name

__all__ = ["read_file", "read_inputs", "read_batches", "LineBatch"]


def read_file(
    source,
    format: str | None = None,
    *,
    encoding: str | None = None,
    text_field: str | Sequence[str] = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    max_chars: int | None = DEFAULT_MAX_CHARS,
    delimiter: str | None = None,
) -> Iterator[Record]:
    """The records of one file (or ``"-"``, or a binary stream) in ``format``.

    ``format`` None means :func:`~arclass.io.sources.detect_format` of the
    file's name. ``delimiter`` overrides the one of ``csv`` (``,``) or ``tsv`` (tab).
    """
    format = format or detect_format(source_name(source))
    if format == "document":
        yield read_document(source, encoding=encoding, max_chars=max_chars, keep_fields=keep_fields)
    elif format == "lines":
        yield from read_lines(source, encoding=encoding, keep_fields=keep_fields, max_chars=max_chars)
    elif format == "jsonl":
        yield from read_jsonl(source, text_field=text_field, id_field=id_field,
                              keep_fields=keep_fields, encoding=encoding, max_chars=max_chars)
    elif format in ("csv", "tsv"):
        yield from read_csv(source, text_field=text_field, id_field=id_field, keep_fields=keep_fields,
                            delimiter=delimiter or (None if format == "csv" else "\t"),
                            encoding=encoding, max_chars=max_chars)
    else:
        raise ValueError(f"unknown input format {format!r}; one of {', '.join(INPUT_FORMATS)}")


def _checked_options(format, encoding, text_field, id_field, keep_fields, max_chars, delimiter) -> dict:
    if format is not None and format not in INPUT_FORMATS:
        raise ValueError(f"unknown input format {format!r}; one of {', '.join(INPUT_FORMATS)}")
    check_encoding(encoding)
    reserved = sorted(set(keep_fields) & set(RESERVED_FIELDS))
    if reserved:
        raise ValueError(f"cannot keep field {reserved[0]!r}: the output has its own {reserved[0]!r}")
    if not _fields(text_field) or not all(_fields(text_field)):
        raise ValueError("the text field needs a name")
    if max_chars is not None and max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    if delimiter is not None and len(delimiter) != 1:
        raise ValueError(f"a delimiter is one character, not {delimiter!r}")
    return dict(encoding=encoding, text_field=text_field, id_field=id_field,
                keep_fields=tuple(keep_fields), max_chars=max_chars, delimiter=delimiter)


def read_inputs(
    inputs: Iterable[str | os.PathLike] = ("-",),
    *,
    format: str | None = None,
    glob: str = "*.txt",
    encoding: str | None = None,
    text_field: str | Sequence[str] = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    max_chars: int | None = DEFAULT_MAX_CHARS,
    delimiter: str | None = None,
) -> Iterator[Record]:
    """Records from files, folders (recursively, files matching ``glob``) and ``"-"`` (stdin).

    ``format`` (one of :data:`INPUT_FORMATS`) applies to every file; None
    means by file name, and one document for stdin. Checks its arguments at
    once; reads lazily.
    """
    options = _checked_options(format, encoding, text_field, id_field, keep_fields, max_chars, delimiter)
    return chain.from_iterable(_units(item, format, glob, options) for item in list(inputs))


class LineBatch:
    """Consecutive lines of one JSON Lines or lines source, read but not yet decoded or parsed.

    :meth:`records` makes their records, the same as :func:`read_file`
    would, in whichever process tags them: a parent process handing
    batches to workers only moves bytes.
    """

    def __init__(self, format: str, name: str, decoder: LineDecoder | None, lines: list[tuple[int, bytes | int]],
                 fatal: Line | None, options: dict) -> None:
        self.format, self.name, self.decoder, self.lines, self.fatal = format, name, decoder, lines, fatal
        self.options = options

    def records(self) -> list[Record]:
        lines = [self.decoder.line(number, raw) for number, raw in self.lines] if self.lines else []
        if self.fatal is not None:
            lines.append(self.fatal)
        keep = self.options["keep_fields"]
        if self.format == "lines":
            return list(_line_records(self.name, lines, keep))
        return list(_jsonl_records(_json_objects(self.name, lines), _fields(self.options["text_field"]),
                                   self.options["id_field"], keep))


def read_batches(
    inputs: Iterable[str | os.PathLike] = ("-",),
    size: int = 256,
    *,
    format: str | None = None,
    glob: str = "*.txt",
    encoding: str | None = None,
    text_field: str | Sequence[str] = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    max_chars: int | None = DEFAULT_MAX_CHARS,
    delimiter: str | None = None,
) -> Iterator[list[Record] | LineBatch]:
    """The records of :func:`read_inputs` in batches of at most ``size``.

    JSON Lines and lines files come as :class:`LineBatch` objects of
    ``size`` lines (blank lines make fewer records), to be parsed where they
    are tagged; other records (documents, CSV rows) as lists, which may span
    several files. Checks its arguments at once; reads lazily.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, not {size}")
    options = _checked_options(format, encoding, text_field, id_field, keep_fields, max_chars, delimiter)
    return _batches(list(inputs), size, format, glob, options)


def _batches(inputs: list, size: int, format: str | None, glob: str, options: dict) -> Iterator[list[Record] | LineBatch]:
    pending: list[Record] = []
    for item in inputs:
        for unit in _units(item, format, glob, options, size):
            if isinstance(unit, Record):
                pending.append(unit)
                if len(pending) == size:
                    yield pending
                    pending = []
                continue
            if pending:
                yield pending
                pending = []
            yield unit
    if pending:
        yield pending


def _units(item, format: str | None, glob: str, options: dict, size: int | None = None):
    """The records of one input; with ``size``, :class:`LineBatch` objects for its line-based files."""
    if item != "-" and isinstance(item, (str, os.PathLike)) and os.path.isdir(item):
        sources = iter_files(item, glob)
    else:
        sources = iter([(item, None)])
    for source, error in sources:
        if error is not None:
            yield Record(source, None, error, _blank(options["keep_fields"]))
            continue
        file_format = format or detect_format(source_name(source))
        if size is not None and file_format in ("jsonl", "lines"):
            yield from _line_batches(source, file_format, size, options)
        else:
            yield from read_file(source, file_format, **options)


def _line_batches(source, format: str, size: int, options: dict) -> Iterator[LineBatch]:
    name = source_name(source)
    decoder, lines = None, []
    for item in raw_lines(source, options["encoding"], _max_bytes(options["max_chars"])):
        if isinstance(item, Line):  # a read error: the last
            yield LineBatch(format, name, decoder, lines, item, options)
            return
        decoder, number, raw = item
        lines.append((number, raw))
        if len(lines) == size:
            yield LineBatch(format, name, decoder, lines, None, options)
            lines = []
    if lines:
        yield LineBatch(format, name, decoder, lines, None, options)
