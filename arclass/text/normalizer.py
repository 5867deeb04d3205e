"""Arabic text normalization for topic classification.

Orthographic variation (diacritics, hamza carriers, alef forms, Persian letter
shapes, Arabic-Indic digits) multiplies the vocabulary without changing what a
text is about. :class:`Normalizer` folds it away with a few C-level passes:
``str.replace`` for the frequent letter foldings and one ``re.sub`` that
finds every other character to delete or rewrite.
The character tables are data, in :mod:`arclass.text.arabic`.
"""

from __future__ import annotations

import re
import unicodedata

from .arabic import (
    ALEF, ALEF_FORMS, ALEF_MAKSURA, CONTROLS, DIACRITICS, DIGITS, FREQUENT_PUNCTUATION,
    HAMZA_CARRIERS, INVISIBLE_SPACES, PERSIAN_LETTERS, PRESENTATION_RANGES, PUNCTUATION,
    TATWEEL, TEH_MARBUTA,
)

__all__ = ["Normalizer", "normalize"]

PRESENTATION_FORMS = re.compile(f"[{PRESENTATION_RANGES}]+")


def _nfkc(match: re.Match) -> str:
    return unicodedata.normalize("NFKC", match.group())


def _char_class(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(set(chars))) + "]"


class Normalizer:
    """Fold the orthographic variants of Arabic text into one form.

    Every step is a parameter; the defaults suit topic classification.
    Calling the object on a ``str`` returns the normalized ``str``; it never
    raises on a ``str`` and is idempotent.

    Parameters
    ----------
    strip_diacritics : bool, default=True
        Delete harakat, tanwin, shadda, sukun, superscript alef and Quranic marks.
    strip_tatweel : bool, default=True
        Delete the tatweel (kashida) used to stretch words.
    strip_controls : bool, default=True
        Delete zero-width joiners, bidi marks and isolates and the BOM;
        turn zero-width spaces into spaces.
    unify_alef : bool, default=True
        ``أ إ آ ٱ`` -> ``ا``.
    alef_maksura : bool, default=True
        ``ى`` -> ``ي`` (writers use them interchangeably at the end of words).
    teh_marbuta : bool, default=True
        ``ة`` -> ``ه``.
    hamza_carriers : bool, default=True
        ``ؤ`` -> ``و`` and ``ئ`` -> ``ي``.
    persian_letters : bool, default=True
        ``ی ې ۍ ے`` -> ``ي``, ``ک`` -> ``ك``, ``ە ۀ ہ`` -> ``ه``.
    digits : bool, default=True
        Arabic-Indic and Extended Arabic-Indic digits -> ASCII digits.
    punctuation : bool, default=True
        ``، ؛ ؟ ۔ ٪ « »`` and the Arabic decimal and thousands separators ->
        their ASCII counterparts.
    presentation_forms : bool, default=True
        Arabic presentation forms and lam-alef ligatures -> base letters
        (NFKC, applied to those characters only).
    collapse_whitespace : bool, default=True
        Runs of whitespace (newlines included) -> one space; strip both ends.
    """

    def __init__(
        self,
        *,
        strip_diacritics: bool = True,
        strip_tatweel: bool = True,
        strip_controls: bool = True,
        unify_alef: bool = True,
        alef_maksura: bool = True,
        teh_marbuta: bool = True,
        hamza_carriers: bool = True,
        persian_letters: bool = True,
        digits: bool = True,
        punctuation: bool = True,
        presentation_forms: bool = True,
        collapse_whitespace: bool = True,
    ) -> None:
        self.strip_diacritics = strip_diacritics
        self.strip_tatweel = strip_tatweel
        self.strip_controls = strip_controls
        self.unify_alef = unify_alef
        self.alef_maksura = alef_maksura
        self.teh_marbuta = teh_marbuta
        self.hamza_carriers = hamza_carriers
        self.persian_letters = persian_letters
        self.digits = digits
        self.punctuation = punctuation
        self.presentation_forms = presentation_forms
        self.collapse_whitespace = collapse_whitespace
        self._compile()

    def _compile(self) -> None:
        # Frequent characters: one str.replace each (a C scan, and a no-op
        # that returns the same object when the character is absent).
        frequent: dict[str, str] = {}
        if self.unify_alef:
            frequent.update(dict.fromkeys(ALEF_FORMS, ALEF))
        if self.alef_maksura:
            frequent.update(ALEF_MAKSURA)
        if self.teh_marbuta:
            frequent.update(TEH_MARBUTA)
        if self.hamza_carriers:
            frequent.update(HAMZA_CARRIERS)
        if self.punctuation:
            frequent.update({c: PUNCTUATION[c] for c in FREQUENT_PUNCTUATION})
        self._frequent = tuple(frequent.items())

        # Everything else: deleted characters, rare foldings and presentation
        # forms are found in one regex pass, and each run of them is rewritten
        # by a callback (a whole-text str.translate is four times slower).
        special: dict[str, str | None] = {}
        if self.strip_diacritics:
            special.update(dict.fromkeys(DIACRITICS))
        if self.strip_tatweel:
            special[TATWEEL] = None
        if self.strip_controls:
            special.update(dict.fromkeys(CONTROLS))
            special.update(dict.fromkeys(INVISIBLE_SPACES, " "))
        if self.persian_letters:
            special.update(PERSIAN_LETTERS)
        if self.digits:
            special.update(DIGITS)
        if self.punctuation:
            special.update({k: v for k, v in PUNCTUATION.items() if k not in frequent})
        table = str.maketrans(special)
        pattern = _char_class("".join(special))[:-1] if special else "["
        if self.presentation_forms:
            pattern += PRESENTATION_RANGES

        def rewrite(match: re.Match) -> str:
            run = match.group()
            if self.presentation_forms and PRESENTATION_FORMS.search(run):
                # Only the forms themselves: NFKC elsewhere would also rewrite
                # Latin ligatures, superscripts and full-width letters.
                run = PRESENTATION_FORMS.sub(_nfkc, run)
            return run.translate(table)

        self._special = re.compile(pattern + "]+") if len(pattern) > 1 else None
        self._rewrite = rewrite

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compile()

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __repr__(self) -> str:
        changed = [
            f"{k}={v!r}" for k, v in self.__getstate__().items() if v is not True
        ]
        return f"Normalizer({', '.join(changed)})"

    def __call__(self, text: str) -> str:
        text = self.fold(text)
        if self.collapse_whitespace:
            text = " ".join(text.split())
        return text

    def fold(self, text: str) -> str:
        """Every step but whitespace collapsing.

        Each step maps one character to a string of its own, so folding
        commutes with joining: ``fold(a + b) == fold(a) + fold(b)``. The
        tokenizer relies on that to fold many words in one call.
        """
        if self._special is not None:
            text = self._special.sub(self._rewrite, text)
        for old, new in self._frequent:
            text = text.replace(old, new)
        return text


_DEFAULT = Normalizer()


def normalize(text: str) -> str:
    """Normalize ``text`` with the default :class:`Normalizer`."""
    return _DEFAULT(text)
