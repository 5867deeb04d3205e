"""Tagging options, checked once before any record is read."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from ..io.readers import DEFAULT_MAX_CHARS

__all__ = ["TagOptions", "parse_thresholds", "effective_jobs", "usable_cpus", "DEFAULT_BATCH_SIZE"]

DEFAULT_BATCH_SIZE = 256


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def effective_jobs(n_jobs: int, cap: bool = True) -> int:
    """Worker processes for ``n_jobs``: negative counts from the CPUs (-1: all).

    With ``cap``, never more than the usable CPUs: more processes than cores
    only cost memory.
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero int, not {n_jobs!r}")
    cpus = usable_cpus()
    jobs = max(1, cpus + 1 + n_jobs) if n_jobs < 0 else n_jobs
    return min(jobs, cpus) if cap else jobs


def parse_thresholds(specs: Sequence[str], labels: Sequence[str]) -> float | dict[str, float] | None:
    """``["0.4"]``, ``["security=0.3,oil=0.6"]`` or both, as the ``thresholds`` of :class:`TagOptions`.

    A bare number applies to every label; ``label=value`` pairs override it.
    Raises ``ValueError`` for unknown labels or values outside [0, 1].
    """
    everyone: float | None = None
    pairs: dict[str, float] = {}
    names = [str(x) for x in labels]
    for spec in specs:
        for part in filter(None, (p.strip() for p in spec.split(","))):
            label, _, value = part.rpartition("=")
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"threshold {part!r} is not a number or label=number") from None
            if not 0.0 <= number <= 1.0:
                raise ValueError(f"threshold {part!r} must be between 0 and 1")
            if not label:
                everyone = number
            elif label not in names:
                raise ValueError(f"unknown label {label!r} in threshold; labels: {', '.join(names)}")
            else:
                pairs[label] = number
    if not pairs:
        return everyone
    if everyone is None:
        return pairs
    return {**dict.fromkeys(names, everyone), **pairs}


@dataclass(frozen=True)
class TagOptions:
    """How records are tagged: the same for every batch, every worker, every cluster.

    ``thresholds`` and ``top_k`` are as in :meth:`TopicTagger.labels_from_proba`;
    texts longer than ``max_chars`` are error records; ``decimals`` rounds
    the scores.
    """

    thresholds: float | dict[str, float] | None = None
    top_k: int | None = None
    max_chars: int | None = DEFAULT_MAX_CHARS
    decimals: int = 4

    def check(self, tagger) -> "TagOptions":
        """Raise ``ValueError`` for an option that cannot work with ``tagger``; return self."""
        if self.top_k is not None and (isinstance(self.top_k, bool) or not isinstance(self.top_k, int)
                                       or self.top_k < 1):
            raise ValueError(f"top_k must be at least 1, not {self.top_k!r}")
        if self.max_chars is not None and self.max_chars < 1:
            raise ValueError(f"max_chars must be at least 1, not {self.max_chars}")
        if not isinstance(self.decimals, int) or not 0 <= self.decimals <= 17:
            raise ValueError(f"decimals must be an int from 0 to 17, not {self.decimals!r}")
        tagger.resolve_thresholds(self.thresholds)
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_batch_size(batch_size: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size!r}")
    return batch_size
