"""Real-process helpers shared by the local backend's integration tests: a tiny submission plan,
and processes found by a marker in their command line or their working directory (inside the
warden's pid namespace the pids a script sees are not the host's)."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pgolf.manifest import parse_manifest
from pgolf.runner import proc
from pgolf.runner.hook import HOOK_DIR
from pgolf.runner.model import DataLocation, Plan, RunOptions
from pgolf.runner.plan import plan

Warding = proc.Warding | None


def marked(marker: str) -> list[int]:
    """Live (non-zombie) processes whose command line carries the marker, or whose working
    directory is under it (when it is a folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(")")[-1].split()[0]
            cwd = str((entry / "cwd").readlink()) if marker.startswith("/") else ""
        except OSError:
            continue
        if state not in ("Z", "X") and (marker.encode() in cmdline or (cwd and cwd.startswith(marker))):
            found.append(int(entry.name))
    return found


def wait_gone(marker: str, seconds: float = 5.0) -> list[int]:
    """Waits until no marked process is left; what is still there after `seconds`."""
    deadline = time.monotonic() + seconds
    while (left := marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def wait_until(check: Callable[[], Any], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def pidns_available() -> bool:
    """Whether the warden gets a pid namespace on this machine (root, or unprivileged user namespaces)."""
    popen, report = proc.spawn_warded(["true"], cwd=Path("/"), env=dict(os.environ), warding=proc.Warding("pidns"))
    popen.wait(30)
    if popen.stdout is not None:
        popen.stdout.close()
    started = report.started(10) or {}
    return str(started.get("mode", "")).startswith("pidns")


PIDNS = pidns_available() if proc.warden_supported() else False
needs_warden = pytest.mark.skipif(not proc.warden_supported(), reason="the warden needs Linux")
WARDEN_MODES = [
    pytest.param(
        proc.Warding("pidns", settle_s=1.0),
        id="pidns",
        marks=pytest.mark.skipif(not PIDNS, reason="no pid namespace here (not root, no user namespaces)"),
    ),
    pytest.param(proc.Warding("subreaper", settle_s=1.0), id="subreaper", marks=needs_warden),
]


def make_plan(
    tmp_path: Path,
    script: str,
    *,
    deadline: float = 30.0,
    launcher: str = "python",
    nproc: int = 1,
    marker: str = "",
    out_dir: Path | None = None,
) -> Plan:
    source = tmp_path / "source"
    source.mkdir(exist_ok=True)
    text = textwrap.dedent(script).replace("MARKER", marker).replace("TMP", str(tmp_path))
    (source / "train_gpt.py").write_text(text, encoding="utf-8")
    dataset = tmp_path / "data"
    dataset.mkdir(exist_ok=True)
    (dataset / "fineweb_train_000000.bin").write_bytes(b"\0" * 64)
    (dataset / "fineweb_val_000000.bin").write_bytes(b"\0" * 64)
    manifest = parse_manifest(
        {
            "name": "tiny",
            "local_folder": "x",
            "track": "10min_16mb",
            "dataset": {"variant": "synth", "train_shards": 1, "vocab_size": 512},
            "seeds": [1],
            "nproc_per_node": nproc,
            "budget": {"train_seconds": deadline / 2, "eval_seconds": deadline / 2, "slack_seconds": 0},
        }
    )
    options = RunOptions(
        source_dir=source,
        data=DataLocation(variant="synth", dataset_dir=dataset),
        out_dir=out_dir or tmp_path / "reports",
        python=sys.executable,
        hook_dir=HOOK_DIR,
        host_env=dict(os.environ),
        term_grace_s=1.0,
    )
    the_plan = plan(manifest, options)
    # no GPU preflight for these CPU scripts; and the script itself without torchrun unless asked
    command = [sys.executable, "train_gpt.py"] if launcher == "python" else the_plan.specs[0].command
    specs = [s.model_copy(update={"command": command, "preflight": None}) for s in the_plan.specs]
    return the_plan.model_copy(update={"specs": specs})
