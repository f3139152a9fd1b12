"""`pre-commit run --all-files` on a clone of the challenge's main, as the records repository adopts pgolf.

Every folder on main was merged, yet pgolf fails a few of them on purpose (PG201's deliberate
divergences from organizer merges, `checks/artifact_too_large/README.md`). A records repository
with merged history adopts a checker the way it adopts any linter: with its own committed config,
which here is `examples/records-pgolf.toml` (policy "leaderboard", the organizers' practice, and
one reasoned per-path suppression per exception the organizers accepted). This module:

1. clones the snapshot's `main` and commits that file as the clone's `.pgolf.toml`;
2. runs `pre-commit try-repo <pgolf> --all-files --verbose` there (the real hook definitions,
   installed the way pre-commit installs them) and reports each hook's pass/fail and the
   "suppressed:" lines the hooks printed;
3. runs the same judgement in-process (`pgolf precommit` on every tracked file under records/)
   with that config, listing every suppressed finding with its reason, and fails on a
   suppression that matches no finding (stale: the list cannot rot);
4. prints the figures without any config, per policy, beside it, so nothing is hidden.

    python -m pgolf.realrepo.precommit [--pre-commit EXE] [--no-hook] [--config FILE]   (make precommit-main)

Exit 0 when the hooks pass, no folder fails under the adoption config and no suppression is stale.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pgolf.config import Config, discover
from pgolf.errors import EnvironmentMissing, UsageError, exit_code_of
from pgolf.findings import POLICIES, CheckResult, PolicyName, Report, Status
from pgolf.realrepo.snapshot import MAIN, materialize, repo_root, snapshot_tar
from pgolf.suppress import check_names

ADOPTION_CONFIG = repo_root() / "examples" / "records-pgolf.toml"
CONFIG_NAME = ".pgolf.toml"
# Where `make precommit-main` installs pre-commit when none is on PATH (a venv of its own).
SCRATCH_PRE_COMMIT = repo_root() / ".venv" / "pre-commit" / "bin" / "pre-commit"
# pre-commit's per-hook result line: "<name>....<dots>....Passed" (or Failed, or Skipped with a reason).
_HOOK_LINE = re.compile(r"^(?P<name>.+?)\.{2,}(?:\([^)]*\))?(?P<result>Passed|Failed|Skipped)$")


def clone_main(snapshot: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--single-branch", "--branch", MAIN, str(snapshot), str(dest)], check=True)
    return dest


def adopt(clone: Path, source: Path = ADOPTION_CONFIG) -> Config:
    """Commit `source` as the clone's `.pgolf.toml`, as the records repository would, and return the
    config pgolf discovers there (the same discovery `pgolf precommit` does from the clone's root)."""
    if not source.is_file():
        raise UsageError(f"--config {source}: no such file")
    shutil.copyfile(source, clone / CONFIG_NAME)
    git = ["git", "-c", "user.name=pgolf adoption", "-c", "user.email=pgolf@invalid", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "add", CONFIG_NAME], cwd=clone, check=True)
    subprocess.run([*git, "commit", "-q", "--no-verify", "-m", "Adopt pgolf"], cwd=clone, check=True)
    return discover(clone)


def find_pre_commit(explicit: str | None = None) -> str | None:
    """`explicit`, else the one beside this interpreter, else `make precommit-main`'s scratch venv,
    else PATH's."""
    if explicit:  # made absolute: the hooks run with the clone as the current folder
        found = shutil.which(explicit)
        if found is None:
            raise EnvironmentMissing(f"--pre-commit {explicit}: no such executable")
        return str(Path(found).absolute())
    for candidate in (Path(sys.executable).parent / "pre-commit", SCRATCH_PRE_COMMIT):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("pre-commit")


@dataclass(frozen=True)
class HookRun:
    exit_code: int
    hooks: dict[str, str]  # hook name -> Passed | Failed | Skipped
    suppressed_lines: list[str]  # the "suppressed: ..." lines the hooks printed
    output: str

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and bool(self.hooks) and all(r != "Failed" for r in self.hooks.values())


def run_hooks(clone: Path, exe: str) -> HookRun:
    """`pre-commit try-repo <pgolf> --all-files --verbose` in the clone (verbose: the hooks' own
    output is shown for passing hooks too, so the suppressed findings can be read from it)."""
    done = subprocess.run(
        [exe, "try-repo", str(repo_root()), "--all-files", "--verbose"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PRE_COMMIT_COLOR": "never"},
    )
    hooks: dict[str, str] = {}
    for line in done.stdout.splitlines():
        match = _HOOK_LINE.match(line.strip())
        if match is not None:
            hooks[match["name"].strip()] = match["result"]
    suppressed = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("suppressed:")]
    return HookRun(done.returncode, hooks, suppressed, done.stdout + done.stderr)


