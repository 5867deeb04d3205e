"""The arclass model file: a zip archive that loading cannot turn into code.

A model file holds exactly these members:

``model.json``
    UTF-8 JSON: ``format`` (``"arclass-model"``), ``format_version``, the
    ``arclass_version`` that wrote it, ``labels``, ``thresholds``,
    ``intercept``, ``n_features``, the vectorizer and tagger parameters, the
    training data's size and SHA-256 and the cross-validation scores.
``vocabulary.json``
    The terms, in column order (a JSON list of distinct strings).
``idf.npy``, ``coef.npy``
    float64 arrays in numpy's ``.npy`` format, read with
    ``allow_pickle=False``: ``idf`` has one value per term, ``coef`` one row
    per label.
``MANIFEST``
    The SHA-256 of every other member, ``model.json`` included: an edited
    threshold, label or weight is refused.

A model can be shared without trust in its author: no pickle is involved
anywhere, and everything is checked before it is used. The members must be
exactly those above, with plain names; every size is bounded
(:data:`LIMITS`) and checked before anything is read in full; each array's
header (type and shape, which must agree with the labels and the
vocabulary) is read before its data; JSON nesting is bounded; thresholds lie
in [0, 1], weights are finite, labels distinct, and the vectorizer's
parameters are those ``arclass train`` can set. A file from an untrusted
source can at worst fail to load, with a message that names the problem.
Files are written to a temporary file in the destination folder and renamed
into place, so a crash never leaves half a model.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_writer

__all__ = ["ModelFileError", "FORMAT", "FORMAT_VERSION", "LIMITS", "write_model", "read_model"]

FORMAT = "arclass-model"
FORMAT_VERSION = 2
_ARRAYS = ("idf.npy", "coef.npy")
_MEMBERS = ("model.json", "vocabulary.json", *_ARRAYS, "MANIFEST")
#: The most a model file may hold; anything larger is refused before it is read.
LIMITS = {
    "labels": 1_000,
    "label_chars": 200,
    "terms": 10_000_000,
    "model.json": 8 << 20,
    "vocabulary.json": 512 << 20,
    "MANIFEST": 4 << 10,
    "json_depth": 32,
}


class ModelFileError(ValueError):
    """A model file that cannot be used: missing, damaged, tampered or too new."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float64), allow_pickle=False)
    return buffer.getvalue()


def _manifest(members: dict[str, bytes]) -> bytes:
    return "".join(f"{_sha256(data)}  {name}\n" for name, data in members.items()).encode("ascii")


def write_model(
    path: str | os.PathLike,
    meta: dict[str, Any],
    vocabulary: list[str],
    idf: np.ndarray,
    coef: np.ndarray,
) -> None:
    """Write a model file atomically. ``meta`` must be JSON-serializable."""
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "n_features": len(vocabulary), **meta}
    members = {
        "model.json": json.dumps(header, ensure_ascii=False, indent=1).encode("utf-8"),
        "vocabulary.json": json.dumps(vocabulary, ensure_ascii=False).encode("utf-8"),
        "idf.npy": _npy_bytes(idf),
        "coef.npy": _npy_bytes(coef),
    }
    members["MANIFEST"] = _manifest(members)
    with atomic_writer(path, "wb") as f:
        with zipfile.ZipFile(f, "w") as archive:
            for name, data in members.items():
                # Deflated, the weights shrink only from 1.74 to 1.22 MB but cost a load 5 ms to inflate.
                stored = name.endswith(".npy")
                archive.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)


def _depth(text: bytes) -> int:
    """The deepest nesting of brackets outside strings (a cheap bound before json.loads)."""
    depth = deepest = 0
    quoted = escaped = False
    for byte in text:
        if quoted:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                quoted = False
        elif byte == 0x22:
            quoted = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _json(data: bytes, name: str, path: Path, check_depth: bool = True) -> Any:
    if check_depth and _depth(data) > LIMITS["json_depth"]:
        raise ModelFileError(f"{path}: {name} is nested too deeply")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{path}: {name} is not valid JSON ({exc})") from None


