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
        ("tamper", "MANIFEST"),
        ("version", "format version 99 is not supported"),
        ("missing", "missing members"),
        ("pickle", "holds object, expected float64"),
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


def _forge(src, dst, change, extra=()):
    """Like _rewrite, then recompute the MANIFEST: what a deliberate forger would do."""
    import hashlib

    members = {}
    with zipfile.ZipFile(src) as zin:
        for name in zin.namelist():
            if name != "MANIFEST":
                data = change(name, zin.read(name))
                if data is not None:
                    members[name] = data if isinstance(data, bytes) else data.encode()
    manifest = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in members.items())
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in [*members.items(), ("MANIFEST", manifest.encode()), *extra]:
            zout.writestr(name, data)


def _npy(array, **kwargs):
    buf = io.BytesIO()
    np.save(buf, array, **kwargs)
    return buf.getvalue()


def test_pickled_array_is_refused_even_with_matching_checksum(model_path, tmp_path):
    payload = _npy(np.array([print], dtype=object), allow_pickle=True)
    bad = tmp_path / "bad.arclass"
    _forge(model_path, bad, lambda name, data: payload if name == "idf.npy" else data)
    with pytest.raises(ModelFileError, match="idf.npy holds object, expected float64"):
        arclass.load(bad)


def test_an_edited_model_json_is_refused(model_path, tmp_path):
    bad = tmp_path / "bad.arclass"
    _rewrite(model_path, bad, _header_change(thresholds=[0.0, 0.0, 0.0]))
    with pytest.raises(ModelFileError, match="does not match the MANIFEST"):
        arclass.load(bad)


@pytest.mark.parametrize("updates, message", [
    ({"thresholds": [1.5, 0.5, 0.5]}, "thresholds must lie between 0 and 1"),
    ({"intercept": [float("nan"), 0.0, 0.0]}, "one finite number per label"),
    ({"labels": ["oil", "oil", "security"]}, "repeats a label"),
    ({"labels": ["x" * 500, "oil", "security"]}, "no valid label list"),
    ({"n_features": 10**12}, "no valid n_features"),
    ({"n_features": 7}, "idf.npy has shape"),
    ({"label_type": "object"}, "unknown label_type"),
])
def test_forged_headers_are_refused_before_any_array_is_read(model_path, tmp_path, updates, message):
    bad = tmp_path / "bad.arclass"
    _forge(model_path, bad, _header_change(**updates))
    with pytest.raises(ModelFileError, match=message):
        arclass.load(bad)


def test_forged_vectorizer_parameters_are_refused(model_path, tmp_path):
    def change(name, data):
        if name == "model.json":
            header = json.loads(data)
            header["vectorizer"]["ngram_range"] = [1, 100000]
            return json.dumps(header)
        return data

    bad = tmp_path / "bad.arclass"
    _forge(model_path, bad, change)
    with pytest.raises(ModelFileError, match="parameter 'ngram_range' must be"):
        arclass.load(bad)


@pytest.mark.parametrize("name", ["extra.txt", "../x", "/abs", "model.json"])
def test_unexpected_members_are_refused(model_path, tmp_path, name):
    bad = tmp_path / "bad.arclass"
    with pytest.warns(UserWarning) if name == "model.json" else _no_warning():
        _forge(model_path, bad, lambda n, d: d, extra=[(name, b"{}")])
    with pytest.raises(ModelFileError, match="repeats a member" if name == "model.json" else "unexpected or missing"):
        arclass.load(bad)


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_deeply_nested_json_is_refused(model_path, tmp_path):
    bad = tmp_path / "bad.arclass"
    deep = "[" * 100_000 + "]" * 100_000

    def change(name, data):
        if name == "model.json":
            header = json.loads(data)
            return json.dumps(header)[:-1] + ', "deep": ' + deep + "}"
        return data

    _forge(model_path, bad, change)
    with pytest.raises(ModelFileError, match="nested too deeply"):
        arclass.load(bad)


def test_a_huge_member_is_refused_before_it_is_read(model_path, tmp_path):
    # 600 MB of vocabulary that compresses to under 1 MB: refused from the
    # directory entry, without inflating it.
    import tracemalloc

    bad = tmp_path / "bad.arclass"
    with zipfile.ZipFile(model_path) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            if name == "vocabulary.json":
                with zout.open(name, "w", force_zip64=True) as member:
                    chunk = b" " * (1 << 20)
                    for _ in range(600):
                        member.write(chunk)
            else:
                zout.writestr(name, zin.read(name))
    assert bad.stat().st_size < 5 << 20
    tracemalloc.start()
    with pytest.raises(ModelFileError, match="vocabulary.json is implausibly large"):
        arclass.load(bad)
    assert tracemalloc.get_traced_memory()[1] < 100 << 20
    tracemalloc.stop()


def test_an_array_header_declaring_a_huge_shape_is_refused(model_path, tmp_path):
    header = np.lib.format.header_data_from_array_1_0(np.zeros(3))
    header["shape"] = (10**12,)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    bad = tmp_path / "bad.arclass"
    _forge(model_path, bad, lambda name, data: buf.getvalue() if name == "idf.npy" else data)
    with pytest.raises(ModelFileError, match=r"idf.npy has shape \(1000000000000,\)"):
        arclass.load(bad)


def test_missing_file():
    with pytest.raises(ModelFileError, match="no such model file"):
        arclass.load("/nonexistent/model.arclass")


@pytest.mark.parametrize("edit, message", [
    (lambda terms: [1, *terms[1:]], "is not a list of"),
    (lambda terms: [terms[0], {"a": 1}, *terms[2:]], "is not a list of"),
    (lambda terms: terms[:-1], "is not a list of"),
    (lambda terms: [terms[1], *terms[1:]], "repeats terms"),
    (lambda terms: {"terms": terms}, "is not a list of"),
])
def test_a_forged_vocabulary_is_refused(model_path, tmp_path, edit, message):
    bad = tmp_path / "bad.arclass"
    _forge(model_path, bad, lambda name, data: json.dumps(edit(json.loads(data))) if name == "vocabulary.json"
           else data)
    with pytest.raises(ModelFileError, match=message):
        arclass.load(bad)
