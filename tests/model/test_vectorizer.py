"""ArabicTfidfVectorizer: equal to scikit-learn's TfidfVectorizer over the same analyzer, fast path included."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from arclass import ArabicTfidfVectorizer
from arclass.model import counting as counting_module

NASTY = [
    "الْعَرَبِيَّةُ لغةٌ جميلـــة\u200f وفيها \u202bنص\u202c معزول",
    "Hello WORLD مرحبا 😀🇸🇦 بالعالم ١٢٣ و۴۵۶",
    "ﻻ ﷲ ﺍﻟﻌﺮﺑﻴﺔ presentation forms",
    "#إقليم_كردستان https://example.com/x?y=1 a@b.com +966 50 123 4567",
    "",
    "   \t\n  ",
    "ی ک ہ ۀ ے — «اقتباس» ؟ ، ؛",
    "\ud800 lone surrogate بعده كلام",
    "وبالنفط والنفط للنفط فالنفط كالنفط",
    "a" * 300 + " " + "ب" * 50,
]

CONFIGS = [
    {},
    {"stem": True},
    {"numbers": "keep"},
    {"numbers": "drop", "stop_words": "arabic"},
    {"analyzer": "char_wb", "ngram_range": (3, 5)},
    {"analyzer": "char_wb", "ngram_range": (2, 3), "stem": True},
    {"ngram_range": (1, 2)},
    {"min_df": 2, "max_df": 0.5},
    {"norm": "l1"},
    {"use_idf": False, "sublinear_tf": False, "norm": None},
]


@pytest.fixture(scope="module")
def corpus(seed_texts):
    return list(seed_texts) + NASTY


def reference(vectorizer: ArabicTfidfVectorizer):
    """scikit-learn's TfidfVectorizer over our analyzer: the straightforward path."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    params = vectorizer.get_params()
    return TfidfVectorizer(
        analyzer=vectorizer.build_analyzer(), min_df=params["min_df"], max_df=params["max_df"],
        max_features=params["max_features"], sublinear_tf=params["sublinear_tf"], use_idf=params["use_idf"],
        smooth_idf=params["smooth_idf"], norm=params["norm"],
    )


def assert_same(a, b):
    assert a.shape == b.shape
    np.testing.assert_allclose(a.toarray(), b.toarray(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("params", CONFIGS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "defaults")
def test_equals_sklearn_over_the_same_analyzer(corpus, params):
    ours = ArabicTfidfVectorizer(**params)
    theirs = reference(ours)
    half = len(corpus) // 2
    assert_same(ours.fit_transform(corpus[:half]), theirs.fit_transform(corpus[:half]))
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    if ours.use_idf:
        np.testing.assert_allclose(ours.idf_, theirs.idf_)
    assert_same(ours.transform(corpus[half:]), theirs.transform(corpus[half:]))
    assert_same(ours.transform(corpus), theirs.transform(corpus))  # again: from the caches


def test_max_features_keeps_the_most_frequent_terms(corpus):
    # scikit-learn breaks ties at the cut with an unstable sort, so only the contract is compared.
    full = ArabicTfidfVectorizer(sublinear_tf=False, use_idf=False, norm=None).fit(corpus)
    counts = np.asarray(full.transform(corpus).sum(axis=0)).ravel()
    frequency = dict(zip(full.get_feature_names_out(), counts))
    kept = set(ArabicTfidfVectorizer(max_features=50).fit(corpus).get_feature_names_out())
    assert len(kept) == 50
    assert min(frequency[t] for t in kept) >= max(f for t, f in frequency.items() if t not in kept)


def test_fast_path_survives_cache_clearing(corpus, monkeypatch):
    expected = ArabicTfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4)).fit(corpus).transform(corpus)
    monkeypatch.setattr(counting_module, "CACHE_SIZE", 40)
    monkeypatch.setattr(counting_module, "_BATCH_CHARS", 500)  # many batches, many clearings
    for params in ({}, {"analyzer": "char_wb", "ngram_range": (3, 4)}):
        small = ArabicTfidfVectorizer(**params).fit(corpus)
        assert_same(small.transform(corpus), reference(small).fit(corpus).transform(corpus))
    assert_same(small.transform(corpus), expected)


