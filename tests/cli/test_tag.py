"""`arclass tag`: inputs, outputs, exit status, atomic -o, -j, pipes and signals."""

import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import arclass
from arclass.cli import main

REPO = Path(arclass.__file__).resolve().parent.parent
NASTY = "🛢️ ارتفعت أسعار النفط\u200f (OPEC+) بعد قرار أوبك\u200e 5٪ — Brent 80$ 👍🏽"


@pytest.fixture(scope="module")
def model(model_path):
    return str(model_path)


@pytest.fixture(scope="module")
def texts(seed_texts):
    return seed_texts[:30]


def run(capsys, *argv):
    code = main(["tag", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def records(out):
    return [json.loads(line) for line in out.splitlines()]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def subprocess_env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


# -- inputs ------------------------------------------------------------------


def test_jsonl_file_all_good(capsys, tmp_path, model, texts):
    write_jsonl(tmp_path / "in.jsonl", [{"id": f"d{i}", "text": t, "src": i} for i, t in enumerate(texts)])
    code, out, err = run(capsys, tmp_path / "in.jsonl", "--model", model, "--keep-fields", "src")
    assert code == 0
    got = records(out)
    assert [r["id"] for r in got] == [f"d{i}" for i in range(len(texts))]
    assert [r["src"] for r in got] == list(range(len(texts)))
    tagger = arclass.load(model)
    assert [r["tags"] for r in got] == tagger.predict(texts)
    assert err.startswith(f"arclass tag: {len(texts)} records read, {len(texts)} tagged, 0 failed")
    assert "\r" not in err  # no progress bar: stderr is not a terminal


def test_bad_records_get_error_records_in_order(capsys, tmp_path, model, texts):
    path = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": "ok1", "text": texts[0]}, ensure_ascii=False), "{broken",
             json.dumps({"id": "none"}), json.dumps({"id": "num", "text": 3}), json.dumps({"id": "ws", "text": " \u200f "}),
             json.dumps({"id": "long", "text": "خبر " * 40}, ensure_ascii=False),
             json.dumps({"id": "ok2", "text": NASTY}, ensure_ascii=False)]
    path.write_bytes("\n".join(lines).encode() + b'\n{"id": "bytes", "text": "caf\xe9"}\n')
    code, out, err = run(capsys, path, "--model", model, "--max-chars", 100)
    assert code == 1
    got = records(out)
    assert [r["id"] for r in got] == ["ok1", f"{path}:2", "none", "num", "ws", "long", "ok2", f"{path}:8"]
    assert [r["error"] is None for r in got] == [True, False, False, False, False, False, True, False]
    assert "8 records read, 2 tagged, 6 failed" in err


def test_folder_with_windows_1256_utf16_and_binary_files(capsys, tmp_path, model, texts):
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "1.txt").write_text(texts[1], encoding="utf-8")
    (folder / "2.txt").write_bytes(texts[1].encode("cp1256"))
    (folder / "sub" / "3.txt").write_bytes(texts[1].encode("utf-16"))
    (folder / "sub" / "4.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" * 20)
    (folder / "sub" / "5.txt.gz").write_bytes(gzip.compress(texts[1].encode("utf-8-sig")))
    (folder / "sub" / "6.md").write_text(texts[2], encoding="utf-8")
    code, out, err = run(capsys, folder, "--model", model)
    assert code == 1
    got = records(out)
    assert [Path(r["id"]).name for r in got] == ["1.txt", "2.txt", "3.txt", "4.txt", "5.txt.gz"]
    assert got[3]["error"].startswith("binary data")
    good = [r for r in got if r["error"] is None]
    assert len(good) == 4 and all(r["scores"] == good[0]["scores"] for r in good)
    code, out, err = run(capsys, folder, "--model", model, "--glob", "*.md")
    assert code == 0 and [Path(r["id"]).name for r in records(out)] == ["6.md"]


def test_csv_tsv_and_lines(capsys, tmp_path, model, texts):
    with open(tmp_path / "in.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["key", "body", "title"])
        w.writerows([[f"k{i}", t, f"عنوان {i}"] for i, t in enumerate(texts[:5])])
    code, out, _ = run(capsys, tmp_path / "in.csv", "--model", model, "--text-column", "body",
                       "--id-column", "key", "--keep-fields", "title")
    assert code == 0
    assert [(r["id"], r["title"]) for r in records(out)] == [(f"k{i}", f"عنوان {i}") for i in range(5)]

    (tmp_path / "in.dat").write_text("id\ttext\n" + "".join(f"t{i}\t{t}\n" for i, t in enumerate(texts[:3])),
                                     encoding="utf-8")
    code, out, _ = run(capsys, tmp_path / "in.dat", "--tsv", "--model", model)
    assert code == 0 and [r["id"] for r in records(out)] == ["t0", "t1", "t2"]

    # A blank line is no record; a line of invisible marks is an empty text.
    (tmp_path / "in.txt").write_text("\n".join([texts[0], "", "\u200f\u0640\u064e", NASTY]) + "\n",
                                     encoding="utf-8")
    code, out, err = run(capsys, tmp_path / "in.txt", "--lines", "--model", model)
    assert code == 1
    got = records(out)
    assert [r["id"] for r in got] == [f"{tmp_path / 'in.txt'}:{n}" for n in (1, 3, 4)]
    assert got[1]["error"] == "empty text" and got[0]["error"] is None and got[2]["error"] is None


def test_stdin(capsys, monkeypatch, model, texts):
    data = gzip.compress("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts[:4]).encode())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsys, "-", "--jsonl", "--model", model)
    assert code == 0 and [r["id"] for r in records(out)] == [f"<stdin>:{n}" for n in range(1, 5)]

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(texts[0].encode("cp1256"))))
    code, out, _ = run(capsys, "--model", model)
    assert code == 0 and records(out)[0]["id"] == "<stdin>"
    assert records(out)[0]["tags"] == arclass.load(model).tag(texts[0])


# -- outputs -----------------------------------------------------------------


def test_output_formats(capsys, tmp_path, model, texts):
    write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in enumerate(texts[:3])] + [{"id": 3}])
    labels = arclass.load(model).classes_
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        code, out, _ = run(capsys, tmp_path / "in.jsonl", "--model", model, "--format", fmt)
        rows = list(csv.reader(io.StringIO(out), delimiter=delimiter))
        assert code == 1 and rows[0] == ["id", "tags", *labels, "error"]
        assert [row[0] for row in rows[1:]] == ["0", "1", "2", "3"] and rows[4][-1] == "no 'text' field"
    code, out, _ = run(capsys, tmp_path / "in.jsonl", "--model", model, "--format", "table")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "tags", *labels] and len(lines) == 5


