"""The snapshot plumbing on a small git repository built here: listing, export, racing unpacks."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from pgolf.errors import InputError
from pgolf.realrepo.snapshot import (
    export_folder,
    main_record_folders,
    materialize,
    pr_added_folders,
    pr_numbers,
    record_folder_of,
)


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(cwd),
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@pytest.fixture(scope="module")
def snapshot_tar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare repo shaped like the challenge's: main with one record, two PR heads."""
    base = tmp_path_factory.mktemp("snap")
    work = base / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    _write(work, {"records/track_10min_16mb/2026-03-17_Base/train_gpt.py": "print(1)\n", "README.md": "x\n"})
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "main")
    _git(work, "checkout", "-q", "-b", "pr7")
    _write(
        work,
        {
            "records/track_10min_16mb/2026-04-01_New/train_gpt.py": "print(2)\n",
            "records/track_10min_16mb/2026-04-01_New/logs/train_seed42.log": "step:1/2\n",
            "records/track_10min_16mb/2026-03-17_Base/extra.log": "added to an existing folder\n",
            "records/loose_folder/README.md": "no track level\n",
        },
    )
    (work / "records/track_10min_16mb/2026-04-01_New/escape").symlink_to("../../../../README.md")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "pr7")
    _git(work, "checkout", "-q", "main")
    bare = base / "parameter-golf.git"
    _git(base, "clone", "-q", "--bare", str(work), str(bare))
    _git(bare, "update-ref", "refs/pull/7/head", "pr7")
    _git(bare, "update-ref", "refs/pull/8/head", "main")
    tar = base / "parameter-golf.git.tar"
    with tarfile.open(tar, "w") as out:
        out.add(bare, arcname="parameter-golf.git")
    return tar


def test_record_folder_of() -> None:
    assert record_folder_of("records/track_x/2026_A/logs/a.log") == "records/track_x/2026_A"
    assert record_folder_of("records/track_x/README.md") is None
    assert record_folder_of("records/loose/README.md") == "records/loose"
    assert record_folder_of("README.md") is None


def test_listing_and_export(snapshot_tar: Path, tmp_path: Path) -> None:
    repo = materialize(snapshot_tar, tmp_path / "cache")
    assert main_record_folders(repo) == ["records/track_10min_16mb/2026-03-17_Base"]
    assert pr_numbers(repo) == [7, 8]
    assert pr_added_folders(repo, 7) == ["records/loose_folder", "records/track_10min_16mb/2026-04-01_New"]
    assert pr_added_folders(repo, 8) == []
    out = export_folder(repo, "refs/pull/7/head", "records/track_10min_16mb/2026-04-01_New", tmp_path / "x")
    assert (out / "logs/train_seed42.log").read_text() == "step:1/2\n"
    assert (out / "escape").is_symlink()  # kept as a link for pgolf check to report, never followed
    assert (out / "escape").readlink().as_posix() == "../../../../README.md"
    with pytest.raises(InputError):
        export_folder(repo, "main", "records/track_10min_16mb/2026-04-01_New", tmp_path / "y")


def _materialize(args: tuple[Path, Path]) -> str:
    return str(materialize(*args))


def test_concurrent_unpacks_agree(snapshot_tar: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with multiprocessing.get_context("forkserver").Pool(3) as pool:
        paths = pool.map(_materialize, [(snapshot_tar, cache)] * 6)
    assert len(set(paths)) == 1
    assert (Path(paths[0]) / "HEAD").is_file()
    assert not list(cache.glob(".unpack-*"))
