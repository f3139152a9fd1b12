"""Training on validation data: when it happens relative to scoring, as typed facts.

Every backward() on a validation-derived loss (that an optimizer step follows) is classified once
(`UpdateKind`); the PG405-PG409/PG412 checks decide what each kind breaks:
- inside the training loop (a loop that also trains on training data);
- score-first: a score came first in the same iteration of a loop around it; `epoch_loop` is set
  when a loop around it then repeats over the same tokens (they are scored again);
- in a compile warm-up, on state that is discarded afterwards or kept;
- on a per-window tensor created in the loop, scored after optimizing;
- before a score of the same loop iteration (possibly on the previous, scored chunk);
- before the artifact is written (quantization/serialization);
- after it, followed by scoring of tokens not scored before, or of tokens scored before.
A score in a later pass after a score-first adaptation of the same model is a `Rescore`; reads of
training data inside a scoring loop, and scores computed from training data, are `TrainRead`s.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from enum import StrEnum

from pgolf.audit import labels as L
from pgolf.audit.analysis import Analysis, PathState
from pgolf.audit.astutil import dotted, names_in
from pgolf.audit.kinds import EventKind
from pgolf.audit.roles import LoopKey, Roles, exclusive, frame_prefix
from pgolf.audit.trace import TraceEvent
from pgolf.findings import Location

_CONTEXT_ONLY = re.compile(r"ctx|context|prefix|already|prev", re.I)


def _value_names(node: ast.expr) -> set[str]:
    """Names an expression passes as values (a called name such as `probe(x)` is not passed on)."""
    callees = {id(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in callees}


class UpdateKind(StrEnum):
    IN_TRAINING = "in_training"
    SCORE_FIRST = "score_first"
    WARMUP_DISCARDED = "warmup_discarded"  # a warm-up on state it then discards (a probe, a restored copy)
    WARMUP_KEPT = "warmup_kept"  # a warm-up that trains the scored model and never restores it
    SLOT = "slot"
    BEFORE_SCORE = "before_score"  # before the score of the same loop iteration
    PREVIOUS_CHUNK = "previous_chunk"  # the same, guarded as training on the previous (scored) chunk
    PREQUANT = "prequant"  # before the artifact is quantized/serialized
    BEFORE_LATER_SCORE = "before_later_score"  # after the artifact, on tokens scored only afterwards
    RESCORED = "rescored"  # after the artifact, on tokens scored before and scored again afterwards


@dataclass(frozen=True)
class ValUpdate:
    """A backward()/step() on a loss computed from validation tokens."""

    at: Location
    function: str
    kind: UpdateKind
    path: PathState
    score_line: int | None = None  # the score it precedes (or that follows it)
    slot_line: int | None = None  # SLOT: where the per-window tensor is created
    context_only: bool = False  # SLOT: the loss looks context-only (open question B.2)
    cover: str | None = None  # SCORE_FIRST: the function whose loop scores first
    epoch_loop: int | None = None  # SCORE_FIRST: a loop at this line repeats over the same tokens


@dataclass(frozen=True)
class Rescore:
    """A score that runs after a score-first adaptation of the same model, in another pass."""

    at: Location
    adapter: str
    path: PathState


class TrainReadKind(StrEnum):
    IN_SCORING_LOOP = "in_scoring_loop"  # training data read inside a scoring loop iteration
    SCORE_FROM_TRAIN = "score_from_train"  # the score is computed with training-derived values


@dataclass(frozen=True)
class TrainRead:
    at: Location
    function: str
    kind: TrainReadKind
    path: PathState


@dataclass
class TTTFacts:
    updates: list[ValUpdate] = field(default_factory=list)
    rescores: list[Rescore] = field(default_factory=list)
    train_reads: list[TrainRead] = field(default_factory=list)


def ttt_facts(a: Analysis) -> TTTFacts:
    cached = a.cache.get("ttt")
    if isinstance(cached, TTTFacts):
        return cached
    facts = _Classifier(a).run()
    a.cache["ttt"] = facts
    return facts


def roles(a: Analysis) -> Roles:
    cached = a.cache.get("roles")
    if isinstance(cached, Roles):
        return cached
    r = Roles(a)
    a.cache["roles"] = r
    return r


class _Classifier:
    def __init__(self, a: Analysis) -> None:
        self.a = a
        self.r = roles(a)
        self.out = TTTFacts()

    def run(self) -> TTTFacts:
        for upd in sorted(self.r.val_updates, key=lambda e: (e.dormant, not e.reached, e.seq)):
            self._classify(upd)
        self._rescoring()
        self._train_at_eval()
        return self.out

    def _update(
        self,
        u: TraceEvent,
        kind: UpdateKind,
        *,
        score_line: int | None = None,
        slot_line: int | None = None,
        context_only: bool = False,
        cover: str | None = None,
        epoch_loop: int | None = None,
    ) -> None:
        at = self.a.location(u.fid, u.event.node)
        self.out.updates.append(
            ValUpdate(
                at,
                self._fname(u),
                kind,
                self.a.path_of(u),
                score_line=score_line,
                slot_line=slot_line,
                context_only=context_only,
                cover=cover,
                epoch_loop=epoch_loop,
            )
        )

    def _fname(self, ev: TraceEvent) -> str:
        return self.a.name_of(ev.fid)

    def _classify(self, u: TraceEvent) -> None:
        if self.r.in_training_loop(u) or (not self.r.train_updates and self.r.before_artifact(u)):
            self._update(u, UpdateKind.IN_TRAINING)
            return
        cover = self.r.covering_loop(u)
        if cover is not None:
            self._score_first(u, cover)
            return
        if self.r.is_warmup(u):
            discarded = self._side_model(u) or self._restored_after(u)
            self._update(u, UpdateKind.WARMUP_DISCARDED if discarded else UpdateKind.WARMUP_KEPT)
            return
        if self.r.before_artifact(u):  # phase first (D15): before the artifact is quantized or serialized
            self._update(u, UpdateKind.PREQUANT)
            return
        later = self.r.later_scores_in_loop(u)
        if later is not None:
            self._update_before_score(u, *later)
            return
        self._late_update(u)

    def _score_first(self, u: TraceEvent, cover: LoopKey) -> None:
        epoch_loop = None
        for loop in u.loop_path():
            if self._repeats_data(loop) and any(self.r.same_iteration(s, u, loop) for s in self.r.scores):
                epoch_loop = self.a.flow.facts[loop[0]].loops[loop[1]].node.lineno
                break
        self._update(u, UpdateKind.SCORE_FIRST, cover=self.a.name_of(cover[0]), epoch_loop=epoch_loop)

    def _update_before_score(self, u: TraceEvent, loop: LoopKey, score: TraceEvent) -> None:
        slot = self._slot_param(u, loop)
        if slot is not None:
            context_only = bool(_CONTEXT_ONLY.search(self._loss_text(u)))
            self._update(
                u, UpdateKind.SLOT, score_line=score.event.line, slot_line=slot.event.line, context_only=context_only
            )
            return
        kind = UpdateKind.PREVIOUS_CHUNK if self._previous_chunk_guard(u, loop) else UpdateKind.BEFORE_SCORE
        self._update(u, kind, score_line=score.event.line)

    def _late_update(self, u: TraceEvent) -> None:
        scores = [s for s in self.r.scores if not exclusive(s, u)]  # a score on the other side of an `if`
        later = [s for s in scores if s.seq > u.seq]
        if not later or self._side_model(u):
            return
        earlier = [s for s in scores if s.seq < u.seq and s.seq > self.r.artifact_seq]
        kind = UpdateKind.RESCORED if earlier else UpdateKind.BEFORE_LATER_SCORE
        self._update(u, kind, score_line=later[0].event.line)

    # ----- helpers --------------------------------------------------------------------------------
    def _restored_after(self, u: TraceEvent) -> bool:
        """A load_state_dict(...) after the update in the same function restores the weights."""
        func = self.a.program.funcs[u.fid].node
        return any(
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "load_state_dict"
            and n.lineno > u.event.line
            for n in ast.walk(func)
        )

    def _side_model(self, u: TraceEvent) -> bool:
        """The optimizer trains a module built in this function and never handed back (a probe)."""
        func = self.a.program.funcs[u.fid].node
        roots = set()
        for ev in self.a.flow.facts[u.fid].events:
            if ev.kind is EventKind.OPT_CTOR and isinstance(ev.node, ast.Call) and ev.node.args:
                roots |= names_in(ev.node.args[0])
        for s in ast.walk(func):  # `opt = build_optimizer(adapter, lr)`: a helper builds it over its first argument
            call = s.value if isinstance(s, ast.Assign) else None
            if (
                isinstance(call, ast.Call)
                and call.args
                and self._user_call(u.fid, call)
                and self.a.labels_of(u.fid, call) & L.OPT
            ):
                roots |= _value_names(call.args[0])
        if not roots:
            return False
        returned = {
            n for r in ast.walk(func) if isinstance(r, ast.Return) and r.value is not None for n in names_in(r.value)
        }
        built = {
            t.id
            for s in ast.walk(func)
            if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)
            for t in s.targets
            if isinstance(t, ast.Name)
        }
        stored = {
            n
            for s in ast.walk(func)
            if isinstance(s, ast.Assign) and any(isinstance(t, ast.Attribute) for t in s.targets)
            for n in names_in(s.value)
        }
        passed_on = {
            n
            for c in ast.walk(func)
            if isinstance(c, ast.Call) and c.lineno > u.event.line
            for arg in [*c.args, *(k.value for k in c.keywords)]
            for n in _value_names(arg)
        }
        local = roots & built
        return bool(local) and not local & (returned | stored | passed_on)

    def _repeats_data(self, loop: LoopKey) -> bool:
        """A `for _ in range(epochs)` whose variable never feeds a subscript or a user call."""
        fid, lid = loop
        info = self.a.flow.facts[fid].loops.get(lid)
        if info is None or not isinstance(info.node, ast.For):
            return False
        node = info.node
        if not (isinstance(node.iter, ast.Call) and dotted(node.iter.func) == "range"):
            return False
        derived = set(info.targets) - {"_"}
        if not derived:
            return True
        for stmt in ast.walk(node):
            if isinstance(stmt, ast.Assign) and names_in(stmt.value) & derived:
                derived |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Subscript) and names_in(sub.slice) & derived:
                return False
            if isinstance(sub, ast.Call) and not isinstance(sub.func, ast.Attribute | ast.Name):
                continue
            if isinstance(sub, ast.Call) and self._user_call(fid, sub) and any(names_in(x) & derived for x in sub.args):
                return False
        return True

    def _user_call(self, fid: int, node: ast.Call) -> bool:
        return any(c.node is node and c.resolved for c in self.a.flow.facts[fid].calls)

    def _slot_param(self, u: TraceEvent, loop: LoopKey) -> TraceEvent | None:
        for g in self.a.trace.of_kind(EventKind.GRAD_PARAM):
            if g.seq < u.seq and self.r.same_iteration(g, u, loop) and not self._toggles_existing(g):
                return g
        return None

    def _toggles_existing(self, g: TraceEvent) -> bool:
        """`for p in params: p.requires_grad_(True)`: the model's own parameters switched back on for an
        adaptation, not a tensor created for the window (a per-window delta is made in the loop)."""
        node = g.event.node
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return False
        recv = node.func.value
        if node.func.attr != "requires_grad_" or not isinstance(recv, ast.Name):
            return False
        func = self.a.program.funcs[g.fid].node
        return any(
            isinstance(loop, ast.For)
            and not isinstance(loop.iter, ast.Tuple | ast.List)  # `for t in (delta, bias)`: tensors made here
            and recv.id in names_in(loop.target)
            and any(n is node for n in ast.walk(loop))
            for loop in ast.walk(func)
        )

    def _previous_chunk_guard(self, u: TraceEvent, loop: LoopKey) -> bool:
        info = self.a.flow.facts[loop[0]].loops.get(loop[1])
        targets = set(info.targets) if info else set()
        for test, _pol in u.event.guards:
            text = ast.unparse(test)
            if "prev" in text.lower() or (names_in(test) & targets and re.search(r">\s*0|>=\s*1|!=\s*0", text)):
                return True
        return False

    def _loss_text(self, u: TraceEvent) -> str:
        node = u.event.node
        recv = node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
        if not isinstance(recv, ast.Name):
            return ast.unparse(recv) if recv is not None else ""
        func = self.a.program.funcs[u.fid].node
        texts = [
            ast.unparse(s.value)
            for s in ast.walk(func)
            if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == recv.id for t in s.targets)
        ]
        return " ".join(texts)

    # ----- passes after a score-first adaptation ---------------------------------------------------
    def _rescoring(self) -> None:
        for u in self.r.val_updates:
            cover = self.r.covering_loop(u)
            if cover is None or self._side_model(u):
                continue  # an adapter built and dropped inside the pass leaves later passes untouched
            owner = frame_prefix(u, cover[0])
            for s in self.r.scores:
                if s.seq <= u.seq or exclusive(u, s) or frame_prefix(s, cover[0]) == owner:
                    continue
                if not self._diverged_model(u, s):
                    at = self.a.location(s.fid, s.event.node)
                    self.out.rescores.append(Rescore(at, self.a.name_of(cover[0]), self.a.path_of(s)))
                    break

    def _diverged_model(self, u: TraceEvent, s: TraceEvent) -> bool:
        """True when the later pass is given a different model object than the adapting pass."""
        k = 0
        while k < min(len(u.stack), len(s.stack)) and u.stack[k] == s.stack[k]:
            k += 1
        if k >= len(u.stack) or k >= len(s.stack):
            return False
        cu, cs = u.stack[k].call, s.stack[k].call
        if cu is None or cs is None:
            return False
        models_u, models_s = self._model_args(cu.node), self._model_args(cs.node)
        return bool(models_u and models_s and not models_u & models_s)

    def _model_args(self, node: ast.Call) -> set[str]:
        return {
            dotted(a)
            for a in [*node.args, *(k.value for k in node.keywords)]
            if isinstance(a, ast.Name) and "model" in a.id.lower()
        }

    # ----- training data at evaluation --------------------------------------------------------------
    def _train_at_eval(self) -> None:
        """Training-data reads inside a scoring loop iteration; scores computed from training data."""
        collectors = set(self.r.hessian_collectors)
        calls = list(self.a.trace.of_kind(EventKind.CALL)) if self.r.train_updates else []  # no training loop known
        for ev in calls:
            if not ev.labels & L.TRAIN or any(f.fid in collectors for f in ev.stack):
                continue
            loops = [lp for lp in ev.loop_path() if lp not in self.r.training_loops]
            if any(self.r.same_iteration(s, ev, loop) for loop in loops for s in self.r.scores):
                self._train_read(ev, TrainReadKind.IN_SCORING_LOOP)
        for s in self.r.scores:
            if s.labels & L.TRAIN:
                self._train_read(s, TrainReadKind.SCORE_FROM_TRAIN)

    def _train_read(self, ev: TraceEvent, kind: TrainReadKind) -> None:
        at = self.a.location(ev.fid, ev.event.node)
        self.out.train_reads.append(TrainRead(at, self._fname(ev), kind, self.a.path_of(ev)))
