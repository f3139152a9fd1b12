"""Put our clock on the phases of one seed's output (ENVIRONMENT.md §5.3).

The lines are read by the one log parser (pgolf.logs): it finds the score, the stop line, the GPTQ,
size, TTT and eval lines and the phase marks (`ParsedLog.phase_marks`), each with its line number;
this module only looks up when each of those lines arrived. A phase starts at its opening line and
ends at its closing one; where the script states its own duration for a phase (training time, GPTQ
Hessian seconds, TTT compile warmup, eval time), the span carries it beside ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pgolf.logs.model import ParsedLog, PhaseMark, SizeKind
from pgolf.logs.parser import parse_log
from pgolf.logs.prefix import strip_prefix
from pgolf.runner.clock import seconds_between
from pgolf.runner.model import PhaseSpan, StampedLine, Timing

OUR_NOTE = "[pgolf] "

__all__ = ["OUR_NOTE", "Hit", "PhaseReport", "analyse", "strip_prefix"]


@dataclass(frozen=True)
class Hit:
    index: int  # 0-based index into the stamped lines
    t_s: float  # seconds since the seed start
    text: str  # the line, prefix stripped


@dataclass
class PhaseReport:
    """Anchors found, the spans between them, the final score line, and the script's own numbers."""

    anchors: dict[str, Hit] = field(default_factory=dict)
    final: Hit | None = None
    final_bpb: float | None = None
    final_label: str | None = None
    timing: Timing = field(default_factory=lambda: Timing(wall_s=0.0))
    parsed: ParsedLog | None = None
    parse_note: str | None = None  # why `parsed` is None

    def phase_at(self, t_s: float) -> str:
        """The phase a moment falls in: the last phase started at or before it."""
        current = "before_start"
        for name, span in sorted(self.timing.phases.items(), key=lambda item: item[1].start_s):
            if span.start_s <= t_s:
                current = name if t_s <= span.end_s else f"after_{name}"
        return current

    @property
    def train_stop_s(self) -> float | None:
        span = self.timing.phases.get("training")
        return span.end_s if span is not None else None


def parse_output(lines: Sequence[StampedLine], name: str) -> tuple[list[StampedLine], ParsedLog | None, str | None]:
    """(the program's own lines, their parse, why there is none): our notes are not the program's."""
    kept = [line for line in lines if not line.text.startswith(OUR_NOTE)]
    try:
        return kept, parse_log("\n".join(line.text.replace("\n", " ") for line in kept), name), None
    except Exception as exc:  # parse_log never raises by contract; a bug must not lose a finished run
        return kept, None, f"log parser failed: {type(exc).__name__}: {exc}"


def _anchor_lines(parsed: ParsedLog) -> dict[str, int]:
    """Anchor name -> 1-based line of the parsed output (the parser's facts and phase marks)."""
    marks = parsed.phase_marks
    found: dict[str, int | None] = {
        "warmup_start": marks.get(PhaseMark.WARMUP_START),
        "warmup_end": marks.get(PhaseMark.WARMUP_END),
        "train_start": marks.get(PhaseMark.TRAIN_START),
        "train_stop": parsed.stop.line if parsed.stop else None,
        "gptq_start": parsed.gptq_calibration.line if parsed.gptq_calibration else None,
        "gptq_end": parsed.gptq_hessians.line if parsed.gptq_hessians else None,
        "ttt_compile_start": marks.get(PhaseMark.TTT_COMPILE_START),
        "ttt_compile_end": parsed.ttt_compile_warmup_s.line if parsed.ttt_compile_warmup_s else None,
        "eval_timer": marks.get(PhaseMark.EVAL_TIMER),
        "total_eval": parsed.total_eval_time_s.line if parsed.total_eval_time_s else None,
    }
    total = parsed.size(SizeKind.TOTAL)
    found["serialize_end"] = total.line if total is not None else None
    config = [at.line for at in parsed.hyperparameters.values()]
    config += [at.line for at in (parsed.train_shards, parsed.val_tokens) if at is not None]
    found["config"] = min(config) if config else None
    # Training ends at the train-step line of the stop step when the script printed one (the stop
    # line follows the final validation, which the script's timer pauses for); at the iteration cap
    # (no stop line) at the last `N/N` train-step line, else the `N/N` validation line.
    last_train = marks.get(PhaseMark.LAST_TRAIN_STEP)
    if parsed.stop is not None:
        at_stop = bool(parsed.train_curve) and parsed.train_curve[-1].step == parsed.stop.step
        found["train_end"] = last_train if at_stop else parsed.stop.line
    else:
        found["train_end"] = marks.get(PhaseMark.CAP_TRAIN_STEP) or marks.get(PhaseMark.CAP_VAL_STEP)
    found["cap_val_step"] = marks.get(PhaseMark.CAP_VAL_STEP)
    return {key: line for key, line in found.items() if line is not None}


