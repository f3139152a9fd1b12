"""`pgolf submission init|fix FOLDER`: write or repair submission.json from the folder's own logs.

What a participant runs when the CI gate (PG003) says submission.json breaks the schema: the
seeds, per-seed val_bpb and val_loss, artifact bytes and times come from the logs (the same
parser and seed choice as `pgolf check`), the rest of what the author wrote is kept, the diff is
shown, and the exit code says whether the result passes the strict schema (0) or what is left
for the author to fill in (1).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from pgolf.errors import EXIT_OK, EXIT_VIOLATIONS, InputError, UsageError
from pgolf.folder import SubmissionFolder, load_folder
from pgolf.logs.collect import read_logs
from pgolf.meta.coerce import Notes
from pgolf.meta.decode import decode_text, parse_json, top_object
from pgolf.meta.fixer import Fixed, describe, fix_document, log_facts, still_failing, valid_login, valid_text
from pgolf.meta.lenient import MAX_JSON_BYTES, read_meta_bytes
from pgolf.meta.model import SubmissionMeta
from pgolf.meta.strict import validate_bytes
from pgolf.ruleset import Ruleset, load_ruleset

SUBMISSION_JSON = "submission.json"


@dataclass(frozen=True)
class Plan:
    """What `init`/`fix` would write: the new text beside the old, and why each change was made."""

    target: Path
    old_text: str | None
    new_text: str
    fixed: Fixed
    remaining: list[str]  # strict_v1 errors the result still has
    source: str | None  # the file read, when it is not submission.json itself


INLINE_WIDTH = 100
MAX_PRETTY_DEPTH = 40


def _render(value: Any, indent: int) -> str:
    """Two-space JSON with short lists of numbers and strings on one line (`"seeds": [42, 314]`),
    the way most submission.json files are written, so a fix does not reflow what it leaves alone."""
    pad, inner = " " * indent, " " * (indent + 2)
    if indent > MAX_PRETTY_DEPTH * 2:
        return json.dumps(value, ensure_ascii=False)  # compact below this: the C encoder, no Python recursion
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_render(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value:
        if all(not isinstance(v, dict | list) for v in value):
            flat = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
            if len(flat) + indent <= INLINE_WIDTH:
                return flat
        return "[\n" + ",\n".join(inner + _render(v, indent + 2) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def render_json(doc: dict[str, Any]) -> str:
    try:
        return _render(doc, 0) + "\n"
    except (RecursionError, ValueError) as exc:
        raise InputError("submission.json is nested too deeply to rewrite; flatten it by hand") from exc


def _source(folder: SubmissionFolder) -> Path | None:
    """submission.json, else the one other top-level submission*.json (its data is moved over)."""
    top = sorted(f.path for f in folder.files if "/" not in f.path and f.role.value == "submission_json")
    if SUBMISSION_JSON in top:
        return folder.root / SUBMISSION_JSON
    return folder.root / top[0] if top else None


def _read_original(path: Path) -> tuple[str, dict[str, Any], SubmissionMeta | None]:
    if path.is_symlink() or not path.is_file():
        raise InputError(f"{path}: not a regular file; refusing to read or replace it")
    data = path.read_bytes()[: MAX_JSON_BYTES + 1]
    if len(data) > MAX_JSON_BYTES:
        raise InputError(f"{path}: over {MAX_JSON_BYTES} bytes; not a submission.json")
    notes = Notes()
    ok, doc = parse_json(notes, decode_text(notes, data))
    top = top_object(notes, doc) if ok else None
    if top is None:
        why = notes.problems[0].message if notes.problems else "not a JSON object"
        raise InputError(f"{path}: {why}; repair it by hand, or move it aside and run `pgolf submission init`")
    return data.decode("utf-8", "replace"), top, read_meta_bytes(data, path.name).meta


def plan(
    folder_path: Path,
    ruleset: Ruleset,
    *,
    init: bool,
    prefer_logs: bool,
    today: str | None = None,
    author: str | None = None,
    github_id: str | None = None,
) -> Plan:
    """Read the folder and work out the new submission.json; nothing is written here."""
    if author is not None and not valid_text(author):
        raise UsageError("--author: give your name as it should appear on the leaderboard (not blank)")
    if github_id is not None and not valid_login(github_id):
        raise UsageError(f"--github-id {github_id!r}: not a GitHub login (letters, digits and single hyphens)")
    folder = load_folder(folder_path, hash_files=False)
    target = folder.root / SUBMISSION_JSON
    source = _source(folder)
    if init and source is not None:
        raise UsageError(f"{source} exists; `pgolf submission fix {folder_path}` repairs it")
    if not init and source is None:
        raise UsageError(f"{folder_path}: no submission.json; `pgolf submission init {folder_path}` writes one")
    old_text, original, meta = _read_original(source) if source is not None else (None, None, None)
    logs = read_logs(folder)
    claims = meta.seed_results if meta is not None else {}
    listed = [c.value for c in meta.seeds] if meta is not None else []
    facts, log_notes = log_facts(logs, claims, ruleset.data.claim_tolerance_bpb, listed)
    fixed = fix_document(
        original,
        meta,
        facts,
        folder_name=folder.name,
        track=ruleset.track(folder.track_dir) if folder.track_dir else None,
        ruleset=ruleset,
        today=today or dt.date.today().isoformat(),
        prefer_logs=prefer_logs,
        author=author.strip() if author is not None else None,
        github_id=github_id,
    )
    fixed.notes[:0] = log_notes
    new_text = render_json(fixed.doc)
    remaining = still_failing(validate_bytes(new_text.encode("utf-8")))
    shown_source = source.name if source is not None and source.name != SUBMISSION_JSON else None
    old = old_text if source == target else None
    return Plan(target, old, new_text, fixed, remaining, shown_source)


def unified_diff(plan_: Plan) -> str:
    old = (plan_.old_text or "").splitlines(keepends=True)
    new = plan_.new_text.splitlines(keepends=True)
    before = f"a/{SUBMISSION_JSON}" if plan_.old_text is not None else "/dev/null"
    return "".join(difflib.unified_diff(old, new, before, f"b/{SUBMISSION_JSON}"))


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one rename: an interrupted write never leaves half a submission.json."""
    fd, tmp = tempfile.mkstemp(prefix=".submission-", suffix=".json.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _report(plan_: Plan, *, wrote: bool) -> int:
    diff = unified_diff(plan_)
    click.echo(diff, nl=False)
    for change in plan_.fixed.changes:
        click.echo(f"changed {describe(change)}", err=True)
    for note in plan_.fixed.notes:
        click.echo(f"note: {note}", err=True)
    if plan_.source:
        click.echo(f"note: read {plan_.source}; the schema asks for {SUBMISSION_JSON}", err=True)
    for problem in plan_.remaining:
        click.echo(f"still failing: {problem}", err=True)
    if not diff:
        click.echo(f"{plan_.target}: already as the logs say; nothing to change", err=True)
    elif wrote:
        click.echo(f"{plan_.target}: written", err=True)
    else:
        click.echo(f"{plan_.target}: not written (--dry-run)", err=True)
    verdict = (
        "passes the strict schema"
        if not plan_.remaining
        else f"still fails the strict schema ({len(plan_.remaining)} error(s))"
    )
    click.echo(f"{plan_.target}: {verdict}", err=True)
    return EXIT_OK if not plan_.remaining else EXIT_VIOLATIONS


def _run(folder: Path, *, init: bool, dry_run: bool, ruleset_id: str | None, **given: Any) -> int:
    plan_ = plan(folder, load_ruleset(ruleset_id), init=init, **given)
    changed = plan_.old_text != plan_.new_text
    if changed and not dry_run:
        write_atomically(plan_.target, plan_.new_text)
    return _report(plan_, wrote=changed and not dry_run)


_FOLDER = click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
_DRY_RUN = click.option("--dry-run", is_flag=True, help="show the diff; write nothing")
_PREFER_LOGS = click.option(
    "--prefer-logs", is_flag=True, help="where a claim and its log disagree, take the log's value"
)
_RULESET = click.option("--ruleset", "ruleset_id", default=None, help="ruleset id (default: the newest)")
_AUTHOR = click.option("--author", default=None, help="your name as the leaderboard shows it (no log states it)")
_GITHUB_ID = click.option("--github-id", default=None, help="your GitHub login (no log states it)")


@click.group()
def submission() -> None:
    """Write or repair a submission folder's submission.json from its logs."""


@submission.command()
@_FOLDER
@_DRY_RUN
@_PREFER_LOGS
@_RULESET
@_AUTHOR
@_GITHUB_ID
def init(folder: Path, dry_run: bool, ruleset_id: str | None, **given: Any) -> int:
    """Write submission.json for FOLDER from its logs; --author and --github-id give what no log states."""
    return _run(folder, init=True, dry_run=dry_run, ruleset_id=ruleset_id, **given)


@submission.command()
@_FOLDER
@_DRY_RUN
@_PREFER_LOGS
@_RULESET
@_AUTHOR
@_GITHUB_ID
def fix(folder: Path, dry_run: bool, ruleset_id: str | None, **given: Any) -> int:
    """Repair FOLDER's submission.json so it passes the strict schema, keeping what you wrote
    (--author and --github-id replace the identity keys)."""
    return _run(folder, init=False, dry_run=dry_run, ruleset_id=ruleset_id, **given)
