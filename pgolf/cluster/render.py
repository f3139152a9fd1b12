"""Text for `pgolf fanout --dry-run`: the tasks, what each costs, what blocks a launch, what a node runs."""

from __future__ import annotations

import shlex

from pgolf.cluster.model import FanoutPlan
from pgolf.cluster.node import reproduce_argv


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def plan_text(plan: FanoutPlan) -> str:
    o, est = plan.options, plan.estimate
    where = o.infra or "SkyPilot's choice of infra"
    lines = [
        f"fan-out {plan.fanout_id}: {len(plan.tasks)} task(s), one per {o.per}, on up to {o.max_nodes} node(s) "
        f"of {o.accelerators}, {where}, {'spot' if o.use_spot else 'on-demand'}",
        f"folder: {plan.fanout_dir}",
        "",
        f"{'task':<22} {'cluster':<36} {'seeds':<12} {'data':>8} {'deadline':>9} {'expected':>9} {'GPU-h':>6} "
        f"{'cost':>9}",
    ]
    by_task = {e.task_id: e for e in est.tasks}
    for task in plan.tasks:
        e = by_task[task.task_id]
        seeds = ",".join(str(s) for s in task.seeds)
        flag = "  BLOCKED" if task.blocked else ""
        lines.append(
            f"{task.task_id:<22} {task.cluster:<36} {seeds:<12} {task.data_bytes / 1e9:>6.1f}GB "
            f"{duration(task.deadline_s):>9} {duration(e.node_s):>9} {e.gpu_hours:>6.1f} {_money(e.dollars):>9}{flag}"
        )
    lines += [
        "",
        f"expected: {est.gpu_hours:.1f} GPU-hours ({_money(est.dollars)}), wall {duration(est.wall_s)} "
        f"on {est.max_nodes} node(s); at worst (every task to its deadline) {est.worst_gpu_hours:.1f} GPU-hours",
        "assumptions:",
        *(f"  - {a}" for a in est.assumptions),
    ]
    if plan.tasks:
        first = plan.tasks[0]
        lines += [
            "",
            f"node command of {first.task_id} (run from the synced pgolf checkout, in the image "
            f"{first.image or '<no image>'}):",
            f"  {shlex.join(reproduce_argv(first, plan.node, first.seeds))}",
        ]
    notes: dict[str, list[str]] = {}
    for task in plan.tasks:
        notes.setdefault(task.name, task.notes)
    if any(notes.values()):
        lines += ["", "notes:"]
        for name, items in notes.items():
            lines += [f"  {name}: {item}" for item in items]
    blocked: dict[str, list[str]] = {}
    for task in plan.blocked:
        blocked.setdefault(task.name, task.blocked)
    if blocked:
        lines += ["", "blocked (nothing is launched until every task can run):"]
        for name, reasons in blocked.items():
            lines += [f"  {name}: {reason}" for reason in reasons]
        lines.append(f"{len(plan.blocked)} of {len(plan.tasks)} task(s) blocked: not launchable yet")
    return "\n".join(lines) + "\n"
