"""The bundled default model: where it is, and :func:`load`."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from .modelfile import ModelFileError
from .tagger import TopicTagger

__all__ = ["DEFAULT_MODEL", "default_model_path", "load"]

#: File name of the bundled model inside the ``arclass.models`` package.
DEFAULT_MODEL = "default.arclass"
#: The one command that rebuilds the bundled model and its card from the repository.
REBUILD = ("arclass train --builtin -o models/default.arclass --card models/MODEL_CARD.md "
           "--eval ../shared/eval/dev.jsonl --eval ../shared/eval/dev2.jsonl")


def default_model_path() -> Path:
    """Where the bundled model is: in the installed package ``arclass.models``,
    or in ``models/`` beside the package when running from a source checkout."""
    # find_spec, not importlib.resources: it costs no imports, and the model
    # is a plain file beside the package either way.
    spec = importlib.util.find_spec("arclass.models")
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations)))
    else:
        folder = Path(__file__).resolve().parents[2] / "models"
    return folder / DEFAULT_MODEL


def load(path: str | os.PathLike | None = None) -> TopicTagger:
    """Load a saved tagger, or the bundled default model when ``path`` is None."""
    if path is not None:
        return TopicTagger.load(path)
    bundled = default_model_path()
    if not bundled.is_file():
        raise ModelFileError(f"the bundled model is missing ({bundled}); rebuild it with `{REBUILD}`")
    return TopicTagger.load(bundled)
