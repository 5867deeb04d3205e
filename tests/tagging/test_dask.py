"""arclass.dask: bags, data frame columns and `arclass tag --dask-scheduler` on a real Dask cluster.

One LocalCluster (two worker processes on 127.0.0.1) serves the whole module;
the test that kills a worker comes last.
"""

import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import arclass
from arclass import TopicTagger, batch
from arclass.batch import Record
from arclass.cli import main

# The taggers below are defined here: workers, which cannot import this file,
# get them by value.
cloudpickle = pytest.importorskip("cloudpickle")
cloudpickle.register_pickle_by_value(sys.modules[__name__])

REPO = Path(arclass.__file__).resolve().parent.parent
NASTY = "🛢️ ارتفعت أسعار النفط\u200f (OPEC+) بعد قرار أوبك\u200e 5٪ — Brent 80$ 👍🏽"
OPTIONS = dict(max_chars=2000, decimals=4)


def subprocess_env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


# Subclasses whose instances the workers unpickle. They come by value, each
# pickle with globals of its own, so the count is kept on a module every
# process shares.


class CountingTagger(TopicTagger):
    """Counts how often this process unpickles one."""

    def __setstate__(self, state):
        sys.arclass_test_loads = getattr(sys, "arclass_test_loads", 0) + 1
        self.__dict__.update(state)


class SlowTagger(TopicTagger):
    """Takes its time, so that a worker can be killed in the middle of a job."""

    def predict_proba(self, X):
        time.sleep(0.02)
        return super().predict_proba(X)


class BrokenTagger(TopicTagger):
    """Fails in a way tag_batch does not turn into error records: a bug."""

    def predict_proba(self, X):
        raise RuntimeError("broken on purpose")


def loads() -> int:
    return getattr(sys, "arclass_test_loads", 0)


def like(cls, tagger):
    twin = cls.__new__(cls)
    twin.__dict__.update(tagger.__dict__)
    return twin


@pytest.fixture(scope="module")
def ad():
    return pytest.importorskip("arclass.dask")


@pytest.fixture(scope="module")
def cluster(ad):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0") as cluster:  # HTTP on loopback too
        with distributed.Client(cluster, set_as_default=False) as client:
            yield cluster, client


@pytest.fixture(scope="module")
def client(cluster):
    return cluster[1]


@pytest.fixture(scope="module")
def tagger(trained_tagger):
    return trained_tagger


@pytest.fixture(scope="module")
def records(builtin_data):
    """A few hundred real documents, and inputs that cannot be tagged, in between."""
    good = [Record(f"d{i}", text) for i, text in enumerate(builtin_data.texts[:300])]
    bad = [Record("empty", ""), Record("marks", " \u200f\u200e "), Record("long", "خبر " * 600),
           Record("null", None), Record("number", 3), Record("unreadable", None, "cannot decode as UTF-8"),
           Record("nasty", NASTY, None, {"src": "x"})]
    for i, record in enumerate(bad):
        good.insert(40 * i + 7, record)
    return good


# -- without a cluster ---------------------------------------------------------


def test_base_install_does_not_import_dask(tmp_path, model_path):
    (tmp_path / "in.txt").write_text("ارتفعت أسعار النفط\n", encoding="utf-8")
    code = (
        "import sys, arclass, arclass.batch, arclass.cli\n"
        "from arclass.cli import main\n"
        f"rc = main(['tag', '--lines', {str(tmp_path / 'in.txt')!r}, '--model', {str(model_path)!r}, '-q',"
        f" '-o', {str(tmp_path / 'out.jsonl')!r}])\n"
        "print(rc, sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(),
                          timeout=120)
    assert done.stdout.split() == ["0", "[]"], done.stderr
    assert json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))["tags"] == ["oil"]