def test_threshold_and_top_k(capsys, tmp_path, model, texts):
    write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in texts[:6]])
    labels = arclass.load(model).classes_
    code, out, _ = run(capsys, tmp_path / "in.jsonl", "--model", model, "--threshold", "0")
    assert all(sorted(r["tags"]) == sorted(labels) for r in records(out))
    code, out, _ = run(capsys, tmp_path / "in.jsonl", "--model", model, "--threshold", "0", "--top-k", "2")
    assert all(len(r["tags"]) == 2 for r in records(out))
    pairs = ",".join(f"{label}=1" for label in labels)
    code, out, _ = run(capsys, tmp_path / "in.jsonl", "--model", model, "--threshold", pairs)
    assert all(r["tags"] == [] for r in records(out))


def test_output_file_and_quiet(capsys, tmp_path, model, texts):
    write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in texts[:5]])
    code, out, err = run(capsys, tmp_path / "in.jsonl", "--model", model, "-o", tmp_path / "out.jsonl", "-q")
    assert (code, out, err) == (0, "", "")
    assert len(records((tmp_path / "out.jsonl").read_text(encoding="utf-8"))) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_failure_mid_run_leaves_output_untouched(capsys, tmp_path, model, texts, monkeypatch):
    write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in texts * 4])
    (tmp_path / "out.jsonl").write_text("previous\n")
    from arclass.tagging import local

    real = local.tag_batch
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(local, "tag_batch", interrupted)
    code, _, err = run(capsys, tmp_path / "in.jsonl", "--model", model, "-o", tmp_path / "out.jsonl",
                       "--batch-size", 10)
    assert code == 130 and "interrupted" in err
    assert (tmp_path / "out.jsonl").read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def mixed_inputs(tmp_path, texts):
    """Every kind of input in one run: good and bad JSON Lines, gzip (whole and cut short), lines, CSV, a folder."""
    rows = [{"id": i, "text": t if i % 9 else "", "where": f"row {i}"} for i, t in enumerate(texts * 3)]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines[5:5] = ["", "{not json", "[1, 2]", '{"id": "no text"}', "   "]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    packed = gzip.compress(("\n".join(lines[:40]) + "\n").encode("utf-8"))
    (tmp_path / "in.jsonl.gz").write_bytes(packed)
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "in.txt").write_bytes("\n".join([NASTY, "", *texts[:12]]).encode("cp1256", "replace"))
    with open(tmp_path / "in.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "text", "where"], *[[i, t, "csv"] for i, t in enumerate(texts[:10])]])
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(texts[:5]):
        (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02")
    return ["in.jsonl", "in.jsonl.gz", "cut.jsonl.gz", "in.csv", "docs", "in.jsonl"]


@pytest.mark.parametrize("output", ["jsonl", "csv", "table"])
def test_jobs_2_writes_what_jobs_1_writes_byte_for_byte(capsys, tmp_path, model, texts, output):
    inputs = [tmp_path / name for name in mixed_inputs(tmp_path, texts)]
    common = [*inputs, "--model", model, "--batch-size", 8, "--format", output, "--keep-fields", "where", "-q"]
    one = run(capsys, *common, "-j", 1)
    two = run(capsys, *common, "-j", 2)
    assert one == two and one[0] == 1
    if output == "jsonl":
        got = records(one[1])
        [end] = [i for i, r in enumerate(got) if "end-of-stream" in (r["error"] or "")]  # the cut gzip
        assert got[end]["id"].startswith(str(tmp_path / "cut.jsonl.gz")) and got[end + 1]["where"] == "csv"
        assert len(got) == 2 * (3 * len(texts) + 3) + 38 + 10 + 6 + (end + 1 - (3 * len(texts) + 3) - 38)
        assert got[-1]["where"] == f"row {3 * len(texts) - 1}"
    lines_file = run(capsys, tmp_path / "in.txt", "--lines", "--model", model, "--batch-size", 4, "-q", "-j", 1)
    assert lines_file == run(capsys, tmp_path / "in.txt", "--lines", "--model", model, "--batch-size", 4, "-q",
                             "-j", 2)
    assert lines_file[0] == 0 and len(records(lines_file[1])) == 13


# -- exit status and messages ------------------------------------------------


@pytest.mark.parametrize("argv,message", [
    (["missing.txt"], "missing.txt: no such file or folder"),
    (["--model", "IN"], "cannot load model"),
    (["--threshold", "sports=0.5"], "unknown label 'sports'"),
    (["--threshold", "2"], "between 0 and 1"),
    (["--encoding", "klingon"], "unknown encoding 'klingon'"),
    (["--keep-fields", "error"], "cannot keep field 'error'"),
    (["--top-k", "0"], "--top-k must be at least 1"),
    (["-j", "0"], "--jobs must be at least 1"),
    (["-o", "no/such/folder/out.jsonl"], "no such folder"),
])
def test_usage_errors(capsys, tmp_path, model, texts, argv, message):
    (tmp_path / "in.txt").write_text(texts[0], encoding="utf-8")
    argv = [str(tmp_path / "in.txt") if a == "IN" else a for a in argv]
    if "--model" not in argv:
        argv += ["--model", model]
    code, out, err = run(capsys, tmp_path / "in.txt", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_unknown_flag_is_a_usage_error(capsys, model):
    with pytest.raises(SystemExit) as exc:
        main(["tag", "--no-such-flag", "--model", model])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err == "arclass tag: error: unrecognized arguments: --no-such-flag\n"


# -- subprocesses: a closed pipe, a killed run --------------------------------


def test_closed_pipe_ends_quietly(tmp_path, model, texts):
    write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in texts * 60])
    command = (f"cat {tmp_path / 'in.jsonl'} | {sys.executable} -m arclass tag - --jsonl --model {model} "
               f"--batch-size 50 | head -1")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=subprocess_env(),
                          timeout=120)
    assert len(done.stdout.splitlines()) == 1 and json.loads(done.stdout)["error"] is None
    assert "Traceback" not in done.stderr and "Error" not in done.stderr


