"""`pgolf validate`: one line per error, never a blocking read, bounded work on large documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pgolf.cli import main
from pgolf.meta.strict import validate_bytes


@pytest.mark.timeout(20)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "submission.json"
    os.mkfifo(fifo)  # no writer: a plain open() would wait forever

    code = main(["validate", str(fifo)])

    assert code == 1
    assert "is not a regular file (a FIFO, socket or device); not read" in capsys.readouterr().out


def test_many_duplicate_keys_are_each_reported_once() -> None:
    body = ", ".join(f'"k{i % 1000}": {i}' for i in range(20_000))

    errors = validate_bytes(("{" + body + "}").encode())

    duplicates = [e for e in errors if e.message.startswith("duplicate key")]
    assert len(duplicates) == 1000


def test_many_seeds_validate(tmp_path: Path) -> None:
    n = 5_000
    doc = {
        "seeds": list(range(n)),
        "seed_results": {str(i): {"val_bpb": 1.0} for i in range(n)},
        "val_bpb": 1.0,
    }
    errors = validate_bytes(json.dumps(doc).encode())
    assert not [e for e in errors if e.pointer.startswith("/seed_results/")]


def test_unknown_keys_warn_and_errors_name_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from checks.fixture_kit import submission_json

    doc = json.loads(submission_json())
    doc["blurbb"] = "misspelt"
    path = tmp_path / "submission.json"
    path.write_text(json.dumps(doc), encoding="utf-8")

    assert main(["validate", str(path)]) == 0
    assert "#/blurbb: warning: a key the schema does not define (allowed)" in capsys.readouterr().err

    del doc["author"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert f"`pgolf submission fix {tmp_path}` repairs" in capsys.readouterr().err
