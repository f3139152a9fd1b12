"""`finish`: what is settled only after the last line of a log has been scanned.

The final score, the source-dump span, facts the hyperparameter block supplies when no output
line did, the seed (file name, seed line, block), step_avg, the log's role, and the notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from pgolf.logs import patterns as P
from pgolf.logs.accumulator import MAX_TEXT, Acc
from pgolf.logs.model import At, LogRole, ParsedLog
from pgolf.logs.regions import Regions
from pgolf.logs.score import choose_final

MAX_LISTED = 8  # spans named in a note; a crafted log must not make the notes huge
REFERENCE_DIRS = ("reference", "parent", "baseline", "orig")


@dataclass(frozen=True)
class Damage:
    """What the raw text showed before it was split into lines (the text itself is not kept)."""

    replaced: bool  # U+FFFD: bytes that were not valid UTF-8
    nul: bool  # NUL characters: binary data inside the log


def finish(acc: Acc, regions: Regions, damage: Damage) -> None:
    log = acc.log
    log.final = choose_final(log.metrics)
    if regions.dumps:
        log.source_dump = (regions.dumps[0][0] + 1, regions.dumps[0][1] + 1)
    _resolve_from_hyperparameters(log)
    _resolve_seed(acc)
    if acc.step_avg_ms is not None:
        log.step_avg_ms = acc.step_avg_ms
    elif log.stop is not None and log.stop.step > 0:
        log.step_avg_ms = log.stop.train_time_ms / log.stop.step
    log.role = intrinsic_role(log)
    _add_notes(acc, regions, damage)


def _resolve_from_hyperparameters(log: ParsedLog) -> None:
    hp = log.hyperparameters
    for key in ("datasets_dir", "data_path"):
        if hp.get(key) is not None and hp[key].value:
            log.dataset_path = hp[key]
            break
    if log.world_size is None:
        log.world_size = _hp_int(hp, "world_size")
    if log.grad_accum_steps is None:
        log.grad_accum_steps = _hp_int(hp, "grad_accum_steps")
    if log.max_wallclock_seconds is None and "max_wallclock_seconds" in hp:
        entry = hp["max_wallclock_seconds"]
        value = P.to_float(entry.value)
        if value is not None:
            log.max_wallclock_seconds = At(value=value, line=entry.line, text=entry.text)


def _hp_int(hp: dict[str, At[str]], key: str) -> At[int] | None:
    entry = hp.get(key)
    value = P.to_int(entry.value) if entry is not None else None
    if entry is None or value is None:
        return None
    return At(value=value, line=entry.line, text=entry.text)


def _resolve_seed(acc: Acc) -> None:
    """Filename first (how submitters map logs to seeds), then the seed line, then the block."""
    log = acc.log
    name = PurePosixPath(log.path).name
    m = P.FILENAME_SEED.search(name)
    from_name = P.to_int(m[1]) if m is not None else None
    from_block = _hp_int(log.hyperparameters, "seed")
    in_log = acc.seed_line or from_block
    if from_name is not None:
        # line 0: the value comes from the file name, not from a line of the log
        log.seed, log.seed_source = At(value=from_name, line=0, text=name[:MAX_TEXT]), "filename"
        if in_log is not None and in_log.value != from_name:
            log.notes.append(f"file name says seed {from_name} but line {in_log.line} says seed {in_log.value}")
    elif acc.seed_line is not None:
        log.seed, log.seed_source = acc.seed_line, "seed line"
    elif from_block is not None:
        log.seed, log.seed_source = from_block, "hyperparameters"


def intrinsic_role(log: ParsedLog) -> LogRole:
    """The role a log has on its own (RERUN needs the other logs: see `collect`)."""
    folders = PurePosixPath(log.path).parts[:-1]
    if any(part.lower().startswith(REFERENCE_DIRS) for part in folders):
        return LogRole.REFERENCE
    if log.trains:
        return LogRole.TRAIN
    if log.final is not None:
        return LogRole.EVAL_ONLY
    return LogRole.UNKNOWN


def _add_notes(acc: Acc, regions: Regions, damage: Damage) -> None:
    notes = acc.log.notes
    if acc.stop_note is not None:
        notes.append(acc.stop_note)
    if len(regions.dumps) > 1:
        spans = ", ".join(f"{a + 1}-{b + 1}" for a, b in regions.dumps[:MAX_LISTED])
        more = ", ..." if len(regions.dumps) > MAX_LISTED else ""
        notes.append(f"{len(regions.dumps)} source dumps (concatenated runs?) skipped at lines {spans}{more}")
    if acc.long_lines:
        notes.append(f"{acc.long_lines} lines over {P.MAX_MATCH_LINE} characters were not matched")
    if damage.replaced:
        notes.append("contains U+FFFD replacement characters (bytes that were not valid UTF-8)")
    if damage.nul:
        notes.append("contains NUL characters (binary data inside the log)")
