"""Parsing submission code on Python 3.11: PEP 701 f-strings rewritten with exact line numbers."""

from __future__ import annotations

import ast
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgolf.audit.pyparse import parse_python, rewrite_pep701_fstrings

PEP701 = """\
x = {"a": 1}
path = f"{x["a"]}/fineweb_val_*.bin"
y = f"plain {x['a']:>{10}} {{lit}}"
z = f\"\"\"multi
{x["a"]}
line\"\"\"
w = f'{"\\n".join(["a", "b"])}'
def after():
    return 1
"""


def test_pep701_rewrite_keeps_line_numbers_and_literals() -> None:
    result = parse_python(PEP701, "t.py")
    assert result.tree is not None, result.error
    defs = [n for n in ast.walk(result.tree) if isinstance(n, ast.FunctionDef)]
    assert [d.lineno for d in defs] == [8]
    constants = {n.value for n in ast.walk(result.tree) if isinstance(n, ast.Constant)}
    assert any(isinstance(c, str) and "fineweb_val_" in c for c in constants), "the literal part survives"
    assert result.repaired is (sys.version_info < (3, 12))


def test_fstrings_valid_before_312_are_left_alone() -> None:
    text = 'a = f"{b!r} {c=} {d:>{w}} {{x}}"\n'
    assert rewrite_pep701_fstrings(text) == text


def test_syntax_error_is_reported_not_raised() -> None:
    result = parse_python("def broken(:\n    pass\n", "t.py")
    assert result.tree is None
    assert result.error is not None and result.error.startswith("SyntaxError")
    assert result.error_line == 1


def test_null_bytes_are_an_error_not_a_crash() -> None:
    result = parse_python("x = 1\x00\n", "t.py")
    assert result.tree is None and result.error


@pytest.mark.parametrize("text", ['f"{', 'x = "unterminated', "f'{a!'", 'f"{x:{y"'])
def test_unterminated_literals_do_not_crash(text: str) -> None:
    assert parse_python(text, "t.py").tree is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("f'\"{}[]()=!:#\\ \nabx1")), max_size=60))
def test_random_text_never_raises(text: str) -> None:
    result = parse_python(text, "t.py")
    assert (result.tree is None) is (result.error is not None)
