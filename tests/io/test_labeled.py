import gzip
import json

import pytest

from arclass.io.labeled import (
    LabeledDataError, _builtin, builtin_files, load_authored, load_builtin, load_seeds, read_labeled,
)

TOPICS = {"security", "oil", "diplomacy"}


def test_builtin_sets_are_clean():
    seeds, authored = load_seeds(), load_authored()
    for data in (seeds, authored):
        assert len(data.texts) == len(data.labels) == len(data.ids)
        assert len(set(data.ids)) == len(data.ids)
        assert all(set(labels) <= TOPICS for labels in data.labels)
        assert all(text.strip() == text and text for text in data.texts)
    # Authored texts are kept apart from the seed-drawn units.
    assert not set(seeds.texts) & set(authored.texts)
    # Each authored text's id names the file (region or theme) it belongs to.
    for name in builtin_files()[1:]:
        stem = name[len("authored/"):-len(".jsonl")]
        assert all(i.startswith(stem + ":") for i in _builtin(name).ids), name
    # Every topic, and "no tag", is well represented in the training data.
    everything = load_builtin()
    for topic in TOPICS:
        assert sum(topic in labels for labels in everything.labels) >= 100
    assert sum(not labels for labels in everything.labels) >= 200


def test_seed_ids_name_file_and_line():
    seeds = load_seeds()
    assert all(":" in i and i.split(":")[1].isdigit() for i in seeds.ids)
    assert len({i.split(":")[0] for i in seeds.ids}) == 5


def test_read_labeled_plain_and_gzip(tmp_path):
    rows = [{"id": "a", "text": "نص أول", "labels": ["oil"]}, {"text": "نص ثان", "labels": []}]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n"
    (tmp_path / "d.jsonl").write_text(body, encoding="utf-8")
    with gzip.open(tmp_path / "d.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(body)
    for name in ("d.jsonl", "d.jsonl.gz"):
        data = read_labeled(tmp_path / name)
        assert data.texts == ["نص أول", "نص ثان"]
        assert data.labels == [["oil"], []]
        assert data.ids[0] == "a" and data.ids[1].endswith(":2")


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "JSON object"),
        ('{"text": "", "labels": []}', "non-empty string"),
        ('{"text": 5, "labels": []}', "is a number, not a string"),
        ('{"text": "نص", "labels": "oil"}', "list of label names"),
        ('{"text": "نص"}', "list of label names"),
    ],
)
def test_read_labeled_errors_name_the_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "نص", "labels": []}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(LabeledDataError, match=rf"bad.jsonl:2: .*{message}"):
        read_labeled(path)
