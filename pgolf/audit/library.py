"""What the analysis knows about library functions and methods, in one table.

Every name the data-flow core treats specially is listed here once, with its traits:
- KEEP: the result carries the receiver's and arguments' labels (tensor arithmetic, views, casts);
- DROP: the result is a size, a flag, a device or a log call, never data;
- MUTATE: the call changes its receiver in place (`x.add_(v)`, `lst.append(v)`): v flows into x;
- ACC: an accumulation into the receiver (an event the checks read);
and the call kinds that create labels (cross-entropy, softmax, random, sampling, gathers, clocks).
Keys: `name` is an external function by its last name, `a.b.name` a qualified function, `.name` a
method, `@name` an attribute. tests/unit/audit/test_library.py checks that no key is both KEEP and DROP.
"""

from __future__ import annotations

import re
from enum import Flag, auto
from functools import lru_cache

from pgolf.audit import labels as L
from pgolf.audit.kinds import CallKind


class Trait(Flag):
    NONE = 0
    KEEP = auto()
    DROP = auto()
    MUTATE = auto()
    ACC = auto()


_SIZE_FUNCS = [
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
]
# Math functions spelled like logger calls: `torch.log(p)` keeps its labels, `logger.info(...)` does not.
_MATH_SPELLED_LIKE_LOGGING = ("torch.log", "numpy.log", "math.log", "scipy.log", "jax.log")
_SIZE_METHODS = [
    "numel",
    "size",
    "dim",
    "element_size",
    "nelement",
    "__len__",
    "nonzero",
    "argwhere",
    "searchsorted",
    "count_nonzero",
    "is_contiguous",
    "get_device",
    "data_ptr",
    "stride",
]
_SIZE_ATTRS = (
    "shape",
    "dtype",
    "device",
    "ndim",
    "is_cuda",
    "requires_grad",
    "training",
)
_TENSOR_METHODS = [
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
]
_MUTATING_METHODS = [
    "append",
    "extend",
    "insert",
    "update",
    "add",
    "setdefault",
    "put",
    "copy_",
    "add_",
    "sub_",
    "mul_",
    "index_add_",
    "index_put_",
    "scatter_",
    "scatter_add_",
    "masked_scatter_",
    "addmm_",
    "addcmul_",
    "baddbmm_",
    "index_copy_",
    "fill_",
    "push",
    "appendleft",
]
_ACC_METHODS = (
    "add_",
    "append",
    "extend",
    "sub_",
)


def _entries() -> list[tuple[str, Trait]]:
    out: list[tuple[str, Trait]] = []
    out += [(name, Trait.DROP) for name in _SIZE_FUNCS]
    out += [(name, Trait.KEEP) for name in _MATH_SPELLED_LIKE_LOGGING]
    out += [(f".{name}", Trait.DROP) for name in _SIZE_METHODS]
    out += [(f"@{name}", Trait.DROP) for name in _SIZE_ATTRS]
    out += [(f".{name}", Trait.KEEP) for name in _TENSOR_METHODS]
    out += [(f".{name}", Trait.MUTATE) for name in _MUTATING_METHODS]
    out += [(f".{name}", Trait.ACC) for name in _ACC_METHODS]
    return out


ENTRIES: tuple[tuple[str, Trait], ...] = tuple(_entries())


def _table() -> dict[str, Trait]:
    table: dict[str, Trait] = {}
    for key, trait in ENTRIES:
        table[key] = table.get(key, Trait.NONE) | trait
    return table


TABLE = _table()


def traits(key: str) -> Trait:
    return TABLE.get(key, Trait.NONE)


@lru_cache(maxsize=4096)  # pure lookups, asked at every call site and fixpoint pass
def method_keeps(name: str) -> bool:
    """A tensor/array/str method whose result is derived from its receiver (never user-resolved)."""
    return Trait.KEEP in traits(f".{name}")


@lru_cache(maxsize=4096)  # pure lookups, asked at every call site and fixpoint pass
def method_drops(name: str) -> bool:
    return Trait.DROP in traits(f".{name}")


@lru_cache(maxsize=4096)  # pure lookups, asked at every call site and fixpoint pass
def attribute_drops(name: str) -> bool:
    return Trait.DROP in traits(f"@{name}")


@lru_cache(maxsize=4096)  # pure lookups, asked at every call site and fixpoint pass
def method_mutates(name: str) -> bool:
    return Trait.MUTATE in traits(f".{name}")


