"""The ``arclass`` command line: one verb per job, plain text in and out.

    arclass tag [INPUT ...]            tag documents (see ``arclass tag -h``)
    arclass normalize [FILE ...]       normalized text, line for line
    arclass train DATA.jsonl -o MODEL  train a tagger on labeled JSON Lines
    arclass evaluate DATA.jsonl        precision, recall and F1 of a model
    arclass explain [INPUT ...]        why documents get their tags
    arclass info                       what a model file holds

Every verb reads files or ``-`` (stdin) and writes stdout or ``-o FILE``
(atomically); output paths are checked before any work. Exit status: 0 on
success, 1 when some records failed, 2 for usage errors (bad flags, missing
files, unreadable models or data). Errors are one line on stderr, never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from .._version import __version__
from . import evaluate, explain, info, normalize, tag, train
from .common import EXIT_OK, EXIT_USAGE, UsageError

__all__ = ["main", "build_parser"]

_VERBS = (tag, normalize, train, evaluate, explain, info)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default exit status is 2 too
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="arclass", description="Tag Arabic news with topics.")
    parser.add_argument("--version", action="version", version=f"arclass {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    sub.required = True
    for verb in _VERBS:
        verb.add(sub)
    parser.verbs = sub.choices  # verb -> its parser
    return parser


def _one_thread_for_blas() -> None:
    """One BLAS thread unless the user chose: tagging is sparse, and extra threads only cost start-up."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def main(argv: Sequence[str] | None = None) -> int:
    _one_thread_for_blas()
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # name the verb whose options these are not
        parser.verbs[args.verb].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"arclass {args.verb}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return _quiet_exit()
    except KeyboardInterrupt:
        print(f"arclass {args.verb}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # stdout closed or full, a file vanishing mid-run
        if exc.errno == 32:
            return _quiet_exit()
        print(f"arclass {args.verb}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


def _quiet_exit() -> int:
    """The reader went away (e.g. ``| head``): stop quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_OK
