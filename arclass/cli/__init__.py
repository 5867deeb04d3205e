"""The cli stage, on top of all the others: ``arclass VERB``, one small module per verb."""

from .main import build_parser, main

__all__ = ["main", "build_parser"]
