"""`make reproduce PR=2135 DRY_RUN=1` on the real snapshot: every fact of the plan checked against the PR's
own files (read here with git, independently of pgolf's inference), nothing written by hand for #2135."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.realrepo,
    pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make"),
]

ROOT = Path(__file__).resolve().parents[2]
PR = 2135
FOLDER = "records/track_10min_16mb/2026-05-01_SP8192_PR2130Base_Calib32"
_ASSIGNMENT = re.compile(r"(?<![\w$])([A-Z][A-Z0-9_]*)=(\S+)")


def _show(repo: Path, path: str) -> str:
    ref = f"refs/pull/{PR}/head"
    return subprocess.run(
        ["git", "--git-dir", str(repo), "show", f"{ref}:{FOLDER}/{path}"], capture_output=True, text=True, check=True
    ).stdout


def _readme_env(readme: str) -> dict[str, str]:
    """The assignments of the README's bash block that runs torchrun (SEED is the loop's, set by the runner)."""
    block = next(b for b in re.findall(r"```bash\n(.*?)```", readme, re.S) if "torchrun" in b)
    env = dict(_ASSIGNMENT.findall(block.split("torchrun")[0]))
    env.pop("SEED")
    return env


@pytest.fixture(scope="module")
def plan(snapshot_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("plan")
    env = {**os.environ, "PGOLF_REPO": str(snapshot_repo), "PGOLF_CACHE": str(tmp / "cache")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "reproduce", f"PR={PR}", "DRY_RUN=1", f"OUT={tmp / 'out'}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (tmp / "out").exists()  # a dry run writes no run folder
    return done.stdout


def test_commit_folder_and_seeds_are_the_prs(plan: str, snapshot_repo: Path) -> None:
    head = subprocess.run(
        ["git", "--git-dir", str(snapshot_repo), "rev-parse", f"refs/pull/{PR}/head"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert head.startswith("ff905226")
    assert f"source: openai/parameter-golf commit {head}\n" in plan
    assert f"  folder {FOLDER} (sha256:" in plan
    seeds = json.loads(_show(snapshot_repo, "submission.json"))["seeds"]
    assert seeds == [314, 42, 0]
    assert "seeds: 314 42 0 (from submission.json#/seeds)\n" in plan


def test_every_env_variable_of_the_readme_command(plan: str, snapshot_repo: Path) -> None:
    expected = _readme_env(_show(snapshot_repo, "README.md"))
    assert len(expected) == 57
    listed = dict(re.findall(r"^  ([A-Z][A-Z0-9_]*)=(\S+)", plan, re.M))
    assert listed == expected
    assert "env from the run command (57 variables):" in plan
    assert "  DATA_PATH=./data/datasets/fineweb10B_sp8192_lossless_caps_caseops_v1_reserved (set by the runner" in plan


def test_the_image_explains_the_torch_conflict(plan: str, snapshot_repo: Path) -> None:
    declared = json.loads(_show(snapshot_repo, "submission.json"))["pytorch_version"]
    pinned = re.search(r"^torch==(\S+)", _show(snapshot_repo, "requirements.txt"), re.M)
    assert pinned is not None and (declared, pinned[1]) == ("2.11.0+cu130", "2.9.1+cu128")
    image = plan.split("\nimage: ", 1)[1].split("\ndataset: ", 1)[0]
    assert image.startswith("cu130-t2110 (pgolf/pg:cu130-t2110, torch 2.11.0+cu130)")
    conflict = next(line for line in image.splitlines() if "conflict: torch version" in line)
    assert f"{declared} (submission.json#/pytorch_version" in conflict
    assert f"2.9.1+cu128 (requirements.txt:2 says torch {pinned[1]})" in conflict
    assert "chose 2.11.0+cu130" in conflict and "order of trust" in conflict


def test_the_dataset_variant_and_how_it_is_fetched(plan: str, snapshot_repo: Path) -> None:
    readme = _show(snapshot_repo, "README.md")
    repo_id = re.search(r'repo_id="([^"]+)"', readme)
    assert repo_id is not None and repo_id[1] == "romeerp/parameter-golf-caseops-v1"
    log = _show(snapshot_repo, "train_seed0.log").splitlines()
    assert log[151] == "val_tokens: 47851520" and log[150] == "train_shards: 80"
    assert (
        "dataset: sp8192_caseops (from val_tokens 47,851,520 at train_seed0.log:152), "
        "80 train shards (from train_shards at train_seed0.log:151)\n"
    ) in plan
    assert f"fetched with huggingface_hub from {repo_id[1]} " in plan
    assert "pgolf data fetch sp8192_caseops --train-shards 80" in plan
    for pattern in re.findall(r'"(datasets/[^"*]+?)/?\*?"', readme):
        assert pattern.rstrip("/") in plan
