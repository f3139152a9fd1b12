"""Hostile or broken code never crashes a code check: it is reported, skipped or analysed."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import ALL_CHECKS
from pgolf.audit import fixture_scripts as fs
from pgolf.audit.detect_gptq import gptq_report
from pgolf.audit.detect_misc import lookbacks, network_calls
from pgolf.audit.detect_scoring import scoring_facts
from pgolf.audit.detect_ttt import ttt_facts
from pgolf.audit.kinds import EventKind
from pgolf.catalogue import CheckContext, run_check
from pgolf.findings import Status
from pgolf.folder import load_folder
from pgolf.ruleset import load_ruleset
from tests.unit.audit.conftest import Analyse

Make = Callable[[Mapping[str, str | bytes]], Path]
FULL = fs.script(helpers=fs.SCORE_FIRST_TTT + fs.NGRAM_CACHE + fs.PPM_OBSERVED_GATE, after_eval=fs.RUN_TTT)
TOP_LEVEL = [ast.get_source_segment(FULL, node) or "" for node in ast.parse(FULL).body]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(range(len(TOP_LEVEL))), min_size=1, max_size=len(TOP_LEVEL), unique=True))
def test_any_subset_of_definitions_analyses(analyse: Analyse, picks: list[int]) -> None:
    """Missing definitions, dangling calls, half a program: the detectors still return their facts."""
    text = "\n\n".join(TOP_LEVEL[i] for i in sorted(picks)) + "\n"
    a = analyse(text)
    assert isinstance(ttt_facts(a).updates, list)
    assert isinstance(scoring_facts(a).lookups, list)
    gptq_report(a)
    network_calls(a)
    lookbacks(a)


def test_deeply_nested_expression_is_skipped_not_crashed(make_folder: Make) -> None:
    deep = "x = " + "+".join(["1"] * 20000) + "\n"
    ctx = CheckContext(folder=load_folder(make_folder({"train_gpt.py": deep})), ruleset=load_ruleset())
    for code, check in ALL_CHECKS.items():
        if check.kind == "code":
            assert run_check(check(), ctx).status in (Status.SKIP, Status.WARN, Status.PASS), code


def test_mutual_recursion_and_self_calls_terminate(analyse: Analyse) -> None:
    code = (
        "def f(x):\n    x.backward()\n    return f(g(x))\n\n"
        "def g(y):\n    return f(y)\n\n"
        "f(open('fineweb_val_0.bin'))\n"
    )
    a = analyse(code)
    backward = list(a.trace.of_kind(EventKind.BACKWARD))
    assert len(backward) == 1, "each function is entered once per call path; recursion is cut"


def test_a_module_importing_itself_is_not_an_endless_lookup(analyse: Analyse) -> None:
    """#211 imports names from train_gpt inside train_gpt.py; the lookup chain must stop, not recurse."""
    a = analyse("from train_gpt import helper\n\ndef main():\n    return helper(1)\n\nmain()\n")
    assert a.trace is not None
