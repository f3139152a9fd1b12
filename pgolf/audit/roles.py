"""Roles of trace events, computed once per analysis and shared by the checks.

- scores: accumulations of a validation loss (values labelled VAL and GOLD, or an accumulator of VAL
  data named like a loss), outside model classes;
- updates: backward() calls whose loss comes from validation (`val_updates`) or training data, that an
  optimizer step follows in the same call path;
- the artifact boundary: the first save/quantization after the last training update;
- coverage: an update is "score-first" when, in one iteration of some loop around it, a score of the
  same loop came before it (the #549 chunk loop, the phased LoRA TTT);
- Hessian collections: functions that register forward hooks accumulating X^T X (or accumulate it
  directly), with the labels of the data their forward passes read, resolved per call path.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property

from pgolf.audit import labels as L
from pgolf.audit.analysis import Analysis
from pgolf.audit.astutil import dotted
from pgolf.audit.kinds import EventKind, FuncKind
from pgolf.audit.trace import TraceEvent

ACCUMULATOR = re.compile(r"(^|_)(loss|nll|bpb|bits|logp|logprob|xent|ce|neglogp|nats)(_|$|sum|es)", re.I)
ARTIFACT_CALL = re.compile(r"quantiz|serializ|gptq_|_gptq|compress|export_model|save_model|pack_model", re.I)
NOT_SCORING = re.compile(r"quantiz|gptq|hessian|calib|serializ|compress", re.I)  # accumulations there are not scores
WARMUP = re.compile(r"warm(ing)?[_ -]?up", re.I)

LoopKey = tuple[int, int]  # (fid, loop id)


def frame_prefix(ev: TraceEvent, fid: int) -> tuple[object, ...] | None:
    """The call stack up to and including the innermost frame of `fid` (None if not on the stack)."""
    for i in range(len(ev.stack) - 1, -1, -1):
        if ev.stack[i].fid == fid:
            return ev.stack[: i + 1]
    return None


def exclusive(a: TraceEvent, b: TraceEvent, *, within: LoopKey | None = None) -> bool:
    """At most one of the two events runs (in one iteration of `within`, else in the whole run): where
    their call paths part, they sit on opposite sides of one `if` test (then/else, an `elif` chain,
    `if t: ...; return` and the statements after it).

    A loop that re-enters the parting site (around it there, or around a call that leads to it) may
    take one side in one pass and the other side in the next: inside `within` (or anywhere, without
    it) such a loop means "both may run".
    """
    k = 0
    while k < min(len(a.stack), len(b.stack)) and a.stack[k] == b.stack[k]:
        k += 1
    if k == 0:
        return False  # different roots: nothing orders them
    site_a = (a.stack[k].guards, a.stack[k].loops) if k < len(a.stack) else (a.event.guards, a.event.loops)
    site_b = (b.stack[k].guards, b.stack[k].loops) if k < len(b.stack) else (b.event.guards, b.event.loops)
    parting = a.stack[k - 1].fid
    repeats = [(a.stack[i - 1].fid, lid) for i in range(1, k) for lid in a.stack[i].loops]
    shared = 0
    while shared < min(len(site_a[1]), len(site_b[1])) and site_a[1][shared] == site_b[1][shared]:
        shared += 1
    repeats += [(parting, lid) for lid in site_a[1][:shared]]
    if within in repeats:
        repeats = repeats[repeats.index(within) + 1 :]
    if repeats:
        return False
    polarity = {id(test): pol for test, pol in site_a[0]}
    return any(id(test) in polarity and polarity[id(test)] is not pol for test, pol in site_b[0])


@dataclass
class Roles:
    a: Analysis
    scores: list[TraceEvent] = field(default_factory=list)
    val_updates: list[TraceEvent] = field(default_factory=list)
    train_updates: list[TraceEvent] = field(default_factory=list)
    steps: list[TraceEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        model = {fid for c in self.a.program.classes.values() if c.is_module for fid in c.methods.values()}
        quant = {f.fid for f in self.a.program.funcs if NOT_SCORING.search(f.name)}
        trained = self._backpropagated()
        for ev in self.a.trace.events:
            outside = not any(f.fid in model or f.fid in quant for f in ev.stack)
            telemetry = ev.kind is EventKind.ACC and self._telemetry(ev, trained)
            if ev.kind is EventKind.ACC and ev.event.accumulates and outside and not telemetry and self._is_score(ev):
                self.scores.append(ev)
            elif ev.kind is EventKind.STEP or (ev.kind is EventKind.ACC and ev.labels & L.GRAD):
                self.steps.append(ev)
        for ev in self.a.trace.of_kind(EventKind.BACKWARD):
            if not self._stepped(ev):
                continue
            if ev.labels & L.VAL:
                self.val_updates.append(ev)
            if ev.labels & L.TRAIN:
                self.train_updates.append(ev)

    def _backpropagated(self) -> set[tuple[int, str, int]]:
        """Definitions of the losses that backward() is called on (owner fid, name, definition id)."""
        out: set[tuple[int, str, int]] = set()
        for facts in self.a.flow.facts.values():
            for ev in facts.events:
                if ev.kind is EventKind.BACKWARD and ev.value is not None:
                    out.update(ev.value.var_keys())
        return out

    @staticmethod
    def _telemetry(ev: TraceEvent, trained: set[tuple[int, str, int]]) -> bool:
        """`running_loss += loss.item()` of the very loss being back-propagated: logging, not a score (D15)."""
        value = ev.event.value
        return value is not None and bool(set(value.var_keys()) & trained)

    @staticmethod
    def _is_score(ev: TraceEvent) -> bool:
        lab = ev.labels
        if not lab & L.VAL:
            return False
        if lab & L.GRAD and not lab & L.GOLD:
            return False  # a gradient accumulated (`+= p.grad`, a gradient norm): not a score (D13)
        name = ev.event.text.rsplit(".", 1)[-1].split("[", 1)[0]
        named = bool(ACCUMULATOR.search(name)) and "train" not in name.lower()
        return bool(lab & L.GOLD) or named

    def _stepped(self, ev: TraceEvent) -> bool:
        n = len(ev.stack)
        for step in self.steps:
            m = len(step.stack)
            if step.stack[: min(n, m)] == ev.stack[: min(n, m)]:
                return True
        return False

    # ----- phases --------------------------------------------------------------------------------
    @cached_property
    def artifact(self) -> TraceEvent | None:
        """The first save or quantization after the last training update."""
        last_train = max((e.seq for e in self.train_updates if e.reached), default=0)
        for ev in self.a.trace.events:
            if ev.seq <= last_train or not ev.reached:
                continue
            if ev.kind is EventKind.SAVE or (ev.kind is EventKind.CALL and ARTIFACT_CALL.search(self._callee_name(ev))):
                return ev
        return None

    @property
    def artifact_seq(self) -> int:
        """Seq of the artifact boundary (0 when none)."""
        return self.artifact.seq if self.artifact is not None else 0

    def before_artifact(self, ev: TraceEvent) -> bool:
        """`ev` runs before the artifact is written, on a path that goes on to write it: not in a branch
        that excludes it (an eval-only `if LOAD_ARTIFACT: ...` beside the training path)."""
        return self.artifact is not None and ev.seq < self.artifact.seq and not exclusive(ev, self.artifact)

    def _callee_name(self, ev: TraceEvent) -> str:
        call = ev.event.call
        if call is None:
            return ""
        names = [self.a.program.funcs[f].name for f in call.resolved]
        return " ".join([call.method, *names])

    @cached_property
    def training_loops(self) -> set[LoopKey]:
        return {loop for ev in self.train_updates for loop in ev.loop_path()}

    def in_training_loop(self, ev: TraceEvent) -> bool:
        return any(loop in self.training_loops for loop in ev.loop_path())

    # ----- score-first coverage ------------------------------------------------------------------
    def same_iteration(self, a: TraceEvent, b: TraceEvent, loop: LoopKey) -> bool:
        fid, _ = loop
        pa, pb = frame_prefix(a, fid), frame_prefix(b, fid)
        return pa is not None and pa == pb and loop in a.loop_path() and loop in b.loop_path()

    def covering_loop(self, upd: TraceEvent) -> LoopKey | None:
        """A loop around `upd` in whose iteration a score came before the update."""
        for loop in reversed(upd.loop_path()):
            if any(s.seq < upd.seq and self.same_iteration(s, upd, loop) for s in self._alongside(upd, loop)):
                return loop
        return None

    def _alongside(self, upd: TraceEvent, loop: LoopKey) -> list[TraceEvent]:
        """Scores that can run in one iteration of `loop` with `upd` (not on the other side of an `if`)."""
        return [s for s in self.scores if not exclusive(s, upd, within=loop)]

    def later_scores_in_loop(self, upd: TraceEvent) -> tuple[LoopKey, TraceEvent] | None:
        """The innermost loop around `upd` holding a score after it in the same iteration."""
        for loop in reversed(upd.loop_path()):
            after = [s for s in self._alongside(upd, loop) if s.seq > upd.seq and self.same_iteration(s, upd, loop)]
            if after:
                return loop, after[0]
        return None

    def is_warmup(self, ev: TraceEvent) -> bool:
        """Compile warm-up context: a function, loop or nearby log message that says warm-up/compile."""
        program = self.a.program
        if any(WARMUP.search(program.funcs[f.fid].name) for f in ev.stack):
            return True
        for fid, lid in ev.loop_path():
            loop = self.a.flow.facts[fid].loops.get(lid)
            if loop is None:
                continue
            node = loop.node
            header = dotted(node.iter) + " " + dotted(node.target) if isinstance(node, ast.For | ast.AsyncFor) else ""
            if WARMUP.search(header) or any(WARMUP.search(t) for t in loop.targets):
                return True
            if self._warm_message_before(fid, node.lineno):
                return True
        return False

    def _warm_message_before(self, fid: int, line: int) -> bool:
        src = self.a.program.source(fid)
        lo = max(1, line - 12)
        return any(WARMUP.search(text) and ("log" in text or "print" in text) for text in src.lines[lo - 1 : line - 1])

    # ----- Hessian collection --------------------------------------------------------------------
    @cached_property
    def hessian_collectors(self) -> dict[int, ast.AST]:
        """fid -> the hook registration or X^T X node that makes it a Hessian collector."""
        xtx_funcs = {
            fid for fid, facts in self.a.flow.facts.items() if any(e.kind is EventKind.XTX for e in facts.events)
        }
        factories = {fid for fid in xtx_funcs for fid in self._enclosing(fid)}
        out: dict[int, ast.AST] = {}
        for fid, facts in self.a.flow.facts.items():
            info = self.a.program.funcs[fid]
            if info.kind is not FuncKind.FUNCTION:
                continue
            for ev in facts.events:
                if ev.kind is EventKind.HOOK and ev.value is not None:
                    hooks = set(self.a.flow.space.funcs_in(self.a.flow.concrete(ev.value.ev(self.a.flow))))
                    hooks |= set(self._called_in(ev.node, fid))
                    if hooks & (xtx_funcs | factories):
                        out.setdefault(fid, ev.node)
            if fid in xtx_funcs and re.search(r"hessian|gptq|calib", info.name, re.I):
                out.setdefault(fid, next(e.node for e in facts.events if e.kind is EventKind.XTX))
        return out

    def _enclosing(self, fid: int) -> list[int]:
        chain = self.a.program.scope_chain(fid)
        return [f for f in chain if self.a.program.funcs[f].kind is FuncKind.FUNCTION]

    def _called_in(self, node: ast.AST, fid: int) -> list[int]:
        found: list[int] = []
        for call in self.a.flow.facts[fid].calls:
            if any(call.node is n for n in ast.walk(node)):
                found += list(call.resolved)
        return found
