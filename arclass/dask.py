"""Tagging on a Dask cluster (re-exported from :mod:`arclass.tagging.dask`; needs arclass[dask])."""

from .tagging.dask import (
    CONNECT_TIMEOUT, ClusterError, connect, tag_bag, tag_batches, tag_dataframe, tag_formatted, tag_records,
)

__all__ = ["ClusterError", "CONNECT_TIMEOUT", "connect", "tag_bag", "tag_dataframe", "tag_batches", "tag_records",
           "tag_formatted"]
