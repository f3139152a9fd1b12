"""Expressions compiled once into small "recipes" that compute a value's labels quickly.

A recipe is a tree of unions, variable reads, attribute reads and calls. Library knowledge lives
here: which calls create labels (`torch.randint` -> RAND, cross-entropy -> GOLD, softmax -> DIST),
which drop them (`len`, `.numel()`, `.shape`: a size is not data), and how a user function's result is
its return labels with the caller's arguments substituted for its parameters.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgolf.audit import labels as L

if TYPE_CHECKING:
    from pgolf.audit.flow import Flow

# Calls and attributes whose result is a size, a flag or a device, never data.
SANITIZE_CALLS = frozenset(
    {
        "len",
        "isinstance",
        "hasattr",
        "type",
        "id",
        "print",
        "callable",
        "numel",
        "size",
        "dim",
        "ndimension",
        "element_size",
        "nelement",
        "exists",
        "isfile",
        "isdir",
        "getsize",
        "stat",
        "is_available",
        "is_initialized",
        "get_rank",
        "get_world_size",
        "synchronize",
        "perf_counter",
        "time",
        "monotonic",
        "log0",
        "log",
        "info",
        "warning",
        "debug",
        "format",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "manual_seed",
        "barrier",
        "cpu_count",
        "device_count",
        "get_device_capability",
        "nonzero",
        "argwhere",
        "searchsorted",
        "flatnonzero",
    }
)
SANITIZE_ATTRS = frozenset({"shape", "dtype", "device", "ndim", "is_cuda", "requires_grad", "training"})
CE_NAMES = ("cross_entropy", "nll_loss", "crossentropy")
DIST_NAMES = frozenset({"softmax", "log_softmax", "logsoftmax"})
RAND_NAMES = frozenset(
    {
        "randint",
        "rand",
        "randn",
        "randperm",
        "rand_like",
        "randn_like",
        "randint_like",
        "normal",
        "bernoulli",
        "uniform",
        "choice",
        "random",
        "integers",
        "permutation",
        "shuffle",
    }
)
GEN_NAMES = frozenset({"multinomial", "generate", "sample"})
GATHER_NAMES = frozenset({"gather", "take_along_dim", "take_along_axis", "index_select", "take"})
ARANGE_NAMES = frozenset({"arange", "range"})
TIME_NAMES = frozenset({"perf_counter", "time", "monotonic", "perf_counter_ns", "monotonic_ns", "time_ns"})
OPT_NAMES = re.compile(r"(?:^|\.)(?:SGD|Adam|AdamW|Adagrad|RMSprop|Lion|Muon|NorMuon|Adafactor|LBFGS|Optimizer)\w*$")
# Tensor/array methods that return data derived from the receiver (never user-resolved).
TENSOR_METHODS = frozenset(
    {
        "to",
        "float",
        "double",
        "half",
        "bfloat16",
        "long",
        "int",
        "short",
        "bool",
        "byte",
        "cuda",
        "cpu",
        "numpy",
        "tolist",
        "item",
        "reshape",
        "view",
        "view_as",
        "flatten",
        "unflatten",
        "contiguous",
        "unsqueeze",
        "squeeze",
        "transpose",
        "permute",
        "t",
        "clone",
        "detach",
        "sum",
        "mean",
        "max",
        "min",
        "exp",
        "log",
        "log2",
        "abs",
        "clamp",
        "clamp_min",
        "clamp_max",
        "pow",
        "sqrt",
        "expand",
        "expand_as",
        "repeat",
        "chunk",
        "split",
        "narrow",
        "masked_fill",
        "where",
        "astype",
        "copy",
        "ravel",
        "cumsum",
        "argmax",
        "argmin",
        "topk",
        "sort",
        "nonzero",
        "tril",
        "triu",
        "norm",
        "square",
        "neg",
        "sigmoid",
        "tanh",
        "relu",
        "type_as",
        "new_zeros",
        "new_ones",
        "new_full",
        "new_empty",
        "decode",
        "encode",
        "strip",
        "lower",
        "upper",
        "join",
        "replace",
        "startswith",
        "endswith",
        "get",
        "keys",
        "values",
        "items",
        "pin_memory",
        "fill_",
        "zero_",
        "requires_grad_",
        "add",
        "sub",
        "mul",
        "div",
        "matmul",
        "mm",
        "bmm",
        "addmm",
        "float32",
        "logsumexp",
        "softmax",
        "log_softmax",
        "multinomial",
    }
)
_VOCAB_RE = re.compile(r"vocab|n_tokens\b|\bV\b")


class R:
    """A compiled expression; `ev` returns its labels under the current flow state."""

    __slots__ = ()

    def ev(self, flow: Flow) -> int:
        raise NotImplementedError

    def var_keys(self) -> list[DefKey]:
        """Definitions read directly (through subscripts and tensor methods), for back-seeding."""
        return []


class Const(R):
    __slots__ = ("bits",)

    def __init__(self, bits: int) -> None:
        self.bits = bits

    def ev(self, flow: Flow) -> int:
        return self.bits


ZERO = Const(0)


DefKey = tuple[int, str, int]  # (owner fid, variable name, definition id); definition 0 is the parameter


class Var(R):
    """A local variable read: the union of the definitions that reach this read."""

    __slots__ = ("keys",)

    def __init__(self, keys: tuple[DefKey, ...]) -> None:
        self.keys = keys

    def ev(self, flow: Flow) -> int:
        out = 0
        env = flow.env
        for key in self.keys:
            out |= env.get(key, 0)
        return out

    def var_keys(self) -> list[DefKey]:
        return list(self.keys)


class ScopeVar(R):
    """A read of an enclosing function's or the module's variable: every definition of it."""

    __slots__ = ("name", "owner")

    def __init__(self, owner: int, name: str) -> None:
        self.owner = owner
        self.name = name

    def ev(self, flow: Flow) -> int:
        return flow.scope_var(self.owner, self.name)


class Union(R):
    __slots__ = ("const", "parts")

    def __init__(self, const: int, parts: tuple[R, ...]) -> None:
        self.const = const
        self.parts = parts

    def ev(self, flow: Flow) -> int:
        out = self.const
        for p in self.parts:
            out |= p.ev(flow)
        return out

    def var_keys(self) -> list[DefKey]:
        return [k for p in self.parts for k in p.var_keys()]


class Attr(R):
    __slots__ = ("name", "recv", "self_class")

    def __init__(self, recv: R, name: str, self_class: str | None) -> None:
        self.recv = recv
        self.name = name
        self.self_class = self_class

    def ev(self, flow: Flow) -> int:
        recv = self.recv.ev(flow)
        return recv | flow.attr(self.name, recv, self.self_class)

    def var_keys(self) -> list[DefKey]:
        return self.recv.var_keys()


class Sub(R):
    __slots__ = ("extra", "index", "value")

    def __init__(self, value: R, index: R, extra: int) -> None:
        self.value = value
        self.index = index
        self.extra = extra

    def ev(self, flow: Flow) -> int:
        value = self.value.ev(flow)
        index = self.index.ev(flow)
        out = value | index
        if self.extra and value & (L.DATA | flow.space.all_params):
            out |= self.extra  # a shifted slice marks targets only when it slices token data
        if index & L.ANY_TARGET:
            out |= L.GOLD if (value & L.DIST and index & L.TARGET) else L.GOLD_WEAK
        return out

    def var_keys(self) -> list[DefKey]:
        return self.value.var_keys()


class Elem(R):
    """Element `index` of a call's tuple result (`x, y = loader.next_batch()`)."""

    __slots__ = ("call", "index", "size")

    def __init__(self, call: Call, index: int, size: int) -> None:
        self.call = call
        self.index = index
        self.size = size

    def ev(self, flow: Flow) -> int:
        return flow.call_elem(self.call, self.index, self.size)


