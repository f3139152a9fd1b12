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
from functools import cached_property

from pgolf.audit import labels as L
from pgolf.audit.analysis import Analysis, PathState
from pgolf.audit.astutil import dotted, last_name, names_in
from pgolf.audit.ir import Sub
from pgolf.audit.kinds import EventKind
from pgolf.audit.library import CE_NAMES, method_keeps
from pgolf.audit.local import LocalFlow, contains
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
        self._hash_defs: dict[str, bool] = {}
        self._local: LocalFlow | None = None

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
        for node in self.a.program.funcs[self.fid].of_type(ast.Subscript, ast.Call, ast.If, ast.BinOp):
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
        if reads and self._hashes:
            hashed = [r for r in reads if self._hashed(r.key)]
            if hashed:
                self._ngram(hashed, reads)
        if not self._byte_level_mixture():
            self._byte_mixer_name()

    # ----- NGRAM-TARGET-IN-KEY / C2 count ratios --------------------------------------------------
    def _hashed(self, key: ast.expr) -> bool:
        """The index is a hash key computed from tokens (not a boolean mask selecting positions)."""
        if self._mask(key, set()):
            return False  # `counts[needs_fill]`: a mask picks positions of an array, it is not a key
        deps = self.local.deps(names_in(key))
        if any(
            isinstance(a.op, ast.BitXor | ast.LShift) and isinstance(a.target, ast.Name) and a.target.id in deps
            for a in self.local.augs
        ):
            return True  # h ^= tok * prime
        if any(_hash_node(n) for n in ast.walk(key)):
            return True
        return any(self._defined_by_hash(name) for name in deps)

    def _defined_by_hash(self, name: str) -> bool:
        """A definition of `name` hashes (cached: a function with many reads asks for the same names)."""
        cached = self._hash_defs.get(name)
        if cached is None:
            cached = self._hash_defs[name] = any(
                _hash_node(n) for v in self.local.defs.get(name, []) for n in ast.walk(v)
            )
        return cached

    def _mask(self, expr: ast.expr, seen: set[str]) -> bool:
        """A boolean mask: a comparison, a boolean combination of masks, or a name defined only as one."""
        if isinstance(expr, ast.Compare):
            return True
        if isinstance(expr, ast.BoolOp) or (
            isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Invert | ast.Not)
        ):
            parts = expr.values if isinstance(expr, ast.BoolOp) else [expr.operand]
            return all(self._mask(p, seen) for p in parts)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitAnd | ast.BitOr):
            return self._mask(expr.left, seen) and self._mask(expr.right, seen)
        if isinstance(expr, ast.Name) and expr.id not in seen:
            values = self.local.strong.get(expr.id, [])
            return bool(values) and all(self._mask(v, seen | {expr.id}) for v in values)
        return False

    def _ngram(self, hashed: list[_Read], reads: list[_Read]) -> None:
        found: list[tuple[_Read, KeyEvidence, _Read | None]] = []
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
            found.append((read, evidence, partner))
        partners = {id(p.node) for _, _, p in found if p is not None}
        for read, evidence, partner in found:
            if evidence is KeyEvidence.NEWEST_TOKEN and id(read.node) in partners:
                continue  # the context-count read of a full key is evidence for that finding, not a finding
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
        """Where the key is hashed: the key expression itself, else the nearest definition it is computed
        from that hashes (`fk = (h ^ tok * P) & mask` before `h ^= ...` further up)."""
        if any(_hash_node(n) for n in ast.walk(key)):
            return key
        seen: set[str] = set()
        level = names_in(key)
        while level:
            seen |= level
            for target, value in self.local.stores:
                if isinstance(target, ast.Name) and target.id in level and any(_hash_node(n) for n in ast.walk(value)):
                    return value
            for aug in self.local.augs:
                hashing = isinstance(aug.op, ast.BitXor | ast.LShift)
                if hashing and isinstance(aug.target, ast.Name) and aug.target.id in level:
                    return aug
            level = {n for name in level for v in self.local.defs.get(name, []) for n in names_in(v)} - seen
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

    def _per_position_score(self, node: ast.expr) -> int:
        """Gold bits of a comparison operand that is a per-position score of the realized token.

        A reduction (a block max, `amax(-1)`, `logsumexp`, a sum) summarizes a row or a block: it is a
        normalizer or a total, never one predictor's score of the realized token (D8).
        """
        gold = self._gold(node)  # labels first: most operands are not losses, and the def-use below costs more
        if not gold or _is_reduction(node):
            return 0
        if isinstance(node, ast.Name) and (self._defined_as_reduction(node.id) or self._defined_as_clip(node.id)):
            return 0
        return gold

    def _defined_as_reduction(self, name: str) -> bool:
        values = self.local.defs.get(name, [])
        return bool(values) and all(_is_reduction(v) for v in values)

    def _defined_as_clip(self, name: str) -> bool:
        """`lo = max(start, block_start)`: a min/max with a value that is not a realized-token score is a
        clip or a position bound, not a second predictor's score."""
        values = self.local.strong.get(name, [])
        return bool(values) and all(
            isinstance(v, ast.Call)
            and last_name(v.func) in ("min", "max", "minimum", "maximum")
            and any(not self._gold(a) for a in v.args)
            for v in values
        )

    def _lse_shift(self, node: ast.Call, assigned: set[str]) -> bool:
        """`m = max(a, b); m + log(exp(a - m) + exp(b - m))`: the shift of a stable log-sum-exp (D8)."""
        operands = [ast.dump(a) for a in node.args]
        shifted = set()
        for name in assigned:
            for sub in self.a.program.funcs[self.fid].of_type(ast.BinOp):
                if isinstance(sub.op, ast.Sub) and isinstance(sub.right, ast.Name) and sub.right.id == name:
                    shifted.add(ast.dump(sub.left))
        return bool(operands) and all(o in shifted for o in operands)

    def _gate_call(self, node: ast.Call) -> None:
        name = last_name(node.func)
        if name in ("min", "max", "minimum", "maximum", "fmin", "fmax") and len(node.args) == 2:
            if not (self._gold(node.args[0]) and self._gold(node.args[1])):
                return
            assigned = self.local.assigned_names(node)
            if any(isinstance(arg, ast.Name) and arg.id in assigned for arg in node.args):
                return  # `m = max(m, x)`: a running max/min carried across a loop, not a choice (D8)
            if self._lse_shift(node, assigned) or self._clipped_ratio(node):
                return
            a, b = self._per_position_score(node.args[0]), self._per_position_score(node.args[1])
            if a and b and self.local.reaches_score(node, assigned, accumulated_only=True):
                strong = bool(a & L.GOLD and b & L.GOLD)
                self.facts.choices.append(
                    OracleChoice(self.at(node), ChoiceForm.MIN_MAX, name, strong, self.path(node))
                )
        elif name == "where" and len(node.args) == 3 and isinstance(node.args[0], ast.Compare):
            cmp = node.args[0]
            sides = [cmp.left, *cmp.comparators]
            operands = [*sides, node.args[1], node.args[2]]
            if all(self._per_position_score(s) for s in operands):
                self.facts.choices.append(OracleChoice(self.at(node), ChoiceForm.WHERE, name, True, self.path(node)))

    def _scored_afterwards(self, stored: set[str], node: ast.If) -> bool:
        """What the `if` body stores is read after it, on the way to the score. A store read only by earlier
        statements (through the loop's back edge) tunes later positions from past ones: history, not a
        hindsight choice for the tokens compared."""
        end = getattr(node, "end_lineno", node.lineno) or node.lineno
        for sub in self.a.program.funcs[self.fid].of_type(ast.Name):
            if not (sub.id in stored and isinstance(sub.ctx, ast.Load)):
                continue
            if sub.lineno <= end:
                continue
            derived = self.local.forward(self.local.assigned_names(sub))
            for aug in self.local.augs:
                if aug.lineno > end and (names_in(aug.value) & derived or contains(aug.value, sub)):
                    return True
        return False

    def _clipped_ratio(self, node: ast.Call) -> bool:
        """`minimum(full, ctx) / maximum(ctx, 1)`: a count clipped to its denominator, not a chosen score."""
        for sub in self.a.program.funcs[self.fid].of_type(ast.BinOp):
            if isinstance(sub.op, ast.Div) and sub.left is node:
                denominator = {ast.dump(n) for n in ast.walk(sub.right)}
                return any(ast.dump(a) in denominator for a in node.args)
        return False

    def _gate_if(self, node: ast.If) -> None:
        test = node.test
        if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
            return
        if not isinstance(test.ops[0], ast.Lt | ast.LtE | ast.Gt | ast.GtE):
            return
        left, right = self._per_position_score(test.left), self._per_position_score(test.comparators[0])
        if not (left and right):
            return
        scored = any(isinstance(n, ast.AugAssign) and self._gold(n.value) for stmt in node.body for n in ast.walk(stmt))
        # Any store in the body counts (a name, an element `per_tok[t] = alt[t]`, an attribute) when what it
        # stores into reaches the score (D10).
        stored = {root for stmt in node.body for root in _stored_roots(stmt)}
        if scored or (stored and self._scored_afterwards(stored, node)):
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
        # D9: illegal only when data flows into the weight from the symbol realized at this position, by a
        # gather, index or .get() on the current target (or byte). Shared masks, whole-distribution
        # statistics, lengths, constants and history updated after scoring do not count.
        reads = [r for e in self._weight_closure(weight, node.lineno) for r in self._observed_reads(e)]
        if not reads:
            return
        comp_names = {n for c in comps for n in names_in(c)} | {n for c in comps for n in self.local.deps(names_in(c))}
        shared = any(names_in(r) & comp_names or any(r is n for c in comps for n in ast.walk(c)) for r in reads)
        self._weight(node, weight, WeightSource.COMPONENT if shared else WeightSource.OBSERVED)

    def _weight_closure(self, weight: ast.expr, line: int) -> list[ast.expr]:
        """The weight and what its value is computed from: whole-name definitions, and stores into a name's
        elements made before the mixture's line (a store after it updates history for later positions).
        Names used only as an index or a mask are not followed (a shared mask is not data, D9); the
        lookups they index are still checked for the current target."""
        out = [weight]
        seen: set[str] = set()
        work = list(_value_names(weight))
        while work:
            name = work.pop()
            if name in seen:
                continue
            seen.add(name)
            values = list(self.local.strong.get(name, []))
            for target, value in self.local.stores:
                root: ast.AST = target
                while isinstance(root, ast.Subscript | ast.Attribute):
                    root = root.value
                stored_into = target is not root and isinstance(root, ast.Name) and root.id == name
                if stored_into and getattr(target, "lineno", line) < line:
                    values.append(value)
            out += values
            for v in values:
                work += _value_names(v)
        return out

    def _observed_reads(self, expr: ast.expr) -> list[ast.expr]:
        """Reads of the realized symbol in an expression: a lookup indexed by the current target, a loss."""
        found: list[ast.expr] = []
        stack: list[ast.AST] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Call):
                name = last_name(node.func)
                if name in _SIZE_CALLS:
                    continue  # a length or a shape of the target is not the target
                if any(n in name.lower() for n in CE_NAMES):
                    found.append(node)
                    continue
                read = _call_read(node)
                if read is not None and self._current_target(read.key, set()):
                    found.append(node)
            elif isinstance(node, ast.Subscript) and not _is_slice(node.slice):
                if self._current_target(node.slice, set()):
                    found.append(node)
            elif isinstance(node, ast.Attribute) and node.attr in ("shape", "size", "ndim"):
                continue
            stack.extend(ast.iter_child_nodes(node))
        return found

    def _current_target(self, expr: ast.expr, seen: set[str]) -> bool:  # noqa: PLR0911 - one case per node kind
        """The expression is the current target tokens (or bytes) themselves, or an element or view of them.

        A lookup *indexed by* the target is not the target (it is a value of a table); a table's history
        (what was stored into it after earlier positions were scored) is not the target either: only
        whole-name definitions are followed.
        """
        if isinstance(expr, ast.Name):
            if expr.id in seen:
                return False
            strong = self.local.strong.get(expr.id)
            if not strong:
                return bool(self.labels(expr) & L.ANY_TARGET)  # a parameter or an outer name: its labels
            return any(self._current_target(v, seen | {expr.id}) for v in strong)
        if isinstance(expr, ast.Subscript):
            recipe = self.a.flow.facts[self.fid].recipes.get(id(expr))
            if isinstance(recipe, Sub) and recipe.extra & L.ANY_TARGET:
                return True  # the right-shifted slice of a token buffer, or the newest element of a stream
            return self._current_target(expr.value, seen)
        if isinstance(expr, ast.Attribute):
            return expr.attr not in ("shape", "size") and bool(self.labels(expr) & L.ANY_TARGET)
        if isinstance(expr, ast.Call):
            name = last_name(expr.func)
            if name in _SIZE_CALLS or _call_read(expr) is not None:
                return False
            if isinstance(expr.func, ast.Attribute) and method_keeps(name):
                return self._current_target(expr.func.value, seen)
            return any(self._current_target(a, seen) for a in expr.args)
        if isinstance(expr, ast.BinOp):
            return self._current_target(expr.left, seen) or self._current_target(expr.right, seen)
        if isinstance(expr, ast.UnaryOp):
            return self._current_target(expr.operand, seen)
        return False

    def _weight(self, node: ast.AST, weight: ast.expr, source: WeightSource) -> None:
        self.facts.weights.append(AdaptiveWeight(self.at(node), dotted(weight), source, self.path(node)))

    # ----- C2: byte-level spreading of token probabilities -------------------------------------------
    def _spread_pow(self, node: ast.BinOp) -> None:
        if _reciprocal(node.right) and self._gold(node.left):
            self._spread_found(node, SpreadForm.POWER, node.right.right)  # type: ignore[attr-defined]  # 1 / L

    def _spread_div(self, node: ast.BinOp) -> None:
        """`token_logp / length`: a realized-token log-prob shared out over the token's units."""
        if isinstance(node.right, ast.Constant) or not self._gold(node.left):
            return
        if self._spread_mixed(node, node.right):
            self._spread_found(node, SpreadForm.DIVIDE, node.right)

    def _spread(self, node: ast.Call) -> None:
        pow_call = last_name(node.func) == "pow" and len(node.args) == 2 and _reciprocal(node.args[1])
        if pow_call and self._gold(node.args[0]):
            self._spread_found(node, SpreadForm.POWER, node.args[1].right)  # type: ignore[attr-defined]  # 1 / L

    def _spread_found(self, node: ast.AST, form: SpreadForm, length: ast.expr) -> None:
        mixed = self._spread_mixed(node, length)
        self.facts.spreads.append(ByteSpread(self.at(node), form, mixed, self.path(node)))

    def _spread_mixed(self, node: ast.AST, length: ast.expr) -> bool:
        """D12, by structure: the spread value is expanded to per-unit positions (repeat by the length, or a
        loop over the units), convexly mixed with another per-unit probability, and the mixture is scored."""
        spread = self.local.assigned_names(node)
        expanded = self._expanded(node, spread, names_in(length))
        if expanded is None:
            return False
        per_unit = self.local.forward(spread | expanded)
        for mix in self._convex_nodes:
            parts = _convex_parts(mix)
            if parts is None:
                continue
            if not any(names_in(c) & per_unit or contains(c, node) for c in parts[1:]):
                continue
            if self.local.reaches_score(mix, self.local.assigned_names(mix)):
                return True
        return False

    def _expanded(self, node: ast.AST, spread: set[str], length: set[str]) -> set[str] | None:
        """Names holding the per-unit expansion of the spread value, or None when it is not expanded."""
        for call in self._calls:
            if last_name(call.func) not in ("repeat", "repeat_interleave", "tile"):
                continue
            parts: list[ast.expr] = [*call.args, *(k.value for k in call.keywords)]
            if isinstance(call.func, ast.Attribute):
                parts.append(call.func.value)
            if any(contains(p, node) or names_in(p) & spread for p in parts):
                return self.local.assigned_names(call) | spread
        for loop in self._loops:
            if length and names_in(loop.iter) & length and contains(loop, node):
                return spread  # `for j in range(n_bytes): ... lp / n_bytes`: a loop over the token's units
        return None

    @cached_property
    def _hashes(self) -> bool:
        """The function hashes something (XOR, shifts, large multipliers, hash(), token-tuple keys) at all."""
        return any(_hash_node(n) for n in self.a.program.funcs[self.fid].of_type(ast.BinOp, ast.Call))

    @cached_property
    def _calls(self) -> list[ast.Call]:
        return list(self.a.program.funcs[self.fid].of_type(ast.Call))

    @cached_property
    def _loops(self) -> list[ast.For]:
        return list(self.a.program.funcs[self.fid].of_type(ast.For))

    @cached_property
    def _convex_nodes(self) -> list[ast.BinOp]:
        nodes = self.a.program.funcs[self.fid].of_type(ast.BinOp)
        return [n for n in nodes if isinstance(n.op, ast.Add) and _convex_parts(n)]

    def _byte_level_mixture(self) -> bool:
        """A loop over a byte stream that mixes two probabilities and accumulates the log: PPM-D style."""
        for node in self.a.program.funcs[self.fid].of_type(ast.For):
            if not _byte_iteration(node.iter):
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


