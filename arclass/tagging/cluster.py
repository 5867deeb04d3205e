"""Streams on a ``distributed`` cluster: connect, then tag batches in order, a bounded number in flight.

What ``arclass tag --dask-scheduler`` runs. The tasks and the way the model
travels are those of :mod:`arclass.tagging.dask`; this module adds the
client side: a connection that fails in seconds with one line, the
scheduler's window, and errors as :class:`ClusterError`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ..io.inputs import LineBatch
from ..io.readers import DEFAULT_MAX_CHARS, Record
from ..io.writers import Formatted
from .dask import _dumps, _format_pickled, _identity, _Model, _options, _tag_pickled
from .options import DEFAULT_BATCH_SIZE, TagOptions
from .scheduling import in_order

if TYPE_CHECKING:  # pragma: no cover
    import distributed

__all__ = ["ClusterError", "CONNECT_TIMEOUT", "connect", "tag_batches", "tag_records", "tag_formatted"]

#: Seconds to wait for a scheduler before giving up (a refused connection fails at once).
CONNECT_TIMEOUT = 10.0


class ClusterError(RuntimeError):
    """The Dask cluster cannot be reached, was lost, or failed to run a task."""


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
