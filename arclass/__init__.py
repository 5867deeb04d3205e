"""arclass: tag Arabic news with topics (security, oil, diplomacy).

>>> import arclass
>>> tagger = arclass.load()                      # the bundled model
>>> tagger.tag("ارتفعت أسعار النفط بعد قرار أوبك")
['oil']

Importing arclass and tagging with a saved model use numpy only;
scikit-learn is imported when a model is trained.
"""

from ._version import __version__
from .normalizer import Normalizer, normalize
from .tokenizer import Tokenizer, tokenize
from .vectorizer import ArabicTfidfVectorizer
from .tagger import ModelFileError, TopicTagger, load

__all__ = [
    "Normalizer",
    "normalize",
    "Tokenizer",
    "tokenize",
    "ArabicTfidfVectorizer",
    "TopicTagger",
    "ModelFileError",
    "load",
    "__version__",
]
