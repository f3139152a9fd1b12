"""The submission.json readers against every real submission*.json in ../shared/corpus.

Skipped where the corpus is absent. Figures are printed straight to the terminal (even under
capture) so they can be quoted:
    pytest -m corpus tests/corpus/test_corpus_meta.py
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pgolf.folder import load_folder
from pgolf.meta import pointers
from pgolf.meta.lenient import read_meta_bytes, read_submission_json
from pgolf.meta.model import Claimed, MetaReadResult, SubmissionMeta
from pgolf.meta.strict import SchemaError, SubmissionV1, validate_file

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@dataclass
class Survey:
    files: list[Path]
    results: dict[Path, MetaReadResult] = field(default_factory=dict)
    strict: dict[Path, list[SchemaError]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def survey() -> Survey:
    if not (CORPUS / "main").is_dir():
        pytest.skip(f"no corpus at {CORPUS} (a fresh clone has no ../shared); corpus tests need it")
    files = sorted(CORPUS.rglob("submission*.json"))
    found = Survey(files=files)
    for path in files:
        found.results[path] = read_meta_bytes(path.read_bytes(), path.name)
        found.strict[path] = validate_file(path)
    return found


def _claims(meta: SubmissionMeta) -> list[Claimed[Any]]:
    found: list[Claimed[Any]] = [v for v in dict(meta).values() if isinstance(v, Claimed)]
    found += meta.seeds
    for seed in meta.seed_results.values():
        found += [v for v in dict(seed).values() if isinstance(v, Claimed)]
    return found


def test_the_corpus_has_submission_files(survey: Survey) -> None:
    assert len(survey.files) >= 100


def test_every_file_loads_or_says_why(survey: Survey, capsys: pytest.CaptureFixture[str]) -> None:
    unreadable = {p: r for p, r in survey.results.items() if r.meta is None}
    for result in unreadable.values():
        assert result.problems and all(p.message for p in result.problems)
    metas = [r.meta for r in survey.results.values() if r.meta is not None]
    counts = {
        "files": len(survey.files),
        "loaded": len(metas),
        "headline val_bpb": sum(m.val_bpb is not None for m in metas),
        "per-seed claims": sum(bool(m.seed_results) for m in metas),
        "bytes_total": sum(m.bytes_total is not None for m in metas),
        "track given": sum(m.track is not None for m in metas),
        "with repairs": sum(bool(m.repairs) for m in metas),
        "strict-valid": sum(not errors for errors in survey.strict.values()),
    }
    with capsys.disabled():
        print("\nsubmission.json corpus: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for path, result in unreadable.items():
            print(f"  unreadable: {path.relative_to(CORPUS)}: {result.problems[0].message}")
    # ENVIRONMENT.md §4.1: the historical files parse (the broken 8 of 1,717 are not in this sample).
    assert counts["loaded"] == counts["files"]
    assert counts["headline val_bpb"] >= 0.9 * counts["files"]


def test_every_pointer_resolves_in_the_real_file(survey: Survey) -> None:
    for path, result in survey.results.items():
        if result.meta is None:
            continue
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
        for claim in _claims(result.meta):
            pointers.resolve(doc, claim.pointer)
        for repair in result.meta.repairs:
            pointers.resolve(doc, repair.pointer)


def test_the_folder_reader_agrees_with_the_byte_reader(survey: Survey) -> None:
    folders = sorted({p.parent for p in survey.files})
    for folder in folders:
        result = read_submission_json(load_folder(folder, hash_files=False))
        assert result is not None, folder
        direct = survey.results[folder / result.path]
        assert result.meta == direct.meta


def test_the_pydantic_model_agrees_with_the_committed_schema(survey: Survey) -> None:
    for path, errors in survey.strict.items():
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
        try:
            SubmissionV1.model_validate(doc)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted is (not errors), (path, errors)


def test_strict_failures_are_readable(survey: Survey) -> None:
    for errors in survey.strict.values():
        for error in errors:
            assert error.pointer == "" or error.pointer.startswith("/")
            assert error.message and "Traceback" not in error.message
            assert len(error.message) < 400
