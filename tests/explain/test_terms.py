"""TopicTagger.explain, the term map behind word highlighting, and `arclass explain`."""

import json
import re
import subprocess
import sys
from collections import Counter

import pytest

from arclass import ArabicTfidfVectorizer, TopicTagger
from arclass.cli import main
from arclass.explain.terms import LabelExplanation, TermMap, format_explanations

OIL = "ارتفعت أسعار النفط الخام اليوم بعد قرار منظمة أوبك خفض الإنتاج، وأسعار النفط تواصل الصعود"
SECURITY = "قتل خمسة جنود في هجوم بسيارة مفخخة شنه تنظيم داعش على نقطة عسكرية قرب الموصل"
#: Mixed scripts, diacritics, tatweel, bidi marks, emoji, a URL, a hashtag,
#: an e-mail address and an international phone number written with spaces.
NASTY = (
    "\u200fعاجل 🔥: هجومٌ بسيارةٍ مفخخـــة في #بغداد_اليوم (رويترز) "
    "NATO و OPEC+ تتابعان http://example.com/النفط news@example.com "
    "اتصل +964 770 123 4567 الآن\u200e ١٢ قتيلا\n\nوأسعار النفط ترتفع."
)


def _texts(seed_texts):
    return seed_texts[:25] + [OIL, SECURITY, NASTY, "كلمة_لا_يعرفها_النموذج", "!!!"]


def test_contributions_add_up_to_the_decision(trained_tagger, seed_texts):
    texts = _texts(seed_texts)
    decision = trained_tagger.decision_function(texts)
    for text, row in zip(texts, decision):
        by_label = {e.label: e for e in trained_tagger.explain(text)}
        for k, label in enumerate(trained_tagger.classes_):
            e = by_label[label]
            total = e.intercept + sum(c for _, c in e.positive + e.negative)
            assert e.other == 0.0 and e.n_other == 0
            assert total == pytest.approx(row[k], abs=1e-9)
            assert e.decision == pytest.approx(row[k], abs=1e-12)
            assert e.intercept == trained_tagger.intercept_[k]
        # With only the strongest terms listed, the rest is in `other`.
        for e in trained_tagger.explain(text, top=2):
            assert len(e.positive) <= 2 and len(e.negative) <= 2
            total = e.intercept + e.other + sum(c for _, c in e.positive + e.negative)
            assert total == pytest.approx(e.decision, abs=1e-9)


def test_contribution_is_tfidf_value_times_coefficient(trained_tagger):
    tagger = trained_tagger
    row = tagger.vectorizer_.transform([OIL])
    k = tagger.classes_.index("oil")
    e = next(e for e in tagger.explain(OIL) if e.label == "oil")
    contributions = e.contributions()
    assert len(contributions) == row.nnz  # every term of the document is listed once
    for term, contribution in contributions.items():
        column = tagger.vectorizer_.vocabulary_[term]
        assert contribution == pytest.approx(row[0, column] * tagger.coef_[k, column], abs=1e-15)
    assert "نفط" in e.positive[0][0]  # the word that makes it oil news
    values = [c for _, c in e.positive]
    assert values == sorted(values, reverse=True) and all(c > 0 for c in values)
    values = [c for _, c in e.negative]
    assert values == sorted(values) and all(c < 0 for c in values)


def test_explanations_agree_with_predict(trained_tagger, seed_texts):
    texts = _texts(seed_texts)
    proba = trained_tagger.predict_proba(texts)
    predicted = trained_tagger.predict(texts)
    for text, p, tags in zip(texts, proba, predicted):
        explanations = trained_tagger.explain(text)
        assert all(isinstance(e, LabelExplanation) for e in explanations)
        assert sorted(e.label for e in explanations) == sorted(trained_tagger.classes_)
        assert [e.label for e in explanations if e.tagged] == tags  # same labels, same order
        scores = [e.score for e in explanations]
        assert scores == sorted(scores, reverse=True)
        for e in explanations:
            k = trained_tagger.classes_.index(e.label)
            assert e.score == pytest.approx(p[k], abs=1e-12)
            assert e.threshold == trained_tagger.thresholds_[k]
            assert e.tagged == (e.score >= e.threshold)


def test_text_without_known_terms(trained_tagger):
    for e in trained_tagger.explain("zzzq xxyq"):
        assert e.positive == e.negative == []
        assert e.decision == e.intercept
    with pytest.raises(TypeError):
        trained_tagger.explain(["a list"])
    with pytest.raises(ValueError):
        trained_tagger.explain(OIL, top=-1)


def test_json_ready(trained_tagger):
    data = json.loads(json.dumps([e.to_dict() for e in trained_tagger.explain(OIL, top=3)]))
    assert set(data[0]) == {"label", "score", "threshold", "tagged", "decision", "intercept",
                            "positive", "negative", "other", "n_other"}
    assert data[0]["label"] == "oil" and data[0]["tagged"] is True
    assert data[0]["positive"][0][0] == "النفط"


