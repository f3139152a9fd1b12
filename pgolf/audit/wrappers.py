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

The other shape of a self-extracting wrapper decodes the literal to a FILE and runs that file
(`open(p, "wb").write(L.decompress(...))` then `runpy.run_path(p)`, #1771; a bundle split into files of a
temporary directory in a loop, #1518). Writes whose path (a constant, built from `__file__` or a
`tempfile.mkdtemp()`) and content both fold are `WrittenFile`s: the gatherer resolves a later run or
import of that path to the decoded text. Any other file write or file move in the same code
(`untrusted_writes`) could replace what runs, so its written files are not trusted.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pgolf.audit.static_eval import (
    DECODER_NAMES,
    MAX_DECODED_BYTES,
    Budget,
    Builtin,
    DecodeError,
    Evaluator,
    FileText,
    FolderPath,
    FuncRef,
    LineIndex,
    ModuleRef,
    Opaque,
    Unknown,
    nodes_on_lines,
    qualified,
)

__all__ = [
    "MAX_DECODED_BYTES",
    "MAX_NESTING",
    "LoaderScan",
    "Payload",
    "UntrustedWrite",
    "WrittenFile",
    "candidate_lines",
    "scan_loaders",
]

MAX_NESTING = 8  # a wrapper whose payload is a wrapper ... (deeper is a cap finding, never a pass)

# Words that start every loader call (checked on the AST afterwards), and those an alias can be bound to.
_KEYWORDS = (
    "exec",
    "eval",
    "compile",
    "__import__",
    "import_module",
    "run_path",
    "run_module",
    "CodeType",
    "FunctionType",
    "zipimporter",
    "marshal",
    "builtins",
    "getattr",
    "vars(",
    "globals(",
)
_ALIASABLE = frozenset({"exec", "eval", "__import__", "getattr", "vars(", "builtins"})
_BOUND = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*(?:builtins\.|__builtins__\.)?")
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


@dataclass(frozen=True)
class WrittenFile:
    """A file the code writes from a folded literal: `path` is relative to the script's folder, or below
    static_eval.TEMP_DIR."""

    path: str
    text: str
    line: int  # the write call
    codecs: tuple[str, ...]

    @property
    def description(self) -> str:
        return "+".join(reversed(self.codecs)) or "literal"


@dataclass(frozen=True)
class UntrustedWrite:
    """A write or move pgolf cannot fold: it could replace a file the code wrote from a literal."""

    line: int
    why: str
    path: str | None  # the one file it can touch, when its path folds; None: any file


@dataclass
class LoaderScan:
    payloads: list[Payload] = field(default_factory=list)
    file_loads: list[tuple[str, int]] = field(default_factory=list)  # (path relative to the script's folder, line)
    module_loads: list[tuple[str, int]] = field(default_factory=list)  # (dotted module name, line)
    unresolved: list[tuple[int, str]] = field(default_factory=list)  # (line, why the code cannot be audited)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (line, why a wrapper could not be decoded)
    written: list[WrittenFile] = field(default_factory=list)
    python_runs: list[tuple[str, int]] = field(default_factory=list)  # `subprocess.run([sys.executable, path])`
    untrusted_writes: list[UntrustedWrite] = field(default_factory=list)


def candidate_lines(text: str, index: LineIndex | None = None) -> set[int]:
    """Lines where a loader call may start: a superset found with str.find (C speed; a regex over a
    150 KB script cost 40 ms), pruned later by the AST test `_may_load`."""
    return _candidates(text, index or LineIndex(text))[0]


def _candidates(text: str, index: LineIndex) -> tuple[set[int], set[str]]:
    """Candidate lines, and the names bound to a loader (`E = exec`, `g = getattr(builtins, ...)`)."""
    lines: set[int] = set()
    aliases: set[str] = set()
    for word in _KEYWORDS:
        at = text.find(word)
        while at >= 0:
            line = index.line(at)
            lines.add(line)
            if word in _ALIASABLE:
                start = index.starts[line - 1]
                bound = _BOUND.match(text, start, at)
                if bound is not None and bound.end() == at:
                    aliases.add(bound.group(1))
            at = text.find(word, at + len(word))
    for name in aliases:
        at = text.find(name + "(")
        while at >= 0:
            lines.add(index.line(at))
            at = text.find(name + "(", at + 1)
    return lines, aliases


