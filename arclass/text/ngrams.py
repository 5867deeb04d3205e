"""N-grams of tokens: word n-grams, and character n-grams inside words."""

from __future__ import annotations

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
    grams: list[str] = []
    for token in tokens:
        word = f" {token} "
        for n in range(low, high + 1):
            grams += [word[i : i + n] for i in range(len(word) - n + 1)]
    return grams


def word_term(token: str) -> str:
    """A whole word as a term beside character n-grams: ``[word]`` (brackets never occur in tokens)."""
    return f"[{token}]"


def words_and_char_wb_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """Each token as a whole word (:func:`word_term`), then the character n-grams of each."""
    grams = [word_term(t) for t in tokens]
    grams += char_wb_ngrams(tokens, ngram_range)
    return grams


#: The expansions whose terms each come from one token: they can be cached per raw piece.
PER_WORD = (char_wb_ngrams, words_and_char_wb_ngrams)


class Analyzer:
    """Tokenize, then expand into n-grams (a class so that it pickles)."""

    def __init__(self, tokenizer: Tokenizer, expand, ngram_range: tuple[int, int]):
        self.tokenizer = tokenizer
        self.expand = expand
        self.ngram_range = ngram_range

    def __call__(self, doc: str) -> list[str]:
        return self.expand(self.tokenizer(doc), self.ngram_range)

    def expand_tokens(self, tokens) -> list[str]:
        """The terms of some tokens."""
        return self.expand(list(tokens), self.ngram_range)
