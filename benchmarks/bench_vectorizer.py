"""Vectorizer and tagging speed: arclass beside scikit-learn, PyArabic and fastText.

    python benchmarks/bench_vectorizer.py ../shared/corpus/saudinewsnet.jsonl.gz [-n 10000] [-r 5]

Part 1, TF-IDF on the first ``-n`` documents of the corpus, contenders
interleaved in each of ``-r`` repeats (median, min and max; ratios of medians):

- scikit-learn ``TfidfVectorizer()`` with its defaults: ``fit_transform``, and
  ``transform`` of a fitted one. Every ratio is to one of these two;
- arclass ``ArabicTfidfVectorizer()`` with its defaults (full Arabic
  normalization first): ``fit_transform`` by a new vectorizer; ``transform`` by
  a vectorizer fitted on the same documents, its first call and a later one
  (by then its word cache is full); and ``transform`` of *unseen* documents
  (the next ``-n`` of the corpus) by a tagger's vectorizer just loaded from a
  model file, as ``arclass tag`` does (ratio to scikit-learn transforming
  the same unseen documents);
- PyArabic's normalize and tokenize chain fed into ``TfidfVectorizer``
  (``fit_transform``): what Arabic-aware TF-IDF costs when built from parts.

Part 2, end to end (skip with ``--no-end-to-end``):

- ``arclass tag`` over the first ``--tag-documents`` documents of the corpus
  (default: all) as a JSON Lines file, ``-j 1`` and ``-j 2``: documents/s and
  the peak resident memory of its process tree;
- in-process tagging of the same documents: ``TopicTagger.predict`` beside
  fastText ``predict`` (if installed; a list of texts) trained on the same data;
- the wall time of ``arclass tag`` on one short document beside
  ``python -c "import numpy"``, the floor for any numpy program.

The model for part 2 is ``--model`` or one trained here on arclass's built-in
data (as the default model is).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _corpus import read_texts, summary  # noqa: E402
from _peers import fasttext_line, pyarabic_chain, train_fasttext  # noqa: E402

from arclass import ArabicTfidfVectorizer, TopicTagger  # noqa: E402
from arclass.io.labeled import load_builtin  # noqa: E402


def vectorizer_contenders(docs: list[str], unseen: list[str]) -> dict:
    """name -> (baseline name or None, make) where make() returns the timed callable."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    def fitted_arclass(again):
        def make():
            vectorizer = ArabicTfidfVectorizer().fit(docs)
            if again:  # a long run's later calls: word cache filled
                vectorizer.transform(docs)
            return lambda: vectorizer.transform(docs)

        return make

    def loaded_arclass():
        # A tagger saved and loaded again: its vectorizer has seen no raw text.
        tagger = TopicTagger(cv=2).fit(docs[:2000], [["a"] if i % 3 else [] for i in range(min(2000, len(docs)))])
        with tempfile.TemporaryDirectory() as folder:
            tagger.save(os.path.join(folder, "m.arclass"))
            vectorizer = TopicTagger.load(os.path.join(folder, "m.arclass")).vectorizer_
        return lambda: vectorizer.transform(unseen)

    def fitted_sklearn(on):
        def make():
            vectorizer = TfidfVectorizer().fit(docs)
            return lambda: vectorizer.transform(on)

        return make

    fit = "sklearn TfidfVectorizer fit_transform"
    transform = "sklearn TfidfVectorizer transform"
    unseen_name = "sklearn TfidfVectorizer transform unseen"
    analyzer = pyarabic_chain()
    return {
        fit: (None, lambda: lambda: TfidfVectorizer().fit_transform(docs)),
        transform: (None, fitted_sklearn(docs)),
        unseen_name: (None, fitted_sklearn(unseen)),
        "arclass fit_transform": (fit, lambda: lambda: ArabicTfidfVectorizer().fit_transform(docs)),
        "arclass transform, first call": (transform, fitted_arclass(False)),
        "arclass transform, again": (transform, fitted_arclass(True)),
        "arclass transform unseen, fresh model": (unseen_name, loaded_arclass),
        "PyArabic + TfidfVectorizer fit_transform": (
            fit,
            lambda: lambda: TfidfVectorizer(analyzer=analyzer).fit_transform(docs),
        ),
    }


def time_vectorizers(docs: list[str], unseen: list[str], repeats: int) -> None:
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    contenders = vectorizer_contenders(docs, unseen)
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (_, make) in contenders.items():
            run = make()  # fitting for a transform is not timed
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    print(f"{'TF-IDF':<42}{'docs/s':>9}{'(min':>9}{'max)':>8}{'MB/s':>7}  ratio")
    for name, (baseline, _) in contenders.items():
        median, fastest, slowest = summary(seconds[name])
        ratio = f"{summary(seconds[baseline])[0] / median:.2f}x {baseline.split()[-1]}" if baseline else "1.00x"
        print(f"{name:<42}{len(docs) / median:>9,.0f}{len(docs) / slowest:>9,.0f}{len(docs) / fastest:>8,.0f}"
              f"{megabytes / median:>7.1f}  {ratio}")


