"""Orchestration against a fake SkyPilot with recorded response shapes: launch, poll, copy back, retry on
preemption, resume. The real adapter (pgolf.cluster.sky.SkySdk) translates every call; only the
`sky` module and the rsync transport are stand-ins."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from pgolf.cluster.model import AttemptEnd, FanoutPlan, FanoutState, Phase
from pgolf.cluster.orchestrate import Orchestrator, teardown_all
from pgolf.cluster.state import load_state, open_fanout, seed_dir
from pgolf.cluster.summary import summarize
from pgolf.manifest import load_manifest
from pgolf.report.snapshot import git_tree_id
from pgolf.runner import proc
from pgolf.runner.clock import FakeClock
from pgolf.runner.store import load_run
from tests.unit.cluster.conftest import ROOT, make_plan
from tests.unit.cluster.fake_sky import FakeSky, FakeTransportSdk, NodeScript


class Rig:
    def __init__(self, tmp_path: Path, plan: FanoutPlan) -> None:
        self.plan = plan
        self.sky = FakeSky(tmp_path / "remote", load_manifest("example", ROOT))
        self.api = FakeTransportSdk(self.sky)
        self.clock = FakeClock()
        self.log: list[str] = []

    def orchestrator(self, poll_s: float = 30.0, max_polls: int | None = 200) -> Orchestrator:
        return Orchestrator(
            self.plan, self.api, clock=self.clock, progress=self.log.append, poll_s=poll_s, max_polls=max_polls
        )

    def cluster(self, task_id: str) -> str:
        return self.plan.task(task_id).cluster

    def downs(self) -> list[str]:
        return [c for kind, c in self.sky.calls if kind == "down"]

    def launched(self) -> list[str]:
        return [c for kind, c in self.sky.calls if kind == "launch"]


def _plan(tmp_path: Path, **kwargs: Any) -> FanoutPlan:
    return make_plan(tmp_path / "reports", **kwargs)


def test_seeds_run_on_their_nodes_and_come_back_as_run_folders(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, max_nodes=1))
    a, b = (rig.cluster(t) for t in ("example-s1337", "example-s42"))
    rig.sky.script(a, NodeScript(seeds={1337: 2}, job_end=(2, "SUCCEEDED")))
    rig.sky.script(b, NodeScript(seeds={42: 1}, job_end=(2, "SUCCEEDED")))

    state = rig.orchestrator().run()

    assert {t.phase for t in state.tasks.values()} == {Phase.DONE}
    assert rig.launched() == [a, b], "max_nodes=1: the second node starts after the first is torn down"
    assert rig.downs() == [a, b]
    for seed in (1337, 42):
        folder = seed_dir(rig.plan.fanout_dir, "example", seed)
        run = load_run(folder)  # a run folder `pgolf report` reads
        assert [r.seed for r in run.seeds] == [seed] and run.seeds[0].score_bpb == 1.06
        # the submission as the node ran it (the uploaded folder), identified by its git tree id
        assert git_tree_id(folder / "submission") == git_tree_id(ROOT / "submissions" / "example")
    assert not list((rig.plan.fanout_dir / "staging").iterdir())
    for ts in state.tasks.values():
        (attempt,) = ts.attempts
        assert attempt.end is AttemptEnd.FINISHED and attempt.down and attempt.job_id is not None
        assert attempt.infra == "RunPod/US" and ts.gpu_hours > 0
    assert (rig.plan.fanout_dir / "tasks" / "example-s1337-1.yaml").is_file()
    summary = summarize(rig.plan.fanout_dir)
    assert summary.rows[0].reproduced_mean == pytest.approx(1.06) and len(summary.rows[0].seeds) == 2


def test_preempted_node_relaunches_only_the_seeds_without_a_record(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, per="pr"))
    cluster = rig.cluster("example")
    rig.sky.script(
        cluster,
        NodeScript(seeds={1337: 1}, lost=(2, "GONE")),  # seed 1337 finished, then the node vanished
        NodeScript(seeds={42: 1}, job_end=(1, "SUCCEEDED")),
    )
    state = rig.orchestrator().run()

    ts = state.tasks["example"]
    assert ts.phase is Phase.DONE and sorted(ts.seeds_done) == [42, 1337]
    first, second = ts.attempts
    assert first.end is AttemptEnd.PREEMPTED and first.seeds == [1337, 42]
    assert second.end is AttemptEnd.FINISHED and second.seeds == [42]
    first_argv, relaunch_argv = (shlex.split(launch.config["run"].splitlines()[-1]) for launch in rig.sky.launches)
    assert first_argv[first_argv.index("--seeds") + 1] == "1337,42"
    assert relaunch_argv[relaunch_argv.index("--seeds") + 1] == "42"
    assert load_run(seed_dir(rig.plan.fanout_dir, "example", 1337)).seeds[0].seed == 1337


@pytest.mark.parametrize("lost", ["STOPPED", "INIT"])
def test_a_reclaimed_spot_node_or_an_unhealthy_one_is_a_preemption(tmp_path: Path, lost: str) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    cluster = rig.cluster("example-s1337")
    rig.sky.script(cluster, NodeScript(lost=(1, lost)), NodeScript(seeds={1337: 1}, job_end=(1, "SUCCEEDED")))
    state = rig.orchestrator().run()
    first, second = state.tasks["example-s1337"].attempts
    assert first.end is AttemptEnd.PREEMPTED and f"cluster {lost}" in (first.note or "")
    assert rig.downs().count(cluster) == 2, "a stopped spot node still holds a disk: torn down too"
    assert second.end is AttemptEnd.FINISHED


def test_preemptions_stop_at_max_attempts(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    cluster = rig.cluster("example-s1337")
    rig.sky.script(cluster, *(NodeScript(lost=(1, "GONE")) for _ in range(3)))
    state = rig.orchestrator().run()
    ts = state.tasks["example-s1337"]
    assert ts.phase is Phase.FAILED and [a.end for a in ts.attempts] == [AttemptEnd.PREEMPTED] * 3


def test_no_capacity_waits_and_asks_again_without_using_an_attempt(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    cluster = rig.cluster("example-s1337")
    refusals = [NodeScript(launch_error="no_capacity") for _ in range(4)]  # more than max_attempts (3)
    rig.sky.script(cluster, *refusals, NodeScript(seeds={1337: 1}, job_end=(1, "SUCCEEDED")))
    start = rig.clock.utc_now()
    state = rig.orchestrator().run()
    ts = state.tasks["example-s1337"]
    assert ts.phase is Phase.DONE
    assert [a.counted for a in ts.attempts] == [False] * 4 + [True]
    assert all("no capacity" in (a.note or "") for a in ts.attempts[:4])
    # backoff: 60 + 120 + 240 + 480 s before the fifth launch
    assert (ts.attempts[4].started - start).total_seconds() >= 900


def test_a_launch_that_cannot_work_is_not_retried(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    rig.sky.script(rig.cluster("example-s1337"), NodeScript(launch_error="invalid"))
    state = rig.orchestrator().run()
    (attempt,) = state.tasks["example-s1337"].attempts
    assert state.tasks["example-s1337"].phase is Phase.FAILED
    assert attempt.end is AttemptEnd.LAUNCH_FAILED and "InvalidSkyPilotConfigError" in (attempt.note or "")


def test_setup_failures_are_retried_then_given_up(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    rig.sky.script(rig.cluster("example-s1337"), *(NodeScript(job_end=(1, "FAILED_SETUP")) for _ in range(3)))
    state = rig.orchestrator().run()
    ts = state.tasks["example-s1337"]
    assert ts.phase is Phase.FAILED and len(ts.attempts) == 3
    assert all(a.end is AttemptEnd.JOB_FAILED and "FAILED_SETUP" in (a.note or "") for a in ts.attempts)


def test_a_job_that_ends_without_records_is_not_retried(tmp_path: Path) -> None:
    """`pgolf reproduce` refusing (exit 2, 3) is deterministic: a relaunch would fail the same way."""
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    rig.sky.script(rig.cluster("example-s1337"), NodeScript(job_end=(1, "FAILED")))
    state = rig.orchestrator().run()
    assert state.tasks["example-s1337"].phase is Phase.FAILED and len(state.tasks["example-s1337"].attempts) == 1


def test_deadline_tears_the_node_down_and_keeps_what_finished(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, per="pr"))
    cluster = rig.cluster("example")
    rig.sky.script(cluster, NodeScript(seeds={1337: 1}))  # seed 42 hangs: the job never ends
    state = rig.orchestrator(poll_s=600.0).run()
    ts = state.tasks["example"]
    (attempt,) = ts.attempts
    assert ts.phase is Phase.FAILED and attempt.end is AttemptEnd.DEADLINE and attempt.down
    assert ts.seeds_done == [1337] and rig.downs() == [cluster]
    held = attempt.held_s
    assert held is not None and held >= rig.plan.task("example").deadline_s


def test_a_torn_record_is_never_promoted(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, per="pr"))
    rig.sky.script(rig.cluster("example"), NodeScript(seeds={1337: 1}, torn={42: 1}, job_end=(2, "SUCCEEDED")))
    state = rig.orchestrator().run()
    ts = state.tasks["example"]
    assert ts.seeds_done == [1337] and ts.phase is Phase.FAILED
    assert not seed_dir(rig.plan.fanout_dir, "example", 42).exists()
    assert not list((rig.plan.fanout_dir / "staging").iterdir())
    assert "without a record for seed(s) [42]" in (ts.attempts[0].note or "")


def test_an_interrupted_orchestrator_resumes_without_relaunching(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    cluster = rig.cluster("example-s1337")
    rig.sky.script(cluster, NodeScript(launch_polls=2, seeds={1337: 2}, job_end=(3, "SUCCEEDED")))

    first = rig.orchestrator(max_polls=4).run()  # stops while the job runs, like a killed process
    assert first.tasks["example-s1337"].phase is Phase.RUNNING
    assert load_state(rig.plan.fanout_dir) == first

    second = rig.orchestrator().run()
    assert second.tasks["example-s1337"].phase is Phase.DONE
    assert rig.launched() == [cluster], "the running node was re-attached, not relaunched"

    third = rig.orchestrator().run()  # everything has a record: nothing is launched again
    assert third.tasks["example-s1337"].phase is Phase.DONE and rig.launched() == [cluster]


def test_a_rerun_skips_seeds_whose_records_exist(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path))
    a, b = (rig.cluster(t) for t in ("example-s1337", "example-s42"))
    rig.sky.script(a, NodeScript(seeds={1337: 1}, job_end=(1, "SUCCEEDED")))
    rig.sky.script(b, NodeScript(lost=(1, "GONE")), NodeScript(lost=(1, "GONE")), NodeScript(lost=(1, "GONE")))
    state = rig.orchestrator().run()
    assert state.tasks["example-s1337"].phase is Phase.DONE and state.tasks["example-s42"].phase is Phase.FAILED

    # The same command again: a new orchestrator over the same folder. Seed 1337 is not run again;
    # the task given up on is asked for again, with a fresh attempt budget.
    rig.sky.script(b, NodeScript(lost=(1, "GONE")), NodeScript(seeds={42: 1}, job_end=(1, "SUCCEEDED")))
    state = rig.orchestrator().run()
    assert rig.launched().count(a) == 1 and state.tasks["example-s42"].phase is Phase.DONE
    assert len(state.tasks["example-s42"].attempts) == 5 and state.tasks["example-s42"].budget_from == 3


def test_interrupt_tears_down_every_node_it_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig(tmp_path, _plan(tmp_path))
    for task in rig.plan.tasks:
        rig.sky.script(task.cluster, NodeScript(launch_polls=5))

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rig.clock, "sleep", interrupt)
    with pytest.raises(KeyboardInterrupt):
        rig.orchestrator().run()
    state = load_state(rig.plan.fanout_dir)
    assert state is not None
    assert sorted(rig.downs()) == sorted(t.cluster for t in rig.plan.tasks)
    for ts in state.tasks.values():
        assert ts.phase is Phase.PENDING and ts.attempts[-1].end is AttemptEnd.CANCELLED and ts.attempts[-1].down


def test_a_failed_copy_back_is_retried_on_the_next_poll(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    rig.sky.script(rig.cluster("example-s1337"), NodeScript(seeds={1337: 1}, job_end=(3, "SUCCEEDED")))
    real_pull = rig.api.pull
    failures = iter([True, False, False, False, False, False, False, False])

    def flaky(cluster: str, remote: str, local: Path) -> None:
        if next(failures, False):
            raise proc.CommandFailed(["rsync"], 12, "rsync: connection unexpectedly closed")
        real_pull(cluster, remote, local)

    monkeypatch.setattr(rig.api, "pull", flaky)
    state = rig.orchestrator().run()
    assert state.tasks["example-s1337"].phase is Phase.DONE
    assert any("copy back failed, will retry" in line for line in rig.log)


def test_a_lost_launch_request_is_recovered_from_the_cluster(tmp_path: Path) -> None:
    """The API server restarted and forgot the request: an UP cluster's last job is adopted."""
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    cluster = rig.cluster("example-s1337")
    rig.sky.script(cluster, NodeScript(launch_polls=0, seeds={1337: 2}, job_end=(2, "SUCCEEDED")))
    rig.orchestrator().step(_open(rig))  # launched
    rig.sky._requests.clear()  # the request is gone
    state = rig.orchestrator().run()
    assert state.tasks["example-s1337"].attempts[0].job_id == 1
    assert state.tasks["example-s1337"].phase is Phase.DONE and rig.launched() == [cluster]


def _open(rig: Rig) -> FanoutState:
    return open_fanout(rig.plan, rig.clock.utc_now())


def test_fanout_down_tears_down_what_an_interrupted_run_left(tmp_path: Path) -> None:
    rig = Rig(tmp_path, _plan(tmp_path, seeds=[1337]))
    cluster = rig.cluster("example-s1337")
    rig.sky.script(cluster, NodeScript(seeds={1337: 3}))
    rig.orchestrator(max_polls=3).run()
    assert teardown_all(rig.plan.fanout_dir, rig.api) == []
    state = load_state(rig.plan.fanout_dir)
    assert state is not None and state.tasks["example-s1337"].attempts[-1].down
    assert rig.downs() == [cluster]
