"""Peer models trained on the same labeled data as arclass, for side-by-side runs."""

from __future__ import annotations

import os
import tempfile


def pyarabic_chain():
    """PyArabic's normalize and tokenize functions chained: text -> list of words."""
    from pyarabic import araby

    def run(text: str) -> list[str]:
        text = araby.strip_tashkeel(text)
        text = araby.strip_tatweel(text)
        text = araby.normalize_hamza(text)
        text = araby.normalize_ligature(text)
        return araby.tokenize(text)

    return run


def fasttext_line(text: str) -> str:
    """One text as one fastText input line (its words joined by single spaces)."""
    return " ".join(text.split())


def train_fasttext(texts: list[str], label_lists: list[list[str]]):
    """fastText supervised, one-vs-all loss, on ``texts`` (``None`` if fastText is not installed)."""
    try:
        import fasttext
    except ImportError:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        for text, labels in zip(texts, label_lists):
            tags = " ".join(f"__label__{label}" for label in labels) or "__label__none"
            f.write(f"{tags} {fasttext_line(text)}\n")
        path = f.name
    try:
        return fasttext.train_supervised(
            path, loss="ova", epoch=25, lr=0.5, wordNgrams=2, minCount=1, verbose=0, thread=2
        )
    finally:
        os.unlink(path)