def run_watched(command: list[str], stdin: bytes | None = None, env: dict | None = None) -> tuple[float, float, bytes]:
    """Run ``command``; its wall time, the peak resident MB of its process tree, its stdout."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env)
    peak = [0]

    def watch():
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = process.communicate(stdin)
    seconds = time.perf_counter() - start
    watcher.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {err.decode(errors='replace')}")
    return seconds, peak[0] / 2**20, out


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * page
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


def end_to_end(docs: list[str], model_path: str | None, repeats: int) -> None:
    arclass = [sys.executable, "-m", "arclass"]
    with tempfile.TemporaryDirectory() as folder:
        if model_path is None:
            train = load_builtin()
            model_path = os.path.join(folder, "model.arclass")
            TopicTagger().fit(train.texts, train.labels).save(model_path)
        corpus = os.path.join(folder, "docs.jsonl")
        with open(corpus, "w", encoding="utf-8") as f:
            for i, doc in enumerate(docs):
                f.write(json.dumps({"id": i, "text": doc}, ensure_ascii=False) + "\n")

        print(f"\n{'arclass tag (command line, JSON Lines in and out)':<50}{'docs/s':>9}{'(min':>9}{'max)':>8}{'peak MB':>9}")
        runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for _ in range(repeats):
            for jobs in runs:
                seconds, peak, out = run_watched(arclass + ["tag", corpus, "--model", model_path, "-j", str(jobs), "--quiet"])
                records = out.count(b"\n")
                if records != len(docs):
                    raise SystemExit(f"arclass tag -j {jobs} wrote {records} records for {len(docs)} documents")
                runs[jobs].append((seconds, peak))
        for jobs, measured in runs.items():
            median, fastest, slowest = summary([s for s, _ in measured])
            print(f"{'arclass tag -j ' + str(jobs):<50}{len(docs) / median:>9,.0f}{len(docs) / slowest:>9,.0f}"
                  f"{len(docs) / fastest:>8,.0f}{max(p for _, p in measured):>9.0f}")
        tag_rate = {jobs: len(docs) / summary([s for s, _ in measured])[0] for jobs, measured in runs.items()}

        train = load_builtin()
        tagger = TopicTagger.load(model_path)
        contenders = {"arclass TopicTagger.predict": lambda: tagger.predict(docs)}
        fasttext_model = train_fasttext(train.texts, train.labels)
        if fasttext_model is not None:
            lines = [fasttext_line(doc) for doc in docs]
            contenders["fastText predict (list)"] = lambda: fasttext_model.predict(lines, k=-1, threshold=0.5)
        else:
            print("fastText is not installed: pip install fasttext-wheel to compare with it")
        seconds: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(repeats):
            for name, run in contenders.items():
                start = time.perf_counter()
                run()
                seconds[name].append(time.perf_counter() - start)
        print(f"\n{'in process, same documents':<50}{'docs/s':>9}{'(min':>9}{'max)':>8}")
        for name, measured in seconds.items():
            median, fastest, slowest = summary(measured)
            print(f"{name:<50}{len(docs) / median:>9,.0f}{len(docs) / slowest:>9,.0f}{len(docs) / fastest:>8,.0f}")
        if fasttext_model is not None:
            fasttext_rate = len(docs) / summary(seconds["fastText predict (list)"])[0]
            arclass_rate = len(docs) / summary(seconds["arclass TopicTagger.predict"])[0]
            print(f"\narclass predict / fastText predict: {arclass_rate / fasttext_rate:.2f}x")
            for jobs, rate in tag_rate.items():
                print(f"arclass tag -j {jobs} (whole command) / fastText predict: {rate / fasttext_rate:.2f}x")

        one = "ارتفعت أسعار النفط بعد قرار أوبك+ خفض الإنتاج\n".encode("utf-8")
        # As after pip install: modules compiled once (even where PYTHONDONTWRITEBYTECODE is set).
        compiled = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        compiled["PYTHONPYCACHEPREFIX"] = os.path.join(folder, "pycache")
        commands = {"arclass tag, one document": (arclass + ["tag", "--lines", "--model", model_path], one),
                    'python -c "import numpy"': ([sys.executable, "-c", "import numpy"], None)}
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for command, stdin in commands.values():
            run_watched(command, stdin, compiled)
        for _ in range(max(repeats, 5)):
            for name, (command, stdin) in commands.items():
                walls[name].append(run_watched(command, stdin, compiled)[0])
        print(f"\n{'start-up (wall time)':<50}{'median s':>9}{'min':>9}{'max':>8}")
        for name, measured in walls.items():
            median, fastest, slowest = summary(measured)
            print(f"{name:<50}{median:>9.3f}{fastest:>9.3f}{slowest:>8.3f}")
        floor = summary(walls['python -c "import numpy"'])[0]
        print(f"arclass tag, one document / import numpy: {summary(walls['arclass tag, one document'])[0] / floor:.2f}x")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="JSON Lines corpus (.jsonl or .jsonl.gz) with a 'text' field")
    parser.add_argument("-n", "--documents", type=int, default=10_000)
    parser.add_argument("-r", "--repeats", type=int, default=5)
    parser.add_argument("--model", help="model for the end-to-end part (default: trained here on the built-in data)")
    parser.add_argument("--tag-documents", type=int, help="documents for the end-to-end part (default: all)")
    parser.add_argument("--no-end-to-end", action="store_true", help="only the TF-IDF part")
    args = parser.parse_args(argv)

    both = read_texts(args.corpus, 2 * args.documents)
    docs, unseen = both[: args.documents], both[args.documents :]
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    print(f"{len(docs)} documents, {megabytes:.1f} MB of UTF-8, {args.repeats} repeats, {os.cpu_count()} cores\n")
    time_vectorizers(docs, unseen, args.repeats)
    if not args.no_end_to_end:
        docs = read_texts(args.corpus, args.tag_documents)
        print(f"\nend to end: {len(docs)} documents")
        end_to_end(docs, args.model, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
