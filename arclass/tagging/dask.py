"""Tag on a Dask cluster when one machine is not enough.

Needs ``pip install 'arclass[dask]'`` (``dask[distributed]``; tagging a data
frame also needs ``dask[dataframe]``). The base install never imports dask.

Three entry points, all giving the result dicts of :mod:`arclass.tagging.results`
(``id``, ``tags``, ``scores``, ``error``, kept fields), one per input, in
input order, with an error result for each input that cannot be tagged:

:func:`tag_bag`
    a ``dask.bag`` of texts, :class:`~arclass.batch.Record` objects or
    mappings -> a bag of result dicts.
:func:`tag_dataframe`
    a ``dask.dataframe`` text column -> a data frame with the same index
    and the columns of ``arclass tag --format csv``: ``tags``, one score
    column per label, ``error``.
:func:`tag_batches`
    a stream of records -> a stream of result lists, computed on a
    ``distributed`` cluster with a bounded number of batches in flight;
    what ``arclass tag --dask-scheduler ADDRESS`` runs.

How the model travels: the tagger is pickled once, on the client, and the
bytes enter the task graph as a single key, ``arclass-model-<sha256>``, on
which every tagging task depends. Dask copies that key to a worker the
first time one of its tasks needs it, not once per task; the worker then
unpickles the bytes once and keeps the tagger in a small cache keyed by the
checksum, so a copy fetched again (Dask drops spare copies when a worker
has no task waiting for them) or a later job with the same model costs no
second load. A worker that replaces a dead one fetches the key again, and
should every copy be lost the scheduler recomputes it from the graph
(scattered data, ``client.scatter``, would be lost for good).

Workers run tasks in threads; tagging is mostly pure Python, so threads of
one worker take turns on a tagger (a lock guards its token caches). Prefer
one thread per worker and one worker per core: ``dask worker ADDRESS
--nworkers N --nthreads 1``.

The local ``processes`` scheduler (a bag's default without a
``distributed.Client``) ships the model's bytes with every task (each
process still unpickles them once); prefer a ``distributed`` client, even
a ``LocalCluster``.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import dask

from ..io.inputs import LineBatch
from ..io.readers import DEFAULT_MAX_CHARS, Record
from ..io.writers import Formatted
from .local import tag_unit
from .options import DEFAULT_BATCH_SIZE, TagOptions, check_batch_size
from .results import RESULT_KEYS, tag_batch
from .scheduling import in_order

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag
    import dask.dataframe
    import distributed

__all__ = [
    "ClusterError",
    "CONNECT_TIMEOUT",
    "connect",
    "tag_formatted",
    "tag_bag",
    "tag_dataframe",
    "tag_batches",
    "tag_records",
]

#: Seconds to wait for a scheduler before giving up (a refused connection fails at once).
CONNECT_TIMEOUT = 10.0


class ClusterError(RuntimeError):
    """The Dask cluster cannot be reached, was lost, or failed to run a task."""


# -- worker side -------------------------------------------------------------

#: Taggers kept unpickled in each worker process, most recently used last.
_TAGGERS_KEPT = 2
_TAGGERS: "OrderedDict[str, tuple[Any, threading.Lock]]" = OrderedDict()
_TAGGERS_GUARD = threading.Lock()


class _Model:
    """A tagger in transit: its pickle and the pickle's SHA-256, computed once on the client."""

    def __init__(self, tagger) -> None:
        import cloudpickle  # a dependency of dask; also pickles classes defined in __main__

        self.data = cloudpickle.dumps(tagger, protocol=pickle.HIGHEST_PROTOCOL)
        self.checksum = hashlib.sha256(self.data).hexdigest()
        self.key = f"arclass-model-{self.checksum}"


def _unpack(checksum: str, data: bytes) -> tuple[Any, threading.Lock]:
    """The tagger pickled in ``data``, unpickled once per process, and its lock.

    The lock exists because a tagger's token caches are not thread-safe.
    """
    with _TAGGERS_GUARD:
        entry = _TAGGERS.get(checksum)
        if entry is None:
            entry = _TAGGERS[checksum] = (pickle.loads(data), threading.Lock())
            while len(_TAGGERS) > _TAGGERS_KEPT:
                _TAGGERS.popitem(last=False)
        else:
            _TAGGERS.move_to_end(checksum)
        return entry


