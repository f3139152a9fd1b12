"""`pgolf report merge`: one report from seeds run on several machines; mixed runs refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pgolf.cli import main
from pgolf.report.bundle import verify_bundle
from pgolf.report.merge import MergeError, merge_runs
from pgolf.runner.model import EnvFingerprint

from .report_kit import CLAIMS, make_run

OTHER_MACHINE = EnvFingerprint(
    gpu_model="NVIDIA H100 80GB HBM3", gpu_count=8, torch="2.9.1+cu128", image="pgolf/pg:cu128-t291",
    image_digest="sha256:" + "c" * 64, host="node-b",
)  # fmt: skip


def _two_machines(tmp_path: Path) -> tuple[Path, Path]:
    """Seeds 42 and 314 on node-a, seed 1234 on node-b: the same manifest and submission."""
    a = make_run(tmp_path, {42: 1.0612, 314: 1.0609}, seeds=[42, 314], run_id="node-a")
    b = make_run(
        tmp_path, {1234: 1.0631}, seeds=[1234], run_id="node-b", updates={1234: {"fingerprint": OTHER_MACHINE}}
    )
    return a, b


def test_merge_builds_one_report_over_both_machines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _two_machines(tmp_path)
    out = tmp_path / "merged"
    assert main(["report", "merge", str(a), str(b), "--out", str(out), "--print", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["merged_from"] == ["node-a", "node-b"]
    assert [s["seed"] for s in report["seeds"]] == [42, 314, 1234]
    assert report["verdict"]["state"] == "reproduced" and report["overall"]["reproduced_seeds"] == [42, 314, 1234]
    machines = report["environment"]["machines"]
    assert [m["seeds"] for m in machines] == [[42, 314], [1234]]
    assert [m["fingerprint"]["host"] for m in machines] == ["node-a", "node-b"]
    (bundle,) = out.glob("*.evidence.tar.gz")
    assert verify_bundle(bundle).recomputed.state == "reproduced"


def test_the_merge_is_a_library_function(tmp_path: Path) -> None:
    a, b = _two_machines(tmp_path)
    out = merge_runs([a, b])
    assert out.parent == a.parent and out.name.startswith("merged-")
    assert (out / "seed-1234" / "record.json").is_file() and (out / "submission" / "submission.json").is_file()


def test_mixed_manifests_are_refused(tmp_path: Path) -> None:
    a, _ = _two_machines(tmp_path)
    other = make_run(tmp_path / "elsewhere", {1234: 1.0631}, seeds=[1234], run_id="x")
    plan = json.loads((other / "plan.json").read_text("utf-8"))
    plan["manifest"]["env"] = {"QK_GAIN": "5.25"}
    (other / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    with pytest.raises(MergeError, match=r"different manifests \(they differ in env\)"):
        merge_runs([a, other], tmp_path / "m1")


def test_a_different_submission_tree_is_refused(tmp_path: Path) -> None:
    a, _ = _two_machines(tmp_path)
    other = make_run(tmp_path / "elsewhere", {1234: 1.0631}, seeds=[1234], run_id="y")
    (tmp_path / "elsewhere" / "src" / "train_gpt.py").write_text("print('changed')\n", encoding="utf-8")
    shutil.rmtree(other / "submission", ignore_errors=True)
    with pytest.raises(MergeError, match="different submission trees"):
        merge_runs([a, other], tmp_path / "m2")


def test_a_seed_run_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = make_run(tmp_path, {42: 1.0612}, seeds=[42], run_id="first")
    b = make_run(tmp_path, {42: CLAIMS[42]}, seeds=[42], run_id="second")
    assert main(["report", "merge", str(a), str(b), "--out", str(tmp_path / "m3")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seed 42 was run in both" in err and "Traceback" not in err


def test_one_run_is_not_a_merge(tmp_path: Path) -> None:
    a, _ = _two_machines(tmp_path)
    with pytest.raises(MergeError, match="at least two"):
        merge_runs([a])
