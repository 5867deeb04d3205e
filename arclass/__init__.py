"""arclass: tag Arabic news with topics (security, oil, diplomacy).

>>> import arclass
>>> tagger = arclass.load()                      # the bundled model
>>> tagger.tag("ارتفعت أسعار النفط بعد قرار أوبك")
['oil']

The stages, each a subpackage importing only from those below it:
:mod:`arclass.text` and :mod:`arclass.io` at the bottom, :mod:`arclass.model`
on text, :mod:`arclass.tagging` on model and io, :mod:`arclass.explain` on
model, :mod:`arclass.cli` on top. Importing arclass and tagging with a saved
model use numpy only; scikit-learn is imported when a model is trained.
"""

from ._version import __version__
from .model.bundled import load
from .model.modelfile import ModelFileError
from .model.tagger import TopicTagger
from .model.vectorizer import ArabicTfidfVectorizer
from .text.normalizer import Normalizer, normalize
from .text.tokenizer import Tokenizer, tokenize

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
