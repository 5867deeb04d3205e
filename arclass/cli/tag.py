"""``arclass tag``: tag documents; one output record per input record, in order."""

from __future__ import annotations

import io
import os
import stat
import sys
from itertools import chain
from typing import Sequence

from .common import (
    EXIT_FAILED_RECORDS, EXIT_OK, UsageError, add_input_args, add_model_arg, check_outputs, input_batches,
    input_records,
    load_model, text_output,
)

#: Seconds a record read from a pipe or terminal waits for its batch to fill.
STREAM_WAIT = 0.5


def add(sub) -> None:
    p = sub.add_parser(
        "tag", help="tag documents: files, folders, JSON Lines, CSV/TSV, lines, stdin",
        description="Tag documents with topics. Every input record gets exactly one output record, in "
        "input order; one that cannot be tagged (undecodable, empty, malformed, too long) gets an error "
        "record and the run goes on. Exit status: 0 all tagged, 1 some failed, 2 usage error.")
    add_input_args(p)
    add_model_arg(p)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write here instead of stdout; the file appears only when the run completes")
    p.add_argument("--format", choices=("jsonl", "csv", "tsv", "table"),
                   help="output format (default: by the -o file's extension, else jsonl: id, tags, "
                   "scores, error per line)")
    p.add_argument("--keep-fields", action="append", default=[], metavar="F1,F2",
                   help="input fields or columns to copy into the output")
    p.add_argument("--threshold", action="append", default=[], metavar="P|LABEL=P",
                   help="probability needed for a tag: one number for all labels, or label=number "
                   "pairs (comma-separated or repeated); default: the model's own")
    p.add_argument("--top-k", type=int, metavar="K", help="at most K tags per document")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="worker processes (default 1; -1: one per CPU; at most the usable CPUs); "
                   "same output as -j 1")
    p.add_argument("--batch-size", type=int, metavar="N",
                   help="documents tagged (and output flushed) together (default 256)")
    p.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="tag on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://10.0.0.5:8786) "
                   "instead of -j processes; same output (needs arclass[dask])")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line and no summary on stderr")
    p.set_defaults(run=run)


def _reads_a_stream(inputs: Sequence[str]) -> bool:
    """Whether stdin is among ``inputs`` and is a pipe, socket or terminal, not a file."""
    if inputs and "-" not in inputs or sys.stdin is None:
        return False
    try:
        return not stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False


def _missing_text(record) -> bool:
    error = record.error or ""
    return error.startswith("no '") and (error.endswith(" field") or " column (columns:" in error)


def checked_first_batch(batches):
    """``batches``, after making sure the first is not all missing its text field.

    A misnamed ``--text-field`` (or a CSV split on the wrong delimiter) would
    otherwise give an error record per row: it is one usage error instead.
    The first batch is parsed here to see (its records stand in for it).
    """
    from ..io.inputs import LineBatch

    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return iter(())
    if isinstance(first, LineBatch):
        first = first.records()
    if first and all(_missing_text(r) for r in first):
        raise UsageError(f"{first[0].error} in each of the first {len(first)} records (the first is "
                         f"{first[0].id}); see --text-field (and --delimiter)")
    return chain([first], batches)


def _capped_jobs(jobs: int, quiet: bool) -> int:
    from ..tagging.options import effective_jobs, usable_cpus

    if jobs == 0:
        raise UsageError("--jobs must be at least 1 (or negative: CPUs to leave out, -1 for all)")
    capped = effective_jobs(jobs)
    if capped < effective_jobs(jobs, cap=False) and not quiet:
        print(f"arclass tag: -j {jobs} capped at {capped}, the usable CPUs ({usable_cpus()})", file=sys.stderr)
    return capped


def run(args) -> int:
    from ..io.writers import format_for_path, make_formatter
    from ..tagging.local import WorkerError, record_batches, tag_formatted
    from ..tagging.options import DEFAULT_BATCH_SIZE, TagOptions, parse_thresholds
    from .progress import Progress, Tally, exit_on_signals

    batch_size = DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size
    for flag, value in (("--top-k", args.top_k), ("--batch-size", batch_size)):
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be at least 1")
    jobs = _capped_jobs(args.jobs, args.quiet)
    if args.dask_scheduler and args.jobs != 1:
        raise UsageError("--jobs and --dask-scheduler exclude each other: the cluster's workers do the work")
    output_format = args.format or format_for_path(args.output) or "jsonl"
    check_outputs(args.output)
    keep = [f.strip() for spec in args.keep_fields for f in spec.split(",") if f.strip()]
    stream = _reads_a_stream(args.inputs)
    # A stream's records are read by a thread and batched by time (its first
    # batch may be long in coming); files go to the workers as raw lines.
    batches = (record_batches(input_records(args, keep), batch_size, STREAM_WAIT) if stream
               else input_batches(args, keep, batch_size))
    tagger = load_model(args.model)
    try:
        options = TagOptions(thresholds=parse_thresholds(args.threshold, tagger.classes_), top_k=args.top_k,
                             max_chars=args.max_chars or TagOptions().max_chars).check(tagger)
        formatter = make_formatter(output_format, tagger.classes_, keep)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not stream:
        batches = checked_first_batch(batches)
    if args.dask_scheduler:
        outputs = _tag_on_dask(args.dask_scheduler, tagger, batches, formatter, options)
    else:
        outputs = tag_formatted(tagger, batches, formatter, n_jobs=jobs, options=options)
    to_stdout = args.output in (None, "-")
    tally = Tally()
    from ..io.sources import BYTES_READ, input_size

    progress = Progress(enabled=False if args.quiet or (to_stdout and sys.stdout is not None and sys.stdout.isatty())
                        else None, total=input_size(args.inputs or ["-"], args.glob),
                        read=lambda: BYTES_READ[0])
    try:
        with exit_on_signals(), text_output(args.output) as out:
            out.write(formatter.header)
            for done in outputs:
                out.write(done.text)
                out.flush()
                tally.add(done.count, done.failed)
                progress.update(done.count, done.failed)
    except WorkerError as exc:
        progress.close()
        where = "the output stops" if to_stdout else f"{args.output} is left as it was"
        print(f"arclass tag: {exc}; {where} after {tally.read} records", file=sys.stderr)
        return EXIT_FAILED_RECORDS
    finally:
        progress.close()
    if not args.quiet:
        print(f"arclass tag: {tally.summary()}", file=sys.stderr)
    return EXIT_FAILED_RECORDS if tally.failed else EXIT_OK


def _tag_on_dask(address: str, tagger, batches, formatter, options):
    """Output text of each batch, tagged on the Dask cluster at ``address``; a cluster problem is a usage error."""
    try:
        from ..tagging.cluster import ClusterError, tag_formatted

        outputs = tag_formatted(address, tagger, batches, formatter, options=options)
    except ImportError as exc:
        raise UsageError(f"--dask-scheduler needs arclass[dask] (pip install 'arclass[dask]'): {exc}") from None
    except ClusterError as exc:
        raise UsageError(str(exc)) from None

    def checked():
        try:
            yield from outputs
        except ClusterError as exc:
            raise UsageError(str(exc)) from None

    return checked()
