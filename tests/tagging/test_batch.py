"""arclass.batch: readers, tag_batch/tag_records and writers."""

import codecs
import csv
import gzip
import io
import itertools
import json
import sys

import numpy as np
import pytest

from arclass import batch
from arclass.batch import DecodeError, Record, decode_bytes, read_inputs, tag_batch, tag_records
from arclass.cli.progress import Progress, Tally
from arclass.tagging.local import record_batches as _batches

NASTY = "🛢️ ارتفعت أسعار النفط\u200f (OPEC+) بعد قرار أوبك\u200e 5٪ — Brent 80$ 👍🏽"


@pytest.fixture(scope="module")
def tagger(model_path):
    """A tagger as the command line gets it: loaded from a model file."""
    from arclass import load

    return load(model_path)


@pytest.fixture(scope="module")
def arabic(seed_texts):
    """Seed texts (real Arabic) that Windows-1256 can encode."""
    out = []
    for text in seed_texts:
        try:
            text.encode("cp1256")
        except UnicodeEncodeError:
            continue
        out.append(text)
    assert len(out) >= 10
    return out


def texts_of(records):
    return [r.text for r in records]


# -- decoding ----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "utf-32"])
def test_decode_recognizes_utf8_and_boms(arabic, encoding):
    text = arabic[0] + " " + NASTY
    if encoding == "utf-16-be-bom":
        data = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    assert decode_bytes(data) == text


def test_decode_windows_1256_arabic(arabic):
    for text in arabic[:10]:
        data = text.encode("cp1256")
        assert decode_bytes(data) == text


def test_decode_refuses_non_arabic_legacy_text():
    with pytest.raises(DecodeError, match="cannot decode as UTF-8 or Windows-1256"):
        decode_bytes("Le café est très épicé à Genève".encode("latin-1"))


def test_decode_refuses_damaged_utf8_arabic(arabic):
    # Read as cp1256 it would "succeed" into nonsense: it must be an error.
    data = arabic[1].encode("utf-8")
    damaged = data[:20] + b"\xff" + data[20:]
    with pytest.raises(DecodeError, match="UTF-8: invalid start byte 0xff at byte 20"):
        decode_bytes(damaged)


def test_decode_binary_is_an_error():
    with pytest.raises(DecodeError, match="binary data"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_decode_explicit_encoding(arabic):
    assert decode_bytes(arabic[0].encode("utf-16-le"), "utf-16-le") == arabic[0]
    assert decode_bytes(arabic[0].encode("cp1256"), "windows-1256") == arabic[0]
    with pytest.raises(DecodeError, match="cannot decode as utf-8"):
        decode_bytes(arabic[0].encode("cp1256"), "utf-8")


# -- readers -----------------------------------------------------------------


def test_read_document_plain_gzip_and_missing(tmp_path, arabic):
    (tmp_path / "a.txt").write_text(arabic[0], encoding="utf-8")
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress(arabic[1].encode("cp1256")))
    (tmp_path / "c.txt.gz").write_bytes(b"not gzip at all")
    records = [batch.read_document(tmp_path / name) for name in ("a.txt", "b.txt.gz", "c.txt.gz", "nope.txt")]
    assert texts_of(records[:2]) == arabic[:2]
    assert records[0].id == str(tmp_path / "a.txt") and records[0].error is None
    assert records[2].text is None and "not gzip" in records[2].error
    assert records[3].text is None and records[3].error.startswith("cannot read")


def test_read_document_too_big_is_not_read(tmp_path):
    (tmp_path / "big.txt").write_text("خبر " * 100, encoding="utf-8")
    record = batch.read_document(tmp_path / "big.txt", max_chars=50)
    assert record.text is None and "longer than 50 characters" in record.error


def test_read_lines_one_bad_line_spoils_only_itself(tmp_path, arabic):
    data = (arabic[0].encode() + b"\r\n" + "Le café".encode("latin-1") + b"\n\n"
            + arabic[1].encode("cp1256") + b"\n" + NASTY.encode())
    (tmp_path / "l.txt").write_bytes(data)
    records = list(batch.read_lines(tmp_path / "l.txt"))
    name = str(tmp_path / "l.txt")
    # The blank line 3 is no record; ids keep the line numbers.
    assert [r.id for r in records] == [f"{name}:{n}" for n in (1, 2, 4, 5)]
    assert texts_of(records) == [arabic[0], None, arabic[1], NASTY]
    assert "cannot decode" in records[1].error