@dataclass(eq=False, slots=True)
class Call(R):
    """A call. `kind` picks the semantics; user calls resolve to function ids (`fids`)."""

    node: ast.Call
    kind: str  # user | method | value | lib | ce | dist | rand | gen | gather | arange | sanitize | opt | time | env
    args: tuple[R, ...] = ()
    kwargs: tuple[tuple[str, R], ...] = ()
    star: R | None = None  # *args / **kwargs, spread over every parameter
    recv: R | None = None  # method receiver or called value
    method: str = ""
    fids: tuple[int, ...] = ()  # statically resolved user functions
    ctor: str | None = None  # class key when this constructs a user class
    extra: int = 0
    resolved: set[int] = field(default_factory=set)  # every user function this call reached

    def ev(self, flow: Flow) -> int:
        return flow.call(self)

    def var_keys(self) -> list[DefKey]:
        if self.kind == "method" and self.method in TENSOR_METHODS and self.recv is not None:
            return self.recv.var_keys()
        return []

    def arg_union(self, flow: Flow) -> int:
        out = self.extra
        for a in self.args:
            out |= a.ev(flow)
        for _, a in self.kwargs:
            out |= a.ev(flow)
        if self.star is not None:
            out |= self.star.ev(flow)
        return out


def union(parts: Sequence[R], const: int = 0) -> R:
    real = [p for p in parts if not (isinstance(p, Const) and p.bits == 0)]
    for p in real:
        if isinstance(p, Const):
            const |= p.bits
    real = [p for p in real if not isinstance(p, Const)]
    if not real:
        return Const(const) if const else ZERO
    if len(real) == 1 and not const:
        return real[0]
    return Union(const, tuple(real))


def literal_labels(value: str) -> int:
    """Labels a string literal carries: a validation or training shard pattern is a data source."""
    low = value.lower()
    out = 0
    if "fineweb_val" in low or re.search(r"(^|[/_\-.])val(idation)?(_[a-z0-9]*)?[_\-.]?[*0-9]", low):
        out |= L.VAL
        if "val_bytes" in low or "sidecar" in low:
            out |= L.SIDECAR
    if "fineweb_train" in low or re.search(r"(^|[/_\-.])train(_[a-z0-9]*)?[_\-.]?[*0-9]", low):
        out |= L.TRAIN
    return out


def vocab_like(node: ast.AST) -> bool:
    return bool(_VOCAB_RE.search(ast.unparse(node))) if isinstance(node, ast.expr) else False
