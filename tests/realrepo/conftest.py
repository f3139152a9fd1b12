"""The real challenge repository (../shared/parameter-golf.git.tar), unpacked once into .cache/."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgolf.realrepo.snapshot import main_record_folders, materialize, shared_dir, snapshot_tar


@pytest.fixture(scope="session")
def snapshot_repo() -> Path:
    tar = snapshot_tar()
    if tar is None:
        pytest.skip(f"no {shared_dir()}/parameter-golf.git.tar (a fresh clone has no ../shared); set PGOLF_SHARED")
    return materialize(tar)


@pytest.fixture(scope="session")
def main_folders(snapshot_repo: Path) -> list[str]:
    return main_record_folders(snapshot_repo)
