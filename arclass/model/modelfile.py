"""The arclass model file: a zip archive that loading cannot turn into code.

A model file holds:

``model.json``
    UTF-8 JSON: ``format`` (``"arclass-model"``), ``format_version``, the
    ``arclass_version`` that wrote it, ``labels``, ``thresholds``,
    ``intercept``, the vectorizer and tagger parameters, the training data's
    size and SHA-256, the cross-validation scores, and the SHA-256 of every
    other member.
``vocabulary.json``
    The terms, in column order (a JSON list of strings).
``idf.npy``, ``coef.npy``
    float64 arrays in numpy's ``.npy`` format, read with
    ``allow_pickle=False``: ``idf`` has one value per term, ``coef`` one row
    per label.

No pickle is involved anywhere, so a file from an untrusted source can at
worst fail to load. Files are written to a temporary file in the destination
folder and renamed into place, so a crash never leaves half a model.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_writer

__all__ = ["ModelFileError", "FORMAT", "FORMAT_VERSION", "write_model", "read_model"]

FORMAT = "arclass-model"
FORMAT_VERSION = 1
_ARRAYS = ("idf.npy", "coef.npy")
_MAX_MEMBER_BYTES = 2 << 30


class ModelFileError(ValueError):
    """A model file that cannot be used: missing, damaged, tampered or too new."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float64), allow_pickle=False)
    return buffer.getvalue()


def write_model(
    path: str | os.PathLike,
    meta: dict[str, Any],
    vocabulary: list[str],
    idf: np.ndarray,
    coef: np.ndarray,
) -> None:
    """Write a model file atomically. ``meta`` must be JSON-serializable."""
    members = {
        "vocabulary.json": json.dumps(vocabulary, ensure_ascii=False).encode("utf-8"),
        "idf.npy": _npy_bytes(idf),
        "coef.npy": _npy_bytes(coef),
    }
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **meta,
        "files": {name: _sha256(data) for name, data in members.items()},
    }
    with atomic_writer(path, "wb") as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("model.json", json.dumps(header, ensure_ascii=False, indent=1))
            for name, data in members.items():
                archive.writestr(name, data)


def read_model(path: str | os.PathLike) -> tuple[dict[str, Any], list[str], np.ndarray, np.ndarray]:
    """Read and check a model file: ``(meta, vocabulary, idf, coef)``.

    Raises :class:`ModelFileError` naming the problem for anything but a
    complete, untampered model file of a known format version.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "model.json" not in names:
                raise ModelFileError(f"{path}: not an arclass model (no model.json inside)")
            header = _read_json(archive, "model.json", path)
            _check_header(header, path)
            data = {}
            for name, digest in header["files"].items():
                if name not in names:
                    raise ModelFileError(f"{path}: {name} is missing from the model file")
                if archive.getinfo(name).file_size > _MAX_MEMBER_BYTES:
                    raise ModelFileError(f"{path}: {name} is implausibly large")
                data[name] = archive.read(name)
                if _sha256(data[name]) != digest:
                    raise ModelFileError(f"{path}: {name} does not match its checksum (file altered)")
    except zipfile.BadZipFile as exc:
        raise ModelFileError(f"{path}: not an arclass model file, or truncated ({exc})") from None
    except (zipfile.LargeZipFile, EOFError, OSError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{path}: cannot read model file ({exc})") from None

    try:
        vocabulary = json.loads(data["vocabulary.json"].decode("utf-8"))
        idf = np.load(io.BytesIO(data["idf.npy"]), allow_pickle=False)
        coef = np.load(io.BytesIO(data["coef.npy"]), allow_pickle=False)
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: damaged model data ({exc})") from None
    labels = header["labels"]
    if not (isinstance(vocabulary, list) and all(isinstance(t, str) for t in vocabulary)):
        raise ModelFileError(f"{path}: vocabulary.json is not a list of terms")
    if idf.dtype != np.float64 or idf.shape != (len(vocabulary),):
        raise ModelFileError(f"{path}: idf.npy has shape {idf.shape}, expected ({len(vocabulary)},)")
    if coef.dtype != np.float64 or coef.shape != (len(labels), len(vocabulary)):
        raise ModelFileError(
            f"{path}: coef.npy has shape {coef.shape}, expected ({len(labels)}, {len(vocabulary)})"
        )
    if not (np.isfinite(idf).all() and np.isfinite(coef).all()):
        raise ModelFileError(f"{path}: model weights are not finite")
    return header, vocabulary, idf, coef


def _read_json(archive: zipfile.ZipFile, name: str, path: Path) -> Any:
    try:
        return json.loads(archive.read(name).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: {name} is not valid JSON ({exc})") from None


def _check_header(header: Any, path: Path) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an arclass model file")
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {version!r} is not supported by this arclass "
            f"(it reads version {FORMAT_VERSION}); upgrade arclass or retrain the model"
        )
    labels = header.get("labels")
    thresholds = header.get("thresholds")
    intercept = header.get("intercept")
    files = header.get("files")
    if not (isinstance(labels, list) and labels and all(isinstance(x, str) for x in labels)):
        raise ModelFileError(f"{path}: model.json has no valid label list")
    for name, values in (("thresholds", thresholds), ("intercept", intercept)):
        if not (
            isinstance(values, list)
            and len(values) == len(labels)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        ):
            raise ModelFileError(f"{path}: model.json {name} must be one number per label")
    if not (isinstance(files, dict) and set(files) == {"vocabulary.json", *_ARRAYS}):
        raise ModelFileError(f"{path}: model.json does not list the model's files")
    if not isinstance(header.get("vectorizer"), dict):
        raise ModelFileError(f"{path}: model.json has no vectorizer parameters")
