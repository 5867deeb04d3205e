"""arclass.text.pieces: texts as numpy pieces, and the exact piece table."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arclass.text.pieces
from arclass import ArabicTfidfVectorizer
from arclass.text.pieces import _equal_runs, _Pieces, _PieceTable, _ranges


def test_whitespace_is_what_str_split_splits_on():
    # The constant must follow the running Python's Unicode tables.
    assert arclass.text.pieces.WHITESPACE == tuple(c for c in range(0x110000) if chr(c).isspace())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=5))
def test_pieces_split_like_str_split(texts):
    pieces = _Pieces(texts)
    split = [t.split() for t in texts]
    assert pieces.per_text.tolist() == [len(s) for s in split]
    flat = [p for s in split for p in s]
    assert len(pieces) == len(flat)
    if flat:
        assert pieces.joined(np.arange(len(flat))) == "\n".join(flat)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 6)), max_size=30))
def test_ranges(runs):
    starts = np.array([s for s, _ in runs], dtype=np.int64)
    lengths = np.array([n for _, n in runs], dtype=np.int64)
    expected = [i for s, n in runs for i in range(s, s + n)]
    assert _ranges(starts, lengths).tolist() == expected


def test_equal_runs():
    a = np.array([1, 2, 3, 4, 5, 1, 2, 9], dtype=np.uint32)
    equal = _equal_runs(a, np.array([0, 0, 1]), a, np.array([5, 5, 6]), np.array([2, 3, 1]))
    assert equal.tolist() == [True, False, True]


def _learn_lengths(joined, n, store):
    return np.array([len(line) for line in joined.split("\n")], dtype=np.int64)


def test_table_values_and_collisions(monkeypatch):
    table = _PieceTable()
    pieces = _Pieces(["ab ab abc", "x"])
    assert table.resolve(pieces, _learn_lengths).tolist() == [2, 2, 3, 1]
    assert len(table) == 3
    # Every hash equal: one piece is stored, the others learned every time.
    monkeypatch.setattr(arclass.text.pieces, "_powers", lambda n: (np.zeros(n + 1, np.uint64),) * 2)
    table = _PieceTable()
    pieces = _Pieces(["ab ab abc", "x y"])
    calls = []

    def learn(joined, n, store):
        calls.append((joined, store))
        return _learn_lengths(joined, n, store)

    for _ in range(2):
        assert table.resolve(pieces, learn).tolist() == [2, 2, 3, 1, 1]
    assert len(table) == 1
    assert calls[0][1] and not calls[1][1] and not calls[2][1]


def test_table_grows_and_stays_exact():
    table = _PieceTable()
    words = [f"w{i}" for i in range(40_000)]  # several rehashes
    for start in range(0, len(words), 7_000):
        texts = [" ".join(words[start : start + 7_000]), " ".join(words[: start + 1])]
        values = table.resolve(_Pieces(texts), _learn_lengths)
        assert values.tolist() == [len(w) for t in texts for w in t.split()]
    assert len(table) == len(words)


@pytest.mark.parametrize("constant", [False, True])
def test_vectorizer_survives_hash_collisions(seed_texts, monkeypatch, constant):
    expected = ArabicTfidfVectorizer()
    fitted = expected.fit_transform(seed_texts)
    again = expected.transform(seed_texts[::-1])

    def powers(n):
        weak = np.zeros(n + 1, np.uint64) if constant else np.ones(n + 1, np.uint64)
        return weak, weak

    monkeypatch.setattr(arclass.text.pieces, "_powers", powers)
    vectorizer = ArabicTfidfVectorizer()
    assert (vectorizer.fit_transform(seed_texts) != fitted).nnz == 0
    assert vectorizer.vocabulary_ == expected.vocabulary_
    assert (vectorizer.transform(seed_texts[::-1]) != again).nnz == 0