_SIZE_CALLS = frozenset({"len", "size", "numel", "shape", "nelement", "count_nonzero"})
# Summaries over a row or a block of the vocabulary: normalizers, never a score of the realized token.
# (A sum or mean of realized-token losses over positions *is* a score, so those are not listed.)
_REDUCTIONS = frozenset({"max", "amax", "min", "amin", "nanmax", "nanmin", "logsumexp", "logaddexp"})


_MODULES = frozenset({"torch", "np", "numpy", "tl", "math", "jnp", "jax", "F", "triton"})


def _axis_like(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool)


def _is_reduction(node: ast.expr) -> bool:
    """`x.max()`, `x.amax(-1)`, `torch.logsumexp(x, -1)`, `tl.max(chunk, axis=0)`, `max(xs)`, `x.max(1).values`."""
    while isinstance(node, ast.Attribute) and node.attr in ("values", "item"):
        node = node.value
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("item", "float", "double", "detach", "cpu"):
        return _is_reduction(func.value)
    name = last_name(func)
    if name not in _REDUCTIONS:
        return False
    if name in ("logsumexp", "logaddexp"):
        return True
    if any(k.arg in ("dim", "axis") for k in node.keywords):
        return True
    if isinstance(func, ast.Name):  # the builtin: max(xs) reduces, max(a, b) compares
        return len(node.args) == 1
    is_module = isinstance(func, ast.Attribute) and last_name(func.value) in _MODULES
    data_args = node.args[1:] if is_module else node.args
    return not data_args or (len(data_args) == 1 and _axis_like(data_args[0]))


