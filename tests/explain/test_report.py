"""HTML pages: the explanation page and the evaluation report (`arclass evaluate --report`)."""

import html
import json
import re
import sys
import warnings
from html.parser import HTMLParser

import numpy as np
import pytest

from arclass.cli import main
from arclass.explain.html import MATPLOTLIB_MISSING
from arclass.explain.page import explanation_page
from arclass.explain.report import evaluation_report, precision_recall_points

OIL = "ارتفعت أسعار النفط الخام بعد قرار أوبك خفض الإنتاج، وأسعار النفط تواصل الصعود"
EVIL = 'هجوم قرب الموصل <script>alert("x")</script> & <img src=x onerror=alert(1)> "اقتباس"'


def assert_self_contained(page: str) -> None:
    lowered = page.lower()
    for needle in ("http://", "https://", 'src="//', "src='//", "<link", "@import", "url(", "<script"):
        assert needle not in lowered, needle
    assert re.search(r'<meta charset="utf-8">', page)
    assert page.startswith("<!DOCTYPE html>")
    for src in re.findall(r'src="([^"]*)"', page):
        assert src.startswith("data:image/png;base64,")


class _DocText(HTMLParser):
    """The text inside each <div class="doc">, and the <mark> styles in it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.docs, self.marks, self._depth, self._in_mark = [], [], 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "doc":
            self.docs.append("")
            self.marks.append([])
            self._depth = 1
        elif self._depth and tag == "mark":
            self.marks[-1].append([attrs["style"], ""])
            self._in_mark = True
        elif self._depth and tag == "div":
            self._depth += 1

    def handle_endtag(self, tag):
        if self._depth and tag == "div":
            self._depth -= 1
        elif tag == "mark":
            self._in_mark = False

    def handle_data(self, data):
        if self._depth:
            self.docs[-1] += data
            if self._in_mark:
                self.marks[-1][-1][1] += data


# -- explanation page ---------------------------------------------------------


def test_explanation_page(trained_tagger):
    page = explanation_page(trained_tagger, OIL, source="مقال.txt")
    assert_self_contained(page)
    # A left-to-right page (English headings and tables), the Arabic text in right-to-left blocks.
    assert '<html lang="en" dir="ltr">' in page
    assert page.count('<div class="doc" dir="rtl" lang="ar">') == len(trained_tagger.classes_)
    parser = _DocText()
    parser.feed(page)
    # One copy of the document per label, exactly as written.
    assert parser.docs == [OIL] * len(trained_tagger.classes_)
    explanations = trained_tagger.explain(OIL)
    assert [m.group(1) for m in re.finditer(r'<section id="label-\d+"><h2><bdi>(\w+)</bdi>:', page)] == [
        e.label for e in explanations
    ]
    # In the oil section (first: most probable), "النفط" is the greenest word.
    marks = parser.marks[0]
    alpha = {text: float(re.search(r"rgba\((\d+), (\d+), (\d+), ([\d.]+)\)", style).group(4))
             for style, text in marks if "rgba(22, 140, 74" in style}
    assert max(alpha, key=alpha.get) == "النفط"
    assert "مقال.txt" in page


def test_explanation_page_escapes_the_text(trained_tagger):
    page = explanation_page(trained_tagger, EVIL, labels=["security"])
    assert_self_contained(page)
    assert "<img" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;" in page and "&amp;" in page
    parser = _DocText()
    parser.feed(page)
    assert parser.docs == [EVIL]  # only the label asked for; text intact after unescaping
    for _, text in parser.marks[0]:
        assert text in EVIL


# -- precision-recall points ---------------------------------------------------


def test_precision_recall_points_match_scikit_learn(trained_tagger, builtin_data):
    from sklearn.metrics import precision_recall_curve

    rng = np.random.default_rng(0)
    cases = [
        (rng.random(200) < 0.3, rng.random(200)),
        (rng.random(300) < 0.5, rng.integers(0, 5, 300) / 4),  # many ties
        (np.array([1, 0, 1, 1, 0]), np.array([0.9, 0.9, 0.1, 0.5, 0.5])),
        (np.array([0, 1]), np.array([0.2, 0.2])),
    ]
    proba = trained_tagger.predict_proba(builtin_data.texts[::3])
    for k, label in enumerate(trained_tagger.classes_):
        truth = np.array([label in labels for labels in builtin_data.labels[::3]])
        cases.append((truth, proba[:, k]))
    for y, s in cases:
        ours = precision_recall_points(y, s)
        theirs = precision_recall_curve(y, s)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)
    # No positives: scikit-learn warns and sets recall to 1, as we do.
    y, s = np.zeros(6, bool), rng.random(6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = precision_recall_curve(y, s)
    for a, b in zip(precision_recall_points(y, s), theirs):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        precision_recall_points([], [])


# -- evaluation report -------------------------------------------------------


@pytest.fixture(scope="module")
def report_data(builtin_data):
    keep = list(range(0, len(builtin_data.texts), 2))
    texts = [builtin_data.texts[i] for i in keep]
    labels = [builtin_data.labels[i] for i in keep]
    ids = [builtin_data.ids[i] for i in keep]
    texts[1] = EVIL + " " + "نص طويل جدا " * 60  # escaped, and cut for the table
    labels[1] = ["oil"]  # surely missed: a false negative shown in the report
    return texts, labels, ids


@pytest.fixture(scope="module")
def report(trained_tagger, report_data):
    texts, labels, ids = report_data
    return evaluation_report(trained_tagger, texts, labels, ids, source="held-out.jsonl", mistakes=5)


def test_report_is_self_contained(report):
    assert_self_contained(report)
    assert 'dir="rtl"' in report  # the documents' text
    assert "held-out.jsonl" in report


def test_report_has_a_curve_and_a_histogram_per_label(report, trained_tagger):
    for kind in ("pr-curve", "histogram"):
        figures = re.findall(rf'<figure class="{kind}" data-label="(\w+)"><img alt="[^"]*" '
                             r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', report)
        assert [label for label, _ in figures] == trained_tagger.classes_
        for _, data in figures:
            assert len(data) > 1000


def test_report_counts_and_mistakes(report, trained_tagger, report_data):
    texts, labels, ids = report_data
    proba = trained_tagger.predict_proba(texts)
    rows = dict(re.findall(r'<tr><th><a href="#label-\d+">(\w+)</a></th>(.*?)</tr>', report))
    for k, label in enumerate(trained_tagger.classes_):
        y = np.array([label in doc for doc in labels])
        predicted = proba[:, k] >= trained_tagger.thresholds_[k]
        expected = [np.sum(y & predicted), np.sum(~y & predicted), np.sum(y & ~predicted),
                    np.sum(~y & ~predicted)]
        assert [int(n) for n in re.findall(r'class="num">(\d+)<', rows[label])] == expected
        section = report.split(f'<section id="label-{k}">')[1].split("</section>")[0]
        fp_part, fn_part = section.split("Worst false negatives")
        fp_ids = re.findall(r'<tr><td><span class="num">[\d.]+</span></td><td><bdi>([^<]*)</bdi></td>', fp_part)
        fn_ids = re.findall(r'<tr><td><span class="num">[\d.]+</span></td><td><bdi>([^<]*)</bdi></td>', fn_part)
        fp = [i for i in np.argsort(-proba[:, k], kind="stable") if predicted[i] and not y[i]][:5]
        fn = [i for i in np.argsort(proba[:, k], kind="stable") if y[i] and not predicted[i]][:5]
        assert fp_ids == [html.escape(ids[i]) for i in fp]
        assert fn_ids == [html.escape(ids[i]) for i in fn]
    assert ids[1] in report.split('<section id="label-1">')[1]  # the planted oil false negative


def test_report_text_is_escaped_and_cut(report):
    assert "<img src=x" not in report and "<script" not in report
    cell = re.search(r'<summary>([^<]*)</summary><div style="white-space: pre-wrap">([^<]*)</div>', report)
    assert cell, "long texts are cut, with the whole text behind <details>"
    snippet, full = html.unescape(cell.group(1)), html.unescape(cell.group(2))
    assert snippet.endswith("…") and len(snippet) <= 301
    assert " ".join(full.split()).startswith(snippet[:-1].rstrip())
    assert "&lt;script&gt;" in report


def test_report_with_a_label_missing_from_the_data(trained_tagger, builtin_data):
    texts = builtin_data.texts[:30]
    page = evaluation_report(trained_tagger, texts, [[] for _ in texts])
    assert_self_contained(page)
    assert 'class="pr-curve"' not in page
    assert page.count("no precision-recall curve") == len(trained_tagger.classes_)
    assert page.count('class="histogram"') == len(trained_tagger.classes_)


# -- the command -------------------------------------------------------------


def _write_jsonl(path, texts, labels):
    with open(path, "w", encoding="utf-8") as f:
        for text, doc_labels in zip(texts, labels):
            f.write(json.dumps({"text": text, "labels": doc_labels}, ensure_ascii=False) + "\n")


def test_cli_evaluate_report(tmp_path, capsys, model_path, builtin_data, trained_tagger):
    data = tmp_path / "data.jsonl"
    _write_jsonl(data, builtin_data.texts[::4], builtin_data.labels[::4])
    out_file = tmp_path / "report.html"
    code = main(["evaluate", str(data), "--model", str(model_path), "--report", str(out_file)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.splitlines()[0].startswith("label")  # the scores table is still printed
    page = out_file.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert page.count('class="pr-curve"') == len(trained_tagger.classes_)


def test_cli_report_without_matplotlib(tmp_path, capsys, model_path, builtin_data, monkeypatch):
    data = tmp_path / "data.jsonl"
    _write_jsonl(data, builtin_data.texts[:20], builtin_data.labels[:20])
    out_file = tmp_path / "report.html"
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    code = main(["evaluate", str(data), "--model", str(model_path), "--report", str(out_file)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "install arclass[report]" in err
    assert MATPLOTLIB_MISSING in err
    assert not out_file.exists()
    # Without --report, evaluate works as before.
    assert main(["evaluate", str(data), "--model", str(model_path)]) == 0