@lru_cache(maxsize=4096)  # pure lookups, asked at every call site and fixpoint pass
def method_accumulates(name: str) -> bool:
    return Trait.ACC in traits(f".{name}")


# ----- calls that create labels ---------------------------------------------------------------------
CE_NAMES = ("cross_entropy", "nll_loss", "crossentropy")
DIST_NAMES = frozenset({"softmax", "log_softmax", "logsoftmax"})
RAND_NAMES = frozenset(
    [
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
    ]
)
GEN_NAMES = frozenset({"multinomial", "generate", "sample"})
GATHER_NAMES = frozenset({"gather", "take_along_dim", "take_along_axis", "index_select", "take"})
ARANGE_NAMES = frozenset({"arange", "range"})
TIME_NAMES = frozenset({"perf_counter", "time", "monotonic", "perf_counter_ns", "monotonic_ns", "time_ns"})
ENV_CALLS = frozenset({"os.environ.get", "os.getenv", "os.environ.__getitem__", "os.environ.setdefault"})
OPT_NAMES = re.compile(r"(?:^|\.)(?:SGD|Adam|AdamW|Adagrad|RMSprop|Lion|Muon|NorMuon|Adafactor|LBFGS|Optimizer)\w*$")
# Methods that user classes commonly define and library objects commonly have: never resolved by name alone.
COMMON_DATA_METHODS = frozenset({"forward", "__call__", "step", "zero_grad", "train", "eval", "update", "reset"})
NOGRAD_CONTEXTS = ("no_grad", "inference_mode")

NETWORK_PREFIXES = (
    "requests.",
    "urllib.request.",
    "urllib.urlopen",
    "urllib2.",
    "http.client.",
    "socket.",
    "huggingface_hub.",
    "datasets.load_dataset",
    "torch.hub.",
    "wget.",
    "httpx.",
    "aiohttp.",
    "ftplib.",
    "smtplib.",
)
SHELL_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "os.system",
        "os.popen",
        "os.execvp",
        "os.execv",
    }
)
SAVE_SUFFIXES = ("torch.save", "numpy.save", "numpy.savez", "numpy.savez_compressed")
HOOK_METHODS = frozenset({"register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook"})
_VOCAB_RE = re.compile(r"vocab|n_tokens\b|\bV\b")


def vocab_like(text: str) -> bool:
    return bool(_VOCAB_RE.search(text))


@lru_cache(maxsize=4096)  # pure lookups, asked at every call site and fixpoint pass
def function_kind(qual: str) -> CallKind:  # noqa: PLR0911 - a lookup table
    """The kind of a call of an external function or builtin, by its qualified name."""
    last = qual.rsplit(".", 1)[-1]
    low = last.lower()
    if any(n in low for n in CE_NAMES):
        return CallKind.CE
    if low in DIST_NAMES:
        return CallKind.DIST
    if qual in ENV_CALLS:
        return CallKind.ENV
    if last in TIME_NAMES and qual.startswith("time."):
        return CallKind.TIME
    if Trait.DROP in traits(last) and Trait.KEEP not in traits(qual):
        return CallKind.SANITIZE
    if last in RAND_NAMES and (
        ".random." in qual
        or qual.startswith(("random.", "torch.rand", "torch.normal"))
        or qual in ("torch.randint", "torch.randperm", "torch.bernoulli")
    ):
        return CallKind.RAND
    if last in GEN_NAMES and "multinomial" in qual:
        return CallKind.GEN
    if last in GATHER_NAMES and qual.startswith(("torch.", "numpy.")):
        return CallKind.GATHER
    if last in ARANGE_NAMES:
        return CallKind.ARANGE
    if OPT_NAMES.search(qual) and (qual.startswith(("torch.optim", "optim")) or last[:1].isupper()):
        return CallKind.OPT
    return CallKind.LIB


@lru_cache(maxsize=4096)  # pure lookups, asked at every call site and fixpoint pass
def method_kind(name: str, n_args: int) -> CallKind:
    """The kind of `value.name(...)` when the receiver is not a user class resolved statically."""
    if name in ("gather", "take_along_dim") and n_args >= 2:
        return CallKind.GATHER
    if name in DIST_NAMES:
        return CallKind.DIST
    if method_drops(name):
        return CallKind.SANITIZE
    if name == "multinomial":
        return CallKind.GEN
    return CallKind.METHOD


@lru_cache(maxsize=8192)  # every string constant of a script is asked about; most repeat
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
