"""Where records come from: stdin, files, gzip, folders; and their lines, bounded.

:func:`open_source` gives a binary stream of a path, ``"-"`` or a stream,
gunzipped when its first bytes say gzip. :func:`decoded_lines` yields the
lines of a source decoded one by one, so one bad line spoils only itself, and
never holds more than ``max_bytes`` of one line: the rest of a longer line
is skipped while streaming and the line becomes an error.
"""

from __future__ import annotations

import fnmatch
import io
import os
import sys
import zlib
from contextlib import ExitStack
from typing import BinaryIO, Iterator, NamedTuple

from .decoding import DecodeError, decode, newline_bytes, sniff

__all__ = [
    "open_source", "source_name", "read_problem", "READ_ERRORS", "detect_format", "iter_files",
    "Line", "LineDecoder", "raw_lines", "decoded_lines", "STDIN", "EXTENSIONS", "BYTES_READ", "input_size",
]

STDIN = "<stdin>"
_CHUNK = 1 << 16
#: File name endings and the input format they mean.
EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
}


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


class _Metered(io.RawIOBase):
    """A raw file that counts the bytes read from it into :data:`BYTES_READ`."""

    def __init__(self, raw) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        BYTES_READ[0] += n or 0
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


#: Bytes read so far from input files opened by path (compressed bytes for gzip):
#: with :func:`input_size`, the share of a run that is done.
BYTES_READ = [0]


def input_size(inputs, glob: str = "*.txt") -> int | None:
    """Bytes of the input files (folders walked), or None when stdin is among them."""
    total = 0
    for item in inputs:
        if item == "-":
            return None
        if os.path.isdir(item):
            total += sum(os.path.getsize(p) for p, error in iter_files(item, glob) if error is None)
        else:
            total += os.path.getsize(item)
    return total


