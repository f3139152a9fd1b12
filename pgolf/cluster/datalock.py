"""One data pin for the whole fan-out.

`pgolf data fetch` trusts a variant the committed lock does not pin on first use (its current
revision, recorded in the cache's user lock). Done on every node, that could give two nodes two
revisions if the Hub repository moves during a fan-out. So the orchestrator pins such a variant
once, here, into the fan-out's own lock (<fanout>/data.lock.json: revision and every file's size and
sha256), uploads it, and every node fetches with `--lock` and `--pinned-only`. A re-run of the same
fan-out reuses that lock: the data stays what the first launch used.
"""

from __future__ import annotations

from collections.abc import Callable

from pgolf.cluster.model import FanoutPlan


def ensure_data_lock(plan: FanoutPlan, progress: Callable[[str], None]) -> None:
    """Write the fan-out's lock (a copy of the committed one) and pin each variant it must pin.
    Raises EnvironmentMissing (exit 3) when the Hub cannot be reached."""
    from pgolf.data import fetch
    from pgolf.data.lock import load_lock, write_lock

    paths = {task.data_lock for task in plan.tasks if task.data_lock is not None}
    if not paths:
        return
    (path,) = paths  # the planner gives every task of a fan-out the same one
    if not path.is_file():
        write_lock(load_lock(), path)
    for variant in sorted({task.variant for task in plan.tasks if task.data_lock is not None}):
        current = load_lock(path).variant(variant)
        if current.pinned:
            progress(f"data: {variant} at {current.revision[:12]} (pinned by an earlier run of this fan-out)")
            continue
        pinned = fetch.pin_variant(variant, lock_path=path, progress=progress)
        progress(
            f"warning: data {variant} pinned on first use at {pinned.revision} ({len(pinned.files)} files) into "
            f"{path}: every node fetches exactly that"
        )
