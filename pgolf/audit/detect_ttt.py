"""Training on validation data: when it happens relative to scoring decides which rule it breaks.

Every backward() on a validation-derived loss (that an optimizer step follows) is classified once:
- inside the training loop (a loop that also trains on training data): VAL-IN-TRAINING;
- score-first: a score came first in the same iteration of a loop around it (legal TTT); a loop
  that then repeats over the same tokens (an epoch loop) scores them again: MULTI-PASS;
- in a compile warm-up: COMPILE-WARMUP (a warning: #1530 was merged with it);
- on a per-window tensor created in the loop, scored after optimizing: SLOT;
- before a score of the same loop iteration: SCORE-BEFORE-UPDATE;
- before the artifact is written (quantization/serialization): PREQUANT-TTT;
- after it, followed by scoring: SCORE-BEFORE-UPDATE, or MULTI-PASS when the tokens were scored
  before and are scored again.
A score in a later pass after a score-first adaptation of the same model is MULTI-PASS too.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field

from pgolf.audit import labels as L
from pgolf.audit.analysis import Analysis
from pgolf.audit.astutil import dotted, names_in
from pgolf.audit.kinds import EventKind
from pgolf.audit.report import CodeFinding, path_adjusted
from pgolf.audit.roles import LoopKey, Roles, frame_prefix
from pgolf.audit.trace import TraceEvent
from pgolf.findings import Location, Status

_CONTEXT_ONLY = re.compile(r"ctx|context|prefix|already|prev", re.I)


def _value_names(node: ast.expr) -> set[str]:
    """Names an expression passes as values (a called name such as `probe(x)` is not passed on)."""
    callees = {id(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in callees}


@dataclass
class TTTReport:
    findings: dict[str, list[CodeFinding]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[str, list[tuple[Location, str]]] = field(default_factory=lambda: defaultdict(list))


def ttt_report(a: Analysis) -> TTTReport:
    cached = a.cache.get("ttt")
    if isinstance(cached, TTTReport):
        return cached
    report = _Classifier(a).run()
    a.cache["ttt"] = report
    return report


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
        self.out = TTTReport()
        self._seen: set[tuple[str, int, int]] = set()

    def run(self) -> TTTReport:
        for upd in sorted(self.r.val_updates, key=lambda e: (e.dormant, not e.reached, e.seq)):
            self._classify(upd)
        self._rescoring()
        self._train_at_eval()
        return self.out

    def _add(
        self, rule: str, ev: TraceEvent, note: str, *, status: Status = Status.FAIL, certainty: str = "certain"
    ) -> None:
        key = (rule, ev.fid, ev.event.line)
        if key in self._seen:
            return
        self._seen.add(key)
        finding = CodeFinding(
            status, self.a.location(ev.fid, ev.event.node), note, "certain" if certainty == "certain" else "heuristic"
        )
        self.out.findings[rule].append(path_adjusted(finding, dormant=ev.dormant, reached=ev.reached))

    def _fname(self, ev: TraceEvent) -> str:
        return self.a.name_of(ev.fid)

    def _classify(self, u: TraceEvent) -> None:
        if self.r.in_training_loop(u) or (not self.r.train_updates and u.seq < self.r.artifact_seq):
            self._add(
                "VAL-IN-TRAINING",
                u,
                f"{self._fname(u)} back-propagates a loss computed from validation "
                "tokens in the training phase, so the model is trained on validation data",
            )
            return
        cover = self.r.covering_loop(u)
        if cover is not None:
            self._score_first(u, cover)
            return
        if self.r.is_warmup(u):
            if self._side_model(u) or self._restored_after(u):
                self._add(
                    "COMPILE-WARMUP",
                    u,
                    f"the warm-up in {self._fname(u)} runs backward()/step() on "
                    "validation tokens before the scored pass (on state it then discards; #1530 was merged "
                    "with this, open question B.5)",
                    status=Status.WARN,
                    certainty="heuristic",
                )
            else:
                self._add(
                    "COMPILE-WARMUP",
                    u,
                    f"the warm-up in {self._fname(u)} trains the scored model on "
                    "validation tokens and never restores it, so later scores see adapted weights",
                )
            return
        later = self.r.later_scores_in_loop(u)
        if later is not None:
            self._update_before_score(u, *later)
            return
        if u.seq < self.r.artifact_seq:
            self._add(
                "PREQUANT-TTT",
                u,
                f"{self._fname(u)} fine-tunes on validation tokens before the artifact is "
                "quantized and scored (pre-quantization TTT, closed in #1376)",
            )
            return
        self._late_update(u)

    def _score_first(self, u: TraceEvent, cover: LoopKey) -> None:
        self.out.notes["SCORE-BEFORE-UPDATE"].append(
            (
                self.a.location(u.fid, u.event.node),
                f"score-first: in {self.a.name_of(cover[0])}, each loop iteration scores before this update",
            )
        )
        for loop in u.loop_path():
            if self._repeats_data(loop) and any(self.r.same_iteration(s, u, loop) for s in self.r.scores):
                node = self.a.flow.facts[loop[0]].loops[loop[1]].node
                self._add(
                    "MULTI-PASS/RESCORE",
                    u,
                    f"the loop at line {node.lineno} repeats over the same "
                    "validation tokens, scoring them again after training on them (multi-epoch scoring)",
                )
                return

    def _update_before_score(self, u: TraceEvent, loop: LoopKey, score: TraceEvent) -> None:
        slot = self._slot_param(u, loop)
        if slot is not None:
            context_only = _CONTEXT_ONLY.search(self._loss_text(u))
            self._add(
                "SLOT",
                u,
                f"a per-window tensor created at line {slot.event.line} is optimized against the "
                f"window's targets, then the window is scored at line {score.event.line}"
                + (" (the loss looks context-only: open question B.2)" if context_only else ""),
                status=Status.WARN if context_only else Status.FAIL,
                certainty="heuristic" if context_only else "certain",
            )
            return
        if self._previous_chunk_guard(u, loop):
            self._add(
                "SCORE-BEFORE-UPDATE",
                u,
                f"{self._fname(u)} trains before scoring in the same loop "
                "iteration, apparently on the previous (already scored) chunk",
                status=Status.WARN,
                certainty="heuristic",
            )
            return
        self._add(
            "SCORE-BEFORE-UPDATE",
            u,
            f"{self._fname(u)} trains on validation tokens before the score at "
            f"line {score.event.line} of the same loop iteration: tokens are adapted on before being scored",
        )

    def _late_update(self, u: TraceEvent) -> None:
        later = [s for s in self.r.scores if s.seq > u.seq]
        if not later or self._side_model(u):
            return
        earlier = [s for s in self.r.scores if s.seq < u.seq and s.seq > self.r.artifact_seq]
        if earlier:
            self._add(
                "MULTI-PASS/RESCORE",
                u,
                f"{self._fname(u)} adapts on validation tokens that were already "
                f"scored, and they are scored again afterwards (line {later[0].event.line})",
            )
        else:
            self._add(
                "SCORE-BEFORE-UPDATE",
                u,
                f"{self._fname(u)} trains on validation tokens that have not been "
                f"scored yet; they are scored afterwards (line {later[0].event.line})",
            )

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
            if g.seq < u.seq and self.r.same_iteration(g, u, loop):
                return g
        return None

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
            if cover is None:
                continue
            owner = frame_prefix(u, cover[0])
            for s in self.r.scores:
                if s.seq > u.seq and frame_prefix(s, cover[0]) != owner and not self._diverged_model(u, s):
                    self._add(
                        "MULTI-PASS/RESCORE",
                        s,
                        f"this score runs after {self.a.name_of(cover[0])} adapted "
                        "the model on validation tokens: the tokens are scored a second time, and only the "
                        "first pass may be reported",
                    )
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
                self._add(
                    "TRAIN-DATA-AT-EVAL",
                    ev,
                    f"{self._fname(ev)} reads training data inside the scoring "
                    "loop; evaluation may use training data only as bits paid for in the artifact",
                )
        for s in self.r.scores:
            if s.labels & L.TRAIN:
                self._add(
                    "TRAIN-DATA-AT-EVAL",
                    s,
                    "the reported score is computed with values derived from "
                    "training data; legal only if those bits ship inside the 16 MB artifact",
                    status=Status.WARN,
                    certainty="heuristic",
                )
