"""`pre-commit run --all-files` on a clone of the challenge's main: every folder there was merged.

A clone of the snapshot's `main` gets pgolf's hooks through `pre-commit try-repo` (the real hook
definitions, installed the way pre-commit installs them) when pre-commit is on PATH; then the same
judgement runs in-process (`pgolf precommit` on every tracked file under records/) under each
policy, so the figures name every folder that still fails and the findings it fails on. Each
folder is judged under the rulings in force at its date, as the hook does.

    python -m pgolf.realrepo.precommit [--policy readme] [--no-hook]     (make precommit-main)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgolf.errors import EnvironmentMissing
from pgolf.findings import POLICIES, PolicyName, Report, Status
from pgolf.realrepo.snapshot import MAIN, materialize, repo_root, snapshot_tar


def clone_main(snapshot: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--single-branch", "--branch", MAIN, str(snapshot), str(dest)], check=True)
    return dest


def run_hooks(clone: Path) -> tuple[int, str]:
    """`pre-commit try-repo <pgolf> --all-files` in the clone: (exit code, the hooks' result lines)."""
    beside = Path(sys.executable).parent / "pre-commit"  # the venv's own, when `make` did not put it on PATH
    exe = str(beside) if beside.is_file() else shutil.which("pre-commit")
    if exe is None:
        return (
            -1,
            "pre-commit is not installed (pip install pre-commit); the in-process run below is the same judgement",
        )
    done = subprocess.run(
        [exe, "try-repo", str(repo_root()), "--all-files"], cwd=clone, capture_output=True, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.endswith(("Passed", "Failed", "Skipped"))]
    return done.returncode, "\n".join(lines)


def judge(clone: Path, policy: PolicyName) -> Report:
    from pgolf.ci.precommit import run_precommit
    from pgolf.config import Config
    from pgolf.ruleset import load_ruleset

    files = subprocess.run(
        ["git", "ls-files", "-z", "records"], cwd=clone, capture_output=True, check=True
    ).stdout.decode("utf-8", "surrogateescape")
    return run_precommit(
        [f for f in files.split("\0") if f], load_ruleset(), repo_root=clone, policy=policy, config=Config()
    )


def summary(report: Report, policy: str) -> list[str]:
    failing = [s for s in report.submissions if s.status in (Status.FAIL, Status.ERROR)]
    lines = [f"policy {policy}: {len(report.submissions)} folders judged, {len(failing)} fail"]
    for sub in failing:
        codes = [f"{r.code} {r.slug}" for r in sub.results if r.counted_status in (Status.FAIL, Status.ERROR)]
        lines.append(f"  {sub.path}: {', '.join(codes)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--policy", choices=POLICIES, action="append", help="default: both")
    parser.add_argument("--no-hook", action="store_true", help="skip the pre-commit try-repo run")
    args = parser.parse_args(argv)
    tar = snapshot_tar()
    if tar is None:
        raise EnvironmentMissing("no ../shared/parameter-golf.git.tar (or $PGOLF_SHARED)")
    snapshot = materialize(tar)
    started = time.perf_counter()
    ok = True
    with tempfile.TemporaryDirectory(prefix="pgolf-main-clone-") as tmp:
        clone = clone_main(snapshot, Path(tmp) / "parameter-golf")
        if not args.no_hook:
            code, lines = run_hooks(clone)
            print(f"pre-commit try-repo {repo_root()} --all-files: exit {code}\n{lines}")
            ok = code in (0, -1)
        for policy in args.policy or list(POLICIES):
            report = judge(clone, policy)
            print("\n".join(summary(report, policy)))
            ok = ok and not any(s.status in (Status.FAIL, Status.ERROR) for s in report.submissions)
    print(f"time: {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
