"""The model stage: TF-IDF features, the multi-label tagger, scores and model files.

Built on the text stage (and the atomic writer of io). Tagging with a saved
model needs numpy only; scikit-learn is imported to fit and to score.
"""

from .bundled import default_model_path, load
from .modelfile import ModelFileError
from .tagger import TopicTagger
from .vectorizer import ArabicTfidfVectorizer

__all__ = ["ArabicTfidfVectorizer", "TopicTagger", "ModelFileError", "load", "default_model_path"]
