"""N-grams of tokens: word n-grams, and character n-grams inside words."""

from __future__ import annotations

from itertools import chain

import numpy as np

from .tokenizer import Tokenizer

__all__ = ["word_ngrams", "char_wb_ngrams", "words_and_char_wb_ngrams", "word_term", "Analyzer", "PER_WORD"]


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
    sizes = range(low, high + 1)
    return [word[i : i + n] for word in [f" {t} " for t in tokens] for n in sizes for i in range(len(word) - n + 1)]


def word_term(token: str) -> str:
    """A whole word as a term beside character n-grams: ``[word]`` (brackets never occur in tokens)."""
    return f"[{token}]"


def words_and_char_wb_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """Each token as a whole word (:func:`word_term`), followed by its character n-grams."""
    grams: list[str] = []
    for token in tokens:
        grams.append(word_term(token))
        grams += char_wb_ngrams((token,), ngram_range)
    return grams


def _char_wb_counts(lengths: np.ndarray, ngram_range: tuple[int, int]) -> np.ndarray:
    """How many terms :func:`char_wb_ngrams` makes of tokens of these lengths."""
    low, high = ngram_range
    return sum(np.maximum(lengths + 3 - n, 0) for n in range(low, high + 1))


#: The expansions whose terms each come from one token, token after token (so
#: they can be cached per raw piece), and how many terms a token of each length makes.
PER_WORD = {
    char_wb_ngrams: _char_wb_counts,
    words_and_char_wb_ngrams: lambda lengths, ngram_range: _char_wb_counts(lengths, ngram_range) + 1,
}


class Analyzer:
    """Tokenize, then expand into n-grams (a class so that it pickles)."""

    def __init__(self, tokenizer: Tokenizer, expand, ngram_range: tuple[int, int]):
        self.tokenizer = tokenizer
        self.expand = expand
        self.ngram_range = ngram_range

    def __call__(self, doc: str) -> list[str]:
        return self.expand(self.tokenizer(doc), self.ngram_range)

    def expand_many(self, token_lists: list) -> tuple[list[str], np.ndarray]:
        """The terms of each of many lists of tokens, end to end, and how many each has
        (for a :data:`PER_WORD` expansion: one call for all the tokens)."""
        tokens = list(chain.from_iterable(token_lists))
        per_list = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
        per_token = PER_WORD[self.expand](np.fromiter(map(len, tokens), np.int64, len(tokens)), self.ngram_range)
        which = np.repeat(np.arange(len(token_lists)), per_list)
        lengths = np.bincount(which, weights=per_token, minlength=len(token_lists)).astype(np.int64)
        return self.expand(tokens, self.ngram_range), lengths
