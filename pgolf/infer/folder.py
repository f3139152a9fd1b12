"""Infer a reproduction manifest from what a records folder states (never by running it).

Each manifest value comes with the place it was read (`Fact.source`); where sources disagree, the
`Conflict` names them, the value taken and the rule that took it:

- run command, env block, nproc, script: the README's first training command;
- seeds: submission.json `seeds`, else the README's `for SEED in ...` loop, else the keys of
  `seed_results`, else the logs; claims from `seed_results`;
- track: submission.json, else the folder's track directory;
- dataset variant: the logs' `val_tokens`, else the basename of DATA_PATH in the env block, else
  the README's download block (Hub repo and patterns), each mapped through the data lock;
  train shards: the logs' `train_shards`;
- image: the torch version in the order of trust of ENVIRONMENT.md §1.2 (pgolf.images);
- tools the run needs (checked by the preflight): `gcc` for a shipped `.c`, `lrzip` for
  COMPRESSOR=pergroup or a script calling it, `pyminify` for a script calling python-minifier;
- extra_pip: requirements.txt entries the image does not provide.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path, PurePosixPath

from pgolf.data.lock import VariantLock, load_lock
from pgolf.errors import InputError
from pgolf.folder import FileRole, SubmissionFolder, load_folder
from pgolf.images import choose_image, parse_version, torch_evidence
from pgolf.infer.command import Download, RunCommand, find_command, find_downloads, find_seed_loop
from pgolf.infer.model import Conflict, DataFetch, Fact, Inference
from pgolf.logs.collect import read_logs
from pgolf.logs.model import LogRole, ParsedLog
from pgolf.manifest import RUNNER_OWNED_ENV, DatasetSpec, SeedClaim, SourceRef, parse_manifest
from pgolf.meta.lenient import read_submission_json
from pgolf.meta.model import SubmissionMeta
from pgolf.ruleset import load_ruleset

_NAME_BAD = re.compile(r"[^a-z0-9._-]+")
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# What every pgolf image ships besides torch and FA3 (docker/requirements-*.txt), by normalized name.
IMAGE_PACKAGES = frozenset(
    {
        "torch",
        "numpy",
        "sentencepiece",
        "brotli",
        "zstandard",
        "python-minifier",
        "huggingface-hub",
        "typing-extensions",
    }
    | {"triton", "flash-attn-3", "flash-attn", "setuptools", "pip", "wheel"}
)
_CODE_CAP = 8 * 1024 * 1024


def _norm_dist(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class _Collector:
    def __init__(self) -> None:
        self.facts: list[Fact] = []
        self.conflicts: list[Conflict] = []
        self.warnings: list[str] = []

    def fact(self, key: str, value: object, source: str) -> None:
        self.facts.append(Fact(key=key, value=str(value), source=source))


def _readme(folder: SubmissionFolder) -> tuple[str, str] | None:
    entry = next(iter(folder.by_role(FileRole.README)), None)
    if entry is None:
        return None
    try:
        return entry.path, folder.read_text(entry)
    except InputError:
        return None


def _train_logs(folder: SubmissionFolder) -> list[ParsedLog]:
    return [log for log in read_logs(folder) if log.role in (LogRole.TRAIN, LogRole.RERUN)]


def _seeds(
    meta: SubmissionMeta | None, readme: tuple[str, str] | None, logs: list[ParsedLog], c: _Collector
) -> list[int]:
    candidates: list[tuple[list[int], str]] = []
    if meta is not None and meta.seeds:
        candidates.append(([s.value for s in meta.seeds], f"{meta.path}#{meta.seeds[0].pointer.rsplit('/', 1)[0]}"))
    if readme is not None:
        loop = find_seed_loop(readme[1])
        if loop is not None:
            candidates.append((loop.seeds, f"{readme[0]}:{loop.line}"))
    if meta is not None and meta.seed_results:
        candidates.append((sorted(meta.seed_results), f"{meta.path}#/seed_results"))
    from_logs = sorted({log.seed.value for log in logs if log.seed is not None})
    if from_logs:
        candidates.append((from_logs, "the logs' seeds"))
    if not candidates:
        return []
    seeds, source = candidates[0]
    c.fact("seeds", seeds, source)
    differing = [(s, src) for s, src in candidates[1:] if sorted(s) != sorted(seeds)]
    if differing:
        c.conflicts.append(
            Conflict(
                what="seeds",
                seen=[f"{s} ({src})" for s, src in candidates],
                chosen=str(seeds),
                why="submission.json `seeds`, then the README's seed loop, then seed_results, then the logs",
            )
        )
    return list(dict.fromkeys(seeds))


def _claims(meta: SubmissionMeta | None, seeds: list[int], c: _Collector) -> dict[int, SeedClaim]:
    claims: dict[int, SeedClaim] = {}
    if meta is None:
        return claims
    for seed, claim in meta.seed_results.items():
        if seed not in seeds:
            c.warnings.append(f"{meta.path}: seed_results has seed {seed}, which is not among the seeds run")
            continue
        claims[seed] = SeedClaim(
            val_bpb=claim.val_bpb.value if claim.val_bpb else None,
            val_loss=claim.val_loss.value if claim.val_loss else None,
            artifact_bytes=claim.artifact_bytes.value if claim.artifact_bytes else None,
        )
        c.fact(f"claims.{seed}", claims[seed].model_dump_json(exclude_none=True), f"{meta.path}#{claim.pointer}")
    return claims


def _variant_by_dir(name: str) -> str | None:
    for key, variant in load_ruleset().data.variants.items():
        if variant.dir == name:
            return key
    return None


def _variant_by_download(d: Download, lock: dict[str, VariantLock]) -> str | None:
    if d.variant:
        return d.variant if d.variant in lock else None
    for key, variant in lock.items():
        if variant.repo_id != d.repo_id:
            continue
        if not d.allow_patterns or any(variant.dataset_dir in p for p in d.allow_patterns):
            return key
    return None


def _dataset(
    logs: list[ParsedLog], cmd: RunCommand | None, readme: tuple[str, str] | None, c: _Collector
) -> tuple[DatasetSpec | None, list[Download]]:
    data = load_ruleset().data
    lock = load_lock().variants
    seen: list[tuple[str, str]] = []  # (variant, source)
    tokens = Counter((log.val_tokens.value, f"{log.path}:{log.val_tokens.line}") for log in logs if log.val_tokens)
    for (count, where), _n in tokens.most_common():
        known = data.variant_for_tokens(count)
        if known is not None:
            seen.append((known.name, f"val_tokens {count:,} at {where}"))
            break
    if cmd is not None and "DATA_PATH" in cmd.env:
        by_dir = _variant_by_dir(PurePosixPath(cmd.env["DATA_PATH"].rstrip("/")).name)
        if by_dir is not None:
            seen.append((by_dir, f"DATA_PATH={cmd.env['DATA_PATH']} in the README command"))
    downloads = find_downloads(readme[1]) if readme is not None else []
    for d in downloads:
        by_repo = _variant_by_download(d, lock)
        if by_repo is not None and readme is not None:
            seen.append((by_repo, f"the download at {readme[0]}:{d.line} ({d.repo_id or d.variant})"))
            break
    if not seen:
        synth = _synth(logs, cmd, c)
        if synth is not None:
            return synth, downloads
        c.warnings.append("dataset variant: no val_tokens line, DATA_PATH or download block names a known variant")
        return None, downloads
    variant, source = seen[0]
    c.fact("dataset.variant", variant, source)
    if len({v for v, _ in seen}) > 1:
        c.conflicts.append(
            Conflict(
                what="dataset variant",
                seen=[f"{v} ({s})" for v, s in seen],
                chosen=variant,
                why="the logs' val_tokens (what the run read), then DATA_PATH, then the README's download",
            )
        )
    shards = Counter(
        (log.train_shards.value, f"{log.path}:{log.train_shards.line}") for log in logs if log.train_shards
    )
    if shards:
        (count, where), _n = shards.most_common(1)[0]
        c.fact("dataset.train_shards", count, f"train_shards at {where}")
        if len({n for n, _ in shards}) > 1:
            c.conflicts.append(
                Conflict(
                    what="train shards",
                    seen=[f"{n} ({w})" for n, w in shards],
                    chosen=str(count),
                    why="the count most logs report",
                )
            )
    else:
        count = lock[variant].default_train_shards if variant in lock else 1
        c.fact("dataset.train_shards", count, f"no `train_shards:` line in the logs: the {variant} default")
        c.warnings.append(f"train shards: no log reports them; using the {variant} default of {count}")
    return DatasetSpec(variant=variant, train_shards=count), downloads


_SYNTH_DIR = re.compile(r"^fineweb10B_synth(\d+)$")


def _synth(logs: list[ParsedLog], cmd: RunCommand | None, c: _Collector) -> DatasetSpec | None:
    """pgolf's own synthetic dataset (`pgolf data synth`, folder fineweb10B_synth<V>): made, never fetched."""
    named = [(log.dataset_path.value, f"{log.path}:{log.dataset_path.line}") for log in logs if log.dataset_path]
    if cmd is not None and "DATA_PATH" in cmd.env:
        named.append((cmd.env["DATA_PATH"], "DATA_PATH in the README command"))
    for path, where in named:
        m = _SYNTH_DIR.match(PurePosixPath(path.rstrip("/")).name)
        if m is None:
            continue
        shards = next((log.train_shards.value for log in logs if log.train_shards), 1)
        c.fact("dataset.variant", "synth", f"pgolf's synthetic dataset {m[0]} ({where})")
        c.fact("dataset.vocab_size", m[1], where)
        return DatasetSpec(variant="synth", train_shards=shards, vocab_size=int(m[1]))
    return None


