"""Metric lines (`<label> val_loss:X val_bpb:Y`) and the train / val curves of step lines."""

from __future__ import annotations

from pgolf.logs import patterns as P
from pgolf.logs.accumulator import Acc, clip
from pgolf.logs.marks import note_step
from pgolf.logs.model import CurvePoint, MetricLine


def on_metric(acc: Acc, s: str, n: int) -> bool:
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


def _add_metric(acc: Acc, label: str, loss_text: str, bpb_text: str, *, eval_ms: float | None, s: str, n: int) -> None:
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
            text=clip(s),
            diagnostic=P.DIAGNOSTIC_LABEL.match(label) is not None,
            disputed=P.DISPUTED_LABEL.search(label) is not None,
        )
    )


def on_old_step(acc: Acc, s: str, n: int) -> None:
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
    acc.log.planned_steps = total
    target.append(CurvePoint(step=step, train_time_ms=train_ms, loss=loss, val_bpb=val_bpb))
    note_step(acc, n, step, total, validation=target is acc.log.val_curve)


def on_new_step(acc: Acc, s: str, n: int) -> None:
    """`N/M train_loss: X train_time: X.Xm tok/s: N` (minutes) and `N/M val_loss: X val_bpb: Y`."""
    train = P.NEW_TRAIN_STEP.match(s)
    m = train or P.NEW_VAL_STEP.match(s)
    if m is None:
        return
    step, total, loss = P.to_int(m[1]), P.to_int(m[2]), P.to_float(m[3])
    if total is not None:
        acc.log.planned_steps = total
    if step is None or loss is None:
        return
    if train is not None:
        minutes = P.to_float(m[4])
        train_ms = minutes * 60_000 if minutes is not None else None
        acc.log.train_curve.append(CurvePoint(step=step, train_time_ms=train_ms, loss=loss))
    else:
        acc.log.val_curve.append(CurvePoint(step=step, train_time_ms=None, loss=loss, val_bpb=P.to_float(m[4])))
    note_step(acc, n, step, total, validation=train is None)
