"""The audit's cost is bounded per folder: hostile inputs that took gigabytes and minutes are a finding
(unauditable code, a cap exceeded) within a bounded peak RSS, never a crash or a silent pass."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from checks.fixture_kit import standard_files
from pgolf.audit import fixture_scripts as fs

pytestmark = pytest.mark.integration

PEAK_RSS_MB = 700  # a 160 KB record peaks near 150 MB; the caps keep every case below this


def _folder(tmp_path: Path, train_gpt: str) -> Path:
    root = tmp_path / "records" / "track_10min_16mb" / "2026-05-01_cost"
    root.mkdir(parents=True)
    for rel, content in {**standard_files(), "train_gpt.py": train_gpt}.items():
        (root / rel).write_text(content if isinstance(content, str) else content.decode(), encoding="utf-8")
    return root


_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300)\n"
    "sys.stdout.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + '\\n' + done.stdout)\n"
    "sys.exit(done.returncode)\n"
)


def _check(folder: Path) -> tuple[dict[str, str], float]:
    """Run `pgolf check` in a fresh child; return {rule: status} of the code checks and its peak RSS (MB)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURE,
            sys.executable,
            "-m",
            "pgolf",
            "check",
            str(folder),
            "--select",
            "code",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=320,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    rss_kb, _, out = done.stdout.partition("\n")
    report = json.loads(out)
    statuses = {r["rule"]: r["status"] for r in report["submissions"][0]["results"]}
    print(f"peak RSS {int(rss_kb) / 1024:.0f} MB")
    return statuses, int(rss_kb) / 1024


def test_many_wrappers_share_one_decode_budget(tmp_path: Path) -> None:
    """400 wrappers of 1 MiB each (0.7 MB of file) took 3.3 GB and 176 s when the cap was per call."""
    blob = base64.b85encode(zlib.compress(b"#" * (1 << 20), 9)).decode()
    text = (
        "import zlib, base64\n" + "def f():\n    pass\n" + f'exec(zlib.decompress(base64.b85decode("{blob}")))\n' * 400
    )
    statuses, peak = _check(_folder(tmp_path, text))
    assert statuses["CODE-BYTES"] == "fail"
    assert peak < PEAK_RSS_MB


def test_a_15_mib_script_is_not_parsed(tmp_path: Path) -> None:
    """9.4 GB before: over the parse cap it is unauditable, and nothing is parsed."""
    body = fs.script() + "".join(f"def pad_{i}(x):\n    return x + {i}\n" for i in range(400_000))
    statuses, peak = _check(_folder(tmp_path, body[: 15 * 1024 * 1024]))
    assert statuses["CODE-BYTES"] == "fail"
    assert peak < PEAK_RSS_MB


def test_a_15_mb_list_literal_is_not_parsed(tmp_path: Path) -> None:
    """7 GB before: a data literal over the cap is a finding."""
    statuses, peak = _check(_folder(tmp_path, fs.script() + "TABLE = [" + "1," * 7_500_000 + "]\n"))
    assert statuses["CODE-BYTES"] == "fail"
    assert peak < PEAK_RSS_MB


def test_a_literal_just_under_the_file_cap_stays_within_the_folder_budget(tmp_path: Path) -> None:
    """Under the 1 MiB file cap but over the folder's node budget: still a cap finding, bounded."""
    statuses, peak = _check(_folder(tmp_path, fs.script() + "TABLE = [" + "1," * 480_000 + "]\n"))
    assert statuses["CODE-BYTES"] == "fail"
    assert peak < PEAK_RSS_MB
