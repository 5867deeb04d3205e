"""The text stage: Arabic normalization, tokenization, n-grams and raw pieces.

The bottom of the flow: imports nothing else from arclass.
"""

from .normalizer import Normalizer, normalize
from .tokenizer import Tokenizer, light_stem, tokenize

__all__ = ["Normalizer", "normalize", "Tokenizer", "tokenize", "light_stem"]
