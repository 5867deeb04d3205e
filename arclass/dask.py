"""Tagging on a Dask cluster (re-exported from :mod:`arclass.tagging.dask` and
:mod:`arclass.tagging.cluster`; needs arclass[dask])."""

from .tagging.cluster import CONNECT_TIMEOUT, ClusterError, connect, tag_batches, tag_formatted, tag_records
from .tagging.dask import tag_bag, tag_dataframe

__all__ = ["ClusterError", "CONNECT_TIMEOUT", "connect", "tag_bag", "tag_dataframe", "tag_batches", "tag_records",
           "tag_formatted"]
