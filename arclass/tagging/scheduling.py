"""The one scheduler: submit work ahead, collect results in order, never too much in flight.

Local worker processes and a Dask cluster both tag through :func:`in_order`:
it submits items as results are consumed, keeping at most ``window`` in
flight, so a slow reader of the output never makes memory grow, and it
cancels what is still pending when the consumer stops early.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterable, Iterator, TypeVar

__all__ = ["in_order"]

T = TypeVar("T")
F = TypeVar("F")
R = TypeVar("R")


def _result(future):
    return future.result()


def _cancel(pending: list) -> None:
    for future in pending:
        future.cancel()


def in_order(
    submit: Callable[[T], F],
    items: Iterable[T],
    window: Callable[[], int],
    collect: Callable[[F], R] = _result,
    cancel: Callable[[list[F]], None] = _cancel,
) -> Iterator[R]:
    """``collect(submit(item))`` for each item, in order, with at most ``window()`` submitted ahead.

    ``submit`` starts the work and returns a handle (a future); ``collect``
    waits for a handle's result; ``cancel`` is given the handles still
    pending if the loop ends early (the consumer stops or a result raises).
    ``window`` is asked again before each submission, for pools that grow.
    """
    pending: deque = deque()
    try:
        for item in items:
            pending.append(submit(item))
            while len(pending) >= max(1, window()):
                yield collect(pending.popleft())
        while pending:
            yield collect(pending.popleft())
    finally:
        if pending:
            cancel(list(pending))
