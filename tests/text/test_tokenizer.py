
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arclass.text.pieces
import arclass.text.tokenizer
from arclass import Tokenizer, tokenize
from arclass.text.normalizer import CONTROLS
from arclass.text.tokenizer import NUMBER_TOKEN, _line_stemmer, light_stem


def test_diacritized_word_is_one_token():
    # scikit-learn's default pattern gives ['ال'] here.
    assert tokenize("الْعَرَبِيّةُ") == ["العربيه"]


def test_persian_ya_in_seed_001():
    assert tokenize("الدولی فی") == tokenize("الدولي في") == ["الدولي", "في"]


def test_one_letter_words_are_kept():
    assert tokenize("و هو ب الدار") == ["و", "هو", "ب", "الدار"]


def test_hashtags_split_on_underscores():
    assert tokenize("#إقليم_كردستان #التحالف_الدولي") == ["اقليم", "كردستان", "التحالف", "الدولي"]


def test_latin_is_lowercased_and_noise_dropped():
    text = "OPEC قالت https://example.com/a?b=1 راسلونا info@example.org هاتف +966 11 234 5678 أو 0551234567!"
    assert tokenize(text) == ["opec", "قالت", "راسلونا", "هاتف", "او"]


def test_seed_whatsapp_number_is_dropped():
    assert tokenize("على الرقم 0012022773659") == ["علي", "الرقم"]


@pytest.mark.parametrize(
    "numbers, expected",
    [("keep", ["عام", "2015", "م", "3", "5"]), ("placeholder", ["عام", NUMBER_TOKEN, "م", NUMBER_TOKEN, NUMBER_TOKEN]),
     ("drop", ["عام", "م"])],
)
def test_numbers(numbers, expected):
    assert Tokenizer(numbers=numbers)("عام ٢٠١٥م 3.5") == expected


def test_bad_numbers_option():
    with pytest.raises(ValueError, match="numbers"):
        Tokenizer(numbers="words")


@pytest.mark.parametrize(
    "word, stem",
    [("والنفط", "نفط"), ("بالمملكة", "مملك"), ("للمسلمين", "مسلم"), ("كتب", "كتب"),
     ("وزن", "وزن"), ("فالحكومة", "حكوم"), ("لندن", "لندن"), ("opec", "opec")],
)
def test_light_stem(word, stem):
    assert Tokenizer(stem=True)(word) == [stem]


arabic_words = st.text(st.characters(min_codepoint=0x0621, max_codepoint=0x064A), min_size=1, max_size=9)


@settings(max_examples=500, deadline=None)
@given(arabic_words, st.integers(min_value=1, max_value=4))
def test_line_stemmer_equals_light_stem(word, min_stem):
    stem = light_stem(word, min_stem)
    assert len(stem) >= min(len(word), min_stem)
    assert _line_stemmer(min_stem)(word) == stem


def test_stop_words():
    tok = Tokenizer(stop_words=["في", "من"])
    assert tok("ذهب في الصباح من البيت") == ["ذهب", "الصباح", "البيت"]


