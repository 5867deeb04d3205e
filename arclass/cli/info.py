"""``arclass info``: what a model file holds."""

from __future__ import annotations

import json

from .common import EXIT_OK, add_model_arg, load_model, utf8_stdout


def add(sub) -> None:
    p = sub.add_parser("info", help="describe a model file",
                       description="Labels, thresholds, features, training data and cross-validated "
                       "scores of a model file (the bundled one by default).")
    add_model_arg(p)
    p.add_argument("--json", action="store_true", help="print the model's metadata as JSON")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..model.metrics import render_scores

    tagger = load_model(args.model)
    meta = tagger.metadata_
    utf8_stdout()
    if args.json:
        print(json.dumps(meta, ensure_ascii=False, indent=1))
        return EXIT_OK
    training = meta.get("training", {})
    print(f"model:            {args.model or 'bundled default'}")
    print(f"format version:   {meta['format_version']} (written by arclass {meta.get('arclass_version')})")
    print(f"created:          {meta.get('created')}")
    print(f"labels:           {', '.join(map(str, tagger.classes_))}")
    print(f"features:         {tagger.n_features_in_} terms")
    print(f"training data:    {training.get('n_documents')} documents, sha256 {training.get('sha256')}")
    print(f"vectorizer:       {tagger.vectorizer_!r}")
    print("cross-validated scores:")
    print(render_scores(tagger.cv_scores_, tagger.classes_, tagger.thresholds_))
    return EXIT_OK