def test_cli_without_dask_installed(monkeypatch, capsys, tmp_path, model_path):
    monkeypatch.setitem(sys.modules, "arclass.tagging.cluster", None)  # as if dask were not installed
    (tmp_path / "in.txt").write_text("نص\n", encoding="utf-8")
    code = main(["tag", "--lines", str(tmp_path / "in.txt"), "--model", str(model_path),
                 "--dask-scheduler", "tcp://127.0.0.1:8786"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "pip install 'arclass[dask]'" in err


def test_jobs_and_scheduler_exclude_each_other(capsys, tmp_path, model_path):
    (tmp_path / "in.txt").write_text("نص\n", encoding="utf-8")
    code = main(["tag", "--lines", str(tmp_path / "in.txt"), "--model", str(model_path), "-j", "2",
                 "--dask-scheduler", "tcp://127.0.0.1:8786"])
    assert code == 2
    assert capsys.readouterr().err.startswith("arclass tag: --jobs and --dask-scheduler")


def test_bad_arguments_fail_before_any_task(ad, tagger):
    import dask.bag as db

    bag = db.from_sequence(["نص"])
    with pytest.raises(ValueError, match="cannot keep field 'id'"):
        ad.tag_bag(bag, tagger, keep_fields=["id"])
    with pytest.raises(ValueError, match="top_k"):
        ad.tag_bag(bag, tagger, top_k=0)
    with pytest.raises(ValueError, match="unknown label"):
        ad.tag_bag(bag, tagger, thresholds={"sports": 0.5})
    with pytest.raises(ValueError, match="batch_size"):
        ad.tag_batches("tcp://127.0.0.1:1", tagger, [], batch_size=0)


def test_the_model_is_one_key_of_the_graph(ad, tagger, builtin_data):
    import dask.bag as db

    bag = ad.tag_bag(db.from_sequence(builtin_data.texts[:200], npartitions=20), tagger)
    graph = dict(bag.__dask_graph__())
    model_size = len(pickle.dumps(tagger))
    big = [key for key, task in graph.items() if len(pickle.dumps(task)) >= model_size]
    assert len(graph) > 40 and len(big) == 1 and str(big[0]).startswith("arclass-model-")


def test_bag_on_local_schedulers(ad, tagger, builtin_data):
    import dask.bag as db

    texts = builtin_data.texts[:60] + ["", NASTY]
    want = batch.tag_batch(tagger, [Record(None, t) for t in texts])
    bag = ad.tag_bag(db.from_sequence(texts, npartitions=4), tagger)
    assert bag.compute(scheduler="threads") == want
    assert bag.compute(scheduler="sync") == want


def test_unreachable_scheduler(ad, tagger, tmp_path, model_path):
    (tmp_path / "in.txt").write_text("ارتفعت أسعار النفط\nنص\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "arclass", "tag", "--lines", str(tmp_path / "in.txt"), "--model", str(model_path),
         "--dask-scheduler", "tcp://127.0.0.1:1", "-o", str(tmp_path / "out.jsonl")],
        capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("arclass tag: cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    assert not (tmp_path / "out.jsonl").exists()


def test_connect_gives_up_on_a_server_that_is_not_a_scheduler(ad):
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts, never speaks
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        with pytest.raises(ad.ClusterError, match="no answer"):
            ad.connect(address, timeout=0.5)
    with pytest.raises(ad.ClusterError, match="not a Dask scheduler address"):
        ad.connect("127.0.0.1")


def test_connect_gives_up_on_a_server_that_answers_garbage(ad, capfd):
    import gc
    import threading

    with socket.create_server(("127.0.0.1", 0)) as server:
        def answer() -> None:
            for _ in range(5):
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + b"\xff garbage " * 200)

        threading.Thread(target=answer, daemon=True).start()
        with pytest.raises(ad.ClusterError):
            ad.connect(f"tcp://127.0.0.1:{server.getsockname()[1]}", timeout=1)
    gc.collect()
    assert "Traceback" not in capfd.readouterr().err


# -- on the cluster ------------------------------------------------------------


def test_stream_equals_local_run(ad, client, tagger, records):
    want = list(batch.tag_batches(tagger, records, batch_size=16, **OPTIONS))
    assert list(ad.tag_batches(client, tagger, records, batch_size=16, **OPTIONS)) == want
    options = dict(OPTIONS, thresholds={"oil": 0.2}, top_k=1)
    want = list(batch.tag_records(tagger, records, batch_size=50, **options))
    assert list(ad.tag_records(client, tagger, iter(records), batch_size=50, **options)) == want
    assert sum(r["error"] is not None for r in want) == 6


class _Recorder:
    """A client that notes the size of the pickled arguments of each task."""

    def __init__(self, client):
        self.client = client
        self.sizes = []

    def submit(self, function, *args, **kwargs):
        from distributed import Future

        plain = [a for a in args if not isinstance(a, Future)]
        self.sizes.append((len(pickle.dumps(plain)), len(args) - len(plain)))
        return self.client.submit(function, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_the_model_travels_to_each_worker_once(ad, client, tagger, records):
    counting = like(CountingTagger, tagger)
    model_size = len(pickle.dumps(tagger))
    recorder = _Recorder(client)
    results = list(ad.tag_records(recorder, counting, records, batch_size=8, **OPTIONS))
    assert results == list(batch.tag_records(tagger, records, **OPTIONS))
    (first, _), *tasks = recorder.sizes
    assert first > 0.9 * model_size and len(tasks) > 30
    assert all(size < model_size / 4 and futures == 1 for size, futures in tasks)  # the model, by reference
    import dask.bag as db

    bag = ad.tag_bag(db.from_sequence([r.text for r in records], npartitions=30), counting, **OPTIONS)
    assert len(client.compute(bag).result()) == len(records)
    per_worker = client.run(loads)
    assert sorted(per_worker.values())[-1] == 1, per_worker  # not once per task, nor per job


@pytest.mark.parametrize("output_format", ["jsonl", "csv", "table"])
def test_workers_parse_and_format_raw_lines(ad, client, tagger, records, tmp_path, output_format):
    from arclass.io.inputs import LineBatch, read_batches
    from arclass.io.writers import make_formatter
    from arclass.tagging.local import tag_formatted
    from arclass.tagging.options import TagOptions

    _jsonl(tmp_path / "in.jsonl", records)
    batches = list(read_batches([tmp_path / "in.jsonl"], 16, max_chars=2000))
    assert all(isinstance(b, LineBatch) for b in batches)
    options = TagOptions(**OPTIONS)
    want = list(tag_formatted(tagger, batches, make_formatter(output_format, tagger.classes_), options=options))
    recorder = _Recorder(client)
    got = list(ad.tag_formatted(recorder, tagger, batches, make_formatter(output_format, tagger.classes_),
                                options=options))
    assert got == want and sum(f.failed for f in got) == 6
    (_, _), *tasks = recorder.sizes
    assert len(tasks) == len(batches)


def test_a_failing_task_is_a_cluster_error(ad, client, tagger, records):
    stream = ad.tag_batches(client, like(BrokenTagger, tagger), records, batch_size=100)
    with pytest.raises(ad.ClusterError, match=r"tagging records 'd0' to .* failed on the cluster: "
                                              r"RuntimeError: broken on purpose"):
        list(stream)


def test_bag_of_texts_records_and_mappings(ad, client, tagger, builtin_data):
    import dask.bag as db

    texts = builtin_data.texts[300:360]
    items = [*texts[:20], Record("r1", texts[20], None, {"src": 1}), {"id": "m1", "text": texts[21], "src": 2},
             {"id": "m2", "src": 3}, {"id": "m3", "text": ["not", "text"]}, 5, None, " \u200f ", NASTY,
             *[{"id": f"k{i}", "text": t, "src": i} for i, t in enumerate(texts[22:])]]
    expected = [*[Record(None, t, None, {"src": None}) for t in texts[:20]], Record("r1", texts[20], None, {"src": 1}),
                Record("m1", texts[21], None, {"src": 2}), Record("m2", None, "no 'text' field", {"src": 3}),
                Record("m3", ["not", "text"], None, {"src": None}), Record(None, 5, None, {"src": None}),
                Record(None, None, None, {"src": None}), Record(None, " \u200f ", None, {"src": None}),
                Record(None, NASTY, None, {"src": None}),
                *[Record(f"k{i}", t, None, {"src": i}) for i, t in enumerate(texts[22:])]]
    bag = ad.tag_bag(db.from_sequence(items, npartitions=7), tagger, keep_fields=["src"])
    got = client.compute(bag).result()
    assert got == batch.tag_batch(tagger, expected)
    assert [r["error"] for r in got[20:28]] == [
        None, None, "no 'text' field", "text is a list, not a string", "text is a number, not a string",
        "text is null, not a string", "empty text", None]


def test_dataframe_column(ad, client, tagger, builtin_data):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    texts = [*builtin_data.texts[400:450], None, "", NASTY, float("nan")]
    frame = pd.DataFrame({"text": texts, "n": range(len(texts))}, index=[f"row{i:03d}" for i in range(len(texts))])
    tagged = ad.tag_dataframe(dd.from_pandas(frame, npartitions=5), tagger)
    labels = [str(c) for c in tagger.classes_]
    assert list(tagged.columns) == ["tags", *labels, "error"]
    got = client.compute(tagged).result()
    assert list(got.index) == list(frame.index)
    want = batch.tag_batch(tagger, [Record(i, t if isinstance(t, str) else None) for i, t in zip(frame.index, texts)])
    assert got["tags"].tolist() == [r["tags"] for r in want]
    assert got["error"].tolist() == [r["error"] for r in want]
    for label in labels:
        assert got[label].dtype == "float64"
        assert got[label].fillna(-1).tolist() == [-1 if r["scores"] is None else r["scores"][label] for r in want]
    assert got["error"].iloc[-4:].tolist() == ["text is null, not a string", "empty text", None,
                                               "text is null, not a string"]
    series = client.compute(ad.tag_dataframe(dd.from_pandas(frame, npartitions=3)["text"], tagger)).result()
    assert series.equals(got)
    with pytest.raises(ValueError, match="no column 'body'"):
        ad.tag_dataframe(dd.from_pandas(frame, npartitions=2), tagger, column="body")


def _jsonl(path, records):
    lines = []
    for r in records:
        obj = {"id": r.id, "text": r.text} if r.error is None else None
        lines.append("{broken" if obj is None else json.dumps(obj, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
def test_cli_same_output_and_exit_status_as_local(cluster, capsys, tmp_path, model_path, records, output_format):
    _jsonl(tmp_path / "in.jsonl", records)
    argv = ["tag", str(tmp_path / "in.jsonl"), "--model", str(model_path), "--max-chars", "2000",
            "--batch-size", "32", "--format", output_format]
    local = main(argv)
    local_out, local_err = capsys.readouterr()
    remote = main([*argv, "--dask-scheduler", cluster[0].scheduler_address])
    remote_out, remote_err = capsys.readouterr()
    assert (remote, remote_out) == (local, local_out) == (1, local_out)
    assert remote_err.split("(")[0] == local_err.split("(")[0] == (
        f"arclass tag: {len(records)} records read, {len(records) - 6} tagged, 6 failed ")


def test_cli_to_a_file(cluster, capsys, tmp_path, model_path, records):
    _jsonl(tmp_path / "in.jsonl", records[:60])
    out = tmp_path / "out.jsonl"
    code = main(["tag", str(tmp_path / "in.jsonl"), "--model", str(model_path), "-q", "-o", str(out),
                 "--dask-scheduler", cluster[0].scheduler_address])
    assert code == 1 and capsys.readouterr() == ("", "")
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()][:3] == ["d0", "d1", "d2"]


def test_a_killed_worker_is_replaced_and_nothing_is_lost(ad, client, tagger, records):
    slow = like(SlowTagger, tagger)
    before = client.run(os.getpid)
    stream = ad.tag_batches(client, slow, records, batch_size=10, **OPTIONS)
    got = [next(stream)]
    os.kill(next(iter(before.values())), signal.SIGKILL)  # in the middle: 31 batches, at most 4 in flight
    got += list(stream)
    assert len(got) == -(-len(records) // 10)
    assert got == list(batch.tag_batches(tagger, records, batch_size=10, **OPTIONS))
    killed = next(iter(before.values()))
    deadline = time.monotonic() + 120
    while True:  # the nanny starts a new worker process
        after = client.run(os.getpid) if len(client.nthreads()) == 2 else {}
        if len(after) == 2 and killed not in after.values() or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(after) == 2 and killed not in after.values()