def open_source(source, stack: ExitStack) -> tuple[bytes, BinaryIO]:
    """The first bytes and a binary stream of ``source``, gunzipped if need be."""
    if source == "-":
        # Unbuffered, so that a reader thread blocked on a quiet pipe holds no
        # lock of sys.stdin's, which the interpreter needs when it exits.
        try:
            stream = stack.enter_context(open(sys.stdin.fileno(), "rb", buffering=0, closefd=False))
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
            stream = sys.stdin.buffer  # a stand-in stdin with no file descriptor
    elif isinstance(source, (str, os.PathLike)):
        stream = stack.enter_context(_Metered(open(source, "rb", buffering=0)))
    else:
        stream = source
    head, stream = _with_head(stream)
    if head[:2] == b"\x1f\x8b":
        import gzip

        head, stream = _with_head(stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb")))
    elif source_name(source).endswith(".gz"):
        raise OSError("not gzip data, despite the .gz name")
    return head, stream


def source_name(source) -> str:
    if source == "-":
        return STDIN
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


def read_problem(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read: {exc.strerror}"
    return f"cannot read: {exc}" if str(exc) else f"cannot read: {type(exc).__name__}"


# Raised while reading a (possibly gzip-compressed) input.
READ_ERRORS = (OSError, EOFError, zlib.error)


def detect_format(name: str) -> str:
    """The input format its file name suggests: ``jsonl``, ``csv``, ``tsv`` or ``document``.

    A ``.gz`` suffix is ignored (``news.jsonl.gz`` is JSON Lines).
    """
    name = name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return EXTENSIONS.get(os.path.splitext(name)[1], "document")


def iter_files(folder: str | os.PathLike, glob: str = "*.txt") -> Iterator[tuple[str, str | None]]:
    """``(path, error)`` for the files under ``folder`` whose name matches ``glob``.

    Recursive, in sorted order. ``glob`` is matched against file names, with
    or without a ``.gz`` suffix. A folder that cannot be listed, or an entry
    that cannot be examined (a symbolic link loop), is reported as
    ``(path, reason)`` rather than skipped. Symbolic links to folders are not
    followed (they could loop).
    """
    folder = os.fspath(folder)
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"cannot list folder: {exc.strerror or exc}"
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            wanted = not is_dir and _matches(entry.name, glob)
            is_file = wanted and entry.is_file()
        except OSError as exc:
            if _matches(entry.name, glob):
                yield entry.path, f"cannot read: {exc.strerror or exc}"
            continue
        if is_dir:
            yield from iter_files(entry.path, glob)
        elif is_file:
            yield entry.path, None
        elif wanted and entry.is_symlink():
            yield entry.path, "cannot read: broken or looping symbolic link"


def _matches(name: str, glob: str) -> bool:
    return fnmatch.fnmatch(name, glob) or (name.endswith(".gz") and fnmatch.fnmatch(name[:-3], glob))


class Line(NamedTuple):
    """One line of a source, decoded, or why it is not."""

    number: int  # 1-based; 0 when the input could not be opened
    text: str | None  # without its line ending; None when it cannot be used
    error: str | None = None
    fatal: bool = False  # a read error: no more lines follow
    stand_in: str = ""  # for an undecodable line: a lossless stand-in, never tagged


def _bounded_lines(stream: BinaryIO, newline: bytes, max_bytes: int | None) -> Iterator[bytes | int]:
    """The raw lines of ``stream`` (ending included), or for a line over ``max_bytes``
    its length in bytes (an int), after skipping the rest of it while streaming."""
    unit = len(newline)
    if unit == 1:
        limit = -1 if max_bytes is None else max_bytes + 1
        while True:
            raw = stream.readline(limit)
            if not raw:
                return
            if limit < 0 or len(raw) <= max_bytes or raw.endswith(b"\n"):
                yield raw
                continue
            size = len(raw)
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(_CHUNK)
                size += len(raw)
            yield size
        return
    read = getattr(stream, "read1", stream.read)
    buffer = b""
    skipped = 0  # bytes of an overlong line dropped so far
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
            if skipped:
                yield skipped + found + unit - start
                skipped = 0
            else:
                yield buffer[start : found + unit]
            start = search = found + unit
        buffer = buffer[start:]
        if max_bytes is not None and len(buffer) > max_bytes:
            keep = len(buffer) % unit
            skipped += len(buffer) - keep
            buffer = buffer[len(buffer) - keep:]
    if skipped:
        yield skipped + len(buffer)
    elif buffer:
        yield buffer


class LineDecoder(NamedTuple):
    """How the raw lines of one source become :class:`Line` objects.

    Plain data, so that another process can decode the lines this one read.
    """

    codec: str | None  # None: guess per line (UTF-8, then Windows-1256)
    newline: bytes
    max_bytes: int | None

    def line(self, number: int, raw: bytes | int) -> Line:
        """Line ``number`` from its raw bytes (ending included) or, for an overlong line, its length."""
        if isinstance(raw, int):
            return Line(number, None, f"line longer than {self.max_bytes} bytes ({raw} bytes); skipped")
        try:
            text = decode(raw, self.codec)
        except DecodeError as exc:
            # latin-1 maps bytes one to one, keeping the line's ASCII
            # structure (quotes, delimiters) for the CSV parser.
            stand_in = raw.decode("latin-1") if self.newline == b"\n" else ""
            return Line(number, None, str(exc), stand_in=stand_in)
        if text.endswith("\n"):
            text = text[:-2] if text.endswith("\r\n") else text[:-1]
        return Line(number, text)


def raw_lines(
    source, encoding: str | None, max_bytes: int | None = None,
) -> Iterator[tuple[LineDecoder, int, bytes | int] | Line]:
    """The lines of ``source`` undecoded: ``(decoder, number, raw)`` each.

    ``decoder.line(number, raw)`` decodes one, here or in another process.
    A line longer than ``max_bytes`` is not held in memory (``raw`` is its
    length). A read error (a truncated gzip file, a vanished file) ends the
    lines with a ``fatal`` :class:`Line`.
    """
    number = 0
    try:
        with ExitStack() as stack:
            head, stream = open_source(source, stack)
            codec, bom = sniff(head, encoding)
            stream.read(bom)
            decoder = LineDecoder(codec, newline_bytes(codec), max_bytes)
            for number, raw in enumerate(_bounded_lines(stream, decoder.newline, max_bytes), 1):
                yield decoder, number, raw
    except READ_ERRORS as exc:
        where = f" after line {number}" if number else ""
        yield Line(number + 1 if number else 0, None, read_problem(exc) + where, fatal=True)


def decoded_lines(source, encoding: str | None, max_bytes: int | None = None) -> Iterator[Line]:
    """The lines of ``source`` (see :func:`raw_lines`), decoded one by one, so one bad line spoils only itself."""
    for item in raw_lines(source, encoding, max_bytes):
        yield item if isinstance(item, Line) else item[0].line(item[1], item[2])
