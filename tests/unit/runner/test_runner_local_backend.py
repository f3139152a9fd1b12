"""The local backend's lifecycle against a scripted child at our seam (pgolf.runner.proc)."""

from __future__ import annotations

import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pgolf.errors import EnvironmentMissing
from pgolf.runner import fingerprint, local, proc
from pgolf.runner.clock import FakeClock
from pgolf.runner.local import LocalBackend
from pgolf.runner.model import RunSpec, SeedStatus
from pgolf.runner.plan import plan

from .runner_fakes import BASELINE_LOG, FakePopen, FakeWardenReport, make_manifest, make_options


@dataclass
class FakeProc:
    """Stands in for pgolf.runner.proc: scripted children, and a record of every signal."""

    clock: FakeClock
    children: list[FakePopen] = field(default_factory=list)
    spawned: list[tuple[list[str], dict[str, str]]] = field(default_factory=list)
    signals: list[tuple[str, str]] = field(default_factory=list)
    survivors_for: int = 0  # group_alive checks that report a leftover process after exit
    warden_survivors: list[dict[str, Any]] = field(default_factory=list)  # what the warden reports

    def spawn(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> FakePopen:
        child = self.children.pop(0)
        child.started_ns = self.clock.monotonic_ns()
        self.spawned.append((list(argv), dict(env)))
        self.current = child
        return child

    def spawn_warded(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], warding: proc.Warding
    ) -> tuple[FakePopen, FakeWardenReport]:
        child = self.spawn(argv, cwd=cwd, env=env)
        self.warding = warding
        self.report = FakeWardenReport(child, survivors=list(self.warden_survivors))
        return child, self.report

    def signal_pid(self, pid: int, sig: signal.Signals) -> bool:
        self.signals.append(("warden", sig.name))
        self.current.signal(sig)
        return True

    def signal_group(self, pgid: int, sig: signal.Signals) -> bool:
        self.signals.append(("group", sig.name))
        self.current.signal(sig)
        if sig == signal.SIGKILL:
            self.survivors_for = 0
        return True

    def signal_tagged(self, token: str, sig: signal.Signals) -> list[int]:
        self.signals.append(("tagged", sig.name))
        return []

    def group_alive(self, pgid: int) -> bool:
        return self.current.poll() is None or self.survivors_for > 0

    def tagged_processes(self, token: str) -> list[int]:
        return []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeProc:
    fake = FakeProc(clock)
    for name in (
        "spawn",
        "spawn_warded",
        "signal_pid",
        "signal_group",
        "signal_tagged",
        "group_alive",
        "tagged_processes",
    ):
        monkeypatch.setattr(proc, name, getattr(fake, name))
    return fake


def _spec(tmp_path: Path, **manifest: Any) -> RunSpec:
    # deadline = 10 + 10 + 5 = 25 s; grace from the options
    return plan(make_manifest(**manifest), make_options(tmp_path, term_grace_s=20)).specs[0]


def test_a_normal_run_captures_output_and_measures_the_artifact(
    tmp_path: Path, fake: FakeProc, clock: FakeClock
) -> None:
    spec = _spec(tmp_path)
    fake.children.append(FakePopen(clock, output=BASELINE_LOG.encode(), runtime_s=18))
    record = LocalBackend(clock, warding=None).run(spec)
    assert record.status is SeedStatus.OK and record.exit_code == 0
    assert record.score_bpb == pytest.approx(1.61855567)
    assert record.wall_s == pytest.approx(18)
    assert record.isolation == "local: process group only, HOME scrubbed"
    assert fake.signals == []
    argv, env = fake.spawned[0]
    assert argv == spec.command
    assert env["PGOLF_RUN_TOKEN"] and env["PYTHONUNBUFFERED"] == "1"
    assert spec.raw_log.read_text("utf-8") == BASELINE_LOG
    assert spec.record_path.exists() is False  # the store writes the record, not the backend