def _hit(kept: Sequence[StampedLine], line: int, t0_ns: int) -> Hit:
    stamped = kept[line - 1]
    return Hit(line - 1, seconds_between(t0_ns, stamped.t_ns), strip_prefix(stamped.text).strip())


def _span(
    start: Hit | float, end: Hit | float, start_name: str, end_name: str, script_s: float | None = None
) -> PhaseSpan:
    start_s = start.t_s if isinstance(start, Hit) else start
    end_s = end.t_s if isinstance(end, Hit) else end
    duration = max(0.0, end_s - start_s)
    return PhaseSpan(
        start_s=round(start_s, 6),
        end_s=round(end_s, 6),
        duration_s=round(duration, 6),
        start_anchor=start.text if isinstance(start, Hit) else start_name,
        end_anchor=end.text if isinstance(end, Hit) else end_name,
        script_s=script_s,
        delta_s=round(duration - script_s, 6) if script_s is not None else None,
    )


@dataclass(frozen=True)
class _Script:
    """The script's own figures, in seconds."""

    train: float | None = None
    gptq: float | None = None
    ttt_compile: float | None = None
    eval: float | None = None
    total_eval: float | None = None
    step_avg: float | None = None
    first_step: float | None = None  # the old format logs step 1's own time, first-call overheads included


def _script_figures(parsed: ParsedLog | None, anchors: dict[str, Hit]) -> _Script:
    if parsed is None:
        return _Script()
    if parsed.stop is not None:
        train = parsed.stop.train_time_ms / 1000
    elif "cap_val_step" in anchors and parsed.val_curve and parsed.val_curve[-1].train_time_ms is not None:
        train = parsed.val_curve[-1].train_time_ms / 1000
    else:
        train = None
    start = anchors.get("train_start")
    old_format = start is not None and start.text.startswith("step:")
    first = parsed.train_curve[0] if parsed.train_curve else None
    first_step = (
        first.train_time_ms / 1000
        if old_format and first is not None and first.step == 1 and first.train_time_ms is not None
        else None
    )
    final = parsed.final
    eval_ms = final.eval_time_ms if final is not None else None
    if eval_ms is None:
        timed = [m for m in parsed.metrics if not m.diagnostic and m.eval_time_ms is not None]
        eval_ms = timed[-1].eval_time_ms if timed else None
    return _Script(
        train=train,
        gptq=parsed.gptq_hessian_seconds.value if parsed.gptq_hessian_seconds else None,
        ttt_compile=parsed.ttt_compile_warmup_s.value if parsed.ttt_compile_warmup_s else None,
        eval=eval_ms / 1000 if eval_ms is not None else None,
        total_eval=parsed.total_eval_time_s.value if parsed.total_eval_time_s else None,
        step_avg=parsed.step_avg_ms / 1000 if parsed.step_avg_ms is not None else None,
        first_step=first_step,
    )


