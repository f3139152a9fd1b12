"""Map timestamped output lines to the phase anchors of ENVIRONMENT.md §5.3.

The first matching line starts a phase and the next anchor ends it. Self-contained on purpose: it
needs only the handful of anchor lines, so phase times exist even when the full log parser
(pgolf.logs.parser) is absent or a crash cut the log short.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pgolf.runner.clock import seconds_between
from pgolf.runner.model import PhaseSpan, StampedLine, Timing

# ENVIRONMENT.md §3.3: epoch, ISO date, [tag] and [rankN]: prefixes.
_PREFIX = re.compile(
    r"^(?:\d{9,11}\.\d+\s+|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+"
    r"|\[[^\]]{1,40}\]:?\s*)*"
)
_METRIC = re.compile(
    r"^(?P<label>[A-Za-z_][\w\-+.() ]*?)[\s:]+(?:stride:\d+\s+)?val_loss\s*[:=]\s*(?P<loss>[0-9.]+),?"
    r"\s+val_bpb\s*[:=]\s*(?P<bpb>[0-9.]+)(?P<rest>.*)$"
)
_DIAGNOSTIC = re.compile(
    r"^(diagnostic|DIAGNOSTIC|pre-quantization|pre_quant|prequant|post-prequant|post_ema|swa_eval"
    r"|neural_only|pre_ttt|baseline)"
)
_EVAL_TIME = re.compile(r"eval_time:\s*([\d.]+)ms")
_STOP_TIME = re.compile(r"train_time:\s?(\d+)ms")
_FIRST_STEP_MS = re.compile(r"^step:1/\d+ train_loss:[\d.]+ train_time:(\d+)ms")
_STEP_AVG_OLD = re.compile(r"^step:(\d+)/\d+ train_loss:[\d.]+ train_time:\d+ms step_avg:([\d.]+)ms")
_STEP_NEW = re.compile(r"^(\d+)/\d+ train_loss: [\d.]+ train_time: ([\d.]+)m")
_TOTAL_EVAL = re.compile(r"^total_eval_time:\s*([\d.]+)s")
_STOP_STEP = re.compile(r"step:\s?(\d+)/")
_TRAIN_STEP = re.compile(r"^(?:step:)?(\d+)/\d+ train_loss")
OUR_NOTE = "[pgolf] "

Which = Literal["first", "last"]


@dataclass(frozen=True)
class Anchor:
    key: str
    pattern: re.Pattern[str]
    which: Which


ANCHORS: tuple[Anchor, ...] = (
    Anchor("config", re.compile(r"^(Hyperparameters:|train_shards:|val_tokens:|model_params:|train_loader:)"), "first"),
    Anchor("warmup_start", re.compile(r"^(warmup_cu_buckets|(loop_)?warmup_step: ?1/)"), "first"),
    Anchor("warmup_end", re.compile(r"^(loop_)?warmup_step: ?(\d+)/(\2)\b"), "last"),
    Anchor("train_start", re.compile(r"^(step:1/\d+ train_loss|1/\d+ train_loss|(step:)?0/\d+ val_loss)"), "first"),
    Anchor("train_stop", re.compile(r"^stopping_early:"), "first"),
    Anchor("last_train_step", re.compile(r"^(step:)?(\d+)/(\2) train_loss"), "last"),  # iteration cap
    Anchor("last_val_step", re.compile(r"^(step:)?(\d+)/(\2) val_loss"), "last"),
    Anchor("gptq_start", re.compile(r"^(GPTQ:collecting|gptq:)"), "first"),
    Anchor("gptq_end", re.compile(r"^GPTQ:collected \d+ Hessians"), "first"),
    Anchor("serialize_end", re.compile(r"^Total submission size [^:]+:\s*\d+ bytes"), "last"),
    Anchor("ttt_compile_start", re.compile(r"^ttt_lora:warming up compile"), "first"),
    Anchor("ttt_compile_end", re.compile(r"^ttt_lora:compile warmup done"), "first"),
    Anchor("eval_timer", re.compile(r"^beginning TTT eval timer"), "first"),
    Anchor("total_eval", _TOTAL_EVAL, "last"),
)


@dataclass(frozen=True)
class Hit:
    index: int  # 0-based line index
    t_s: float  # seconds since the seed start
    text: str


@dataclass
class PhaseReport:
    """Anchors found, the spans between them, the final score line, and the script's own numbers."""

    anchors: dict[str, Hit] = field(default_factory=dict)
    final: Hit | None = None
    final_bpb: float | None = None
    final_label: str | None = None
    timing: Timing = field(default_factory=lambda: Timing(wall_s=0.0))

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


