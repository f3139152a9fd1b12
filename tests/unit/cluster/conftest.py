"""Plans over the repository's own manifests (the example runs on CPU and needs no data download)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pgolf.cluster.model import FanoutOptions, FanoutPlan, Granularity, cluster_defaults
from pgolf.cluster.plan import plan_fanout
from pgolf.cluster.targets import resolve

ROOT = Path(__file__).resolve().parents[3]
IMAGE = "pgolf/pg:cu128-t291@sha256:" + "ab" * 32


def options(
    *,
    seeds: list[int] | None = None,
    per: Granularity = "seed",
    max_nodes: int = 2,
    image: str | None = IMAGE,
    accelerators: str = "H100:8",
    infra: str | None = "runpod",
) -> FanoutOptions:
    d = cluster_defaults()
    return FanoutOptions(
        accelerators=accelerators,
        infra=infra,
        max_nodes=max_nodes,
        per=per,
        seeds=seeds,
        image=image,
        max_attempts=d.lifecycle.max_attempts,
        idle_minutes_to_autostop=d.lifecycle.idle_minutes_to_autostop,
        disk_size_gb=d.node.disk_size_gb,
    )


def make_plan(out: Path, targets: tuple[str, ...] = ("example",), **kwargs: Any) -> FanoutPlan:
    subs = [resolve(t, ROOT, export=False) for t in targets]
    return plan_fanout(subs, options(**kwargs), workdir=ROOT, out_dir=out)


@pytest.fixture
def example_plan(tmp_path: Path) -> FanoutPlan:
    return make_plan(tmp_path / "reports")
