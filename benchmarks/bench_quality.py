"""Tagging quality across sources: arclass beside its peers, trained on the same data in the same run.

    python benchmarks/bench_quality.py ../shared/eval/dev.jsonl ../shared/eval/dev2.jsonl [--train MORE.jsonl]
        [--arclass NAME=analyzer=char_wb,ngram_range=2-5 ...] [--no-peers]

Every contender is trained on arclass's built-in labeled data (plus any
``--train`` files) and scored on each labeled JSON Lines file given, which it
never saw:

- arclass: a ``TopicTagger`` with the bundled model's settings (read from
  the bundled model file), and any variants given with ``--arclass
  NAME=param=value,...``: those settings with some changed (vectorizer
  parameters, or ``C`` and ``class_weight``; ranges as ``low-high``);
  each also shows its cross-validated micro F1 on the training data;
- scikit-learn: ``TfidfVectorizer()`` with defaults and one-vs-rest
  ``LogisticRegression()``, labels whose probability is >= 0.5;
- fastText supervised (if the ``fasttext`` module is installed), one-vs-all
  loss, labels whose probability is >= 0.5.

For each source and contender: micro F1, F1 per label, and how many of the
documents that carry no tag were given one (per 100). Then, per contender,
the spread of micro F1 between sources and the cross-source score: the mean
of each source's micro F1 and, for arclass, the cross-validated one. Choose
by that score, not by one source.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _peers import fasttext_line, train_fasttext  # noqa: E402

import arclass  # noqa: E402
from arclass import ArabicTfidfVectorizer, TopicTagger  # noqa: E402
from arclass.io.labeled import load_builtin, read_labeled  # noqa: E402
from arclass.model.metrics import scores_table  # noqa: E402
from arclass.model.tagger import _binarize  # noqa: E402


_TAGGER_PARAMS = set(TopicTagger().get_params(deep=False)) - {"vectorizer"}


def parse_variant(spec: str) -> tuple[str, dict, dict]:
    """``NAME=analyzer=char_wb,ngram_range=2-5,C=10`` -> (name, vectorizer params, tagger params).

    The tagger's own parameters (``C``, ``class_weight``, ``threshold``, ...) go to the tagger.
    """
    name, _, rest = spec.partition("=")
    vectorizer, tagger = {}, {}
    for part in filter(None, rest.split(",")):
        key, _, value = part.partition("=")
        if "-" in value and key == "ngram_range":
            parsed = tuple(int(v) for v in value.split("-"))
        elif value in ("True", "False"):
            parsed = value == "True"
        elif value == "None":
            parsed = None
        else:
            try:
                parsed = int(value)
            except ValueError:
                try:
                    parsed = float(value)
                except ValueError:
                    parsed = value
        (tagger if key in _TAGGER_PARAMS else vectorizer)[key] = parsed
    return name, vectorizer, tagger


def bundled_settings() -> tuple[dict, dict]:
    """The vectorizer and tagger parameters the bundled model was trained with."""
    bundled = arclass.load()
    tagger = {k: v for k, v in bundled.get_params(deep=False).items() if k not in ("vectorizer", "verbose")}
    return bundled.vectorizer_.get_params(), tagger


def arclass_model(vectorizer_params: dict, tagger_params: dict):
    def build(train, classes):
        vectorizer, tagger = bundled_settings()
        vectorizer.update(vectorizer_params)
        tagger.update(tagger_params)
        tagger = TopicTagger(vectorizer=ArabicTfidfVectorizer(**vectorizer), **tagger)
        tagger.fit(train.texts, train.labels)
        assert tagger.classes_ == classes
        predict = lambda texts: tagger.predict_proba(texts) >= tagger.thresholds_  # noqa: E731
        return predict, tagger.cv_scores_["micro"]["f1"]

    return build


def sklearn_default(train, classes):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    Y, _ = _binarize(train.labels, classes)
    model = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression(max_iter=1000)))
    model.fit(train.texts, Y)
    return (lambda texts: model.predict_proba(texts) >= 0.5), None


def fasttext_supervised(train, classes):
    model = train_fasttext(train.texts, train.labels)

    def predict(texts):
        labels, _ = model.predict([fasttext_line(t) for t in texts], k=-1, threshold=0.5)
        out = np.zeros((len(texts), len(classes)), dtype=bool)
        for i, row_labels in enumerate(labels):
            for label in row_labels:
                name = label.replace("__label__", "")
                if name in classes:
                    out[i, classes.index(name)] = True
        return out

    return predict, None


def false_tags_per_100(Y_true: np.ndarray, Y_pred: np.ndarray) -> float:
    """Of the documents that carry no tag, how many (per 100) were given one."""
    untagged = ~Y_true.any(axis=1)
    return 100.0 * float(Y_pred[untagged].any(axis=1).mean()) if untagged.any() else 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("eval", nargs="+", help="labeled JSON Lines to score on (never trained on)")
    parser.add_argument("--train", action="append", default=[], help="more labeled training data")
    parser.add_argument("--arclass", action="append", default=[], metavar="NAME=PARAM=VALUE,...",
                        help="an arclass variant to score beside the default (repeatable)")
    parser.add_argument("--no-peers", action="store_true", help="score arclass variants only")
    args = parser.parse_args(argv)

    train = load_builtin()
    for path in args.train:
        train = train + read_labeled(path)
    sources = {path: read_labeled(path) for path in args.eval}
    classes = sorted({label for labels in train.labels for label in labels})

    contenders = [("arclass", arclass_model({}, {}))]
    contenders += [(name, arclass_model(v, t)) for name, v, t in map(parse_variant, args.arclass)]
    if not args.no_peers:
        contenders.append(("sklearn TfidfVectorizer+LR", sklearn_default))
        try:
            import fasttext  # noqa: F401

            contenders.append(("fastText supervised", fasttext_supervised))
        except ImportError:
            print("fastText is not installed: pip install fasttext-wheel to compare with it\n")

    print(f"train: {len(train.texts)} documents (arclass built-in data"
          f"{' + ' + ', '.join(args.train) if args.train else ''})")
    for path, data in sources.items():
        print(f"eval:  {path}, {len(data.texts)} documents")
    print()
    width = max(28, max(len(name) for name, _ in contenders) + 2)
    summary = {}
    for name, build in contenders:
        start = time.perf_counter()
        predict, cv = build(train, classes)
        seconds = time.perf_counter() - start
        rows = {}
        for path, data in sources.items():
            Y_true, _ = _binarize(data.labels, classes)
            Y_pred = predict(data.texts)
            rows[path] = (scores_table(Y_true, Y_pred, classes), false_tags_per_100(Y_true, Y_pred))
        summary[name] = (rows, cv, seconds)

    for path in sources:
        print(f"== {path}")
        print(f"{'model':<{width}}{'micro F1':>9}" + "".join(f"{c + ' F1':>15}" for c in classes)
              + f"{'P micro':>9}{'R micro':>9}{'false tags/100':>16}")
        for name, (rows, _, _) in summary.items():
            table, false_tags = rows[path]
            print(f"{name:<{width}}{table['micro']['f1']:>9.3f}" + "".join(f"{table[c]['f1']:>15.3f}" for c in classes)
                  + f"{table['micro']['precision']:>9.3f}{table['micro']['recall']:>9.3f}{false_tags:>16.1f}")
        print()
    print("== across sources")
    print(f"{'model':<{width}}{'CV micro F1':>12}{'spread':>8}{'cross-source score':>20}{'train s':>9}")
    for name, (rows, cv, seconds) in summary.items():
        micro = [table["micro"]["f1"] for table, _ in rows.values()]
        score = float(np.mean(micro + ([cv] if cv is not None else [])))
        cv_text = f"{cv:.3f}" if cv is not None else "-"
        print(f"{name:<{width}}{cv_text:>12}{max(micro) - min(micro):>8.3f}{score:>20.3f}{seconds:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
