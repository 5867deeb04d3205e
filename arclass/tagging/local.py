"""Tagging streams of records in this process or in local worker processes.

:func:`tag_batches` cuts records into batches and tags each with
:func:`~arclass.tagging.results.tag_batch`, here or in ``n_jobs`` worker
processes (forked on Linux, loky's elsewhere), through the one scheduler,
:func:`~arclass.tagging.scheduling.in_order`; the output is the same either
way, in the same order. :func:`tag_formatted` does the same for batches as
:func:`~arclass.io.inputs.read_batches` makes them and returns output text:
workers decode and parse the raw lines they are given and format their
results, so this process only reads lines and writes text. Workers keep
their tagger (and its word cache) from batch to batch, and end when this
process dies, even by SIGKILL.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from itertools import islice
from typing import Any, Iterable, Iterator

from ..io.inputs import LineBatch
from ..io.readers import Record
from ..io.writers import Formatted
from .options import DEFAULT_BATCH_SIZE, TagOptions, check_batch_size, effective_jobs
from .results import tag_batch
from .scheduling import in_order

__all__ = ["tag_batches", "tag_records", "tag_formatted", "record_batches", "WorkerError"]


class WorkerError(RuntimeError):
    """A worker process died (killed, out of memory): the run cannot be completed."""


def record_batches(records: Iterable[Record], size: int, max_wait: float | None = None) -> Iterator[list[Record]]:
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
    max_wait: float | None = None,
    options: TagOptions | None = None,
    **option_fields: Any,
) -> Iterator[list[dict[str, Any]]]:
    """:func:`tag_batch` over consecutive batches of ``records``: a list of results per batch.

    Streams: reads ``records`` lazily and keeps only a few batches in
    memory. With ``n_jobs > 1`` (or ``-1`` for every CPU; never more than
    the usable CPUs), batches are tagged in that many worker processes,
    each receiving the tagger once; the output is the same, in the same
    order. With ``max_wait`` (seconds), a batch is cut short when its first
    record has waited that long for the rest: for slow streams such as
    ``tail -f``. Tagging options come as ``options`` or as its fields
    (``thresholds``, ``top_k``, ``max_chars``, ``decimals``).
    """
    check_batch_size(batch_size)
    options = (options or TagOptions(**option_fields)).check(tagger)
    n_jobs = effective_jobs(n_jobs)
    return _run(tagger, record_batches(records, batch_size, max_wait), n_jobs, options, None)


def tag_formatted(
    tagger,
    batches: Iterable[list[Record] | LineBatch],
    formatter,
    *,
    n_jobs: int = 1,
    options: TagOptions | None = None,
) -> Iterator[Formatted]:
    """Output text for each batch, in order: its results formatted by ``formatter``.

    ``batches`` are lists of records or :class:`~arclass.io.inputs.LineBatch`
    objects (from :func:`~arclass.io.inputs.read_batches`); ``formatter``
    comes from :func:`~arclass.io.writers.make_formatter` (its header is
    not included). With ``n_jobs > 1`` workers parse, tag and format; the
    text is the same as with one process.
    """
    options = (options or TagOptions()).check(tagger)
    n_jobs = effective_jobs(n_jobs)
    remote = formatter if formatter.stateless else None
    for done in _run(tagger, batches, n_jobs, options, remote):
        yield done if remote is not None else formatter.batch(done)


def tag_unit(tagger, batch: list[Record] | LineBatch, options: TagOptions, formatter):
    """One batch's results, or with a ``formatter`` its :class:`~arclass.io.writers.Formatted` text.

    What a worker process or a Dask task does with each batch.
    """
    records = batch.records() if isinstance(batch, LineBatch) else batch
    results = tag_batch(tagger, records, options)
    return results if formatter is None else formatter.batch(results)


def _run(tagger, batches: Iterable, n_jobs: int, options: TagOptions, formatter) -> Iterator:
    if n_jobs == 1:
        return (tag_unit(tagger, batch, options, formatter) for batch in batches)
    return _in_workers(tagger, iter(batches), n_jobs, options, formatter)


def tag_records(tagger, records: Iterable[Record], **kwargs: Any) -> Iterator[dict[str, Any]]:
    """One result dict per record, in order; keywords as in :func:`tag_batches`."""
    for results in tag_batches(tagger, records, **kwargs):
        yield from results


# -- worker processes -------------------------------------------------------------

_WORKER_TAGGER = None


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone: nobody will read what this worker makes


def _init_worker(tagger, parent: int) -> None:
    global _WORKER_TAGGER
    _WORKER_TAGGER = tagger
    threading.Thread(target=_watch_parent, args=(parent,), name="arclass-parent-watch", daemon=True).start()


def _work_in_worker(batch, options: TagOptions, formatter):
    return tag_unit(_WORKER_TAGGER, batch, options, formatter)


def _broken(call, *args):
    """``call(*args)``, with a pool broken by a dead worker as a :class:`WorkerError`."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return call(*args)
    except BrokenProcessPool:  # loky's TerminatedWorkerError is one too
        raise WorkerError("a worker process died unexpectedly (killed, or out of memory)") from None


def _collect(future):
    return _broken(future.result)


def _fork_is_safe() -> bool:
    """On Linux, with no thread but the main one and arclass's own (whose locks a worker never takes)."""
    return sys.platform.startswith("linux") and all(
        t is threading.main_thread() or t.name.startswith("arclass-") for t in threading.enumerate())


def _executor(tagger, n_jobs: int):
    """Worker processes: forked where that is safe, loky's spawned processes otherwise.

    A forked worker starts in milliseconds with the tagger (and its warm word
    cache) already in memory; a spawned one imports arclass and unpickles
    the tagger, about 0.4 s before its first batch. A program with threads
    of its own (a server, a notebook) gets spawned workers: a fork copies
    the locks its threads hold.
    """
    if _fork_is_safe():
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(n_jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_init_worker, initargs=(tagger, os.getpid())), True
    from joblib.externals.loky import get_reusable_executor

    return get_reusable_executor(max_workers=n_jobs, initializer=_init_worker,
                                 initargs=(tagger, os.getpid())), False


def _in_workers(tagger, batches: Iterator, n_jobs: int, options: TagOptions, formatter):
    # An executor rather than joblib.Parallel: Parallel keeps dispatching as
    # workers finish, whether or not the results are consumed.
    executor, owned = _executor(tagger, n_jobs)
    try:
        yield from in_order(lambda batch: _broken(executor.submit, _work_in_worker, batch, options, formatter), batches,
                            window=lambda: 2 * n_jobs, collect=_collect)
    finally:
        if owned:
            executor.shutdown(wait=True, cancel_futures=True)  # running batches are short
