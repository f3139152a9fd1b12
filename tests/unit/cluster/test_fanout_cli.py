"""`pgolf fanout`: the dry run offline, status over a finished fan-out, and the missing-extra exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pgolf.cli import main
from pgolf.manifest import SeedClaim
from tests.unit.cluster.conftest import IMAGE, ROOT, make_plan
from tests.unit.cluster.fake_sky import FakeSky, FakeTransportSdk, NodeScript

_BLOCK_SKY = """
import importlib.abc, sys
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "sky":
            raise ImportError(name="sky")
        return None
sys.meta_path.insert(0, Blocker())
from pgolf.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_dry_run_prints_the_plan_and_its_cost_offline(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    # PR numbers without a manifest file are inferred from the fetched PR (tests/integration/test_reproduce_pr.py);
    # offline, the override file of a merged PR plans without any fetch.
    code = main(["fanout", "--dry-run", "1855", "--seeds", "42,314,0", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "3 task(s), one per seed" in out
    for task in ("pr1855-s42", "pr1855-s314", "pr1855-s0"):
        assert task in out
    assert "expected: " in out and "GPU-hours ($" in out and "at worst" in out
    assert "pgolf reproduce submissions/pr1855.toml --backend local --seeds 42" in out
    assert "3 of 3 task(s) blocked: not launchable yet" in out
    assert not (tmp_path / "fanout").exists(), "a dry run writes nothing"


def test_dry_run_json_is_the_plan(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["fanout", "--dry-run", "example", "--image", IMAGE, "--per", "pr", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [t["seeds"] for t in plan["tasks"]] == [[1337, 42]] and plan["tasks"][0]["blocked"] == []
    assert plan["estimate"]["gpu_hours"] > 0


def test_a_real_run_without_the_extra_exits_3_naming_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _BLOCK_SKY, "fanout", "example", "--image", IMAGE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert "needs the cluster extra" in done.stderr and "pgolf[cluster]" in done.stderr
    assert "Traceback" not in done.stderr


def test_usage_errors_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["fanout", "--dry-run", "example", "--gpus", "H100"]) == 2
    assert main(["fanout", "--dry-run", "example", "--seeds", "1,x"]) == 2
    assert main(["fanout", "--dry-run", "no-such-manifest"]) == 2
    capsys.readouterr()


def test_status_summarizes_a_fanout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pgolf.cluster.orchestrate import Orchestrator
    from pgolf.manifest import load_manifest
    from pgolf.runner.clock import FakeClock

    plan = make_plan(tmp_path / "reports", per="pr")
    claimed = {seed: SeedClaim(val_bpb=1.5) for seed in (1337, 42)}
    sky = FakeSky(tmp_path / "remote", load_manifest("example", ROOT).model_copy(update={"claims": claimed}))
    sky.script(plan.tasks[0].cluster, NodeScript(seeds={1337: 1, 42: 2}, job_end=(2, "SUCCEEDED"), score=1.5))
    Orchestrator(plan, FakeTransportSdk(sky), clock=FakeClock(), poll_s=30).run()

    # the two seeds came back as two run folders; the PR's report merges them (pgolf report merge)
    assert main(["fanout", "status", str(plan.fanout_dir)]) == 0
    text = capsys.readouterr().out
    assert "example" in text and "2/2" in text and "1.50000" in text and "REPRODUCED" in text
    report = plan.fanout_dir / "merged" / "example" / "seeds-1337-42" / "report.html"
    assert report.is_file() and "merged/example/seeds-1337-42/report.html" in text
    assert main(["fanout", "status", "--out", str(tmp_path / "reports"), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    (row,) = summary["rows"]
    assert row["verdict"] == "REPRODUCED" and row["exit_code"] == 0
    assert row["reproduced_mean"] == 1.5 and [s["run_dir"] for s in row["seeds"]] == [
        "runs/example/seed-1337",
        "runs/example/seed-42",
    ]
    assert row["gpu_hours"] > 0
    assert main(["fanout", "status", str(plan.fanout_dir), "--format", "md"]) == 0
    assert capsys.readouterr().out.count("|") > 20


def test_fanout_is_listed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pgolf", "--help"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert "fanout" in done.stdout


def test_reproduce_backend_skypilot_is_the_fanout_of_one_pr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["reproduce", "example", "--backend", "skypilot", "--dry-run", "--image", IMAGE]) == 0
    assert "2 task(s), one per seed" in capsys.readouterr().out
    argv = ["reproduce", "example", "--backend", "skypilot", "--dry-run", "--image", IMAGE, "--format", "json"]
    assert main(argv) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [t["task_id"] for t in plan["tasks"]] == ["example-s1337", "example-s42"]
    assert plan["options"]["per"] == "seed" and plan["options"]["max_nodes"] == 16
    done = subprocess.run(
        [sys.executable, "-c", _BLOCK_SKY, "reproduce", "example", "--backend", "skypilot", "--image", IMAGE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 3 and "needs the cluster extra" in done.stderr
    assert main(["reproduce", "example", "--backend", "skypilot", "--dry-run", "--profile", "smoke"]) == 2
    assert "does not take --profile" in capsys.readouterr().err
