"""One data pin for the whole fan-out: pinned once on this side, reused by a re-run, uploaded to nodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pgolf.cluster.datalock import ensure_data_lock
from pgolf.data import fetch
from pgolf.data.lock import LockedFile, load_lock, write_lock
from tests.unit.cluster.test_task_yaml import _pr_plan


def test_an_unpinned_variant_is_pinned_once_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _pr_plan(tmp_path)
    calls: list[str] = []

    def pin(name: str, *, lock_path: Path, **_: Any) -> Any:
        calls.append(name)
        lock = load_lock(lock_path)
        pinned = lock.variants[name].model_copy(
            update={"revision": "c" * 40, "files": (LockedFile(path="x.bin", kind="train", size=1, sha256="d" * 64),)}
        )
        lock.variants[name] = pinned
        write_lock(lock, lock_path)
        return pinned

    monkeypatch.setattr(fetch, "pin_variant", pin)
    messages: list[str] = []
    ensure_data_lock(plan, messages.append)
    lock_path = plan.fanout_dir / "data.lock.json"
    assert calls == ["sp8192_caseops"] and load_lock(lock_path).variants["sp8192_caseops"].revision == "c" * 40
    assert "pinned on first use" in messages[-1]
    assert not load_lock().variants["sp8192_caseops"].pinned, "the committed lock is never written"

    ensure_data_lock(plan, messages.append)  # the same fan-out again: the same data
    assert calls == ["sp8192_caseops"] and "pinned by an earlier run" in messages[-1]
