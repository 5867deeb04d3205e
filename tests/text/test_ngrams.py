"""Per-word expansions: what Analyzer.expand_many says of each token list is what the expansion makes."""

import pytest

from arclass.text.ngrams import PER_WORD, Analyzer, char_wb_ngrams, words_and_char_wb_ngrams
from arclass.text.tokenizer import Tokenizer

TOKEN_LISTS = [("و",), ("الحكومة", "و"), (), ("ab",), ("نفط", "2015", "☃", "اقليم", "كردستان"), ("x" * 12,)]


@pytest.mark.parametrize("expand", list(PER_WORD))
@pytest.mark.parametrize("ngram_range", [(1, 1), (3, 5), (4, 4), (5, 8), (2, 10)])
def test_expand_many_matches_the_expansion_of_each_list(expand, ngram_range):
    analyzer = Analyzer(Tokenizer(), expand, ngram_range)
    grams, lengths = analyzer.expand_many(TOKEN_LISTS)
    expected = [expand(list(tokens), ngram_range) for tokens in TOKEN_LISTS]
    assert lengths.tolist() == [len(e) for e in expected]
    assert grams == [g for e in expected for g in e]


def test_words_and_char_ngrams_put_each_word_before_its_ngrams():
    assert words_and_char_wb_ngrams(["نفط", "غاز"], (3, 3)) == (
        ["[نفط]"] + char_wb_ngrams(["نفط"], (3, 3)) + ["[غاز]"] + char_wb_ngrams(["غاز"], (3, 3))
    )
    assert char_wb_ngrams(["نفط"], (3, 4)) == [" نف", "نفط", "فط ", " نفط", "نفط "]
