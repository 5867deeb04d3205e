"""What every verb shares: exit codes, usage errors, the input flags, outputs and the model."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from typing import Iterator, Sequence

__all__ = ["EXIT_OK", "EXIT_FAILED_RECORDS", "EXIT_USAGE", "UsageError", "add_input_args", "add_model_arg",
           "input_records", "input_batches", "text_fields", "check_outputs", "text_output", "load_model", "utf8_stdout"]

EXIT_OK, EXIT_FAILED_RECORDS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its files: one line on stderr, exit status 2."""


def add_model_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="MODEL", help="model file (default: the bundled model)")


def add_input_args(p: argparse.ArgumentParser, *, records: bool = True) -> None:
    """The input flags of every verb that reads documents: files, folders or '-', and their format."""
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="a file (one document; records if named .jsonl, .csv or .tsv; .gz read "
                   "transparently), a folder (its files matching --glob, recursively) or '-' for stdin "
                   "(the default)")
    if records:
        kind = p.add_mutually_exclusive_group()
        for flag, what in (("jsonl", "JSON Lines, one object per line"), ("csv", "CSV with a header row"),
                           ("tsv", "TSV with a header row"), ("lines", "plain text, one document per line")):
            kind.add_argument(f"--{flag}", dest="input_format", action="store_const", const=flag,
                              help=f"inputs (stdin included) are {what}")
        p.add_argument("--glob", default="*.txt", metavar="PATTERN",
                       help="names of the files to read in folders (default *.txt; .gz variants too)")
        p.add_argument("--text-field", "--text-column", dest="text_field", default="text", metavar="NAME[,NAME]",
                       help="JSON field or CSV column holding the text (default text); several, "
                       "comma-separated, are joined by a newline (e.g. title,text)")
        p.add_argument("--id-field", "--id-column", dest="id_field", default="id", metavar="NAME",
                       help="JSON field or CSV column holding the id (default id; else file:line)")
        p.add_argument("--delimiter", metavar="CHAR",
                       help="CSV delimiter (default: sniffed from the header among , ; tab |)")
    p.add_argument("--encoding", metavar="NAME",
                   help="input encoding (default: a BOM, else UTF-8, else Windows-1256 for Arabic)")
    p.add_argument("--max-chars", type=int, metavar="N",
                   help="longer texts are error records, and no longer line is held in memory "
                   "(default 1000000)")


def text_fields(spec: str) -> list[str]:
    fields = [f.strip() for f in spec.split(",") if f.strip()]
    if not fields:
        raise UsageError("--text-field needs a name")
    return fields


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def check_inputs(inputs: Sequence[str], glob: str = "*.txt") -> list[str]:
    """The inputs, checked: each exists, and a folder holds matching files. ``-`` when none."""
    from ..io.sources import iter_files

    inputs = list(inputs) or ["-"]
    if inputs == ["-"] and _stdin_is_terminal():
        raise UsageError("no input: give files or folders, or pipe text in")
    for name in inputs:
        if name == "-":
            continue
        if not os.path.exists(name):
            raise UsageError(f"{name}: no such file or folder")
        if os.path.isdir(name) and next(iter_files(name, glob), None) is None:
            raise UsageError(f"{name}: no file matches {glob!r} in this folder (see --glob)")
    return inputs


def input_records(args, keep_fields: Sequence[str] = ()):
    """The records of the verb's inputs (lazily), after checking every input flag."""
    from ..io.inputs import read_inputs

    inputs, options = _read_options(args, keep_fields)
    records = _reading(read_inputs, inputs, options)
    return _warn_if_jsonl(records) if "-" in inputs and options["format"] is None else records


def input_batches(args, keep_fields: Sequence[str], size: int):
    """The inputs as :func:`~arclass.io.inputs.read_batches` gives them, checked as :func:`input_records`."""
    from ..io.inputs import LineBatch, read_batches

    inputs, options = _read_options(args, keep_fields)
    batches = _reading(read_batches, inputs, options, size)
    if "-" not in inputs or options["format"] is not None:
        return batches
    return (batch if isinstance(batch, LineBatch) else list(_warn_if_jsonl(batch)) for batch in batches)


def _read_options(args, keep_fields: Sequence[str]) -> tuple[list[str], dict]:
    from ..io.readers import DEFAULT_MAX_CHARS

    max_chars = DEFAULT_MAX_CHARS if args.max_chars is None else args.max_chars
    if max_chars < 1:
        raise UsageError("--max-chars must be at least 1")
    glob = getattr(args, "glob", "*.txt")
    inputs = check_inputs(args.inputs, glob)
    return inputs, dict(
        format=getattr(args, "input_format", None), glob=glob, encoding=args.encoding,
        text_field=text_fields(getattr(args, "text_field", "text")), id_field=getattr(args, "id_field", "id"),
        keep_fields=keep_fields, max_chars=max_chars, delimiter=_delimiter(getattr(args, "delimiter", None)))


def _reading(read, inputs: list[str], options: dict, *args):
    """``read(inputs, *args, **options)``; a bad encoding or option (checked at once) is a usage error."""
    try:
        return read(inputs, *args, **options)
    except LookupError:
        raise UsageError(f"unknown encoding {options['encoding']!r}") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    value = {"\\t": "\t", "tab": "\t"}.get(value, value)
    if len(value) != 1:
        raise UsageError(f"--delimiter must be one character (or 'tab'), not {value!r}")
    return value


def _warn_if_jsonl(records):
    """The records of stdin read as one document, with a warning when it looks like JSON Lines."""
    for record in records:
        text = record.text if isinstance(record.text, str) else ""
        if record.id == "<stdin>" and text.lstrip().startswith('{"') and text.count("\n") >= 1:
            print("arclass: warning: stdin looks like JSON Lines but is read as one document; "
                  "give --jsonl to read each line as a record", file=sys.stderr)
        yield record


def check_outputs(*paths: str | None) -> None:
    """Each output path (None and '-' mean stdout) can be written, before any work starts."""
    from ..io.atomic import OutputPathError, check_output_path

    for path in paths:
        if path in (None, "-"):
            continue
        try:
            check_output_path(path)
        except OutputPathError as exc:
            raise UsageError(f"cannot write {exc}") from None


@contextmanager
def text_output(path: str | None) -> Iterator:
    """stdout, or an atomic writer for ``path`` (renamed into place on success)."""
    if path in (None, "-"):
        if sys.stdout is None:
            raise UsageError("standard output is closed: give -o FILE")
        utf8_stdout()
        yield sys.stdout
        sys.stdout.flush()
        return
    from ..io.atomic import atomic_writer

    try:
        with atomic_writer(path, "w", encoding="utf-8", newline="\n") as out:
            yield out
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def utf8_stdout() -> None:
    """Write UTF-8 to stdout whatever the locale (Arabic would not encode otherwise)."""
    if sys.stdout is not None and (sys.stdout.encoding or "").lower().replace("-", "") != "utf8" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")


def load_model(path: str | None):
    from ..model.bundled import load
    from ..model.modelfile import ModelFileError

    try:
        return load(path)
    except ModelFileError as exc:
        raise UsageError(f"cannot load model: {exc}") from None
