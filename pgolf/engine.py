"""Run the catalogue over submission folders and assemble the report (no printing here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
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
) -> Report:
    """`as_of`: judge every folder by the rulings in force that day (`--ruleset`), not by its own date."""
    subs = [
        check_folder(
            p, ruleset, policy=policy, select=select, ignore=ignore, baseline=baseline, as_of=as_of, config=config
        )
        for p in paths
    ]
    return Report(pgolf_version=__version__, ruleset=ruleset.id, policy=policy, submissions=subs)