def test_read_lines_utf16_splits_only_on_aligned_newlines(tmp_path):
    # U+0A41 then U+0600 is 41 0A 00 06 in UTF-16 LE: "0A 00" across two
    # code units, which is not a newline.
    lines = ["\u0a41\u0600 أول", "ثان " + NASTY, "ثالث"]
    (tmp_path / "u.txt").write_bytes("\r\n".join(lines).encode("utf-16"))
    assert texts_of(batch.read_lines(tmp_path / "u.txt")) == lines
    (tmp_path / "be.txt").write_bytes("\n".join(lines).encode("utf-16-be"))
    assert texts_of(batch.read_lines(tmp_path / "be.txt", encoding="utf-16-be")) == lines


def test_read_lines_is_lazy():
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            data = "سطر\n".encode() * (len(buffer) // 7)
            buffer[: len(data)] = data
            return len(data)

    records = list(itertools.islice(batch.read_lines(Endless()), 3))
    assert texts_of(records) == ["سطر"] * 3


def test_read_jsonl_every_kind_of_bad_line(tmp_path, arabic):
    lines = [
        json.dumps({"id": "a", "text": arabic[0], "title": "t"}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"id": 7, "text": NASTY}, ensure_ascii=False),
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "text": None}),
        json.dumps({"id": "e", "text": ["list"]}),
        json.dumps({"text": arabic[1]}),
        "[" * 100_000,
    ]
    path = tmp_path / "x.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + "\n".join(lines).encode() + b"\n" + b'{"id": "f", "text": "\xff"}\n')
    records = list(batch.read_jsonl(path, keep_fields=["title"]))
    name = str(path)
    assert [r.id for r in records] == [
        "a", f"{name}:3", f"{name}:4", 7, "c", "d", "e", f"{name}:9", f"{name}:10", f"{name}:11"]
    assert records[0] == Record("a", arabic[0], None, {"title": "t"})
    assert records[1].error.startswith("invalid JSON")
    assert records[2].error == "not a JSON object (a list)"
    assert records[3].text == NASTY and records[3].extra == {"title": None}
    assert records[4].error == "no 'text' field"
    assert records[5].error == "field 'text' is null, not a string"
    assert records[6].error == "field 'text' is a list, not a string"
    assert records[7].text == arabic[1]
    assert records[8].error == "invalid JSON (nested too deeply)"
    assert "cannot decode" in records[9].error


