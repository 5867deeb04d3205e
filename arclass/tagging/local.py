"""Tagging streams of records in this process or in local worker processes.

:func:`tag_batches` cuts records into batches and tags each with
:func:`~arclass.tagging.results.tag_batch`, here or in ``n_jobs`` worker
processes (joblib's loky executor, through the one scheduler,
:func:`~arclass.tagging.scheduling.in_order`); the output is the same either
way, in the same order. Workers end when this process dies, even by SIGKILL.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from itertools import islice
from typing import Any, Iterable, Iterator

from ..io.readers import Record
from .options import DEFAULT_BATCH_SIZE, TagOptions, check_batch_size, effective_jobs
from .results import tag_batch
from .scheduling import in_order

__all__ = ["tag_batches", "tag_records", "WorkerError"]


class WorkerError(RuntimeError):
    """A worker process died (killed, out of memory): the run cannot be completed."""


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
    batches = _batches(records, batch_size, max_wait)
    if n_jobs == 1:
        return (tag_batch(tagger, batch, options) for batch in batches)
    return _tag_in_workers(tagger, batches, n_jobs, options)


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


def _tag_in_worker(records: list[Record], options: TagOptions) -> list[dict[str, Any]]:
    return tag_batch(_WORKER_TAGGER, records, options)


def _collect(future) -> list[dict[str, Any]]:
    from concurrent.futures.process import BrokenProcessPool

    from joblib.externals.loky.process_executor import TerminatedWorkerError

    try:
        return future.result()
    except (TerminatedWorkerError, BrokenProcessPool) as exc:
        raise WorkerError("a worker process died unexpectedly (killed, or out of memory)") from None


def _tag_in_workers(tagger, batches: Iterator[list[Record]], n_jobs: int, options: TagOptions):
    # The executor rather than joblib.Parallel: Parallel keeps dispatching as
    # workers finish, whether or not the results are consumed.
    from joblib.externals.loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=n_jobs, initializer=_init_worker,
                                     initargs=(tagger, os.getpid()))
    return in_order(lambda batch: executor.submit(_tag_in_worker, batch, options), batches,
                    window=lambda: 2 * n_jobs, collect=_collect)
