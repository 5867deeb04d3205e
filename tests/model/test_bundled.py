"""The default model shipped in models/: present, current with the repo's data, sane."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import arclass
from arclass.io.labeled import load_builtin
from arclass.model.bundled import REBUILD, default_model_path
from arclass.model.tagger import training_checksum



@pytest.fixture(scope="module")
def bundled():
    return arclass.load()


def test_bundled_model_is_installed_with_its_card():
    path = default_model_path()
    assert path.is_file(), f"no bundled model at {path}; rebuild it: {REBUILD}"
    assert (path.parent / "MODEL_CARD.md").is_file()


def test_bundled_model_was_trained_on_the_data_in_the_repo(bundled):
    data = load_builtin()
    assert bundled.training_["sha256"] == training_checksum(data.texts, data.labels), (
        f"the built-in data changed since the bundled model was trained; rebuild it: {REBUILD}"
    )
    assert bundled.training_["n_documents"] == len(data.texts)


def test_model_card_shows_the_bundled_thresholds(bundled):
    card = (default_model_path().parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert bundled.training_["sha256"] in card
    for label, threshold in zip(bundled.classes_, bundled.thresholds_):
        assert re.search(rf"\| {label} \|.*\| {threshold:.3f} \|", card), label


@pytest.mark.parametrize(
    "text, tags",
    [
        ("ارتفعت أسعار النفط بعد قرار أوبك+ خفض الإنتاج", ["oil"]),
        ("استقبل وزير الخارجية سفير فرنسا وبحثا العلاقات الثنائية", ["diplomacy"]),
        ("الهلال يفوز على النصر في ديربي العاصمة", []),
        ("مقتل خمسة عناصر من داعش في غارة جوية للتحالف شمال العراق", ["security"]),
        ("أمطار غزيرة على جدة وتعليق الدراسة في المدارس غدا", []),
    ],
)
def test_bundled_model_tags_plain_news(bundled, text, tags):
    assert bundled.tag(text) == tags


def test_bundled_model_fits_its_own_seed_set(bundled, seed_records):
    texts = [r["text"] for r in seed_records]
    labels = [r["labels"] for r in seed_records]
    assert bundled.score(texts, labels) >= 0.9


def test_readme_first_command_tags_with_the_bundled_model():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "arclass tag --lines" in line)
    samples = re.findall(r"'([^']*[\u0600-\u06ff][^']*)'", command)
    assert len(samples) == 3
    out = subprocess.run(
        [sys.executable, "-m", "arclass", "tag", "--lines", "--format", "tsv"],
        input="\n".join(samples) + "\n", capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert out[0].split("\t")[:2] == ["id", "tags"]
    # The three samples of the README: an OPEC decision, an ambassador's visit, a football match.
    assert [row.split("\t")[1] for row in out[1:]] == ["oil", "diplomacy", ""]
