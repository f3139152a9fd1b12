"""Run the catalogue over submission folders and assemble the report (no printing here)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from pgolf import __version__, suppress
from pgolf.catalogue import Check, CheckContext, run_checks, select_checks
from pgolf.config import Config
from pgolf.errors import InputError
from pgolf.findings import PolicyName, Report, SubmissionReport, verdict
from pgolf.folder import FileRole, load_folder
from pgolf.ruleset import Ruleset
from pgolf.stats import Baseline

_SUBMISSION_ROLES = (FileRole.SUBMISSION_JSON, FileRole.CODE, FileRole.LOG)


def all_checks() -> list[type[Check]]:
    from checks import ALL_CHECKS

    return list(ALL_CHECKS.values())


def check_folder(
    path: str | Path,
    ruleset: Ruleset,
    *,
    policy: PolicyName = "readme",
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    baseline: Baseline | None = None,
    as_of: date | None = None,
    config: Config | None = None,
    inline_applied: bool | None = None,
) -> SubmissionReport:
    """Run the selected checks on one folder; `config`'s suppressions mark (never drop) what they match."""
    folder = load_folder(path)
    if not any(folder.by_role(role) for role in _SUBMISSION_ROLES):
        raise InputError(f"{path}: not a submission folder (no submission*.json, code file or log in it)")
    ctx = CheckContext(folder=folder, ruleset=ruleset, policy_name=policy, baseline=baseline, as_of=as_of)
    results = run_checks(select_checks(all_checks(), select, ignore), ctx)
    if config is not None:
        results = suppress.for_folder(results, config, folder, inline_applied=inline_applied)
    return SubmissionReport(
        path=str(path),
        track=ctx.track.name,
        status=verdict(results),
        results=results,
        notes=[f"{s.path}: {s.reason}" for s in folder.skipped],
    )


def check_paths(
    paths: Sequence[str | Path],
    ruleset: Ruleset,
    *,
    policy: PolicyName = "readme",
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    baseline: Baseline | None = None,
    as_of: date | None = None,
    config: Config | None = None,
    jobs: int = 1,
) -> Report:
    """`as_of`: judge every folder by the rulings in force that day (`--ruleset`), not by its own date.

    `jobs` > 1 checks several folders at once in worker processes (0: one per CPU); the report keeps
    the order of `paths`, and a folder's one-line error stops the run as it does serially.
    """
    options = _Options(ruleset, policy, tuple(select), tuple(ignore), baseline, as_of, config)
    workers = min(len(paths), jobs if jobs > 0 else os.cpu_count() or 1)
    if workers <= 1:
        subs = [_check_one(options, p) for p in paths]
    else:
        import multiprocessing  # only here: a one-folder check does not pay for importing the pool
        from concurrent.futures import ProcessPoolExecutor

        # fork where there is one: workers start with pgolf already imported (spawn re-imports it each)
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
            subs = list(pool.map(partial(_check_one, options), paths))
    return Report(pgolf_version=__version__, ruleset=ruleset.id, policy=policy, submissions=subs)


@dataclass(frozen=True)
class _Options:
    """What every folder of one `check_paths` call is checked with (picklable for worker processes)."""

    ruleset: Ruleset
    policy: PolicyName
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    baseline: Baseline | None
    as_of: date | None
    config: Config | None


def _check_one(options: _Options, path: str | Path) -> SubmissionReport:
    return check_folder(
        path,
        options.ruleset,
        policy=options.policy,
        select=options.select,
        ignore=options.ignore,
        baseline=options.baseline,
        as_of=options.as_of,
        config=options.config,
    )
