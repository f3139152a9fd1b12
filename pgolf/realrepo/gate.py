"""The CI gate on real PRs: does `pgolf ci` agree with `pgolf check` once submission.json is fixed?

For each of the most recent PR heads that add a record-track folder, a temporary bare repository
(objects borrowed from the snapshot through git's alternates, nothing copied) gets two commits:
base = main's tree, head = base plus that PR's folder, with `pgolf submission fix` (or `init`)
applied to its submission.json as a participant would. Then `pgolf ci` judges base...head and
`pgolf check` judges the same folder, under the same policy. The gate must say what check says;
where it fails, each failing result is listed so a reader can see it is a real PR-shape or rule
problem (a key only the author can supply, an over-cap artifact, a missing log), not the gate's.

    python -m pgolf.realrepo.gate [--count 40] [--policy readme] [--jobs 2]   (make gate-vs-check)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pgolf.errors import EnvironmentMissing, PgolfError
from pgolf.findings import PolicyName, Report, Status
from pgolf.realrepo.snapshot import (
    MAIN,
    main_record_folders,
    materialize,
    pr_added_folders,
    pr_numbers,
    pr_ref,
    snapshot_tar,
)

RECORD_TRACK = "records/track_10min_16mb/"
TODAY = "2026-05-02"  # the date `init` writes into a folder without one: fixed, so runs agree


@dataclass
class Comparison:
    pr: int
    folder: str
    fix: str  # what `pgolf submission fix` did: "fixed", "init", "unchanged", or why it could not
    fix_left: list[str] = field(default_factory=list)  # schema errors the fix could not repair
    gate_exit: int = -1
    check_exit: int = -1
    gate_failures: list[str] = field(default_factory=list)  # "PG003 slug: first evidence"
    check_failures: list[str] = field(default_factory=list)
    crash: str | None = None

    @property
    def agree(self) -> bool:
        return self.crash is None and self.gate_exit == self.check_exit


def recent_record_prs(repo: Path, count: int) -> list[tuple[int, str]]:
    """The `count` highest-numbered PRs whose head adds a folder under records/track_10min_16mb/."""
    existing = set(main_record_folders(repo))
    found: list[tuple[int, str]] = []
    for number in sorted(pr_numbers(repo), reverse=True):
        folders = [f for f in pr_added_folders(repo, number, existing) if f.startswith(RECORD_TRACK)]
        if folders:
            found.append((number, folders[0]))
        if len(found) == count:
            break
    return found


def _git(repo: Path, *args: str, data: bytes | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    env |= {"GIT_AUTHOR_NAME": "pgolf", "GIT_AUTHOR_EMAIL": "pgolf@example.invalid"}
    env |= {"GIT_COMMITTER_NAME": "pgolf", "GIT_COMMITTER_EMAIL": "pgolf@example.invalid"}
    done = subprocess.run(["git", "--git-dir", str(repo), *args], input=data, capture_output=True, env=env, check=False)
    if done.returncode != 0:
        raise PgolfError(f"git {' '.join(args[:2])}: {done.stderr.decode(errors='replace').strip()[:300]}")
    return done.stdout.decode().strip()


def _put(repo: Path, tree: str, path: str, mode: str, sha: str) -> str:
    """`tree` with the entry at `path` set to (mode, sha), built with ls-tree/mktree (no index, no work tree)."""
    name, _, rest = path.partition("/")
    listing = _git(repo, "ls-tree", "-z", tree).split("\0") if tree else []
    entries = {line.split("\t", 1)[1]: line for line in listing if line}
    if rest:
        current = entries.get(name, "")
        inner = current.split()[2] if current.startswith("040000 tree ") else ""
        entries[name] = f"040000 tree {_put(repo, inner, rest, mode, sha)}\t{name}"
    else:
        entries[name] = f"{mode} {'tree' if mode == '040000' else 'blob'} {sha}\t{name}"
    return _git(repo, "mktree", "-z", data="".join(f"{line}\0" for line in entries.values()).encode())


@contextmanager
def borrowed_repo(snapshot: Path) -> Iterator[Path]:
    """An empty bare repository that reads the snapshot's objects (alternates) and writes its own."""
    with tempfile.TemporaryDirectory(prefix="pgolf-gate-repo-") as tmp:
        repo = Path(tmp) / "repo.git"
        subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
        (repo / "objects" / "info" / "alternates").write_text(str(snapshot / "objects") + "\n", encoding="utf-8")
        yield repo