def strip_prefix(text: str) -> str:
    return _PREFIX.sub("", text, count=1)


def _is_code(text: str) -> bool:
    # §3.3: code dumps contain format strings that would match every regex.
    return "{" in text or "log0(" in text or "log(" in text


def find_anchors(lines: Sequence[StampedLine], t0_ns: int) -> tuple[dict[str, Hit], list[Hit]]:
    """Anchor hits by key, and every non-diagnostic metric line (the score candidates), in order."""
    hits: dict[str, Hit] = {}
    metrics: list[Hit] = []
    for index, line in enumerate(lines):
        if line.text.startswith(OUR_NOTE):
            continue
        text = strip_prefix(line.text).strip()
        if not text or _is_code(text):
            continue
        hit = Hit(index, seconds_between(t0_ns, line.t_ns), text)
        for anchor in ANCHORS:
            if (anchor.which == "last" or anchor.key not in hits) and anchor.pattern.match(text):
                hits[anchor.key] = hit
        metric = _METRIC.match(text)
        if metric and not re.match(r"^(step|\d)", metric["label"]) and not _DIAGNOSTIC.match(metric["label"]):
            metrics.append(hit)
    return hits, metrics


def _span(start: Hit | float, end: Hit | float, start_name: str, end_name: str) -> PhaseSpan:
    start_s = start.t_s if isinstance(start, Hit) else start
    end_s = end.t_s if isinstance(end, Hit) else end
    return PhaseSpan(
        start_s=round(start_s, 6),
        end_s=round(end_s, 6),
        duration_s=round(max(0.0, end_s - start_s), 6),
        start_anchor=start.text if isinstance(start, Hit) else start_name,
        end_anchor=end.text if isinstance(end, Hit) else end_name,
    )


def _train_end(lines: Sequence[StampedLine], hits: dict[str, Hit], t0_ns: int) -> Hit | None:
    """When training stopped, on our clock.

    The stop line prints after the final validation, which the script's timer pauses for; the
    train-step line of the same step (scripts log the last step) is when training itself ended.
    Without a stop line the iteration cap ended it: the last `N/N train_loss` line.
    """
    stop = hits.get("train_stop")
    if stop is None:
        return hits.get("last_train_step") or hits.get("last_val_step")
    step = _STOP_STEP.search(stop.text)
    for index in range(stop.index - 1, -1, -1):
        text = strip_prefix(lines[index].text).strip()
        found = _TRAIN_STEP.match(text)
        if found:
            if step is None or found[1] != step[1]:
                break
            return Hit(index, seconds_between(t0_ns, lines[index].t_ns), text)
    return stop


