"""The explain stage: which words drove each tag, in a terminal or as HTML pages.

Built on the model stage only. :mod:`~arclass.explain.terms` (numpy only),
:mod:`~arclass.explain.page` (the explanation page),
:mod:`~arclass.explain.report` (the evaluation report, needs matplotlib).
"""

from .terms import LabelExplanation, TermMap, explain, format_explanations

__all__ = ["LabelExplanation", "TermMap", "explain", "format_explanations"]