def test_the_deadline_sends_sigterm_to_the_group_and_the_ranks(
    tmp_path: Path, fake: FakeProc, clock: FakeClock
) -> None:
    spec = _spec(tmp_path)
    fake.children.append(FakePopen(clock, runtime_s=1000))
    record = LocalBackend(clock, warding=None).run(spec)
    assert record.status is SeedStatus.TIMED_OUT
    assert record.violations == ["deadline-exceeded"]
    assert fake.signals == [("group", "SIGTERM"), ("tagged", "SIGTERM")]
    assert record.process.term_sent and not record.process.kill_sent
    assert record.wall_s == pytest.approx(25)
    assert any("deadline of 25s reached" in line for line in spec.stamped_log.read_text("utf-8").splitlines())


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(
    tmp_path: Path, fake: FakeProc, clock: FakeClock
) -> None:
    spec = _spec(tmp_path)
    fake.children.append(FakePopen(clock, runtime_s=1000, ignores_term=True))
    record = LocalBackend(clock, warding=None).run(spec)
    assert fake.signals == [("group", "SIGTERM"), ("tagged", "SIGTERM"), ("group", "SIGKILL"), ("tagged", "SIGKILL")]
    assert record.process.kill_sent and record.exit_code == -9
    assert record.wall_s == pytest.approx(25 + 20)
    assert record.status is SeedStatus.TIMED_OUT


def test_survivors_of_the_group_are_killed_and_recorded(tmp_path: Path, fake: FakeProc, clock: FakeClock) -> None:
    spec = _spec(tmp_path)
    fake.children.append(FakePopen(clock, output=BASELINE_LOG.encode(), runtime_s=18))
    fake.survivors_for = 1
    record = LocalBackend(clock, warding=None).run(spec)
    assert record.process.group_survivors
    assert ("group", "SIGKILL") in fake.signals
    assert "outlived it and were killed" in " ".join(record.evidence)
    # exiting 0 while leaving processes behind is no clean end: failed, and its score does not count
    assert record.status is SeedStatus.FAILED and "processes-outlived-run" in record.violations
    assert record.score_bpb is not None and record.admissible_score is None


