"""The fan-out folder on this machine.

    reports/fanout/<id>/plan.json                    the plan (rewritten by every run of the same command)
    reports/fanout/<id>/state.json                   every task's phase and attempts, rewritten atomically
    reports/fanout/<id>/tasks/<task>-<attempt>.yaml  the SkyPilot task each launch used
    reports/fanout/<id>/nodes/<task>/attempt-<n>/    rsync mirror of the node's output folder
    reports/fanout/<id>/runs/<name>/seed-<s>/        one finished seed: a run folder `pgolf report` reads
    reports/fanout/<id>/staging/                     copies being assembled (renamed into runs/ whole)

A seed is done when runs/<name>/seed-<s>/ exists: it appears by one rename of a complete copy, so
a re-run skips it, and an interrupted copy leaves only a staging folder, never a half seed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pgolf.cluster.model import FanoutPlan, FanoutState, Phase, TaskState
from pgolf.errors import InputError
from pgolf.runner.store import read_record, write_atomic, write_model

PLAN_FILE = "plan.json"
STATE_FILE = "state.json"


def seed_dir(fanout_dir: Path, name: str, seed: int) -> Path:
    return fanout_dir / "runs" / name / f"seed-{seed}"


def seed_done(fanout_dir: Path, name: str, seed: int) -> bool:
    """A promoted copy with a readable record (a staging folder never counts)."""
    return read_record(seed_dir(fanout_dir, name, seed) / f"seed-{seed}" / "record.json") is not None


def mirror_dir(fanout_dir: Path, task_id: str, attempt: int) -> Path:
    return fanout_dir / "nodes" / task_id / f"attempt-{attempt}"


def task_yaml_path(fanout_dir: Path, task_id: str, attempt: int) -> Path:
    return fanout_dir / "tasks" / f"{task_id}-{attempt}.yaml"


def load_state(fanout_dir: Path) -> FanoutState | None:
    path = fanout_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        return FanoutState.model_validate_json(path.read_text("utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: unreadable fan-out state: {exc}") from exc


def load_plan(fanout_dir: Path) -> FanoutPlan:
    path = fanout_dir / PLAN_FILE
    try:
        return FanoutPlan.model_validate_json(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{fanout_dir}: no {PLAN_FILE}; not a pgolf fan-out folder") from exc
    except ValueError as exc:
        raise InputError(f"{path}: unreadable fan-out plan: {exc}") from exc


def open_fanout(plan: FanoutPlan, now: dt.datetime) -> FanoutState:
    """Write the plan; start or resume the state. Tasks whose seeds are all here are done; a task an
    earlier run gave up on is pending again, with a fresh attempt budget (re-running is asking again)."""
    write_model(plan.fanout_dir / PLAN_FILE, plan)
    state = load_state(plan.fanout_dir) or FanoutState(fanout_id=plan.fanout_id, created=now, updated=now, tasks={})
    tasks = {}
    for task in plan.tasks:
        current = state.tasks.get(task.task_id, TaskState(task_id=task.task_id))
        done = [s for s in task.seeds if seed_done(plan.fanout_dir, task.name, s)]
        update: dict[str, object] = {"seeds_done": done}
        if current.phase is Phase.FAILED and len(done) < len(task.seeds):
            update |= {"phase": Phase.PENDING, "budget_from": len(current.attempts), "not_before": None}
        tasks[task.task_id] = current.model_copy(update=update)
    state = state.model_copy(update={"tasks": tasks, "updated": now})
    save_state(plan.fanout_dir, state)
    return state


def save_state(fanout_dir: Path, state: FanoutState) -> None:
    write_model(fanout_dir / STATE_FILE, state)


def save_task_yaml(fanout_dir: Path, task_id: str, attempt: int, text: str) -> Path:
    path = task_yaml_path(fanout_dir, task_id, attempt)
    write_atomic(path, text)
    return path
