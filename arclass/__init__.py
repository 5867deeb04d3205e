"""arclass: tag Arabic news with topics (security, oil, diplomacy)."""

__version__ = "0.1.0"

from .normalizer import Normalizer, normalize
from .tokenizer import Tokenizer, tokenize

__all__ = ["Normalizer", "normalize", "Tokenizer", "tokenize", "__version__"]
