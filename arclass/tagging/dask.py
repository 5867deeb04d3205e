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
:func:`~arclass.tagging.cluster.tag_batches`
    a stream of records -> a stream of result lists, computed on a
    ``distributed`` cluster with a bounded number of batches in flight;
    :func:`~arclass.tagging.cluster.tag_formatted`, its output text, is
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
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import dask

from ..io.readers import DEFAULT_MAX_CHARS, Record
from .local import tag_unit
from .options import DEFAULT_BATCH_SIZE, TagOptions, check_batch_size
from .results import RESULT_KEYS, tag_batch

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag
    import dask.dataframe

__all__ = ["tag_bag", "tag_dataframe"]

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