def scan_loaders(
    tree: ast.Module, text: str | None = None, budget: Budget | None = None, script: str = "train_gpt.py"
) -> LoaderScan:
    """Resolve every code loader of one parsed file (`text` enables the line prefilter; `script` is the
    file's path in the folder, what `__file__` names)."""
    ev = Evaluator(tree, budget, script, text)
    scan = LoaderScan()
    if text is not None and ev.scope.index is not None:
        lines, aliases = _candidates(text, ev.scope.index)
        if not lines:
            return scan
        nodes = nodes_on_lines(tree, lines)
    else:
        nodes, aliases = (
            ast.walk(tree),
            {
                n.targets[0].id
                for n in ast.walk(tree)
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
            },
        )
    names = _LOADER_NAMES | aliases
    seen: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.Call) and id(node) not in seen and _may_load(node, names):
            seen.add(id(node))
            _resolve(ev, node, scan)
    scan_file_writes(ev, scan)
    return scan


# Names a loader is called by: the builtins, from-imported loader functions, and aliases found in the text.
_LOADER_NAMES = frozenset(
    {"exec", "eval", "__import__", "import_module", "run_path", "run_module", "zipimporter", "loads", "load"}
    | {"CodeType", "FunctionType"}
)
_INDIRECT = frozenset({"getattr", "vars", "globals", "__import__"})  # getattr(builtins, "exec")(...)


def _may_load(node: ast.Call, names: frozenset[str] | set[str]) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in names
    if isinstance(func, ast.Attribute):
        if func.attr in _LOADER_ATTRS or func.attr in ("loads", "load", "CodeType", "FunctionType"):
            return True
        func = func.value  # __import__("builtins").exec
    while isinstance(func, ast.Subscript | ast.Attribute):
        func = func.value  # vars(builtins)["exec"](...)
    return isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id in _INDIRECT


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
        sources = _parameter_sources(ev, node)
        if sources is None:
            scan.unresolved.append((node.lineno, f"{name}() of code that pgolf cannot resolve statically"))
        else:
            scan.payloads += [Payload(text=text, line=line, codecs=()) for text, line in sources]
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


def _parameter_sources(ev: Evaluator, node: ast.Call) -> list[tuple[str, int]] | None:
    """`def install(name, source): exec(compile(source, ...))` called as `install("m", "<code>")` at every
    call site: each call's literal is code the file runs (a bundler). None unless every site folds."""
    arg = node.args[0]
    while isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "compile" and arg.args:
        arg = arg.args[0]
    found = alternatives(ev, arg, node.lineno)
    if not found:
        return None
    out: list[tuple[str, int]] = []
    for value, line in found:
        text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
        if not isinstance(text, str):
            return None
        out.append((text, line))
    return out


_MAX_HOPS = 3  # call sites followed from a parameter to a literal (install -> load -> literal)


def alternatives(ev: Evaluator, expr: ast.expr, line: int, hops: int = 0) -> list[tuple[object, int]] | None:
    """The values an expression can take, with the line each comes from, when every one folds: a constant,
    a loop variable over a literal list, or a parameter whose every call site passes one. None otherwise."""
    try:
        return [(ev.value(expr)[0], line)]
    except (Unknown, DecodeError):
        pass
    if not isinstance(expr, ast.Name) or hops > _MAX_HOPS:
        return None
    sites = _local(ev, ev.scope.bindings(expr.id), line)
    if len(sites) != 1:
        return None
    site = sites[0]
    if isinstance(site, ast.For | ast.comprehension) and isinstance(site.target, ast.Name):
        try:
            items = ev.value(site.iter)[0]
        except (Unknown, DecodeError):
            return None
        return [(item, getattr(site, "lineno", line)) for item in items] if isinstance(items, list) else None
    if isinstance(site, ast.arg):
        return _from_call_sites(ev, expr.id, line, hops)
    return None