mixed = st.text(
    st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
    | st.sampled_from(list(CONTROLS + "\u200b _#@.:/+-،,()«»0123456789abcXYZ\U0001F600\ufefb\ufdfa")),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(mixed, st.booleans(), st.sampled_from(["keep", "placeholder", "drop"]))
def test_fast_path_equals_reference(text, stem, numbers):
    tok = Tokenizer(stem=stem, numbers=numbers, stop_words=["في"])
    assert tok(text) == tok.reference(text)
    # terms_of_many (the batch path) agrees with one-at-a-time.
    pieces = tok.raw_tokens(text)
    assert tok.terms_of_many(pieces) == [tok.terms_of_raw(p) for p in pieces]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises(text):
    assert all(isinstance(t, str) and t for t in tokenize(text))


def test_seeds_fast_equals_reference(seed_texts):
    tok = Tokenizer(stem=True, numbers="placeholder")
    for text in seed_texts:
        assert tok(text) == tok.reference(text)


# -- the batch paths give exactly the per-text tokens --------------------------------

CONFIGURATIONS = [
    {},
    {"stem": True},
    {"stop_words": ["في", "من", "على", "ان"]},
    {"numbers": "drop"},
    {"numbers": "placeholder", "stem": True, "stop_words": ["في", "من"]},
    {"lowercase": False, "min_stem": 3, "stem": True},
]

NASTY = [
    "",
    " ",
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000 ",
    "\u200b",  # zero-width space: not whitespace to str.split, a word break to the normalizer
    "قال\u200bالوزير و\u200cالسفير",
    "العربية English MIXED français Ελληνικά русский 中文",
    "\u200f\u202bمرحبا\u202c \u2067النص\u2069 \u061cعلامة\u200e",
    "🇸🇦 المملكة 😀😀 \U0001F600مرحبا \U00010000",
    "\ud800 منفرد \udfff وحيد a\ud83d\ude00b",  # lone surrogates, and a pair of them
    "\ufefb \ufef5 \ufdf2 \ufdfa \ufdfd ﻻ ﷺ",  # presentation forms and ligatures
    "الْعَرَبِيّةُ مُحَمَّدٌ قُرْآنٌ",
    "العـــــربية جمـيل ــ ـ",
    "٢٠١٥ ۱۲۳ 3.5 ١٢٫٥ 0551234567 00966112345678 +966 11 234 5678",
    "https://example.com/a?b=1 www.spa.gov.sa info@example.org (www.x.com) «https://t.co/x»",
    "#إقليم_كردستان #التحالف_الدولي #_ #__ # #123_abc",
    "(الدولي) «الرياض» ،،، ... - — «» \"اقتباس\" 'x'",
    "a" * 5000 + " " + "ب" * 3000,
    "و ف ب ك ل ال وال بال",
    "ـ\u064b\u0670",
    "\x00\x01 \x7f \ufeff BOM",
    "O\u0308 ǅ ß ﬁ İ",
    "الدولي\nالدولي\r\nالدولي\tالدولي",
]


@pytest.mark.parametrize("config", CONFIGURATIONS)
def test_batch_folding_equals_one_piece_at_a_time(seed_texts, config):
    # The vectorizer's fast path folds many raw pieces in one call (fold_pieces).
    tok = Tokenizer(**config)
    pieces = [p for t in seed_texts + NASTY for p in tok.raw_tokens(t)]
    assert tok.terms_of_many(pieces) == [Tokenizer(**config).terms_of_raw(p) for p in pieces]
    assert tok.terms_of_many([]) == []


@pytest.mark.parametrize("config", CONFIGURATIONS)
def test_cached_pieces_equal_the_reference_on_nasty_unicode(config):
    tok = Tokenizer(**config)
    for _ in range(2):  # cold, then warm
        assert [tok(t) for t in NASTY] == [tok.reference(t) for t in NASTY]


def test_cache_stays_bounded(seed_texts, monkeypatch):
    expected = [Tokenizer()(t) for t in seed_texts]
    monkeypatch.setattr(arclass.text.tokenizer, "CACHE_SIZE", 50)
    tok = Tokenizer()
    for _ in range(2):
        assert [tok(t) for t in seed_texts] == expected
    assert len(tok._cache) <= 50 + max(len(set(tok.raw_tokens(t))) for t in seed_texts)


arabic_heavy = st.lists(
    st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى"))
    | st.sampled_from(list("  \n\t\u00a0\u200b\u200c\u0640\u064e\u0651ـ.,،()«»#_@+:/٠١٢0123456789"))
    | st.sampled_from(["وال", "بال", "https://", "www.", "ﻻ", "\U0001F600", "\ud800", "Ab", "في"])
    | st.characters(),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(arabic_heavy, max_size=12), min_size=1, max_size=3),
    st.sampled_from(CONFIGURATIONS),
    st.integers(min_value=1, max_value=200),
)
def test_fast_counting_path_property(batches, config, batch_chars):
    # The vectorizer's fast path (raw pieces looked up in numpy, learned in
    # batches of ``batch_chars`` code points, over several calls that learn
    # in between) counts exactly the tokens of a fresh per-text tokenizer.
    from collections import Counter as Tally

    from arclass.model import counting
    from arclass.model.counting import Counter, GrowingVocabulary

    reference = Tokenizer(**config)
    counter = Counter(Tokenizer(**config), GrowingVocabulary(), grow=True)
    saved = counting._BATCH_CHARS
    counting._BATCH_CHARS = batch_chars
    try:
        for texts in batches:
            counts = counter.count(texts)
            terms = {column: term for term, column in counter.vocabulary.items()}
            for row, text in enumerate(texts):
                start, stop = counts.indptr[row], counts.indptr[row + 1]
                got = {terms[c]: int(n) for c, n in zip(counts.indices[start:stop], counts.data[start:stop])}
                assert got == dict(Tally(reference(text)))
    finally:
        counting._BATCH_CHARS = saved
