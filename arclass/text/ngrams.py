"""N-grams of tokens: word n-grams, and character n-grams inside words."""

from __future__ import annotations

from .tokenizer import Tokenizer

__all__ = ["word_ngrams", "char_wb_ngrams", "Analyzer"]


def word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """Runs of ``min_n`` to ``max_n`` consecutive tokens, joined by a space."""
    low, high = ngram_range
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams += map(" ".join, zip(*(tokens[i:] for i in range(n))))
    return grams


def char_wb_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams of each token padded with a space at both ends (never across words)."""
    low, high = ngram_range
    grams: list[str] = []
    for token in tokens:
        word = f" {token} "
        for n in range(low, high + 1):
            grams += [word[i : i + n] for i in range(len(word) - n + 1)]
    return grams


class Analyzer:
    """Tokenize, then expand into n-grams (a class so that it pickles)."""

    def __init__(self, tokenizer: Tokenizer, expand, ngram_range: tuple[int, int]):
        self.tokenizer = tokenizer
        self.expand = expand
        self.ngram_range = ngram_range

    def __call__(self, doc: str) -> list[str]:
        return self.expand(self.tokenizer(doc), self.ngram_range)
