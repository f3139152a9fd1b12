"""pgolf never imports or executes submission code: a submission that writes a marker file when it is
imported or run is checked end to end (gatherer, every check, the CLI in a subprocess), and the marker
never appears."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checks.fixture_kit import standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.audit.sources import gather_sources
from pgolf.cli import main
from pgolf.folder import load_folder

pytestmark = pytest.mark.integration


def _plant(tmp_path: Path) -> tuple[Path, list[Path]]:
    markers = [tmp_path / "marker_entry", tmp_path / "marker_helper", tmp_path / "marker_wrapped"]
    folder = tmp_path / "records" / "track_10min_16mb" / "2026-05-01_marker"
    folder.mkdir(parents=True)
    write = 'open({!r}, "w").write("executed")\n'
    entry = write.format(str(markers[0])) + "import marker_helper\n" + 'exec(open("marker_shim.py").read())\n'
    wrapped_payload = write.format(str(markers[2])) + fs.script()
    files = {
        **standard_files(),
        "train_gpt.py": entry + fs.script(),
        "marker_helper.py": write.format(str(markers[1])),
        "marker_shim.py": fs.lzma_wrapped(wrapped_payload),
    }
    for rel, content in files.items():
        (folder / rel).write_text(content if isinstance(content, str) else content.decode(), encoding="utf-8")
    return folder, markers


def test_gatherer_reads_everything_and_runs_nothing(tmp_path: Path) -> None:
    folder, markers = _plant(tmp_path)
    sources = gather_sources(load_folder(folder))
    gathered = {(f.path, bool(f.decoded_from)) for f in sources.files}
    assert ("marker_helper.py", False) in gathered and ("marker_shim.py", True) in gathered
    assert not any(m.exists() for m in markers)


def test_pgolf_check_in_process_runs_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, markers = _plant(tmp_path)
    code = main(["check", str(folder), "--format", "json"])
    assert code in (0, 1)
    assert '"PG401"' in capsys.readouterr().out
    assert not any(m.exists() for m in markers)


def test_pgolf_check_cli_subprocess_runs_nothing(tmp_path: Path) -> None:
    folder, markers = _plant(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pgolf", "check", str(folder), "--select", "code"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "PG418" in done.stdout
    assert not any(m.exists() for m in markers)


def test_no_loader_resolution_runs_code(tmp_path: Path) -> None:
    """Every loader the static evaluator resolves (literals, joins, byte lists, aliases of exec, getattr on
    builtins, importlib, files of any extension, rot13, nested wrappers) is folded, never run."""
    from tests.unit.audit.hostile_cases import loaders

    marker = tmp_path / "marker_loader"
    payload = f'open({str(marker)!r}, "w").write("executed")\n' + fs.script()
    folders = []
    for name, build in loaders(payload).items():
        folder = tmp_path / name / "records" / "track_10min_16mb" / "2026-05-01_marker"
        for rel, content in build().items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        folders.append(str(folder))
    assert main(["check", *folders[:4], "--select", "code", "--format", "json"]) in (0, 1)
    done = subprocess.run(
        [sys.executable, "-m", "pgolf", "check", *folders, "--select", "code"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "PG418" in done.stdout
    assert not marker.exists()
