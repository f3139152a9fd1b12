"""Detectors for how a per-token probability is formed: n-gram keys, gates, normalization.

- NGRAM-TARGET-IN-KEY: a table read whose index hashes a token with its context, where the token is
  the one being scored (a loss target, or the extra token of a "full" key beside a "context" key
  read from the same hash), and whose value reaches the score. Updates (writes) with the same key
  are legal, as are hashes of input tokens (BigramHash) and keys over the whole vocabulary.
- ORACLE-GATE: min/max/compare between two probabilities or losses of the realized token that
  selects what is scored.
- PPM-ADAPTIVE-GATE: a mixture weight computed from a component's probability of the observed
  symbol.
- NORMALIZED-DISTRIBUTION (C2): gold-only count ratios, and token probabilities spread over bytes
  (p ** (1/n)) and mixed at byte level.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from pgolf.audit import labels as L
from pgolf.audit.analysis import Analysis
from pgolf.audit.astutil import dotted, last_name, names_in
from pgolf.audit.kinds import EventKind
from pgolf.audit.local import LocalFlow
from pgolf.audit.report import CodeFinding, path_adjusted
from pgolf.findings import Location, Status

_BYTE_MIX_NAMES = re.compile(r"ppm.*(mix|bpb)|mix.*bpb|score_byte|byte.*mix|mixture_bpb", re.I)
_PRIME_MIN = 1000
_BUCKETS = re.compile(r"mask|bucket|table_size|n_slots|hash_size", re.I)


@dataclass
class ScoringReport:
    findings: dict[str, list[CodeFinding]] = field(default_factory=dict)
    notes: dict[str, list[tuple[Location, str]]] = field(default_factory=dict)  # the shared report shape

    def add(self, rule: str, finding: CodeFinding) -> None:
        self.findings.setdefault(rule, []).append(finding)


def scoring_report(a: Analysis) -> ScoringReport:
    cached = a.cache.get("scoring")
    if isinstance(cached, ScoringReport):
        return cached
    report = ScoringReport()
    model = {fid for c in a.program.classes.values() if c.is_module for fid in c.methods.values()}
    for fid in a.funcs:
        if fid in model:
            continue  # inside a model: input-token hashes (BigramHash), no scoring
        _Function(a, fid, report).run()
    a.cache["scoring"] = report
    return report


class _Function:
    def __init__(self, a: Analysis, fid: int, report: ScoringReport) -> None:
        self.a = a
        self.fid = fid
        self.report = report
        self.node = a.program.funcs[fid].node
        self._local: LocalFlow | None = None

    @property
    def has_mixture(self) -> bool:
        nodes = self.a.program.funcs[self.fid].nodes
        return any(_convex_parts(n) is not None for n in nodes if isinstance(n, ast.BinOp))

    @property
    def local(self) -> LocalFlow:
        if self._local is None:
            self._local = LocalFlow.of(self.node)
        return self._local

    def labels(self, node: ast.expr) -> int:
        return self.a.labels_of(self.fid, node)

    def _add(self, rule: str, node: ast.AST, status: Status, note: str, certainty: str = "certain") -> None:
        guards = self.local.guards.get(id(node), ())
        dormant = any(self.a.flags.truth(self.fid, test) is (not pol) for test, pol in guards)
        dormant = dormant or (self.a.reached(self.fid) and not self.a.live(self.fid))
        finding = CodeFinding(
            status, self.a.location(self.fid, node), note, "certain" if certainty == "certain" else "heuristic"
        )
        self.report.add(rule, path_adjusted(finding, dormant=dormant, reached=self.a.reached(self.fid)))

    def run(self) -> None:
        reads: list[_Read] = []
        for node in self.a.program.funcs[self.fid].nodes:
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and not _is_slice(node.slice):
                reads.append(_Read(node, node.value, node.slice))
            elif isinstance(node, ast.Call):
                read = _call_read(node)
                if read is not None:
                    reads.append(read)
                self._gate_call(node)
                self._spread(node)
            elif isinstance(node, ast.If):
                self._gate_if(node)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                self._mixture(node)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
                self._spread_pow(node)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                self._spread_div(node)
        hashed = [r for r in reads if self._hashed(r.key)]
        if hashed:
            self._ngram(hashed, reads)
        if not self._byte_level_mixture():
            self._byte_mixer_name()

    # ----- NGRAM-TARGET-IN-KEY / C2 count ratios --------------------------------------------------
    def _hashed(self, key: ast.expr) -> bool:
        deps = self.local.deps(names_in(key))
        if any(
            isinstance(a.op, ast.BitXor | ast.LShift) and isinstance(a.target, ast.Name) and a.target.id in deps
            for a in self.local.augs
        ):
            return True  # h ^= tok * prime
        exprs = [key, *self.local.expressions_of(names_in(key))]
        return any(_hash_node(n) for e in exprs for n in ast.walk(e))

    def _ngram(self, hashed: list[_Read], reads: list[_Read]) -> None:
        for read in hashed:
            if self._only_updates_table(read):
                continue
            key_names = names_in(read.key)
            key_deps = self.local.deps(key_names) - key_names
            key_labels = self.labels(read.key)
            if key_labels & L.VOCAB or (key_labels & L.TRAIN and not key_labels & L.VAL):
                continue  # the whole vocabulary, or training-time statistics
            partner = self._context_partner(read, key_deps, hashed)
            strong = bool(key_labels & L.TARGET)
            if not (strong or partner is not None or key_labels & L.TARGET_POS):
                continue
            if not self.local.reaches_score(read.node, self.local.assigned_names(read.node)):
                continue
            table = dotted(read.table)
            if strong or partner is not None:
                why = (
                    f"the key of `{table}[...]` hashes the scored target token"
                    if strong
                    else f"`{table}[...]` is read with a key that adds one stream token to the context hash of "
                    f"`{dotted(partner.table) if partner else ''}[...]` (a full-n-gram key)"
                )
                self._add(
                    "NGRAM-TARGET-IN-KEY",
                    read.node,
                    Status.FAIL,
                    why + " and the count feeds the score: the target leaks into the lookup (#779)",
                )
                self._add(
                    "NORMALIZED-DISTRIBUTION",
                    read.node,
                    Status.FAIL,
                    f"the probability built from `{table}[...]` covers the realized token only, "
                    "not a distribution over the vocabulary that sums to 1",
                )
            else:
                self._add(
                    "NGRAM-TARGET-IN-KEY",
                    read.node,
                    Status.WARN,
                    f"`{table}[...]` is read with a hashed key that includes the newest token of the "
                    "stream; if that token is the one being scored, the target leaks",
                    "heuristic",
                )

    def _only_updates_table(self, read: _Read) -> bool:
        """`T[k] = T[k] + 1`: a read that only feeds a write back into the table."""
        table = dotted(read.table)
        for target, value in self.local.stores:
            if any(n is read.node for n in ast.walk(value)):
                return isinstance(target, ast.Subscript) and dotted(target.value) == table
        return False

    def _context_partner(self, read: _Read, key_deps: set[str], reads: list[_Read]) -> _Read | None:
        """Another read whose key is this key minus one token: the context count of a full key."""
        for other in reads:
            if other is read or dotted(other.table) == dotted(read.table):
                continue
            other_names = names_in(other.key)
            if not other_names:
                continue
            other_deps = self.local.deps(other_names) - other_names
            extra = key_deps - other_deps
            if not other_deps < key_deps or not extra:
                continue
            extra_labels = 0
            for name in extra:
                for value in self.local.defs.get(name, []):
                    extra_labels |= self.labels(value)
            if extra_labels & L.ANY_TARGET and not extra_labels & L.VOCAB:  # a stream token, not a candidate
                return other
        return None

    # ----- ORACLE-GATE ----------------------------------------------------------------------------
    def _gold(self, node: ast.expr) -> int:
        lab = self.labels(node)
        return lab & L.ANY_GOLD if lab & (L.VAL | L.TARGET | L.TARGET_POS) or lab & L.GOLD else 0

    def _gate_call(self, node: ast.Call) -> None:
        name = last_name(node.func)
        if name in ("min", "max", "minimum", "maximum", "fmin", "fmax") and len(node.args) == 2:
            a, b = self._gold(node.args[0]), self._gold(node.args[1])
            if a and b and self.local.reaches_score(node, self.local.assigned_names(node), accumulated_only=True):
                strong = a & L.GOLD and b & L.GOLD
                self._add(
                    "ORACLE-GATE",
                    node,
                    Status.FAIL if strong else Status.WARN,
                    f"`{name}(...)` picks between two losses/probabilities of the realized token and the "
                    "choice is scored: hindsight selection (#659)",
                    "certain" if strong else "heuristic",
                )
        elif name == "where" and len(node.args) == 3 and isinstance(node.args[0], ast.Compare):
            cmp = node.args[0]
            sides = [cmp.left, *cmp.comparators]
            if all(self._gold(s) for s in sides) and self._gold(node.args[1]) and self._gold(node.args[2]):
                self._add(
                    "ORACLE-GATE",
                    node,
                    Status.FAIL,
                    "`where(...)` keeps whichever loss of the realized token is lower: hindsight selection (#659)",
                )

    def _gate_if(self, node: ast.If) -> None:
        test = node.test
        if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
            return
        if not isinstance(test.ops[0], ast.Lt | ast.LtE | ast.Gt | ast.GtE):
            return
        left, right = self._gold(test.left), self._gold(test.comparators[0])
        if not (left and right):
            return
        scored = any(isinstance(n, ast.AugAssign) and self._gold(n.value) for stmt in node.body for n in ast.walk(stmt))
        assigned = {
            t.id
            for stmt in node.body
            for n in ast.walk(stmt)
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        if scored or (assigned and self.local.reaches_score(node.test, assigned, accumulated_only=True)):
            self._add(
                "ORACLE-GATE",
                node,
                Status.FAIL if left & right & L.GOLD else Status.WARN,
                "an `if` compares two losses/probabilities of the realized token and keeps the better one "
                "for the score: hindsight selection (#659)",
            )

    # ----- PPM-ADAPTIVE-GATE -------------------------------------------------------------------------
    def _mixture(self, node: ast.BinOp) -> None:
        parts = _convex_parts(node)
        if parts is None:
            return
        weight, comp_a, comp_b = parts
        comps = [c for c in (comp_a, comp_b) if self._gold(c)]
        if not comps or not self.local.reaches_score(node, self.local.assigned_names(node)):
            return
        w_deps = self.local.deps(names_in(weight))
        comp_names = {n for c in comps for n in names_in(c)}
        if w_deps & comp_names:
            self._add(
                "PPM-ADAPTIVE-GATE",
                node,
                Status.FAIL,
                f"the mixture weight `{dotted(weight)}` is "
                "computed from a component's probability of the observed symbol (#1785)",
            )
            return
        if self.labels(weight) & L.GOLD:
            self._add(
                "PPM-ADAPTIVE-GATE",
                node,
                Status.FAIL,
                f"the mixture weight `{dotted(weight)}` depends on the probability of the observed token",
            )

    # ----- C2: byte-level spreading of token probabilities -------------------------------------------
    def _spread_pow(self, node: ast.BinOp) -> None:
        if _reciprocal(node.right) and self._gold(node.left):
            self._spread_found(node)

    def _spread_div(self, node: ast.BinOp) -> None:
        """`token_logp / n_bytes` per token, mixed at byte level afterwards."""
        if not re.search(r"byte", dotted(node.right), re.I) or not self._gold(node.left):
            return
        if self.has_mixture:
            self._spread_found(node)

    def _spread(self, node: ast.Call) -> None:
        pow_call = last_name(node.func) == "pow" and len(node.args) == 2 and _reciprocal(node.args[1])
        if pow_call and self._gold(node.args[0]):
            self._spread_found(node)

    def _spread_found(self, node: ast.AST) -> None:
        mixed = self.has_mixture
        status = Status.FAIL if mixed else Status.WARN
        self._add(
            "NORMALIZED-DISTRIBUTION",
            node,
            status,
            "a token probability is spread over its bytes "
            "(p ** (1/n))"
            + (
                " and mixed at byte level with another model: the mixed per-byte "
                "probabilities do not form one distribution over the token alphabet (#1872, #1902)"
                if mixed
                else "; byte-level scoring of a token model needs a proof that it stays normalized"
            ),
            "certain" if mixed else "heuristic",
        )

    def _byte_level_mixture(self) -> bool:
        """A loop over a byte stream that mixes two probabilities and accumulates the log: PPM-D style."""
        for node in self.a.program.funcs[self.fid].nodes:
            if not isinstance(node, ast.For) or not _byte_iteration(node.iter):
                continue
            for sub in ast.walk(node):
                if not isinstance(sub, ast.BinOp):
                    continue
                parts = _convex_parts(sub)
                if parts is None or not self.local.reaches_score(sub, self.local.assigned_names(sub)):
                    continue
                if not any(self._gold(c) for c in parts[1:]):
                    continue
                self._add(
                    "NORMALIZED-DISTRIBUTION",
                    sub,
                    Status.FAIL,
                    "probabilities are mixed and scored per byte: a byte-level mixture does not give one "
                    "distribution over the token alphabet that sums to 1 (the PPM-D cluster excluded as C2 in "
                    "#1902; a marginalized variant is open question B.12)",
                )
                return True
        return False

    def _byte_mixer_name(self) -> None:
        info = self.a.program.funcs[self.fid]
        if _BYTE_MIX_NAMES.search(info.name) and any(
            e.kind is EventKind.ACC for e in self.a.flow.facts[self.fid].events
        ):
            self._add(
                "NORMALIZED-DISTRIBUTION",
                self.node,
                Status.WARN,
                f"{info.name} looks like a byte-level mixture scorer (PPM/byte mixtures were excluded as C2 in #1902)",
                "heuristic",
            )


@dataclass(frozen=True)
class _Read:
    """A table read: `table[key]`, `table.get(key)`, `table.gather(0, key)`, `table.take(key)`."""

    node: ast.expr
    table: ast.expr
    key: ast.expr


def _call_read(node: ast.Call) -> _Read | None:
    func = node.func
    if not isinstance(func, ast.Attribute) or not node.args:
        return None
    if func.attr in ("get", "take", "__getitem__"):
        return _Read(node, func.value, node.args[0])
    if func.attr in ("gather", "index_select") and len(node.args) >= 2:
        return _Read(node, func.value, node.args[1])
    return None


def _byte_iteration(node: ast.expr) -> bool:
    """The loop walks a byte sequence: `byte` in a name, or .encode()/bytes()/bytearray() in the iterable."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name | ast.Attribute) and "byte" in last_name(sub).lower():
            return True
        if isinstance(sub, ast.Call) and last_name(sub.func) in ("encode", "bytes", "bytearray"):
            return True
    return False