def _tag(checksum: str, data: bytes, records: Sequence[Record], options: TagOptions,
         batch_size: int) -> list[dict[str, Any]]:
    """:func:`~arclass.tagging.results.tag_batch` over ``records`` in chunks of ``batch_size``."""
    tagger, lock = _unpack(checksum, data)
    results: list[dict[str, Any]] = []
    with lock:
        for start in range(0, len(records), batch_size):
            results += tag_batch(tagger, records[start : start + batch_size], options)
    return results


def _identity(data: bytes) -> bytes:
    return data


def _dumps(obj: Any) -> bytes:
    """``obj`` pickled, so that the scheduler passes it on as opaque bytes."""
    try:
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):  # e.g. a class defined in __main__
        import cloudpickle

        return cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def _tag_pickled(checksum: str, data: bytes, pickled_records: bytes, options: TagOptions,
                 batch_size: int) -> list[dict[str, Any]]:
    return _tag(checksum, data, pickle.loads(pickled_records), options, batch_size)


def _format_pickled(checksum: str, data: bytes, pickled_batch: bytes, options: TagOptions, formatter):
    """A batch (raw lines or records) parsed, tagged and formatted on the worker."""
    tagger, lock = _unpack(checksum, data)
    with lock:
        return tag_unit(tagger, pickle.loads(pickled_batch), options, formatter)


def _as_record(item: Any, text_field: str, id_field: str, keep_fields: tuple[str, ...]) -> Record:
    """A bag element as a record: a Record as is, a string as text, a mapping as a JSON object."""
    if isinstance(item, Record):
        return item
    if isinstance(item, Mapping):
        extra = {field: item.get(field) for field in keep_fields} or None
        if text_field not in item:
            return Record(item.get(id_field), None, f"no {text_field!r} field", extra)
        return Record(item.get(id_field), item[text_field], None, extra)
    extra = dict.fromkeys(keep_fields) or None
    return Record(None, item, None, extra)  # tag_batch explains a text that is not a string


def _tag_partition(items: Iterable[Any], checksum: str, data: bytes, options: TagOptions, batch_size: int,
                   fields: tuple) -> list[dict]:
    return _tag(checksum, data, [_as_record(item, *fields) for item in items], options, batch_size)


def _missing(value: Any) -> bool:
    """Whether a data frame cell is a missing value (None, NaN, NA, NaT)."""
    import pandas as pd

    return not isinstance(value, str) and pd.api.types.is_scalar(value) and bool(pd.isna(value))


def _tag_series(series, checksum: str, data: bytes, options: TagOptions, batch_size: int, names: list[str]):
    records = [Record(key, None if _missing(text) else text) for key, text in zip(series.index, series.tolist())]
    results = _tag(checksum, data, records, options, batch_size)
    return _frame(results, names, series.index)


def _frame(results: list[dict], names: list[str], index):
    import numpy as np
    import pandas as pd

    columns: dict[str, Any] = {"tags": pd.Series([r["tags"] for r in results], index=index, dtype=object)}
    for name in names:
        scores = [np.nan if r["scores"] is None else r["scores"][name] for r in results]
        columns[name] = pd.Series(scores, index=index, dtype="float64")
    columns["error"] = pd.Series([r["error"] for r in results], index=index, dtype=object)
    return pd.DataFrame(columns, index=index)


# -- collections -------------------------------------------------------------


def _options(tagger, thresholds, top_k, max_chars, decimals, batch_size) -> TagOptions:
    """Checked tagging options: a bad argument fails here, not in a worker."""
    check_batch_size(batch_size)
    return TagOptions(thresholds, top_k, max_chars, decimals).check(tagger)


def _graph_model(tagger) -> tuple[str, Any]:
    """The tagger's checksum, and its pickle as one key of a task graph (see the module docstring)."""
    model = _Model(tagger)
    return model.checksum, dask.delayed(model.data, name=model.key, traverse=False)