def test_read_jsonl_custom_fields_and_gzip(tmp_path, arabic):
    path = tmp_path / "x.jsonl.gz"
    rows = [{"doc": f"n{i}", "body": text} for i, text in enumerate(arabic[:3])]
    path.write_bytes(gzip.compress("\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()))
    records = list(read_inputs([path], text_field="body", id_field="doc"))
    assert [(r.id, r.text) for r in records] == [(f"n{i}", t) for i, t in enumerate(arabic[:3])]


def test_truncated_gzip_ends_with_an_error_record(tmp_path, arabic):
    data = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in arabic * 20).encode()
    packed = gzip.compress(data)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    records = list(read_inputs([path]))
    assert all(r.error is None for r in records[:-1]) and len(records) > 2
    assert records[-1].text is None and "cannot read" in records[-1].error
    assert f"after line {len(records) - 1}" in records[-1].error


def test_read_csv_and_tsv(tmp_path, arabic):
    path = tmp_path / "x.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "text"])
        w.writerow(["r1", "عنوان", arabic[0]])
        w.writerow(["r2", "multi", 'سطر أول\nسطر "ثان"، ' + NASTY])
        w.writerow([])
        w.writerow(["r3", "short"])
        w.writerow(["", "no id", arabic[1]])
    with open(path, "ab") as f:  # a Windows-1256 row, then an undecodable one
        f.write(b"r5,t," + arabic[2].encode("cp1256") + b"\n" + b"r6,t,caf\xe9\n" + b"r7,t,ok\n")
    records = list(read_inputs([path], keep_fields=["title"]))
    assert [r.id for r in records] == ["r1", "r2", "r3", f"{path}:7", "r5", "r6", "r7"]
    assert records[0] == Record("r1", arabic[0], None, {"title": "عنوان"})
    assert records[1].text == 'سطر أول\nسطر "ثان"، ' + NASTY
    assert records[2].error == "row has 2 fields, the header has 3"
    assert records[4].text == arabic[2]
    assert records[5].text is None and "cannot decode" in records[5].error
    assert records[6].text == "ok"

    tsv = tmp_path / "x.tsv"
    tsv.write_text("id\tbody\na\t" + arabic[0] + "\nb\t" + NASTY + "\n", encoding="utf-8")
    records = list(read_inputs([tsv], text_field="body"))
    assert [(r.id, r.text) for r in records] == [("a", arabic[0]), ("b", NASTY)]
    records = list(read_inputs([tsv]))
    assert all(r.error == "no 'text' column (columns: id, body)" for r in records) and len(records) == 2


def test_read_inputs_folder(tmp_path, arabic):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text(arabic[0], encoding="utf-8")
    (tmp_path / "b" / "1256.txt").write_bytes(arabic[1].encode("cp1256"))
    (tmp_path / "b" / "binary.txt").write_bytes(bytes(range(256)))
    (tmp_path / "b" / "c.txt.gz").write_bytes(gzip.compress(arabic[2].encode("utf-16")))
    (tmp_path / "b" / "skip.md").write_text("not matched")
    (tmp_path / "z.txt").write_text(NASTY, encoding="utf-8")
    records = list(read_inputs([tmp_path]))
    names = [r.id.replace(str(tmp_path), "") for r in records]
    assert names == ["/a.txt", "/b/1256.txt", "/b/binary.txt", "/b/c.txt.gz", "/z.txt"]
    assert texts_of(records) == [arabic[0], arabic[1], None, arabic[2], NASTY]
    assert records[2].error.startswith("binary data")
    assert [r.id for r in read_inputs([tmp_path], glob="*.md")] == [str(tmp_path / "b" / "skip.md")]


def test_read_inputs_checks_arguments_at_once():
    with pytest.raises(ValueError, match="cannot keep field 'scores'"):
        read_inputs(["x"], keep_fields=["scores"])
    with pytest.raises(LookupError):
        read_inputs(["x"], encoding="no-such-codec")
    with pytest.raises(ValueError, match="unknown input format"):
        read_inputs(["x"], format="xml")


def test_detect_format():
    assert [batch.detect_format(n) for n in ("a.jsonl", "a.JSONL.gz", "a.csv", "a.tsv.gz", "a.txt", "a.gz")] == [
        "jsonl", "jsonl", "csv", "tsv", "document", "document"]


# -- tagging -----------------------------------------------------------------


def test_tag_batch_schema_order_and_errors(tagger, arabic):
    records = [
        Record("a", arabic[0], extra={"title": "t"}),
        Record("b", " \t\n"),
        Record("c", "\u200f\u200e\u200b \ufeff"),
        Record("d", None, "invalid JSON"),
        Record("e", NASTY),
        Record("f", "x" * 3001),
        Record(5, arabic[1]),
    ]
    assert max(len(arabic[0]), len(arabic[1]), len(NASTY)) <= 3000
    results = tag_batch(tagger, records, max_chars=3000)
    assert [r["id"] for r in results] == ["a", "b", "c", "d", "e", "f", 5]
    assert list(results[0]) == ["id", "tags", "scores", "error", "title"]
    assert [r["error"] for r in results] == [
        None, "empty text", "empty text", "invalid JSON", None, "text longer than 3000 characters (3001)", None]
    for r in results:
        if r["error"]:
            assert r["tags"] is None and r["scores"] is None
    proba = tagger.predict_proba([arabic[0], NASTY, arabic[1]])
    expected = tagger.labels_from_proba(proba)
    for r, row, tags in zip([results[0], results[4], results[6]], proba, expected):
        assert r["tags"] == tags
        assert r["scores"] == {label: round(float(p), 4) for label, p in zip(tagger.classes_, row)}
    json.dumps(results)  # plain JSON types only


def test_tag_batch_thresholds_and_top_k(tagger, arabic):
    records = [Record(i, text) for i, text in enumerate(arabic[:8])]
    everything = tag_batch(tagger, records, thresholds=0.0)
    assert all(sorted(r["tags"]) == sorted(tagger.classes_) for r in everything)
    for r in everything:  # most probable first
        assert r["tags"] == sorted(r["tags"], key=lambda label: -r["scores"][label])
    assert all(len(r["tags"]) == 1 for r in tag_batch(tagger, records, thresholds=0.0, top_k=1))
    nothing = tag_batch(tagger, records, thresholds={label: 1.0 for label in tagger.classes_})
    assert all(r["tags"] == [] for r in nothing)
    with pytest.raises(ValueError, match="unknown label"):
        tag_batch(tagger, records, thresholds={"sports": 0.5})


def test_tag_batch_isolates_a_text_the_tagger_cannot_handle(tagger, arabic):
    class Fussy:
        classes_ = tagger.classes_

        def resolve_thresholds(self, thresholds=None):
            return tagger.resolve_thresholds(thresholds)

        def labels_from_proba(self, proba, thresholds=None, top_k=None):
            return tagger.labels_from_proba(proba, thresholds, top_k)

        def predict_proba(self, texts):
            if "boom" in texts:
                raise ValueError("cannot handle boom")
            return tagger.predict_proba(texts)

    records = [Record("a", arabic[0]), Record("b", "boom"), Record("c", arabic[1])]
    results = tag_batch(Fussy(), records)
    assert results[1]["error"] == "tagging failed: ValueError: cannot handle boom"
    assert results[0] == tag_batch(tagger, records[:1])[0] and results[2] == tag_batch(tagger, records[2:])[0]


def test_tag_records_streams_in_order(tagger, arabic):
    def endless():
        for i in itertools.count():
            yield Record(i, arabic[i % len(arabic)] if i % 7 else "")

    results = list(itertools.islice(tag_records(tagger, endless(), batch_size=10), 45))
    assert [r["id"] for r in results] == list(range(45))
    assert [r["error"] is not None for r in results] == [i % 7 == 0 for i in range(45)]


def test_tag_batches_in_workers_equal_one_process(tagger, arabic):
    records = [Record(i, t if i % 5 else " ") for i, t in enumerate(arabic * 3)]
    one = list(batch.tag_batches(tagger, records, batch_size=7))
    two = list(batch.tag_batches(tagger, iter(records), batch_size=7, n_jobs=2))
    assert two == one
    assert [len(b) for b in one] == [7] * (len(records) // 7) + ([len(records) % 7] if len(records) % 7 else [])


def test_a_program_with_threads_of_its_own_gets_spawned_workers(tagger, arabic):
    import threading

    from arclass.tagging import local

    records = [Record(i, t) for i, t in enumerate(arabic * 2)]
    one = list(batch.tag_batches(tagger, records, batch_size=5))
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        assert local._fork_is_safe()
    stop = threading.Event()
    server = threading.Thread(target=stop.wait, name="someone-elses")
    server.start()
    try:
        assert not local._fork_is_safe()
        assert list(batch.tag_batches(tagger, records, batch_size=5, n_jobs=2)) == one
    finally:
        stop.set()
        server.join()


def test_tag_batches_checks_arguments(tagger):
    with pytest.raises(ValueError, match="batch_size"):
        batch.tag_batches(tagger, [], batch_size=0)
    with pytest.raises(ValueError, match="top_k"):
        batch.tag_batches(tagger, [], top_k=0)
    with pytest.raises(ValueError, match="n_jobs"):
        batch.tag_batches(tagger, [], n_jobs=0)


def test_parse_thresholds():
    labels = ["diplomacy", "oil", "security"]
    assert batch.parse_thresholds([], labels) is None
    assert batch.parse_thresholds(["0.3"], labels) == 0.3
    assert batch.parse_thresholds(["oil=0.2, security=0.9"], labels) == {"oil": 0.2, "security": 0.9}
    assert batch.parse_thresholds(["0.5", "oil=0.2"], labels) == {"diplomacy": 0.5, "oil": 0.2, "security": 0.5}
    for bad, message in (["sports=0.3", "unknown label"], ["1.5", "between 0 and 1"], ["oil=x", "not a number"]):
        with pytest.raises(ValueError, match=message):
            batch.parse_thresholds([bad], labels)


# -- writers -----------------------------------------------------------------

RESULTS = [
    {"id": "a\ud800", "tags": ["oil"], "scores": {"oil": 0.9, "security": 0.0001}, "error": None, "title": "عنوان, \"x\""},
    {"id": 7, "tags": None, "scores": None, "error": "empty text", "title": None},
    {"id": "c", "tags": [], "scores": {"oil": 0.1, "security": 0.2}, "error": None, "title": ["x"]},
]


def test_jsonl_writer_round_trips_even_lone_surrogates():
    out = io.StringIO()
    batch.make_writer("jsonl", out, ["oil", "security"]).write(RESULTS)
    text = out.getvalue()
    text.encode("utf-8")  # writable as UTF-8
    assert [json.loads(line) for line in text.splitlines()] == RESULTS


@pytest.mark.parametrize("fmt,delimiter", [("csv", ","), ("tsv", "\t")])
def test_delimited_writer(fmt, delimiter):
    out = io.StringIO()
    writer = batch.make_writer(fmt, out, ["oil", "security"], ["title"])
    assert out.getvalue() == delimiter.join(["id", "tags", "oil", "security", "error", "title"]) + "\n"
    writer.write(RESULTS)
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=delimiter))
    assert rows[1:] == [
        ["a\\ud800", "oil", "0.9", "0.0001", "", 'عنوان, "x"'],
        ["7", "", "", "", "empty text", ""],
        ["c", "", "0.1", "0.2", "", '["x"]'],
    ]
    with pytest.raises(ValueError, match="twice"):
        batch.make_writer(fmt, io.StringIO(), ["oil", "security"], ["oil"])