def _enclosing_function(ev: Evaluator, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    found = [f for f in nodes_on_lines(ev.scope.tree, [line]) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
    return max(found, key=lambda f: f.lineno) if found else None


def _local(ev: Evaluator, sites: list[ast.AST], line: int) -> list[ast.AST]:
    """The bindings in the function around `line` (or at module level): a name is bound per scope."""
    func = _enclosing_function(ev, line)
    if func is None:
        return [s for s in sites if _enclosing_function(ev, getattr(s, "lineno", line)) is None]
    end = func.end_lineno or func.lineno
    return [s for s in sites if func.lineno <= getattr(s, "lineno", 0) <= end]


def _from_call_sites(ev: Evaluator, param: str, line: int, hops: int) -> list[tuple[object, int]] | None:
    func = _enclosing_function(ev, line)
    if func is None or param not in [a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]]:
        return None
    params = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
    index = params.index(param) if param in params else None
    out: list[tuple[object, int]] = []
    calls = _calls_of(ev, func.name)
    for call in calls:
        value_node = next((k.value for k in call.keywords if k.arg == param), None)
        if value_node is None and index is not None and index < len(call.args):
            value_node = call.args[index]
        if value_node is None:
            return None
        found = alternatives(ev, value_node, call.lineno, hops + 1)
        if found is None:
            return None
        out += found
    return out or None


def _calls_of(ev: Evaluator, name: str) -> list[ast.Call]:
    """Calls `name(...)` in the file, found from the lines that mention the name."""
    scope = ev.scope
    if scope.text is None or scope.index is None:
        nodes: Iterator[ast.AST] = ast.walk(scope.tree)
    else:
        lines = {scope.index.line(m.start()) for m in re.finditer(rf"(?<![\w.]){re.escape(name)}\s*\(", scope.text)}
        nodes = nodes_on_lines(scope.tree, lines)
    return [n for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name]


def _module(ev: Evaluator, node: ast.Call, scan: LoaderScan) -> None:
    found = alternatives(ev, node.args[0], node.lineno) if node.args else None
    if found and all(isinstance(value, str) and value for value, _ in found):
        scan.module_loads += [(str(value), node.lineno) for value, _ in found]
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


# ----- decode-to-file wrappers ---------------------------------------------------------------------
_WRITE_WORDS = ("open", "write", "executable", "shutil", "rename", "replace", "symlink", "link", "system", "popen")
_MAX_LOOP_ITEMS = 256  # files one folded loop may write
_MOVERS = frozenset(
    {f"shutil.{n}" for n in ("copy", "copy2", "copyfile", "copyfileobj", "move", "copytree")}
    | {f"os.{n}" for n in ("rename", "renames", "replace", "link", "symlink", "system", "popen", "open", "write")}
)
_PATH_MOVERS = frozenset({"rename", "replace", "symlink_to", "hardlink_to", "open"})
_SUBPROCESS = frozenset(
    {f"subprocess.{n}" for n in ("run", "call", "check_call", "check_output", "Popen")}
    | {f"os.{n}" for n in ("execv", "execve", "execl", "execlp", "execvp", "spawnv", "spawnl")}
)


def scan_file_writes(ev: Evaluator, scan: LoaderScan) -> None:
    """Files written from folded literals (`scan.written`), `python <path>` subprocesses (`python_runs`),
    and, where this code writes or runs such a file, every other write or move (`untrusted_writes`)."""
    scope = ev.scope
    if scope.text is not None and scope.index is not None:
        lines = {scope.index.line(m.start()) for m in re.finditer("|".join(_WRITE_WORDS), scope.text)}
        if not lines:
            return
        nodes: Iterator[ast.AST] = nodes_on_lines(scope.tree, lines)
    else:
        nodes = ast.walk(scope.tree)
    handled: set[int] = set()  # the open() calls whose write was resolved
    others: list[tuple[ast.Call, str, str]] = []  # opens and moves, judged only where they matter (below)
    pending: list[ast.Call] = []  # writes of contents that do not fold
    for node in list(nodes):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute | ast.Name):
            continue
        qual = qualified(node.func, ev.aliases)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        if attr in ("write", "write_text", "write_bytes") and node.args:
            if not _written(ev, node, scan, handled):
                pending.append(node)
        elif qual in _SUBPROCESS:
            _python_run(ev, node, scan)
        else:
            others.append((node, qual, attr))
    if not (scan.written or scan.file_loads or scan.python_runs):
        return  # the common script: it writes and runs no file from a literal, so its other writes do not matter
    for node in pending:
        target = _target_of_write(ev, node)
        if target is not None:
            where = _folded_path(ev, target[0])
            scan.untrusted_writes.append(UntrustedWrite(node.lineno, "writes contents pgolf cannot fold", where))
    for node, qual, attr in others:
        func = node.func
        if id(node) not in handled and _write_mode(ev, node) is not None:
            path = node.func.value if isinstance(node.func, ast.Attribute) and attr == "open" else None
            where = _folded_path(ev, path if path is not None else node.args[0]) if path or node.args else None
            scan.untrusted_writes.append(UntrustedWrite(node.lineno, "opens a file for writing", where))
        elif qual in _MOVERS or (isinstance(func, ast.Attribute) and attr in _PATH_MOVERS and _is_path(ev, func)):
            scan.untrusted_writes.append(
                UntrustedWrite(node.lineno, f"moves or writes files with `{qual or attr}`", None)
            )