def test_terminated_run_leaves_no_output_file(tmp_path, model, texts):
    # stdin stays open after a few batches, so the run is surely mid-way when killed.
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "arclass", "tag", "-", "--lines", "--model", model, "-o", str(out),
         "--batch-size", "10"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=subprocess_env())
    try:
        process.stdin.write(("\n".join(texts) + "\n").encode())
        process.stdin.flush()
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in tmp_path.glob(".out.jsonl.*.tmp")):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 128 + signal.SIGTERM
        assert b"Traceback" not in process.stderr.read()
    finally:
        process.kill()
        process.stdin.close()
        process.stderr.close()
    assert list(tmp_path.iterdir()) == []


def test_lines_from_a_pipe_are_tagged_while_the_pipe_stays_open(model):
    process = subprocess.Popen([sys.executable, "-m", "arclass", "tag", "--lines", "--model", model, "--quiet"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=subprocess_env())
    try:
        process.stdin.write("ارتفعت أسعار النفط بعد قرار أوبك\n".encode("utf-8"))
        process.stdin.flush()
        line = process.stdout.readline()  # arrives although the batch (256) is far from full
        assert json.loads(line)["id"] == "<stdin>:1"
        process.stdin.write("الهلال يفوز على النصر\n".encode("utf-8"))
        process.stdin.close()
        assert json.loads(process.stdout.readline())["id"] == "<stdin>:2"
        assert process.wait(30) == 0
    finally:
        process.kill()
