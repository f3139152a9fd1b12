"""Text forms of an inference and a plan: the manifest as TOML (every inferred value with its source
as a comment) and the dry-run plan a person reads before a reproduction spends GPU hours."""

from __future__ import annotations

import json
import shlex

from pgolf.infer.model import Conflict, Inference
from pgolf.manifest import Manifest
from pgolf.runner.model import Plan

_TABLES = ("source", "dataset", "budget", "env")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def manifest_toml(manifest: Manifest, inference: Inference | None = None) -> str:
    """The manifest as a TOML file that `pgolf reproduce FILE` loads back unchanged."""
    data = manifest.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data.setdefault("name", manifest.name)
    data.setdefault("seeds", manifest.seeds)
    sources = {f.key: f.source for f in inference.facts} if inference is not None else {}
    lines = [f"# Manifest for {manifest.title or manifest.name}, written by pgolf from the folder's own files."]
    if inference is not None:
        lines += [f"# conflict: {c.what}: {'; '.join(c.seen)} -> {c.chosen} ({c.why})" for c in inference.conflicts]
        lines += [f"# warning: {w}" for w in inference.warnings]
        if inference.override_file:
            lines.append(
                f"# override {inference.override_file} replaced: {', '.join(inference.overrides) or 'nothing'}"
            )
    claims = data.pop("claims", {})
    for key, value in data.items():
        if isinstance(value, dict):
            continue
        note = f"  # {sources[key]}" if key in sources else ""
        lines.append(f"{key} = {_toml(value)}{note}")
    for table in _TABLES:
        value = data.get(table)
        if not isinstance(value, dict) or not value:
            continue
        lines += ["", f"[{table}]"]
        for key, item in value.items():
            where = sources.get(f"{table}.{key}")
            lines.append(f"{_quote_key(key)} = {_toml(item)}" + (f"  # {where}" if where else ""))
    for seed, claim in claims.items():
        where = sources.get(f"claims.{seed}")
        lines += ["", f"[claims.{seed}]" + (f"  # {where}" if where else "")]
        lines += [f"{key} = {_toml(item)}" for key, item in claim.items()]
    return "\n".join(lines) + "\n"


def _quote_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def plan_text(plan: Plan, inference: Inference | None, data_lines: list[str], notes: list[str]) -> str:
    """What `--dry-run` prints: source, seeds, command, every env variable, image, data, budgets."""
    m = plan.manifest
    out = [f"reproduction plan: {plan.name} (run {plan.run_id}, ruleset {plan.ruleset}, track {plan.track})"]
    if m.source is not None:
        out.append(f"source: {m.source.repo} commit {m.source.commit}")
        out.append(f"  folder {m.source.records_folder}" + (f" ({m.source.content})" if m.source.content else ""))
    if inference is not None:
        for key in ("source.commit", "source.records_folder"):
            fact = inference.fact(key)
            if fact is not None:
                out.append(f"  {key.split('.')[1]}: {fact.source}")
    spec = plan.specs[0] if plan.specs else None
    out.append(f"seeds: {' '.join(str(s.seed) for s in plan.specs)}" + _from(inference, "seeds"))
    if spec is not None:
        out.append(f"command: {shlex.join(spec.command)} (backend {plan.backend})" + _from(inference, "command"))
    out.append(f"profile: {plan.profile}" + ("" if plan.official else " (non-official)"))
    out += [f"  deviation: {d}" for d in plan.deviations]
    out.append(f"env from the run command ({len(m.env)} variables):")
    overridden = set(spec.overridden_env) if spec is not None else set()
    for key, value in m.env.items():
        note = " (set by the runner instead)" if key in overridden else ""
        out.append(f"  {key}={value}{note}")
    if spec is not None:
        runner = {k: v for k, v in spec.env.items() if k not in m.env or k in overridden}
        out.append(f"set by the runner ({len(runner)}): {', '.join(sorted(runner))}")
    out += _image_lines(plan, inference)
    out.append(
        f"dataset: {m.dataset.variant}{_from(inference, 'dataset.variant')}, "
        f"{m.dataset.train_shards} train shards{_from(inference, 'dataset.train_shards')}"
    )
    out += [f"  {line}" for line in data_lines]
    if m.requires:
        out.append(f"tools checked before training: {', '.join(m.requires)}")
    if m.extra_pip or m.extra_apt:
        out.append(f"installed before the run: pip {m.extra_pip or '-'}, apt {m.extra_apt or '-'}")
    if spec is not None:
        b = spec.budget
        out.append(
            f"deadline per seed: {b.deadline_s:.0f} s "
            f"(train {b.train_s:.0f} + eval {b.eval_s:.0f} + slack {b.slack_s:.0f})"
        )
    if m.claims:
        out.append("claims: " + ", ".join(f"seed {s} val_bpb {c.val_bpb}" for s, c in m.claims.items()))
    if inference is not None:
        out += [_conflict(c) for c in inference.conflicts if c.what not in _IMAGE_CONFLICTS]
        out += [f"warning: {w}" for w in inference.warnings]
        if inference.override_file:
            out.append(f"override {inference.override_file}: {', '.join(inference.overrides) or 'no change'}")
    out += [f"note: {n}" for n in notes]
    out.append(f"run folder: {plan.run_dir}")
    return "\n".join(out) + "\n"


def _from(inference: Inference | None, key: str) -> str:
    fact = inference.fact(key) if inference is not None else None
    return f" (from {fact.source})" if fact is not None else ""


_IMAGE_CONFLICTS = ("torch version",)  # printed under the image they decided


def _conflict(c: Conflict) -> str:
    return f"conflict: {c.what}: {'; '.join(c.seen)}; chose {c.chosen}: {c.why}"


def _image_lines(plan: Plan, inference: Inference | None) -> list[str]:
    m = plan.manifest
    lines = []
    if inference is not None:
        choice = inference.image
        lines.append(f"image: {choice.image} ({choice.tag}, torch {choice.torch}): {choice.reason}")
        lines += [f"  {_conflict(c)}" for c in inference.conflicts if c.what in _IMAGE_CONFLICTS]
    elif m.image_name:
        lines.append(f"image: {m.image_name}")
    if m.image:
        lines.append(f"  pinned: {m.image}")
    spec = plan.specs[0] if plan.specs else None
    if spec is not None and spec.container is not None:
        lines.append(f"  container image: {spec.container.image}")
    elif plan.backend == "local":
        lines.append("  (the local backend runs the host's python and torch instead; --backend docker runs the image)")
    return lines