def _write_mode(ev: Evaluator, node: ast.Call) -> str | None:
    """The mode of `open(path, mode)` / `Path.open(mode)` when it writes; None otherwise."""
    func = node.func
    is_path_open = isinstance(func, ast.Attribute) and func.attr == "open" and _is_path(ev, func)
    try:
        callee = None if is_path_open else ev.callee(func)
    except (Unknown, DecodeError):
        return None
    if not is_path_open and callee not in (Builtin("open"), FuncRef("io.open")):
        return None
    position = 0 if is_path_open else 1
    mode_node = node.args[position] if len(node.args) > position else None
    mode_node = next((k.value for k in node.keywords if k.arg == "mode"), mode_node)
    if mode_node is None:
        return None
    try:
        mode = ev.value(mode_node)[0]
    except (Unknown, DecodeError):
        return "?"  # a mode chosen at run time may write
    return mode if isinstance(mode, str) and any(c in mode for c in "wxa+") else None


def _folded_path(ev: Evaluator, expr: ast.expr) -> str | None:
    try:
        value = ev.value(expr)[0]
    except (Unknown, DecodeError):
        return None
    if isinstance(value, FolderPath):
        return value.path
    return value.removeprefix("./") if isinstance(value, str) else None


def _is_path(ev: Evaluator, func: ast.Attribute) -> bool:
    try:
        return isinstance(ev.value(func.value)[0], FolderPath)
    except (Unknown, DecodeError):
        return False


def _target_of_write(ev: Evaluator, node: ast.Call) -> tuple[ast.expr, ast.Call | None] | None:
    """The path expression a `.write(...)` goes to, and the open() call it goes through."""
    func = node.func
    assert isinstance(func, ast.Attribute)
    if func.attr in ("write_text", "write_bytes"):
        return func.value, None
    handle = func.value
    if isinstance(handle, ast.Name):  # `with open(p, "wb") as f: f.write(x)` / `f = open(p, "w")`
        sites = ev.scope.bindings(handle.id)
        if len(sites) != 1:
            return None
        site = sites[0]
        if isinstance(site, ast.With):
            handle = next(
                (
                    i.context_expr
                    for i in site.items
                    if isinstance(i.optional_vars, ast.Name) and i.optional_vars.id == handle.id
                ),
                handle,
            )
        elif isinstance(site, ast.Assign) and len(site.targets) == 1:
            handle = site.value
    if isinstance(handle, ast.Call) and _write_mode(ev, handle) not in (None, "?") and handle.args:
        func_open = handle.func
        path = func_open.value if isinstance(func_open, ast.Attribute) and func_open.attr == "open" else handle.args[0]
        return path, handle
    return None


def _written(ev: Evaluator, node: ast.Call, scan: LoaderScan, handled: set[int]) -> bool:
    """Record a write of folded contents to a folded path. False when the contents do not fold outside a
    loop (most writes: a checkpoint, a log), judged later only where it matters: the contents are folded
    first, because finding the file handle of `f.write` costs a search for every `f` of the file."""
    if not _may_fold(ev, node.args[0]):
        return False
    loop = _enclosing_loop(ev, node)
    content: list[tuple[list[object], list[str]]] | None = None
    if loop is None:
        content = _values(ev, [node.args[0]])
        if content is None:
            return False
    target = _target_of_write(ev, node)
    if target is None:
        return True  # not a file write (sys.stdout.write, a buffer) or one through an unresolved open() (counted there)
    path_node, opened = target
    if loop is not None:
        found = _per_iteration(ev, loop, [path_node, node.args[0]])
    else:
        assert content is not None
        paths = _values(ev, [path_node])
        found = None if paths is None else [([paths[0][0][0], content[0][0][0]], content[0][1])]
    if found is None:
        scan.untrusted_writes.append(UntrustedWrite(node.lineno, "writes a file pgolf cannot fold", None))
        return True
    for (path, text), used in found:
        if isinstance(path, FolderPath | str) and isinstance(text, str | bytes):
            body = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
            rel = path.path if isinstance(path, FolderPath) else path.removeprefix("./")
            scan.written.append(WrittenFile(rel, body, node.lineno, tuple(used)))
        else:
            scan.untrusted_writes.append(UntrustedWrite(node.lineno, "writes a file pgolf cannot fold", None))
            return True
    if opened is not None:
        handled.add(id(opened))
    return True


