"""The folder loader: roles, hashes, track, and what it refuses to follow or read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pgolf.errors import InputError, UsageError
from pgolf.folder import FileRole, classify, load_folder


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "records" / "track_non_record_16mb" / "2026-04-01_x"
    (root / "logs").mkdir(parents=True)
    (root / "train_gpt.py").write_text("print('hi')\n")
    (root / "logs" / "train0.txt").write_text("step:1/2 train_loss:1.0\n")
    (root / "submission.json").write_text("{}")
    return root


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("submission.json", FileRole.SUBMISSION_JSON),
        ("submission_ternary.json", FileRole.SUBMISSION_JSON),
        ("README.md", FileRole.README),
        ("requirements.txt", FileRole.REQUIREMENTS),
        ("train_gpt.py", FileRole.CODE),
        ("online_ngram_state.c", FileRole.CODE),
        ("logs/train0.txt", FileRole.LOG),
        ("train_seed42.log", FileRole.LOG),
        ("final_model.int6.ptz", FileRole.MODEL),
        ("tokenizers/fineweb_8192_bpe.model", FileRole.TOKENIZER),
        ("notes.png", FileRole.OTHER),
    ],
)
def test_classify(path: str, role: FileRole) -> None:
    assert classify(path) is role


def test_lists_files_with_hashes_and_track(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    folder = load_folder(root, hash_files=True)
    assert folder.track_dir == "track_non_record_16mb"
    assert [f.path for f in folder.files] == ["submission.json", "train_gpt.py", "logs/train0.txt"]
    script = folder.get("train_gpt.py")
    assert script is not None
    assert script.sha256 == hashlib.sha256(b"print('hi')\n").hexdigest()
    assert folder.read_text(script) == "print('hi')\n"


def test_symlinks_are_listed_as_skipped_never_followed(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.log").write_text("secret")
    (root / "escape.log").symlink_to(outside / "secret.log")
    (root / "escape_dir").symlink_to(outside)
    (root / "inner.log").symlink_to(root / "train_gpt.py")
    folder = load_folder(root)
    reasons = {s.path: s.reason for s in folder.skipped}
    assert "outside the folder" in reasons["escape.log"]
    assert "outside the folder" in reasons["escape_dir"]
    assert "inside the folder" in reasons["inner.log"]
    assert all(not f.path.startswith("escape") for f in folder.files)


def test_read_caps_and_binary_refusal(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    (root / "junk.log").write_bytes(b"\x00\x01\x02" * 10)
    folder = load_folder(root)
    junk = folder.get("junk.log")
    assert junk is not None
    with pytest.raises(InputError, match="binary"):
        folder.read_text(junk)
    script = folder.get("train_gpt.py")
    assert script is not None
    with pytest.raises(InputError, match="read cap"):
        folder.read_bytes(script, cap=4)


def test_bom_is_stripped_and_bad_utf8_replaced(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    (root / "submission.json").write_bytes(b'\xef\xbb\xbf{"a": "\xff"}')
    folder = load_folder(root)
    entry = folder.get("submission.json")
    assert entry is not None
    assert folder.read_text(entry) == '{"a": "\ufffd"}'


def test_not_a_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_folder(tmp_path / "missing")
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        load_folder(tmp_path / "f")
    (tmp_path / "link").symlink_to(tmp_path)
    with pytest.raises(InputError, match="symlink"):
        load_folder(tmp_path / "link")


def test_hashing_is_opt_in_and_bounded(tmp_path: Path) -> None:
    from pgolf.folder import MAX_HASH_BYTES

    root = _folder(tmp_path)
    with (root / "sparse.bin").open("wb") as fh:
        fh.truncate(MAX_HASH_BYTES + 1)  # sparse: never read
    assert all(f.sha256 is None for f in load_folder(root).files)
    folder = load_folder(root, hash_files=True)
    big = folder.get("sparse.bin")
    assert big is not None and big.sha256 is None and big.size == MAX_HASH_BYTES + 1
    assert any(s.path == "sparse.bin" and "not hashed" in s.reason for s in folder.skipped)
    assert folder.get("train_gpt.py") is not None and folder.get("train_gpt.py").sha256 is not None  # type: ignore[union-attr]
