import io
import json
import os
import zipfile

import numpy as np
import pytest

import arclass
from arclass import ModelFileError
from arclass.model.modelfile import FORMAT_VERSION
from arclass.io.atomic import atomic_writer

TEXTS = ["ارتفعت أسعار النفط", "قصف جوي على مواقع داعش", "زيارة رسمية لوزير الخارجية", "مباراة كرة قدم"]


def test_roundtrip(trained_tagger, model_path, seed_texts):
    loaded = arclass.load(model_path)
    np.testing.assert_array_equal(loaded.predict_proba(seed_texts), trained_tagger.predict_proba(seed_texts))
    assert loaded.predict(TEXTS) == trained_tagger.predict(TEXTS)
    assert loaded.classes_ == trained_tagger.classes_
    np.testing.assert_array_equal(loaded.thresholds_, trained_tagger.thresholds_)
    assert loaded.training_["sha256"] == trained_tagger.training_["sha256"]
    assert loaded.metadata_["format_version"] == FORMAT_VERSION
    assert loaded.metadata_["arclass_version"] == arclass.__version__
    assert loaded.cv_scores_ == json.loads(json.dumps(trained_tagger.cv_scores_))


def test_save_leaves_no_temporary_file(trained_tagger, tmp_path):
    trained_tagger.save(tmp_path / "m.arclass")
    assert os.listdir(tmp_path) == ["m.arclass"]


def test_failed_save_keeps_the_old_file(trained_tagger, tmp_path, monkeypatch):
    path = tmp_path / "m.arclass"
    path.write_bytes(b"old model")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", boom)
    with pytest.raises(OSError, match="disk full"):
        trained_tagger.save(path)
    assert path.read_bytes() == b"old model"
    assert os.listdir(tmp_path) == ["m.arclass"]


def test_atomic_writer_follows_umask(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_writer(tmp_path / "out.txt", "w", encoding="utf-8") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o640


def test_atomic_writer_cleans_up(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_writer(tmp_path / "out.txt", "w", encoding="utf-8") as f:
            f.write("partial")
            raise RuntimeError
    assert os.listdir(tmp_path) == []


def _rewrite(src, dst, change):
    """Copy the zip at src to dst, letting change(name, data) alter members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = change(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)


def _header_change(**updates):
    def change(name, data):
        if name == "model.json":
            header = json.loads(data)
            header.update(updates)
            return json.dumps(header)
        return data
    return change


@pytest.mark.parametrize(
    "damage, message",
    [
        ("truncate", "truncated"),
        ("garbage", "not an arclass model file"),
        ("tamper", "checksum"),
        ("version", "format version 99 is not supported"),
        ("missing", "missing"),
        ("pickle", "checksum|damaged"),
        ("labels", "label"),
    ],
)
def test_damaged_files_give_clear_errors(model_path, tmp_path, damage, message):
    bad = tmp_path / "bad.arclass"
    raw = model_path.read_bytes()
    if damage == "truncate":
        bad.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        bad.write_bytes(b"\x00" * 100)
    elif damage == "tamper":
        def change(name, data):
            if name == "coef.npy":
                arr = np.load(io.BytesIO(data))
                arr[0, 0] += 1
                buf = io.BytesIO()
                np.save(buf, arr)
                return buf.getvalue()
            return data
        _rewrite(model_path, bad, change)
    elif damage == "version":
        _rewrite(model_path, bad, _header_change(format_version=99))
    elif damage == "missing":
        _rewrite(model_path, bad, lambda name, data: None if name == "idf.npy" else data)
    elif damage == "pickle":
        # An object array needs pickle to load: it must be refused, never run.
        def change(name, data):
            if name == "idf.npy":
                buf = io.BytesIO()
                np.save(buf, np.array([print], dtype=object), allow_pickle=True)
                return buf.getvalue()
            return data
        _rewrite(model_path, bad, change)
    elif damage == "labels":
        _rewrite(model_path, bad, _header_change(labels="security"))
    with pytest.raises(ModelFileError, match=message):
        arclass.load(bad)


def test_pickled_array_is_refused_even_with_matching_checksum(model_path, tmp_path):
    import hashlib

    buf = io.BytesIO()
    np.save(buf, np.array([print], dtype=object), allow_pickle=True)
    payload = buf.getvalue()
    bad = tmp_path / "bad.arclass"

    def change(name, data):
        if name == "idf.npy":
            return payload
        if name == "model.json":
            header = json.loads(data)
            header["files"]["idf.npy"] = hashlib.sha256(payload).hexdigest()
            return json.dumps(header)
        return data

    _rewrite(model_path, bad, change)
    with pytest.raises(ModelFileError, match="damaged"):
        arclass.load(bad)


def test_missing_file():
    with pytest.raises(ModelFileError, match="no such model file"):
        arclass.load("/nonexistent/model.arclass")
