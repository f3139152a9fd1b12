"""Facts about how a per-token probability is formed: n-gram keys, choices, weights, byte spreading.

The PG401-PG404 checks decide on these facts; nothing here knows a rule or a status.
- keyed lookups: a table read whose index hashes a token with its context, where the token is the one
  being scored (a loss target, or the extra token of a "full" key beside a "context" key read from
  the same hash), and whose value reaches the score. Updates (writes) with the same key are not
  lookups, nor are hashes of input tokens (BigramHash) and keys over the whole vocabulary.
- oracle choices: min/max/compare between two probabilities or losses of the realized token that
  selects what is scored.
- adaptive weights: a mixture weight computed from a component's probability of the observed symbol.
- byte spreading: token probabilities spread over bytes (p ** (1/n)) and mixed at byte level, and
  per-byte mixture loops.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from enum import StrEnum

from pgolf.audit import labels as L
from pgolf.audit.analysis import Analysis, PathState
from pgolf.audit.astutil import dotted, last_name, names_in
from pgolf.audit.kinds import EventKind
from pgolf.audit.local import LocalFlow
from pgolf.findings import Location

_BYTE_MIX_NAMES = re.compile(r"ppm.*(mix|bpb)|mix.*bpb|score_byte|byte.*mix|mixture_bpb", re.I)
_PRIME_MIN = 1000
_BUCKETS = re.compile(r"mask|bucket|table_size|n_slots|hash_size", re.I)


class KeyEvidence(StrEnum):
    """Why a hashed table read is keyed by the token being scored."""

    TARGET = "target"  # the key hashes a loss target
    FULL_KEY = "full_key"  # the key adds one stream token to the key of a context-count read (#779)
    NEWEST_TOKEN = "newest_token"  # weaker: the newest token of a stream read beside its history


@dataclass(frozen=True)
class KeyedLookup:
    """A hashed table read at scoring time whose key contains the token being scored."""

    lookup: Location  # the read
    key: Location | None  # where the key is built (the hash)
    table: str
    evidence: KeyEvidence
    path: PathState
    partner: str | None = None  # the context-count table of a full key
    partner_at: Location | None = None


class ChoiceForm(StrEnum):
    MIN_MAX = "min_max"  # min(a, b) / torch.minimum(a, b)
    WHERE = "where"  # where(a < b, a, b)
    IF = "if"  # if a < b: keep a


@dataclass(frozen=True)
class OracleChoice:
    """A comparison of two losses/probabilities of the realized token whose result is scored."""

    at: Location
    form: ChoiceForm
    call: str  # the min/max/where name, '' for an `if`
    strong: bool  # both sides certainly are losses of the realized token
    path: PathState


class WeightSource(StrEnum):
    COMPONENT = "component"  # computed from a mixed component's probability of the observed symbol
    OBSERVED = "observed"  # its labels carry a probability of the realized token


@dataclass(frozen=True)
class AdaptiveWeight:
    """A mixture weight that depends on the observed symbol."""

    at: Location
    weight: str
    source: WeightSource
    path: PathState


class SpreadForm(StrEnum):
    POWER = "power"  # p ** (1/n)
    DIVIDE = "divide"  # log p / n_bytes


@dataclass(frozen=True)
class ByteSpread:
    """A token probability spread over its bytes; `mixed`: mixed at byte level with another model."""

    at: Location
    form: SpreadForm
    mixed: bool
    path: PathState


@dataclass(frozen=True)
class ByteMixture:
    """Probabilities mixed and scored per byte (PPM-D style)."""

    at: Location
    path: PathState


@dataclass(frozen=True)
class ByteMixerName:
    """A function named like a byte-level mixture scorer that accumulates."""

    at: Location
    function: str
    path: PathState


@dataclass
class ScoringFacts:
    lookups: list[KeyedLookup] = field(default_factory=list)
    choices: list[OracleChoice] = field(default_factory=list)
    weights: list[AdaptiveWeight] = field(default_factory=list)
    spreads: list[ByteSpread] = field(default_factory=list)
    mixtures: list[ByteMixture] = field(default_factory=list)
    mixer_names: list[ByteMixerName] = field(default_factory=list)


def scoring_facts(a: Analysis) -> ScoringFacts:
    cached = a.cache.get("scoring")
    if isinstance(cached, ScoringFacts):
        return cached
    facts = ScoringFacts()
    model = {fid for c in a.program.classes.values() if c.is_module for fid in c.methods.values()}
    for fid in a.funcs:
        if fid in model:
            continue  # inside a model: input-token hashes (BigramHash), no scoring
        _Function(a, fid, facts).run()
    a.cache["scoring"] = facts
    return facts


class _Function:
    def __init__(self, a: Analysis, fid: int, facts: ScoringFacts) -> None:
        self.a = a
        self.fid = fid
        self.facts = facts
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

    def at(self, node: ast.AST) -> Location:
        return self.a.location(self.fid, node)

    def path(self, node: ast.AST) -> PathState:
        return self.a.path(self.fid, self.local.guards.get(id(node), ()))

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
            evidence = (
                KeyEvidence.TARGET
                if strong
                else KeyEvidence.FULL_KEY
                if partner is not None
                else KeyEvidence.NEWEST_TOKEN
            )
            key_site = self._key_site(read.key)
            self.facts.lookups.append(
                KeyedLookup(
                    lookup=self.at(read.node),
                    key=self.at(key_site) if key_site is not None else None,
                    table=dotted(read.table),
                    evidence=evidence,
                    path=self.path(read.node),
                    partner=dotted(partner.table) if partner is not None else None,
                    partner_at=self.at(partner.node) if partner is not None else None,
                )
            )

    def _key_site(self, key: ast.expr) -> ast.AST | None:
        """Where the key is hashed: the key expression itself, or a definition it is computed from."""
        if any(_hash_node(n) for n in ast.walk(key)):
            return key
        deps = self.local.deps(names_in(key))
        for aug in self.local.augs:
            if (
                isinstance(aug.op, ast.BitXor | ast.LShift)
                and isinstance(aug.target, ast.Name)
                and aug.target.id in deps
            ):
                return aug
        for target, value in self.local.stores:
            if isinstance(target, ast.Name) and target.id in deps and any(_hash_node(n) for n in ast.walk(value)):
                return value
        return None

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
                strong = bool(a & L.GOLD and b & L.GOLD)
                self.facts.choices.append(
                    OracleChoice(self.at(node), ChoiceForm.MIN_MAX, name, strong, self.path(node))
                )
        elif name == "where" and len(node.args) == 3 and isinstance(node.args[0], ast.Compare):
            cmp = node.args[0]
            sides = [cmp.left, *cmp.comparators]
            if all(self._gold(s) for s in sides) and self._gold(node.args[1]) and self._gold(node.args[2]):
                self.facts.choices.append(OracleChoice(self.at(node), ChoiceForm.WHERE, name, True, self.path(node)))

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
            strong = bool(left & right & L.GOLD)
            self.facts.choices.append(OracleChoice(self.at(node), ChoiceForm.IF, "", strong, self.path(node)))

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
            self._weight(node, weight, WeightSource.COMPONENT)
        elif self.labels(weight) & L.GOLD:
            self._weight(node, weight, WeightSource.OBSERVED)

    def _weight(self, node: ast.AST, weight: ast.expr, source: WeightSource) -> None:
        self.facts.weights.append(AdaptiveWeight(self.at(node), dotted(weight), source, self.path(node)))

    # ----- C2: byte-level spreading of token probabilities -------------------------------------------
    def _spread_pow(self, node: ast.BinOp) -> None:
        if _reciprocal(node.right) and self._gold(node.left):
            self._spread_found(node, SpreadForm.POWER)

    def _spread_div(self, node: ast.BinOp) -> None:
        """`token_logp / n_bytes` per token, mixed at byte level afterwards."""
        if not re.search(r"byte", dotted(node.right), re.I) or not self._gold(node.left):
            return
        if self.has_mixture:
            self._spread_found(node, SpreadForm.DIVIDE)

    def _spread(self, node: ast.Call) -> None:
        pow_call = last_name(node.func) == "pow" and len(node.args) == 2 and _reciprocal(node.args[1])
        if pow_call and self._gold(node.args[0]):
            self._spread_found(node, SpreadForm.POWER)

    def _spread_found(self, node: ast.AST, form: SpreadForm) -> None:
        self.facts.spreads.append(ByteSpread(self.at(node), form, self.has_mixture, self.path(node)))

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
                self.facts.mixtures.append(ByteMixture(self.at(sub), self.path(sub)))
                return True
        return False

    def _byte_mixer_name(self) -> None:
        info = self.a.program.funcs[self.fid]
        accumulates = any(e.kind is EventKind.ACC for e in self.a.flow.facts[self.fid].events)
        if _BYTE_MIX_NAMES.search(info.name) and accumulates:
            self.facts.mixer_names.append(ByteMixerName(self.at(self.node), info.name, self.path(self.node)))


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
