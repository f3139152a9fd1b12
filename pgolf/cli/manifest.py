"""`pgolf manifest infer FOLDER`: draft a manifest (TOML on stdout) from what a records folder states.

Sources, each cited in a comment of the draft:
- the README's run command: its `KEY=VALUE` env block, `--nproc_per_node` and the script name
  (ENVIRONMENT.md §1.6: the reproducer must replay the command's env, not the script defaults);
- submission.json claims (seeds, per-seed val_bpb / val_loss / artifact bytes), read leniently;
- the logs: `train_shards`, `val_tokens` (the dataset variant), and the `Hyperparameters:` dump,
  used to cross-check the env block (disagreements are listed as comments, never resolved).
The draft is a starting point for a human: unknown facts are left out and said to be unknown.
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import click

from pgolf.folder import FileRole, SubmissionFolder, load_folder
from pgolf.images import choose_image
from pgolf.logs.collect import read_logs
from pgolf.logs.model import LogRole, ParsedLog
from pgolf.manifest import RUNNER_OWNED_ENV
from pgolf.meta.lenient import read_submission_json
from pgolf.meta.model import SubmissionMeta
from pgolf.ruleset import load_ruleset

_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_NAME_BAD = re.compile(r"[^a-z0-9._-]+")


@dataclass
class RunCommand:
    """The env block and launch shape of the README's training command."""

    line: int
    env: dict[str, str] = field(default_factory=dict)
    dynamic: list[str] = field(default_factory=list)  # assignments whose value is a shell expansion
    nproc: int | None = None
    entrypoint: str | None = None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with backslash continuations joined, numbered by their first physical line."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = n
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        out.append((start, pending + stripped))
        pending = ""
    return out


