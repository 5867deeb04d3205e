"""``arclass evaluate``: per-label precision, recall and F1 of a model on labeled JSON Lines."""

from __future__ import annotations

import json
import sys

from .common import EXIT_OK, UsageError, add_input_args, add_model_arg, check_outputs, load_model, text_output, utf8_stdout
from .train import read_data


def add(sub) -> None:
    p = sub.add_parser("evaluate", help="score a model on labeled JSON Lines",
                       description="Per-label precision, recall, F1 and support; micro and macro averages "
                       "(macro over the labels the data has).")
    add_input_args(p, records=False)
    add_model_arg(p)
    p.add_argument("--text-field", default="text", metavar="NAME[,NAME]",
                   help="field holding the text (default text); several, comma-separated, are joined by a newline")
    p.add_argument("--labels-field", default="labels", metavar="NAME",
                   help="field holding the list of labels (default labels)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--report", metavar="OUT.html",
                   help="also write an HTML report: precision-recall curves, score histograms, "
                   "the worst mistakes (needs matplotlib: install arclass[report])")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..model.metrics import render_scores

    check_outputs(args.report)
    if args.report:
        from ..explain.html import require_matplotlib

        try:
            require_matplotlib()
        except ImportError as exc:
            raise UsageError(str(exc)) from None
    data = read_data(args.inputs or ["-"], False, args)
    tagger = load_model(args.model)
    known = [str(c) for c in tagger.classes_]
    unknown = tagger.unknown_labels(data.labels)
    if unknown and not set(known) & {label for labels in data.labels for label in labels}:
        raise UsageError(f"none of the data's labels ({', '.join(unknown)}) is a label of the model "
                         f"({', '.join(known)})")
    if unknown:
        print(f"arclass evaluate: warning: labels in the data that the model does not know, ignored: "
              f"{', '.join(unknown)}", file=sys.stderr)
    table = tagger.evaluate(data.texts, data.labels)
    unsupported = [c for c in known if table[c]["support"] == 0]
    if unsupported:
        print(f"arclass evaluate: warning: no document carries {', '.join(unsupported)}: left out of the "
              f"macro averages (over {table['macro']['labels']} labels)", file=sys.stderr)
    utf8_stdout()
    if args.json:
        print(json.dumps(table, indent=1))
    else:
        print(render_scores(table, tagger.classes_, tagger.thresholds_))
    if args.report:
        from ..explain.report import evaluation_report

        page = evaluation_report(tagger, data.texts, data.labels, data.ids,
                                 source=" ".join(args.inputs or ["-"]), model=args.model)
        with text_output(args.report) as out:
            out.write(page)
    return EXIT_OK
