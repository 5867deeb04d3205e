"""A model card (Markdown) for a trained tagger."""

from __future__ import annotations

import os
import platform
from typing import Sequence

from ._version import __version__
from .modelfile import atomic_writer


def _table(table: dict, classes: Sequence[str], thresholds=None) -> list[str]:
    head = "| label | precision | recall | F1 | support |" + (" threshold |" if thresholds is not None else "")
    rule = "|---|---:|---:|---:|---:|" + ("---:|" if thresholds is not None else "")
    rows = [head, rule]
    for i, name in enumerate(list(classes) + ["micro", "macro"]):
        r = table[name]
        row = f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |"
        if thresholds is not None:
            row += f" {thresholds[i]:.3f} |" if i < len(classes) else " |"
        rows.append(row)
    return rows


def write_card(path, tagger, model_path, sources: Sequence[str], evaluations: dict) -> None:
    """Write ``path``: training data, labels, thresholds and scores of ``tagger``."""
    training = tagger.training_
    lines = [
        f"# Model card: {os.path.basename(model_path)}",
        "",
        "Multi-label topic tagger for Arabic news: word TF-IDF over normalized Arabic "
        "(`arclass.ArabicTfidfVectorizer`) and one logistic regression per label, with a "
        "probability threshold per label chosen by cross-validation; a document may get "
        "any number of labels, or none.",
        "",
        "Rebuild it from the repository with:",
        "",
        "```",
        "arclass train --builtin -o models/default.arclass --card models/MODEL_CARD.md "
        "--eval ../shared/eval/dev.jsonl",
        "```",
        "",
        "## Training data",
        "",
        *[f"- {s}" for s in sources],
        f"- {training['n_documents']} documents; label counts: "
        + ", ".join(f"{k} {v}" for k, v in training["label_counts"].items())
        + f"; no label: {training['no_label']}",
        f"- SHA-256 of texts and labels: `{training['sha256']}`",
        "- Labels follow the project's labeling guide (security, oil, diplomacy; a topic is "
        "tagged when it is a substantial part of the document).",
        "",
        "## Model",
        "",
        f"- arclass {getattr(tagger, 'metadata_', {}).get('arclass_version', __version__)}",
        f"- vectorizer: `{tagger.vectorizer_!r}`, {tagger.n_features_in_} terms",
        f"- tagger: `{tagger!r}`",
        f"- trained with Python {platform.python_version()}",
        *(["- words, not character n-grams: a model trained with `arclass train --analyzer char_wb` "
            "scores higher on held-out news but tags three to four times slower (see `benchmarks/README.md`)"]
          if tagger.vectorizer_.analyzer == "word" else []),
        "",
        f"## Cross-validated scores ({tagger.cv} folds, on the training data)",
        "",
        "Out-of-fold predictions at the chosen thresholds (the thresholds were chosen on these "
        "same predictions, so the figures are slightly optimistic).",
        "",
        *_table(tagger.cv_scores_, tagger.classes_, tagger.thresholds_),
        "",
    ]
    for data_path, table in evaluations.items():
        lines += [
            f"## Held-out evaluation: `{data_path}`",
            "",
            "Never used for training. Scores at the model's thresholds:",
            "",
            *_table(table, tagger.classes_),
            "",
        ]
    with atomic_writer(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
