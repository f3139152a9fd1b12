"""The benchmark `make bench` calls: it builds a 160 KB wrapped record and times the audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgolf.audit import bench
from pgolf.audit.pyparse import parse_python


def test_synthetic_script_is_large_and_valid() -> None:
    text = bench.synthetic_script()
    assert len(text) >= bench.TARGET_BYTES
    assert parse_python(text, "x").tree is not None


def test_bench_times_a_record(tmp_path: Path) -> None:
    folder = bench.build_record(tmp_path)
    seconds, size, files = bench.time_folder(folder, runs=1)
    assert files == 4  # the wrapper, its decoded payload, the helper module, the C source
    assert size >= bench.TARGET_BYTES
    assert 0 < seconds < 10  # the real figure is printed by `make bench`; this only guards blow-ups


def test_main_prints_the_figure(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = bench.build_record(tmp_path)
    assert bench.main([str(folder)]) == 0
    assert "code audit:" in capsys.readouterr().out
