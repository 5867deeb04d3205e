"""Readers hold nothing beyond their bound, and random bytes never raise."""

import csv
import gzip
import io
import json

from hypothesis import given, settings, strategies as st

from arclass.io.inputs import read_file
from arclass.io.readers import read_csv, read_jsonl, read_lines


def test_an_overlong_line_is_skipped_while_streaming(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes("أول\n".encode() + b"x" * 100_000 + "\nثالث\n".encode())
    records = list(read_lines(path, max_chars=1000))
    assert [r.text for r in records] == ["أول", None, "ثالث"]
    assert "line longer than 4004 bytes (100001 bytes); skipped" in records[1].error
    assert records[2].id.endswith(":3")


def test_an_overlong_utf16_line_is_skipped(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(("\ufeff" + "أول\n" + "س" * 50_000 + "\nثالث\n").encode("utf-16-le"))
    records = list(read_lines(path, max_chars=1000))
    assert [r.text for r in records] == ["أول", None, "ثالث"]


def test_a_gzip_bomb_line_is_skipped(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as f:
        f.write(b'{"text": "' + b"a" * 20_000_000 + b'"}\n{"text": "\xd9\x86\xd9\x81\xd8\xb7"}\n')
    assert path.stat().st_size < 100_000
    records = list(read_file(path, max_chars=10_000))
    assert [r.text for r in records] == [None, "نفط"] and "longer than" in records[0].error


def _csv(rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_an_unclosed_quote_costs_one_row(tmp_path):
    rows = [["id", "text"]] + [[f"r{i}", f"نص رقم {i}"] for i in range(1000)]
    lines = _csv(rows).splitlines()
    lines[10] = 'r9,"نص بلا نهاية'  # row r9 (line 11) opens a quote it never closes
    path = tmp_path / "in.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(read_csv(path, max_lines=50))
    assert len(records) == 1000
    bad = [r for r in records if r.error]
    assert len(bad) == 1 and "starts on line 11" in bad[0].error and bad[0].id.endswith(":11")
    assert records[9] is bad[0] and [r.id for r in records[8:12:2]] == ["r8", "r10"]
    assert records[-1].id == "r999" and records[-1].text == "نص رقم 999"


def test_a_quoted_field_past_max_chars_is_cut(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('id,text\na,"' + "سطر\n" * 3000 + 'b,نص\n', encoding="utf-8")
    records = list(read_csv(path, max_chars=1000))
    assert records[0].error and "not closed" in records[0].error
    assert records[-1].id == "b" and records[-1].text == "نص"


def test_a_semicolon_header_is_sniffed(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id;title;text\n1;عنوان;نص أول\n2;عنوان;نص ثان\n", encoding="utf-8")
    assert [(r.id, r.text) for r in read_csv(path)] == [("1", "نص أول"), ("2", "نص ثان")]
    assert [r.text for r in read_csv(path, text_field=["title", "text"])] == ["عنوان\nنص أول", "عنوان\nنص ثان"]


def test_several_text_fields_are_joined_skipping_empty_ones(tmp_path):
    path = tmp_path / "in.jsonl"
    rows = [{"title": "عنوان", "text": "نص"}, {"title": "عنوان فقط", "text": ""}, {"text": "نص فقط"},
            {"title": 5, "text": "نص"}, {"other": 1}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    records = list(read_jsonl(path, text_field=["title", "text"]))
    assert [r.text for r in records[:3]] == ["عنوان\nنص", "عنوان فقط", "نص فقط"]
    assert "field 'title' is a number" in records[3].error
    assert records[4].error == "no 'title' or 'text' field"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["lines", "jsonl", "csv", "tsv", "document"]),
       st.booleans())
def test_random_bytes_give_records_or_error_records(tmp_path_factory, data, format, gzipped):
    path = tmp_path_factory.mktemp("fuzz") / ("in.gz" if gzipped else "in")
    path.write_bytes(gzip.compress(data)[: max(10, len(data))] if gzipped else data)
    for record in read_file(path, format, max_chars=50):
        assert (record.text is None) != (record.error is None) or record.error is not None
        assert record.text is None or isinstance(record.text, str)
