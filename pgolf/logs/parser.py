"""`parse_log`: one log's text -> `ParsedLog`. Pure: no I/O, never raises on any input.

How a log is read (ENVIRONMENT.md §3):
- Each line loses its timestamp / rank prefix (`prefix.strip_prefix`).
- A structure pass finds the embedded source dumps and the `Hyperparameters:` blocks; dump
  lines are skipped outright and block lines are read as `key: value`.
- Every other line goes through a cheap dispatch on its first characters to the one or two
  regexes that can match it. Lines holding `{`, `log0(` or `log(`, indented lines and very
  long lines are never result lines (code that escaped dump detection, tables, junk).
- A fact printed more than once keeps its last occurrence: concatenated logs report the
  last run, as the §3.4 "last metric line" rule does.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from pgolf.logs import patterns as P
from pgolf.logs.model import (
    At,
    CurvePoint,
    LogRole,
    MetricLine,
    NgramHints,
    NgramPrecompute,
    ParsedLog,
    SizeKind,
    SizeLine,
    StopLine,
)
from pgolf.logs.prefix import strip_prefix
from pgolf.logs.score import choose_final

MAX_TEXT = 300  # At.text and MetricLine.text keep at most this much of a line
MAX_LISTED = 8  # spans named in a note; a crafted log must not make the notes huge
REFERENCE_DIRS = ("reference", "parent", "baseline", "orig")


@dataclass
class _Acc:
    """The log under construction plus facts that are resolved only after the last line."""

    log: ParsedLog
    seed_line: At[int] | None = None
    step_avg_ms: float | None = None
    last_step: tuple[int, int, float | None] | None = None  # old format: step, total, train_time_ms
    stop_note: str | None = None  # about the last stopping_early line only (one note, not one per line)
    long_lines: int = 0


Handler = Callable[[_Acc, str, int], None]


def parse_log(text: str, path: str) -> ParsedLog:
    """Parse a decoded log. `path` is relative to the submission folder (posix)."""
    raw = text.removeprefix("\ufeff").split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    lines = [strip_prefix(line.rstrip("\r")) for line in raw]
    acc = _Acc(log=ParsedLog(path=path, role=LogRole.UNKNOWN, line_count=len(lines)))
    regions = find_regions(lines)
    _scan(acc, lines, regions)
    _finish(acc, regions, text)
    return acc.log


def _scan(acc: _Acc, lines: list[str], regions: Regions) -> None:
    jumps = dict(regions.dumps)
    blocks = dict(regions.hyperparameter_blocks)
    i, n = 0, len(lines)
    while i < n:
        if i in jumps:
            i = jumps[i] + 1
            continue
        if i in blocks:
            _read_block(acc, lines, i, blocks[i])
            i = blocks[i] + 1
            continue
        _dispatch(acc, lines[i], i + 1)
        i += 1


def _read_block(acc: _Acc, lines: list[str], header: int, end: int) -> None:
    """`Hyperparameters:` + `  key: value` lines, or `--- Hyperparameters ---` + `k=v k=v`."""
    hp = acc.log.hyperparameters
    for i in range(header + 1, end + 1):
        s = lines[i]
        m = P.HYPERPARAM.match(s)
        if m is not None:
            hp[m["key"]] = At(value=(m["value"] or "").strip(), line=i + 1, text=_clip(s))
            continue
        for key, value in P.HYPERPARAM_PAIR.findall(s):
            hp[key] = At(value=value, line=i + 1, text=_clip(s))


def _dispatch(acc: _Acc, s: str, n: int) -> None:
    if not s or s[0] in " \t":
        return
    if len(s) > P.MAX_MATCH_LINE:
        acc.long_lines += 1
        return
    if "{" in s or "log0(" in s or "log(" in s:
        return
    c = s[0]
    if c == "s" and s.startswith("step:"):
        _on_old_step(acc, s)
        return
    if c.isdigit():
        _on_new_step(acc, s)
        return
    if "val_loss" in s and _on_metric(acc, s, n):
        return
    for prefix, handler in _BY_FIRST.get(c, ()):
        if s.startswith(prefix):
            handler(acc, s, n)
            return
    _on_other(acc, s, n)


def _clip(s: str) -> str:
    return s[:MAX_TEXT]


# --- structure: source dumps and hyperparameter blocks ---------------------------------------


@dataclass(frozen=True)
class Regions:
    """Line spans (0-based, inclusive) that the line-by-line scan must not treat as output."""

    dumps: list[tuple[int, int]]  # embedded source code
    hyperparameter_blocks: list[tuple[int, int]]  # (header line, last key: value line)


def find_regions(lines: list[str]) -> Regions:
    """Locate the source dumps and hyperparameter blocks of a prefix-stripped log.

    New era: `Hyperparameters:` block, then `Source code:` between rulers of 100 `=`; the dump
    runs to the next ruler. Old era: the whole source first, then a ruler followed by
    `Running Python`; where that dump starts is found by scanning back from the ruler to the
    last line only program output produces (a log may hold several runs back to back).
    """
    rulers: list[int] = []
    headers: list[int] = []
    for i, s in enumerate(lines):
        c = s[:1]
        if c == "=" and s.rstrip() == P.RULER:
            rulers.append(i)
        elif (c == "H" and s.rstrip() == "Hyperparameters:") or (c == "-" and s.rstrip() == "--- Hyperparameters ---"):
            headers.append(i)
    blocks = [(h, _block_end(lines, h)) for h in headers]
    dumps = _find_dumps(lines, rulers, blocks)
    starts = [a for a, _ in dumps]  # dumps are sorted and disjoint: bisect keeps this linear
    kept = []
    for block in blocks:
        k = bisect_right(starts, block[0]) - 1
        if k < 0 or dumps[k][1] < block[0]:
            kept.append(block)
    return Regions(dumps=dumps, hyperparameter_blocks=kept)


def _block_end(lines: list[str], header: int) -> int:
    if lines[header].startswith("-"):  # `--- Hyperparameters ---`: one line of k=v pairs
        nxt = header + 1
        return nxt if nxt < len(lines) and "=" in lines[nxt] else header
    end = header
    while end + 1 < len(lines) and P.HYPERPARAM.match(lines[end + 1]) is not None:
        end += 1
    return end


def _find_dumps(lines: list[str], rulers: list[int], blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    dumps: list[tuple[int, int]] = []
    lower = 0  # nothing before this line can belong to the next dump
    covered = -1
    b = 0
    for k, r in enumerate(rulers):
        while b < len(blocks) and blocks[b][1] < r:  # a hyperparameter block is never source
            lower = max(lower, blocks[b][1] + 1)
            b += 1
        if r <= covered:
            continue
        nxt = lines[r + 1].rstrip() if r + 1 < len(lines) else ""
        if nxt == "Source code:":
            j = bisect_right(rulers, r + 2, lo=k + 1)  # skip the ruler right under the header
            end_ruler = rulers[j] if j < len(rulers) else len(lines)
            dumps.append((r + 1, end_ruler - 1))
            covered = end_ruler
            lower = end_ruler + 1
        elif P.DUMP_END.match(nxt) is not None:
            start = _dump_start(lines, lower, r)
            if start < r:
                dumps.append((start, r - 1))
            lower = r + 1
        else:
            lower = r + 1
    return dumps


def _dump_start(lines: list[str], floor: int, ruler: int) -> int:
    """First line of an old-era dump ending just before `ruler`: after the last output line."""
    for i in range(ruler - 1, floor - 1, -1):
        s = lines[i]
        if (
            s
            and not s[0].isspace()
            and P.OUTPUT_LINE.match(s) is not None
            and "{" not in s
            and "log0(" not in s
            and "log(" not in s
        ):
            return i + 1
    return floor


# --- metric lines and curves ----------------------------------------------------------------


def _on_metric(acc: _Acc, s: str, n: int) -> bool:
    """Record a metric line; False when the line is not one (so other handlers may try)."""
    if s.startswith("ttt_sliding:done"):
        done = P.TTT_SLIDING_DONE.match(s)
        if done is None:
            return False
        elapsed = P.to_float(done["elapsed"])
        eval_ms = elapsed * 1000 if elapsed is not None else None
        _add_metric(acc, "ttt_sliding", done["loss"], done["bpb"], eval_ms=eval_ms, s=s, n=n)
        return True
    m = P.METRIC.match(s)
    if m is None:
        return False
    label = m["label"].strip()
    if label.lower().startswith("step"):
        return True  # a periodic-validation variant, not a result
    eval_time = P.EVAL_TIME.search(m["rest"])
    eval_ms = P.to_float(eval_time[1]) if eval_time else None
    _add_metric(acc, label, m["loss"], m["bpb"], eval_ms=eval_ms, s=s, n=n)
    return True


def _add_metric(acc: _Acc, label: str, loss_text: str, bpb_text: str, *, eval_ms: float | None, s: str, n: int) -> None:
    loss, bpb = P.to_float(loss_text), P.to_float(bpb_text)
    if loss is None or bpb is None:
        return
    acc.log.metrics.append(
        MetricLine(
            label=label,
            val_loss=loss,
            val_bpb=bpb,
            eval_time_ms=eval_ms,
            line=n,
            text=_clip(s),
            diagnostic=P.DIAGNOSTIC_LABEL.match(label) is not None,
            disputed=P.DISPUTED_LABEL.search(label) is not None,
        )
    )


def _on_old_step(acc: _Acc, s: str) -> None:
    """`step:N/M train_loss:X train_time:Nms step_avg:Xms` and the periodic val variant."""
    m = P.OLD_VAL_STEP.match(s)
    val_bpb: float | None = None
    if m is not None:
        val_bpb = P.to_float(m[4])
        target = acc.log.val_curve
    else:
        m = P.OLD_TRAIN_STEP.match(s)
        if m is None:
            return
        target = acc.log.train_curve
    rest = m["rest"]
    time = P.OLD_TRAIN_TIME.search(rest)
    avg = P.OLD_STEP_AVG.search(rest)
    if avg is not None:
        acc.step_avg_ms = P.to_float(avg[1])
    step, total, loss = P.to_int(m[1]), P.to_int(m[2]), P.to_float(m[3])
    if step is None or total is None or loss is None:
        return
    train_ms = P.to_float(time[1]) if time else None
    acc.last_step = (step, total, train_ms)
    target.append(CurvePoint(step=step, train_time_ms=train_ms, loss=loss, val_bpb=val_bpb))


def _on_new_step(acc: _Acc, s: str) -> None:
    """`N/M train_loss: X train_time: X.Xm tok/s: N` (minutes) and `N/M val_loss: X val_bpb: Y`."""
    m = P.NEW_TRAIN_STEP.match(s)
    if m is not None:
        step, loss, minutes = P.to_int(m[1]), P.to_float(m[3]), P.to_float(m[4])
        if step is not None and loss is not None:
            train_ms = minutes * 60_000 if minutes is not None else None
            acc.log.train_curve.append(CurvePoint(step=step, train_time_ms=train_ms, loss=loss))
        return
    m = P.NEW_VAL_STEP.match(s)
    if m is not None:
        step, loss, bpb = P.to_int(m[1]), P.to_float(m[3]), P.to_float(m[4])
        if step is not None and loss is not None:
            acc.log.val_curve.append(CurvePoint(step=step, train_time_ms=None, loss=loss, val_bpb=bpb))


# --- single-fact lines ----------------------------------------------------------------------


def _on_stop(acc: _Acc, s: str, n: int) -> None:
    time, step = P.STOP_TIME.search(s), P.STOP_STEP.search(s)
    ms = P.to_int(time[1]) if time is not None else None
    note = None
    if step is not None:
        done, total = P.to_int(step[1]), P.to_int(step[2])
    elif acc.last_step is not None and ms is not None and acc.last_step[2] == ms:
        # `stopping_early: wallclock_cap train_time:598686ms` right after the step line that
        # printed the same train_time: the step count is that line's, not a guess.
        done, total = acc.last_step[0], acc.last_step[1]
        note = f"line {n}: stop step taken from the step line with the same train_time"
    else:
        done = total = None
    if ms is None or done is None or total is None:
        acc.stop_note = f"line {n}: stopping_early line without train time and step count"
        return
    acc.stop_note = note
    acc.log.stop = StopLine(train_time_ms=ms, step=done, total_steps=total, line=n, text=_clip(s))


def _on_size(acc: _Acc, s: str, n: int) -> None:
    if s.startswith("Total"):
        m, kind = P.TOTAL_SIZE.match(s), SizeKind.TOTAL
    elif s.startswith("Serialized"):
        m, kind = P.MODEL_SIZE.match(s), SizeKind.MODEL
    else:
        m, kind = P.CODE_SIZE.match(s), SizeKind.CODE
    if m is None:
        return
    size = P.to_int(m["n"])
    fmt = m["fmt"]
    if size is None:
        return
    if kind is SizeKind.CODE and fmt == "uncompressed":
        kind = SizeKind.CODE_UNCOMPRESSED
    acc.log.sizes.append(SizeLine(kind=kind, fmt=fmt, bytes=size, line=n, text=_clip(s)))


def _on_data(acc: _Acc, s: str, n: int) -> None:
    """train_shards / train_loader:dataset / data: ... / val_tokens / val_loader lines."""
    log, text = acc.log, _clip(s)
    m = P.TRAIN_LOADER.match(s) or P.DATA_SUMMARY.match(s)
    if m is not None:
        log.dataset_path = At(value=m[1], line=n, text=text)
        shards = P.to_int(m[2])
        if shards is not None:
            log.train_shards = At(value=shards, line=n, text=text)
        if m.re is P.DATA_SUMMARY:
            _set_val_tokens(log, m[3], n, text)
        return
    m = P.TRAIN_SHARDS.match(s)
    if m is not None:
        shards = P.to_int(m[1])
        if shards is not None:
            log.train_shards = At(value=shards, line=n, text=text)
        return
    m = P.VAL_TOKENS.match(s) or P.VAL_LOADER.match(s)
    if m is not None:
        _set_val_tokens(log, m[1], n, text)


def _set_val_tokens(log: ParsedLog, digits: str, n: int, text: str) -> None:
    tokens = P.to_int(digits)
    if tokens is not None:
        log.val_tokens = At(value=tokens, line=n, text=text)


def _on_gptq(acc: _Acc, s: str, n: int) -> None:
    log, text = acc.log, _clip(s)
    if s.startswith(P.GPTQ_CALIBRATION_HINTS):
        log.gptq_calibration = At(value=s.strip(), line=n, text=text)
        return
    m = P.GPTQ_RESERVE.match(s)
    if m is not None:
        effective = P.to_int(m[2])
        if effective is not None:
            log.gptq_reserve_effective_ms = At(value=effective, line=n, text=text)
        return
    m = P.GPTQ_COLLECTED.match(s) or P.GPTQ_CALIBRATED.match(s) or P.GPTQ_COLLECTED_OLD.match(s)
    if m is None:
        return
    count = P.to_int(m[1])
    if count is not None:
        log.gptq_hessians = At(value=count, line=n, text=text)
    seconds = P.to_float(m[2]) if m.re is not P.GPTQ_COLLECTED_OLD else None
    if seconds is not None:
        log.gptq_hessian_seconds = At(value=seconds, line=n, text=text)


def _on_ngram(acc: _Acc, s: str, n: int) -> None:
    log, text = acc.log, _clip(s)
    hints = P.NGRAM_HINTS.match(s)
    if hints is not None:
        total = P.to_int(hints[1])
        fields = {k: P.to_int(v) for k, v in P.NGRAM_FIELD.findall(hints["rest"])}
        if total is not None:
            log.ngram_hints = NgramHints(
                total=total,
                gated=fields.get("gated"),
                token_gate=fields.get("token_gate"),
                within_gate=fields.get("within_gate"),
                word_gate=fields.get("word_gate"),
                agree2plus=fields.get("agree2plus"),
                line=n,
                text=text,
            )
        return
    pre = P.NGRAM_PRECOMPUTE.match(s)
    elapsed = P.to_float(pre["s"]) if pre is not None else None
    if pre is not None and elapsed is not None:
        log.ngram_precompute.append(
            NgramPrecompute(
                elapsed_s=elapsed,
                outside_timer=pre["outside"] is not None,
                total_targets=P.to_int(pre["n"]),
                line=n,
                text=text,
            )
        )
    _on_other(acc, s, n)


def _float_fact(regex: re.Pattern[str], attr: str) -> Handler:
    """A handler storing group 1 of `regex` as a float `At` on the ParsedLog attribute `attr`."""

    def handle(acc: _Acc, s: str, n: int) -> None:
        m = regex.match(s)
        value = P.to_float(m[1]) if m is not None else None
        if value is not None:
            setattr(acc.log, attr, At(value=value, line=n, text=_clip(s)))

    return handle


def _on_ttt_phased(acc: _Acc, s: str, n: int) -> None:
    m = P.TTT_PHASED_DOCS.match(s)
    docs = P.to_int(m[1]) if m is not None else None
    if docs is not None:
        acc.log.ttt_phased_total_docs = At(value=docs, line=n, text=_clip(s))


def _on_world_size(acc: _Acc, s: str, n: int) -> None:
    m = P.WORLD_SIZE.match(s)
    if m is None:
        return
    ws, ga = P.to_int(m[1]), P.to_int(m[2])
    if ws is not None:
        acc.log.world_size = At(value=ws, line=n, text=_clip(s))
    if ga is not None:
        acc.log.grad_accum_steps = At(value=ga, line=n, text=_clip(s))


def _on_seed(acc: _Acc, s: str, n: int) -> None:
    m = P.SEED_LINE.match(s)
    seed = P.to_int(m[1]) if m is not None else None
    if seed is not None:
        acc.seed_line = At(value=seed, line=n, text=_clip(s))


def _on_versions(acc: _Acc, s: str, n: int) -> None:
    m = P.PYTHON_VERSION.match(s)
    if m is not None:
        acc.log.python_version = At(value=m[1], line=n, text=_clip(s))
        return
    m = P.TORCH_VERSION.match(s)
    if m is not None:
        acc.log.torch_version = At(value=m[1], line=n, text=_clip(s))


def _on_smi(acc: _Acc, s: str, n: int) -> None:
    """nvidia-smi table rows: the header (driver / CUDA) and one row per GPU."""
    log, text = acc.log, _clip(s)
    if "Version:" in s:
        cuda, driver = P.CUDA_VERSION.search(s), P.DRIVER_VERSION.search(s)
        if cuda is not None:
            log.cuda_version = At(value=cuda[1], line=n, text=text)
        if driver is not None:
            log.driver_version = At(value=driver[1], line=n, text=text)
        return
    gpu = P.SMI_GPU.match(s)
    if gpu is not None:
        log.gpu_names.append(At(value=gpu["name"], line=n, text=text))


def _on_other(acc: _Acc, s: str, n: int) -> None:
    """Facts that can sit anywhere in a line rather than at its start."""
    if "max_wallclock_seconds" in s:
        m = P.MAX_WALLCLOCK.search(s)
        value = P.to_float(m[1]) if m is not None else None
        if value is not None:
            acc.log.max_wallclock_seconds = At(value=value, line=n, text=_clip(s))
    if P.PRECOMPUTE_EXCLUDED in s:
        acc.log.ngram_precompute_excluded = At(value=P.PRECOMPUTE_EXCLUDED, line=n, text=_clip(s))


_HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("stopping_early:", _on_stop),
    ("Total submission size", _on_size),
    ("Serialized model", _on_size),
    ("Code size", _on_size),
    ("train_shards:", _on_data),
    ("train_loader:dataset:", _on_data),
    ("data: ", _on_data),
    ("val_tokens:", _on_data),
    ("val_loader:shards", _on_data),
    ("gptq:", _on_gptq),
    ("GPTQ:", _on_gptq),
    ("total_eval_time:", _float_fact(P.TOTAL_EVAL_TIME, "total_eval_time_s")),
    ("ttt_lora:compile warmup done", _float_fact(P.TTT_COMPILE, "ttt_compile_warmup_s")),
    ("ngram_tilt:", _on_ngram),
    ("ttt_phased:", _on_ttt_phased),
    ("world_size:", _on_world_size),
    ("seed:", _on_seed),
    ("Running Py", _on_versions),
    ("Python ", _on_versions),
    ("PyTorch ", _on_versions),
    ("|", _on_smi),
    ("serialize_wallclock:", _float_fact(P.SERIALIZE_WALL, "serialize_wallclock_s")),
    ("artifact_production_wallclock:", _float_fact(P.ARTIFACT_WALL, "artifact_production_wallclock_s")),
)

_BY_FIRST: dict[str, tuple[tuple[str, Handler], ...]] = {
    first: tuple(h for h in _HANDLERS if h[0][0] == first) for first in {p[0] for p, _ in _HANDLERS}
}


# --- resolution after the last line ---------------------------------------------------------


def _finish(acc: _Acc, regions: Regions, text: str) -> None:
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
    _add_notes(acc, regions, text)


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


def _resolve_seed(acc: _Acc) -> None:
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


def _add_notes(acc: _Acc, regions: Regions, text: str) -> None:
    notes = acc.log.notes
    if acc.stop_note is not None:
        notes.append(acc.stop_note)
    if len(regions.dumps) > 1:
        spans = ", ".join(f"{a + 1}-{b + 1}" for a, b in regions.dumps[:MAX_LISTED])
        more = ", ..." if len(regions.dumps) > MAX_LISTED else ""
        notes.append(f"{len(regions.dumps)} source dumps (concatenated runs?) skipped at lines {spans}{more}")
    if acc.long_lines:
        notes.append(f"{acc.long_lines} lines over {P.MAX_MATCH_LINE} characters were not matched")
    if "\ufffd" in text:
        notes.append("contains U+FFFD replacement characters (bytes that were not valid UTF-8)")
    if "\x00" in text:
        notes.append("contains NUL characters (binary data inside the log)")
