"""``arclass explain``: which words drove each tag of each record, or an HTML page."""

from __future__ import annotations

import json
import sys

from .common import (
    EXIT_FAILED_RECORDS, EXIT_OK, UsageError, add_input_args, add_model_arg, check_outputs, input_records,
    load_model, text_output,
)


def add(sub) -> None:
    p = sub.add_parser("explain", help="show why documents get their tags",
                       description="For each record (the same inputs as arclass tag) and each label: the "
                       "score, the threshold, the decision, and the terms that pushed the score up or "
                       "down the most.")
    add_input_args(p)
    add_model_arg(p)
    p.add_argument("--id", metavar="ID", help="explain only the record with this id")
    p.add_argument("--label", action="append", metavar="L", help="explain only this label (repeatable)")
    p.add_argument("--top", type=int, default=10, metavar="N",
                   help="terms shown for and against each label (default 10)")
    p.add_argument("--html", metavar="OUT.html",
                   help="write a page with the words of the (first) record colored per label instead")
    p.add_argument("--json", action="store_true", help="print the explanations as JSON Lines, one record per line")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..explain.terms import TermMap, format_explanations

    if args.top < 0:
        raise UsageError("--top must be 0 or more")
    check_outputs(args.html)
    records = input_records(args)
    tagger = load_model(args.model)
    known = [str(c) for c in tagger.classes_]
    for label in args.label or []:
        if label not in known:
            raise UsageError(f"unknown label {label!r}; labels: {', '.join(known)}")
    single = _one_document(args)
    failed = shown = 0
    with text_output(None) as out:
        for record in records:
            if args.id is not None and str(record.id) != args.id:
                continue
            shown += 1
            text = record.text if isinstance(record.text, str) else ""
            if record.error or not text.strip():
                if single:
                    raise UsageError(f"{record.id}: {record.error or 'empty text'}")
                failed += 1
                print(f"arclass explain: {record.id}: {record.error or 'empty text'}", file=sys.stderr)
                continue
            if args.html:
                from ..explain.page import explanation_page

                page = explanation_page(tagger, text, labels=args.label, top=args.top, source=str(record.id))
                with text_output(args.html) as html_out:
                    html_out.write(page)
                break
            everything = tagger.explain(text, top=args.top)
            tags = [str(e.label) for e in everything if e.tagged]
            chosen = [e for e in everything if args.label is None or str(e.label) in args.label]
            if args.json:
                out.write(json.dumps({"id": record.id, "tags": tags, "labels": [e.to_dict() for e in chosen]},
                                     ensure_ascii=False) + "\n")
            else:
                if not single:
                    out.write(f"== {record.id}\n")
                out.write(format_explanations(chosen, TermMap(tagger.vectorizer_, text), tags) + "\n")
    if args.id is not None and not shown:
        raise UsageError(f"no record with id {args.id!r}")
    return EXIT_FAILED_RECORDS if failed else EXIT_OK


def _one_document(args) -> bool:
    """Whether the input is one document (a file or stdin read whole), not records."""
    import os

    from ..io.sources import detect_format

    inputs = args.inputs or ["-"]
    if args.input_format is not None or len(inputs) != 1:
        return False
    name = inputs[0]
    return name == "-" or (not os.path.isdir(name) and detect_format(name) == "document")
