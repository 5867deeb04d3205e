"""Tagging quality: arclass beside two peers trained on the same data in the same run.

    python benchmarks/bench_quality.py ../shared/eval/dev.jsonl [--train MORE.jsonl]

All three are trained on arclass's built-in labeled data (plus any --train
files) and scored on the labeled JSON Lines given as argument:

- arclass: ``TopicTagger()`` with its defaults (word TF-IDF over normalized Arabic,
  per-label logistic regression, per-label thresholds from cross-validation),
  and the same over character 3-5-grams within words (``analyzer="char_wb"``);
- scikit-learn: ``TfidfVectorizer()`` with defaults and one-vs-rest
  ``LogisticRegression()``, predicting labels whose probability is >= 0.5;
- fastText supervised (if the ``fasttext`` module is installed), one-vs-all
  loss, labels whose probability is >= 0.5.

Prints precision, recall and F1 per label, micro and macro F1, and the
training time of each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _peers import fasttext_line, train_fasttext  # noqa: E402

from arclass import ArabicTfidfVectorizer, TopicTagger  # noqa: E402
from arclass.io.labeled import load_builtin, read_labeled  # noqa: E402
from arclass.model.metrics import scores_table  # noqa: E402
from arclass.model.tagger import _binarize  # noqa: E402


def arclass_model(train, classes, **vectorizer_params):
    tagger = TopicTagger(vectorizer=ArabicTfidfVectorizer(**vectorizer_params)).fit(train.texts, train.labels)
    assert tagger.classes_ == classes
    return lambda texts: tagger.predict_proba(texts) >= tagger.thresholds_


def arclass_char_model(train, classes):
    return arclass_model(train, classes, analyzer="char_wb", ngram_range=(3, 5))


def sklearn_default(train, classes):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    Y, _ = _binarize(train.labels, classes)
    model = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression(max_iter=1000)))
    model.fit(train.texts, Y)
    return lambda texts: model.predict_proba(texts) >= 0.5


def fasttext_supervised(train, classes):
    model = train_fasttext(train.texts, train.labels)

    def predict(texts):
        labels, probs = model.predict([fasttext_line(t) for t in texts], k=-1, threshold=0.5)
        out = np.zeros((len(texts), len(classes)), dtype=bool)
        for i, (row_labels, _) in enumerate(zip(labels, probs)):
            for label in row_labels:
                name = label.replace("__label__", "")
                if name in classes:
                    out[i, classes.index(name)] = True
        return out

    return predict


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("eval", help="labeled JSON Lines to score on (never trained on)")
    parser.add_argument("--train", action="append", default=[], help="more labeled training data")
    args = parser.parse_args(argv)

    train = load_builtin()
    for path in args.train:
        train = train + read_labeled(path)
    held_out = read_labeled(args.eval)
    classes = sorted({label for labels in train.labels for label in labels})
    Y_true, _ = _binarize(held_out.labels, classes)

    contenders = [("arclass", arclass_model), ("arclass char_wb 3-5", arclass_char_model),
                  ("sklearn TfidfVectorizer+LR", sklearn_default)]
    try:
        import fasttext  # noqa: F401

        contenders.append(("fastText supervised", fasttext_supervised))
    except ImportError:
        print("fastText is not installed: pip install fasttext-wheel to compare with it\n")

    print(f"train: {len(train.texts)} documents (arclass built-in data{' + ' + ', '.join(args.train) if args.train else ''})")
    print(f"eval:  {args.eval}, {len(held_out.texts)} documents\n")
    header = f"{'model':<28}" + "".join(f"{c + ' F1':>15}" for c in classes) + f"{'micro F1':>10}{'macro F1':>10}{'P (micro)':>11}{'R (micro)':>11}{'train s':>9}"
    print(header)
    results = {}
    for name, build in contenders:
        start = time.perf_counter()
        predict = build(train, classes)
        seconds = time.perf_counter() - start
        table = scores_table(Y_true, predict(held_out.texts), classes)
        results[name] = table
        print(f"{name:<28}" + "".join(f"{table[c]['f1']:>15.3f}" for c in classes)
              + f"{table['micro']['f1']:>10.3f}{table['macro']['f1']:>10.3f}"
              + f"{table['micro']['precision']:>11.3f}{table['micro']['recall']:>11.3f}{seconds:>9.1f}")
    ours = results["arclass"]["micro"]["f1"]
    print()
    for name, table in results.items():
        if not name.startswith("arclass"):
            print(f"arclass micro F1 minus {name}: {ours - table['micro']['f1']:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
