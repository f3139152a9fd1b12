"""Steps reached, steps planned and the stop reason of one run, read from its parsed log.

The reproduction verdict needs to know whether a seed finished the run it planned: a seed that the
wallclock cap stopped at step 10 of 60 on a loaded machine did not, whatever score it printed.
"""

from __future__ import annotations

from pgolf.logs.model import ParsedLog
from pgolf.runner.model import StopReason, TrainingProgress


def training_progress(log: ParsedLog) -> TrainingProgress:
    cap = log.max_wallclock_seconds.value if log.max_wallclock_seconds is not None else None
    if log.stop is not None:  # `stopping_early:` in every era is the script's time cap
        return TrainingProgress(
            steps_reached=log.stop.step,
            steps_planned=log.stop.total_steps,
            stop_reason=StopReason.WALLCLOCK_CAP,
            stop_line=log.stop.line,
            stop_text=log.stop.text,
            wallclock_cap_s=cap,
        )
    points = [*log.train_curve, *log.val_curve]
    last = max(points, key=lambda p: p.step, default=None)
    planned = log.planned_steps
    reached = last.step if last is not None else None
    done = reached is not None and planned is not None and reached >= planned
    return TrainingProgress(
        steps_reached=reached,
        steps_planned=planned,
        stop_reason=StopReason.ITERATIONS if done else StopReason.NOT_REPORTED,
        wallclock_cap_s=cap,
    )
