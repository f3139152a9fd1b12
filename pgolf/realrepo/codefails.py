"""Code-audit FAILs on the snapshot's PR heads, per rule, with PR numbers and evidence lines.

`make realrepo` prints how many folders each rule fails; reviewing whether those FAILs are right
needs the PR, the folder and the lines the finding cites. This tool records them:

    python -m pgolf.realrepo.codefails run --out /tmp/fails.jsonl [--pr N ...] [--jobs 2]
    python -m pgolf.realrepo.codefails list /tmp/fails.jsonl [--rule MULTI-PASS/RESCORE] [--evidence]
    python -m pgolf.realrepo.codefails diff OLD.jsonl NEW.jsonl    # FAILs gained and lost, per rule

`run` checks the code checks only (`--select code`) under one policy (default `leaderboard`) and
appends one JSON line per folder as it finishes, so an interrupted sweep resumes where it stopped
(folders already in the file are skipped). A `--pr` run re-checks just those heads into its own file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pgolf.errors import EnvironmentMissing, exit_code_of
from pgolf.findings import PolicyName, Status
from pgolf.realrepo.scan import Outcome, check_targets, pr_target
from pgolf.realrepo.snapshot import (
    main_record_folders,
    materialize,
    pr_added_folders,
    pr_numbers,
    shared_dir,
    snapshot_tar,
)

Row = dict[str, Any]


def row_of(outcome: Outcome, policy: PolicyName) -> Row:
    """One JSON line: a folder's non-pass code results under `policy`, with every evidence line."""
    row: Row = {"pr": outcome.target.pr, "folder": outcome.target.folder, "results": []}
    if outcome.refused is not None:
        row["refused"] = outcome.refused
    if outcome.crash is not None:
        row["crash"] = outcome.crash
    for f in outcome.findings.get(policy, []):
        row["results"].append(
            {
                "code": f.code,
                "rule": f.rule,
                "status": str(f.status),
                "message": f.message,
                "evidence": list(f.evidence),
            }
        )
    return row


def _rows(path: Path) -> Iterator[Row]:
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        if line.strip():
            yield json.loads(line)


def run(args: argparse.Namespace) -> int:
    tar = snapshot_tar()
    if tar is None:
        raise EnvironmentMissing(f"no snapshot at {shared_dir()}/parameter-golf.git.tar (set PGOLF_SHARED)")
    repo = materialize(tar)
    on_main = set(main_record_folders(repo))
    numbers = args.pr or pr_numbers(repo)
    out = Path(args.out)
    done = {(r["pr"], r["folder"]) for r in _rows(out)}
    targets = [pr_target(n, f) for n in numbers for f in pr_added_folders(repo, n, on_main)]
    todo = [t for t in targets if (t.pr, t.folder) not in done]
    print(f"{len(targets)} folders, {len(targets) - len(todo)} already in {out}", file=sys.stderr)
    with out.open("a") as fh:

        def write(outcome: Outcome) -> None:  # as each folder finishes: an interrupted sweep resumes
            fh.write(json.dumps(row_of(outcome, args.policy)) + "\n")
            fh.flush()

        check_targets(repo, todo, jobs=args.jobs, policies=(args.policy,), select=("code",), progress=write)
    return 0


def _fails(row: Row) -> list[Row]:
    return [r for r in row.get("results", []) if r["status"] == str(Status.FAIL)]


def listing(args: argparse.Namespace) -> int:
    by_rule: dict[str, list[tuple[Row, Row]]] = defaultdict(list)
    rows = list(_rows(Path(args.file)))
    for row in rows:
        for result in _fails(row):
            by_rule[result["rule"]].append((row, result))
    failing = sum(bool(_fails(r)) for r in rows)
    print(f"{len(rows)} folders, {failing} with a code FAIL")
    for rule, items in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
        if args.rule and rule not in args.rule:
            continue
        print(f"== {rule}: {len(items)}")
        for row, result in sorted(items, key=lambda it: (it[0]["folder"].split("/")[-1], it[0]["pr"] or 0)):
            print(f"  #{row['pr']} {row['folder'].split('/', 2)[-1]}: {result['code']} {result['message'][:240]}")
            if args.evidence:
                for line in result["evidence"]:
                    print(f"      {line}")
    crashes = [r for r in rows if r.get("crash")]
    for r in crashes:
        print(f"CRASH #{r['pr']} {r['folder']}: {r['crash'].strip().splitlines()[-1]}")
    return 0


def diff(args: argparse.Namespace) -> int:
    def fails(path: str) -> dict[tuple[Any, str], set[str]]:
        return {(r["pr"], r["folder"]): {f["rule"] for f in _fails(r)} for r in _rows(Path(path))}

    old, new = fails(args.old), fails(args.new)
    for key in sorted(set(old) & set(new), key=lambda k: (k[0] or 0, k[1])):
        lost, gained = old[key] - new[key], new[key] - old[key]
        if lost or gained:
            changes = [f"-{r}" for r in sorted(lost)] + [f"+{r}" for r in sorted(gained)]
            print(f"#{key[0]} {key[1]}: " + " ".join(changes))
    return 0


def main(argv: list[str] | None = None) -> int:
    return exit_code_of(_main, argv)


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pgolf.realrepo.codefails", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="check PR heads' added folders, append one JSON line per folder")
    r.add_argument("--out", required=True)
    r.add_argument("--pr", type=int, action="append", default=[])
    r.add_argument("--jobs", type=int, default=2)
    r.add_argument("--policy", default="leaderboard", choices=("leaderboard", "readme"))
    ls = sub.add_parser("list", help="FAILs per rule with PR numbers (and evidence lines)")
    ls.add_argument("file")
    ls.add_argument("--rule", action="append", default=[])
    ls.add_argument("--evidence", action="store_true")
    d = sub.add_parser("diff", help="FAILs gained (+) and lost (-) per folder between two runs")
    d.add_argument("old")
    d.add_argument("new")
    args = parser.parse_args(argv)
    return {"run": run, "list": listing, "diff": diff}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
