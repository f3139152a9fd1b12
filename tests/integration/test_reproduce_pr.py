"""`make reproduce PR=N` end to end on CPU, with a local bare repository standing in for GitHub.

The PR head adds a records folder (the bundled example's files with a README run command); nothing
about it is written by hand for pgolf: the manifest is inferred from the folder, the dataset is pgolf's
synthetic one (the folder's logs name `fineweb10B_synth512`), the local backend runs the code, and the
run folder ends with the inferred manifest, the records and the report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make"),
]
pytest.importorskip("torch", reason="the example needs torch (the runner extra)")
pytest.importorskip("sentencepiece", reason="the example needs sentencepiece (the runner extra)")

ROOT = Path(__file__).resolve().parents[2]
FOLDER = "records/track_non_record_16mb/2026-11-21_Example"
README = """# Example

```bash
VOCAB_SIZE=512 ITERATIONS=12 WARMUP_STEPS=1 MAX_WALLCLOCK_SECONDS=0 VAL_LOSS_EVERY=0 TRAIN_LOG_EVERY=4 \\
DATA_PATH=./data/datasets/fineweb10B_synth512 SEED=$SEED \\
torchrun --standalone --nproc_per_node=1 train_gpt.py
```
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def upstream(tmp_path: Path) -> tuple[Path, str]:
    """A bare 'GitHub': main with an older record, refs/pull/7/head adding the example's folder."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "--quiet", "-b", "main")
    old = work / "records" / "track_non_record_16mb" / "2026-01-01_Old"
    old.mkdir(parents=True)
    (old / "README.md").write_text("an older record\n", "utf-8")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "main")
    git(work, "checkout", "--quiet", "-b", "pr7")
    folder = work / FOLDER
    folder.mkdir(parents=True)
    for name in ("train_gpt.py", "submission.json", "train_seed42.log"):
        shutil.copy2(ROOT / "submissions" / "example" / name, folder / name)
    (folder / "README.md").write_text(README, "utf-8")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "add the example record")
    head = git(work, "rev-parse", "HEAD")
    bare = tmp_path / "github.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(bare)], check=True)
    git(bare, "update-ref", "refs/pull/7/head", head)
    git(bare, "update-ref", "-d", "refs/heads/pr7")
    return bare, head


def make(tmp_path: Path, bare: Path, *variables: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGOLF_REPO": str(bare), "PGOLF_CACHE": str(tmp_path / "cache")}
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT),
            "reproduce",
            "PR=7",
            f"OUT={tmp_path / 'reports'}",
            *variables,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def test_make_reproduce_pr_runs_an_inferred_manifest_to_the_report(upstream: tuple[Path, str], tmp_path: Path) -> None:
    bare, head = upstream
    dry = make(tmp_path, bare, "DRY_RUN=1", "SEEDS=42")
    assert dry.returncode == 0, dry.stderr
    assert f"source: openai/parameter-golf commit {head}" in dry.stdout
    assert "records_folder: the only records folder the PR adds" in dry.stdout
    assert "ITERATIONS=12" in dry.stdout and "env from the run command (7 variables)" in dry.stdout, dry.stdout
    assert "dataset: synth" in dry.stdout and not (tmp_path / "reports").exists()

    done = make(tmp_path, bare, "SEEDS=42")
    (run_dir,) = list((tmp_path / "reports" / "pr7").iterdir())
    manifest = tomllib.loads((run_dir / "manifest.toml").read_text("utf-8"))
    assert manifest["source"]["commit"] == head and manifest["source"]["records_folder"] == FOLDER
    assert manifest["seeds"] == [42, 1337] and manifest["env"]["ITERATIONS"] == "12"
    inputs = json.loads((run_dir / "inputs.json").read_text("utf-8"))
    assert inputs["inference"]["manifest"]["dataset"]["variant"] == "synth"
    record = json.loads((run_dir / "seed-42" / "record.json").read_text("utf-8"))
    assert record["status"] == "ok", done.stderr[-2000:]
    assert record["score_bpb"] is not None and record["progress"]["steps_reached"] == 12
    assert any(f.startswith("preflight ok") for f in record["fingerprint"]["notes"])
    assert (run_dir / "report.json").is_file() and (run_dir / "report.md").is_file()
    # make exits 2 for any failing recipe and names pgolf's own code (the verdict's: 1 or 5) as "Error N"
    verdict = json.loads((run_dir / "report.json").read_text("utf-8"))["verdict"]
    expected = 0 if verdict["exit_code"] == 0 else 2
    assert done.returncode == expected, done.stderr[-2000:]
    assert verdict["exit_code"] == 0 or f"Error {verdict['exit_code']}" in done.stderr
    assert f"pr7: {verdict['headline']}: {verdict['reason']}" in done.stderr
