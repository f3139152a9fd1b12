"""Run folders: atomic writes, the index, resume at the first unfinished seed."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from pgolf.errors import UsageError
from pgolf.runner import store as store_module
from pgolf.runner.model import EnvFingerprint, Plan, ProcessOutcome, SeedStatus
from pgolf.runner.plan import plan
from pgolf.runner.store import RESERVE_BYTES, RESERVE_FILE, DiskFull, RunStore, load_run, read_record, write_atomic

from .runner_fakes import make_manifest, make_options, record_for


@pytest.fixture
def the_plan(tmp_path: Path) -> Plan:
    return plan(make_manifest(seeds=[1, 2, 3]), make_options(tmp_path))


def test_write_atomic_replaces_whole_files_and_leaves_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "a" / "record.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text("utf-8") == "two"
    assert [p.name for p in target.parent.iterdir()] == ["record.json"]


def test_open_writes_plan_and_index_then_resumes_the_same_plan(the_plan: Plan) -> None:
    store = RunStore(the_plan)
    index = store.open()
    assert [e.state for e in index.seeds] == ["pending"] * 3
    assert (the_plan.run_dir / "plan.json").is_file()
    assert RunStore(the_plan).open().created == index.created


def test_a_different_plan_in_the_same_folder_is_refused(the_plan: Plan) -> None:
    RunStore(the_plan).open()
    other = the_plan.model_copy(update={"plan_hash": "f" * 64})
    with pytest.raises(UsageError, match="different plan"):
        RunStore(other).open()


def test_pending_starts_at_the_first_unfinished_seed(the_plan: Plan) -> None:
    store = RunStore(the_plan)
    store.open()
    first, _, third = the_plan.specs
    store.save(record_for(first, SeedStatus.FAILED), first)
    assert [s.seed for s in store.pending()] == [2, 3]
    index = store.save(record_for(third), third)
    assert [(e.seed, e.state, e.status) for e in index.seeds] == [
        (1, "done", SeedStatus.FAILED), (2, "pending", None), (3, "done", SeedStatus.OK)
    ]  # fmt: skip
    assert not index.complete


def test_an_interrupted_seed_folder_is_moved_aside_and_counted(the_plan: Plan) -> None:
    store = RunStore(the_plan)
    store.open()
    spec = the_plan.specs[0]
    for attempt in (1, 2):
        (spec.seed_dir / "out").mkdir(parents=True)
        (spec.seed_dir / "output.log").write_text("partial", "utf-8")
        store.prepare(spec)
        assert (spec.seed_dir.parent / f"seed-1.interrupted-{attempt}" / "output.log").is_file()
        assert not spec.seed_dir.exists()
    index = store.load_index()
    assert index is not None and index.seeds[0].interrupted_attempts == 2


def test_a_torn_record_counts_as_unfinished(the_plan: Plan) -> None:
    spec = the_plan.specs[0]
    spec.record_path.parent.mkdir(parents=True)
    spec.record_path.write_text('{"seed": 1, "sta', "utf-8")
    assert read_record(spec.record_path) is None


def test_load_run_reads_back_plan_index_and_records(the_plan: Plan) -> None:
    store = RunStore(the_plan)
    store.open()
    store.refresh(EnvFingerprint(torch="2.9.1"))
    for spec in the_plan.specs:
        store.save(record_for(spec), spec)
    run = load_run(the_plan.run_dir)
    assert run.index.complete and run.passed
    assert [r.seed for r in run.seeds] == [1, 2, 3]
    assert run.index.fingerprint is not None and run.index.fingerprint.torch == "2.9.1"
    assert run.plan == the_plan


def test_a_seed_without_score_fails_the_run(the_plan: Plan) -> None:
    store = RunStore(the_plan)
    store.open()
    for spec in the_plan.specs:
        store.save(record_for(spec, score=None if spec.seed == 2 else 1.2), spec)
    assert not load_run(the_plan.run_dir).passed


# ------------------------------------------------------------------ a full disk (issue 13)


def test_open_keeps_a_reserve_that_a_full_disk_gives_up_for_the_records(
    the_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore(the_plan)
    store.open()
    reserve = the_plan.run_dir / RESERVE_FILE
    assert reserve.stat().st_size == RESERVE_BYTES
    real = store_module.write_model
    failures = [OSError(errno.ENOSPC, "No space left on device")]

    def full_once(path: Path, model: Any) -> None:
        if failures:
            raise failures.pop()
        real(path, model)

    monkeypatch.setattr(store_module, "write_model", full_once)
    spec = the_plan.specs[0]
    store.save(record_for(spec), spec)  # the first write failed, the reserve went, the retry landed
    assert not reserve.exists() and read_record(spec.record_path) is not None
    failures.append(OSError(errno.ENOSPC, "No space left on device"))
    failures.append(OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(DiskFull, match="no space left under"):  # no reserve left: a clear error
        store.save(record_for(the_plan.specs[1]), the_plan.specs[1])


def test_a_disk_full_record_is_not_a_result_and_the_seed_runs_again(the_plan: Plan) -> None:
    store = RunStore(the_plan)
    store.open()
    first = the_plan.specs[0]
    full = record_for(first, SeedStatus.FAILED).model_copy(
        update={"process": ProcessOutcome(exit_code=None, disk_full=True)}
    )
    store.save(full, first)
    assert [s.seed for s in store.pending()] == [1, 2, 3] and store.done(first) is None
    index = store.load_index()
    assert index is not None and index.seeds[0].state == "pending" and index.seeds[0].status is SeedStatus.FAILED


def test_a_disk_too_full_for_the_reserve_is_reported_before_any_seed(
    the_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore(the_plan)
    store.open()
    (the_plan.run_dir / RESERVE_FILE).unlink()

    def full(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "open", full)
    with pytest.raises(DiskFull, match="free some, then re-run the same command"):
        store.reserve()
    assert not (the_plan.run_dir / RESERVE_FILE).exists()