@pytest.mark.parametrize("params, name", [
    ({"norm": "l3"}, "norm"), ({"analyzer": "char"}, "analyzer"), ({"ngram_range": (2, 1)}, "ngram_range"),
    ({"ngram_range": (1, 100000)}, "ngram_range"), ({"min_df": 0}, "min_df"), ({"max_df": 1.5}, "max_df"),
    ({"stem": "yes"}, "stem"), ({"max_features": 0}, "max_features"), ({"numbers": "roman"}, "numbers"),
    ({"stop_words": "english"}, "stop_words"),
])
def test_bad_parameters_are_refused_before_any_work(params, name):
    vectorizer = ArabicTfidfVectorizer(**params)
    with pytest.raises(ValueError, match=f"parameter '{name}' must be"):
        vectorizer.fit(["نص عربي", "نص آخر"])
    assert not [k for k in vars(vectorizer) if k.endswith("_")]  # no learned state


def test_fitted_vectorizer_refuses_a_bad_parameter_set_later(corpus):
    vectorizer = ArabicTfidfVectorizer().fit(corpus)
    vectorizer.set_params(norm="l3")
    with pytest.raises(ValueError, match="parameter 'norm' must be"):
        vectorizer.transform(corpus)


def test_pickle_round_trip(corpus):
    fitted = ArabicTfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4)).fit(corpus)
    copy = pickle.loads(pickle.dumps(fitted))
    assert_same(copy.transform(corpus), fitted.transform(corpus))


def test_sklearn_clone_pipeline_and_grid_search(corpus):
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    vectorizer = ArabicTfidfVectorizer(stem=True, min_df=1)
    copy = clone(vectorizer)
    assert copy.get_params() == vectorizer.get_params() and not hasattr(copy, "vocabulary_")
    texts = ["النفط ارتفع", "أسعار الخام", "برميل النفط", "مباراة الهلال", "الدوري السعودي", "هدف في المباراة"] * 3
    y = [1, 1, 1, 0, 0, 0] * 3
    search = GridSearchCV(make_pipeline(ArabicTfidfVectorizer(), LogisticRegression()),
                          {"arabictfidfvectorizer__analyzer": ["word", "char_wb"]}, cv=3)
    search.fit(texts, y)
    assert search.best_estimator_.predict(["سعر برميل النفط"]).tolist() == [1]


def test_errors():
    with pytest.raises(ValueError, match="empty vocabulary|no terms"):
        ArabicTfidfVectorizer().fit(["", "   ", "!!!"])
    with pytest.raises(ValueError):
        ArabicTfidfVectorizer().fit("a single string is not a list of documents")
    with pytest.raises(ValueError, match="analyzer"):
        ArabicTfidfVectorizer(analyzer="char").fit(["نص"])
    with pytest.raises(ValueError, match="ngram_range"):
        ArabicTfidfVectorizer(ngram_range=(2, 1)).fit(["نص"])


@pytest.mark.parametrize("params", [{}, {"analyzer": "char_wb", "ngram_range": (3, 4)}, {"min_df": 2},
                                    {"max_features": 50, "title_weight": 2}])
def test_fitting_on_rows_of_counts_equals_fitting_on_those_texts(corpus, params):
    # How TopicTagger cross-validates: the texts are counted once, each fold fits on rows.
    import numpy as np

    counts, _ = ArabicTfidfVectorizer(**params)._count_terms(corpus)
    train, test = np.arange(0, len(corpus), 2), np.arange(1, len(corpus), 2)
    folded = ArabicTfidfVectorizer(**params)
    got = folded._fit_counts(counts, train).tocsr()
    direct = ArabicTfidfVectorizer(**params)
    expected = direct.fit_transform([corpus[i] for i in train])
    assert folded.vocabulary_ == direct.vocabulary_
    assert_same(got, expected)
    assert_same(folded._transform_counts(counts, test).tocsr(), direct.transform([corpus[i] for i in test]))
