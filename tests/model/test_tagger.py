import subprocess
import sys

import numpy as np
import pytest

from arclass import ArabicTfidfVectorizer, TopicTagger
from arclass.model.estimator import NotFittedError
from arclass.model.metrics import best_threshold, scores_table

SPORTS = "الهلال يفوز على النصر بهدفين في ديربي العاصمة ويعزز صدارته لدوري كرة القدم"
OIL = "ارتفعت أسعار النفط الخام اليوم بعد قرار منظمة أوبك خفض الإنتاج مليون برميل يوميا"
SECURITY = "قتل خمسة جنود في هجوم بسيارة مفخخة شنه تنظيم داعش على نقطة عسكرية قرب الموصل"
DIPLOMACY = "استقبل وزير الخارجية سفير فرنسا وبحث معه العلاقات الثنائية بين البلدين"


def test_tags_unseen_news(trained_tagger):
    assert trained_tagger.predict([SPORTS, OIL, SECURITY, DIPLOMACY]) == [
        [], ["oil"], ["security"], ["diplomacy"]
    ]
    assert trained_tagger.tag(OIL) == ["oil"]


def test_learned_state(trained_tagger, builtin_data):
    t = trained_tagger
    assert t.classes_ == ["diplomacy", "oil", "security"]
    assert t.coef_.shape == (3, len(t.vectorizer_.vocabulary_)) == (3, t.n_features_in_)
    assert ((t.thresholds_ > 0) & (t.thresholds_ < 1)).all()
    assert t.training_["n_documents"] == len(builtin_data.texts)
    assert 0.8 < t.cv_scores_["micro"]["f1"] <= 1
    proba = t.predict_proba([OIL, SPORTS])
    assert proba.shape == (2, 3) and ((proba >= 0) & (proba <= 1)).all()


def test_thresholds_override_and_top_k(trained_tagger):
    proba = trained_tagger.predict_proba([SECURITY])
    assert trained_tagger.labels_from_proba(proba, thresholds=0.0) == [
        [trained_tagger.classes_[k] for k in np.argsort(-proba[0], kind="stable")]
    ]
    assert trained_tagger.labels_from_proba(proba, thresholds=1.0) == [[]]
    assert trained_tagger.labels_from_proba(proba, thresholds={"security": 1.0}) == [[]]
    assert len(trained_tagger.labels_from_proba(proba, thresholds=0.0, top_k=1)[0]) == 1
    with pytest.raises(ValueError, match="unknown label"):
        trained_tagger.labels_from_proba(proba, thresholds={"sport": 0.5})


def test_not_fitted():
    with pytest.raises(NotFittedError):
        TopicTagger().predict(["نص"])


@pytest.mark.parametrize(
    "X, y, message",
    [
        (["أ", "ب"], [["a"]], "texts but"),
        (["أ", "ب", "ج", "د", "ه"], [[], [], [], [], []], "no labels"),
        (["أ", "ب", "ج", "د", "ه"], [["a"], [], [], [], []], "needs at least 2"),
    ],
)
def test_bad_training_data(X, y, message):
    with pytest.raises(ValueError, match=message):
        TopicTagger(cv=2).fit(X, y)


def test_text_must_be_str(trained_tagger):
    with pytest.raises(TypeError):
        trained_tagger.tag(None)
    with pytest.raises(TypeError):
        trained_tagger.predict("one string, not a list")


def test_best_threshold_separates():
    y = np.array([1, 1, 1, 0, 0, 0], bool)
    s = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    t = best_threshold(y, s)
    assert 0.3 < t < 0.7 and t == pytest.approx(0.5)
    # One positive scored low: including it costs two false positives.
    y = np.array([1, 1, 0, 0, 1], bool)
    s = np.array([0.9, 0.8, 0.5, 0.4, 0.1])
    assert 0.5 < best_threshold(y, s) < 0.8


def test_scores_table_matches_sklearn():
    from sklearn.metrics import f1_score, precision_score, recall_score

    rng = np.random.default_rng(0)
    Y, P = rng.random((50, 3)) < 0.4, rng.random((50, 3)) < 0.4
    table = scores_table(Y, P, ["a", "b", "c"])
    assert table["micro"]["f1"] == pytest.approx(f1_score(Y, P, average="micro"))
    assert table["macro"]["f1"] == pytest.approx(f1_score(Y, P, average="macro"))
    assert table["b"]["precision"] == pytest.approx(precision_score(Y[:, 1], P[:, 1]))
    assert table["c"]["recall"] == pytest.approx(recall_score(Y[:, 2], P[:, 2]))


def test_sklearn_clone_and_params():
    from sklearn.base import clone

    t = TopicTagger(vectorizer=ArabicTfidfVectorizer(stem=False), C=3.0)
    params = t.get_params()
    assert params["C"] == 3.0 and params["vectorizer__stem"] is False
    c = clone(t)
    assert c is not t and c.vectorizer is not t.vectorizer and c.get_params()["vectorizer__stem"] is False
    t.set_params(vectorizer__stem=True, C=1.0)
    assert t.vectorizer.stem is True and t.C == 1.0
    with pytest.raises(ValueError, match="invalid parameter"):
        t.set_params(gamma=1)
    assert repr(TopicTagger(C=3.0)) == "TopicTagger(C=3.0)"


def test_grid_search_with_indicator_matrix(builtin_data):
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform(builtin_data.labels)
    search = GridSearchCV(
        TopicTagger(cv=2), {"vectorizer": [ArabicTfidfVectorizer()], "vectorizer__stem": [True, False]},
        cv=KFold(2, shuffle=True, random_state=0), scoring="f1_micro",
    )
    search.fit(builtin_data.texts, Y)
    assert search.best_score_ > 0.85
    predicted = search.predict([OIL, SPORTS])
    assert predicted.shape == (2, 3)
    assert binarizer.inverse_transform(predicted) == [("oil",), ()]


def test_tagging_a_loaded_model_imports_no_sklearn(model_path):
    code = (
        "import sys, arclass\n"
        f"t = arclass.load({str(model_path)!r})\n"
        f"print(t.tag({OIL!r}))\n"
        "print(sorted(m for m in ('sklearn', 'scipy', 'joblib') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["['oil']", "[]"]
