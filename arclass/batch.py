"""Batch tagging, as one import: readers, tagging and writers (re-exported from their stages).

>>> from arclass.batch import read_inputs, tag_records, tag_batch, Record, make_writer
"""

from .io.decoding import DecodeError, decode_bytes
from .io.inputs import read_batches, read_file, read_inputs
from .io.readers import DEFAULT_MAX_CHARS, INPUT_FORMATS, Record, read_csv, read_document, read_jsonl, read_lines
from .io.sources import detect_format, iter_files
from .io.writers import OUTPUT_FORMATS, make_formatter, make_writer
from .tagging.local import WorkerError, tag_batches, tag_formatted, tag_records
from .tagging.options import DEFAULT_BATCH_SIZE, TagOptions, parse_thresholds
from .tagging.results import RESULT_KEYS, tag_batch

__all__ = [
    "Record", "DecodeError", "RESULT_KEYS", "INPUT_FORMATS", "OUTPUT_FORMATS", "DEFAULT_MAX_CHARS",
    "DEFAULT_BATCH_SIZE", "decode_bytes", "detect_format", "iter_files", "read_inputs", "read_batches", "read_file",
    "read_document", "read_lines", "read_jsonl", "read_csv", "parse_thresholds", "TagOptions",
    "tag_batch", "tag_batches", "tag_records", "tag_formatted", "make_writer", "make_formatter", "WorkerError",
]
