"""Wrappers that decode a literal to a FILE and run it (#1771, #1570, #1518, #1839's bundle): the written
text is found statically, becomes audited code, and a violation inside it FAILs with evidence in the
decoded source. Writes pgolf cannot fold stay unauditable code. Nothing is executed."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pytest

from checks.fixture_kit import standard_files
from checks.trains_on_val.fixtures import VAL_ONLY
from pgolf.audit import fixture_scripts as fs
from pgolf.audit.wrappers import scan_loaders
from pgolf.engine import check_folder
from pgolf.findings import Status, SubmissionReport
from pgolf.ruleset import load_ruleset

VIOLATION = fs.script(train=VAL_ONLY)
RUNNER = "import train_gpt\ntrain_gpt.main()\n"


def _check(tmp_path: Path, train_gpt: str, **extra: str) -> SubmissionReport:
    root = tmp_path / "records" / "track_10min_16mb" / "2026-05-01_file_wrapper"
    root.mkdir(parents=True)
    for rel, content in {**standard_files(), "train_gpt.py": train_gpt, **extra}.items():
        (root / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
    return check_folder(root, load_ruleset(), policy="leaderboard", select=["code"])


def _fails(report: SubmissionReport) -> Mapping[str, str]:
    return {r.rule: r.message for r in report.results if r.status is Status.FAIL}


def test_the_written_literal_and_its_path_are_found() -> None:
    scan = scan_loaders(ast.parse(fs.file_wrapped("print(1)\n")))
    assert [(w.path, w.text, w.line, w.description) for w in scan.written] == [
        ("<tmp>/train_gpt.py", "print(1)\n", 5, "lzma-raw+base85")
    ]
    assert scan.file_loads == [("<tmp>/train_gpt.py", 6)] and not scan.unresolved and not scan.untrusted_writes


def test_a_bundle_loop_writes_every_file_once_decoded() -> None:
    files = {"_runner.py": RUNNER, "train_gpt.py": "X = 1\n", "lib/k.cu": "// kernel\n"}
    scan = scan_loaders(ast.parse(fs.bundle_wrapped(files, "_runner.py")))
    assert {w.path: w.text for w in scan.written} == {f"<tmp>/{k}": v for k, v in files.items()}
    assert all(w.description == "lzma-raw+base85" for w in scan.written)


def test_a_path_that_leaves_the_temporary_directory_does_not_fold() -> None:
    wrapper = "import os,tempfile\n_d=tempfile.mkdtemp()\nopen(os.path.join(_d,'..','x.py'),'w').write('X=1')\n"
    scan = scan_loaders(ast.parse(wrapper))
    assert not scan.written and scan.untrusted_writes


@pytest.mark.parametrize(
    "wrapper",
    [
        fs.file_wrapped(VIOLATION),
        fs.file_wrapped(VIOLATION, beside=True),
        fs.bundle_wrapped({"_runner.py": RUNNER, "train_gpt.py": VIOLATION}, "_runner.py"),
        fs.lzma_wrapped(fs.file_wrapped(VIOLATION)),
        fs.file_wrapped(VIOLATION).replace(
            "runpy.run_path(_f,", "import subprocess,sys;subprocess.run([sys.executable,_f],"
        ),
    ],
    ids=["tempdir-run-path", "beside-with-open", "bundle-import", "inside-exec-wrapper", "subprocess-python"],
)
def test_a_violation_inside_a_file_wrapper_fails_with_evidence_in_the_decoded_source(
    wrapper: str, tmp_path: Path
) -> None:
    report = _check(tmp_path, wrapper)
    result = next(r for r in report.results if r.rule == "VAL-IN-TRAINING")
    assert result.status is Status.FAIL, result.message
    where = result.evidence[0].location
    assert where.path == "train_gpt.py" and where.decoded_from and "written to" in where.decoded_from
    assert "CODE-BYTES" not in _fails(report)


@pytest.mark.parametrize(
    ("wrapper", "extra", "why"),
    [
        (
            "import os,tempfile,runpy\n_f=os.path.join(tempfile.mkdtemp(),'t.py')\n"
            "open(_f,'w').write(os.environ['CODE'])\nrunpy.run_path(_f)\n",
            {},
            "no literal write",
        ),
        (
            "import os,runpy\n_f=os.environ['WHERE']\nopen('t.py','w').write('X = 1')\nrunpy.run_path(_f)\n",
            {},
            "cannot resolve statically",
        ),
        (
            fs.file_wrapped(VIOLATION).replace(
                "runpy.run_path", "import shutil;shutil.copy('n.txt',_f)\nrunpy.run_path"
            ),
            {"n.txt": "X = 1\n"},
            "could replace it",
        ),
        (
            fs.file_wrapped(VIOLATION).replace(
                "runpy.run_path", "open(_f,'a').write(open('n.txt').read())\nrunpy.run_path"
            ),
            {"n.txt": "X = 1\n"},
            "could replace it",
        ),
    ],
    ids=["content-from-environment", "run-path-from-environment", "overwritten-by-copy", "appended-from-file"],
)
def test_what_cannot_be_pinned_down_stays_unauditable(
    wrapper: str, extra: dict[str, str], why: str, tmp_path: Path
) -> None:
    report = _check(tmp_path, wrapper, **extra)
    assert "unauditable code" in _fails(report).get("CODE-BYTES", ""), _fails(report)
    notes = [e.note for r in report.results if r.rule == "CODE-BYTES" for e in r.evidence]
    assert any(why in note for note in notes), notes


def test_a_written_file_does_not_hide_the_shipped_file_of_that_name(tmp_path: Path) -> None:
    """A benign literal written to <tmp>/helper.py, while the code runs the folder's own helper.py."""
    wrapper = (
        "import os,tempfile\n_d=tempfile.mkdtemp()\nopen(os.path.join(_d,'helper.py'),'w').write('X = 1')\n"
        "exec(open('helper.py').read())\n"
    )
    report = _check(tmp_path, wrapper, **{"helper.py": VIOLATION})
    assert "VAL-IN-TRAINING" in _fails(report)