_FOLDING_METHODS = frozenset({"decode", "encode", "join", "replace", "split", "read", "read_text", "read_bytes"})


def _may_fold(ev: Evaluator, expr: ast.expr) -> bool:
    """Whether the contents of a write may fold, judged on the syntax alone: a checkpoint's
    `f.write(int(n).to_bytes(4))` is not looked up name by name (each lookup searches the whole file).
    A miss only leaves the written file unresolved, so running it stays unauditable code."""
    if isinstance(expr, ast.Constant | ast.Name | ast.JoinedStr):
        return True
    if isinstance(expr, ast.BinOp):
        return _may_fold(ev, expr.left) and _may_fold(ev, expr.right)
    if isinstance(expr, ast.Subscript):
        return _may_fold(ev, expr.value)
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in _FOLDING_METHODS:
            return True
        return isinstance(func, ast.Name | ast.Attribute) and (
            qualified(func, ev.aliases) in DECODER_NAMES or (isinstance(func, ast.Name) and func.id in _BYTES_BUILTINS)
        )
    return False


_BYTES_BUILTINS = frozenset({"bytes", "bytearray", "str", "compile"})


def _per_iteration(ev: Evaluator, loop: ast.For, exprs: list[ast.expr]) -> list[tuple[list[object], list[str]]] | None:
    """The values of `exprs` once per item of `loop`, a loop over a folded list."""
    try:
        items, decoded = ev.value(loop.iter)  # once: the items are bound as values, never decoded again
    except (Unknown, DecodeError):
        return None
    if not isinstance(items, list) or len(items) > _MAX_LOOP_ITEMS:
        return None
    names = _target_names(loop.target)
    if names is None:
        return None
    out: list[tuple[list[object], list[str]]] = []
    for item in items:
        values = [item] if len(names) == 1 else item
        if not isinstance(values, list) or len(values) != len(names):
            return None
        ev.bound = dict(zip(names, values, strict=True))
        try:
            found = _values(ev, exprs)
        finally:
            ev.bound = {}
        if found is None:
            return None
        out += [(values, decoded + used) for values, used in found]
    return out


def _values(ev: Evaluator, exprs: list[ast.expr]) -> list[tuple[list[object], list[str]]] | None:
    used: list[str] = []
    values: list[object] = []
    try:
        for expr in exprs:
            value, codecs = ev.value(expr)
            values.append(value)
            used += codecs
    except (Unknown, DecodeError):
        return None
    return [(values, used)]


def _enclosing_loop(ev: Evaluator, node: ast.AST) -> ast.For | None:
    line = getattr(node, "lineno", 0)
    loops = [
        n
        for n in nodes_on_lines(ev.scope.tree, [line])
        if isinstance(n, ast.For) and any(b.lineno <= line <= (b.end_lineno or b.lineno) for b in n.body)
    ]
    return max(loops, key=lambda n: n.lineno) if loops else None


def _target_names(target: ast.expr) -> list[str] | None:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List) and all(isinstance(e, ast.Name) for e in target.elts):
        return [e.id for e in target.elts]  # type: ignore[attr-defined]  # Names checked above
    return None


def _python_run(ev: Evaluator, node: ast.Call, scan: LoaderScan) -> None:
    """`subprocess.run([sys.executable, path, ...])`: a file load of `path`; any other subprocess may move
    files, so it is an untrusted write."""
    argv = node.args[0] if node.args else None
    if isinstance(argv, ast.List | ast.Tuple) and len(argv.elts) >= 2:
        first = argv.elts[0]
        if isinstance(first, ast.Attribute | ast.Name) and qualified(first, ev.aliases) == "sys.executable":
            try:
                path = ev.value(argv.elts[1])[0]
            except (Unknown, DecodeError):
                path = None
            if isinstance(path, FolderPath | str):
                scan.python_runs.append((path.path if isinstance(path, FolderPath) else path, node.lineno))
                return
    scan.untrusted_writes.append(UntrustedWrite(node.lineno, "runs a subprocess that may write files", None))
