"""Normalize + tokenize throughput: arclass beside PyArabic and a regex chain.

    python benchmarks/bench_tokenizer.py ../shared/corpus/saudinewsnet.jsonl.gz [-n 10000] [-r 5]

Contenders, interleaved in each repeat, on the same documents:

- arclass: ``arclass.Tokenizer()`` (full normalization, then words) called on
  each text, a new tokenizer per repeat, so its word cache starts empty
  ("cold"); and the same tokenizer used again ("warm", as in a long tagging
  run);
- arclass's counting path (what the vectorizer runs): the same words of all
  documents counted in one call (numpy batches, no string made per raw
  word), cold and warm likewise;
- PyArabic: ``strip_tashkeel``, ``strip_tatweel``, ``normalize_hamza``,
  ``normalize_ligature``, then ``araby.tokenize``;
- regex chain: one ``re.sub`` deleting diacritics and tatweel, ``str.replace``
  for alef, alef maksura and teh marbuta, then ``re.findall(r"\\w+")``.

Prints characters per second (median, min, max) and each ratio to PyArabic.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _corpus import read_texts, summary  # noqa: E402
from _peers import pyarabic_chain  # noqa: E402

from arclass import Tokenizer  # noqa: E402
from arclass.model.counting import Counter, GrowingVocabulary  # noqa: E402


def regex_chain():
    from pyarabic import araby

    delete = re.compile("[" + "".join(araby.TASHKEEL) + araby.TATWEEL + "]+")
    words = re.compile(r"\w+")
    pairs = [("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ى", "ي"), ("ة", "ه")]

    def run(text: str) -> list[str]:
        text = delete.sub("", text)
        for old, new in pairs:
            text = text.replace(old, new)
        return words.findall(text)

    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="JSON Lines corpus (.jsonl or .jsonl.gz) with a 'text' field")
    parser.add_argument("-n", "--documents", type=int, default=10_000)
    parser.add_argument("-r", "--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    docs = read_texts(args.corpus, args.documents)
    chars = sum(map(len, docs))
    print(f"{len(docs)} documents, {chars / 1e6:.1f} M characters, {args.repeats} repeats\n")

    warm = Tokenizer()
    for doc in docs:  # fill the cache once
        warm(doc)
    warm_many = Counter(Tokenizer(), GrowingVocabulary(), grow=True)
    warm_many.count(docs)

    # name -> make, where make() gives the timed callable: a function of one
    # text (called on each document), or a counter (called on them all).
    contenders = {
        "arclass (cold cache)": lambda: Tokenizer(),
        "arclass (warm cache)": lambda: warm,
        "arclass counting path (cold)": lambda: Counter(Tokenizer(), GrowingVocabulary(), grow=True).count,
        "arclass counting path (warm)": lambda: warm_many.count,
        "PyArabic chain": pyarabic_chain,
        "regex chain": regex_chain,
    }
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, make in contenders.items():
            run = make()
            start = time.perf_counter()
            if "counting path" in name:
                run(docs)
            else:
                for doc in docs:
                    run(doc)
            timings[name].append(time.perf_counter() - start)

    base = summary(timings["PyArabic chain"])[0]
    width = max(map(len, contenders)) + 2
    print(f"{'contender':<{width}}{'M chars/s':>11}{'min':>8}{'max':>8}{'x PyArabic':>12}")
    for name, values in timings.items():
        median, fastest, slowest = summary(values)
        print(f"{name:<{width}}{chars / median / 1e6:>11.1f}{chars / slowest / 1e6:>8.1f}"
              f"{chars / fastest / 1e6:>8.1f}{base / median:>12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
