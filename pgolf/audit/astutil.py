"""Small AST helpers shared by the analysis (cheap text keys instead of `ast.unparse`)."""

from __future__ import annotations

import ast


def dotted(node: ast.AST) -> str:
    """`a.b.c` for names and attribute chains, `a[...]` for subscripts, a unique key otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"{dotted(node.value)}[...]"
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.Call):
        return f"{dotted(node.func)}()"
    return f"#{id(node)}"


def last_name(node: ast.AST) -> str:
    """The last component of a name or attribute chain; '' otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return last_name(node.value)
    return ""


def names_in(node: ast.AST) -> set[str]:
    """Every plain name read anywhere in an expression."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
