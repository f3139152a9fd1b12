"""`pgolf reproduce` through the CLI, with a fake backend: dry-run, exit codes, resume, report hook."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest

from pgolf.cli import main
from pgolf.errors import EnvironmentMissing
from pgolf.runner import backend as backend_mod
from pgolf.runner.capture import LineSink
from pgolf.runner.model import BackendName, EnvFingerprint, Plan, RunOptions, RunSpec, SeedRecord, SeedStatus

from .runner_fakes import make_data, record_for

MANIFEST = """
name = "toy"
local_folder = "submissions/toy"
track = "10min_16mb"
seeds = [1, 2]
nproc_per_node = 1
[dataset]
variant = "synth"
train_shards = 1
vocab_size = 512
[budget]
train_seconds = 10
eval_seconds = 10
slack_seconds = 5
[claims.1]
val_bpb = 1.2
[claims.2]
val_bpb = 1.2
"""


class FakeBackend:
    name: ClassVar[BackendName] = "local"

    def __init__(self, outcome: Callable[[RunSpec], SeedRecord], preflight_error: Exception | None = None) -> None:
        self.outcome = outcome
        self.preflight_error = preflight_error
        self.ran: list[int] = []

    def preflight(self, spec: RunSpec) -> EnvFingerprint:
        if self.preflight_error is not None:
            raise self.preflight_error
        return EnvFingerprint(torch="fake")

    def run(self, spec: RunSpec, sink: LineSink) -> SeedRecord:
        self.ran.append(spec.seed)
        return self.outcome(spec)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "submissions" / "toy").mkdir(parents=True)
    (tmp_path / "submissions" / "toy" / "train_gpt.py").write_text("print(1)\n", "utf-8")
    (tmp_path / "submissions" / "toy.toml").write_text(MANIFEST, "utf-8")
    make_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _use(monkeypatch: pytest.MonkeyPatch, fake: FakeBackend) -> None:
    def factory(options: RunOptions) -> backend_mod.Backend:
        return fake

    monkeypatch.setitem(backend_mod.BACKENDS, "local", factory)


ARGS = ["reproduce", "toy", "--data", "data", "--quiet", "--out", "reports"]


def test_dry_run_prints_a_valid_plan_and_runs_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeBackend(record_for)
    _use(monkeypatch, fake)
    assert main([*ARGS, "--dry-run", "--format", "json", "--seeds", "5,6"]) == 0
    the_plan = Plan.model_validate_json(capsys.readouterr().out)
    assert [s.seed for s in the_plan.specs] == [5, 6]
    assert fake.ran == [] and not (repo / "reports").exists()


def test_dry_run_of_the_synth_dataset_writes_no_data(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reproduce", "toy", "--dry-run", "--format", "json"]) == 0
    spec = json.loads(capsys.readouterr().out)["specs"][0]
    assert spec["data"]["dataset_dir"].endswith("data/datasets/fineweb10B_synth512")
    assert not (repo / "reports").exists()


def test_all_seeds_reproduced_exits_0(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeBackend(record_for)
    _use(monkeypatch, fake)
    assert main(ARGS) == 0
    assert fake.ran == [1, 2]
    run_dirs = list((repo / "reports" / "toy").iterdir())
    assert len(run_dirs) == 1 and (run_dirs[0] / "index.json").is_file()


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (lambda spec: record_for(spec, SeedStatus.FAILED), 5),
        (lambda spec: record_for(spec, SeedStatus.TIMED_OUT), 5),
        (lambda spec: record_for(spec, score=None), 5),
        (lambda spec: record_for(spec).model_copy(update={"violations": ["artifact-too-large"]}), 1),
        (lambda spec: record_for(spec, score=1.3), 1),
    ],
    ids=["failed", "timed_out", "no_score", "oversize", "worse"],
)
def test_a_seed_that_fails_or_misses_the_claim_exits_with_the_verdict(
    repo: Path, monkeypatch: pytest.MonkeyPatch, outcome: Callable[[RunSpec], SeedRecord], code: int
) -> None:
    """5: incomplete (a seed did not finish); 1: not reproduced (a limit broken, or the score is off)."""
    _use(monkeypatch, FakeBackend(lambda spec: outcome(spec) if spec.seed == 2 else record_for(spec)))
    assert main(ARGS) == code


def test_a_missing_environment_exits_3(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, FakeBackend(record_for, EnvironmentMissing("torch is not importable")))
    assert main(ARGS) == 3


def test_usage_errors_exit_2(repo: Path) -> None:
    assert main(["reproduce", "nope", "--dry-run"]) == 2
    assert main([*ARGS, "--seeds", "x,y", "--dry-run"]) == 2
    assert main([*ARGS, "--backend", "warp"]) == 2


def test_missing_data_exits_3(repo: Path) -> None:
    assert main(["reproduce", "toy", "--data", "nowhere", "--dry-run"]) == 3


def test_a_rerun_resumes_at_the_first_unfinished_seed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt_seed_2(spec: RunSpec) -> SeedRecord:
        if spec.seed == 2:
            spec.seed_dir.mkdir(parents=True, exist_ok=True)  # a partial folder, then Ctrl-C
            raise KeyboardInterrupt
        return record_for(spec)

    first = FakeBackend(interrupt_seed_2)
    _use(monkeypatch, first)
    assert main(ARGS) == 130
    second = FakeBackend(record_for)
    _use(monkeypatch, second)
    assert main(ARGS) == 0
    assert first.ran == [1, 2] and second.ran == [2]
    run_dir = next((repo / "reports" / "toy").iterdir())
    assert (run_dir / "seed-2.interrupted-1").is_dir()
    index = json.loads((run_dir / "index.json").read_text("utf-8"))
    assert [(s["seed"], s["state"]) for s in index["seeds"]] == [(1, "done"), (2, "done")]
    assert main(ARGS) == 0 and second.ran == [2]  # a finished run only re-reports


def test_fresh_starts_a_new_run_folder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, FakeBackend(record_for))
    assert main(ARGS) == 0
    assert main([*ARGS, "--fresh"]) == 0
    assert len(list((repo / "reports" / "toy").iterdir())) == 2


def test_the_report_and_bundle_are_written(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, FakeBackend(record_for))
    assert main(ARGS) == 0
    err = capsys.readouterr().err
    run_dir = next((repo / "reports" / "toy").iterdir())
    for name in ("report.json", "report.md", "report.html", f"toy-{run_dir.name}.evidence.tar.gz"):
        assert (run_dir / name).is_file() and f"report: {run_dir / name}" in err
    assert err.rstrip().splitlines()[-1].startswith("toy: REPRODUCED: reproduced mean 1.20000")