def _spans(
    hits: dict[str, Hit], final: Hit | None, script: _Script, launch_s: float, exit_s: float
) -> dict[str, PhaseSpan]:
    spans: dict[str, PhaseSpan] = {}
    if launch_s > 0:
        spans["setup"] = _span(0.0, launch_s, "seed start", "launch")
    # Boot runs to the first warmup or training line: model build and the first compile happen
    # after the config lines, so ending it there would leave that time in no phase.
    first_known = next((hits[k] for k in ("warmup_start", "train_start", "config") if k in hits), None)
    spans["boot"] = _span(launch_s, first_known or exit_s, "launch", "exit")
    if "warmup_start" in hits and "warmup_end" in hits:
        spans["warmup"] = _span(hits["warmup_start"], hits["warmup_end"], "", "")
    train_end = hits.get("train_end")
    if "train_start" in hits:
        spans["training"] = _span(hits["train_start"], train_end or exit_s, "", "exit", script.train)
    if "gptq_start" in hits:
        spans["gptq"] = _span(hits["gptq_start"], hits.get("gptq_end") or exit_s, "", "exit", script.gptq)
    stopped = hits.get("train_stop") or train_end  # the final validation is not serialization
    serialize_from = max(
        (h for h in (stopped, hits.get("gptq_end")) if h is not None), key=lambda h: h.t_s, default=None
    )
    if serialize_from is not None and "serialize_end" in hits:
        spans["serialization"] = _span(serialize_from, hits["serialize_end"], "", "")
    if "ttt_compile_start" in hits:
        spans["ttt_compile"] = _span(
            hits["ttt_compile_start"], hits.get("ttt_compile_end") or exit_s, "", "exit", script.ttt_compile
        )
    eval_start = hits.get("eval_timer") or hits.get("serialize_end")
    eval_end = max((h for h in (final, hits.get("total_eval")) if h is not None), key=lambda h: h.t_s, default=None)
    if eval_start is not None:
        counted = script.total_eval if script.total_eval is not None else script.eval
        spans["eval"] = _span(eval_start, eval_end or exit_s, "", "exit", counted)
    spans["teardown"] = _span(eval_end or exit_s, exit_s, "exit", "exit")
    return spans


def _external_train(hits: dict[str, Hit], script: _Script) -> float | None:
    start, end = hits.get("train_start"), hits.get("train_end")
    if start is None or end is None:
        return None
    elapsed = end.t_s - start.t_s
    if "train_loss" not in start.text:
        return elapsed  # the step-0 validation line: the script's timer starts right after it
    # The first step line prints after step 1 has run: add the script's own time for that step
    # (old format, in ms; it includes first-call overheads that a step average would miss), else
    # one step average (§5.3 a; the new format prints minutes, too coarse for one step).
    if script.first_step is not None:
        return elapsed + script.first_step
    return elapsed + script.step_avg if script.step_avg is not None else elapsed


def analyse(
    lines: Sequence[StampedLine], t0_ns: int, launch_ns: int, exit_ns: int, name: str = "output.log"
) -> PhaseReport:
    """Phase spans and external-vs-script times for one seed's output."""
    kept, parsed, note = parse_output(lines, name)
    hits = {key: _hit(kept, line, t0_ns) for key, line in (_anchor_lines(parsed) if parsed else {}).items()}
    final = _hit(kept, parsed.final.line, t0_ns) if parsed is not None and parsed.final is not None else None
    exit_s = seconds_between(t0_ns, exit_ns)
    script = _script_figures(parsed, hits)
    spans = _spans(hits, final, script, max(0.0, seconds_between(t0_ns, launch_ns)), exit_s)
    external_train = _external_train(hits, script)
    eval_start = hits.get("eval_timer") or hits.get("serialize_end")
    external_eval = final.t_s - eval_start.t_s if final is not None and eval_start is not None else None
    timing = Timing(
        wall_s=round(exit_s, 6),
        phases=spans,
        external_train_s=_round(external_train),
        external_eval_s=_round(external_eval),
        script_train_s=script.train,
        script_eval_s=script.eval,
        script_total_eval_s=script.total_eval,
        step_avg_s=script.step_avg,
        train_delta_s=_round(external_train - script.train) if external_train is not None and script.train else None,
        eval_delta_s=_round(external_eval - script.eval) if external_eval is not None and script.eval else None,
    )
    report = PhaseReport(anchors=hits, final=final, timing=timing, parsed=parsed, parse_note=note)
    if parsed is not None and parsed.final is not None:
        report.final_bpb = parsed.final.val_bpb
        report.final_label = parsed.final.label
    return report


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
