"""The ``arclass`` command line: one verb per job, plain text in and out.

    arclass tag [INPUT ...]            tag documents (see ``arclass tag -h``)
    arclass normalize [FILE ...]       normalized text, line for line
    arclass train DATA.jsonl -o MODEL  train a tagger on labeled JSON Lines
    arclass evaluate DATA.jsonl        precision, recall and F1 of a model
    arclass explain [FILE]             why a document gets its tags
    arclass info                       what a model file holds

Exit status: 0 on success, 1 when some records failed, 2 for usage errors
(bad flags, missing files, unreadable models or data). Errors are one line
on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import stat
import sys
from typing import Sequence

from ._version import __version__

EXIT_OK, EXIT_FAILED_RECORDS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its files: exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default exit status is 2 too
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


#: Seconds a record read from a pipe or terminal waits for its batch to fill.
STREAM_WAIT = 0.5


def _reads_a_stream(inputs: Sequence[str]) -> bool:
    """Whether stdin is among ``inputs`` and is a pipe, socket or terminal, not a file."""
    if inputs and "-" not in inputs or sys.stdin is None:
        return False
    try:
        return not stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False


def _open_text_output(path: str | None):
    """stdout, or an atomic writer for ``path`` (renamed into place on success)."""
    if path in (None, "-"):
        return _Stdout()
    from .modelfile import atomic_writer

    return atomic_writer(path, "w", encoding="utf-8", newline="\n")


class _Stdout:
    def __enter__(self):
        return sys.stdout

    def __exit__(self, *exc) -> None:
        sys.stdout.flush()


# -- tag ---------------------------------------------------------------------


def _add_tag(sub) -> None:
    p = sub.add_parser(
        "tag", help="tag documents: files, folders, JSON Lines, CSV/TSV, lines, stdin",
        description="Tag documents with topics. Every input record gets exactly one output record, in "
        "input order; one that cannot be tagged (undecodable, empty, malformed, too long) gets an error "
        "record and the run goes on. Exit status: 0 all tagged, 1 some failed, 2 usage error.")
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="a file (one document; records if named .jsonl, .csv or .tsv; .gz read "
                   "transparently), a folder (its files matching --glob, recursively) or '-' for stdin "
                   "(the default)")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the bundled model)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write here instead of stdout; the file appears only when the run completes")
    p.add_argument("--format", choices=("jsonl", "csv", "tsv", "table"), default="jsonl",
                   help="output format (default jsonl: id, tags, scores, error per line)")
    kind = p.add_mutually_exclusive_group()
    for flag, what in (("jsonl", "JSON Lines, one object per line"), ("csv", "CSV with a header row"),
                       ("tsv", "TSV with a header row"), ("lines", "plain text, one document per line")):
        kind.add_argument(f"--{flag}", dest="input_format", action="store_const", const=flag,
                          help=f"inputs (stdin included) are {what}")
    p.add_argument("--glob", default="*.txt", metavar="PATTERN",
                   help="names of the files to read in folders (default *.txt; .gz variants too)")
    p.add_argument("--text-field", "--text-column", dest="text_field", default="text", metavar="NAME",
                   help="JSON field or CSV column holding the text (default text)")
    p.add_argument("--id-field", "--id-column", dest="id_field", default="id", metavar="NAME",
                   help="JSON field or CSV column holding the id (default id; else file:line)")
    p.add_argument("--keep-fields", action="append", default=[], metavar="F1,F2",
                   help="input fields or columns to copy into the output")
    p.add_argument("--encoding", metavar="NAME",
                   help="input encoding (default: a BOM, else UTF-8, else Windows-1256 for Arabic)")
    p.add_argument("--threshold", action="append", default=[], metavar="P|LABEL=P",
                   help="probability needed for a tag: one number for all labels, or label=number "
                   "pairs (comma-separated or repeated); default: the model's own")
    p.add_argument("--top-k", type=int, metavar="K", help="at most K tags per document")
    p.add_argument("--max-chars", type=int, metavar="N",
                   help="longer texts are error records (default 1000000)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="worker processes (default 1; -1: one per CPU); same output as -j 1")
    p.add_argument("--batch-size", type=int, metavar="N",
                   help="documents tagged (and output flushed) together (default 256)")
    p.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="tag on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://10.0.0.5:8786) "
                   "instead of -j processes; same output (needs arclass[dask])")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary on stderr")
    p.set_defaults(run=_run_tag)


def _run_tag(args) -> int:
    from . import batch

    max_chars = batch.DEFAULT_MAX_CHARS if args.max_chars is None else args.max_chars
    batch_size = batch.DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size
    top_k = 1 if args.top_k is None else args.top_k
    for flag, value in (("--top-k", top_k), ("--max-chars", max_chars), ("--batch-size", batch_size)):
        if value < 1:
            raise UsageError(f"{flag} must be at least 1")
    if args.jobs == 0:
        raise UsageError("--jobs must be at least 1 (or negative: CPUs to leave out, -1 for all)")
    if not args.inputs and sys.stdin is not None and sys.stdin.isatty():
        raise UsageError("no input: give files or folders, or pipe text in")
    for name in args.inputs:
        if name != "-" and not os.path.exists(name):
            raise UsageError(f"{name}: no such file or folder")
    if args.output not in (None, "-"):
        folder = os.path.dirname(args.output) or "."
        if not os.path.isdir(folder) or os.path.isdir(args.output):
            raise UsageError(f"{args.output}: cannot write there (no such folder, or a folder)")
    keep = [f.strip() for spec in args.keep_fields for f in spec.split(",") if f.strip()]
    try:
        records = batch.read_inputs(
            args.inputs or ["-"], format=args.input_format, glob=args.glob, encoding=args.encoding,
            text_field=args.text_field, id_field=args.id_field, keep_fields=keep, max_chars=max_chars)
    except LookupError:
        raise UsageError(f"unknown encoding {args.encoding!r}")
    except ValueError as exc:
        raise UsageError(str(exc))
    tagger = _load_model(args.model)
    try:
        thresholds = batch.parse_thresholds(args.threshold, tagger.classes_)
        if args.dask_scheduler:
            if args.jobs != 1:
                raise UsageError("--jobs and --dask-scheduler exclude each other: the cluster's workers do the work")
            batches = _tag_on_dask(args.dask_scheduler, tagger, records, batch_size=batch_size,
                                   thresholds=thresholds, top_k=args.top_k, max_chars=max_chars)
        else:
            batches = batch.tag_batches(tagger, records, batch_size=batch_size, n_jobs=args.jobs,
                                        thresholds=thresholds, top_k=args.top_k, max_chars=max_chars,
                                        max_wait=STREAM_WAIT if _reads_a_stream(args.inputs) else None)
        batch.make_writer(args.format, io.StringIO(), tagger.classes_, keep)
    except ValueError as exc:
        raise UsageError(str(exc))
    to_stdout = args.output in (None, "-")
    if to_stdout and (sys.stdout.encoding or "").lower() not in ("utf-8", "utf8") \
            and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    tally = batch.Tally()
    progress = batch.Progress(enabled=False if args.quiet or (to_stdout and sys.stdout.isatty()) else None)
    try:
        with batch.raise_on_sigterm(), _open_text_output(args.output) as out:
            writer = batch.make_writer(args.format, out, tagger.classes_, keep)
            for results in batches:
                writer.write(results)
                out.flush()
                failed = tally.failed
                tally.add(results)
                progress.update(len(results), tally.failed - failed)
    finally:
        progress.close()
    if not args.quiet:
        print(f"arclass tag: {tally.summary()}", file=sys.stderr)
    return EXIT_FAILED_RECORDS if tally.failed else EXIT_OK


def _tag_on_dask(address: str, tagger, records, **options):
    """Batches tagged on the Dask cluster at ``address``; a cluster problem is a usage error."""
    try:
        from .dask import ClusterError, tag_batches

        batches = tag_batches(address, tagger, records, **options)
    except ImportError as exc:
        raise UsageError(f"--dask-scheduler needs arclass[dask] (pip install 'arclass[dask]'): {exc}") from None
    except ClusterError as exc:
        raise UsageError(str(exc)) from None

    def checked():
        try:
            yield from batches
        except ClusterError as exc:
            raise UsageError(str(exc)) from None

    return checked()


# -- normalize ---------------------------------------------------------------


def _add_normalize(sub) -> None:
    p = sub.add_parser("normalize", help="normalize Arabic text, line for line",
                       description="Write each input line normalized (a Unix filter).")
    p.add_argument("files", nargs="*", metavar="FILE", help="input files (UTF-8); stdin when none or '-'")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout (atomically)")
    p.set_defaults(run=_run_normalize)


def _run_normalize(args) -> int:
    from .normalizer import normalize

    for name in args.files:
        if name != "-" and not os.path.isfile(name):
            raise UsageError(f"{name}: no such file")
    with _open_text_output(args.output) as out:
        for name in args.files or ["-"]:
            stream = sys.stdin.buffer if name == "-" else open(name, "rb")
            label = "<stdin>" if name == "-" else name
            try:
                for number, raw in enumerate(stream, 1):
                    try:
                        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                    except UnicodeDecodeError as exc:
                        raise UsageError(f"{label}:{number}: not valid UTF-8 ({exc.reason} at byte {exc.start})")
                    out.write(normalize(line.rstrip("\r\n")) + "\n")
            finally:
                if stream is not sys.stdin.buffer:
                    stream.close()
    return EXIT_OK


# -- train -------------------------------------------------------------------


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train a tagger on labeled JSON Lines",
                       description="Train a tagger; print its cross-validated scores.")
    p.add_argument("data", nargs="*", metavar="DATA.jsonl",
                   help='labeled JSON Lines: {"text": ..., "labels": [...]} per line')
    p.add_argument("--builtin", action="store_true",
                   help="also train on arclass's own labeled data (what the default model uses)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write")
    p.add_argument("--text-field", default="text")
    p.add_argument("--labels-field", default="labels")
    p.add_argument("--C", type=float, help="inverse regularization strength (default: TopicTagger's)")
    p.add_argument("--cv", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--analyzer", choices=("word", "char_wb"), default="word",
                   help="terms: words (default), or character n-grams inside words (more accurate "
                        "on unseen news, three to four times slower to tag)")
    p.add_argument("--ngram-min", type=int, default=None,
                   help="shortest n-gram, in words or characters (default 1 for words, 3 for characters)")
    p.add_argument("--ngram-max", type=int, default=None,
                   help="longest n-gram, in words or characters (default 1 for words, 5 for characters)")
    p.add_argument("--stem", action="store_true", help="light-stem words (off by default)")
    p.add_argument("--card", metavar="FILE.md", help="also write a model card (Markdown)")
    p.add_argument("--eval", metavar="DATA.jsonl", action="append", default=[],
                   help="labeled data to score the model on for the card (repeatable)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(run=_run_train)


def _read_data(paths: Sequence[str], builtin: bool, text_field: str = "text", labels_field: str = "labels"):
    from .datasets import LabeledDataError, load_builtin, read_labeled

    data = load_builtin() if builtin else None
    for path in paths:
        if not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
        try:
            part = read_labeled(path, text_field, labels_field)
        except (LabeledDataError, UnicodeDecodeError, OSError) as exc:
            raise UsageError(str(exc))
        data = part if data is None else data + part
    if data is None:
        raise UsageError("no training data: give DATA.jsonl files or --builtin")
    return data


def _run_train(args) -> int:
    from .tagger import TopicTagger
    from .vectorizer import ArabicTfidfVectorizer

    data = _read_data(args.data, args.builtin, args.text_field, args.labels_field)
    low, high = (1, 1) if args.analyzer == "word" else (3, 5)
    ngram_range = (low if args.ngram_min is None else args.ngram_min, high if args.ngram_max is None else args.ngram_max)
    vectorizer = ArabicTfidfVectorizer(analyzer=args.analyzer, stem=args.stem, ngram_range=ngram_range)
    tagger = TopicTagger(vectorizer=vectorizer, cv=args.cv)
    if args.C is not None:
        tagger.set_params(C=args.C)
    try:
        tagger.fit(data.texts, data.labels)
    except ValueError as exc:  # bad data or a bad option such as --ngram-min 3 --ngram-max 2
        raise UsageError(f"cannot train: {exc}")
    tagger.save(args.output)
    evaluations = {}
    for path in args.eval:
        held_out = _read_data([path], False)
        evaluations[path] = tagger.evaluate(held_out.texts, held_out.labels)
    if args.card:
        from .modelcard import write_card

        write_card(args.card, tagger, args.output, sources=_sources(args), evaluations=evaluations)
    if args.json:
        print(json.dumps({"cv_scores": tagger.cv_scores_, "evaluations": evaluations}, indent=1))
    else:
        print(f"trained on {len(data.texts)} documents; wrote {args.output}")
        print(f"cross-validated ({args.cv} folds), at the chosen thresholds:")
        print(format_scores(tagger.cv_scores_, tagger.classes_, tagger.thresholds_))
        for path, table in evaluations.items():
            print(f"\non {path}:")
            print(format_scores(table, tagger.classes_))
    return EXIT_OK


def _sources(args) -> list[str]:
    return (["arclass built-in data (arclass/data/seeds.jsonl, arclass/data/authored.jsonl)"]
            if args.builtin else []) + list(args.data)


def format_scores(table: dict, classes: Sequence[str], thresholds=None) -> str:
    """A plain-text table of per-label and averaged scores."""
    head = f"{'label':<12}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}"
    if thresholds is not None:
        head += f"{'threshold':>11}"
    lines = [head]
    for i, name in enumerate(list(classes) + ["micro", "macro"]):
        row = table[name]
        line = f"{name:<12}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>9d}"
        if thresholds is not None and i < len(classes):
            line += f"{thresholds[i]:>11.3f}"
        lines.append(line)
    return "\n".join(lines)


# -- evaluate ----------------------------------------------------------------


def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="score a model on labeled JSON Lines",
                       description="Per-label precision, recall, F1 and support; micro and macro averages.")
    p.add_argument("data", metavar="DATA.jsonl", help="labeled JSON Lines")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the bundled model)")
    p.add_argument("--text-field", default="text")
    p.add_argument("--labels-field", default="labels")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--report", metavar="OUT.html",
                   help="also write an HTML report: precision-recall curves, score histograms, "
                   "the worst mistakes (needs matplotlib: install arclass[report])")
    p.set_defaults(run=_run_evaluate)


def _load_model(path: str | None):
    from .tagger import ModelFileError, load

    try:
        return load(path)
    except ModelFileError as exc:
        raise UsageError(f"cannot load model: {exc}")


def _run_evaluate(args) -> int:
    if args.report:
        from .report import require_matplotlib

        try:
            require_matplotlib()
        except ImportError as exc:
            raise UsageError(str(exc))
    data = _read_data([args.data], False, args.text_field, args.labels_field)
    tagger = _load_model(args.model)
    table = tagger.evaluate(data.texts, data.labels)
    if args.json:
        print(json.dumps(table, indent=1))
    else:
        print(format_scores(table, tagger.classes_, tagger.thresholds_))
    if args.report:
        from .report import evaluation_report

        page = evaluation_report(tagger, data.texts, data.labels, data.ids, source=args.data, model=args.model)
        with _open_text_output(args.report) as out:
            out.write(page)
    return EXIT_OK


# -- explain -----------------------------------------------------------------


def _add_explain(sub) -> None:
    p = sub.add_parser("explain", help="show why a document gets its tags",
                       description="For each label: the score, the threshold, the decision, and the "
                       "terms of the document that pushed the score up or down the most.")
    p.add_argument("input", nargs="?", default="-", metavar="FILE",
                   help="the document (UTF-8, UTF-16 with BOM or Windows-1256); stdin when absent or '-'")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the bundled model)")
    p.add_argument("--label", action="append", metavar="L", help="explain only this label (repeatable)")
    p.add_argument("--top", type=int, default=10, metavar="N",
                   help="terms shown for and against each label (default 10)")
    p.add_argument("--html", metavar="OUT.html",
                   help="write a page with the document's words colored per label instead")
    p.add_argument("--json", action="store_true", help="print the explanations as JSON")
    p.set_defaults(run=_run_explain)


def _run_explain(args) -> int:
    from .batch import read_document
    from .explanation import TermMap, format_explanations

    if args.top < 0:
        raise UsageError("--top must be 0 or more")
    if args.input != "-" and (not os.path.exists(args.input) or os.path.isdir(args.input)):
        raise UsageError(f"{args.input}: no such file")
    record = read_document(args.input)
    if record.error:
        raise UsageError(f"{record.id}: {record.error}")
    if not record.text.strip():
        raise UsageError(f"{record.id}: empty text")
    tagger = _load_model(args.model)
    known = [str(c) for c in tagger.classes_]
    for label in args.label or []:
        if label not in known:
            raise UsageError(f"unknown label {label!r}; labels: {', '.join(known)}")
    if args.html:
        from .report import explanation_page

        page = explanation_page(tagger, record.text, labels=args.label, top=args.top, source=str(record.id))
        with _open_text_output(args.html) as out:
            out.write(page)
    everything = tagger.explain(record.text, top=args.top)
    tags = [str(e.label) for e in everything if e.tagged]
    explanations = [e for e in everything if args.label is None or str(e.label) in args.label]
    if (sys.stdout.encoding or "utf-8").lower().replace("-", "") != "utf8" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")  # Arabic terms would not encode otherwise
    if args.json:
        print(json.dumps([e.to_dict() for e in explanations], ensure_ascii=False, indent=1))
    elif not args.html:
        print(format_explanations(explanations, TermMap(tagger.vectorizer_, record.text), tags))
    return EXIT_OK


# -- info --------------------------------------------------------------------


def _add_info(sub) -> None:
    p = sub.add_parser("info", help="describe a model file")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the bundled model)")
    p.add_argument("--json", action="store_true", help="print the model's metadata as JSON")
    p.set_defaults(run=_run_info)


def _run_info(args) -> int:
    tagger = _load_model(args.model)
    meta = tagger.metadata_
    if args.json:
        print(json.dumps(meta, ensure_ascii=False, indent=1))
        return EXIT_OK
    training = meta.get("training", {})
    print(f"model:            {args.model or 'bundled default'}")
    print(f"format version:   {meta['format_version']} (written by arclass {meta.get('arclass_version')})")
    print(f"created:          {meta.get('created')}")
    print(f"labels:           {', '.join(tagger.classes_)}")
    print(f"features:         {tagger.n_features_in_} terms")
    print(f"training data:    {training.get('n_documents')} documents, sha256 {training.get('sha256')}")
    print(f"vectorizer:       {tagger.vectorizer_!r}")
    print("cross-validated scores:")
    print(format_scores(tagger.cv_scores_, tagger.classes_, tagger.thresholds_))
    return EXIT_OK


# -- main --------------------------------------------------------------------

_VERBS = [_add_tag, _add_normalize, _add_train, _add_evaluate, _add_explain, _add_info]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="arclass", description="Tag Arabic news with topics.")
    parser.add_argument("--version", action="version", version=f"arclass {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    sub.required = True
    for add in _VERBS:
        add(sub)
    parser.verbs = sub.choices  # verb -> its parser
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # name the verb whose options these are not
        parser.verbs[args.verb].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"arclass {args.verb}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"arclass {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
