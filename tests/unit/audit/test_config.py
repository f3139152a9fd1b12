"""Static flag evaluation: which branches the submitted run takes."""

from __future__ import annotations

import ast

from pgolf.audit.config import RunConfig, config_from_texts
from tests.unit.audit.conftest import Analyse

SCRIPT = """
import os
_B = True
class Hyperparameters:
    slot_enabled = bool(int(os.environ.get("SLOT_ENABLED", "0")))
    ttt_epochs = int(os.environ.get("TTT_EPOCHS", 3))
    mode = os.environ.get("MODE", "fast").lower()

def run(h, model):
    use_slot = getattr(h, "slot_enabled", False)
    if use_slot:
        return 1
    if h.ttt_epochs > 0 and _B:
        return 2
    if h.mode == "fast":
        return 3
    if model.training:
        return 4
"""


def _truths(analyse: Analyse, config: RunConfig | None = None) -> list[bool | None]:
    a = analyse(SCRIPT, config)
    fid = next(f.fid for f in a.program.funcs if f.name == "run")
    tests = [n.test for n in a.program.funcs[fid].nodes if isinstance(n, ast.If)]
    tests.sort(key=lambda t: t.lineno)
    return [a.flags.truth(fid, t) for t in tests]


def test_defaults(analyse: Analyse) -> None:
    assert _truths(analyse) == [False, True, True, None]


def test_logs_and_readme_override_defaults(analyse: Analyse) -> None:
    cfg = config_from_texts("SLOT_ENABLED=1 TTT_EPOCHS=0 torchrun train_gpt.py", [{"mode": "slow"}])
    assert _truths(analyse, cfg) == [True, False, False, None]


def test_conflicting_settings_are_unknown(analyse: Analyse) -> None:
    cfg = config_from_texts("SLOT_ENABLED=1 torchrun x\nSLOT_ENABLED=0 torchrun y", [])
    assert "SLOT_ENABLED" in cfg.ambiguous
    assert _truths(analyse, cfg)[0] is None


HELPER_SCRIPT = """
import os
def _eb(k, d="0"): return bool(int(os.environ.get(k, d)))
def _ei(k, d):
    '''int env var'''
    return int(os.environ.get(k, str(d)))
def _two(k):
    v = os.environ.get(k)
    return v
class Hyperparameters:
    sgd_ttt = _eb("SGD_TTT")
    slot = _eb("SLOT", d="1")
    epochs = _ei("TTT_EPOCHS", 3)
    other = _two("OTHER")

def run(h):
    if h.sgd_ttt:
        return 1
    if h.slot:
        return 2
    if h.epochs > 2:
        return 3
    if h.other:
        return 4
"""


def test_one_line_env_helpers_are_evaluated(analyse: Analyse) -> None:
    """`def _eb(k, d="0"): return bool(int(os.environ.get(k, d)))` is read with the call's arguments and the
    helper's defaults; a helper with more than a return statement stays unknown."""

    def truths(config: RunConfig | None = None) -> list[bool | None]:
        a = analyse(HELPER_SCRIPT, config)
        fid = next(f.fid for f in a.program.funcs if f.name == "run")
        tests = sorted((n.test for n in a.program.funcs[fid].nodes if isinstance(n, ast.If)), key=lambda t: t.lineno)
        return [a.flags.truth(fid, t) for t in tests]

    assert truths() == [False, True, True, None]
    assert truths(config_from_texts("SGD_TTT=1 SLOT=0 TTT_EPOCHS=1 torchrun train_gpt.py", [])) == [
        True,
        False,
        False,
        None,
    ]