def _data_fetch(spec: DatasetSpec | None, downloads: list[Download]) -> DataFetch | None:
    if spec is None or spec.synthetic:
        return None
    source = load_lock().variants.get(spec.variant)
    if source is None:
        return DataFetch(variant=spec.variant, command="(no source for this variant in the data lock)")
    patterns = [
        f"{source.dataset_repo_dir}/fineweb_val_*",
        *(f"{source.dataset_repo_dir}/fineweb_train_{i:06d}.bin" for i in range(spec.train_shards)),
        source.tokenizer_repo_path,
        source.repo_path("manifest.json"),
    ]
    readme = next((d for d in downloads if d.repo_id == source.repo_id), None)
    note = (
        f"the README downloads the same repo (line {readme.line})"
        if readme is not None
        else f"the README names no download of {source.repo_id}"
    )
    return DataFetch(
        variant=spec.variant,
        repo_id=source.repo_id,
        revision=source.revision if source.pinned else None,
        allow_patterns=patterns
        if len(patterns) <= 8
        else [*patterns[:3], f"... {spec.train_shards} train shards", *patterns[-2:]],
        train_shards=spec.train_shards,
        command=f"pgolf data fetch {spec.variant} --train-shards {spec.train_shards}",
        note=note,
    )


def _image(path: Path, c: _Collector) -> None:
    choice = choose_image(path)
    c.fact("image", choice.image, choice.reason)
    versions: dict[str, list[str]] = {}
    for e in torch_evidence(load_folder(path, hash_files=False)):
        parsed = parse_version(e.version)
        if parsed is not None:
            versions.setdefault(e.version, []).append(e.render())
    if len(versions) > 1:
        c.conflicts.append(
            Conflict(
                what="torch version",
                seen=[f"{v} ({'; '.join(where)})" for v, where in versions.items()],
                chosen=f"{choice.torch} (image {choice.image})",
                why="ENVIRONMENT.md §1.2 order of trust: a `Running PyTorch` log line, then submission.json "
                "pytorch_version, then a requirements.txt pin, then the README",
            )
        )


