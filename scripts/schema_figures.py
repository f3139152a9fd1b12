"""How many submission.json files in the snapshot pass strict_v1 as written, and after `pgolf submission fix`.

Every distinct `**/submission.json` path on main and the PR heads (one version per path:
main's where main has it, else the newest PR's) is validated as written; then its folder is copied
out of git (as the CI gate copies a PR's folder) and `pgolf submission fix` is planned on the copy,
its output validated again. Prints the figures and the most common reasons left.

    make schema-figures            # or: python scripts/schema_figures.py [--limit N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pgolf.ci.diff import GitRepo, parse_ls_tree, run_git
from pgolf.ci.gate import materialize
from pgolf.cli.submission import plan
from pgolf.errors import EnvironmentMissing, PgolfError
from pgolf.meta.strict import validate_bytes
from pgolf.realrepo.snapshot import MAIN, pr_numbers, pr_ref, snapshot_tar
from pgolf.realrepo.snapshot import materialize as unpack
from pgolf.ruleset import load_ruleset

SUBMISSION = "submission.json"
TODAY = "2026-05-02"  # fixed, so a folder without any date gets the same answer on every run


@dataclass
class Row:
    path: str
    ref: str
    on_main: bool
    written_errors: list[str]
    fixed_errors: list[str] = field(default_factory=list)
    fix_failed: str | None = None  # the fixer refused (unparseable JSON) or crashed


def _versions(repo: Path) -> dict[str, tuple[str, str, bool, str]]:
    """path -> (ref name, commit, on main, blob sha): main's version, else the newest PR's."""
    git = GitRepo(repo)
    chosen: dict[str, tuple[str, str, bool, str]] = {}
    for ref in [MAIN, *(pr_ref(n) for n in pr_numbers(repo))]:  # main first, then PRs oldest first
        commit = git.resolve(ref)
        for entry in parse_ls_tree(run_git(repo, ["ls-tree", "-r", "-l", "-z", "--full-tree", commit])):
            if entry.path.rsplit("/", 1)[-1] != SUBMISSION or entry.kind != "blob":
                continue
            if entry.path in chosen and chosen[entry.path][2]:
                continue  # main's version stays
            chosen[entry.path] = (ref, commit, ref == MAIN, entry.sha)
    return chosen


def snapshot_repo() -> Path:
    tar = snapshot_tar()
    if tar is None:
        raise EnvironmentMissing("no ../shared/parameter-golf.git.tar (or $PGOLF_SHARED); nothing to measure")
    return unpack(tar)


def _kind(message: str) -> str:
    """An error message without its values, to count reasons."""
    text = re.sub(r'"[^"]*"|\d+(?:\.\d+)?(?:e-?\d+)?', "_", message.split(" (fix:", maxsplit=1)[0])
    return text[:90]


def _fix(repo: GitRepo, commit: str, path: str) -> tuple[list[str], str | None]:
    folder = path.rsplit("/", 1)[0]
    ruleset = load_ruleset()
    with tempfile.TemporaryDirectory(prefix="pgolf-figures-") as tmp:
        root, _ = materialize(repo, commit, folder, Path(tmp))
        try:
            planned = plan(root, ruleset, init=False, prefer_logs=False, today=TODAY)
        except PgolfError as exc:
            return [], f"{type(exc).__name__}: {exc}".replace(str(root), folder)
    return planned.remaining, None


def measure(limit: int | None) -> list[Row]:
    repo_path = snapshot_repo()
    git = GitRepo(repo_path)
    versions = sorted(_versions(repo_path).items())
    if limit:
        versions = versions[:limit]
    rows: list[Row] = []
    with git.blob_reader() as blobs:
        for path, (ref, _commit, on_main, sha) in versions:
            errors = validate_bytes(blobs.read(sha))
            rows.append(Row(path, ref, on_main, [f"{e.pointer}: {e.message}" for e in errors]))
    for row, (_, (_ref, commit, _main, _sha)) in zip(rows, versions, strict=True):
        try:
            row.fixed_errors, row.fix_failed = _fix(git, commit, row.path)
        except Exception as exc:  # a crash is a finding of this script: counted and listed, never hidden
            row.fix_failed = f"CRASH {type(exc).__name__}: {exc}"
    return rows


def _passes(rows: Iterable[Row], *, fixed: bool) -> int:
    if fixed:
        return sum(1 for r in rows if r.fix_failed is None and not r.fixed_errors)
    return sum(1 for r in rows if not r.written_errors)


def report(rows: list[Row], seconds: float) -> str:
    main = [r for r in rows if r.on_main]
    lines = [
        f"submission.json files (distinct paths, main + PR heads): {len(rows)} ({len(main)} on main, "
        f"{sum(1 for r in rows if r.path.startswith('records/'))} under records/)",
        f"pass strict_v1 as written:        {_passes(rows, fixed=False)} ({_passes(main, fixed=False)} on main)",
        f"pass after `pgolf submission fix`: {_passes(rows, fixed=True)} ({_passes(main, fixed=True)} on main)",
        f"fix refused (not JSON, ...):      {sum(1 for r in rows if r.fix_failed and 'CRASH' not in r.fix_failed)}",
        f"fix crashed:                      {sum(1 for r in rows if r.fix_failed and 'CRASH' in r.fix_failed)}",
        f"time: {seconds:.0f} s",
        "",
        "most common errors as written:",
        *(f"  {n:5d}  {k}" for k, n in Counter(_kind(e) for r in rows for e in r.written_errors).most_common(8)),
        "",
        "most common errors after fix (what only the author can supply):",
        *(f"  {n:5d}  {k}" for k, n in Counter(_kind(e) for r in rows for e in r.fixed_errors).most_common(8)),
    ]
    crashes = [r for r in rows if r.fix_failed and "CRASH" in r.fix_failed]
    lines += [f"  crash: {r.path} ({r.ref}): {r.fix_failed}" for r in crashes[:20]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N paths (a quick look)")
    parser.add_argument("--json", type=Path, default=None, help="also write every row here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = measure(args.limit)
    sys.stdout.write(report(rows, time.perf_counter() - started))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")
    return 1 if any(r.fix_failed and "CRASH" in r.fix_failed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