def tag_bag(
    bag: "dask.bag.Bag",
    tagger,
    *,
    text_field: str = "text",
    id_field: str = "id",
    keep_fields: Sequence[str] = (),
    thresholds: float | dict[str, float] | None = None,
    top_k: int | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    decimals: int = 4,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> "dask.bag.Bag":
    """A lazy bag of result dicts, one per element of ``bag``, in the same order.

    Elements may be texts (the result's ``id`` is then ``None``: give
    records or mappings for ids), :class:`~arclass.batch.Record` objects, or
    mappings read like JSON Lines objects (``text_field``, ``id_field``,
    ``keep_fields``). Anything else, and texts that are empty, too long or
    not strings, get an error result. Other arguments are those of
    :func:`arclass.tagging.results.tag_batch`; each partition is tagged in chunks of
    ``batch_size``.

    >>> import dask.bag as db
    >>> tag_bag(db.read_text("news-*.jsonl").map(json.loads), tagger).map(json.dumps).to_textfiles("out-*.jsonl")  # doctest: +SKIP
    """
    options = _options(tagger, thresholds, top_k, max_chars, decimals, batch_size)
    keep = tuple(keep_fields)
    reserved = sorted(set(keep) & set(RESULT_KEYS))
    if reserved:
        raise ValueError(f"cannot keep field {reserved[0]!r}: the output has its own {reserved[0]!r}")
    return bag.map_partitions(_tag_partition, *_graph_model(tagger), options, batch_size,
                              (text_field, id_field, keep))


def tag_dataframe(
    frame: "dask.dataframe.DataFrame | dask.dataframe.Series",
    tagger,
    *,
    column: str = "text",
    thresholds: float | dict[str, float] | None = None,
    top_k: int | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    decimals: int = 4,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> "dask.dataframe.DataFrame":
    """A lazy data frame with ``frame``'s index and the tags of its ``column``.

    ``frame`` is a data frame (its ``column`` holds the texts) or a series of
    texts. The columns are those of ``arclass tag --format csv`` (the index
    is the id): ``tags`` (a list of labels, most probable first, or None if
    the row was not tagged), one float column of probabilities per label (NaN
    if not tagged) and ``error`` (None, or why the row was not tagged, e.g.
    a missing value or an empty text). Join it back with
    ``frame.join(tag_dataframe(frame, tagger))``.
    """
    import pandas as pd

    options = _options(tagger, thresholds, top_k, max_chars, decimals, batch_size)
    names = [str(c) for c in tagger.classes_]
    clash = sorted({"tags", "error"} & set(names))
    if clash:
        raise ValueError(f"a label is named {clash[0]!r}, like an output column")
    if frame.ndim == 2:  # a data frame, not a series
        if column not in frame.columns:
            raise ValueError(f"no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
        frame = frame[column]
    meta = _frame([], names, pd.Index([], dtype=frame.index.dtype))
    return frame.map_partitions(_tag_series, *_graph_model(tagger), options, batch_size, names, meta=meta)


# -- streams on a distributed cluster ----------------------------------------


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT) -> "distributed.Client":
    """A client of the scheduler at ``address`` (e.g. ``tcp://10.0.0.5:8786``).

    Raises :class:`ClusterError` with a one-line reason when ``address`` is
    not a scheduler address, or the scheduler cannot be reached within
    ``timeout`` seconds (at once if the connection is refused).
    """
    from distributed import Client
    from distributed.comm import get_address_host_port, parse_address
    from distributed.comm.registry import get_backend

    try:
        scheme, _ = parse_address(address)
        get_backend(scheme)
        if scheme == "inproc":
            raise ValueError("an in-process address; pass the Client itself")
        host, port = get_address_host_port(address) if scheme in _INET_SCHEMES else (None, None)
    except (ValueError, TypeError) as exc:
        raise ClusterError(f"{address!r} is not a Dask scheduler address ({_one_line(exc)})") from None
    if host is not None:
        _probe(address, host, port, timeout, greets=scheme == "tcp")
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # distributed raises OSError, ValueError, TimeoutError...
        raise ClusterError(f"cannot connect to the Dask scheduler at {address}: {_one_line(exc)}") from exc


_INET_SCHEMES = ("tcp", "tls", "ws", "wss")


def _probe(address: str, host: str, port: int, timeout: float, greets: bool) -> None:
    """Fail fast, and never hang, on an address where no Dask scheduler listens.

    distributed retries a refused connection until its timeout, and waits
    without limit for the handshake of a server that accepts the connection
    but never speaks. A Dask server sends its handshake first, so on plain
    TCP (``greets``) silence means something else listens there.
    """
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if greets and not sock.recv(1):
                raise ClusterError(f"no Dask scheduler at {address}: the connection was closed")
    except socket.timeout:
        what = "no answer (is it a Dask scheduler?)" if greets else "timed out"
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {what} "
                           f"within {timeout:g} s") from None
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def tag_batches(
    cluster: "str | distributed.Client",
    tagger,
    records: Iterable[Record],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    thresholds: float | dict[str, float] | None = None,
    top_k: int | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    decimals: int = 4,
    timeout: float = CONNECT_TIMEOUT,
) -> Iterator[list[dict[str, Any]]]:
    """:func:`arclass.tagging.local.tag_batches`, with the batches tagged on a Dask cluster.

    ``cluster`` is a ``distributed.Client`` or a scheduler address (then
    connected to at once, within ``timeout`` seconds, and closed when the
    stream ends). Records are read lazily; at most two batches per worker
    thread are in flight, and results come back in input order. Tasks on a
    worker that dies are run again elsewhere; should the scheduler be lost,
    or a task fail, the stream raises :class:`ClusterError`.
    """
    options = _options(tagger, thresholds, top_k, max_chars, decimals, batch_size)
    model = _Model(tagger)
    client, own = (connect(cluster, timeout=timeout), True) if isinstance(cluster, str) else (cluster, False)
    return _stream(client, own, model, _chunks(records, batch_size), _tag_pickled, (options, batch_size))


def tag_records(cluster: "str | distributed.Client", tagger, records: Iterable[Record],
                **kwargs: Any) -> Iterator[dict[str, Any]]:
    """One result dict per record, in order; arguments as in :func:`tag_batches`."""
    for results in tag_batches(cluster, tagger, records, **kwargs):
        yield from results


def _slots(client) -> int:
    """How many batches to keep in flight: two per worker thread (at least 4)."""
    return max(4, 2 * sum(client.nthreads().values()))


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    records = iter(records)
    while True:
        chunk = [record for _, record in zip(range(size), records)]
        if not chunk:
            return
        yield chunk


def _span(batch) -> tuple[str, str]:
    """The first and the last record of a batch, for messages."""
    if isinstance(batch, LineBatch):
        numbers = [number for number, _ in batch.lines] or [batch.fatal.number]
        return f"{batch.name}:{numbers[0]}", f"{batch.name}:{numbers[-1]}"
    return batch[0].id, batch[-1].id


def tag_formatted(
    cluster: "str | distributed.Client",
    tagger,
    batches: Iterable[list[Record] | LineBatch],
    formatter,
    *,
    options: TagOptions | None = None,
    timeout: float = CONNECT_TIMEOUT,
) -> Iterator[Formatted]:
    """:func:`arclass.tagging.local.tag_formatted` on a Dask cluster: output text per batch, in order.

    The workers decode and parse the raw lines of each
    :class:`~arclass.io.inputs.LineBatch` and format their results; this
    process only reads lines and writes text. Cluster as in :func:`tag_batches`.
    """
    options = (options or TagOptions()).check(tagger)
    model = _Model(tagger)
    client, own = (connect(cluster, timeout=timeout), True) if isinstance(cluster, str) else (cluster, False)
    remote = formatter if formatter.stateless else None
    done = _stream(client, own, model, batches, _format_pickled, (options, remote))
    return done if remote is not None else map(formatter.batch, done)


def _stream(client, own: bool, packed: _Model, units: Iterable, task, extra: tuple):
    """``task(checksum, model, pickled unit, *extra)`` for each unit on the cluster, in order."""
    model = None
    slots = {"n": 0, "checked": 0.0}

    def window() -> int:
        if time.monotonic() - slots["checked"] > 5:  # workers come and go
            slots["n"], slots["checked"] = _slots(client), time.monotonic()
        return slots["n"]

    def submit(unit):
        future = client.submit(task, packed.checksum, model, _dumps(unit), *extra, pure=False)
        return (future, *_span(unit))

    try:
        model = client.submit(_identity, packed.data, key=packed.key)
        yield from in_order(submit, units, window,
                            collect=lambda entry: _result(client, *entry),
                            cancel=lambda entries: client.cancel([future for future, *_ in entries]))
    except ClusterError:
        raise
    except (OSError, TimeoutError) as exc:  # the scheduler went away
        raise ClusterError(f"lost the Dask scheduler at {client.scheduler.address}: {_one_line(exc)}") from exc
    finally:
        if model is not None:
            model.release()
        if own:
            _close_quietly(client)


def _close_quietly(client) -> None:
    """Close ``client`` without distributed logging tracebacks of its failed reconnection."""
    import logging

    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
               if name.split(".")[0] == "distributed"]
    disabled = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        client.close()
    finally:
        for logger, was in zip(loggers, disabled):
            logger.disabled = was


def _result(client, future, first, last) -> list[dict[str, Any]]:
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        raise ClusterError(f"workers kept dying while tagging records {first!r} to {last!r}: {exc}") from exc
    except Exception as exc:
        if future.status == "cancelled" or getattr(client, "status", "running") != "running":
            raise ClusterError(f"lost the Dask scheduler at {client.scheduler.address}: "
                               f"{_one_line(exc)}") from exc
        raise ClusterError(f"tagging records {first!r} to {last!r} failed on the cluster: "
                           f"{_one_line(exc)}") from exc
