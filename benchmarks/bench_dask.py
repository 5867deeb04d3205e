"""Tagging on a Dask cluster: throughput with 1 and 2 local workers, beside one local process.

    python benchmarks/bench_dask.py ../shared/corpus/saudinewsnet.jsonl.gz [-n 10000] [-r 3] [--model M]

Starts a ``distributed.LocalCluster`` on 127.0.0.1 with N worker processes of
one thread each and, for each N, measures (repeats interleaved; median):

- ``arclass.dask.tag_bag`` over ``dask.bag.read_text`` of the documents as
  JSON Lines files of 1,000 each, read by the workers, as a real job would;
- ``arclass.dask.tag_batches``, what ``arclass tag --dask-scheduler`` runs: one
  client process feeds batches in order and collects the results;

beside ``arclass.batch.tag_records`` in this process (no cluster), the
reference. Needs ``pip install 'arclass[dask]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _corpus import read_texts, summary  # noqa: E402

import arclass  # noqa: E402
from arclass.batch import Record, tag_records  # noqa: E402
from arclass.io.labeled import load_builtin  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="JSON Lines corpus (.jsonl or .jsonl.gz) with a 'text' field")
    parser.add_argument("-n", "--documents", type=int, default=10_000)
    parser.add_argument("-r", "--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", help="model file (default: trained here on the built-in data)")
    args = parser.parse_args(argv)

    import dask.bag as db
    from distributed import Client, LocalCluster

    from arclass.dask import tag_bag, tag_batches

    if args.model:
        tagger = arclass.load(args.model)
    else:
        data = load_builtin()
        tagger = arclass.TopicTagger().fit(data.texts, data.labels)
    docs = read_texts(args.corpus, args.documents)
    records = [Record(str(i), doc) for i, doc in enumerate(docs)]
    print(f"{len(docs)} documents, {args.repeats} repeats, {os.cpu_count()} cores\n")

    rates: dict[str, list[float]] = {}

    def timed(name: str, run) -> None:
        start = time.perf_counter()
        n = run()
        assert n == len(docs), (name, n)
        rates.setdefault(name, []).append(len(docs) / (time.perf_counter() - start))

    timed("one local process (tag_records)", lambda: sum(1 for _ in tag_records(tagger, records)))
    with tempfile.TemporaryDirectory() as scratch:
        parts = []
        for start in range(0, len(docs), 1000):
            parts.append(os.path.join(scratch, f"part-{start // 1000:04d}.jsonl"))
            with open(parts[-1], "w", encoding="utf-8") as f:
                for i in range(start, min(start + 1000, len(docs))):
                    f.write(json.dumps({"id": str(i), "text": docs[i]}, ensure_ascii=False) + "\n")
        for n_workers in args.workers:
            with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None, local_directory=scratch) as cluster, Client(cluster) as client:
                bag = db.read_text(parts).map(json.loads)
                tag_bag(bag.take(10, npartitions=1, compute=False), tagger).compute()  # workers load the model
                for _ in range(args.repeats):
                    timed(f"tag_bag, {n_workers} worker(s)", lambda: len(tag_bag(bag, tagger).compute()))
                    timed(f"tag_batches (--dask-scheduler), {n_workers} worker(s)",
                          lambda: sum(len(b) for b in tag_batches(client, tagger, records)))
                    timed("one local process (tag_records)", lambda: sum(1 for _ in tag_records(tagger, records)))

    local = summary(rates["one local process (tag_records)"])[0]
    print(f"{'':<48}{'docs/s':>9}{'min':>9}{'max':>9}  vs one local process")
    for name, measured in rates.items():
        median, low, high = summary(measured)
        print(f"{name:<48}{median:>9,.0f}{low:>9,.0f}{high:>9,.0f}  {median / local:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
