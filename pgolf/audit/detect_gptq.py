"""GPTQ calibration: which data the Hessians come from, and whether a reserve pays for them.

A Hessian collector is a function that registers forward hooks accumulating X^T X, or accumulates
X^T X itself (then the forward passes of its caller feed it). The calibration data is what those
forward passes read, resolved for each call path (`Calibration.data`), and where the code subtracts a
reserve from the wall-clock cap (`GPTQReport.reserve`). PG410 and PG411 decide on these facts.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from pgolf.audit import labels as L
from pgolf.audit.analysis import Analysis, PathState
from pgolf.audit.detect_ttt import roles
from pgolf.audit.kinds import EventKind
from pgolf.audit.trace import TraceEvent
from pgolf.findings import Location

_RESERVE = re.compile(r"reserve|gptq|calib|hessian", re.I)
_BUDGET = re.compile(r"wallclock|wall_clock|max_time|time_limit|budget|max_train|train_seconds|time_cap|max_ms", re.I)


@dataclass(frozen=True)
class Calibration:
    fid: int  # the collector
    location: Location
    data: int  # labels of the calibration tokens (VAL/TRAIN/GEN/RAND bits)
    path: PathState

    @property
    def source(self) -> str:
        kinds = [
            name
            for bit, name in (
                (L.VAL, "validation"),
                (L.TRAIN, "training"),
                (L.GEN, "self-generated"),
                (L.RAND, "random"),
            )
            if self.data & bit
        ]
        return "+".join(kinds) or "undetermined"


@dataclass
class GPTQReport:
    calibrations: list[Calibration] = field(default_factory=list)
    reserve: Location | None = None  # where the code subtracts a reserve from the wall-clock cap


def gptq_report(a: Analysis) -> GPTQReport:
    cached = a.cache.get("gptq")
    if isinstance(cached, GPTQReport):
        return cached
    report = GPTQReport(calibrations=_calibrations(a), reserve=_reserve(a))
    a.cache["gptq"] = report
    return report


def _calibrations(a: Analysis) -> list[Calibration]:
    collectors = roles(a).hessian_collectors
    if not collectors:
        return []
    hooked = {fid for fid in collectors if any(e.kind is EventKind.HOOK for e in a.flow.facts[fid].events)}
    visits: dict[tuple[object, ...], list[TraceEvent]] = {}
    for ev in a.trace.events:
        if ev.kind is EventKind.CALL and ev.stack[-1].fid in collectors:
            visits.setdefault(ev.stack, []).append(ev)
    found: list[Calibration] = []
    for stack, calls in visits.items():
        fid = stack[-1].fid  # type: ignore[attr-defined]  # a Frame
        data = 0
        for c in calls:
            data |= c.labels
        if fid not in hooked:
            data |= _caller_feed(a, stack)
        first = calls[0]
        found.append(Calibration(fid, a.location(fid, collectors[fid]), data & L.DATA, a.path_of(first)))
    visited = {stack[-1].fid for stack in visits}  # type: ignore[attr-defined]
    for fid, node in collectors.items():
        if fid not in visited:
            found.append(Calibration(fid, a.location(fid, node), _static_feed(a, fid) & L.DATA, a.path(fid, ())))
    return found


def _caller_feed(a: Analysis, stack: tuple[object, ...]) -> int:
    """Forward passes in the caller that precede the call into a direct X^T X accumulator."""
    if len(stack) < 2:
        return 0
    caller = stack[:-1]
    frame = stack[-1]
    loops = getattr(frame, "loops", ())
    out = 0
    for ev in a.trace.events:
        if ev.kind is EventKind.CALL and ev.stack == caller and ev.event.loops == loops:
            out |= ev.labels
    return out


def _static_feed(a: Analysis, fid: int) -> int:
    out = 0
    for call in a.flow.facts[fid].calls:
        for arg in call.args:
            out |= a.flow.concrete(arg.ev(a.flow))
    return out


def _reserve(a: Analysis) -> Location | None:
    """`max_wallclock_ms -= gptq_reserve_seconds * 1e3` and its variants, anywhere in the code."""
    for info in a.program.funcs:
        for sub in info.of_type(ast.BinOp, ast.AugAssign):
            pair: tuple[ast.expr, ast.expr] | None = None
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Sub):
                pair = (sub.left, sub.right)
            elif isinstance(sub, ast.AugAssign) and isinstance(sub.op, ast.Sub):
                pair = (sub.target, sub.value)
            if pair is not None and _reserve_pair(*pair) and a.flags.value(info.fid, pair[1]) not in (0, 0.0):
                return a.location(info.fid, sub)  # a reserve that is statically 0 in the run is no reserve
    return None


def _identifiers(node: ast.expr) -> str:
    return " ".join(
        n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node) if isinstance(n, ast.Name | ast.Attribute)
    )


def _reserve_pair(left: ast.expr, right: ast.expr) -> bool:
    lhs, rhs = _identifiers(left), _identifiers(right)
    return bool(_BUDGET.search(lhs) and _RESERVE.search(rhs))