def judge(clone: Path, policy: PolicyName, config: Config | None = None) -> Report:
    """`pgolf precommit` on every tracked file under records/, in-process, with `config` (none: defaults)."""
    from pgolf.ci.precommit import run_precommit
    from pgolf.ruleset import load_ruleset

    config = config or Config()
    files = subprocess.run(
        ["git", "ls-files", "-z", "records"], cwd=clone, capture_output=True, check=True
    ).stdout.decode("utf-8", "surrogateescape")
    return run_precommit(
        [f for f in files.split("\0") if f],
        load_ruleset(config.ruleset),
        repo_root=clone,
        policy=policy,
        config=config,
    )


def failing(report: Report) -> list[str]:
    return [s.path for s in report.submissions if s.status in (Status.FAIL, Status.ERROR)]


def suppressed_findings(report: Report) -> list[tuple[str, CheckResult]]:
    """(folder, result) for every result an applied suppression took out of the verdict."""
    return [
        (sub.path, r)
        for sub in report.submissions
        for r in sub.results
        if r.suppressed is not None and r.counted_status is not r.status
    ]


def stale_suppressions(config: Config, report: Report) -> list[str]:
    """Each (config entry, check name) that suppressed nothing in `report`: an exception that no longer
    happens, or a path or name that no longer matches, would otherwise sit in the config unnoticed."""
    used = [(r.suppressed.source, check_names(r)) for _, r in suppressed_findings(report) if r.suppressed is not None]
    stale = []
    for rule in config.ignores:
        for name in rule.names:
            if not any(source == rule.source and names.any_of([name]) for source, names in used):
                stale.append(f"{rule.source}: {name} suppresses no finding")
    return stale


def summary(report: Report, policy: str) -> list[str]:
    fails = failing(report)
    lines = [f"policy {policy}: {len(report.submissions)} folders judged, {len(fails)} fail"]
    for sub in report.submissions:
        if sub.path in fails:
            codes = [f"{r.code} {r.slug}" for r in sub.results if r.counted_status in (Status.FAIL, Status.ERROR)]
            lines.append(f"  {sub.path}: {', '.join(codes)}")
    return lines


def adoption_summary(report: Report, config: Config) -> tuple[list[str], bool]:
    """The adoption config's figures: folders failing, every suppressed finding with its reason, stale
    entries. The bool: no folder fails and nothing is stale."""
    lines = summary(report, f"{report.policy} (from {config.label})")
    found = suppressed_findings(report)
    lines.append(f"  {len(found)} findings suppressed, each still in the output:")
    for path, r in found:
        assert r.suppressed is not None
        lines.append(f"    {path}: {r.code} {r.slug} {r.status.value.upper()}")
        lines.append(f"      {r.suppressed.render()}")
    stale = stale_suppressions(config, report)
    lines.append(f"  stale suppressions: {len(stale)}")
    lines += [f"    {s}" for s in stale]
    return lines, not failing(report) and not stale


def main(argv: list[str] | None = None) -> int:
    return exit_code_of(_main, argv)


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--policy", choices=POLICIES, action="append", help="no-config figures for (default: both)")
    parser.add_argument("--no-hook", action="store_true", help="skip the pre-commit try-repo run")
    parser.add_argument("--pre-commit", dest="pre_commit", help="the pre-commit executable (default: found)")
    parser.add_argument("--config", type=Path, default=ADOPTION_CONFIG, help="the records repository's config")
    args = parser.parse_args(argv)
    if not args.config.is_file():  # before minutes of cloning and hooks
        raise UsageError(f"--config {args.config}: no such file")
    tar = snapshot_tar()
    if tar is None:
        raise EnvironmentMissing("no ../shared/parameter-golf.git.tar (or $PGOLF_SHARED)")
    exe = None if args.no_hook else find_pre_commit(args.pre_commit)
    if not args.no_hook and exe is None:
        raise EnvironmentMissing(
            "pre-commit not found: `make precommit-main` installs it into .venv/pre-commit (or pass --no-hook)"
        )
    snapshot = materialize(tar)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pgolf-main-clone-") as tmp:
        clone = clone_main(snapshot, Path(tmp) / "parameter-golf")
        config = adopt(clone, args.config)
        print(f"main at {_head(clone)}, with {args.config.name} committed as {CONFIG_NAME}")
        ok = True
        if exe is not None:
            run = run_hooks(clone, exe)
            print(f"pre-commit try-repo {repo_root()} --all-files: exit {run.exit_code} ({_version(exe)})")
            print("\n".join(f"  {name}: {result}" for name, result in run.hooks.items()) or run.output[-4000:])
            print(f"  the hooks printed {len(run.suppressed_lines)} 'suppressed:' lines")
            ok = run.passed
        report = judge(clone, config.policy or "readme", config)
        lines, adopted_ok = adoption_summary(report, config)
        print("in-process, the same judgement:\n" + "\n".join(lines))
        ok = ok and adopted_ok
        print("without any config (pgolf's defaults):")
        for policy in args.policy or list(POLICIES):
            print("\n".join(summary(judge(clone, policy), policy)))
    print(f"time: {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


def _head(clone: Path) -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD~1"], cwd=clone, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _version(exe: str) -> str:
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
