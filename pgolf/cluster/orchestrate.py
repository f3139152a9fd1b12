"""Run a fan-out: launch up to max_nodes tasks, poll, copy each finished seed back, retry, tear down.

This side is the watchdog (ANCHORS.md §0 item 8): it holds every credential, every deadline and every
teardown. A node only runs `pgolf reproduce` and is torn down from here when its job ends, when its
controller-side deadline passes, or when the orchestrator is interrupted. Every state change is saved
atomically before the next SkyPilot call, so a re-run of the same command resumes: finished seeds
are skipped, a launch in flight is re-attached by its cluster name, the rest is relaunched.

What each observation means, per task:
    launch request finished, job id       -> running
    launch failed: no capacity / quota    -> pending again after a backoff (not counted as an attempt)
    launch failed otherwise               -> failed (bad config, auth: retrying cannot help)
    job ended (any status)                -> copy back, tear down; done when every seed has a record
    job ended FAILED_SETUP / FAILED_DRIVER
      without every record                -> relaunch the seeds without one (setup and driver
                                             failures are the node's, e.g. a download that broke)
    node lost: cluster GONE, STOPPED (spot reclaimed) or unhealthy (INIT) while the job ran
                                          -> preempted: copy what finished, tear down, relaunch the rest
    controller-side deadline passed       -> copy what finished, tear down, failed
A seed's record is never half-written: see copyback.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from pgolf.cluster.copyback import finished_seeds, promote
from pgolf.cluster.model import Attempt, AttemptEnd, FanoutPlan, FanoutState, Phase, TaskSpec, TaskState
from pgolf.cluster.sky import ClusterInfo, ClusterState, JobState, RequestState, SkyApi
from pgolf.cluster.state import load_state, mirror_dir, open_fanout, save_state, save_task_yaml, seed_done
from pgolf.cluster.taskyaml import task_yaml
from pgolf.runner import proc
from pgolf.runner.clock import SYSTEM_CLOCK, Clock

Progress = Callable[[str], None]
_RETRYABLE_JOB_ENDS = (JobState.FAILED_SETUP, JobState.FAILED_DRIVER)
_LOST_CLUSTER = (ClusterState.GONE, ClusterState.STOPPED, ClusterState.INIT)
_MAX_BACKOFF_S = 600.0


def _quiet(_message: str) -> None:
    """Progress goes nowhere unless a caller listens."""


class Orchestrator:
    def __init__(
        self,
        plan: FanoutPlan,
        api: SkyApi,
        *,
        clock: Clock = SYSTEM_CLOCK,
        progress: Progress = _quiet,
        poll_s: float | None = None,
        max_polls: int | None = None,
        remote_identity: dict[str, str] | None = None,
    ) -> None:
        from pgolf.cluster.model import cluster_defaults

        self.plan = plan
        self.api = api
        self.clock = clock
        self.progress = progress
        self.poll_s = poll_s if poll_s is not None else cluster_defaults().lifecycle.poll_seconds
        self.max_polls = max_polls  # tests bound the loop; None polls until every task is terminal
        self.dir = plan.fanout_dir
        self.remote_identity = remote_identity or {}

    # ------------------------------------------------------------------------------------------ loop

    def run(self) -> FanoutState:
        state = open_fanout(self.plan, self.clock.utc_now())
        if self.remote_identity:
            state = state.model_copy(update={"remote_identity": self.remote_identity})
            save_state(self.dir, state)
        polls = 0
        try:
            while True:
                state = self.step(state)
                polls += 1
                if all(t.phase in (Phase.DONE, Phase.FAILED) for t in state.tasks.values()):
                    return state
                if self.max_polls is not None and polls >= self.max_polls:
                    return state
                self.clock.sleep(self.poll_s)
        except KeyboardInterrupt:
            self.progress("interrupted: tearing down every node this fan-out holds (finished seeds are kept)")
            self._cancel_all(load_state(self.dir) or state)
            raise

    def step(self, state: FanoutState) -> FanoutState:
        held = [t for t in self.plan.tasks if state.tasks[t.task_id].phase in (Phase.LAUNCHING, Phase.RUNNING)]
        infos = self.api.clusters([t.cluster for t in held]) if held else {}
        for task in held:
            state = self._save(state, self._advance(task, state.tasks[task.task_id], infos[task.cluster]))
        for task in self.plan.tasks:
            ts = state.tasks[task.task_id]
            if ts.phase is Phase.PENDING and self._all_done(task, ts):
                state = self._save(state, ts.model_copy(update={"phase": Phase.DONE}))
        active = sum(t.phase in (Phase.LAUNCHING, Phase.RUNNING) for t in state.tasks.values())
        now = self.clock.utc_now()
        for task in self.plan.tasks:
            ts = state.tasks[task.task_id]
            if active >= self.plan.options.max_nodes:
                break
            if ts.phase is Phase.PENDING and (ts.not_before is None or ts.not_before <= now):
                state = self._save(state, self._launch(task, ts))
                active += 1
        return state

    def _save(self, state: FanoutState, task: TaskState) -> FanoutState:
        state = state.with_task(task, self.clock.utc_now())
        save_state(self.dir, state)
        return state

    # ------------------------------------------------------------------------------------------ launch

    def _launch(self, task: TaskSpec, ts: TaskState) -> TaskState:
        seeds = [s for s in task.seeds if s not in ts.seeds_done]
        number = len(ts.attempts) + 1
        text = task_yaml(self.plan, task, seeds, number)
        save_task_yaml(self.dir, task.task_id, number, text)
        request = self.api.launch(text, task.cluster, idle_minutes=self.plan.options.idle_minutes_to_autostop)
        self.progress(f"{task.task_id}: launching {task.cluster} (attempt {number}, seeds {seeds})")
        attempt = Attempt(
            number=number,
            cluster=task.cluster,
            seeds=seeds,
            launch_request=request,
            started=self.clock.utc_now(),
            gpus=task.gpus,
        )
        return ts.model_copy(update={"phase": Phase.LAUNCHING, "attempts": [*ts.attempts, attempt]})

    # ------------------------------------------------------------------------------------------ advance

    def _advance(self, task: TaskSpec, ts: TaskState, info: ClusterInfo) -> TaskState:
        attempt = ts.current
        assert attempt is not None
        if info.infra and attempt.infra is None:
            ts = self._update(ts, infra=info.infra)
        if self._expired(task, attempt):
            ts = self._copy_back(task, ts, info)
            return self._end(task, ts, AttemptEnd.DEADLINE, Phase.FAILED, f"deadline of {task.deadline_s:.0f}s passed")
        if ts.phase is Phase.LAUNCHING:
            return self._launching(task, ts, info)
        return self._running(task, ts, info)

    def _launching(self, task: TaskSpec, ts: TaskState, info: ClusterInfo) -> TaskState:
        attempt = ts.current
        assert attempt is not None and attempt.launch_request is not None
        request = self.api.request_state(attempt.launch_request)
        if not request.finished:
            return ts
        if request is RequestState.UNKNOWN:
            # The API server lost the request (restarted): the cluster says what became of it.
            if info.state is ClusterState.UP:
                job_id, _ = self.api.job_state(task.cluster, None)
                return self._running_with(ts, job_id)
            if info.state is ClusterState.INIT:
                return ts  # still provisioning; the deadline bounds the wait
            return self._end(task, ts, AttemptEnd.LAUNCH_FAILED, self._retry(ts), "launch request lost, no cluster")
        result = self.api.launch_result(attempt.launch_request)
        if result.error is None:
            return self._running_with(ts, result.job_id)
        if result.no_capacity:
            # Scarce 8-GPU nodes are normal: wait and ask again, without using up an attempt.
            backoff = min(_MAX_BACKOFF_S, 60.0 * 2 ** sum(not a.counted for a in ts.attempts))
            ended = self._end(
                task, self._update(ts, counted=False), AttemptEnd.LAUNCH_FAILED, Phase.PENDING, result.error
            )
            not_before = self.clock.utc_now() + dt.timedelta(seconds=backoff)
            return ended.model_copy(update={"not_before": not_before})
        return self._end(task, ts, AttemptEnd.LAUNCH_FAILED, Phase.FAILED, result.error)

    def _running_with(self, ts: TaskState, job_id: int | None) -> TaskState:
        ts = self._update(ts, job_id=job_id)
        self.progress(f"{ts.task_id}: running (job {job_id})")
        return ts.model_copy(update={"phase": Phase.RUNNING})

    def _running(self, task: TaskSpec, ts: TaskState, info: ClusterInfo) -> TaskState:
        attempt = ts.current
        assert attempt is not None
        job = JobState.LOST
        if info.state in (ClusterState.UP, ClusterState.AUTOSTOPPING):
            job_id, job = self.api.job_state(task.cluster, attempt.job_id)
            if job_id != attempt.job_id:
                ts = self._update(ts, job_id=job_id)
        if job is not JobState.LOST or info.state not in _LOST_CLUSTER:
            ts = self._copy_back(task, ts, info)
        if job.terminal and job is not JobState.LOST:
            missing = [s for s in attempt.seeds if s not in ts.seeds_done]
            if not missing:
                return self._end(task, ts, AttemptEnd.FINISHED, self._after(task, ts), f"job {job.value}")
            note = f"job {job.value} without a record for seed(s) {missing}"
            if job in _RETRYABLE_JOB_ENDS:
                return self._end(task, ts, AttemptEnd.JOB_FAILED, self._retry(ts), note)
            return self._end(task, ts, AttemptEnd.JOB_FAILED, Phase.FAILED, note)
        if job is JobState.LOST or info.state in _LOST_CLUSTER:
            note = f"node lost: cluster {info.state.value}, job {job.value}"
            self.progress(f"{task.task_id}: preempted ({note})")
            return self._end(task, ts, AttemptEnd.PREEMPTED, self._retry(ts), note)
        return ts

    # ------------------------------------------------------------------------------------------ copy back

    def _copy_back(self, task: TaskSpec, ts: TaskState, info: ClusterInfo) -> TaskState:
        """Pull the node's output folder; promote every seed whose record appeared (after a second
        pull, so its other files are final too). A node that cannot be reached is not an error here:
        the job state decides what happens to the task."""
        attempt = ts.current
        if attempt is None or info.state is ClusterState.GONE:
            return ts
        mirror = mirror_dir(self.dir, task.task_id, attempt.number)
        pending = [s for s in attempt.seeds if s not in ts.seeds_done]
        try:
            self.api.pull(task.cluster, self.plan.node.out, mirror)
            if not finished_seeds(mirror, task.name, pending):
                return ts
            self.api.pull(task.cluster, self.plan.node.out, mirror)
        except proc.CommandFailed as exc:
            self.progress(f"{task.task_id}: copy back failed, will retry: {str(exc).splitlines()[0][:200]}")
            return ts
        for finished in finished_seeds(mirror, task.name, pending):
            target = promote(self.dir, task.name, finished, task.submission_dir)
            self.progress(f"{task.task_id}: seed {finished.seed} copied back to {target}")
        return self._refresh(task, ts)

    def _refresh(self, task: TaskSpec, ts: TaskState) -> TaskState:
        done = [s for s in task.seeds if seed_done(self.dir, task.name, s)]
        return ts.model_copy(update={"seeds_done": done})

    # ------------------------------------------------------------------------------------------ endings

    def _end(self, task: TaskSpec, ts: TaskState, end: AttemptEnd, phase: Phase, note: str) -> TaskState:
        """Tear the node down, then close the attempt: held time ends when teardown is confirmed."""
        self.api.down(task.cluster)
        ts = self._update(ts, end=end, ended=self.clock.utc_now(), down=True, note=note)
        if phase is Phase.PENDING and self._all_done(task, ts):
            phase = Phase.DONE
        self.progress(f"{task.task_id}: attempt {len(ts.attempts)} {end.value} ({note}); {phase.value}")
        return ts.model_copy(update={"phase": phase})

    def _retry(self, ts: TaskState) -> Phase:
        counted = sum(a.counted for a in ts.attempts[ts.budget_from :])
        return Phase.PENDING if counted < self.plan.options.max_attempts else Phase.FAILED

    def _after(self, task: TaskSpec, ts: TaskState) -> Phase:
        return Phase.DONE if self._all_done(task, ts) else Phase.PENDING

    @staticmethod
    def _all_done(task: TaskSpec, ts: TaskState) -> bool:
        return all(s in ts.seeds_done for s in task.seeds)

    def _expired(self, task: TaskSpec, attempt: Attempt) -> bool:
        return self.clock.utc_now() >= attempt.started + dt.timedelta(seconds=task.deadline_s)

    @staticmethod
    def _update(ts: TaskState, **fields: object) -> TaskState:
        attempt = ts.current
        assert attempt is not None
        return ts.model_copy(update={"attempts": [*ts.attempts[:-1], attempt.model_copy(update=fields)]})

    def _cancel_all(self, state: FanoutState) -> FanoutState:
        for task in self.plan.tasks:
            ts = state.tasks[task.task_id]
            if ts.phase in (Phase.LAUNCHING, Phase.RUNNING):
                state = self._save(state, self._end(task, ts, AttemptEnd.CANCELLED, Phase.PENDING, "interrupted"))
        return state


def teardown_all(fanout_dir: Path, api: SkyApi, *, progress: Progress = _quiet) -> list[str]:
    """`pgolf fanout down`: tear down every cluster of the fan-out whose teardown is not confirmed.
    Returns the clusters that could not be torn down."""
    state = load_state(fanout_dir)
    if state is None:
        return []
    left = []
    now = dt.datetime.now(dt.UTC)
    for ts in state.tasks.values():
        attempt = ts.current
        if attempt is None or attempt.down:
            continue
        try:
            api.down(attempt.cluster)
        except Exception as exc:  # report every cluster, then exit non-zero
            progress(f"{attempt.cluster}: teardown failed: {exc}")
            left.append(attempt.cluster)
            continue
        progress(f"{attempt.cluster}: torn down")
        closed = attempt.model_copy(
            update={"down": True, "ended": attempt.ended or now, "end": attempt.end or AttemptEnd.CANCELLED}
        )
        phase = Phase.PENDING if ts.phase in (Phase.LAUNCHING, Phase.RUNNING) else ts.phase
        task = ts.model_copy(update={"attempts": [*ts.attempts[:-1], closed], "phase": phase})
        state = state.with_task(task, now)
        save_state(fanout_dir, state)
    return left
