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
