"""The command line under hostile input: one line and an exit status, nothing lost, nothing left running."""

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest


def arclass(*args, stdin=None, timeout=120, **kwargs):
    return subprocess.run([sys.executable, "-m", "arclass", *map(str, args)], input=stdin, capture_output=True,
                          timeout=timeout, **kwargs)


def one_line(done, code):
    err = done.stderr.decode()
    assert done.returncode == code, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("ارتفعت أسعار النفط بعد قرار أوبك خفض الإنتاج\n", encoding="utf-8")
    return path


def peak_rss_kb(args, seconds=None):
    """Peak resident memory (kB), exit code and stderr of ``arclass ARGS``, ended after ``seconds`` if given."""
    process = subprocess.Popen([sys.executable, "-m", "arclass", *map(str, args)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    peak = 0
    deadline = time.monotonic() + (seconds or 120)
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with open(f"/proc/{process.pid}/status") as f:
                peak = max(peak, *(int(line.split()[1]) for line in f if line.startswith("VmHWM")))
        except (FileNotFoundError, ValueError, ProcessLookupError):
            pass
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()
    _, stderr = process.communicate()
    return peak, process.returncode, stderr.decode(errors="replace")


def test_a_gzip_bomb_without_newlines_stays_within_the_bound(tmp_path):
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        for _ in range(300):
            f.write(b"a" * (1 << 20))  # 300 MB, one line
    peak, code, stderr = peak_rss_kb(["tag", bomb, "--max-chars", "100000", "-q", "-o", tmp_path / "out.jsonl"])
    assert code == 1, stderr
    assert peak < 250_000, f"{peak} kB"
    [record] = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert "line longer than" in record["error"]


def test_dev_zero_as_lines_stays_within_the_bound(tmp_path):
    peak, _, _ = peak_rss_kb(["tag", "--lines", "/dev/zero", "--max-chars", "100000", "-q"], seconds=4)
    assert 0 < peak < 250_000, f"{peak} kB"


def test_jobs_are_capped_at_the_usable_cpus(doc):
    cpus = len(os.sched_getaffinity(0))
    done = arclass("tag", doc, "-j", 1000)
    assert done.returncode == 0
    assert f"-j 1000 capped at {cpus}" in done.stderr.decode()


def _children(pid):
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    pairs = [tuple(map(int, line.split())) for line in out.splitlines() if line.strip()]
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in pairs if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids):
    alive = set()
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive.add(pid)
        except ProcessLookupError:
            pass
    return alive


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs for -j 2")
def test_workers_end_when_the_parent_is_killed(tmp_path):
    texts = tmp_path / "many.txt"
    texts.write_text("خبر عن أسعار النفط في الأسواق العالمية\n" * 1_000_000, encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "arclass", "tag", "--lines", texts, "-j", "2", "-q",
                                "--batch-size", "64", "-o", tmp_path / "out.jsonl"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _children(process.pid)
        assert workers
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 15
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(workers)
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGTERM])
def test_a_signal_leaves_no_temporary_file(tmp_path, sig):
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    process = subprocess.Popen([sys.executable, "-m", "arclass", "tag", "--lines", "-", "-o", out, "-q"],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    process.stdin.write("خبر عن النفط\n".encode() * 10)
    process.stdin.flush()
    time.sleep(2.0)  # started, tagging, waiting for more
    process.send_signal(sig)
    process.communicate(timeout=30)
    assert process.returncode == 128 + sig
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_output_to_a_full_disk_is_one_line(doc):
    err = one_line(arclass("tag", doc, "-o", "/dev/full"), 2)
    assert "No space left on device" in err


def test_closed_stdout_is_one_line_or_quiet(doc):
    done = subprocess.run(f"{sys.executable} -m arclass tag {doc} -q >&-", shell=True, capture_output=True)
    err = done.stderr.decode()
    assert done.returncode == 2 and "standard output is closed" in err and "Traceback" not in err


def test_a_text_encoding_that_is_not_text_is_a_usage_error(doc):
    assert "unknown encoding 'rot13'" in one_line(arclass("tag", doc, "--encoding", "rot13"), 2)


def test_a_folder_with_a_symlink_loop(tmp_path, doc):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(doc.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    done = arclass("tag", folder, "-q")
    assert done.returncode == 1 and "Traceback" not in done.stderr.decode()
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["error"] is None for r in results] == [True, False]


@pytest.mark.parametrize("verb", [
    ["train", "--builtin", "-o", "{missing}/m.arclass"],
    ["train", "--builtin", "-o", "{tmp}/m.arclass", "--card", "{missing}/card.md"],
    ["evaluate", "{data}", "--report", "{missing}/r.html"],
    ["explain", "{doc}", "--html", "{missing}/e.html"],
    ["normalize", "{doc}", "-o", "{missing}/n.txt"],
    ["tag", "{doc}", "-o", "{tmp}"],
])
def test_every_output_path_is_checked_before_any_work(tmp_path, doc, verb):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"text": "نص", "labels": ["oil"]}) + "\n", encoding="utf-8")
    args = [a.format(missing=tmp_path / "missing", tmp=tmp_path, doc=doc, data=data) for a in verb]
    started = time.monotonic()
    err = one_line(arclass(*args), 2)
    assert time.monotonic() - started < 10  # refused at once, not after training
    assert "cannot write" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl", "doc.txt"]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs for -j 2")
def test_a_killed_worker_is_one_line_and_the_output_is_untouched(tmp_path):
    texts = tmp_path / "many.txt"
    texts.write_text("خبر عن أسعار النفط في الأسواق العالمية\n" * 1_000_000, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    process = subprocess.Popen([sys.executable, "-m", "arclass", "tag", "--lines", texts, "-j", "2", "-q",
                                "--batch-size", "64", "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    workers = set()
    # Wait until results are being written: the workers are running, not starting.
    while not any(p.name.endswith(".tmp") and p.stat().st_size for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    with open(f"/proc/{process.pid}/cmdline", "rb") as f:
        own = f.read()
    while not workers and time.monotonic() < deadline:
        time.sleep(0.1)
        for pid in _children(process.pid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    command = f.read()
            except FileNotFoundError:
                continue
            if b"LokyProcess" in command or command == own:  # spawned by loky, or forked
                workers.add(pid)
    assert workers and process.poll() is None, "the run ended before a worker could be killed"
    os.kill(min(workers), signal.SIGKILL)
    _, err = process.communicate(timeout=60)
    err = err.decode()
    assert process.returncode == 1, err
    assert "worker process died" in err and err.count("\n") == 1 and "Traceback" not in err
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["many.txt", "out.jsonl"]
