"""The run as a sequence of events: calls inlined in program order, labels resolved per call site.

Starting from the entry script's module body (`if __name__ == "__main__": main()`), every call to a
user function that can reach an interesting event is walked in place, so the trace reads like the
run: training steps, periodic validation, Hessian collection, artifact writes, diagnostic evals,
test-time training, the final score. Loop bodies appear once, in statement order; each event records
its call stack and the loops around it in every frame, and whether a statically false flag switched
it off (`dormant`). Functions the walk never reaches are walked afterwards as their own roots and
marked `reached=False`.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from pgolf.audit import labels as L
from pgolf.audit.compiler import Event
from pgolf.audit.config import FlagEvaluator
from pgolf.audit.guards import Guards
from pgolf.audit.ir import Call, R
from pgolf.audit.kinds import CallKind, EventKind, FuncKind
from pgolf.audit.labels import bits
from pgolf.audit.solve import Flow
from pgolf.findings import Location

MAX_DEPTH = 20
MAX_EVENTS = 60_000
STRONG_KINDS = frozenset(
    {
        EventKind.BACKWARD,
        EventKind.STEP,
        EventKind.HOOK,
        EventKind.XTX,
        EventKind.SAVE,
        EventKind.NET,
        EventKind.GEN,
        EventKind.GRAD_PARAM,
        EventKind.OPT_CTOR,
    }
)


@dataclass(frozen=True)
class Frame:
    fid: int
    call: Call | None  # the call site in the caller's body (None for a root)
    loops: tuple[int, ...]  # the caller's loops around that call site
    guards: Guards = ()  # the `if` tests the call site runs under in the caller (guards.py)


@dataclass(frozen=True)
class Switch:
    """Why a path is or is not taken: the `if` test that is off, or the log line showing it ran."""

    fid: int
    test: ast.expr
    ran: Location | None = None  # set: the test is statically off, but the logs show the branch ran


@dataclass
class TraceEvent:
    seq: int
    event: Event
    fid: int
    stack: tuple[Frame, ...]
    labels: int  # the event value's labels, resolved for this call path
    switch: Switch | None  # the guard on this path that is off (ran is None) or was shown to run
    reached: bool
    binding: dict[int, int] = field(default_factory=dict, repr=False)  # this path's parameter labels

    @property
    def dormant(self) -> bool:
        return self.switch is not None and self.switch.ran is None

    @property
    def kind(self) -> EventKind:
        return self.event.kind

    def loop_path(self) -> tuple[tuple[int, int], ...]:
        """(fid, loop id) for every loop around the event, outermost first, across frames."""
        path: list[tuple[int, int]] = []
        frames = self.stack
        for i, frame in enumerate(frames):
            if i + 1 < len(frames):
                path += [(frame.fid, lid) for lid in frames[i + 1].loops]
        path += [(self.fid, lid) for lid in self.event.loops]
        return tuple(path)


@dataclass
class Trace:
    events: list[TraceEvent] = field(default_factory=list)
    reached: set[int] = field(default_factory=set)
    truncated: bool = False

    def of_kind(self, *kinds: EventKind) -> Iterator[TraceEvent]:
        return (e for e in self.events if e.event.kind in kinds)


class TraceBuilder:
    def __init__(
        self, flow: Flow, flags: FlagEvaluator, entry_files: list[int], imported_files: Collection[int] = ()
    ) -> None:
        self.flow = flow
        self.p = flow.p
        self.flags = flags
        self.entry_files = entry_files
        self.imported_files = imported_files  # modules only imported: their `__main__` block never runs
        self.trace = Trace()
        self.model_methods = {fid for c in self.p.classes.values() if c.is_module for fid in c.methods.values()}
        self.eventful = self._eventful()
        self._seq = 0
        self._events_by_fid = {fid: sorted(f.events, key=lambda e: e.order) for fid, f in flow.facts.items()}

    def _interesting(self, fid: int, ev: Event) -> bool:
        in_model = fid in self.model_methods
        if ev.kind is EventKind.GRAD_PARAM:
            return not in_model and self.p.funcs[fid].name != "__init__"
        if ev.kind in STRONG_KINDS:
            return True
        if ev.kind is EventKind.ACC and ev.value is not None and not in_model:
            return bool(self.flow.concrete(ev.value.ev(self.flow)) & (L.VAL | L.ANY_GOLD | L.TRAIN))
        return False

    def _eventful(self) -> set[int]:
        """Functions that contain, or can call into, an interesting event."""
        direct = {fid for fid, facts in self.flow.facts.items() if any(self._interesting(fid, e) for e in facts.events)}
        callers: dict[int, set[int]] = {}
        for fid, facts in self.flow.facts.items():
            for call in facts.calls:
                for callee in call.resolved:
                    callers.setdefault(callee, set()).add(fid)
        out = set(direct)
        work = list(direct)
        while work:
            fid = work.pop()
            for caller in callers.get(fid, ()):
                if caller not in out:
                    out.add(caller)
                    work.append(caller)
        return out

    def build(self) -> Trace:
        roots = [self.p.module_fid[i] for i in self.entry_files]
        roots += [fid for fid in self.p.module_fid.values() if fid not in roots]
        imported = {self.p.module_fid[i] for i in self.imported_files}
        for fid in roots:
            self._walk(fid, (Frame(fid, None, ()),), {}, switch=None, reached=True, skip_main=fid in imported)
        for fid in sorted(self.eventful):
            if fid not in self.trace.reached and self.p.funcs[fid].kind is FuncKind.FUNCTION:
                self._walk(fid, (Frame(fid, None, ()),), {}, switch=None, reached=False)
        return self.trace

    def _switch(self, fid: int, ev: Event, outer: Switch | None) -> Switch | None:
        """The path's switch: an off guard wins over an outer one that only ran by evidence."""
        if outer is not None and outer.ran is None:
            return outer
        off = self.flags.off(fid, ev.guards)
        if off is not None:
            return Switch(fid, off[0])
        if outer is not None:
            return outer
        ran = self.flags.overridden(fid, ev.guards)
        if ran is not None:
            test = next(t for t, pol in ev.guards if self.flags.truth(fid, t) is (not pol))
            return Switch(fid, test, ran)
        return None

    def _walk(
        self,
        fid: int,
        stack: tuple[Frame, ...],
        binding: dict[int, int],
        *,
        switch: Switch | None,
        reached: bool,
        skip_main: bool = False,
    ) -> None:
        if reached:
            self.trace.reached.add(fid)
        for ev in self._events_by_fid[fid]:
            if self._seq >= MAX_EVENTS:
                self.trace.truncated = True
                return
            if skip_main and any(pol and _is_main_test(test) for test, pol in ev.guards):
                continue
            here = self._switch(fid, ev, switch)
            if ev.kind is EventKind.CALL and ev.call is not None:
                self._enter(fid, ev, stack, binding, switch=here, reached=reached)
            if ev.kind is EventKind.CALL or self._interesting(fid, ev):
                labels = self.resolve(ev.value.ev(self.flow), binding) if ev.value is not None else 0
                self._seq += 1
                self.trace.events.append(TraceEvent(self._seq, ev, fid, stack, labels, here, reached, binding))

    def _enter(
        self,
        fid: int,
        ev: Event,
        stack: tuple[Frame, ...],
        binding: dict[int, int],
        *,
        switch: Switch | None,
        reached: bool,
    ) -> None:
        call = ev.call
        assert call is not None
        if len(stack) >= MAX_DEPTH:
            self.trace.truncated = True
            return
        active = {f.fid for f in stack}
        for callee in self._callees(call, binding):
            if callee in active or callee not in self.eventful:
                continue
            recv = None
            if call.recv is not None and call.kind is CallKind.METHOD:
                recv = self.resolve(call.recv.ev(self.flow), binding)
            elif call.kind is CallKind.VALUE and self.p.funcs[callee].cls is not None:
                recv = self.resolve(call.recv.ev(self.flow), binding) if call.recv is not None else 0
            mapping = self.flow.map_args(callee, call, recv, lambda r: self._ev(r, binding))
            inner = dict(binding)
            for name, value in mapping.items():
                inner[self.flow.space.param(callee, name)] = value
            frame = Frame(callee, call, ev.loops, ev.guards)
            self._walk(callee, (*stack, frame), inner, switch=switch, reached=reached)

    def _callees(self, call: Call, binding: dict[int, int]) -> list[int]:
        """Per-call-site resolution: a function passed as an argument resolves to that function here."""
        if call.kind is CallKind.VALUE and call.recv is not None:
            recv = self.resolve(call.recv.ev(self.flow), binding)
            funcs = self.flow.space.funcs_in(recv)
            if funcs:
                return funcs
        return sorted(call.resolved)

    def _ev(self, recipe: R, binding: dict[int, int]) -> int:
        return self.resolve(recipe.ev(self.flow), binding)

    def resolve(self, value: int, binding: dict[int, int]) -> int:
        """Substitute this path's bindings for parameter labels; unknown ones fall back to all callers."""
        sym = value & self.flow.space.all_params
        if not sym:
            return value
        out = value & ~self.flow.space.all_params
        for bit in bits(sym):
            if bit in binding:
                out |= binding[bit]
            else:
                out |= self.flow.param_in.get(self.flow.space.param_of[bit], 0)
        return out


def _is_main_test(test: ast.expr) -> bool:
    """`__name__ == "__main__"` (either side)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides) and any(
        isinstance(x, ast.Constant) and x.value == "__main__" for x in sides
    )