def _read(archive: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ModelFileError(f"{path}: {name} is implausibly large ({info.file_size} bytes; at most {limit})")
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ModelFileError(f"{path}: {name} is larger than its directory entry says")
    return data


def _array_limit(archive: zipfile.ZipFile, name: str, shape: tuple[int, ...], path: Path) -> int:
    """The exact size of a float64 array of ``shape`` in .npy form, after checking its header."""
    with archive.open(name) as member:
        try:
            version = np.lib.format.read_magic(member)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unsupported .npy version {version}")
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape_read, fortran, dtype = read(member, max_header_size=10_000)
            offset = member.tell()
        except (ValueError, OSError, SyntaxError) as exc:
            raise ModelFileError(f"{path}: {name} is not a .npy array ({exc})") from None
    if dtype != np.float64 or fortran:
        raise ModelFileError(f"{path}: {name} holds {dtype}, expected float64")
    if tuple(shape_read) != shape:
        raise ModelFileError(f"{path}: {name} has shape {tuple(shape_read)}, expected {shape}")
    return offset + 8 * math.prod(shape)


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
    if not (isinstance(labels, list) and 0 < len(labels) <= LIMITS["labels"]
            and all(isinstance(x, str) and 0 < len(x) <= LIMITS["label_chars"] for x in labels)):
        raise ModelFileError(f"{path}: model.json has no valid label list")
    if len(set(labels)) != len(labels):
        raise ModelFileError(f"{path}: model.json repeats a label")
    if header.get("label_type", "str") not in ("str", "int"):
        raise ModelFileError(f"{path}: model.json has an unknown label_type")
    if header.get("label_type") == "int" and not all(x.isdigit() for x in labels):
        raise ModelFileError(f"{path}: model.json's integer labels are not integers")
    for name in ("thresholds", "intercept"):
        values = header.get(name)
        if not (isinstance(values, list) and len(values) == len(labels)
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                        for v in values)):
            raise ModelFileError(f"{path}: model.json {name} must be one finite number per label")
    if not all(0.0 <= t <= 1.0 for t in header["thresholds"]):
        raise ModelFileError(f"{path}: model.json thresholds must lie between 0 and 1")
    n_features = header.get("n_features")
    if not (isinstance(n_features, int) and not isinstance(n_features, bool) and 0 < n_features <= LIMITS["terms"]):
        raise ModelFileError(f"{path}: model.json has no valid n_features")
    for name in ("vectorizer", "tagger"):
        if not isinstance(header.get(name, {}), dict):
            raise ModelFileError(f"{path}: model.json {name} parameters must be an object")
    if "vectorizer" not in header:
        raise ModelFileError(f"{path}: model.json has no vectorizer parameters")


def read_model(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, int], np.ndarray, np.ndarray]:
    """Read and check a model file: ``(meta, vocabulary, idf, coef)``, the vocabulary as term -> column.

    Raises :class:`ModelFileError` naming the problem for anything but a
    complete, untampered model file of a known format version.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if len(set(names)) != len(names):
                raise ModelFileError(f"{path}: the archive repeats a member; not a model file written by arclass")
            if "model.json" not in names:
                raise ModelFileError(f"{path}: not an arclass model (no model.json inside)")
            header_bytes = _read(archive, "model.json", LIMITS["model.json"], path)
            header = _json(header_bytes, "model.json", path)
            _check_header(header, path)
            if sorted(names) != sorted(_MEMBERS):
                odd = sorted(set(names) - set(_MEMBERS)) or sorted(set(_MEMBERS) - set(names))
                raise ModelFileError(f"{path}: unexpected or missing members ({', '.join(odd)}); "
                                     "not a model file written by arclass")
            manifest = _read(archive, "MANIFEST", LIMITS["MANIFEST"], path)
            labels, n_features = header["labels"], header["n_features"]
            shapes = {"idf.npy": (n_features,), "coef.npy": (len(labels), n_features)}
            data = {"model.json": header_bytes}
            data["vocabulary.json"] = _read(archive, "vocabulary.json", LIMITS["vocabulary.json"], path)
            for name in _ARRAYS:
                data[name] = _read(archive, name, _array_limit(archive, name, shapes[name], path), path)
    except zipfile.BadZipFile as exc:
        raise ModelFileError(f"{path}: not an arclass model file, or truncated ({exc})") from None
    except (zipfile.LargeZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{path}: cannot read model file ({exc})") from None
    if manifest != _manifest(data):
        raise ModelFileError(f"{path}: a member does not match the MANIFEST checksums (file altered or damaged)")

    vocabulary = _json(data["vocabulary.json"], "vocabulary.json", path, check_depth=False)
    if not (isinstance(vocabulary, list) and len(vocabulary) == n_features
            and set(map(type, vocabulary)) <= {str}):
        raise ModelFileError(f"{path}: vocabulary.json is not a list of {n_features} terms")
    columns = dict(zip(vocabulary, range(n_features)))
    if len(columns) != n_features:
        raise ModelFileError(f"{path}: vocabulary.json repeats terms")
    try:
        idf = np.load(io.BytesIO(data["idf.npy"]), allow_pickle=False)
        coef = np.load(io.BytesIO(data["coef.npy"]), allow_pickle=False)
    except ValueError as exc:
        raise ModelFileError(f"{path}: damaged model data ({exc})") from None
    if idf.shape != shapes["idf.npy"] or coef.shape != shapes["coef.npy"]:
        raise ModelFileError(f"{path}: arrays do not match their headers")
    if not (np.isfinite(idf).all() and np.isfinite(coef).all()):
        raise ModelFileError(f"{path}: model weights are not finite")
    return header, columns, idf, coef
