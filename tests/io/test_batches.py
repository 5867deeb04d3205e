"""read_batches: the records of read_inputs, in batches that can be parsed in another process."""

import gzip
import json
import pickle

import pytest

from arclass.io.inputs import LineBatch, read_batches, read_inputs
from arclass.io.writers import make_formatter


def flat(batches):
    out = []
    for batch in batches:
        out.extend(pickle.loads(pickle.dumps(batch)).records() if isinstance(batch, LineBatch) else batch)
    return out


@pytest.fixture
def inputs(tmp_path, seed_texts):
    lines = [json.dumps({"id": i, "text": t, "title": str(i)}, ensure_ascii=False) for i, t in enumerate(seed_texts)]
    lines[3:3] = ["", "{broken", '{"text": 5}', "\t"]
    body = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    (tmp_path / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + body)
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(body)[:-40])
    (tmp_path / "c.txt").write_bytes("\n\n".join(seed_texts[:20]).encode("utf-16"))
    (tmp_path / "d.csv").write_text("id;text\n1;نص أول\n2;\n", encoding="utf-8")
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(seed_texts[:3]):
        (folder / f"{i}.txt").write_text(text, encoding="cp1256", errors="replace")
    return [tmp_path / n for n in ("a.jsonl", "b.jsonl.gz", "d.csv", "docs", "a.jsonl")], tmp_path / "c.txt"


@pytest.mark.parametrize("size", [1, 3, 256])
def test_batches_hold_the_records_of_read_inputs(inputs, size):
    files, lines = inputs
    options = dict(text_field=["title", "text"], keep_fields=["title"], max_chars=5000)
    assert flat(read_batches(files, size, **options)) == list(read_inputs(files, **options))
    assert flat(read_batches([lines], size, format="lines")) == list(read_inputs([lines], format="lines"))
    batches = list(read_batches(files, size, **options))
    assert all(len(b.lines if isinstance(b, LineBatch) else b) <= size for b in batches)


def test_arguments_are_checked_before_reading(tmp_path):
    with pytest.raises(ValueError, match="size"):
        read_batches([tmp_path / "missing"], 0)
    with pytest.raises(LookupError):
        read_batches([tmp_path / "missing"], encoding="rot13")
    with pytest.raises(ValueError, match="cannot keep field 'tags'"):
        read_batches([tmp_path / "missing"], keep_fields=["tags"])


@pytest.mark.parametrize("format", ["jsonl", "csv", "tsv"])
def test_a_formatter_formats_the_same_after_pickling(format):
    results = [{"id": "a,1", "tags": ["oil"], "scores": {"oil": 0.9, "security": 0.1}, "error": None, "where": "س"},
               {"id": "b", "tags": None, "scores": None, "error": "empty text", "where": None}]
    formatter = make_formatter(format, ["oil", "security"], ["where"])
    copy = pickle.loads(pickle.dumps(formatter))
    assert copy.header == formatter.header and copy.batch(results) == formatter.batch(results)
    assert formatter.batch(results).count == 2 and formatter.batch(results).failed == 1
