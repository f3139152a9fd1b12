"""GPU-hours, dollars and wall time of a fan-out, from cost.toml (measured seed times, assumed overheads).

    node time of a task = provisioning + image pull + setup + data download + seeds x seed time + copy back
    GPU-hours          = node time x the node's GPUs (a rented node bills every GPU while it is held)
    worst case         = the controller-side deadline of every task (a hung node is torn down there)
    wall time          = tasks packed longest-first onto max_nodes nodes

`python -m pgolf.cluster.cost` prints the 10/50 PRs x 3 seeds table of docs/fanout.md.
"""

from __future__ import annotations

import argparse
import heapq
import tomllib
from collections.abc import Sequence
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from pgolf.cluster.model import CostEstimate, SeedCost, TaskEstimate, TaskSpec


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TaskOverheads(_Frozen):
    provision_s: float
    image_pull_s: float
    setup_s: float
    data_rate_mb_s: float
    copy_back_s: float

    @property
    def fixed_s(self) -> float:
        return self.provision_s + self.image_pull_s + self.setup_s


class Price(_Frozen):
    usd_per_gpu_hour: float
    source: str


class CostTable(_Frozen):
    seed: SeedCost
    task: TaskOverheads
    prices: dict[str, Price]

    def price(self, infra: str | None) -> tuple[Price | None, str]:
        """The price for an infra spec (`runpod`, `aws/us-east-1`, ...): its provider's, else the default's."""
        provider = (infra or "").split("/")[0].lower()
        if provider and provider in self.prices:
            return self.prices[provider], provider
        if not provider:
            return self.prices.get("default"), "default"
        return None, provider


@cache
def cost_table() -> CostTable:
    text = (resources.files("pgolf.cluster") / "cost.toml").read_text("utf-8")
    return CostTable.model_validate(tomllib.loads(text))


def node_seconds(table: CostTable, seeds: int, data_bytes: int, seed_cap_s: float | None = None) -> float:
    """Expected node time; a seed never counts more than its own deadline (a smaller manifest budget)."""
    seed_s = table.seed.total_s if seed_cap_s is None else min(table.seed.total_s, seed_cap_s)
    download = data_bytes / (table.task.data_rate_mb_s * 1e6)
    return table.task.fixed_s + download + seeds * (seed_s + table.task.copy_back_s)


def makespan(durations: Sequence[float], nodes: int) -> float:
    """Longest-processing-time-first onto `nodes` identical nodes (within 4/3 of optimal)."""
    loads = [0.0] * max(1, nodes)
    for duration in sorted(durations, reverse=True):
        heapq.heapreplace(loads, loads[0] + duration)  # the least-loaded node takes the next task
    return max(loads)


def estimate(
    tasks: Sequence[TaskSpec], *, max_nodes: int, infra: str | None, price_override: float | None = None
) -> CostEstimate:
    table = cost_table()
    price, provider = table.price(infra)
    usd = price_override if price_override is not None else (price.usd_per_gpu_hour if price else None)
    if price_override is not None:
        source = "--price"
    elif price is not None:
        source = f"{provider}: {price.source} (assumption)"
    else:
        source = f"no price for {provider!r} in cost.toml: pass --price"
    estimates = []
    for task in tasks:
        node_s = node_seconds(table, len(task.seeds), task.data_bytes, task.seed_deadline_s)
        gpu_hours = node_s * task.gpus / 3600.0
        worst = task.deadline_s * task.gpus / 3600.0
        estimates.append(
            TaskEstimate(
                task_id=task.task_id,
                node_s=node_s,
                worst_s=task.deadline_s,
                gpu_hours=gpu_hours,
                worst_gpu_hours=worst,
                dollars=None if usd is None else gpu_hours * usd,
            )
        )
    gpu_hours = sum(e.gpu_hours for e in estimates)
    return CostEstimate(
        price_per_gpu_hour=usd,
        price_source=source,
        seed=table.seed,
        overhead_s=table.task.fixed_s + table.task.copy_back_s,
        data_rate_mb_s=table.task.data_rate_mb_s,
        tasks=estimates,
        gpu_hours=gpu_hours,
        worst_gpu_hours=sum(e.worst_gpu_hours for e in estimates),
        dollars=None if usd is None else gpu_hours * usd,
        wall_s=makespan([e.node_s for e in estimates], max_nodes),
        max_nodes=max_nodes,
        assumptions=[
            f"seed time {table.seed.total_s / 60:.1f} min: medians of frontier logs (cost.toml [seed])",
            f"per launch: provisioning {table.task.provision_s:.0f} s, image pull {table.task.image_pull_s:.0f} s, "
            f"setup {table.task.setup_s:.0f} s, copy back {table.task.copy_back_s:.0f} s per seed (assumptions)",
            f"data download at {table.task.data_rate_mb_s:.0f} MB/s per node (assumption)",
            f"price: {source}",
        ],
    )


# --------------------------------------------------------------------------------------------- scenarios

_SHARD_BYTES = 1024 + 2 * 100_000_000  # one full shard of 100 M uint16 tokens
_VARIANT_BYTES = 80 * _SHARD_BYTES + 2 * 1024 + 2 * 2 * 47_853_344  # 80 train shards, CaseOps val + byte sidecar


class Scenario(_Frozen):
    prs: int
    seeds: int
    per: str
    nodes: int
    gpu_hours: float
    dollars: float | None
    wall_h: float


def scenario(prs: int, seeds: int, nodes: int, per: str, usd: float | None) -> Scenario:
    table = cost_table()
    if per == "seed":
        durations = [node_seconds(table, 1, _VARIANT_BYTES)] * (prs * seeds)
    else:
        durations = [node_seconds(table, seeds, _VARIANT_BYTES)] * prs
    gpu_hours = sum(durations) * 8 / 3600.0
    return Scenario(
        prs=prs,
        seeds=seeds,
        per=per,
        nodes=nodes,
        gpu_hours=gpu_hours,
        dollars=None if usd is None else gpu_hours * usd,
        wall_h=makespan(durations, nodes) / 3600.0,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pgolf.cluster.cost", description="fan-out cost scenarios")
    parser.add_argument("--prs", type=int, nargs="*", default=[10, 50])
    parser.add_argument("--nodes", type=int, nargs="*", default=[1, 4, 8, 16, 30])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    table = cost_table()
    providers = [name for name in table.prices if name != "default"]
    per_launch = node_seconds(table, 0, _VARIANT_BYTES)
    print(f"one seed {table.seed.total_s / 60:.1f} min; each launch adds {per_launch / 60:.1f} min (incl. data)")
    heads = " | ".join(f"{name} ${table.prices[name].usd_per_gpu_hour:.2f}/GPU-h" for name in providers)
    print(f"| PRs x seeds | one node per | nodes | GPU-hours | {heads} | wall |")
    print("|---|---|---|---|" + "---|" * len(providers) + "---|")
    for prs in args.prs:
        for per in ("seed", "pr"):
            for nodes in args.nodes:
                s = scenario(prs, args.seeds, nodes, per, None)
                costs = " | ".join(f"${s.gpu_hours * table.prices[name].usd_per_gpu_hour:,.0f}" for name in providers)
                print(f"| {prs} x {args.seeds} | {per} | {nodes} | {s.gpu_hours:,.0f} | {costs} | {s.wall_h:.1f} h |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
