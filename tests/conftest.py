"""Shared test data: the labeled seed set shipped in the package."""

import json
from importlib import resources

import pytest


@pytest.fixture(scope="session")
def seed_records():
    path = resources.files("arclass") / "data" / "seeds.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="session")
def seed_texts(seed_records):
    return [r["text"] for r in seed_records]


@pytest.fixture(scope="session")
def builtin_data():
    from arclass.io.labeled import load_builtin

    return load_builtin()


@pytest.fixture(scope="session")
def trained_tagger(builtin_data):
    """A tagger trained on the shipped labeled data (3 folds, to stay quick)."""
    from arclass import TopicTagger

    return TopicTagger(cv=3).fit(builtin_data.texts, builtin_data.labels)


@pytest.fixture(scope="session")
def model_path(trained_tagger, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "test.arclass"
    trained_tagger.save(path)
    return path
