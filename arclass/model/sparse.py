"""Sparse rows in numpy: the documents-by-terms matrices of the vectorizer, without SciPy."""

from __future__ import annotations

import numpy as np

__all__ = ["SparseRows", "count_pairs"]


class SparseRows:
    """CSR parts (``indptr``, ``indices``, ``data``) of a documents-by-terms matrix.

    The numpy-only form of the vectorizer's output: the tagger multiplies it
    by its weights without SciPy; :meth:`tocsr` wraps it for everyone else.
    """

    __slots__ = ("indptr", "indices", "data", "n_features")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_features: int):
        self.indptr = indptr
        self.indices = indices
        self.data = data
        self.n_features = n_features

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def row_ids(self) -> np.ndarray:
        """The row of every stored value."""
        return np.repeat(np.arange(self.n_rows), np.diff(self.indptr))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``self @ weights.T`` for a dense ``(n_outputs, n_features)`` array."""
        rows = self.row_ids()
        out = np.empty((self.n_rows, weights.shape[0]))
        for k, w in enumerate(weights):
            out[:, k] = np.bincount(rows, weights=self.data * w[self.indices], minlength=self.n_rows)
        return out

    def tocsr(self):
        import scipy.sparse as sp

        return sp.csr_matrix(
            (self.data, self.indices, self.indptr), shape=(self.n_rows, self.n_features)
        )

    @classmethod
    def concatenate(cls, parts: list["SparseRows"], n_features: int) -> "SparseRows":
        if not parts:
            return cls(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0), n_features)
        if len(parts) == 1:
            return parts[0]
        offsets = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
        indptr = np.concatenate([parts[0].indptr[:1]] + [p.indptr[1:] + o for p, o in zip(parts, offsets)])
        return cls(
            indptr,
            np.concatenate([p.indices for p in parts]),
            np.concatenate([p.data for p in parts]),
            n_features,
        )


def count_pairs(n_rows: int, rows: np.ndarray, columns: np.ndarray, width: int) -> SparseRows:
    """CSR counts of (row, column) occurrences; columns sorted within rows."""
    width = max(width, 1)
    if n_rows * width < 2**32:  # smaller keys sort faster
        keys = rows.astype(np.uint32)
        keys *= np.uint32(width)
        keys += columns.astype(np.uint32)
    else:
        keys = rows * width + columns
    keys.sort()
    if len(keys):
        first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        counts = np.diff(np.append(first, len(keys)))
        rows, columns = np.divmod(keys[first].astype(np.int64), width)
    else:
        counts = np.zeros(0, dtype=np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    index = np.int32 if width < 2**31 else np.int64
    return SparseRows(indptr, columns.astype(index), counts.astype(np.float64), width)
