"""The report's submission tree id is git's: a reviewer compares it with `git rev-parse COMMIT:FOLDER`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pgolf.report.snapshot import git_tree_id

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "submissions" / "example"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_tree_id_equals_git_for_files_modes_links_and_nesting(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    folder = repo / "records" / "track_10min_16mb" / "2026-05-01_Example"
    shutil.copytree(EXAMPLE, folder)
    (folder / "run.sh").write_text("#!/bin/sh\necho hi\n", encoding="utf-8")
    (folder / "run.sh").chmod(0o755)
    (folder / "nested" / "deeper").mkdir(parents=True)
    (folder / "nested" / "deeper" / "a.txt").write_text("a\n", encoding="utf-8")
    (folder / "nested" / "b-c.txt").write_text("sorting: '-' sorts before '/'\n", encoding="utf-8")
    (folder / "nested-").mkdir()
    (folder / "nested-" / "x").write_text("x\n", encoding="utf-8")
    (folder / "empty").mkdir()  # git keeps no empty folder
    (folder / "link").symlink_to("train_gpt.py")
    _git(repo.parent, "init", "-q", str(repo))
    _git(repo, "add", "-A")
    tree = _git(repo, "write-tree")
    expected = _git(repo, "rev-parse", f"{tree}:records/track_10min_16mb/2026-05-01_Example")
    assert git_tree_id(folder) == expected
