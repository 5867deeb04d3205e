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

#: Where each public name lives. Imported on first use (PEP 562), so that
#: ``arclass.cli`` can set up the process (one BLAS thread) before numpy loads.
_PUBLIC = {
    "Normalizer": "text.normalizer",
    "normalize": "text.normalizer",
    "Tokenizer": "text.tokenizer",
    "tokenize": "text.tokenizer",
    "ArabicTfidfVectorizer": "model.vectorizer",
    "TopicTagger": "model.tagger",
    "ModelFileError": "model.modelfile",
    "load": "model.bundled",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        from importlib import import_module

        value = getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'arclass' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