def _spans(
    hits: dict[str, Hit], train_end: Hit | None, final: Hit | None, launch_s: float, exit_s: float
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
    if "train_start" in hits:
        spans["training"] = _span(hits["train_start"], train_end or exit_s, "", "exit")
    if "gptq_start" in hits:
        spans["gptq"] = _span(hits["gptq_start"], hits.get("gptq_end") or exit_s, "", "exit")
    stopped = hits.get("train_stop") or train_end  # the final validation is not serialization
    serialize_from = max(
        (h for h in (stopped, hits.get("gptq_end")) if h is not None), key=lambda h: h.t_s, default=None
    )
    if serialize_from is not None and "serialize_end" in hits:
        spans["serialization"] = _span(serialize_from, hits["serialize_end"], "", "")
    if "ttt_compile_start" in hits:
        spans["ttt_compile"] = _span(hits["ttt_compile_start"], hits.get("ttt_compile_end") or exit_s, "", "exit")
    eval_start = hits.get("eval_timer") or hits.get("serialize_end")
    eval_end = max((h for h in (final, hits.get("total_eval")) if h is not None), key=lambda h: h.t_s, default=None)
    if eval_start is not None:
        spans["eval"] = _span(eval_start, eval_end or exit_s, "", "exit")
    spans["teardown"] = _span(eval_end or exit_s, exit_s, "exit", "exit")
    return spans


def _step_avg_s(lines: Sequence[StampedLine], hits: dict[str, Hit]) -> float | None:
    """The last step average before training ended (old format prints it; new format implies it)."""
    end = hits.get("train_stop") or hits.get("last_train_step")
    stop_index = end.index if end is not None else len(lines)
    for line in reversed(lines[: stop_index + 1]):
        text = strip_prefix(line.text)
        old = _STEP_AVG_OLD.match(text)
        if old:
            return float(old[2]) / 1000
        new = _STEP_NEW.match(text)
        if new and int(new[1]) > 0:
            return float(new[2]) * 60 / int(new[1])
    return None


def _float(pattern: re.Pattern[str], hit: Hit | None, scale: float) -> float | None:
    if hit is None:
        return None
    found = pattern.search(hit.text)
    return float(found[1]) * scale if found else None


def _external_train(hits: dict[str, Hit], train_end: Hit | None, step_avg: float | None) -> float | None:
    start = hits.get("train_start")
    if start is None or train_end is None:
        return None
    elapsed = train_end.t_s - start.t_s
    if "train_loss" not in start.text:
        return elapsed
    # The first step line prints after step 1 has run: add the script's own time for that step
    # (old format, in ms; it includes first-call overheads that a step average would miss), else
    # one step average (§5.3 a; the new format prints minutes, too coarse for one step).
    first = _FIRST_STEP_MS.match(strip_prefix(start.text))
    if first is not None:
        return elapsed + float(first[1]) / 1000
    return elapsed + step_avg if step_avg is not None else elapsed


def analyse(lines: Sequence[StampedLine], t0_ns: int, launch_ns: int, exit_ns: int) -> PhaseReport:
    """Phase spans and external-vs-script times for one seed's output."""
    hits, metrics = find_anchors(lines, t0_ns)
    final = metrics[-1] if metrics else None
    exit_s = seconds_between(t0_ns, exit_ns)
    train_end = _train_end(lines, hits, t0_ns)
    spans = _spans(hits, train_end, final, max(0.0, seconds_between(t0_ns, launch_ns)), exit_s)
    step_avg = _step_avg_s(lines, hits)
    external_train = _external_train(hits, train_end, step_avg)
    eval_start = hits.get("eval_timer") or hits.get("serialize_end")
    external_eval = final.t_s - eval_start.t_s if final is not None and eval_start is not None else None
    # the stop line's train_time; at the iteration cap, the last step line's
    script_train = _float(_STOP_TIME, hits.get("train_stop") or hits.get("last_val_step") or train_end, 1 / 1000)
    timed_metric = next((m for m in reversed(metrics) if _EVAL_TIME.search(m.text)), None)
    script_eval = _float(_EVAL_TIME, timed_metric, 1 / 1000)
    timing = Timing(
        wall_s=round(exit_s, 6),
        phases=spans,
        external_train_s=_round(external_train),
        external_eval_s=_round(external_eval),
        script_train_s=script_train,
        script_eval_s=script_eval,
        script_total_eval_s=_float(_TOTAL_EVAL, hits.get("total_eval"), 1.0),
        step_avg_s=step_avg,
        train_delta_s=_round(external_train - script_train) if external_train is not None and script_train else None,
        eval_delta_s=_round(external_eval - script_eval) if external_eval is not None and script_eval else None,
    )
    report = PhaseReport(anchors=hits, final=final, timing=timing)
    metric = _METRIC.match(final.text) if final is not None else None
    if metric:
        report.final_bpb = float(metric["bpb"])
        report.final_label = metric["label"].strip()
    return report


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
