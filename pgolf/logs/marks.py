"""Phase marks: the lines where a run's phases start and end (model.PhaseMark).

Only the lines that state no other fact are read here (warmup, TTT compile start, the eval timer);
step lines report through `note_step` from the step handlers. First occurrences open a phase,
last occurrences close one, as pgolf.runner.phases expects.
"""

from __future__ import annotations

from pgolf.logs import patterns as P
from pgolf.logs.accumulator import Acc
from pgolf.logs.model import PhaseMark

FIRST_CHARS = frozenset("wlbt")  # the first characters of the lines on_mark can match


def on_mark(acc: Acc, s: str, n: int) -> None:
    marks = acc.log.phase_marks
    if s.startswith(("warmup", "loop_warmup")):
        m = P.WARMUP_LINE.match(s)
        if m is None:
            return
        marks.setdefault(PhaseMark.WARMUP_START, n)
        if m[1] is not None and m[1] == m[2]:
            marks[PhaseMark.WARMUP_END] = n
    elif s.startswith(P.TTT_COMPILE_START):
        marks.setdefault(PhaseMark.TTT_COMPILE_START, n)
    elif s.startswith(P.EVAL_TIMER_START):
        marks.setdefault(PhaseMark.EVAL_TIMER, n)


def note_step(acc: Acc, n: int, step: int, total: int | None, *, validation: bool) -> None:
    """A train-step or periodic-validation line at line n (both formats)."""
    marks = acc.log.phase_marks
    if validation:
        if step == 0:
            marks.setdefault(PhaseMark.TRAIN_START, n)
        if step == total:
            marks[PhaseMark.CAP_VAL_STEP] = n
        return
    if step <= 1:
        marks.setdefault(PhaseMark.TRAIN_START, n)
    marks[PhaseMark.LAST_TRAIN_STEP] = n
    if step == total:
        marks[PhaseMark.CAP_TRAIN_STEP] = n