def _sources_text(folder: SubmissionFolder) -> str:
    parts = []
    for entry in folder.by_role(FileRole.CODE):
        if entry.size <= _CODE_CAP:
            try:
                parts.append(folder.read_text(entry))
            except InputError:
                continue
    return "\n".join(parts)


def _tools(folder: SubmissionFolder, env: dict[str, str], c: _Collector) -> list[str]:
    tools: list[str] = []
    shipped_c = [f.path for f in folder.files if f.path.endswith((".c", ".cc", ".cpp"))]
    if shipped_c:
        tools.append("gcc")
        c.fact("requires.gcc", "gcc", f"shipped C source {', '.join(shipped_c)} (compiled at run time)")
    code = _sources_text(folder)
    if env.get("COMPRESSOR") == "pergroup" or "lrzip" in code:
        tools.append("lrzip")
        why = (
            "COMPRESSOR=pergroup in the run command" if env.get("COMPRESSOR") == "pergroup" else "the code calls lrzip"
        )
        c.fact("requires.lrzip", "lrzip", why)
    if "pyminify" in code or "python_minifier" in code:
        tools.append("pyminify")
        c.fact("requires.pyminify", "pyminify", "the code runs python-minifier (its counted code size)")
    return tools


def _imports(folder: SubmissionFolder, c: _Collector) -> list[str]:
    """Third-party modules the code imports outside `try:` blocks (an import guarded by one has a
    fallback), read from the parsed sources (self-extracting wrappers decoded). Imports inside
    functions count: brotli imported in `serialize()` fails after ten minutes of training."""
    from pgolf.audit.sources import gather_sources

    gathered = gather_sources(folder)
    local = {PurePosixPath(f.path).stem for f in folder.files if f.path.endswith(".py")}
    local |= {PurePosixPath(f.path).parts[0] for f in folder.files if "/" in f.path}
    found: dict[str, str] = {}
    for source in gathered.python:
        assert source.tree is not None
        guarded = {id(n) for t in ast.walk(source.tree) if isinstance(t, ast.Try) for b in t.body for n in ast.walk(b)}
        for node in ast.walk(source.tree):
            if id(node) in guarded or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                names = [node.module] if node.level == 0 and node.module else []
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local and top != "__future__":
                    found.setdefault(top, f"{source.label}:{node.lineno}")
    for module, where in found.items():
        c.fact(f"imports.{module}", module, where)
    return sorted(found)


