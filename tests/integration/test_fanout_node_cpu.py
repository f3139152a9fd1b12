"""The node's `run` step for real: the very script text a SkyPilot node executes, run here on CPU with
the node's paths moved under tmp, reproduces a seed of the bundled example; the orchestrator's
copy-back then turns the node's output into the fan-out's run folder, which the summary reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pgolf.cluster.copyback import finished_seeds, promote
from pgolf.cluster.model import NodeLayout
from pgolf.cluster.node import run_script
from pgolf.runner.store import load_run
from tests.unit.cluster.conftest import ROOT, make_plan

pytest.importorskip("torch", reason="the example needs torch (the runner extra)")
pytest.importorskip("sentencepiece", reason="the example needs sentencepiece (the runner extra)")

pytestmark = pytest.mark.integration


# The example's own deadline is 600 s per seed (its [budget]); a loaded machine may need most of it.
@pytest.mark.timeout(900)
def test_the_node_run_script_reproduces_a_seed_and_it_comes_back_whole(tmp_path: Path) -> None:
    plan = make_plan(tmp_path / "reports", seeds=[1337])
    venv = Path(sys.executable).parent.parent  # this venv stands in for the node's /opt/pgolf-tool
    node = NodeLayout(root=str(tmp_path / "node"), image_python=sys.executable, tool_venv=str(venv))
    task = plan.tasks[0]
    script = run_script(task, node, [1337])

    done = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, check=False, timeout=840
    )  # SkyPilot runs `run` with bash in the synced workdir
    assert done.returncode in (0, 1, 5), done.stderr[-3000:]  # every verdict leaves a record

    (finished,) = finished_seeds(Path(node.out), task.name, [1337])
    target = promote(plan.fanout_dir, task.name, finished)
    run = load_run(target)
    (record,) = run.seeds
    assert record.seed == 1337 and record.backend == "local" and record.score_bpb is not None
    assert record.isolation.startswith("local"), "the fan-out's tier is recorded in every seed"
    assert (target / "seed-1337" / "output.log").is_file() and (target / "plan.json").is_file()
