"""Lines that each state one fact: sizes, data, GPTQ, eval times, n-gram, versions, GPU rows.

`BY_FIRST` maps a line's first character to the `(prefix, handler)` pairs that can match it;
`on_other` takes the facts that can sit anywhere in a line. `read_hyperparameter_block` reads
the lines of one `Hyperparameters:` block (found by `regions.find_regions`).
"""

from __future__ import annotations

import re

from pgolf.logs import patterns as P
from pgolf.logs.accumulator import Acc, Handler, clip
from pgolf.logs.model import At, NgramHints, NgramPrecompute, ParsedLog, SizeKind, SizeLine, StopLine


def read_hyperparameter_block(acc: Acc, lines: list[str], header: int, end: int) -> None:
    """`Hyperparameters:` + `  key: value` lines, or `--- Hyperparameters ---` + `k=v k=v`."""
    hp = acc.log.hyperparameters
    for i in range(header + 1, end + 1):
        s = lines[i]
        m = P.HYPERPARAM.match(s)
        if m is not None:
            hp[m["key"]] = At(value=(m["value"] or "").strip(), line=i + 1, text=clip(s))
            continue
        for key, value in P.HYPERPARAM_PAIR.findall(s):
            hp[key] = At(value=value, line=i + 1, text=clip(s))


def _on_stop(acc: Acc, s: str, n: int) -> None:
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
    acc.log.stop = StopLine(train_time_ms=ms, step=done, total_steps=total, line=n, text=clip(s))


def _on_size(acc: Acc, s: str, n: int) -> None:
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
    acc.log.sizes.append(SizeLine(kind=kind, fmt=fmt, bytes=size, line=n, text=clip(s)))


def _on_data(acc: Acc, s: str, n: int) -> None:
    """train_shards / train_loader:dataset / data: ... / val_tokens / val_loader lines."""
    log, text = acc.log, clip(s)
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


def _on_gptq(acc: Acc, s: str, n: int) -> None:
    log, text = acc.log, clip(s)
    for source, tag in P.GPTQ_SOURCE_TAGS:
        if tag.search(s):
            log.gptq_source = At(value=source, line=n, text=text)
            break
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
    seconds = P.to_float(m[2]) if m[2] is not None else None
    if seconds is not None:
        log.gptq_hessian_seconds = At(value=seconds, line=n, text=text)


def _on_ngram(acc: Acc, s: str, n: int) -> None:
    log, text = acc.log, clip(s)
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
    on_other(acc, s, n)


def _float_fact(regex: re.Pattern[str], attr: str) -> Handler:
    """A handler storing group 1 of `regex` as a float `At` on the ParsedLog attribute `attr`."""

    def handle(acc: Acc, s: str, n: int) -> None:
        m = regex.match(s)
        value = P.to_float(m[1]) if m is not None else None
        if value is not None:
            setattr(acc.log, attr, At(value=value, line=n, text=clip(s)))

    return handle


def _on_ttt_phased(acc: Acc, s: str, n: int) -> None:
    m = P.TTT_PHASED_DOCS.match(s)
    docs = P.to_int(m[1]) if m is not None else None
    if docs is not None:
        acc.log.ttt_phased_total_docs = At(value=docs, line=n, text=clip(s))


def _on_world_size(acc: Acc, s: str, n: int) -> None:
    m = P.WORLD_SIZE.match(s)
    if m is None:
        return
    ws, ga = P.to_int(m[1]), P.to_int(m[2])
    if ws is not None:
        acc.log.world_size = At(value=ws, line=n, text=clip(s))
    if ga is not None:
        acc.log.grad_accum_steps = At(value=ga, line=n, text=clip(s))


def _on_seed(acc: Acc, s: str, n: int) -> None:
    m = P.SEED_LINE.match(s)
    seed = P.to_int(m[1]) if m is not None else None
    if seed is not None:
        acc.seed_line = At(value=seed, line=n, text=clip(s))


def _on_versions(acc: Acc, s: str, n: int) -> None:
    m = P.PYTHON_VERSION.match(s)
    if m is not None:
        acc.log.python_version = At(value=m[1], line=n, text=clip(s))
        return
    m = P.TORCH_VERSION.match(s)
    if m is not None:
        acc.log.torch_version = At(value=m[1], line=n, text=clip(s))


def _on_smi(acc: Acc, s: str, n: int) -> None:
    """nvidia-smi table rows: the header (driver / CUDA) and one row per GPU."""
    log, text = acc.log, clip(s)
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


def on_other(acc: Acc, s: str, n: int) -> None:
    """Facts that can sit anywhere in a line rather than at its start."""
    if "max_wallclock_seconds" in s:
        m = P.MAX_WALLCLOCK.search(s)
        value = P.to_float(m[1]) if m is not None else None
        if value is not None:
            acc.log.max_wallclock_seconds = At(value=value, line=n, text=clip(s))
    if P.PRECOMPUTE_EXCLUDED in s:
        acc.log.ngram_precompute_excluded = At(value=P.PRECOMPUTE_EXCLUDED, line=n, text=clip(s))
    if acc.log.eval_timer_start is None and ("timer" in s or "clock" in s) and P.EVAL_TIMER_LINE.match(s):
        acc.log.eval_timer_start = At(value=s.strip(), line=n, text=clip(s))


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

BY_FIRST: dict[str, tuple[tuple[str, Handler], ...]] = {
    first: tuple(h for h in _HANDLERS if h[0][0] == first) for first in {p[0] for p, _ in _HANDLERS}
}
