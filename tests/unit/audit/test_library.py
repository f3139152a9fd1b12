"""The library table: one entry per name, and no name both keeps and drops labels."""

from __future__ import annotations

from collections import defaultdict

from pgolf.audit.kinds import CallKind
from pgolf.audit.library import ENTRIES, Trait, function_kind, method_kind


def test_no_name_is_both_label_keeping_and_label_dropping() -> None:
    traits: dict[str, Trait] = defaultdict(lambda: Trait.NONE)
    for key, trait in ENTRIES:
        traits[key] |= trait
    both = sorted(key for key, t in traits.items() if Trait.KEEP in t and Trait.DROP in t)
    assert both == [], f"keeps and drops labels at once: {both}"


def test_logging_and_math_spelled_alike_are_told_apart() -> None:
    assert function_kind("logging.log") is CallKind.SANITIZE
    assert function_kind("torch.log") is CallKind.LIB
    assert function_kind("math.log") is CallKind.LIB
    assert method_kind("log", 0) is CallKind.METHOD  # x.log(): a tensor's logarithm
    assert method_kind("numel", 0) is CallKind.SANITIZE


def test_label_creating_calls() -> None:
    assert function_kind("torch.nn.functional.cross_entropy") is CallKind.CE
    assert function_kind("torch.randint") is CallKind.RAND
    assert function_kind("torch.optim.AdamW") is CallKind.OPT
    assert function_kind("os.environ.get") is CallKind.ENV
    assert method_kind("gather", 2) is CallKind.GATHER
    assert method_kind("softmax", 1) is CallKind.DIST
