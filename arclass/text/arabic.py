"""Arabic language data: letters, folds, affixes and noise patterns, as plain constants.

Everything the normalizer and the tokenizer know about Arabic is here, as
data; the engines in :mod:`~arclass.text.normalizer` and
:mod:`~arclass.text.tokenizer` only apply it. Letter tables come from
PyArabic (``pyarabic.araby``).
"""

from __future__ import annotations

import unicodedata

from pyarabic import araby

# -- characters deleted ---------------------------------------------------------

#: Combining marks of the Arabic block (harakat, tanwin, shadda, sukun,
#: superscript alef, Quranic annotation marks), from PyArabic, plus the marks
#: of Arabic Extended-A that PyArabic's range does not reach.
DIACRITICS = "".join(araby.DIACRITICS) + "".join(
    chr(c) for c in range(0x08D3, 0x0900) if unicodedata.category(chr(c)) == "Mn"
)
TATWEEL = araby.TATWEEL
#: Invisible format characters: zero-width joiners, bidi marks, embeddings,
#: overrides and isolates, the Arabic letter mark, the soft hyphen and the BOM.
CONTROLS = (
    "\u200c\u200d\u200e\u200f\u061c\u00ad"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    + araby.BYTE_ORDER_MARK
)
#: Invisible characters that separate words: they become a space.
INVISIBLE_SPACES = "\u200b\u2060"

# -- letters folded -------------------------------------------------------------

ALEF = araby.ALEF
#: Alef forms folded into bare alef. PyArabic's ``ALEFAT`` also holds alef
#: maksura, which ``normalize_alef`` wrongly folds into alef; it is left out.
ALEF_FORMS = (araby.ALEF_MADDA, araby.ALEF_HAMZA_ABOVE, araby.ALEF_HAMZA_BELOW, araby.ALEF_WASLA)
ALEF_MAKSURA = {araby.ALEF_MAKSURA: araby.YEH}
TEH_MARBUTA = {araby.TEH_MARBUTA: araby.HEH}
HAMZA_CARRIERS = {araby.WAW_HAMZA: araby.WAW, araby.YEH_HAMZA: araby.YEH}
#: Persian, Urdu, Pashto and Kurdish letter shapes seen in Arabic text.
PERSIAN_LETTERS = {
    "\u06cc": araby.YEH,  # Farsi yeh
    "\u06d0": araby.YEH,  # yeh with two dots below (Pashto)
    "\u06cd": araby.YEH,  # yeh with tail
    "\u06d2": araby.YEH,  # yeh barree (Urdu)
    "\u06a9": araby.KAF,  # keheh
    "\u06d5": araby.HEH,  # ae (Kurdish)
    "\u06c0": araby.HEH,  # heh with yeh above
    "\u06c1": araby.HEH,  # heh goal (Urdu)
}  # gaf (\u06af) has no Arabic equivalent: kept
DIGITS = {
    **{d: str(i) for i, d in enumerate(araby.NUMBERS_EAST)},
    **{d: str(i) for i, d in enumerate(araby.NUMBERS_PERS)},
}
#: Arabic punctuation and its ASCII counterparts (quotes become a plain quote).
PUNCTUATION = {
    araby.COMMA: ",",
    araby.SEMICOLON: ";",
    araby.QUESTION: "?",
    araby.FULL_STOP: ".",
    araby.PERCENT: "%",
    araby.DECIMAL: ".",
    araby.THOUSANDS: ",",
    araby.STAR: "*",
    "\u00ab": '"',
    "\u00bb": '"',
}
#: The punctuation frequent enough in news to get a ``str.replace`` of its own.
FREQUENT_PUNCTUATION = (araby.COMMA, "\u00ab", "\u00bb")
#: Arabic presentation forms A and B (lam-alef ligatures included), as a regex range.
PRESENTATION_RANGES = "\ufb50-\ufdff\ufe70-\ufefe"

# -- words ----------------------------------------------------------------------

#: The letters of the Arabic alphabet after normalization, as a regex range:
#: only words made of them are stemmed.
ARABIC_LETTERS = "\u0621-\u064a"
FIRST_ARABIC_LETTER, LAST_ARABIC_LETTER = 0x0621, 0x064A
#: Proclitics stripped by the light stemmer, longest first.
PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ك", "ل")
#: Frequent suffixes (after normalization: teh marbuta is heh), longest first.
SUFFIXES = (
    "هما", "كما", "تين", "تان", "ات", "ون", "ين", "ان", "ها", "هم", "هن",
    "كم", "نا", "يه", "يا", "ه", "ي",
)
#: The token every number becomes with ``numbers="placeholder"``.
NUMBER_TOKEN = "0"

# -- noise dropped before anything else ---------------------------------------------

URL = r"(?:https?://|www\.)\S+"
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
#: International phone numbers (+966 11 234 5678); local ones (0551234567,
#: 00966...) are single words of PHONE_DIGITS digits starting with 0.
PHONE = r"(?<![\w+])\+\d(?:[ \-]?\d){7,14}(?![\w.,])"
PHONE_DIGITS = (9, 15)