def _is_slice(node: ast.expr) -> bool:
    if isinstance(node, ast.Slice):
        return True
    return isinstance(node, ast.Tuple) and any(isinstance(e, ast.Slice) for e in node.elts)


def _tuple_key_node(node: ast.AST) -> bool:
    """A dict key built as a token tuple: `ctx + (tok,)`, `tuple(tokens[i - n : i + 1])`.

    Multi-dimensional indexing (`probs[t, tok]`, a gather from the model's distribution) is a bare
    Tuple slice and is deliberately not matched.
    """
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return isinstance(node.left, ast.Tuple) or isinstance(node.right, ast.Tuple)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tuple"


def _hash_node(node: ast.AST) -> bool:
    if _tuple_key_node(node):
        return True  # a dict n-gram table keyed by token tuples is a hash table too
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor | ast.LShift):
            return True
        if isinstance(node.op, ast.Mult):
            return any(
                (isinstance(s, ast.Constant) and isinstance(s.value, int) and abs(s.value) >= _PRIME_MIN)
                or "prime" in dotted(s).lower()
                for s in (node.left, node.right)
            )
        if isinstance(node.op, ast.BitAnd | ast.Mod):
            return any(_BUCKETS.search(dotted(s)) for s in (node.left, node.right))
    if isinstance(node, ast.Call):
        name = last_name(node.func).lower()
        return "hash" in name or name in ("bitwise_xor", "xor")
    return False


def _reciprocal(node: ast.expr) -> bool:
    """`1 / n`, `1.0 / n` (a per-byte share)."""
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and isinstance(node.left, ast.Constant)
        and node.left.value == 1
    )


def _one_minus(node: ast.expr) -> ast.expr | None:
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)):
        return None
    return node.right if isinstance(node.left, ast.Constant) and node.left.value == 1 else None


def _product(node: ast.expr) -> tuple[ast.expr, ast.expr] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return node.left, node.right
    return None


def _convex_parts(node: ast.BinOp) -> tuple[ast.expr, ast.expr, ast.expr] | None:
    """`w * A + (1 - w) * B` in any operand order -> (w, A, B)."""
    left, right = _product(node.left), _product(node.right)
    if left is None or right is None:
        return None
    for w, a in (left, left[::-1]):
        for w2, b in (right, right[::-1]):
            inner = _one_minus(w2)
            if inner is not None and ast.dump(inner) == ast.dump(w):
                return w, a, b
            inner = _one_minus(w)
            if inner is not None and ast.dump(inner) == ast.dump(w2):
                return w2, b, a
    return None
