"""Find the code loaders of one file and resolve them statically; never run anything.

Records ship `train_gpt.py` as a self-extracting wrapper (`exec(L.decompress(B.b85decode("...")))`),
and a hostile submission can hide code behind any loader Python really runs. Every call whose callee
folds (static_eval) to `exec`/`eval` (also through an alias, `builtins.exec` or `getattr(builtins, ...)`),
`__import__`/`importlib.import_module`, `runpy.run_path`/`run_module`, or bytecode (`marshal.loads`,
`types.CodeType`) is resolved:
- a constant string or bytes, decoded or not: a `Payload` (code the gatherer parses and analyses);
- the text of a file of the folder, of any extension: a file load;
- a module name: a module load;
- anything else: `unresolved`, which makes the code unauditable (a finding, never a pass).
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from pgolf.audit.static_eval import (
    MAX_DECODED_BYTES,
    Budget,
    Builtin,
    DecodeError,
    Evaluator,
    FileText,
    FolderPath,
    FuncRef,
    ModuleRef,
    Opaque,
    Unknown,
)

__all__ = ["MAX_DECODED_BYTES", "MAX_NESTING", "LoaderScan", "Payload", "candidate_lines", "scan_loaders"]

MAX_NESTING = 8  # a wrapper whose payload is a wrapper ... (deeper is a cap finding, never a pass)

# Lines where a loader call can start. Aliases (`E = exec`) are found first and added to the pattern.
_LOADER = re.compile(
    r"(?<![\w.])(exec|eval|compile|__import__)\s*\("
    r"|\b(import_module|run_path|run_module|CodeType|FunctionType|zipimporter)\s*\("
    r"|\bmarshal\s*\.\s*loads?\b|\b(builtins|__builtins__)\b|\bgetattr\s*\([^)]*\)\s*\("
    r"|\bvars\s*\(|\bglobals\s*\(\s*\)\s*\["
)
_ALIAS = re.compile(
    r"\b([A-Za-z_]\w*)\s*=\s*(?:getattr\s*\(|vars\s*\(|(?:builtins\.|__builtins__\.)?(?:exec|eval|__import__)\b(?!\s*\())"
)
_LOADER_ATTRS = frozenset({"exec", "eval", "compile", "__import__", "import_module", "run_path", "run_module"})
_BYTECODE = frozenset({"marshal.loads", "marshal.load", "types.CodeType", "types.FunctionType"})


@dataclass(frozen=True)
class Payload:
    text: str
    line: int  # the exec()/eval() call in the outer file
    codecs: tuple[str, ...]  # decode steps, innermost first, e.g. ("base85", "lzma-raw"); () for a literal

    @property
    def description(self) -> str:
        return "+".join(reversed(self.codecs)) or "literal"


@dataclass
class LoaderScan:
    payloads: list[Payload] = field(default_factory=list)
    file_loads: list[tuple[str, int]] = field(default_factory=list)  # (path relative to the script's folder, line)
    module_loads: list[tuple[str, int]] = field(default_factory=list)  # (dotted module name, line)
    unresolved: list[tuple[int, str]] = field(default_factory=list)  # (line, why the code cannot be audited)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (line, why a wrapper could not be decoded)


def candidate_lines(text: str) -> set[int]:
    """Lines where a loader call may start (a text prefilter: most lines of a script have none)."""
    names = {m.group(1) for m in _ALIAS.finditer(text)}
    pattern = _LOADER
    if names:
        pattern = re.compile(_LOADER.pattern + r"|(?<![\w.])(" + "|".join(map(re.escape, sorted(names))) + r")\s*\(")
    return {text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)}


def _nodes_on_lines(tree: ast.Module, lines: Collection[int]) -> Iterator[ast.AST]:
    """The nodes whose line span contains one of `lines`: a pruned walk (150 KB scripts, few candidates)."""
    wanted = sorted(lines)
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        start = getattr(node, "lineno", None)
        if start is not None:
            end = getattr(node, "end_lineno", None) or start
            i = bisect.bisect_left(wanted, start)
            if i == len(wanted) or wanted[i] > end:
                continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def scan_loaders(
    tree: ast.Module, text: str | None = None, budget: Budget | None = None, script: str = "train_gpt.py"
) -> LoaderScan:
    """Resolve every code loader of one parsed file (`text` enables the line prefilter; `script` is the
    file's path in the folder, what `__file__` names)."""
    lines = candidate_lines(text) if text is not None else None
    scan = LoaderScan()
    if lines is not None and not lines:
        return scan
    ev = Evaluator(tree, budget, script)
    seen: set[int] = set()
    for node in ast.walk(tree) if lines is None else _nodes_on_lines(tree, lines):
        if isinstance(node, ast.Call) and id(node) not in seen and _may_load(node):
            seen.add(id(node))
            _resolve(ev, node, scan)
    return scan


def _may_load(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return True  # exec, an alias of it, __import__, a from-imported import_module/run_path/loads
    if isinstance(func, ast.Attribute):
        return func.attr in _LOADER_ATTRS or func.attr in ("loads", "load", "CodeType", "FunctionType")
    return isinstance(func, ast.Call | ast.Subscript)  # getattr(builtins, "exec")(...), vars(b)["exec"](...)


def _resolve(ev: Evaluator, node: ast.Call, scan: LoaderScan) -> None:
    try:
        callee = ev.callee(node.func)
    except (Unknown, DecodeError):
        if _builtin_chosen_at_run_time(node.func, ev):
            scan.unresolved.append((node.lineno, "calls a builtin chosen at run time (getattr on builtins)"))
        return
    if isinstance(callee, FuncRef) and callee.qual in _BYTECODE:
        scan.unresolved.append((node.lineno, f"runs Python bytecode ({callee.qual}), which pgolf cannot read"))
        return
    if isinstance(callee, Builtin) and callee.name in ("exec", "eval"):
        _code(ev, node, callee.name, scan)
    elif (isinstance(callee, Builtin) and callee.name == "__import__") or (
        isinstance(callee, FuncRef) and callee.qual in ("importlib.import_module", "runpy.run_module")
    ):
        _module(ev, node, scan)
    elif isinstance(callee, FuncRef) and callee.qual == "runpy.run_path":
        _path(ev, node, scan)
    elif isinstance(callee, FuncRef) and callee.qual == "zipimport.zipimporter":
        scan.unresolved.append((node.lineno, "imports code from an archive (zipimport)"))


def _code(ev: Evaluator, node: ast.Call, name: str, scan: LoaderScan) -> None:
    if not node.args:
        return
    try:
        value, used = ev.value(node.args[0])
    except Unknown:
        scan.unresolved.append((node.lineno, f"{name}() of code that pgolf cannot resolve statically"))
        return
    except DecodeError as exc:
        scan.failures.append((node.lineno, str(exc)))
        return
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        scan.payloads.append(Payload(text=value, line=node.lineno, codecs=tuple(used)))
    elif isinstance(value, FileText):
        scan.file_loads.append((value.path, node.lineno))
    elif isinstance(value, Opaque):
        scan.unresolved.append((node.lineno, f"{name}() of {value.why}, which pgolf cannot read"))
    else:
        scan.unresolved.append((node.lineno, f"{name}() of a value that is not source code pgolf can read"))


def _module(ev: Evaluator, node: ast.Call, scan: LoaderScan) -> None:
    try:
        value = ev.value(node.args[0])[0] if node.args else None
    except (Unknown, DecodeError):
        value = None
    if isinstance(value, str) and value:
        scan.module_loads.append((value, node.lineno))
    else:
        scan.unresolved.append((node.lineno, "imports a module whose name pgolf cannot resolve statically"))


def _path(ev: Evaluator, node: ast.Call, scan: LoaderScan) -> None:
    try:
        value = ev.value(node.args[0])[0] if node.args else None
    except (Unknown, DecodeError):
        value = None
    if isinstance(value, FolderPath | str):
        scan.file_loads.append((value.path if isinstance(value, FolderPath) else value, node.lineno))
    else:
        scan.unresolved.append((node.lineno, "runs a file whose path pgolf cannot resolve statically"))


def _builtin_chosen_at_run_time(func: ast.expr, ev: Evaluator) -> bool:
    """`getattr(builtins, name)(...)` with a name that does not fold."""
    if not (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr"):
        return False
    if not func.args:
        return False
    try:
        target = ev.value(func.args[0])[0]
    except (Unknown, DecodeError):
        return False
    return target == ModuleRef("builtins")
