"""One input/output contract across verbs, and file-level mistakes caught once (as subprocesses)."""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import arclass


def arclass_run(*args, stdin=None, timeout=300):
    done = subprocess.run([sys.executable, "-m", "arclass", *map(str, args)], input=stdin, capture_output=True,
                          text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def labeled(tmp_path, builtin_data):
    path = tmp_path / "labeled.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i, (text, labels) in enumerate(zip(builtin_data.texts[:400], builtin_data.labels[:400])):
            title, _, body = text.partition("\n")
            f.write(json.dumps({"id": f"d{i}", "title": title, "body": body, "labels": labels},
                               ensure_ascii=False) + "\n")
    return path


def test_a_semicolon_csv_is_read_by_its_header(tmp_path, model_path):
    path = tmp_path / "excel.csv"
    path.write_text("id;title;text\n1;عنوان;ارتفعت أسعار النفط بعد قرار أوبك\n2;رياضة;الهلال يفوز على النصر\n",
                    encoding="utf-8")
    code, out, err = arclass_run("tag", path, "--model", model_path, "-q")
    assert code == 0, err
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["1", "2"]


def test_a_misnamed_text_field_is_one_usage_error(tmp_path, model_path):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"body": "نص رقم %d" % i}) + "\n" for i in range(50)), encoding="utf-8")
    code, out, err = arclass_run("tag", path, "--model", model_path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no 'text' field in each of the first 50 records" in err and "--text-field" in err


def test_several_text_fields_are_joined(tmp_path, model_path):
    path = tmp_path / "in.jsonl"
    rows = [{"id": "a", "title": "ارتفعت أسعار النفط", "text": ""}, {"id": "b", "title": "", "text": "الهلال يفوز"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    code, out, _ = arclass_run("tag", path, "--model", model_path, "--text-field", "title,text", "-q")
    assert code == 0
    assert [json.loads(line)["error"] for line in out.splitlines()] == [None, None]
    code, out, _ = arclass_run("tag", path, "--model", model_path, "-q")
    assert code == 1 and json.loads(out.splitlines()[0])["error"] == "empty text"


def test_jsonl_on_stdin_without_jsonl_warns(model_path):
    lines = "".join(json.dumps({"text": "نص"}) + "\n" for _ in range(3))
    code, out, err = arclass_run("tag", "-", "--model", model_path, "-q", stdin=lines)
    assert code == 0 and len(out.splitlines()) == 1
    assert "looks like JSON Lines" in err and "--jsonl" in err


@pytest.mark.parametrize("setup, message", [
    (lambda d: (d / "empty").mkdir() or d / "empty", "no file matches '*.txt'"),
    (lambda d: d / "nothing.txt", "no such file or folder"),
])
def test_no_input_found_is_a_usage_error(tmp_path, model_path, setup, message):
    code, _, err = arclass_run("tag", setup(tmp_path), "--model", model_path)
    assert code == 2 and message in err


@pytest.mark.parametrize("name, check", [
    ("out.csv", lambda text: next(csv.reader([text.splitlines()[0]]))[:2] == ["id", "tags"]),
    ("out.tsv", lambda text: text.splitlines()[0].split("\t")[:2] == ["id", "tags"]),
    ("out.jsonl", lambda text: json.loads(text.splitlines()[0])["tags"] == ["oil"]),
])
def test_the_output_format_follows_the_file_name(tmp_path, model_path, name, check):
    doc = tmp_path / "doc.txt"
    doc.write_text("ارتفعت أسعار النفط بعد قرار أوبك خفض الإنتاج", encoding="utf-8")
    code, _, _ = arclass_run("tag", doc, "--model", model_path, "-o", tmp_path / name, "-q")
    assert code == 0 and check((tmp_path / name).read_text(encoding="utf-8"))


def test_train_and_evaluate_read_stdin_and_several_fields(tmp_path, labeled):
    data = labeled.read_text(encoding="utf-8")
    model = tmp_path / "m.arclass"
    code, out, err = arclass_run("train", "-", "-o", model, "--text-field", "title,body", "--cv", "2",
                                 "--min-df", "2", "--seed", "3", stdin=data)
    assert code == 0, err
    tagger = arclass.load(model)
    assert tagger.vectorizer_.min_df == 2 and tagger.random_state == 3
    code, out, err = arclass_run("evaluate", "-", "--model", model, "--text-field", "title,body", stdin=data)
    assert code == 0, err
    assert re.search(r"^micro\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+", out, re.M)


def test_evaluate_names_unknown_and_unsupported_labels(tmp_path, model_path):
    path = tmp_path / "data.jsonl"
    rows = [{"text": "ارتفعت أسعار النفط", "labels": ["oil", "sports"]}, {"text": "الهلال يفوز", "labels": []}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    code, out, err = arclass_run("evaluate", path, "--model", model_path)
    assert code == 0
    assert "does not know, ignored: sports" in err
    assert "no document carries diplomacy, security" in err and "over 1 labels" in err
    path.write_text(json.dumps({"text": "نص", "labels": ["sports"]}) + "\n", encoding="utf-8")
    code, _, err = arclass_run("evaluate", path, "--model", model_path)
    assert code == 2 and "none of the data's labels (sports)" in err


def test_explain_each_record_or_one_by_id(tmp_path, model_path):
    path = tmp_path / "in.jsonl"
    rows = [{"id": "oil", "text": "ارتفعت أسعار النفط بعد قرار أوبك"}, {"id": "war", "text": "غارة جوية على مواقع داعش"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    code, out, _ = arclass_run("explain", path, "--model", model_path, "--top", "2")
    assert code == 0 and re.findall(r"^== (\w+)$", out, re.M) == ["oil", "war"]
    assert "\\n" not in out
    code, out, _ = arclass_run("explain", path, "--model", model_path, "--id", "war", "--json")
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == ["war"]
    code, _, err = arclass_run("explain", path, "--model", model_path, "--id", "nope")
    assert code == 2 and "no record with id 'nope'" in err


def test_a_users_card_describes_the_users_model(tmp_path, labeled):
    model, card = tmp_path / "mine.arclass", tmp_path / "mine.md"
    code, _, err = arclass_run("train", labeled, "-o", model, "--card", card, "--cv", "2",
                               "--text-field", "title,body")
    assert code == 0, err
    text = card.read_text(encoding="utf-8")
    assert f"arclass train {labeled}" in text and "mine.arclass" in text
    assert "models/default.arclass" not in text and "labeling guide" not in text


def test_integer_classes_survive_save_and_load(tmp_path, builtin_data):
    from sklearn.preprocessing import MultiLabelBinarizer

    texts, labels = builtin_data.texts[:300], builtin_data.labels[:300]
    Y = MultiLabelBinarizer().fit_transform(labels)
    tagger = arclass.TopicTagger(cv=2).fit(texts, Y)
    tagger.save(tmp_path / "m.arclass")
    loaded = arclass.load(tmp_path / "m.arclass")
    assert loaded.classes_ == [0, 1, 2] and all(type(c) is int for c in loaded.classes_)
    assert isinstance(loaded.predict(texts[:5]), np.ndarray)
    np.testing.assert_array_equal(loaded.predict(texts[:5]), tagger.predict(texts[:5]))


def test_the_readme_grid_search_runs_as_written(builtin_data):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "GridSearchCV" in b)
    namespace = {"arclass": arclass, "texts": builtin_data.texts[:300], "labels": builtin_data.labels[:300]}
    exec(block.replace("arclass.TopicTagger()", "arclass.TopicTagger(cv=2)"), namespace)
    assert namespace["search"].best_params_


def test_verbs_describe_themselves():
    for verb in ("tag", "normalize", "train", "evaluate", "explain", "info"):
        code, out, _ = arclass_run(verb, "-h")
        assert code == 0 and len(out.split("\n\n")[1]) > 30, verb  # a description after the usage
    code, out, _ = arclass_run("train", "-h")
    for flag in ("--text-field", "--labels-field", "--min-df", "--max-features", "--stop-words", "--seed",
                 "--class-weight", "--ngram-range", "--title-weight"):
        assert flag in out
    assert "``" not in out and ":class:" not in out
