"""The tagging stage: records in, result dicts out, here, in worker processes or on Dask.

Built on the model and io stages. :mod:`~arclass.tagging.dask` and
:mod:`~arclass.tagging.cluster` need ``arclass[dask]`` and are not imported here.
"""

from .local import WorkerError, tag_batches, tag_formatted, tag_records
from .options import TagOptions, parse_thresholds
from .results import RESULT_KEYS, tag_batch

__all__ = ["tag_batch", "tag_batches", "tag_records", "tag_formatted", "TagOptions", "parse_thresholds", "RESULT_KEYS",
           "WorkerError"]
