import json
import subprocess
import sys

import pytest

from arclass.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_normalize_files_and_output(tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_bytes("\ufeffالْعَرَبِيَّةُ\r\nالدولی فی ٢٠١٥\n\nسطر\u200f أخير".encode("utf-8"))
    code, out, err = run(capsys, "normalize", str(src))
    assert code == 0 and err == ""
    assert out.split("\n") == ["العربيه", "الدولي في 2015", "", "سطر اخير", ""]
    dest = tmp_path / "out.txt"
    assert run(capsys, "normalize", str(src), "-o", str(dest))[0] == 0
    assert dest.read_text(encoding="utf-8") == out


def test_normalize_stdin():
    result = subprocess.run(
        [sys.executable, "-m", "arclass", "normalize"], input="أَهْلاً\nوسهلاً\n".encode(),
        capture_output=True, check=True,
    )
    assert result.stdout.decode() == "اهلا\nوسهلا\n"


def test_normalize_undecodable_input(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("سطر\n".encode() + "café été".encode("latin-1") + b"\n")
    dest = tmp_path / "out.txt"
    code, out, err = run(capsys, "normalize", str(bad), "-o", str(dest))
    assert code == 1  # like a failed record of tag: reported, and the lines stay aligned
    assert err.strip().startswith("arclass normalize: ") and "bad.txt:2" in err and "UTF-8 or Windows-1256" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert dest.read_text(encoding="utf-8") == "سطر\n\n"


def test_missing_file_and_unknown_flag(capsys):
    assert run(capsys, "normalize", "/no/such/file")[0] == 2
    with pytest.raises(SystemExit) as exc:
        main(["normalize", "--frobnicate"])
    assert exc.value.code == 2


def test_train_evaluate_info(tmp_path, capsys, builtin_data):
    data = tmp_path / "train.jsonl"
    with open(data, "w", encoding="utf-8") as f:
        for text, labels in zip(builtin_data.texts, builtin_data.labels):
            f.write(json.dumps({"text": text, "labels": labels}, ensure_ascii=False) + "\n")
    model = tmp_path / "m.arclass"
    code, out, err = run(capsys, "train", str(data), "-o", str(model), "--cv", "3",
                         "--card", str(tmp_path / "card.md"), "--eval", str(data))
    assert code == 0, err
    assert "cross-validated (3 folds)" in out
    for label in ("diplomacy", "oil", "security", "micro", "macro"):
        assert label in out
    card = (tmp_path / "card.md").read_text(encoding="utf-8")
    assert "## Cross-validated scores" in card and f"Held-out evaluation: `{data}`" in card

    code, out, err = run(capsys, "evaluate", str(data), "--model", str(model), "--json")
    table = json.loads(out)
    assert code == 0 and set(table) == {"diplomacy", "oil", "security", "micro", "macro"}
    assert table["micro"]["f1"] > 0.9 and table["oil"]["support"] == sum("oil" in l for l in builtin_data.labels)

    code, out, err = run(capsys, "info", "--model", str(model))
    assert code == 0 and "labels:           diplomacy, oil, security" in out

    code, out, err = run(capsys, "info", "--model", str(model), "--json")
    assert json.loads(out)["training"]["n_documents"] == len(builtin_data.texts)


def test_train_errors(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "نص", "labels": ["oil"]}\n{"text": "x"\n', encoding="utf-8")
    code, out, err = run(capsys, "train", str(bad), "-o", str(tmp_path / "m"))
    assert code == 2 and "bad.jsonl:2" in err
    few = tmp_path / "few.jsonl"
    few.write_text('{"text": "نص", "labels": ["oil"]}\n{"text": "نص آخر", "labels": []}\n', encoding="utf-8")
    code, out, err = run(capsys, "train", str(few), "-o", str(tmp_path / "m"))
    assert code == 2 and "cannot train" in err
    assert not (tmp_path / "m").exists()
    assert run(capsys, "train", "-o", str(tmp_path / "m"))[0] == 2


def test_unreadable_model(tmp_path, capsys):
    bad = tmp_path / "bad.arclass"
    bad.write_bytes(b"not a zip")
    code, out, err = run(capsys, "info", "--model", str(bad))
    assert code == 2 and "cannot load model" in err and "\n" == err[-1] and err.count("\n") == 1


def test_train_with_character_ngrams(tmp_path, capsys, builtin_data):
    data = tmp_path / "train.jsonl"
    with open(data, "w", encoding="utf-8") as f:
        for text, labels in list(zip(builtin_data.texts, builtin_data.labels))[:300]:
            f.write(json.dumps({"text": text, "labels": labels}, ensure_ascii=False) + "\n")
    model = tmp_path / "char.arclass"
    card = tmp_path / "card.md"
    code, _, _ = run(capsys, "train", str(data), "-o", str(model), "--cv", "2", "--analyzer", "char_wb",
                     "--ngram-range", "3,4", "--card", str(card))
    assert code == 0
    assert "analyzer='char_wb'" in card.read_text(encoding="utf-8")
    assert "words, not character n-grams" not in card.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "info", "--model", str(model))
    assert code == 0 and "analyzer='char_wb'" in out and "ngram_range=(3, 4)" in out
    code, _, err = run(capsys, "train", str(data), "-o", str(tmp_path / "bad.arclass"), "--ngram-range", "3,2")
    assert code == 2 and "ngram_range" in err and not (tmp_path / "bad.arclass").exists()
