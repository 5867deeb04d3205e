"""Arabic word tokenization on top of :mod:`arclass.normalizer`.

A :class:`Tokenizer` turns raw text into the words a topic model counts:
normalized Arabic words (one-letter words included), lowercased Latin words,
numbers (kept, replaced by one placeholder, or dropped), hashtags split on
their underscores; URLs, e-mail addresses, phone numbers and punctuation are
dropped. Optional light stemming and stop-word removal work per distinct
token through a cache, so a repeated word costs one dict lookup.
:meth:`Tokenizer.tokenize_many` gives the same tokens for many texts at once
without making a string of each raw word (see :mod:`arclass.pieces`).
"""

from __future__ import annotations

import re
import threading
from itertools import chain, compress
from typing import Iterable

import numpy as np

from .normalizer import Normalizer
from .pieces import _exclusive_cumsum, _grown, _Pieces, _PieceTable, _ranges, _text_batches

__all__ = ["Tokenizer", "tokenize", "light_stem", "drop_noise", "NUMBER_TOKEN"]

#: The token every number becomes with ``numbers="placeholder"``.
NUMBER_TOKEN = "0"

# Dropped from the text as written, before anything else: they carry no
# topic and would leave fragments. Each is tried only when a cheap substring
# test says it may be present.
_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International numbers (+966 11 234 5678); local ones (0551234567,
# 00966...) are single words, dropped by _word_terms.
_PHONE = re.compile(r"(?<![\w+])\+\d(?:[ \-]?\d){7,14}(?![\w.,])")
_PHONE_MIN, _PHONE_MAX = 9, 15


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


#: Proclitics stripped by the light stemmer, longest first.
PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ك", "ل")
#: Frequent suffixes (after normalization: teh marbuta is heh), longest first.
SUFFIXES = (
    "هما", "كما", "تين", "تان", "ات", "ون", "ين", "ان", "ها", "هم", "هن",
    "كم", "نا", "يه", "يا", "ه", "ي",
)
#: Distinct raw tokens remembered by a tokenizer's cache.
CACHE_SIZE = 500_000

#: Letters of the Arabic alphabet: only words made of them are stemmed.
_ARABIC_WORD = re.compile(r"[\u0621-\u064a]+").fullmatch


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
    letter = "[\u0621-\u064a]"
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
    other = ((codes < 0x0621) | (codes > 0x064A)) & ~newline
    words = np.ones(n_lines, dtype=bool)
    words[line[other]] = False
    bounds = np.concatenate(([-1], np.flatnonzero(newline), [len(codes)]))
    words &= np.diff(bounds) > 1
    return words


#: Code points per batch of :meth:`Tokenizer.tokenize_many` (a longer text is a batch).
_BATCH_CHARS = 1 << 20


class _PieceTerms:
    """The cache of :meth:`Tokenizer.tokenize_many`: raw pieces to terms, by code points.

    ``table`` (a :class:`~arclass.pieces._PieceTable`) gives each distinct
    raw piece the span of its terms in ``terms``: str objects made once (and
    shared by equal terms), so the tokens of a batch are gathered by numpy
    instead of built from its characters. ``learn(joined, n)`` gives the
    terms of ``n`` raw pieces joined by newlines, flat, and how many each
    has. When it holds :data:`CACHE_SIZE` pieces, it starts again empty.
    Not thread-safe: the tokenizer holds a lock around it.
    """

    def __init__(self, learn) -> None:
        self.learn = learn
        self.table = _PieceTable(width=2)
        self.clear()

    def clear(self) -> None:
        self.table.clear()
        self.n_terms = 0
        self.terms = np.empty(1 << 14, dtype=object)
        self.shared: dict[str, str] = {}

    def _store(self, joined: str, n: int, store: bool) -> np.ndarray:
        """Learn ``n`` pieces: the (start, end) of their terms in ``terms``.

        Terms of pieces that are not stored go past the end, overwritten by
        the next learning.
        """
        flat, counts = self.learn(joined, n)
        flat = list(map(self.shared.setdefault, flat, flat))
        spans = np.empty((n, 2), dtype=np.int64)
        np.cumsum(counts, out=spans[:, 1])
        spans[:, 1] += self.n_terms
        spans[0, 0] = self.n_terms
        spans[1:, 0] = spans[:-1, 1]
        self.terms = _grown(self.terms, self.n_terms + len(flat))
        self.terms[self.n_terms : self.n_terms + len(flat)] = flat
        if store:
            self.n_terms += len(flat)
        return spans

    def tokens(self, pieces: _Pieces) -> tuple[np.ndarray, np.ndarray]:
        """The terms of all the pieces in order (an object array), and how many each piece has."""
        if len(self.table) >= CACHE_SIZE:
            self.clear()
        spans = self.table.resolve(pieces, self._store)
        starts = spans[:, 0]
        counts = spans[:, 1] - starts
        if counts.max(initial=0) <= 1:
            index = starts if counts.min(initial=1) == 1 else starts[counts.astype(bool)]
        else:
            index = _ranges(starts, counts)
        return np.take(self.terms, index), counts


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
        self._pieces: _PieceTerms | None = None  # made by the first tokenize_many
        self._pieces_lock = threading.Lock()

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

    def _terms_of_folded(self, folded: str) -> tuple[str, ...]:
        words = _WORD.findall(folded)
        if len(words) == 1:
            return self._word_terms(words[0])
        return tuple(t for word in words for t in self._word_terms(word))

    def terms_of_raw(self, raw: str) -> tuple[str, ...]:
        """The terms of one raw token (usually one; none for a stop word)."""
        return self._terms_of_folded(self._fold(raw))

    def _fold_lines(self, joined: str) -> tuple[str, list[str], list[str]]:
        """Fold raw tokens joined by newlines: (folded text, its lines, their stems).

        A line's stem is only meaningful when the line is one Arabic word
        (see :func:`_line_stemmer`); without stemming it is the line itself.
        """
        # Punctuation around a word is not part of it: "(واس)" -> "واس".
        folded = _EDGE_PUNCTUATION.sub("", self._fold(joined))
        lines = folded.split("\n")
        stems = self._stem_lines(folded).split("\n") if self.stem else lines
        return folded, lines, stems

    def terms_of_many(self, raws: list[str]) -> list[tuple[str, ...]]:
        """:meth:`terms_of_raw` of each raw token, folding them all in one call."""
        if not raws:
            return []
        _, lines, stems = self._fold_lines("\n".join(raws))
        stop = self._stop
        terms_of = self._terms_of_folded
        return [
            (stem,) if _ARABIC_WORD(line) and line not in stop else terms_of(line)
            for line, stem in zip(lines, stems)
        ]

    def _flat_terms_of_joined(self, joined: str, n: int) -> tuple[list[str], np.ndarray]:
        """The terms of ``n`` raw tokens joined by newlines, flat, and how many each has.

        The same terms as :meth:`terms_of_many`, but a line that is one
        Arabic word (not a stop word), the usual case, is found by numpy and
        costs no Python call.
        """
        folded, lines, stems = self._fold_lines(joined)
        single = _single_arabic_words(folded, n)
        if self._stop:
            single &= ~np.fromiter(map(self._stop.__contains__, lines), dtype=bool, count=n)
        others = np.flatnonzero(~single)
        if not len(others):
            return stems, np.ones(n, dtype=np.int64)
        terms_of = self._terms_of_folded
        other_terms = [terms_of(lines[i]) for i in others.tolist()]
        counts = single.astype(np.int64)
        counts[others] = np.fromiter(map(len, other_terms), dtype=np.int64, count=len(others))
        positions = _exclusive_cumsum(counts)
        flat = np.empty(int(counts.sum()), dtype=object)
        flat[positions[single]] = list(compress(stems, single.tolist()))
        flat[_ranges(positions[others], counts[others])] = list(chain.from_iterable(other_terms))
        return flat.tolist(), counts

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

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        """The tokens of each text: ``[self(text) for text in texts]``, faster.

        Texts go in batches of about a million characters, each turned into
        numpy arrays of code points, cut at whitespace and looked up by hash
        and code points in a cache of its own (see :class:`_PieceTerms`): no
        Python string is made of a raw piece, only the lists of (cached)
        term strings. Safe to call from several threads (they take turns).
        """
        texts = texts if isinstance(texts, list) else list(texts)
        # A list per text made first, while empty, then each replaced by its
        # tokens: one list made, one freed, so the garbage collector (which
        # runs as more containers are made than freed) does not walk through
        # the tokens again and again while they are placed.
        out: list[list[str]] = [[] for _ in texts]
        for start, stop in _text_batches(texts, _BATCH_CHARS):
            pieces = _Pieces([drop_noise(t) for t in texts[start:stop]])
            with self._pieces_lock:
                if self._pieces is None:
                    self._pieces = _PieceTerms(self._flat_terms_of_joined)
                tokens, counts = self._pieces.tokens(pieces)
            ends = np.zeros(len(counts) + 1, dtype=np.int64)
            np.cumsum(counts, out=ends[1:])
            piece_ends = np.zeros(stop - start + 1, dtype=np.int64)
            np.cumsum(pieces.per_text, out=piece_ends[1:])
            bounds = ends[piece_ends].tolist()
            for i, a, b in zip(range(start, stop), bounds, bounds[1:]):
                out[i] = tokens[a:b].tolist()
        return out

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
