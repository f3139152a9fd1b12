"""Labels carried by values in the data-flow analysis, as bits of a Python int.

Fixed labels say where a value comes from (validation data, training data, targets, ...). Dynamic
labels are allocated per analysis: `P:<fid>:<param>` stands for "whatever the caller passed as this
parameter" (so a helper's facts are resolved per call site), `C:<class>` marks instances of a user
class (method calls resolve through it), `F:<fid>` marks a reference to a user function.
"""

from __future__ import annotations

from collections.abc import Iterator

VAL = 1 << 0  # validation tokens or anything computed from them
TRAIN = 1 << 1  # training tokens
SIDECAR = 1 << 2  # the CaseOps validation byte sidecar (fineweb_val_bytes_*.bin)
GEN = 1 << 3  # autoregressively self-generated tokens (torch.multinomial, .generate)
RAND = 1 << 4  # random tokens (torch.randint, np.random)
TARGET = 1 << 5  # the tokens being predicted: a loss's target, or the right-shifted slice of a buffer
TARGET_POS = 1 << 6  # weaker: the newest element of a stream read beside older elements of it
GOLD = 1 << 7  # a probability or loss of the realized token (cross-entropy, gather by target)
GOLD_WEAK = 1 << 8  # the same, inferred from TARGET_POS or a non-distribution table
DIST = 1 << 9  # a distribution over the vocabulary (softmax / log_softmax output)
VOCAB = 1 << 10  # the whole vocabulary (arange over the vocab size)
OPT = 1 << 11  # an optimizer
GRAD = 1 << 12  # a gradient (.grad)
TIME = 1 << 13  # a clock reading
ENV = 1 << 14  # a value read from the environment
_FIRST_DYNAMIC = 16

DATA = VAL | TRAIN | GEN | RAND
TOKENS = VAL | TRAIN | GEN | RAND | TARGET | TARGET_POS
ANY_GOLD = GOLD | GOLD_WEAK
ANY_TARGET = TARGET | TARGET_POS
FIXED_NAMES = {
    VAL: "validation data",
    TRAIN: "training data",
    SIDECAR: "byte sidecar",
    GEN: "self-generated tokens",
    RAND: "random tokens",
    TARGET: "target tokens",
    TARGET_POS: "current-position token",
    GOLD: "probability of the realized token",
    GOLD_WEAK: "value indexed by the realized token",
    DIST: "vocabulary distribution",
    VOCAB: "whole vocabulary",
    OPT: "optimizer",
    GRAD: "gradient",
    TIME: "clock",
    ENV: "environment",
}


def bits(value: int) -> Iterator[int]:
    """The set bits of `value`, lowest first."""
    while value:
        low = value & -value
        yield low
        value ^= low


class LabelSpace:
    """Allocates dynamic labels and remembers what each stands for."""

    def __init__(self) -> None:
        self._next = _FIRST_DYNAMIC
        self.param_bit: dict[tuple[int, str], int] = {}
        self.param_of: dict[int, tuple[int, str]] = {}
        self.param_mask: dict[int, int] = {}  # fid -> OR of that function's parameter bits
        self.all_params = 0
        self.class_bit: dict[str, int] = {}
        self.class_of: dict[int, str] = {}
        self.all_classes = 0
        self.func_bit: dict[int, int] = {}
        self.func_of: dict[int, int] = {}
        self.all_funcs = 0
        self._classes_cache: dict[int, list[str]] = {}

    def _alloc(self) -> int:
        bit = 1 << self._next
        self._next += 1
        return bit

    def param(self, fid: int, name: str) -> int:
        key = (fid, name)
        if key not in self.param_bit:
            bit = self._alloc()
            self.param_bit[key] = bit
            self.param_of[bit] = key
            self.param_mask[fid] = self.param_mask.get(fid, 0) | bit
            self.all_params |= bit
        return self.param_bit[key]

    def cls(self, key: str) -> int:
        if key not in self.class_bit:
            bit = self._alloc()
            self.class_bit[key] = bit
            self.class_of[bit] = key
            self.all_classes |= bit
        return self.class_bit[key]

    def func(self, fid: int) -> int:
        if fid not in self.func_bit:
            bit = self._alloc()
            self.func_bit[fid] = bit
            self.func_of[bit] = fid
            self.all_funcs |= bit
        return self.func_bit[fid]

    def classes_in(self, value: int) -> list[str]:
        masked = value & self.all_classes
        if not masked:
            return []
        found = self._classes_cache.get(masked)
        if found is None:
            found = self._classes_cache[masked] = [self.class_of[b] for b in bits(masked)]
        return found

    def funcs_in(self, value: int) -> list[int]:
        return [self.func_of[b] for b in bits(value & self.all_funcs)]

    @staticmethod
    def describe(value: int) -> list[str]:
        """Human names of the fixed labels in `value` (dynamic ones are left out)."""
        return [name for bit, name in FIXED_NAMES.items() if value & bit]
