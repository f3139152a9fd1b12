"""`pgolf precommit FILES...`: the participant's side of the gate, run by pre-commit before a push.

pre-commit passes the staged files that match the hook (and stashes unstaged edits, so the working
tree is what will be committed). A records folder is judged once however many of its files are
staged: the file list is reduced to the set of `records/<track>/<folder>` it touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from pgolf import __version__, suppress
from pgolf.ci.rules import SCHEMA_RULING
from pgolf.ci.schema import schema_result
from pgolf.ci.shape import folder_of
from pgolf.config import Config
from pgolf.engine import check_folder
from pgolf.findings import CheckResult, PolicyName, Report, Status, SubmissionReport, verdict
from pgolf.folder import load_folder
from pgolf.meta.lenient import read_submission_json
from pgolf.ruleset import Ruleset
from pgolf.timeline import grandfather_evidence, in_force, judged_at


def folders_for(files: Iterable[str]) -> list[str]:
    """The distinct `records/<track>/<folder>` paths that repo-relative `files` lie in, sorted."""
    found = {folder_of(PurePosixPath(Path(f).as_posix()).as_posix()) for f in files}
    return sorted(f for f in found if f is not None)


def dated_schema_result(result: CheckResult, path: Path, ruleset: Ruleset) -> CheckResult:
    """PG003 under the ruling timeline: a folder dated before strict_v1 took effect (merged records,
    mostly) gets its schema errors as a grandfathered WARN naming the ruling, not a FAIL."""
    ruling = ruleset.rulings.get(SCHEMA_RULING)
    if result.status is not Status.FAIL or ruling is None:
        return result
    read = read_submission_json(load_folder(path, hash_files=False)) if path.is_dir() else None
    at = judged_at(path.name, read.meta if read is not None else None)
    if in_force(ruling, at):
        return result
    return result.model_copy(
        update={
            "status": Status.WARN,
            "message": f"grandfathered (dated before {ruling.id} {ruling.date.isoformat()}): {result.message}",
            "evidence": [grandfather_evidence(ruling, at), *result.evidence],
        }
    )


def _folder_report(
    folder: str, repo_root: Path, ruleset: Ruleset, policy: PolicyName, schema_only: bool, config: Config
) -> SubmissionReport:
    path = repo_root / folder
    schema = dated_schema_result(schema_result(path, shown_as=folder), path, ruleset)
    results: list[CheckResult] = suppress.apply([schema], config, folder=folder)
    known = ruleset.track(folder.split("/")[1])  # from the path: schema-only runs no loader
    track: str | None = known.name if known else None
    notes: list[str] = []
    if not schema_only:
        sub = check_folder(path, ruleset, policy=policy, config=config)
        results += sub.results
        track, notes = sub.track, sub.notes
    return SubmissionReport(path=folder, track=track, status=verdict(results), results=results, notes=notes)


def run_precommit(
    files: Sequence[str],
    ruleset: Ruleset,
    *,
    repo_root: Path = Path(),
    policy: PolicyName = "readme",
    schema_only: bool = False,
    config: Config | None = None,
) -> Report:
    """Judge every records folder the files touch; folders deleted by the commit are left out."""
    folders = [f for f in folders_for(files) if (repo_root / f).is_dir()]
    config = config or Config()
    subs = [_folder_report(f, repo_root, ruleset, policy, schema_only, config) for f in folders]
    return Report(pgolf_version=__version__, ruleset=ruleset.id, policy=policy, submissions=subs)
