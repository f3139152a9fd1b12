"""The analysis the PG4xx checks share: gathered sources, program index, label flow, run trace.

`analyze(sources, config)` runs once per submission (CheckContext caches it). Checks ask it
questions: the labels of an expression (`labels_of`), where a node is (`location`), the ordered
events of the run (`trace`), and whether a statement is on the submitted run's path (`path`,
`path_of`: the one dormancy model every detector uses).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from enum import StrEnum

from pgolf.audit.compiler import Scanner
from pgolf.audit.config import FlagEvaluator, RunConfig
from pgolf.audit.guards import Guards
from pgolf.audit.kinds import EventKind, FuncKind
from pgolf.audit.program import Program
from pgolf.audit.ran import RanIndex
from pgolf.audit.solve import Flow
from pgolf.audit.sources import SourceFile, SourceSet
from pgolf.audit.trace import Switch, Trace, TraceBuilder, TraceEvent
from pgolf.findings import Location


class Reach(StrEnum):
    LIVE = "live"  # on the submitted run's path
    DORMANT = "dormant"  # behind a switch that is off in the submitted configuration
    UNREACHED = "unreached"  # in code the entry script's main path never calls


@dataclass(frozen=True)
class PathState:
    """Whether a finding's code runs in the submitted run, and the evidence for it."""

    reach: Reach
    switch: Location | None = None  # the `if` test that is off (DORMANT)
    ran: Location | None = None  # a log line showing a statically-off branch ran (LIVE by evidence)


LIVE = PathState(Reach.LIVE)


@dataclass
class Analysis:
    sources: SourceSet
    config: RunConfig
    program: Program
    flow: Flow
    flags: FlagEvaluator
    trace: Trace
    cache: dict[str, object] = field(default_factory=dict)  # detector results shared between checks
    _compiled: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def funcs(self) -> list[int]:
        return [f.fid for f in self.program.funcs if f.kind is FuncKind.FUNCTION]

    def source(self, fid: int) -> SourceFile:
        return self.program.source(fid)

    def location(self, fid: int, node: ast.AST | int | None) -> Location:
        line = node if isinstance(node, int) or node is None else getattr(node, "lineno", None)
        return self.program.source(fid).location(line)

    def labels_of(self, fid: int, node: ast.expr) -> int:
        """Concrete labels of an expression in function `fid` (all callers' arguments merged)."""
        recipe = self.flow.facts[fid].recipes.get(id(node))
        if recipe is None:
            key = (fid, id(node))
            if key not in self._compiled:
                scratch = Scanner(self.program, self.flow.space, fid)
                self._compiled[key] = scratch.expr(node).ev(self.flow)
            return self.flow.concrete(self._compiled[key])
        return self.flow.concrete(recipe.ev(self.flow))

    def name_of(self, fid: int) -> str:
        return self.program.funcs[fid].qualname

    def reached(self, fid: int) -> bool:
        """Called (or referenced) on some path from the entry script's module body."""
        return fid in self.reachable

    def live(self, fid: int) -> bool:
        """Reachable through call sites whose `if` guards are not switched off in the run's configuration."""
        return fid in self._closure("live", respect_flags=True)

    @property
    def reachable(self) -> set[int]:
        return self._closure("reachable", respect_flags=False)

    def _closure(self, key: str, *, respect_flags: bool) -> set[int]:
        cached = self.cache.get(key)
        if isinstance(cached, set):
            return cached
        roots = [self.program.module_fid[i] for i, f in enumerate(self.program.files) if f is self.sources.entry]
        seen = set(roots)
        work = list(seen)
        while work:
            fid = work.pop()
            for callee in self._successors(fid, respect_flags=respect_flags) - seen:
                seen.add(callee)
                work.append(callee)
        self.cache[key] = seen
        return seen

    def _successors(self, fid: int, *, respect_flags: bool) -> set[int]:
        facts = self.flow.facts[fid]
        nxt = set(facts.refs)  # functions handed around as values (hooks, callbacks) may run
        for ev in facts.events:
            if ev.kind is not EventKind.CALL or ev.call is None:
                continue
            if respect_flags and self.flags.off(fid, ev.guards) is not None:
                continue
            nxt |= ev.call.resolved
        return nxt

    # ----- the one path model ---------------------------------------------------------------------
    def path(self, fid: int, guards: Guards) -> PathState:
        """The path state of a statement of function `fid` under `guards` (guards.block_guards)."""
        if not self.reached(fid):
            return PathState(Reach.UNREACHED)
        off = self.flags.off(fid, guards)
        if off is not None:
            return PathState(Reach.DORMANT, switch=self.location(fid, off[0]))
        if not self.live(fid):
            return PathState(Reach.DORMANT, switch=self._call_switch(fid))
        ran = self.flags.overridden(fid, guards)
        return PathState(Reach.LIVE, ran=ran) if ran is not None else LIVE

    def path_of(self, ev: TraceEvent) -> PathState:
        """The path state of a trace event (resolved along its call path)."""
        if not ev.reached:
            return PathState(Reach.UNREACHED)
        return self._from_switch(ev.switch)

    def _from_switch(self, switch: Switch | None) -> PathState:
        if switch is None:
            return LIVE
        if switch.ran is not None:
            return PathState(Reach.LIVE, ran=switch.ran)
        return PathState(Reach.DORMANT, switch=self.location(switch.fid, switch.test))

    def _call_switch(self, fid: int) -> Location | None:
        """An off guard around a call into `fid` (why a reached function is not live)."""
        for caller, facts in self.flow.facts.items():
            for ev in facts.events:
                if ev.kind is EventKind.CALL and ev.call is not None and fid in ev.call.resolved:
                    off = self.flags.off(caller, ev.guards)
                    if off is not None:
                        return self.location(caller, off[0])
        return None

    @property
    def incomplete(self) -> str | None:
        """Why the analysis may have missed something (a budget ran out), else None."""
        if self.flow.exhausted:
            return "the data-flow fixpoint ran out of its budget before the labels settled"
        if self.trace.truncated:
            return "the run trace was cut at its event or call-depth budget"
        return None


def analyze(sources: SourceSet, config: RunConfig | None = None) -> Analysis | None:
    """None when there is no parsed Python code to analyse."""
    files = sources.python
    if not files:
        return None
    program = Program(files)
    flow = Flow(program)
    flow.run()
    cfg = config or RunConfig()
    flags = FlagEvaluator(program, cfg)
    flags.ran = RanIndex(program, cfg.logs, _call_sites(flow))
    entry = [i for i, f in enumerate(files) if sources.entry is not None and f is sources.entry]
    imported = [i for i, f in enumerate(files) if f.runs_as is not None and f.runs_as in sources.imported_only]
    trace = TraceBuilder(flow, flags, entry, imported).build()
    return Analysis(sources=sources, config=cfg, program=program, flow=flow, flags=flags, trace=trace)


def _call_sites(flow: Flow) -> dict[int, list[tuple[int, Guards]]]:
    """callee fid -> (caller fid, the call's guards) for every resolved call."""
    out: dict[int, list[tuple[int, Guards]]] = {}
    for fid, facts in flow.facts.items():
        for ev in facts.events:
            if ev.kind is EventKind.CALL and ev.call is not None:
                for callee in ev.call.resolved:
                    out.setdefault(callee, []).append((fid, ev.guards))
    return out
