import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arclass import Tokenizer, tokenize
from arclass.normalizer import CONTROLS
from arclass.tokenizer import NUMBER_TOKEN, _line_stemmer, light_stem


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