def test_keyboard_interrupt_kills_the_group_and_propagates(
    tmp_path: Path, fake: FakeProc, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(tmp_path)
    fake.children.append(FakePopen(clock, runtime_s=1000))

    def interrupted(self: local.ProcessGroup, deadline: object) -> int | None:
        raise KeyboardInterrupt

    monkeypatch.setattr(local.ProcessGroup, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        LocalBackend(clock, warding=None).run(spec)
    assert ("group", "SIGKILL") in fake.signals
    assert fake.current.returncode == -9


def test_a_failing_setup_step_stops_before_training(tmp_path: Path, fake: FakeProc, clock: FakeClock) -> None:
    spec = _spec(tmp_path, setup=[["gcc", "-O3", "-shared", "helper.c"]])
    fake.children.append(FakePopen(clock, output=b"helper.c: error\n", returncode_when_done=1, runtime_s=2))
    record = LocalBackend(clock, warding=None).run(spec)
    assert [argv for argv, _ in fake.spawned] == [["gcc", "-O3", "-shared", "helper.c"]]
    assert record.process.setup_failed and record.status is SeedStatus.FAILED


def test_setup_then_launch_share_one_deadline_and_log(tmp_path: Path, fake: FakeProc, clock: FakeClock) -> None:
    spec = _spec(tmp_path, setup=[["make"]])
    fake.children += [FakePopen(clock, output=b"built\n", runtime_s=3), FakePopen(clock, runtime_s=1000)]
    record = LocalBackend(clock, warding=None).run(spec)
    assert record.timing.phases["setup"].duration_s == pytest.approx(3)
    assert record.wall_s == pytest.approx(25)  # 3 s of setup came out of the same 25 s
    assert spec.raw_log.read_text("utf-8") == "built\n"


PROBE_OK = 'PGOLF_PROBE {"python": "3.11.7", "torch": "2.13.0+cpu", "cuda": null}\n'


def _probe(monkeypatch: pytest.MonkeyPatch, outputs: dict[str, str | Exception]) -> list[tuple[str, list[str]]]:
    calls: list[tuple[str, list[str]]] = []

    def run(argv: Sequence[str], **kwargs: Any) -> proc.Completed:
        if argv[0] in ("nvidia-smi", "dpkg-query"):
            kind = {"nvidia-smi": "smi", "dpkg-query": "dpkg"}[argv[0]]
        elif list(argv[1:3]) == ["-m", "pip"]:
            kind = "pip"
        else:
            kind = "preflight" if str(argv[1]).endswith("preflight.py") else "python"
        calls.append((kind, list(argv)))
        result = outputs.get(kind, '{"ok": true, "checks": []}')
        if isinstance(result, Exception):
            raise result
        return proc.Completed(list(argv), 0, result)

    monkeypatch.setattr(proc, "run", run)
    return calls


def test_extra_pip_is_installed_once_into_the_runs_site_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _probe(monkeypatch, {"python": PROBE_OK, "smi": ""})
    spec = _spec(tmp_path).model_copy(update={"extra_pip": ["zstandard>=0.22"], "site_dir": tmp_path / "site"})
    fp = LocalBackend(FakeClock()).preflight(spec)
    (pip,) = [argv for kind, argv in calls if kind == "pip"]
    assert pip[3:] == ["install", "--no-input", "--target", str(tmp_path / "site"), "zstandard>=0.22"]
    assert any(n.startswith("extra_pip installed in") for n in fp.notes)
    calls.clear()
    again = LocalBackend(FakeClock()).preflight(spec)
    assert not [kind for kind, _ in calls if kind == "pip"]
    assert any(n.startswith("extra_pip already installed") for n in again.notes)


def test_missing_extra_apt_stops_the_local_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _probe(monkeypatch, {"python": PROBE_OK, "smi": "", "dpkg": proc.CommandFailed(["dpkg-query"], 1, "no packages")})
    spec = _spec(tmp_path).model_copy(update={"extra_apt": ["libfoo1"]})
    with pytest.raises(EnvironmentMissing, match=r"apt package\(s\) libfoo1 not installed: apt-get install libfoo1"):
        LocalBackend(FakeClock()).preflight(spec)


def test_preflight_fingerprints_the_run_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _probe(monkeypatch, {"python": PROBE_OK, "smi": proc.CommandFailed(["nvidia-smi"], None, "not found")})
    fp = LocalBackend(FakeClock()).preflight(_spec(tmp_path))
    assert fp.torch == "2.13.0+cpu" and fp.gpu_count == 0 and fp.image_digest == "local"
    assert any("nvidia-smi unavailable" in note for note in fp.notes)
    assert fp.notes[0].startswith("preflight ok: --gpus")


def test_a_failed_preflight_stops_the_run_with_its_one_line_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = proc.CommandFailed(
        ["python", "preflight.py"], 1, '{"ok": false}\npreflight failed: lrzip: not found on PATH\n'
    )
    _probe(monkeypatch, {"python": PROBE_OK, "smi": "", "preflight": failed})
    with pytest.raises(EnvironmentMissing, match=r"^preflight failed: lrzip: not found on PATH"):
        LocalBackend(FakeClock()).preflight(_spec(tmp_path))


def test_preflight_reads_gpus_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _probe(monkeypatch, {"python": PROBE_OK, "smi": "NVIDIA H100 80GB HBM3, 580.126.09\n" * 8})
    fp = LocalBackend(FakeClock()).preflight(_spec(tmp_path))
    assert (fp.gpu_model, fp.gpu_count, fp.driver) == ("NVIDIA H100 80GB HBM3", 8, "580.126.09")


@pytest.mark.parametrize(
    "python_result",
    [
        'PGOLF_PROBE {"python": "3.11.7", "torch_error": "ModuleNotFoundError: No module named torch"}\n',
        proc.CommandFailed(["python3"], None, "No such file"),
    ],
)
def test_preflight_without_torch_is_environment_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, python_result: str | Exception
) -> None:
    _probe(monkeypatch, {"python": python_result, "smi": ""})
    with pytest.raises(EnvironmentMissing):
        LocalBackend(FakeClock()).preflight(_spec(tmp_path))


def test_probe_parsing_ignores_noise() -> None:
    assert fingerprint.parse_probe("warning\n" + PROBE_OK + "trailing\n")["torch"] == "2.13.0+cpu"
    assert fingerprint.parse_probe("nothing") == {}


# ------------------------------------------------------------------ under the warden


WARDED = proc.Warding(mode="auto", settle_s=2.0, masks=("/home/me/.ssh",))


def test_a_warded_run_scrubs_home_leaves_a_footprint_while_running_and_records_the_tier(
    tmp_path: Path, fake: FakeProc, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(tmp_path)
    fake.children.append(FakePopen(clock, output=BASELINE_LOG.encode(), runtime_s=18))
    footprints: list[Path] = []
    original = local.ProcessGroup.wait

    def wait(self: local.ProcessGroup, deadline: Any) -> int | None:
        footprints.extend(spec.seed_dir.glob("attempt.json"))
        return original(self, deadline)

    monkeypatch.setattr(local.ProcessGroup, "wait", wait)
    record = LocalBackend(clock, warding=WARDED).run(spec)
    assert fake.warding == WARDED
    assert footprints and not (spec.seed_dir / "attempt.json").exists()  # written while running, then cleared
    _argv, env = fake.spawned[0]
    assert env["HOME"] == str(spec.home_dir) and env["XDG_CACHE_HOME"] == str(spec.home_dir / ".cache")
    assert record.status is SeedStatus.OK and record.process.containment == "pidns"
    assert record.isolation.startswith("local: pid namespace, HOME scrubbed")
    assert record.admissible_score == pytest.approx(1.61855567)


def test_a_process_the_warden_found_after_exit_fails_the_seed_and_is_named(
    tmp_path: Path, fake: FakeProc, clock: FakeClock
) -> None:
    spec = _spec(tmp_path)
    fake.children.append(FakePopen(clock, output=BASELINE_LOG.encode(), runtime_s=18))
    fake.warden_survivors = [{"pid": 7, "ppid": 1, "pgid": 6, "sid": 6, "cmdline": "python -c daemon"}]
    record = LocalBackend(clock, warding=WARDED).run(spec)
    assert record.status is SeedStatus.FAILED and record.exit_code == 0
    assert record.violations == ["processes-outlived-run"]
    assert record.process.survivor_count == 1 and record.process.survivors[0].cmdline == "python -c daemon"
    assert "pid 7 (session 6): python -c daemon" in " ".join(record.evidence)
    assert record.admissible_score is None and not record.passed


def test_the_deadline_goes_through_the_warden(tmp_path: Path, fake: FakeProc, clock: FakeClock) -> None:
    spec = _spec(tmp_path)
    fake.children.append(FakePopen(clock, runtime_s=1000, ignores_term=True))
    record = LocalBackend(clock, warding=WARDED).run(spec)
    assert fake.signals == [("warden", "SIGTERM"), ("warden", "SIGUSR2")]  # forward, then kill everything
    assert record.status is SeedStatus.TIMED_OUT and record.exit_code == -9
    assert record.process.term_sent and record.process.kill_sent


def test_credential_masks_skip_what_the_run_needs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for rel in (".ssh", ".cache/huggingface", ".netrc"):
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).mkdir() if not rel.startswith(".netrc") else (home / rel).write_text("machine x")
    spec = _spec(tmp_path)
    masks = local.credential_masks(spec, home)
    assert set(masks) == {str(home / ".ssh"), str(home / ".cache/huggingface"), str(home / ".netrc")}
    needed = spec.model_copy(update={"source_dir": home / ".ssh" / "submission"})  # the run lives there
    assert str(home / ".ssh") not in local.credential_masks(needed, home)


def test_the_preflight_writes_nothing_into_the_seed_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CUDA's probe writes ~/.nv: with the seed's HOME, a fresh seed's folder existed before the seed ran
    and was moved aside as an interrupted attempt (seen on an H100: `seed-314.interrupted-1/out/home/.nv`)."""
    homes: list[str] = []

    def run(argv: Sequence[str], **kwargs: Any) -> proc.Completed:
        home = kwargs["env"]["HOME"]
        homes.append(home)
        Path(home, ".nv", "ComputeCache").mkdir(parents=True, exist_ok=True)  # what CUDA does
        out = PROBE_OK if argv[0] != "nvidia-smi" and not str(argv[1]).endswith("preflight.py") else ""
        return proc.Completed(list(argv), 0, out or '{"ok": true, "checks": []}')

    monkeypatch.setattr(proc, "run", run)
    spec = _spec(tmp_path)
    LocalBackend(FakeClock()).preflight(spec)
    assert homes and all(not Path(h).is_relative_to(spec.seed_dir) for h in homes)
    assert not spec.seed_dir.exists()
    assert not any(Path(h).exists() for h in homes)  # the throwaway HOME is removed
