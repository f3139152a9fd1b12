"""pgolf.realrepo.codefails rows: built from the shared scan's Outcome, evidence lines kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgolf.findings import Status
from pgolf.realrepo.codefails import main, row_of
from pgolf.realrepo.scan import Finding, Outcome, pr_target


def _outcome() -> Outcome:
    fail = Finding("PG401", "NGRAM-TARGET-IN-KEY", Status.FAIL, "target in key", ("train_gpt.py:1018: lookup",))
    warn = Finding("PG408", "MULTI-PASS/RESCORE", Status.WARN, "maybe", ())
    return Outcome(target=pr_target(909, "records/x/y"), findings={"leaderboard": [fail, warn], "readme": []})


def test_a_row_keeps_the_policys_results_with_their_evidence_lines() -> None:
    row = row_of(_outcome(), "leaderboard")
    assert row["pr"] == 909 and row["folder"] == "records/x/y" and "crash" not in row
    assert [r["code"] for r in row["results"]] == ["PG401", "PG408"]
    assert row["results"][0]["evidence"] == ["train_gpt.py:1018: lookup"]
    assert row_of(_outcome(), "readme")["results"] == []


def test_diff_names_fails_gained_and_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    before = row_of(_outcome(), "leaderboard")
    after = {**before, "results": [{**before["results"][1], "status": str(Status.FAIL)}]}
    old.write_text(json.dumps(before) + "\n")
    new.write_text(json.dumps(after) + "\n")
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "#909 records/x/y: -NGRAM-TARGET-IN-KEY +MULTI-PASS/RESCORE"
