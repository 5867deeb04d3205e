import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyarabic import araby

from arclass import Normalizer, normalize
from arclass.text.normalizer import ALEF_FORMS, CONTROLS, DIACRITICS, DIGITS, PERSIAN_LETTERS

# Text that stresses the normalizer: Arabic letters, marks and presentation
# forms, Persian letters, both kinds of Arabic digits, bidi and zero-width
# controls, Latin, emoji and whitespace.
ARABIC_ALPHABET = st.characters(
    min_codepoint=0x0600, max_codepoint=0x06FF
) | st.sampled_from(list(CONTROLS + "\u200b\u2060 \n\t.,") + ["\U0001F600", "A", "z", "5"]) | st.characters(
    min_codepoint=0xFB50, max_codepoint=0xFEFF
)
nasty_text = st.text(ARABIC_ALPHABET, max_size=60)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("الْعَرَبِيَّةُ", "العربيه"),  # diacritics, teh marbuta
        ("العـــــربية", "العربيه"),  # tatweel
        ("أحمد إلى آخر ٱلقمر", "احمد الي اخر القمر"),  # alef forms, alef maksura
        ("مؤتمر رئيس", "موتمر رييس"),  # hamza carriers
        ("الدولی فی کردستان", "الدولي في كردستان"),  # Persian letters (seed 001)
        ("عام ٢٠١٥ و۱۳۹۴", "عام 2015 و1394"),  # Arabic-Indic digits
        ("قال، «نعم» ؛ لماذا؟", 'قال, "نعم" ; لماذا?'),  # punctuation
        ("\ufefb \ufef7", "لا لا"),  # lam-alef ligatures
        ("\u200fمرحبا\u200e \u202bعالم\u202c\ufeff", "مرحبا عالم"),  # bidi marks, BOM
        ("كلمة\u200bكلمة", "كلمه كلمه"),  # zero-width space separates words
        ("  سطر\n\nثان\t ", "سطر ثان"),  # whitespace
        ("ﬁ x²", "ﬁ x²"),  # NFKC only touches Arabic presentation forms
    ],
)
def test_examples(raw, expected):
    assert normalize(raw) == expected


def test_alef_maksura_is_not_folded_into_alef():
    # PyArabic's normalize_alef turns ى into ا; we must not.
    assert normalize("على") == "علي"
    assert "ا" not in Normalizer(alef_maksura=False)("على")


def test_every_step_can_be_switched_off():
    text = "أَحمدُ ـ على ٢ ۀ ، \u200f"
    off = Normalizer(
        strip_diacritics=False, strip_tatweel=False, strip_controls=False, unify_alef=False,
        alef_maksura=False, teh_marbuta=False, hamza_carriers=False, persian_letters=False,
        digits=False, punctuation=False, presentation_forms=False, collapse_whitespace=False,
    )
    assert off(text) == text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_str(text):
    assert isinstance(normalize(text), str)


@settings(max_examples=300, deadline=None)
@given(nasty_text)
def test_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(nasty_text)
def test_removed_characters_are_gone(text):
    out = normalize(text)
    removed = set(DIACRITICS) | set(CONTROLS) | {araby.TATWEEL} | set(ALEF_FORMS)
    removed |= {araby.ALEF_MAKSURA, araby.TEH_MARBUTA, araby.WAW_HAMZA, araby.YEH_HAMZA}
    removed |= {k for k, v in PERSIAN_LETTERS.items() if k != v} | set(DIGITS)
    assert not removed & set(out)
    assert not any(0xFB50 <= ord(c) <= 0xFDFF or 0xFE70 <= ord(c) <= 0xFEFE for c in out
                   if unicodedata.decomposition(c).startswith("<"))


arabic_block = st.text(st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=40)
ONLY = dict(strip_diacritics=False, strip_tatweel=False, strip_controls=False, unify_alef=False,
            alef_maksura=False, teh_marbuta=False, hamza_carriers=False, persian_letters=False,
            digits=False, punctuation=False, presentation_forms=False, collapse_whitespace=False)


@settings(max_examples=300, deadline=None)
@given(arabic_block)
def test_matches_pyarabic_on_shared_steps(text):
    # Each of our steps equals the PyArabic function that does the same job.
    assert Normalizer(**{**ONLY, "strip_diacritics": True})(text) == araby.strip_diacritics(text)
    assert Normalizer(**{**ONLY, "strip_tatweel": True})(text) == araby.strip_tatweel(text)
    assert Normalizer(**{**ONLY, "teh_marbuta": True})(text) == araby.normalize_teh(text)
    # normalize_alef also folds alef maksura (and small alef before it); compare without them.
    plain = text.replace(araby.ALEF_MAKSURA, "").replace(araby.MINI_ALEF, "")
    assert Normalizer(**{**ONLY, "unify_alef": True})(plain) == araby.normalize_alef(plain)
    chain = araby.strip_tatweel(araby.strip_diacritics(text))
    assert Normalizer(**{**ONLY, "strip_diacritics": True, "strip_tatweel": True})(text) == chain


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list("\ufefb\ufef7\ufef9\ufef5لا ")), max_size=30))
def test_ligatures_match_pyarabic(text):
    # PyArabic turns every lam-alef ligature into bare lam-alef; we unify alef too.
    assert Normalizer(**{**ONLY, "presentation_forms": True, "unify_alef": True})(text) == (
        araby.normalize_ligature(text)
    )


def test_fold_commutes_with_joining():
    n = Normalizer()
    a, b = "أَحْمَد\u200f", "ﻻ٢ی"
    assert n.fold(a + b) == n.fold(a) + n.fold(b)


def test_seeds_normalize_cleanly(seed_texts):
    for text in seed_texts:
        out = normalize(text)
        assert out == normalize(out)
        assert not set(DIACRITICS) & set(out)