def test_table_writer():
    out = io.StringIO()
    batch.make_writer("table", out, ["oil", "security"]).write(RESULTS)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["id", "tags", "oil", "security"]
    assert lines[1].split() == ["a\\ud800", "oil", "0.9000", "0.0001"]
    assert lines[2].split(None, 1) == ["7", "error: empty text"]
    assert lines[3].split() == ["c", "-", "0.1000", "0.2000"]
    with pytest.raises(ValueError, match="unknown output format"):
        batch.make_writer("xml", out, ["oil"])


# -- progress ----------------------------------------------------------------


def test_progress_draws_only_when_enabled():
    quiet = io.StringIO()  # not a terminal
    progress = Progress(quiet, delay=0, interval=0)
    progress.update(10)
    progress.close()
    assert quiet.getvalue() == ""

    shown = io.StringIO()
    progress = Progress(shown, enabled=True, delay=0, interval=0)
    progress.update(1000)
    progress.update(500, failed=3)
    assert shown.getvalue().startswith("\r1,000 records  ") and "\r1,500 records (3 failed)  " in shown.getvalue()
    progress.close()
    assert shown.getvalue().endswith("\r")


def test_tally():
    tally = Tally()
    tally.add(3, 1)
    tally.add(0, 0)
    assert (tally.read, tally.tagged, tally.failed) == (3, 2, 1)
    assert tally.summary().startswith("3 records read, 2 tagged, 1 failed")


