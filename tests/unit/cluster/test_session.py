"""A whole fan-out through the one session both commands use: credentials check, run, summary, exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pgolf.cluster import session
from pgolf.cluster.orchestrate import Orchestrator
from pgolf.cluster.state import load_state
from pgolf.errors import EXIT_INCOMPLETE, EXIT_OK, UsageError
from pgolf.manifest import SeedClaim, load_manifest
from pgolf.runner.clock import FakeClock
from tests.unit.cluster.conftest import ROOT, options
from tests.unit.cluster.fake_sky import FakeSky, FakeTransportSdk, NodeScript


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSky:
    claims = {seed: SeedClaim(val_bpb=1.06) for seed in (1337, 42)}  # what the fake nodes reproduce
    sky = FakeSky(tmp_path / "remote", load_manifest("example", ROOT).model_copy(update={"claims": claims}))
    # The session's orchestrator on a fake clock, polling at once.
    real_init = Orchestrator.__init__

    def fast(self: Orchestrator, *args: object, **kwargs: object) -> None:
        real_init(self, *args, clock=FakeClock(), poll_s=1.0, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Orchestrator, "__init__", fast)
    return sky


def _run(tmp_path: Path, sky: FakeSky, **kwargs: Any) -> tuple[int, str, str]:
    out: list[str] = []
    err: list[str] = []
    code = session.run_fanout(
        ["example"],
        options(**kwargs),
        workdir=ROOT,
        out_dir=tmp_path / "reports",
        repo=None,
        dry_run=False,
        json_plan=False,
        out=out.append,
        err=err.append,
        api=FakeTransportSdk(sky),
    )
    return code, "".join(out), "".join(err)


def _script_all(tmp_path: Path, sky: FakeSky, script: NodeScript, **kwargs: Any) -> None:
    from tests.unit.cluster.conftest import make_plan

    for task in make_plan(tmp_path / "reports", **kwargs).tasks:
        sky.script(task.cluster, NodeScript(**{**script.__dict__, "seeds": dict.fromkeys(task.seeds, 1)}))


def test_a_fanout_runs_to_its_summary(tmp_path: Path, fake: FakeSky) -> None:
    _script_all(tmp_path, fake, NodeScript(job_end=(1, "SUCCEEDED")))
    code, out, err = _run(tmp_path, fake)
    assert code == EXIT_OK, err
    assert "example" in out and "2/2" in out and "REPRODUCED" in out
    state = load_state(next((tmp_path / "reports" / "fanout").iterdir()))
    assert state is not None and state.remote_identity == {"runpod": "NO_UPLOAD"}


def test_credentials_on_nodes_are_refused_before_any_launch(tmp_path: Path, fake: FakeSky) -> None:
    fake.config.pop("runpod")  # SkyPilot's default: upload ~/.runpod/config.toml to every node
    with pytest.raises(UsageError, match=r"runpod: remote_identity LOCAL_CREDENTIALS.*NO_UPLOAD"):
        _run(tmp_path, fake)
    assert not [c for c in fake.calls if c[0] == "launch"]


def test_every_enabled_cloud_is_checked_when_skypilot_chooses(tmp_path: Path, fake: FakeSky) -> None:
    fake.config.pop("aws")
    with pytest.raises(UsageError, match="aws: remote_identity LOCAL_CREDENTIALS"):
        _run(tmp_path, fake, infra=None)


def test_aws_cluster_name_patterns_apply(tmp_path: Path, fake: FakeSky) -> None:
    fake.config["aws"] = [{"sky-jobs-controller-*": "LOCAL_CREDENTIALS"}, {"pg-*": "NO_UPLOAD"}]
    _script_all(tmp_path, fake, NodeScript(job_end=(1, "SUCCEEDED")), infra="aws")
    code, _, err = _run(tmp_path, fake, infra="aws")
    assert code == EXIT_OK, err


def test_allowing_the_upload_is_recorded(tmp_path: Path, fake: FakeSky) -> None:
    fake.config.pop("runpod")
    _script_all(tmp_path, fake, NodeScript(job_end=(1, "SUCCEEDED")))
    out: list[str] = []
    err: list[str] = []
    code = session.run_fanout(
        ["example"],
        options(),
        workdir=ROOT,
        out_dir=tmp_path / "reports",
        repo=None,
        dry_run=False,
        json_plan=False,
        out=out.append,
        err=err.append,
        api=FakeTransportSdk(fake),
        allow_credential_upload=True,
    )
    assert code == EXIT_OK and "warning: nodes will hold cloud credentials" in "".join(err)
    state = load_state(next((tmp_path / "reports" / "fanout").iterdir()))
    assert state is not None and state.remote_identity == {"runpod": "LOCAL_CREDENTIALS"}


def test_a_task_given_up_makes_the_fanout_incomplete(tmp_path: Path, fake: FakeSky) -> None:
    from tests.unit.cluster.conftest import make_plan

    plan = make_plan(tmp_path / "reports")
    fake.script(plan.tasks[0].cluster, NodeScript(seeds={1337: 1}, job_end=(1, "SUCCEEDED")))
    fake.script(plan.tasks[1].cluster, NodeScript(job_end=(1, "FAILED")))
    code, out, _ = _run(tmp_path, fake)
    assert code == EXIT_INCOMPLETE and "1 done" in out and "1 failed" in out
    assert "INCOMPLETE" in out and "no record yet for seed(s) 42" in out
