"""The io stage: decoding, sources, readers, writers, atomic outputs, labeled data.

The bottom of the flow beside :mod:`arclass.text`: imports nothing else from arclass.
"""

from .readers import INPUT_FORMATS, Record, read_inputs
from .writers import OUTPUT_FORMATS, make_writer

__all__ = ["Record", "read_inputs", "make_writer", "INPUT_FORMATS", "OUTPUT_FORMATS"]