def _tokens(line: str) -> list[str]:
    """Shell words; `;`, `&&` and `|` become their own tokens (so `train_gpt.py;` is still the script)."""
    lexer = shlex.shlex(line.strip().strip("`"), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes in prose: not a command
        return []


def parse_command(line: str, number: int, exports: dict[str, str]) -> RunCommand | None:
    """`A=1 B=2 torchrun --standalone --nproc_per_node=8 train_gpt.py` -> RunCommand; None if not one."""
    tokens = _tokens(line)
    launch = next((i for i, t in enumerate(tokens) if t.endswith(("torchrun", "python", "python3"))), None)
    if launch is None or not any(t.endswith(".py") or t == "torch.distributed.run" for t in tokens[launch:]):
        return None
    cmd = RunCommand(line=number)
    for token in [*(f"{k}={v}" for k, v in exports.items()), *tokens[:launch]]:
        m = _ASSIGN.match(token)
        if m and "$" in m[2]:
            cmd.dynamic.append(m[1])
        elif m:
            cmd.env[m[1]] = m[2]
    for i, token in enumerate(tokens[launch:], launch):
        if token.startswith("--nproc_per_node"):
            value = token.split("=", 1)[1] if "=" in token else (tokens[i + 1] if i + 1 < len(tokens) else "")
            cmd.nproc = int(value) if value.isdigit() else None
        elif token.endswith(".py") and cmd.entrypoint is None:
            cmd.entrypoint = token
    return cmd


def find_command(readme: str) -> RunCommand | None:
    """The first training command of the README, with `export K=V` lines seen before it."""
    exports: dict[str, str] = {}
    for number, line in _logical_lines(readme):
        tokens = _tokens(line)
        if tokens[:1] == ["export"]:
            for token in tokens[1:]:
                m = _ASSIGN.match(token)
                if m:
                    exports[m[1]] = m[2]
            continue
        cmd = parse_command(line, number, exports)
        if cmd is not None:
            return cmd
    return None


# --- the draft --------------------------------------------------------------------------------------


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _draft_name(folder: SubmissionFolder, pr: int | None) -> str:
    if pr is not None:
        return f"pr{pr}"
    return (_NAME_BAD.sub("-", folder.name.lower()).strip("-._") or "submission")[:80]


def _train_logs(logs: Iterable[ParsedLog]) -> list[ParsedLog]:
    return [log for log in logs if log.role in (LogRole.TRAIN, LogRole.RERUN)]


def _dataset_lines(logs: list[ParsedLog]) -> list[str]:
    shards = Counter(log.train_shards.value for log in logs if log.train_shards is not None)
    tokens = Counter(log.val_tokens.value for log in logs if log.val_tokens is not None)
    data = load_ruleset().data
    variant = data.variant_for_tokens(tokens.most_common(1)[0][0]) if tokens else None
    if variant is None:  # fall back to the dataset directory name a log printed
        paths = [log.dataset_path.value for log in logs if log.dataset_path is not None]
        variant = next((v for v in data.variants.values() for p in paths if p.rstrip("/").endswith(v.dir)), None)
    lines = ["", "[dataset]"]
    lines.append(
        f"variant = {_toml(variant.name)}" if variant else "# variant = UNKNOWN: no val_tokens or dataset path"
    )
    if shards:
        lines.append(f"train_shards = {shards.most_common(1)[0][0]}  # logs: {dict(shards)}")
    else:
        lines.append("# train_shards = UNKNOWN: no `train_shards:` line in the logs")
    if tokens:
        lines.append(f"# val_tokens in the logs: {dict(tokens)}")
    return lines


def _claims_lines(meta: SubmissionMeta | None) -> list[str]:
    if meta is None:
        return ["", "# no readable submission.json: no claims"]
    lines = []
    for seed, claim in sorted(meta.seed_results.items()):
        lines += ["", f"[claims.{seed}]  # {meta.path}#{claim.pointer}"]
        for key, value in (
            ("val_bpb", claim.val_bpb),
            ("val_loss", claim.val_loss),
            ("artifact_bytes", claim.artifact_bytes),
        ):
            if value is not None:
                lines.append(f"{key} = {_toml(value.value)}")
    return lines


def _cross_check(cmd: RunCommand | None, logs: list[ParsedLog]) -> list[str]:
    """Env keys whose value disagrees with a log's Hyperparameters dump (compared as text)."""
    if cmd is None:
        return []
    notes = []
    for log in logs:
        hp = {k.lower(): v for k, v in log.hyperparameters.items()}
        for key, value in cmd.env.items():
            seen = None if key in RUNNER_OWNED_ENV else hp.get(key.lower())
            if seen is not None and _norm(seen.value) != _norm(value):
                notes.append(f"# {key}={value} but {log.path}:{seen.line} logs {key.lower()}: {seen.value}")
    return list(dict.fromkeys(notes))


def _norm(text: str) -> str:
    """Compare as the scripts parse: bool("1") and "True" agree, as do "0.50" and "0.5"."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "0", "false"):
        return "true" if lowered in ("1", "true") else "false"
    try:
        return repr(float(lowered))
    except ValueError:
        return lowered


def _source_lines(
    pr: int | None, commit: str | None, records_folder: str | None, path: Path
) -> tuple[list[str], list[str]]:
    """(top-level keys, tables): a [source] table when the PR is pinned, else local_folder."""
    if pr is not None and commit and records_folder:
        table = ["", "[source]", 'repo = "openai/parameter-golf"', f"commit = {_toml(commit)}"]
        return [], [*table, f"records_folder = {_toml(records_folder)}"]
    top = [
        f"local_folder = {_toml(str(path))}",
        "# To reproduce a PR, replace local_folder by a [source] table with repo, records_folder and the",
        "# verified commit (pgolf manifest infer --pr N --commit SHA --records-folder PATH): the commit is",
        "# not something pgolf guesses.",
    ]
    return top, []


def draft_manifest(
    path: Path, *, pr: int | None = None, commit: str | None = None, records_folder: str | None = None
) -> str:
    folder = load_folder(path, hash_files=False)
    readme = next(iter(folder.by_role(FileRole.README)), None)
    cmd = find_command(folder.read_text(readme)) if readme is not None else None
    read = read_submission_json(folder)
    meta = read.meta if read is not None else None
    logs = _train_logs(read_logs(folder))
    image = choose_image(path)
    seeds = (
        sorted(meta.seed_results)
        if meta and meta.seed_results
        else sorted({log.seed.value for log in logs if log.seed})
    )
    lines = [
        f"# Draft manifest for {folder.name}, written by `pgolf manifest infer`: review every line.",
        f"# image: {image.image} ({image.reason}); set `image` to its tag@sha256 once `make image` has built it.",
        f"name = {_toml(_draft_name(folder, pr))}",
    ]
    if pr is not None:
        lines.append(f"pr = {pr}")
    title = meta.name.value if meta and meta.name else folder.name
    track = meta.track.value if meta and meta.track else (folder.track_dir or load_ruleset().ruleset.default_track)
    top, tables = _source_lines(pr, commit, records_folder, path)
    lines += [f"title = {_toml(title)}", f"track = {_toml(track)}", *top]
    lines += _command_lines(cmd, readme.path if readme else None)
    lines.append(f"seeds = {_toml(seeds)}" if seeds else "# seeds = UNKNOWN: none in submission.json or the logs")
    lines += tables  # TOML: every top-level key above, every table below
    lines += _dataset_lines(logs)
    lines += _env_lines(cmd, logs)
    lines += _claims_lines(meta)
    return "\n".join(lines) + "\n"


def _command_lines(cmd: RunCommand | None, readme: str | None) -> list[str]:
    if cmd is None:
        where = readme or "the folder (no README)"
        return [f"# no training command found in {where}: env, entrypoint and nproc_per_node are script defaults"]
    lines = [f"# run command: {readme}:{cmd.line}"]
    if cmd.entrypoint:
        lines.append(f"entrypoint = {_toml(cmd.entrypoint)}")
    if cmd.nproc:
        lines.append(f"nproc_per_node = {cmd.nproc}")
    return lines


def _env_lines(cmd: RunCommand | None, logs: list[ParsedLog]) -> list[str]:
    lines = ["", "[env]"]
    if cmd is not None:
        lines += [f"{key} = {_toml(value)}" for key, value in cmd.env.items()]
        lines += [f"# {key} is set from a shell expansion in the README; the runner sets SEED" for key in cmd.dynamic]
    lines += _cross_check(cmd, logs)
    return lines


@click.group()
def manifest() -> None:
    """Submission manifests (submissions/<name>.toml)."""


@manifest.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--pr", type=int, default=None, help="the PR number (names the manifest prN)")
@click.option("--commit", default=None, help="the verified commit to pin in [source]")
@click.option("--records-folder", default=None, help="the folder's path inside the repository")
def infer(folder: Path, pr: int | None, commit: str | None, records_folder: str | None) -> int:
    """Print a draft manifest for FOLDER (README command, submission.json claims, logs)."""
    click.echo(draft_manifest(folder, pr=pr, commit=commit, records_folder=records_folder), nl=False)
    return 0
