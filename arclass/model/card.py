"""A model card (Markdown) for a trained tagger: what it was trained on, how, and how it scores."""

from __future__ import annotations

import os
import platform
from typing import Sequence

from .._version import __version__
from ..io.atomic import atomic_writer
from .metrics import render_scores

__all__ = ["write_card", "card_text"]


def card_text(tagger, model_path, *, sources: Sequence[str], evaluations: dict, command: str | None = None,
              builtin: bool = False, notes: Sequence[str] = ()) -> str:
    """The card of ``tagger``: training data, settings, thresholds and scores.

    ``command`` is how the model was built (shown so that it can be built
    again); ``builtin`` says the training data includes arclass's own
    labeled sets, labeled by the project's guide; ``notes`` are extra lines.
    """
    training = tagger.training_
    vectorizer = tagger.vectorizer_
    terms = "word" if vectorizer.analyzer == "word" else "character n-gram (within words)"
    lines = [
        f"# Model card: {os.path.basename(model_path)}",
        "",
        f"Multi-label topic tagger for Arabic text: {terms} TF-IDF over normalized Arabic "
        "(`arclass.ArabicTfidfVectorizer`) and one logistic regression per label, with a "
        "probability threshold per label chosen by cross-validation; a document may get "
        "any number of labels, or none.",
        "",
    ]
    if command:
        lines += ["Built with:", "", "```", command, "```", ""]
    lines += [
        "## Training data",
        "",
        *[f"- {s}" for s in sources],
        f"- {training['n_documents']} documents; label counts: "
        + ", ".join(f"{k} {v}" for k, v in training["label_counts"].items())
        + f"; no label: {training['no_label']}",
        f"- SHA-256 of texts and labels: `{training['sha256']}`",
    ]
    if builtin:
        lines.append("- arclass's labels follow the project's labeling guide (security, oil, diplomacy; "
                     "a topic is tagged when it is a substantial part of the document).")
    lines += [
        "",
        "## Model",
        "",
        f"- arclass {getattr(tagger, 'metadata_', {}).get('arclass_version', __version__)}",
        f"- vectorizer: `{vectorizer!r}`, {tagger.n_features_in_} terms",
        f"- tagger: `{tagger!r}`",
        f"- trained with Python {platform.python_version()}",
        *[f"- {note}" for note in notes],
        "",
        f"## Cross-validated scores ({tagger.cv} folds, on the training data)",
        "",
        "Out-of-fold predictions at the chosen thresholds (the thresholds were chosen on these "
        "same predictions, so the figures are slightly optimistic).",
        "",
        render_scores(tagger.cv_scores_, tagger.classes_, tagger.thresholds_, style="markdown"),
        "",
    ]
    for data_path, table in evaluations.items():
        lines += [
            f"## Held-out evaluation: `{data_path}`",
            "",
            "Never used for training. Scores at the model's thresholds:",
            "",
            render_scores(table, tagger.classes_, style="markdown"),
            "",
        ]
    return "\n".join(lines)


def write_card(path, tagger, model_path, **kwargs) -> None:
    """Write :func:`card_text` to ``path`` atomically."""
    text = card_text(tagger, model_path, **kwargs)
    with atomic_writer(path, "w", encoding="utf-8") as f:
        f.write(text)
