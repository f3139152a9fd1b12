"""Artifact bytes in one place (pgolf.artifact): both accountings, loaded helpers, measured models."""

from __future__ import annotations

from pathlib import Path

from checks.fixture_kit import Fixture, old_log, standard_files
from pgolf.artifact import CodeCount, account_artifact
from pgolf.findings import Status
from pgolf.folder import load_folder
from pgolf.logs.collect import read_logs

SHIM = 'exec(open(__file__.replace("train_gpt.py", "train_impl.py")).read())\n'


def _folder(tmp_path: Path) -> Path:
    files = standard_files(
        {1337: 1.1192}, log=old_log, log_kwargs={"model_bytes": 15_900_000, "total_bytes": 15_900_070}
    )
    log = str(files["train_seed1337.log"]).replace("Code size: 67017 bytes", f"Code size: {len(SHIM)} bytes")
    files.update({"train_seed1337.log": log, "train_gpt.py": SHIM, "train_impl.py": "x = 1\n" * 20_000})
    return Fixture("2026-04-06_shim", Status.PASS, files, "shim").write(tmp_path)


def test_both_accountings_and_the_excluded_helper(tmp_path: Path) -> None:
    folder = load_folder(_folder(tmp_path))
    acc = account_artifact(folder, read_logs(folder), cap=16_000_000)
    assert acc.entry is not None and acc.entry.shipped_bytes == len(SHIM)
    assert [f.path for f in acc.loaded] == ["train_impl.py"]
    assert acc.shipped_code_bytes == len(SHIM) + 120_000
    (run,) = acc.runs
    assert run.code_count is CodeCount.RAW_ENTRY
    assert run.total("leaderboard") == 15_900_070  # as practiced: the run's own total line
    assert run.total("readme") == 15_900_000 + len(SHIM) + 120_000  # as written: shipped code + model
    assert [f.path for f in acc.excluded] == ["train_impl.py"]


def test_a_measured_model_is_accounted_as_its_own_run(tmp_path: Path) -> None:
    folder = load_folder(_folder(tmp_path))
    acc = account_artifact(folder, (), model_bytes=15_000_000)
    (run,) = acc.runs
    assert run.source == "measured"
    assert run.written_total == 15_000_000 + len(SHIM) + 120_000
    assert run.practiced_total is None  # no log: no logged code size to add
    assert acc.largest("readme") is run


def test_exec_loaded_programs_are_told_from_imported_modules(tmp_path: Path) -> None:
    folder = load_folder(_folder(tmp_path))
    assert [f.executed for f in account_artifact(folder).loaded] == [True]
    (tmp_path / "records/track_10min_16mb/2026-04-06_shim/train_gpt.py").write_text("import train_impl\n")
    assert [f.executed for f in account_artifact(load_folder(folder.root)).loaded] == [False]


def test_a_seed_claim_read_as_the_total_is_cited_once(tmp_path: Path) -> None:
    """Without `bytes_total`, the largest seed `artifact_bytes` stands for it (same pointer): one line (#445)."""
    import json

    from pgolf.engine import check_folder
    from pgolf.ruleset import load_ruleset

    files = standard_files()
    doc = json.loads(str(files["submission.json"]))
    del doc["bytes_total"]
    doc["seed_results"]["42"]["artifact_bytes"] = 16_374_443
    files["submission.json"] = json.dumps(doc)
    path = Fixture("2026-03-22_seed_claim_over", Status.FAIL, files, "#445").write(tmp_path)
    (result,) = check_folder(path, load_ruleset(), select=["PG201"]).results
    assert result.status is Status.FAIL
    pointers = [e.location.json_pointer for e in result.evidence if e.location.json_pointer]
    assert pointers == ["/seed_results/42/artifact_bytes"]
