"""`python -m pgolf.realrepo [main|prs|all]`: check the snapshot's folders and print the figures.

    make realrepo                          # main's record folders and every PR head's added folders
    python -m pgolf.realrepo main -v       # one line per main folder with its FAIL rules per policy
    python -m pgolf.realrepo prs --pr 2135 --pr 1123

Exit status: 0 when nothing crashed and no check returned `error`, 1 otherwise, 2 for a `--pr`
with no head in the snapshot (or another one-line input error), 3 when the snapshot is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pgolf.errors import UsageError, exit_code_of
from pgolf.findings import POLICIES
from pgolf.realrepo.scan import Outcome, Target, check_targets, main_target, pr_target, summarize
from pgolf.realrepo.snapshot import (
    main_record_folders,
    materialize,
    pr_added_folders,
    pr_numbers,
    pr_ref,
    shared_dir,
    snapshot_tar,
)


def pr_targets(repo: Path, numbers: list[int], on_main: set[str]) -> list[Target]:
    return [pr_target(n, f) for n in numbers for f in pr_added_folders(repo, n, on_main)]


def _line(o: Outcome) -> str:
    if o.crash:
        return f"CRASH   {o.target.label}"
    if o.refused:
        return f"refused {o.target.label}: {o.refused}"
    parts = [f"{p}: {','.join(o.failed_rules(p)) or '-'}" for p in POLICIES]
    secs = max(o.seconds.values(), default=0.0)
    return f"{secs:6.2f}s {o.target.label}  " + "  ".join(parts)


def _selected_prs(repo: Path, asked: list[int], limit: int) -> list[int]:
    """The PR heads to scan: `--pr` numbers (each must have a head in the snapshot), else all."""
    if not asked:
        return pr_numbers(repo)[:limit] if limit else pr_numbers(repo)
    have = set(pr_numbers(repo))
    missing = [n for n in asked if n not in have]
    if missing:
        refs = ", ".join(pr_ref(n) for n in missing)
        raise UsageError(f"no {refs} in the snapshot (it holds {len(have)} PR heads)")
    return asked[:limit] if limit else asked


def main(argv: list[str] | None = None) -> int:
    return exit_code_of(_main, argv)


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pgolf.realrepo", description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="?", choices=("main", "prs", "all"), default="all")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per CPU)")
    parser.add_argument("--pr", type=int, action="append", default=[], help="only these PR heads")
    parser.add_argument("--limit", type=int, default=0, help="only the first N PR heads (0: all)")
    parser.add_argument("--ruleset", default=None)
    parser.add_argument(
        "--both-runs",
        action="store_true",
        help="PR heads: run the checks once per policy (default: once, the other policy from the verdicts)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per folder")
    args = parser.parse_args(argv)
    tar = snapshot_tar()
    if tar is None:
        print(f"no snapshot at {shared_dir()}/parameter-golf.git.tar (set PGOLF_SHARED)", file=sys.stderr)
        return 3
    repo = materialize(tar)
    on_main = main_record_folders(repo)
    numbers = _selected_prs(repo, args.pr, args.limit) if args.which in ("prs", "all") else []
    progress = (lambda o: print(_line(o), flush=True)) if args.verbose else None
    bad = False
    if args.which in ("main", "all"):
        started = time.perf_counter()
        outcomes = check_targets(
            repo, [main_target(f) for f in on_main], jobs=args.jobs, ruleset_id=args.ruleset, progress=progress
        )
        summary = summarize("main's record folders", outcomes)
        print("\n".join(summary.lines()))
        print(f"   wall {time.perf_counter() - started:.1f} s")
        bad |= bool(summary.crashes or summary.errors)
    if args.which in ("prs", "all"):
        started = time.perf_counter()
        targets = pr_targets(repo, numbers, set(on_main))
        print(
            f"   {len(numbers)} PR heads add {len(targets)} record folders "
            f"(listed in {time.perf_counter() - started:.1f} s)"
        )
        outcomes = check_targets(
            repo, targets, jobs=args.jobs, ruleset_id=args.ruleset, once=not args.both_runs, progress=progress
        )
        summary = summarize("PR heads' added record folders", outcomes)
        print("\n".join(summary.lines()))
        print(f"   wall {time.perf_counter() - started:.1f} s")
        bad |= bool(summary.crashes or summary.errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