def _fix(folder: Path, comparison: Comparison) -> None:
    from pgolf.cli.submission import plan, write_atomically
    from pgolf.ruleset import load_ruleset

    init = not (folder / "submission.json").exists()
    try:
        planned = plan(folder, load_ruleset(), init=init, prefer_logs=False, today=TODAY)
    except PgolfError as exc:
        comparison.fix = f"not fixed: {exc}".replace(str(folder.parent.parent.parent) + "/", "")
        return
    comparison.fix_left = planned.remaining
    if planned.old_text == planned.new_text:
        comparison.fix = "unchanged"
        return
    target = folder / "submission.json"
    write_atomically(target, planned.new_text)
    comparison.fix = "init" if init else "fixed"


def _failures(report: Report) -> list[str]:
    out = []
    for sub in report.submissions:
        for r in sub.results:
            if r.counted_status in (Status.FAIL, Status.ERROR):
                first = r.evidence[0].note if r.evidence else r.message
                out.append(f"{r.code} {r.slug}: {first[:160]}")
    return out


def compare(snapshot: Path, pr: int, folder: str, policy: PolicyName) -> Comparison:
    """Fix, commit and gate one PR's folder; check the same folder; both under `policy`."""
    from pgolf.ci.diff import GitRepo
    from pgolf.ci.gate import materialize as copy_folder
    from pgolf.ci.gate import run_gate
    from pgolf.cli.check import exit_code_for
    from pgolf.engine import check_paths
    from pgolf.ruleset import load_ruleset

    comparison = Comparison(pr=pr, folder=folder, fix="")
    ruleset = load_ruleset()
    try:
        with borrowed_repo(snapshot) as repo, tempfile.TemporaryDirectory(prefix="pgolf-gate-") as tmp:
            main_tree = _git(snapshot, "rev-parse", f"{MAIN}^{{tree}}")
            base = _git(repo, "commit-tree", main_tree, "-m", "base: main")
            head_sha = _git(snapshot, "rev-parse", pr_ref(pr))
            root, _ = copy_folder(GitRepo(snapshot), head_sha, folder, Path(tmp))
            _fix(root, comparison)
            tree = _put(repo, main_tree, folder, "040000", _git(snapshot, "rev-parse", f"{head_sha}:{folder}"))
            fixed = root / "submission.json"
            if fixed.is_file():
                blob = _git(repo, "hash-object", "-w", "--stdin", data=fixed.read_bytes())
                tree = _put(repo, tree, f"{folder}/submission.json", "100644", blob)
            head = _git(repo, "commit-tree", tree, "-p", base, "-m", f"PR #{pr}")
            gate = run_gate(repo, base, head, ruleset, policy=policy)
            checked = check_paths([root], ruleset, policy=policy, as_of=ruleset.date)  # as the gate judges
    except Exception as exc:  # any escape is a finding of this comparison, reported, never hidden
        comparison.crash = f"{type(exc).__name__}: {exc}"
        return comparison
    comparison.gate_exit, comparison.check_exit = exit_code_for(gate.report), exit_code_for(checked)
    comparison.gate_failures, comparison.check_failures = _failures(gate.report), _failures(checked)
    return comparison


def _run(args: tuple[Path, int, str, PolicyName]) -> Comparison:
    return compare(*args)


def report(rows: list[Comparison], policy: str, seconds: float) -> str:
    agree = [r for r in rows if r.agree]
    lines = [
        f"gate vs check, policy {policy}: {len(rows)} most recent record-track PR heads, "
        f"head = main + the PR's folder after `pgolf submission fix`",
        f"  gate == check: {len(agree)} / {len(rows)}; crashes: {sum(1 for r in rows if r.crash)}",
        f"  gate passes: {sum(1 for r in rows if r.gate_exit == 0)}, check passes: "
        f"{sum(1 for r in rows if r.check_exit == 0)}",
        f"  submission.json after fix passes the schema: {sum(1 for r in rows if not r.fix_left)} / {len(rows)}",
        f"  time: {seconds:.0f} s",
        "",
    ]
    for r in rows:
        mark = "==" if r.agree else "!="
        lines.append(f"#{r.pr} {r.folder}: gate {r.gate_exit} {mark} check {r.check_exit} (submission.json {r.fix})")
        if r.crash:
            lines.append(f"    CRASH {r.crash}")
        lines += [f"    gate: {f}" for f in r.gate_failures]
        only_check = [f for f in r.check_failures if f not in r.gate_failures]
        lines += [f"    check only: {f}" for f in only_check]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--policy", choices=("readme", "leaderboard"), default="readme")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    tar = snapshot_tar()
    if tar is None:
        raise EnvironmentMissing("no ../shared/parameter-golf.git.tar (or $PGOLF_SHARED)")
    snapshot = materialize(tar)
    started = time.perf_counter()
    targets = [(snapshot, pr, folder, args.policy) for pr, folder in recent_record_prs(snapshot, args.count)]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(_run, targets))
    sys.stdout.write(report(rows, args.policy, time.perf_counter() - started))
    return 0 if all(r.agree for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
