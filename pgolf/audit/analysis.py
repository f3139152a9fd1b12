"""The analysis the PG4xx checks share: gathered sources, program index, label flow, run trace.

`analyze(sources, config)` runs once per submission (CheckContext caches it). Checks ask it
questions: the labels of an expression (`labels_of`), where a node is (`location`), the ordered
events of the run (`trace`), and whether a guard is off in the submitted configuration (`flags`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pgolf.audit.compiler import Scanner
from pgolf.audit.config import FlagEvaluator, RunConfig
from pgolf.audit.kinds import EventKind, FuncKind
from pgolf.audit.program import Program
from pgolf.audit.solve import Flow
from pgolf.audit.sources import SourceFile, SourceSet
from pgolf.audit.trace import Trace, TraceBuilder
from pgolf.findings import Location


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
            if respect_flags and any(self.flags.truth(fid, test) is (not pol) for test, pol in ev.guards):
                continue
            nxt |= ev.call.resolved
        return nxt


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
    entry = [i for i, f in enumerate(files) if sources.entry is not None and f is sources.entry]
    trace = TraceBuilder(flow, flags, entry).build()
    return Analysis(sources=sources, config=cfg, program=program, flow=flow, flags=flags, trace=trace)
