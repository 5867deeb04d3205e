"""``arclass train``: train a tagger on labeled JSON Lines; its flags come from the parameter tables."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys

from .common import (
    EXIT_OK, UsageError, add_input_args, check_outputs, text_fields, utf8_stdout,
)


def _flag_options(param) -> dict:
    """argparse keywords for a vectorizer :class:`~arclass.model.estimator.Param`."""
    from ..model.estimator import InstanceOf, Interval, Options, Pair, RealNotInt

    kinds = [c for c in param.allowed if c is not None]
    help_text = re.sub(r":\w+:`~?(?:[\w.]+\.)?(\w+)`", r"\1", " ".join(param.doc.split())).replace("``", "")
    if any(isinstance(c, InstanceOf) and c.kind is bool for c in kinds):
        return dict(action=argparse.BooleanOptionalAction, help=f"{help_text} (default: {param.default})")
    if any(isinstance(c, Pair) for c in kinds):
        return dict(metavar="MIN,MAX", type=_pair, help=f"{help_text} (default: 1,1 for words, 3,5 for characters)")
    options = [v for c in kinds if isinstance(c, Options) for v in c.values if v is not None]
    if param.extra.get("choices"):
        options = list(param.extra["choices"])
    if options and not any(isinstance(c, Interval) for c in kinds):
        return dict(choices=options, help=f"{help_text} (default: {param.default})")
    if any(isinstance(c, Interval) and c.kind in (float, RealNotInt) for c in kinds):
        return dict(type=_number, metavar="X", help=f"{help_text} (default: {param.default})")
    return dict(type=int, metavar="N", help=f"{help_text} (default: {param.default})")


def _pair(text: str) -> tuple[int, int]:
    try:
        low, high = (int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MIN,MAX (two whole numbers), not {text!r}") from None
    return low, high


def _number(text: str):
    """An int when written as one (min_df 2: two documents), else a float (0.5: half of them)."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def add(sub) -> None:
    from ..model.tagger import TopicTagger
    from ..model.vectorizer import ArabicTfidfVectorizer

    p = sub.add_parser("train", help="train a tagger on labeled JSON Lines",
                       description="Train a tagger on labeled JSON Lines ({\"text\": ..., \"labels\": [...]} "
                       "per line; '-' reads stdin); print its cross-validated scores.")
    add_input_args(p, records=False)
    p.add_argument("--text-field", default="text", metavar="NAME[,NAME]",
                   help="field holding the text (default text); several, comma-separated, are joined by a newline")
    p.add_argument("--labels-field", default="labels", metavar="NAME",
                   help="field holding the list of labels (default labels; [] for no topic)")
    p.add_argument("--builtin", action="store_true",
                   help="also train on arclass's own labeled data (what the default model uses)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write")
    vectorizer = p.add_argument_group("features (ArabicTfidfVectorizer)")
    for param in ArabicTfidfVectorizer.parameters:
        if param.flag:
            vectorizer.add_argument(f"--{param.name.replace('_', '-')}", dest=f"v_{param.name}", default=None,
                                    **_flag_options(param))
    model = p.add_argument_group("model (TopicTagger)")
    model.add_argument("--C", type=float, help=f"inverse regularization strength (default {TopicTagger.param('C').default})")
    model.add_argument("--cv", type=int, help=f"cross-validation folds (default {TopicTagger.param('cv').default})")
    model.add_argument("--class-weight", choices=("balanced", "none"),
                       help="weigh each label's positives and negatives equally (default balanced)")
    model.add_argument("--seed", type=int, help="seed of the cross-validation folds (default 0)")
    p.add_argument("--card", metavar="FILE.md", help="also write a model card (Markdown)")
    p.add_argument("--eval", metavar="DATA.jsonl", action="append", default=[],
                   help="labeled data to score the model on for the card (repeatable)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(run=run)


def read_data(paths, builtin: bool, args):
    """The labeled data of ``paths`` (and, with ``builtin``, arclass's own), or a usage error."""
    import os

    from ..io.decoding import check_encoding
    from ..io.labeled import LabeledDataError, load_builtin, read_labeled

    try:
        check_encoding(args.encoding)
    except LookupError:
        raise UsageError(f"unknown encoding {args.encoding!r}") from None
    data = load_builtin() if builtin else None
    for path in paths:
        if path != "-" and not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
        try:
            part = read_labeled(path, text_fields(args.text_field), args.labels_field, encoding=args.encoding)
        except (LabeledDataError, OSError) as exc:
            raise UsageError(str(exc)) from None
        data = part if data is None else data + part
    if data is None:
        raise UsageError("no training data: give DATA.jsonl files (or -) or --builtin")
    return data


def build_tagger(args):
    """The TopicTagger the flags describe; ``ValueError`` names a bad one."""
    from ..model.tagger import TopicTagger
    from ..model.vectorizer import ArabicTfidfVectorizer

    params = {name[2:]: value for name, value in vars(args).items() if name.startswith("v_") and value is not None}
    if "ngram_range" not in params and params.get("analyzer") == "char_wb":
        params["ngram_range"] = (3, 5)
    vectorizer = ArabicTfidfVectorizer(**params)
    tagger = TopicTagger(vectorizer=vectorizer, verbose=0 if args.quiet or not sys.stderr.isatty() else 1)
    for name, value in (("C", args.C), ("cv", args.cv), ("random_state", args.seed)):
        if value is not None:
            tagger.set_params(**{name: value})
    if args.class_weight is not None:
        tagger.set_params(class_weight=None if args.class_weight == "none" else "balanced")
    tagger.validate_params()
    return tagger


def run(args) -> int:
    from ..model.card import write_card
    from ..model.metrics import render_scores

    check_outputs(args.output, args.card)
    try:
        tagger = build_tagger(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    data = read_data(args.inputs, args.builtin, args)
    held_out = {path: read_data([path], False, args) for path in args.eval}
    try:
        tagger.fit(data.texts, data.labels)
    except ValueError as exc:  # bad data, e.g. a label on one document only
        raise UsageError(f"cannot train: {exc}") from None
    try:
        tagger.save(args.output)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    evaluations = {path: tagger.evaluate(d.texts, d.labels) for path, d in held_out.items()}
    if args.card:
        sources = (["arclass built-in data (arclass/data/seeds.jsonl and arclass/data/authored/*.jsonl)"]
                   if args.builtin else []) + [p if p != "-" else "stdin" for p in args.inputs]
        notes = []
        if args.builtin and not args.inputs and tagger.vectorizer_.analyzer == "word":
            notes.append("words, not character n-grams: see benchmarks/README.md for the choice")
        write_card(args.card, tagger, args.output, sources=sources, evaluations=evaluations,
                   command="arclass " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
                   builtin=args.builtin, notes=notes)
    utf8_stdout()
    if args.json:
        print(json.dumps({"cv_scores": tagger.cv_scores_, "evaluations": evaluations}, indent=1))
    else:
        print(f"trained on {len(data.texts)} documents; wrote {args.output}")
        print(f"cross-validated ({tagger.cv} folds), at the chosen thresholds:")
        print(render_scores(tagger.cv_scores_, tagger.classes_, tagger.thresholds_))
        for path, table in evaluations.items():
            print(f"\non {path}:")
            print(render_scores(table, tagger.classes_))
    return EXIT_OK