def test_explain_needs_neither_sklearn_nor_scipy(model_path):
    code = (
        "import sys, arclass\n"
        f"tagger = arclass.load({str(model_path)!r})\n"
        f"explanations = tagger.explain({OIL!r})\n"
        "assert explanations[0].label == 'oil'\n"
        "from arclass.explain.terms import TermMap, format_explanations\n"
        f"format_explanations(explanations, TermMap(tagger.vectorizer_, {OIL!r}))\n"
        "assert 'sklearn' not in sys.modules and 'scipy' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- where terms are in the text ---------------------------------------------


def test_term_map_pieces_are_what_the_tokenizer_reads(trained_tagger, seed_texts):
    vectorizer = trained_tagger.vectorizer_
    tokenizer = vectorizer.build_tokenizer()
    for text in _texts(seed_texts):
        term_map = TermMap(vectorizer, text)
        pieces = tokenizer.raw_tokens(text)
        assert len(term_map.spans) == len(pieces)
        for (start, end), piece in zip(term_map.spans, pieces):
            assert 0 <= start < end <= len(text)
            assert text[start:end] in piece  # the piece without the punctuation around it
        assert Counter({t: len(p) for t, p in term_map.occurrences.items()}) == Counter(tokenizer(text))


def test_term_map_on_nasty_text(trained_tagger):
    term_map = TermMap(trained_tagger.vectorizer_, NASTY)
    found = [NASTY[a:b] for a, b in term_map.spans]
    assert "هجومٌ" in found  # diacritics kept, punctuation around words left out
    assert "بغداد_اليوم" in found and "مفخخـــة" in found
    assert not any("example" in piece or "770" in piece for piece in found)  # noise is not text
    assert "NATO" in found and "١٢" in found
    assert term_map.words("النفط") == ["النفط"]
    assert term_map.words("واسعار") == ["وأسعار"]


@pytest.mark.parametrize("params", [
    {"ngram_range": (1, 2)},
    {"ngram_range": (2, 3), "stem": False},
    {"analyzer": "char_wb", "ngram_range": (2, 4)},
])
def test_term_map_follows_the_analyzer(params, builtin_data):
    vectorizer = ArabicTfidfVectorizer(**params)
    analyzer = vectorizer.build_analyzer()
    for text in builtin_data.texts[:20] + [NASTY, OIL]:
        term_map = TermMap(vectorizer, text)
        assert Counter({t: len(p) for t, p in term_map.occurrences.items()}) == Counter(analyzer(text))


def test_piece_weights_share_contributions(trained_tagger, seed_texts):
    for text in _texts(seed_texts):
        term_map = TermMap(trained_tagger.vectorizer_, text)
        for e in trained_tagger.explain(text):
            weights = term_map.piece_weights(e.contributions())
            assert weights.sum() + e.intercept == pytest.approx(e.decision, abs=1e-9)
    # "النفط" is said twice in OIL: each place gets half of the term's contribution.
    term_map = TermMap(trained_tagger.vectorizer_, OIL)
    oil = next(e for e in trained_tagger.explain(OIL) if e.label == "oil")
    weights = term_map.piece_weights(oil.contributions())
    places = [i for i, (a, b) in enumerate(term_map.spans) if OIL[a:b] == "النفط"]
    assert len(places) == 2
    assert weights[places[0]] == weights[places[1]] == pytest.approx(oil.contributions()["النفط"] / 2)


def test_word_ngram_weights_add_up():
    texts = ["النفط يرتفع اليوم", "النفط ينخفض اليوم", "هجوم في بغداد اليوم", "هجوم قرب الموصل"] * 3
    labels = [["oil"], ["oil"], ["security"], ["security"]] * 3
    tagger = TopicTagger(vectorizer=ArabicTfidfVectorizer(ngram_range=(1, 2)), cv=2).fit(texts, labels)
    text = "النفط يرتفع بعد هجوم في بغداد"
    term_map = TermMap(tagger.vectorizer_, text)
    for e in tagger.explain(text):
        assert any(" " in term for term in e.contributions())  # bigrams take part
        weights = term_map.piece_weights(e.contributions())
        assert weights.sum() + e.intercept == pytest.approx(e.decision, abs=1e-9)


# -- terminal text -----------------------------------------------------------


def test_format_is_bidi_safe_and_in_logical_order(trained_tagger):
    explanations = trained_tagger.explain(NASTY, top=4)
    text = format_explanations(explanations, TermMap(trained_tagger.vectorizer_, NASTY))
    arabic = re.compile(r"[\u0600-\u06ff]")
    for line in text.splitlines():
        if line.strip():
            # Starts with a Latin word: a left-to-right line for bidi terminals...
            assert re.match(r"\s*[A-Za-z]", line), line
            # ...with at most one Arabic run, at the end, never a number after Arabic.
            if arabic.search(line):
                tail = line[arabic.search(line).start():]
                assert not re.search(r"[0-9][.][0-9]", tail), line
    assert "\u2068" not in text and "\u200f" not in text and "\u202b" not in text
    assert "هجوم" in text and "موجه" not in text  # written in logical order, not reversed
    assert "decision" in text and "intercept" in text
    # The numbers shown add up (to rounding): decision = intercept + terms, and
    # the terms listed plus "other" make the terms' total.
    blocks = text.split("\n\n")[1:] if text.startswith("tags:") else text.split("\n\n")
    assert len([b for b in blocks if b.strip()]) == len(explanations)
    for e, block in zip(explanations, [b for b in blocks if b.strip()]):
        assert f"score {e.score:.3f}" in block
        decision, intercept, terms = map(float, re.search(
            r"decision ([-+][\d.]+) = intercept ([-+][\d.]+) \+ terms ([-+][\d.]+)", block).groups())
        assert decision == pytest.approx(intercept + terms, abs=0.0015)
        listed = [float(x) for x in re.findall(r"^\s+(?:for|against|other)\s+([-+][\d.]+)", block, re.M)]
        assert sum(listed) == pytest.approx(terms, abs=0.0005 * (len(listed) + 1))


# -- the command -------------------------------------------------------------


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def oil_file(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(OIL, encoding="utf-8")
    return path


def test_cli_explain(capsys, model_path, oil_file, seed_texts, trained_tagger):
    code, out, err = run(capsys, "explain", oil_file, "--model", model_path)
    assert code == 0 and err == ""
    assert out.startswith("tags: oil\n")
    for label in trained_tagger.classes_:
        assert re.search(rf"^{label}  score \d\.\d{{3}} (>=|<) threshold", out, re.M)
    assert re.search(r"^  for     \+\d\.\d{3}  النفط$", out, re.M)  # term as written: no "term: words"
    assert re.search(r"^  for     \+\d\.\d{3}  اوبك: أوبك$", out, re.M)  # normalized term: its words
    assert len(re.findall(r"^  for ", out, re.M)) <= 3 * 10

    seed = oil_file.parent / "seed.txt"
    seed.write_text(seed_texts[0], encoding="utf-8")
    code, out, _ = run(capsys, "explain", seed, "--model", model_path, "--top", "2")
    assert code == 0
    tags = trained_tagger.tag(seed_texts[0])
    assert out.splitlines()[0] == "tags: " + (", ".join(tags) if tags else "(none)")
    assert len(re.findall(r"^  for ", out, re.M)) <= 3 * 2


def test_cli_explain_label_filter_and_json(capsys, model_path, oil_file):
    code, out, _ = run(capsys, "explain", oil_file, "--model", model_path, "--label", "security")
    assert code == 0
    assert out.startswith("tags: oil\n")  # the document's tags, whatever is shown
    assert re.findall(r"^(\w+)  score", out, re.M) == ["security"]
    code, out, _ = run(capsys, "explain", oil_file, "--model", model_path, "--json",
                       "--label", "oil", "--label", "diplomacy", "--top", "3")
    line = json.loads(out)  # one JSON line per record
    assert line["tags"] == ["oil"] and line["id"] == str(oil_file)
    data = line["labels"]
    assert [d["label"] for d in data] == ["oil", "diplomacy"]
    for d in data:
        total = d["intercept"] + d["other"] + sum(c for _, c in d["positive"] + d["negative"])
        assert total == pytest.approx(d["decision"], abs=1e-9)


def test_cli_explain_errors(capsys, model_path, oil_file, tmp_path):
    code, _, err = run(capsys, "explain", oil_file, "--model", model_path, "--label", "sports")
    assert code == 2 and "unknown label 'sports'" in err and len(err.strip().splitlines()) == 1
    assert run(capsys, "explain", tmp_path / "missing.txt", "--model", model_path)[0] == 2
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n", encoding="utf-8")
    code, _, err = run(capsys, "explain", blank, "--model", model_path)
    assert code == 2 and "empty" in err
    assert run(capsys, "explain", oil_file, "--model", model_path, "--top", "-1")[0] == 2


def test_cli_explain_stdin(model_path):
    result = subprocess.run(
        [sys.executable, "-m", "arclass", "explain", "--model", str(model_path), "--top", "1"],
        input=SECURITY.encode(), capture_output=True, check=True,
    )
    out = result.stdout.decode("utf-8")
    assert out.startswith("tags: security\n")
    assert "security  score" in out


def test_cli_explain_html(capsys, model_path, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text(OIL + " <script>alert('x')</script>", encoding="utf-8")
    page = tmp_path / "out" / "page.html"
    page.parent.mkdir()
    code, out, err = run(capsys, "explain", doc, "--model", model_path, "--html", page, "--label", "oil")
    assert code == 0 and out == "" and err == ""
    html = page.read_text(encoding="utf-8")
    assert 'dir="rtl"' in html and '<meta charset="utf-8">' in html
    assert "<script" not in html.lower() and "&lt;script&gt;" in html
    assert html.count('class="doc"') == 1  # only the label asked for