def test_scores_are_rounded_probabilities(tagger, arabic):
    result = tag_batch(tagger, [Record("a", arabic[3])], decimals=2)[0]
    proba = tagger.predict_proba([arabic[3]])[0]
    assert list(result["scores"].values()) == [round(float(p), 2) for p in proba]
    assert np.all(np.asarray(list(result["scores"].values())) <= 1.0)


# -- slow streams -------------------------------------------------------------


def test_a_slow_stream_gets_its_batch_before_the_batch_is_full():
    import threading

    release = threading.Event()

    def slow():
        yield from (Record(str(i), f"نص {i}") for i in range(3))
        release.wait(10)  # the stream stalls, as `tail -f` does
        yield Record("3", "نص 3")

    batches = _batches(slow(), 100, max_wait=0.05)
    first = next(batches)
    assert not release.is_set() and [r.id for r in first] == ["0", "1", "2"]
    release.set()
    assert [[r.id for r in b] for b in batches] == [["3"]]


def test_timed_batches_keep_order_and_raise_the_readers_error():
    def failing():
        yield from (Record(str(i), "نص") for i in range(250))
        raise OSError("disk gone")

    seen = []
    with pytest.raises(OSError, match="disk gone"):
        for b in _batches(failing(), 100, max_wait=5):
            seen += [r.id for r in b]
    assert seen == [str(i) for i in range(250)]
    assert [len(b) for b in _batches(iter([Record(str(i), "x") for i in range(250)]), 100, max_wait=5)] == [100, 100, 50]