def _extra_pip(folder: SubmissionFolder, c: _Collector) -> list[str]:
    extra: list[str] = []
    for entry in folder.by_role(FileRole.REQUIREMENTS):
        try:
            text = folder.read_text(entry)
        except InputError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.split("#", 1)[0].strip()
            m = _REQ_NAME.match(stripped)
            if not m or stripped.startswith("-"):
                continue
            if _norm_dist(m[1]) not in IMAGE_PACKAGES:
                extra.append(stripped)
                c.fact(f"extra_pip.{_norm_dist(m[1])}", stripped, f"{entry.path}:{number}, not in the image")
    return extra


def _norm_value(text: str) -> str:
    """Compare as the scripts parse: bool("1") and "True" agree, as do "0.50" and "0.5"."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "0", "false"):
        return "true" if lowered in ("1", "true") else "false"
    try:
        return repr(float(lowered))
    except ValueError:
        return lowered


def _cross_check(cmd: RunCommand | None, where: str, logs: list[ParsedLog], c: _Collector) -> None:
    """Env values that a log's Hyperparameters dump contradicts: the README's is kept, both are shown."""
    if cmd is None:
        return
    for key, value in cmd.env.items():
        if key in RUNNER_OWNED_ENV:
            continue
        seen = []
        for log in logs:
            logged = {k.lower(): v for k, v in log.hyperparameters.items()}.get(key.lower())
            if logged is not None and _norm_value(logged.value) != _norm_value(value):
                seen.append(f"{logged.value} ({log.path}:{logged.line} logs {key.lower()}: {logged.value})")
        if seen:
            c.conflicts.append(
                Conflict(
                    what=f"env {key}",
                    seen=[f"{value} ({where})", *seen],
                    chosen=value,
                    why="the README's run command is what the submission says to run; the logs ran another value",
                )
            )


def _name(folder: SubmissionFolder, pr: int | None) -> str:
    if pr is not None:
        return f"pr{pr}"
    return (_NAME_BAD.sub("-", folder.name.lower()).strip("-._") or "submission")[:80]


def infer(
    path: Path,
    *,
    pr: int | None = None,
    source: SourceRef | None = None,
    local_folder: str | None = None,
) -> Inference:
    """A manifest for the records folder at `path`, with the evidence of every inferred value."""
    folder = load_folder(path, hash_files=False)
    c = _Collector()
    readme = _readme(folder)
    cmd = find_command(readme[1]) if readme is not None else None
    read = read_submission_json(folder)
    meta = read.meta if read is not None else None
    logs = _train_logs(folder)
    seeds = _seeds(meta, readme, logs, c)
    if not seeds:
        raise InputError(f"{path}: no seeds in submission.json, the README or the logs: nothing to reproduce")
    env = dict(cmd.env) if cmd is not None else {}
    if cmd is not None and readme is not None:
        where = f"{readme[0]}:{cmd.line}"
        c.fact("command", f"{len(env)} env variables, nproc {cmd.nproc}, {cmd.entrypoint}", where)
        for key in cmd.dynamic:
            owner = "the runner sets it" if key in RUNNER_OWNED_ENV else "left to the script's default"
            c.warnings.append(f"{key} is a shell expansion in {where}: {owner}")
    else:
        c.warnings.append("no training command in the README: the script's defaults, 8 processes, train_gpt.py")
    if cmd is not None and readme is not None:
        _cross_check(cmd, f"{readme[0]}:{cmd.line}", logs, c)
    dataset, downloads = _dataset(logs, cmd, readme, c)
    if dataset is None:
        raise InputError(f"{path}: cannot tell which dataset the run reads (no val_tokens, DATA_PATH or download)")
    _image(path, c)
    track = meta.track.value if meta and meta.track else (folder.track_dir or load_ruleset().ruleset.default_track)
    raw: dict[str, object] = {
        "name": _name(folder, pr),
        "title": meta.name.value if meta and meta.name else folder.name,
        "track": track,
        "dataset": dataset.model_dump(exclude_none=True),
        "entrypoint": (cmd.entrypoint if cmd and cmd.entrypoint else "train_gpt.py"),
        "env": env,
        "seeds": seeds,
        "nproc_per_node": cmd.nproc if cmd and cmd.nproc else 8,
        "claims": {str(s): claim.model_dump(exclude_none=True) for s, claim in _claims(meta, seeds, c).items()},
        "requires": _tools(folder, env, c),
        "imports": _imports(folder, c),
        "extra_pip": _extra_pip(folder, c),
        "image_name": choose_image(path).image,
    }
    if pr is not None:
        raw["pr"] = pr
    if source is not None:
        raw["source"] = source.model_dump(exclude_none=True)
    else:
        raw["local_folder"] = local_folder or str(path)
    manifest = parse_manifest(raw, f"inferred from {path}")
    return Inference(
        manifest=manifest,
        facts=c.facts,
        conflicts=c.conflicts,
        warnings=c.warnings,
        image=choose_image(path),
        data=_data_fetch(dataset, downloads),
    )
