"""The closed vocabularies of the code audit, as enums (the lowest layer: imports nothing of pgolf)."""

from __future__ import annotations

from enum import StrEnum


class SourceKind(StrEnum):
    PYTHON = "python"
    C = "c"


class FuncKind(StrEnum):
    FUNCTION = "function"
    MODULE = "module"
    CLASS = "class"


class CallKind(StrEnum):
    """How a call's result labels are computed (solve.Flow.call dispatches on it)."""

    USER = "user"  # a user function or constructor, resolved statically
    METHOD = "method"  # a method call on a value (resolved through the receiver's class when known)
    VALUE = "value"  # a call of a value (a callback, an instance's __call__/forward)
    LIB = "lib"  # an external function: its result carries its arguments' labels
    CE = "ce"  # a cross-entropy: a loss of the realized token
    DIST = "dist"  # softmax/log_softmax: a distribution over the vocabulary
    RAND = "rand"  # random numbers
    GEN = "gen"  # sampling from a distribution (self-generated tokens)
    GATHER = "gather"  # gather/take_along_dim: indexed reads
    ARANGE = "arange"  # arange/range
    SANITIZE = "sanitize"  # a size, a flag, a device: no data labels
    OPT = "opt"  # an optimizer constructor
    TIME = "time"  # a clock
    ENV = "env"  # an environment read


class EventKind(StrEnum):
    """Facts about one statement that the trace orders."""

    CALL = "call"
    ACC = "acc"  # an accumulation (`+=`, `.add_`, `.append`)
    BACKWARD = "backward"
    STEP = "step"  # an optimizer step
    HOOK = "hook"  # a forward-hook registration
    XTX = "xtx"  # an X^T X accumulation (a Hessian)
    SAVE = "save"
    NET = "net"  # a network call or a process spawn
    ENV = "env"
    GEN = "gen"
    GRAD_PARAM = "grad_param"  # a tensor created with requires_grad
    OPT_CTOR = "opt_ctor"