_SHAPED = frozenset({"zeros", "ones", "empty", "full", "arange", "linspace", "zeros_like", "ones_like", "empty_like"})


def _value_names(expr: ast.AST) -> set[str]:
    """Names whose values an expression computes with: not those used only to index, or only for a size
    or a shape (`len(x)`, `x.shape`, `np.full(n, 0.5)` takes its fill value, not its length, from data)."""
    out: set[str] = set()
    stack: list[ast.AST] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Subscript):
            stack.append(node.value)
        elif isinstance(node, ast.Attribute) and node.attr in ("shape", "size", "ndim", "dtype", "device"):
            continue
        elif isinstance(node, ast.Call):
            name = last_name(node.func)
            if name in _SIZE_CALLS:
                continue
            if name in _SHAPED:
                fill = node.args[1:] if name == "full" else []
                stack += [*fill, *(k.value for k in node.keywords if k.arg == "fill_value")]
                continue
            stack.extend(ast.iter_child_nodes(node))
        else:
            stack.extend(ast.iter_child_nodes(node))
    return out


def _stored_roots(stmt: ast.stmt) -> set[str]:
    """Names whose value a statement changes: assignment targets, element and attribute stores."""
    out: set[str] = set()
    for node in ast.walk(stmt):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                root: ast.AST = leaf
                while isinstance(root, ast.Subscript | ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and isinstance(getattr(leaf, "ctx", None), ast.Store):
                    out.add(root.id)
    return out


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


def _number(node: ast.expr) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    return None


def _convex_parts(node: ast.BinOp) -> tuple[ast.expr, ast.expr, ast.expr] | None:
    """`w * A + (1 - w) * B`, or `c1 * A + c2 * B` with constants summing to 1, in any operand order -> (w, A, B)."""
    left, right = _product(node.left), _product(node.right)
    if left is None or right is None:
        return None
    for w, a in (left, left[::-1]):
        for w2, b in (right, right[::-1]):
            c1, c2 = _number(w), _number(w2)
            if c1 is not None and c2 is not None and 0 < c1 < 1 and abs(c1 + c2 - 1) < 1e-9:
                return w, a, b
    for w, a in (left, left[::-1]):
        for w2, b in (right, right[::-1]):
            inner = _one_minus(w2)
            if inner is not None and ast.dump(inner) == ast.dump(w):
                return w, a, b
            inner = _one_minus(w)
            if inner is not None and ast.dump(inner) == ast.dump(w2):
                return w2, b, a
    return None
