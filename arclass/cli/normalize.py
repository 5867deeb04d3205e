"""``arclass normalize``: each input line normalized, a Unix filter."""

from __future__ import annotations

import sys

from .common import EXIT_FAILED_RECORDS, EXIT_OK, UsageError, add_input_args, check_inputs, check_outputs, text_output


def add(sub) -> None:
    p = sub.add_parser("normalize", help="normalize Arabic text, line for line",
                       description="Write each input line normalized (a Unix filter). Lines are decoded "
                       "as arclass tag decodes them (a BOM, UTF-8, Windows-1256); a line that cannot be "
                       "decoded is reported on stderr and written empty, so lines stay aligned.")
    add_input_args(p, records=False)
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout (atomically)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..io.decoding import check_encoding
    from ..io.readers import DEFAULT_MAX_CHARS
    from ..io.sources import decoded_lines, iter_files, source_name
    from ..text.normalizer import normalize

    try:
        check_encoding(args.encoding)
    except LookupError:
        raise UsageError(f"unknown encoding {args.encoding!r}") from None
    max_chars = DEFAULT_MAX_CHARS if args.max_chars is None else args.max_chars
    inputs = check_inputs(args.inputs)
    check_outputs(args.output)
    failed = 0
    with text_output(args.output) as out:
        for item in inputs:
            import os

            paths = [p for p, _ in iter_files(item, "*")] if item != "-" and os.path.isdir(item) else [item]
            for path in paths:
                for line in decoded_lines(path, args.encoding, 4 * max_chars + 4):
                    if line.fatal or line.error is not None:
                        failed += 1
                        print(f"arclass normalize: {source_name(path)}:{line.number}: {line.error}", file=sys.stderr)
                        if line.fatal:
                            break
                        out.write("\n")
                        continue
                    out.write(normalize(line.text) + "\n")
    return EXIT_FAILED_RECORDS if failed else EXIT_OK
