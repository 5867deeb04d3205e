"""Arabic word tokenization on top of :mod:`arclass.text.normalizer`.

A :class:`Tokenizer` turns raw text into the words a topic model counts:
normalized Arabic words (one-letter words included), lowercased Latin words,
numbers (kept, replaced by one placeholder, or dropped), hashtags split on
their underscores; URLs, e-mail addresses, phone numbers and punctuation are
dropped. Optional light stemming and stop-word removal work per distinct
token through a cache, so a repeated word costs one dict lookup. The
vectorizer's fast path (:mod:`arclass.model.counting`) uses the same folding
(:meth:`Tokenizer.fold_lines`) to map raw pieces straight to columns.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Iterable

import numpy as np

from .arabic import (
    ARABIC_LETTERS, FIRST_ARABIC_LETTER, LAST_ARABIC_LETTER, EMAIL, NUMBER_TOKEN, PHONE,
    PHONE_DIGITS, PREFIXES, SUFFIXES, URL,
)
from .normalizer import Normalizer

__all__ = ["Tokenizer", "tokenize", "light_stem", "drop_noise", "NUMBER_TOKEN"]

_URL = re.compile(URL)
_EMAIL = re.compile(EMAIL)
_PHONE = re.compile(PHONE)
_PHONE_MIN, _PHONE_MAX = PHONE_DIGITS


def drop_noise(text: str) -> str:
    """Blank URLs, e-mail addresses and international phone numbers."""
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if "+" in text:
        text = _PHONE.sub(" ", text)
    return text


_EDGE_PUNCTUATION = re.compile(r"(?m)^[^\w\n]+|[^\w\n]+$")
#: A word of normalized text: a run of letters, or a run of digits.
_WORD = re.compile(r"\d+|[^\W\d_]+")


#: Distinct raw tokens remembered by a tokenizer's cache.
CACHE_SIZE = 500_000

#: Letters of the Arabic alphabet: only words made of them are stemmed.
_ARABIC_WORD = re.compile(f"[{ARABIC_LETTERS}]+").fullmatch


def _by_length(affixes: tuple[str, ...]) -> tuple[tuple[int, frozenset[str]], ...]:
    lengths = sorted({len(a) for a in affixes}, reverse=True)
    return tuple((n, frozenset(a for a in affixes if len(a) == n)) for n in lengths)


_PREFIX_SETS = _by_length(PREFIXES)
_SUFFIX_SETS = _by_length(SUFFIXES)


def light_stem(word: str, min_stem: int = 2) -> str:
    """Strip one proclitic group and one suffix from a normalized Arabic word.

    The longest matching prefix goes first, then the longest matching
    suffix; never leaves fewer than ``min_stem`` letters. The one-letter conjunctions
    and prepositions are stripped only when ``min_stem + 2`` letters follow,
    and a suffix only when three letters remain, since ``و`` ``ف`` ``ب``
    ``ك`` ``ل`` also begin many stems and short words end in suffix letters.
    """
    if not _ARABIC_WORD(word):
        return word
    for n, prefixes in _PREFIX_SETS:
        if word[:n] in prefixes and len(word) - n >= min_stem + (2 if n == 1 else 0):
            word = word[n:]
            break
    shortest = max(min_stem, 3)
    for n, suffixes in _SUFFIX_SETS:
        if word[-n:] in suffixes and len(word) - n >= shortest:
            return word[:-n]
    return word


def _line_stemmer(min_stem: int):
    """:func:`light_stem` applied to every line that is one Arabic word.

    Two ``re.sub`` passes over many words joined by newlines do what a
    Python call per word would, which matters when a batch brings hundreds
    of thousands of new words.
    """
    letter = f"[{ARABIC_LETTERS}]"
    prefixes = "|".join(
        f"(?:{'|'.join(sorted(group))})(?={letter}{{{min_stem + (2 if n == 1 else 0)},}}$)"
        for n, group in _PREFIX_SETS
    )
    prefix = re.compile(f"(?m)^(?:{prefixes})")
    # On a line of letters, the leftmost match is the longest suffix that
    # leaves enough letters (the lookbehind cannot cross a newline). A plain
    # deletion: a replacement template costs a Python call per match.
    suffix = re.compile(f"(?m)(?<={letter}{{{max(min_stem, 3)}}})(?:{'|'.join(SUFFIXES)})$")

    def stem_lines(text: str) -> str:
        return suffix.sub("", prefix.sub("", text))

    return stem_lines


class _TermCache(dict):
    """Maps a raw token (as found in the text) to its tuple of terms.

    This is where the per-character work happens, once per distinct raw
    token: normalization, case folding, word splitting, numbers, stop words
    and stemming. Later occurrences cost one dict lookup. When full, it
    starts again empty, which bounds memory on endless streams.
    """

    def __init__(self, terms_of):
        super().__init__()
        self.terms_of = terms_of

    def __missing__(self, raw: str) -> tuple[str, ...]:
        terms = self.terms_of(raw)
        if len(self) >= CACHE_SIZE:
            self.clear()
        self[raw] = terms
        return terms


def _single_arabic_words(folded: str, n_lines: int) -> np.ndarray:
    """Which of the ``n_lines`` lines of ``folded`` are one word of Arabic letters."""
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    newline = codes == ord("\n")
    line = np.cumsum(newline)
    other = ((codes < FIRST_ARABIC_LETTER) | (codes > LAST_ARABIC_LETTER)) & ~newline
    words = np.ones(n_lines, dtype=bool)
    words[line[other]] = False
    bounds = np.concatenate(([-1], np.flatnonzero(newline), [len(codes)]))
    words &= np.diff(bounds) > 1
    return words


def _load_stop_words(stop_words, normalizer: Normalizer) -> frozenset[str]:
    if stop_words is None:
        return frozenset()
    if stop_words == "arabic":
        try:
            from arabicstopwords.arabicstopwords import stopwords_list
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "stop_words='arabic' needs the arabic-stopwords package: "
                "pip install arabic-stopwords"
            ) from exc
        words: Iterable[str] = stopwords_list()
    elif isinstance(stop_words, str):
        raise ValueError(f"unknown stop word list {stop_words!r}; use 'arabic' or a list")
    else:
        words = stop_words
    return frozenset(
        w for word in words for w in _WORD.findall(normalizer(str(word)).casefold())
    )


class Tokenizer:
    """Split text into normalized words.

    Parameters
    ----------
    normalizer : Normalizer or None, default=None
        The normalization applied first; ``None`` means ``Normalizer()``.
    numbers : {"keep", "placeholder", "drop"}, default="keep"
        What becomes of numbers: kept as written (after digit folding),
        each replaced by :data:`NUMBER_TOKEN`, or dropped.
    lowercase : bool, default=True
        Lowercase Latin letters.
    stem : bool, default=False
        Apply :func:`light_stem` to Arabic words.
    min_stem : int, default=2
        Shortest stem the light stemmer may leave.
    stop_words : "arabic", list of str or None, default=None
        Words to drop: ``"arabic"`` is the list of the arabic-stopwords
        package (inflected forms included); a list is taken as given
        (normalized like the text).
    """

    def __init__(
        self,
        normalizer: Normalizer | None = None,
        *,
        numbers: str = "keep",
        lowercase: bool = True,
        stem: bool = False,
        min_stem: int = 2,
        stop_words=None,
    ) -> None:
        if numbers not in ("keep", "placeholder", "drop"):
            raise ValueError(f"numbers must be 'keep', 'placeholder' or 'drop', not {numbers!r}")
        self.normalizer = normalizer
        self.numbers = numbers
        self.lowercase = lowercase
        self.stem = stem
        self.min_stem = min_stem
        self.stop_words = stop_words
        self._compile()

    def _compile(self) -> None:
        self._normalizer = self.normalizer or Normalizer()
        self._stop = _load_stop_words(self.stop_words, self._normalizer)
        self._cache = _TermCache(self.terms_of_raw)
        self._stem_lines = _line_stemmer(self.min_stem) if self.stem else None

    def _fold(self, text: str) -> str:
        text = self._normalizer.fold(text)
        return text.casefold() if self.lowercase else text

    def _word_terms(self, word: str) -> tuple[str, ...]:
        """Numbers, stop words and stemming for one word of normalized text."""
        if word.isdecimal():
            if word[0] == "0" and _PHONE_MIN <= len(word) <= _PHONE_MAX:
                return ()  # a phone number: 0551234567, 00966112345678
            if self.numbers == "keep":
                return (word,)
            return (NUMBER_TOKEN,) if self.numbers == "placeholder" else ()
        if word in self._stop:
            return ()
        return (light_stem(word, self.min_stem) if self.stem else word,)

    def terms_of_folded(self, folded: str) -> tuple[str, ...]:
        """The terms of one folded piece (see :meth:`fold_pieces`)."""
        words = _WORD.findall(folded)
        if len(words) == 1:
            return self._word_terms(words[0])
        return tuple(t for word in words for t in self._word_terms(word))

    def terms_of_raw(self, raw: str) -> tuple[str, ...]:
        """The terms of one raw token (usually one; none for a stop word)."""
        return self.terms_of_folded(self._fold(raw))

    def fold_pieces(self, joined: str, n: int) -> tuple[list[str], list[str], np.ndarray]:
        """Fold ``n`` raw pieces joined by newlines, all in one pass.

        Returns the folded lines, their stems and ``plain``: which lines are
        one Arabic word that is not a stop word, whose only term is its stem
        (the usual case, found by numpy). Other lines need
        :meth:`terms_of_folded`. Without stemming, stems are the lines.
        """
        # Punctuation around a word is not part of it: "(واس)" -> "واس".
        folded = _EDGE_PUNCTUATION.sub("", self._fold(joined))
        lines = folded.split("\n")
        stems = self._stem_lines(folded).split("\n") if self.stem else lines
        plain = _single_arabic_words(folded, n)
        if self._stop:
            plain &= ~np.fromiter(map(self._stop.__contains__, lines), dtype=bool, count=n)
        return lines, stems, plain

    @property
    def stop_word_set(self) -> frozenset[str]:
        """The stop words as normalized terms (empty without ``stop_words``)."""
        return self._stop

    def terms_of_many(self, raws: list[str]) -> list[tuple[str, ...]]:
        """:meth:`terms_of_raw` of each raw token, folding them all in one call."""
        if not raws:
            return []
        lines, stems, plain = self.fold_pieces("\n".join(raws), len(raws))
        terms_of = self.terms_of_folded
        return [(stem,) if simple else terms_of(line) for line, stem, simple in zip(lines, stems, plain.tolist())]

    def raw_tokens(self, text: str) -> list[str]:
        """The whitespace-separated pieces of ``text``, noise dropped.

        Normalization acts on each piece alone (it never creates or removes
        whitespace between words), so a piece's terms can be cached.
        """
        return drop_noise(text).split()

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compile()

    def __repr__(self) -> str:
        defaults = {"normalizer": None, "numbers": "keep", "lowercase": True,
                    "stem": False, "min_stem": 2, "stop_words": None}
        changed = [f"{k}={v!r}" for k, v in self.__getstate__().items() if defaults.get(k) != v]
        return f"Tokenizer({', '.join(changed)})"

    def __call__(self, text: str) -> list[str]:
        pieces = self.raw_tokens(text)
        cache = self._cache
        terms = list(map(cache.get, pieces))
        if None in terms:
            # Learn the new pieces with one normalizer call, then look again.
            new = [p for p, t in zip(pieces, terms) if t is None]
            for piece, piece_terms in zip(new, self.terms_of_many(new)):
                cache[piece] = piece_terms
            if len(cache) > CACHE_SIZE:
                cache.clear()
            terms = list(map(cache.__getitem__, pieces))
        return list(chain.from_iterable(terms))

    def reference(self, text: str) -> list[str]:
        """The straightforward path: normalize the whole text, then split it.

        Gives the same tokens as calling the tokenizer, which normalizes each
        distinct raw piece once instead; kept to test that promise.
        """
        text = self._normalizer(drop_noise(text))
        if self.lowercase:
            text = text.casefold()
        return [t for word in _WORD.findall(text) for t in self._word_terms(word)]


_DEFAULT = Tokenizer()


def tokenize(text: str) -> list[str]:
    """Tokenize ``text`` with the default :class:`Tokenizer`."""
    return _DEFAULT(text)
