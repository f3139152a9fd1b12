"""Fan-out: many PRs x seeds reproduced across rented machines, through SkyPilot.

One SkyPilot cluster per task (a PR x seed, or a PR), the reproduction image as the node's runtime,
and on the node exactly the local `pgolf reproduce` invocation. The orchestrator (this machine)
launches, polls, copies each finished seed back, retries a preempted node and tears nodes down: the
watchdog and every cloud credential stay on this side (ANCHORS.md §0 item 8).

    defaults.toml   node layout and lifecycle (data, not literals in code)
    cost.toml       per-seed times measured from real logs, per-node overheads and prices (assumptions)
    model.py        typed plan and state
    node.py         the node-side commands: setup (pgolf, data fetch + verify) and `pgolf reproduce`
    taskyaml.py     the SkyPilot task YAML of one task
    plan.py         the pure planner: manifests + options -> FanoutPlan (with its cost estimate)
    cost.py         GPU-hours and dollars for a plan
    sky.py          the one seam over the `sky` package (the `cluster` extra, imported lazily)
    orchestrate.py  launch, poll, copy back, retry on preemption, deadline, resume
    copyback.py     copy a finished seed into the fan-out folder: staging dir, then rename
    state.py        the fan-out state file, written atomically
    summary.py      the cross-PR table of `pgolf fanout status`
    timing.py       per-seed phase times from real logs, with the repository's own log parser
"""

# `pgolf reproduce --backend skypilot`: not a per-seed backend of this machine (pgolf.runner.backend)
# but the whole reproduction handed to the fan-out, whose nodes each run `pgolf reproduce` locally.
CLUSTER_BACKEND = "skypilot"
