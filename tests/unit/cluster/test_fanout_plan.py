"""The pure planner: tasks per seed or per PR, cluster names, deadlines, what blocks a launch, cost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgolf.cluster.cost import cost_table, estimate, makespan, node_seconds, scenario
from pgolf.cluster.model import cluster_defaults
from pgolf.cluster.plan import MAX_CLUSTER_NAME, cluster_name, gpu_count
from pgolf.errors import UsageError
from tests.unit.cluster.conftest import ROOT, make_plan

SKY_CLUSTER_NAME = re.compile(r"[a-zA-Z]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?")  # sky.skylet.constants


def test_one_task_per_seed_or_per_pr(tmp_path: Path) -> None:
    per_seed = make_plan(tmp_path, seeds=[42, 314, 0])
    assert [t.task_id for t in per_seed.tasks] == ["example-s42", "example-s314", "example-s0"]
    assert [t.seeds for t in per_seed.tasks] == [[42], [314], [0]]
    per_pr = make_plan(tmp_path, seeds=[42, 314, 0], per="pr")
    assert [(t.task_id, t.seeds) for t in per_pr.tasks] == [("example", [42, 314, 0])]
    assert make_plan(tmp_path).tasks[0].seeds == [1337], "default: the manifest's seeds"


def test_deadline_is_allowances_plus_the_runners_own_per_seed_deadline(tmp_path: Path) -> None:
    life = cluster_defaults().lifecycle
    (task,) = make_plan(tmp_path, seeds=[1, 2], per="pr").tasks
    assert task.seed_deadline_s == 300 + 120 + 180  # the example's [budget]: train + eval + slack
    expected = life.provision_allowance_s + life.setup_allowance_s + 2 * (task.seed_deadline_s + life.copy_allowance_s)
    assert task.deadline_s == expected


def test_cluster_names_are_valid_everywhere_and_distinct() -> None:
    names = {cluster_name("0123456789ab", f"pr{n}-{'x' * (n % 90)}-s{n}") for n in range(300)}
    assert len(names) == 300
    for name in names:
        assert SKY_CLUSTER_NAME.fullmatch(name) and len(name) <= MAX_CLUSTER_NAME and name == name.lower()


def test_fanout_id_is_stable_and_changes_with_what_decides_results(tmp_path: Path) -> None:
    a, b = make_plan(tmp_path), make_plan(tmp_path)
    assert a.fanout_id == b.fanout_id and a.tasks[0].cluster == b.tasks[0].cluster
    assert make_plan(tmp_path, seeds=[7]).fanout_id != a.fanout_id
    assert make_plan(tmp_path, infra="aws").fanout_id != a.fanout_id
    assert make_plan(tmp_path, max_nodes=9).fanout_id == a.fanout_id, "node count does not change results"


def test_blockers_name_what_is_missing(tmp_path: Path) -> None:
    assert make_plan(tmp_path).blocked == []
    no_image = make_plan(tmp_path, image=None)
    assert "no image" in no_image.tasks[0].blocked[0]
    tag = make_plan(tmp_path, image="pgolf/pg:cu128-t291")
    assert "not pinned by digest" in tag.tasks[0].blocked[0]
    small = make_plan(tmp_path, accelerators="H100:1", targets=("pr1855",))
    assert any("gives 1 GPUs; the manifest runs 8" in b for b in small.tasks[0].blocked)
    incomplete = tmp_path / "pr7.toml"  # a hand-written manifest that says what it does not know
    text = (ROOT / "submissions" / "pr1855.toml").read_text("utf-8").replace('name = "pr1855"', 'name = "pr7"')
    incomplete.write_text(text.replace("\nseeds = ", '\nunknown = ["the PR head commit"]\nseeds = ', 1), "utf-8")
    unknown = make_plan(tmp_path, targets=(str(incomplete),))
    assert any(b.startswith("manifest lists unknown facts: the PR head commit") for b in unknown.tasks[0].blocked)
    assert not any("data" in b for b in unknown.tasks[0].blocked)
    # not pinned by the committed lock: pinned once for the whole fan-out, never per node
    assert unknown.tasks[0].data_lock == unknown.fanout_dir / "data.lock.json"
    assert any("pinned once here before the first launch" in n for n in unknown.tasks[0].notes)
    stranger = tmp_path / "pr8.toml"
    stranger.write_text(text.replace('name = "pr7"', 'name = "pr8"').replace('"sp8192_caseops"', '"sp9999"'), "utf-8")
    (blocker,) = [b for b in make_plan(tmp_path, targets=(str(stranger),)).tasks[0].blocked if "data" in b]
    assert "variant 'sp9999' cannot be fetched: unknown data variant" in blocker


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="NAME:COUNT"):
        gpu_count("H100x8")
    with pytest.raises(UsageError, match="named twice"):
        make_plan(tmp_path, targets=("example", "submissions/example.toml"))


def test_cost_estimate_adds_up(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, targets=("pr1855",), seeds=[42, 314, 0])
    table = cost_table()
    est = plan.estimate
    task = plan.tasks[0]
    assert task.data_bytes > 16e9  # 80 shards of 100 M tokens + the CaseOps val split and sidecar
    node_s = table.task.fixed_s + task.data_bytes / 1e8 + table.seed.total_s + table.task.copy_back_s
    assert est.tasks[0].node_s == pytest.approx(node_s)
    assert est.gpu_hours == pytest.approx(3 * node_s * 8 / 3600)
    assert est.dollars == pytest.approx(est.gpu_hours * 2.69)  # runpod, cost.toml
    assert est.worst_gpu_hours == pytest.approx(3 * task.deadline_s * 8 / 3600)
    assert est.wall_s == pytest.approx(2 * node_s)  # 3 equal tasks on 2 nodes
    priced = estimate(plan.tasks, max_nodes=1, infra="nowhere")
    assert priced.dollars is None and "pass --price" in priced.price_source


def test_makespan_and_scenarios() -> None:
    assert makespan([10, 10, 10], 1) == 30 and makespan([10, 10, 10], 3) == 10 and makespan([9, 5, 4, 3], 2) == 12
    table = cost_table()
    seed_task = node_seconds(table, 1, 16 * 10**9)
    s = scenario(10, 3, 8, "seed", 2.69)
    assert s.gpu_hours == pytest.approx(30 * seed_task * 8 / 3600, rel=0.05)
    assert s.wall_h == pytest.approx(4 * seed_task / 3600, rel=0.05)  # 30 tasks on 8 nodes: 4 rounds
    per_pr = scenario(10, 3, 8, "pr", 2.69)
    assert per_pr.gpu_hours < s.gpu_hours, "per PR pays provisioning and download once per 3 seeds"
