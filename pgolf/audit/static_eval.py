"""Evaluate the expressions a code loader is built from, statically: literals only, nothing run.

A submission can hide code behind loaders Python really runs: `exec("...")`, `exec(a + b)`,
`exec("".join([...]))`, `exec(bytes([...]).decode())`, `E = exec; E(...)`,
`getattr(builtins, "ex" + "ec")(...)`, `importlib.import_module("".join([...]))`, `codecs.decode(s,
"rot13")`, code read from any file of the folder (`open("notes.txt").read()`), and the self-extracting
wrappers (base85/base64/hex over lzma/zlib/gzip/bz2/brotli). This evaluator folds the constant
expressions those are built from: string and bytes literals, `+`, `*`, slices, `"".join`, `map(chr, ...)`,
`bytes([...])`, a whitelist of pure decoders (each capped, with a shared per-folder budget), names bound
once in the file, and `open()`/`Path` reads of folder files (returned as `FileText`, read by the
gatherer). Anything else is `Unknown`: the caller decides whether that makes the code unauditable.
"""

from __future__ import annotations

import ast
import base64
import binascii
import bisect
import bz2
import codecs
import lzma
import posixpath
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

MAX_DECODED_BYTES = 8 * 1024 * 1024  # one decoder's output (a real script decodes to < 300 KB)
MAX_FOLDER_DECODED_BYTES = 16 * 1024 * 1024  # every decoder of one folder together
MAX_VALUE_CHARS = 4 * 1024 * 1024  # folded strings/lists (joins, repetitions) of one expression
MAX_DEPTH = 200  # expression nesting followed (deeper is Unknown, reported by the caller)

LOADER_BUILTINS = frozenset({"exec", "eval", "compile", "__import__"})
_BUILTINS = frozenset(
    {*LOADER_BUILTINS, "open", "getattr", "bytes", "bytearray", "chr", "str", "map", "vars", "globals", "list", "zip"}
)
_CONSTANTS: dict[str, object] = {
    **{f"lzma.{n}": getattr(lzma, n) for n in dir(lzma) if n.isupper()},
    "zlib.MAX_WBITS": zlib.MAX_WBITS,
}


class Unknown(Exception):
    """Not a constant expression pgolf can fold statically."""


class DecodeError(Exception):
    """A literal decoding chain that cannot be decoded safely (corrupt, a bomb, over budget)."""


@dataclass(frozen=True)
class Builtin:
    """A builtin function as a value (`exec`, `getattr(builtins, "exec")`, an alias of it)."""

    name: str


@dataclass(frozen=True)
class ModuleRef:
    """An imported module as a value: `builtins`, or `importlib.import_module("x")`."""

    name: str


@dataclass(frozen=True)
class FuncRef:
    """An external function as a value (`D = base64.b85decode`)."""

    qual: str


TEMP_DIR = "<tmp>"  # the path a temporary directory folds to (`tempfile.mkdtemp()`): never a file of the folder


@dataclass(frozen=True)
class FolderPath:
    """A path relative to the script's own folder ("" is the folder itself), or below TEMP_DIR."""

    path: str


@dataclass(frozen=True)
class FileText:
    """The contents of a file of the folder, read by the code (`open(p).read()`, `Path(p).read_text()`)."""

    path: str


@dataclass(frozen=True)
class Opaque:
    """A value pgolf will not fold because it is code it cannot read (bytecode, a pickle)."""

    why: str


class Budget:
    """Decoded bytes left for one folder: 400 wrappers of 8 MiB each must not decode 3.2 GB."""

    def __init__(self, total: int = MAX_FOLDER_DECODED_BYTES) -> None:
        self.left = total

    def cap(self) -> int:
        return min(MAX_DECODED_BYTES, self.left)

    def spend(self, produced: int, what: str) -> None:
        if produced > MAX_DECODED_BYTES:
            raise DecodeError(f"{what} output exceeds the {MAX_DECODED_BYTES}-byte cap (decompression bomb?)")
        if produced > self.left:
            raise DecodeError(f"decoding exceeds the folder's {MAX_FOLDER_DECODED_BYTES}-byte budget")
        self.left -= produced


def qualified(func: ast.expr, aliases: dict[str, str]) -> str:
    """`L.decompress` -> `lzma.decompress` through the file's import aliases; '' when not a name."""
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def nodes_on_lines(tree: ast.Module, lines: Collection[int]) -> Iterator[ast.AST]:
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


class LineIndex:
    """Offsets of line starts, to turn regex matches into line numbers in O(log n) each."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        find = text.find
        at = find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = find("\n", at + 1)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


class _Scope:
    """Imports and name bindings of one file, found on demand from the lines that mention them.

    A full walk of a 150 KB script costs more than the rest of the loader scan; a text search for the
    name, then a pruned walk of those lines, finds every binding of it (assignments, loop and `with`
    targets, parameters, definitions, imports, walrus, comprehensions) for a few lines' cost.
    """

    def __init__(self, tree: ast.Module, text: str | None) -> None:
        self.tree = tree
        self.text = text
        self.index = LineIndex(text) if text is not None else None
        self._sites: dict[str, list[ast.AST]] = {}
        self._imports: tuple[dict[str, str], set[str]] | None = None

    def _nodes(self, pattern: str, *, not_after: str = "") -> Iterable[ast.AST]:
        """Nodes on the lines matching `pattern`, skipping matches right after a word character or one of
        `not_after` (a lookbehind in the pattern is tried at every offset: ~15x slower on 150 KB)."""
        if self.text is None or self.index is None:
            return ast.walk(self.tree)
        text = self.text
        lines = {
            self.index.line(m.start())
            for m in re.finditer(pattern, text)
            if not not_after or m.start() == 0 or not _joins(text[m.start() - 1], not_after)
        }
        return nodes_on_lines(self.tree, lines) if lines else ()

    def imports(self) -> tuple[dict[str, str], set[str]]:
        if self._imports is None:
            self._imports = import_aliases(self._nodes(r"\bimport\b"))
        return self._imports

    def bindings(self, name: str) -> list[ast.AST]:
        """Every node that binds `name` in the file (any scope)."""
        if name not in self._sites:
            self._sites[name] = [n for n in self._nodes(rf"{re.escape(name)}\b", not_after=".") if _binds(n, name)]
        return self._sites[name]

    def single_value(self, name: str) -> ast.expr | None:
        """The value of `name` when it is bound exactly once, by a plain assignment."""
        sites = self.bindings(name)
        if len(sites) != 1:
            return None
        site = sites[0]
        if isinstance(site, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in site.targets):
            return site.value
        if isinstance(site, ast.AnnAssign) and site.value is not None:
            return site.value
        return None


def _joins(previous: str, not_after: str) -> bool:
    """The match continues a word or follows one of `not_after` (what a lookbehind `(?<![\\w.])` rejects)."""
    return previous.isalnum() or previous == "_" or previous in not_after


def _binds(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(_target_binds(t, name) for t in node.targets)
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr | ast.For | ast.AsyncFor | ast.comprehension):
        return _target_binds(node.target, name)
    if isinstance(node, ast.With | ast.AsyncWith):
        return any(i.optional_vars is not None and _target_binds(i.optional_vars, name) for i in node.items)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name == name
    if isinstance(node, ast.arg):
        return node.arg == name
    if isinstance(node, ast.Import | ast.ImportFrom):
        return any((a.asname or a.name.split(".")[0]) == name for a in node.names)
    if isinstance(node, ast.ExceptHandler):
        return node.name == name
    return False


def _target_binds(target: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))


def import_aliases(nodes: Iterable[ast.AST]) -> tuple[dict[str, str], set[str]]:
    """alias -> module or `module.symbol` from the import statements among `nodes`, and the module aliases."""
    out: dict[str, str] = {}
    modules: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            for a in node.names:
                alias = a.asname or a.name.split(".")[0]
                out[alias] = a.name if a.asname else a.name.split(".")[0]
                modules.add(alias)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out, modules


class Evaluator:
    """Folds constant expressions of one file. `codecs` lists the decoders a value went through."""

    def __init__(
        self, tree: ast.Module, budget: Budget | None = None, script: str = "train_gpt.py", text: str | None = None
    ) -> None:
        self.script = script  # the file's own path in the folder: what `__file__` names
        self.scope = _Scope(tree, text)
        self.budget = budget or Budget()
        self._active: set[str] = set()
        self.bound: dict[str, object] = {}  # names fixed by the caller (one iteration of a folded loop)

    @property
    def aliases(self) -> dict[str, str]:
        return self.scope.imports()[0]

    @property
    def modules(self) -> set[str]:
        return self.scope.imports()[1]

    def assigned(self, name: str) -> bool:
        """The file binds `name` somewhere (so it is not the builtin of that name)."""
        return any(not isinstance(n, ast.Import | ast.ImportFrom) for n in self.scope.bindings(name))

    def value(self, node: ast.expr) -> tuple[object, list[str]]:
        codecs_used: list[str] = []
        return self._eval(node, codecs_used, 0), codecs_used

    # ----- nodes ---------------------------------------------------------------------------------
    def _eval(self, node: ast.expr, used: list[str], depth: int) -> object:  # noqa: PLR0911
        if depth > MAX_DEPTH:
            raise Unknown
        d = depth + 1
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self._name(node.id, used, d)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, used, d)
        if isinstance(node, ast.BinOp):
            return self._binop(node, used, d)
        if isinstance(node, ast.JoinedStr):
            parts = [self._eval(v, used, d) for v in node.values]
            if all(isinstance(p, str) for p in parts):
                return _sized("".join(parts))  # type: ignore[arg-type]  # all str checked above
            raise Unknown
        if isinstance(node, ast.FormattedValue):
            inner = self._eval(node.value, used, d)
            if isinstance(inner, str | int | float) and node.conversion == -1 and node.format_spec is None:
                return str(inner)
            raise Unknown
        if isinstance(node, ast.List | ast.Tuple):
            return [self._eval(e, used, d) for e in node.elts]
        if isinstance(node, ast.Dict):
            keys = [self._eval(k, used, d) if k is not None else None for k in node.keys]
            return dict(zip(keys, (self._eval(v, used, d) for v in node.values), strict=True))
        if isinstance(node, ast.Subscript):
            return self._subscript(node, used, d)
        if isinstance(node, ast.Call):
            return self._call(node, used, d)
        raise Unknown

    def _name(self, name: str, used: list[str], d: int) -> object:
        if name in self.bound:
            return self.bound[name]
        if name == "__file__" and not self.assigned(name):
            return FolderPath(self.script)
        if name in self.aliases:
            target = self.aliases[name]
            return ModuleRef(target) if name in self.modules else FuncRef(target)
        value = self.scope.single_value(name) if name not in self._active else None
        if value is not None:
            self._active.add(name)
            try:
                return self._eval(value, used, d)
            finally:
                self._active.discard(name)
        if name in _BUILTINS and not self.assigned(name):
            return Builtin(name)
        if name in ("builtins", "__builtins__") and not self.assigned(name):
            return ModuleRef("builtins")
        raise Unknown

    def _attribute(self, node: ast.Attribute, used: list[str], d: int) -> object:
        qual = qualified(node, self.aliases)
        if qual in _CONSTANTS:
            return _CONSTANTS[qual]
        base = self._eval(node.value, used, d)
        if isinstance(base, ModuleRef):
            if base.name == "builtins" and node.attr in _BUILTINS:
                return Builtin(node.attr)
            return FuncRef(f"{base.name}.{node.attr}")
        if isinstance(base, FolderPath) and node.attr == "parent":
            return FolderPath(_parent(base.path))
        raise Unknown

    def _binop(self, node: ast.BinOp, used: list[str], d: int) -> object:
        left, right = self._eval(node.left, used, d), self._eval(node.right, used, d)
        if isinstance(node.op, ast.Add) and type(left) is type(right) and isinstance(left, str | bytes | list):
            return _sized(left + right)  # type: ignore[operator]  # same str/bytes/list type checked above
        if isinstance(node.op, ast.Mult):
            seq, times = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(seq, str | bytes | list) and isinstance(times, int) and not isinstance(times, bool):
                if len(seq) * max(times, 0) > MAX_VALUE_CHARS:
                    raise DecodeError(f"a folded value exceeds {MAX_VALUE_CHARS} characters")
                return seq * times
        if isinstance(node.op, ast.Div) and isinstance(left, FolderPath) and isinstance(right, str):
            return FolderPath(_join(left.path, right))
        if isinstance(left, int) and isinstance(right, int) and type(node.op) in _INT_OPS:
            return _int_op(node.op, left, right)  # `9 | lzma.PRESET_EXTREME` in a wrapper's filter list
        raise Unknown

    def _subscript(self, node: ast.Subscript, used: list[str], d: int) -> object:
        base = self._eval(node.value, used, d)
        if isinstance(node.slice, ast.Slice):
            parts = [self._eval(p, used, d) if p is not None else None for p in (node.slice.lower, node.slice.upper)]
            step = self._eval(node.slice.step, used, d) if node.slice.step is not None else None
            if isinstance(base, str | bytes | list) and all(p is None or isinstance(p, int) for p in [*parts, step]):
                return base[slice(parts[0], parts[1], step)]  # type: ignore[arg-type]  # ints checked above
            raise Unknown
        key = self._eval(node.slice, used, d)
        if isinstance(base, dict) and key in base:
            return base[key]
        if isinstance(base, str | bytes | list) and isinstance(key, int):
            try:
                return base[key]
            except IndexError as exc:
                raise Unknown from exc
        raise Unknown

    # ----- calls ---------------------------------------------------------------------------------
    def _call(self, node: ast.Call, used: list[str], d: int) -> object:
        func = node.func
        qual = qualified(func, self.aliases)
        known = qual in _DECODERS or qual in _FUNCTIONS
        if not known and isinstance(func, ast.Attribute) and func.attr in _METHODS:
            return _METHODS[func.attr](self, node, self._eval(func.value, used, d), used, d)
        callee = FuncRef(qual) if known else self._eval(func, used, d)
        if callee == Builtin("compile") and node.args:
            return self._eval(node.args[0], used, d)  # the source; the file name and mode do not matter
        if not isinstance(callee, Builtin | FuncRef) or (isinstance(callee, FuncRef) and callee.qual not in _FOLDED):
            raise Unknown  # `json.dumps(x)`: not folded whatever its arguments, so they are not evaluated
        args = [self._eval(a, used, d) for a in node.args if not isinstance(a, ast.Starred)]
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise Unknown
        kwargs: dict[str, object] = {kw.arg: self._eval(kw.value, used, d) for kw in node.keywords if kw.arg}
        if isinstance(callee, Builtin):
            return self._builtin(callee.name, args, kwargs)
        if isinstance(callee, FuncRef):
            return self._function(callee.qual, args, kwargs, used)
        raise Unknown

    def callee(self, func: ast.expr) -> object:
        """What a call's function is, when it can be folded (Builtin("exec") for an alias of exec)."""
        qual = qualified(func, self.aliases)
        if qual in _DECODERS or qual in _FUNCTIONS:
            return FuncRef(qual)
        return self._eval(func, [], 0)

    def _builtin(self, name: str, args: list[object], kwargs: dict[str, object]) -> object:  # noqa: C901, PLR0911
        if name == "getattr" and len(args) >= 2 and isinstance(args[1], str):
            obj = args[0]
            if isinstance(obj, ModuleRef) and obj.name == "builtins":
                return Builtin(args[1])
            if isinstance(obj, ModuleRef):
                return FuncRef(f"{obj.name}.{args[1]}")
            raise Unknown
        if name in ("vars", "globals") and (not args or args[0] == ModuleRef("builtins")):
            return {n: Builtin(n) for n in _BUILTINS}
        if name == "__import__" and args and isinstance(args[0], str):
            return ModuleRef(args[0])
        if name == "compile" and args:
            return args[0]  # the source text; exec(compile(src, ...)) runs src
        octets = args[0] if len(args) == 1 and isinstance(args[0], list) else None
        if name in ("bytes", "bytearray") and octets is not None and all(isinstance(b, int) for b in octets):
            try:
                return bytes(octets)
            except ValueError as exc:
                raise Unknown from exc
        if name in ("bytes", "str") and len(args) == 2 and isinstance(args[0], bytes) and isinstance(args[1], str):
            return args[0].decode(args[1], errors="replace")
        if name == "chr" and len(args) == 1 and isinstance(args[0], int):
            return chr(args[0])
        if name == "str" and len(args) == 1 and isinstance(args[0], str | FolderPath):
            return args[0]  # str(Path(...)) is the same file
        if name in ("map", "list") and args:
            return self._map(name, args)
        if name == "zip" and args and all(isinstance(a, list) for a in args) and not kwargs:
            return [list(row) for row in zip(*args, strict=False)]
        if name == "open" and args and isinstance(args[0], str | FolderPath):
            mode = args[1] if len(args) > 1 else kwargs.get("mode", "r")
            if isinstance(mode, str) and "w" not in mode and "a" not in mode:
                return _Opened(_path_of(args[0]))
        raise Unknown

    @staticmethod
    def _map(name: str, args: list[object]) -> object:
        if name == "list" and len(args) == 1 and isinstance(args[0], list | str | bytes):
            return list(args[0])
        codes = args[1] if len(args) == 2 and isinstance(args[1], list) else None
        if name == "map" and args[0] == Builtin("chr") and codes is not None and all(isinstance(c, int) for c in codes):
            try:
                return [chr(c) for c in codes]
            except (ValueError, OverflowError) as exc:
                raise Unknown from exc
        raise Unknown

    def _function(self, qual: str, args: list[object], kwargs: dict[str, object], used: list[str]) -> object:
        if qual in _DECODERS:
            if not args:
                raise Unknown
            out, codec = _decode(qual, _as_bytes(args[0]), args[1:], dict(kwargs), self.budget)
            used.append(codec)
            return out
        if qual in ("marshal.loads", "marshal.load", "types.CodeType", "types.FunctionType"):
            return Opaque("Python bytecode (marshal/CodeType)")
        if qual in ("importlib.import_module",) and args and isinstance(args[0], str):
            return ModuleRef(args[0])
        if qual in ("codecs.decode", "codecs.encode") and len(args) >= 2 and isinstance(args[1], str):
            return self._codec(args[0], args[1], used)
        if qual in _PATHS:
            return _PATHS[qual](args)
        if qual in _TEMP_DIRS:
            return FolderPath(TEMP_DIR)  # a fresh directory: only what the code writes there can run from it
        raise Unknown

    def _codec(self, data: object, name: str, used: list[str]) -> object:
        key = name.lower().replace("-", "_")
        if key in ("rot13", "rot_13") and isinstance(data, str):
            used.append("rot13")
            return codecs.decode(data, "rot13")
        if key in ("hex", "hex_codec", "base64", "base64_codec", "zlib", "zlib_codec", "bz2", "bz2_codec"):
            qual = {"hex": "binascii.unhexlify", "base64": "base64.b64decode", "zlib": "zlib.decompress"}.get(
                key.removesuffix("_codec"), "bz2.decompress"
            )
            out, codec = _decode(qual, _as_bytes(data), [], {}, self.budget)
            used.append(codec)
            return out
        raise Unknown


_INT_OPS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.BitOr: lambda a, b: a | b,
    ast.BitAnd: lambda a, b: a & b,
    ast.BitXor: lambda a, b: a ^ b,
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.LShift: lambda a, b: a << b,
    ast.RShift: lambda a, b: a >> b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}


def _int_op(op: ast.operator, a: int, b: int) -> int:
    if isinstance(op, ast.LShift) and not 0 <= b <= 64:
        raise Unknown
    if isinstance(op, ast.FloorDiv | ast.Mod) and b == 0:
        raise Unknown
    out = _INT_OPS[type(op)](a, b)
    if abs(out) > 1 << 64:
        raise Unknown
    return out


@dataclass(frozen=True)
class _Opened:
    path: str


def _sized(value: object) -> object:
    if isinstance(value, str | bytes | list) and len(value) > MAX_VALUE_CHARS:
        raise DecodeError(f"a folded value exceeds {MAX_VALUE_CHARS} characters")
    return value


def _path_of(value: object) -> str:
    if isinstance(value, FolderPath):
        return value.path
    assert isinstance(value, str)
    return value


def _join(base: str, rel: str) -> str:
    out = posixpath.normpath(posixpath.join(base, rel)) if rel else base
    if in_temp_dir(base) and not in_temp_dir(out):
        raise Unknown  # `<tmp>/../x` is not a file of the folder
    return out


def _parent(path: str) -> str:
    if path == TEMP_DIR:
        raise Unknown  # the folder above a temporary directory is not the submission's folder
    return posixpath.dirname(path)


def in_temp_dir(path: str) -> bool:
    return path == TEMP_DIR or path.startswith(TEMP_DIR + "/")


def _os_path(args: list[object], op: str) -> object:
    if op == "join" and args and all(isinstance(a, str | FolderPath) for a in args):
        first = args[0]
        rest = [a for a in args[1:] if isinstance(a, str)]
        if isinstance(first, FolderPath):
            path = first.path
            for part in rest:
                path = _join(path, part)
            return FolderPath(path)
        return posixpath.join(*[_path_of(a) for a in args])
    if len(args) == 1 and isinstance(args[0], FolderPath):
        if op == "dirname":
            return FolderPath(_parent(args[0].path))
        return args[0]  # abspath/realpath/normpath of a folder path: the same file
    if len(args) == 1 and isinstance(args[0], str) and op in ("abspath", "realpath", "normpath"):
        return args[0]
    raise Unknown


_PATHS: dict[str, Callable[[list[object]], object]] = {
    "os.path.join": lambda a: _os_path(a, "join"),
    "os.path.dirname": lambda a: _os_path(a, "dirname"),
    "os.path.abspath": lambda a: _os_path(a, "abspath"),
    "os.path.realpath": lambda a: _os_path(a, "realpath"),
    "os.path.normpath": lambda a: _os_path(a, "normpath"),
    "pathlib.Path": lambda a: a[0] if len(a) == 1 and isinstance(a[0], FolderPath) else _str_path(a),
    "io.open": lambda a: _Opened(_path_of(a[0])) if a and isinstance(a[0], str | FolderPath) else _unknown(),
}
_TEMP_DIRS = frozenset({"tempfile.mkdtemp", "tempfile.gettempdir"})
_FUNCTIONS = frozenset(
    {*_PATHS, *_TEMP_DIRS, "importlib.import_module", "codecs.decode", "codecs.encode", "marshal.loads"}
)


def _str_path(args: list[object]) -> object:
    if len(args) == 1 and isinstance(args[0], str):
        return FolderPath(args[0])
    raise Unknown


def _unknown() -> object:
    raise Unknown


# ----- methods on folded values ------------------------------------------------------------------
Method = Callable[["Evaluator", ast.Call, object, list[str], int], object]


def _m_decode(ev: Evaluator, node: ast.Call, base: object, used: list[str], d: int) -> object:
    if isinstance(base, bytes):
        return base.decode("utf-8", errors="replace")
    if isinstance(base, FileText):
        return base
    raise Unknown


def _m_encode(ev: Evaluator, node: ast.Call, base: object, used: list[str], d: int) -> object:
    if isinstance(base, str):
        return base.encode("utf-8")
    if isinstance(base, FileText):
        return base
    raise Unknown


def _m_join(ev: Evaluator, node: ast.Call, base: object, used: list[str], d: int) -> object:
    if isinstance(base, str | bytes) and len(node.args) == 1:
        items = ev._eval(node.args[0], used, d)
        if isinstance(items, list | str) and all(type(i) is type(base) for i in items):
            return _sized(base.join(items))  # type: ignore[arg-type]  # same type checked above
    raise Unknown


def _m_read(ev: Evaluator, node: ast.Call, base: object, used: list[str], d: int) -> object:
    if isinstance(base, _Opened | FolderPath):
        return FileText(base.path)
    raise Unknown


def _m_path(ev: Evaluator, node: ast.Call, base: object, used: list[str], d: int) -> object:
    func = node.func
    assert isinstance(func, ast.Attribute)
    if not isinstance(base, FolderPath):
        raise Unknown
    args = [ev._eval(a, used, d) for a in node.args]
    if func.attr == "with_name" and len(args) == 1 and isinstance(args[0], str):
        return FolderPath(_join(_parent(base.path), args[0]))
    if func.attr == "replace" and len(args) == 2 and all(isinstance(a, str) for a in args):
        return FolderPath(base.path.replace(args[0], args[1]))  # type: ignore[arg-type]  # str checked above
    if func.attr == "joinpath" and all(isinstance(a, str) for a in args):
        path = base.path
        for part in args:
            path = _join(path, part)  # type: ignore[arg-type]  # str checked above
        return FolderPath(path)
    if func.attr in ("resolve", "absolute"):
        return base
    raise Unknown


def _m_replace(ev: Evaluator, node: ast.Call, base: object, used: list[str], d: int) -> object:
    if isinstance(base, FolderPath):
        return _m_path(ev, node, base, used, d)
    args = [ev._eval(a, used, d) for a in node.args]
    if isinstance(base, str) and len(args) == 2 and all(isinstance(a, str) for a in args):
        return _sized(base.replace(args[0], args[1]))  # type: ignore[arg-type]  # str checked above
    if isinstance(base, bytes) and len(args) == 2 and all(isinstance(a, bytes) for a in args):
        return _sized(base.replace(args[0], args[1]))  # type: ignore[arg-type]  # bytes checked above
    raise Unknown


def _m_split(ev: Evaluator, node: ast.Call, base: object, used: list[str], d: int) -> object:
    args = [ev._eval(a, used, d) for a in node.args]
    if isinstance(base, str | bytes) and len(args) == 1 and type(args[0]) is type(base) and args[0]:
        return base.split(args[0])  # type: ignore[arg-type]  # same type checked above
    raise Unknown


def _m_items(ev: Evaluator, node: ast.Call, base: object, used: list[str], d: int) -> object:
    if isinstance(base, dict) and not node.args and not node.keywords:
        return [[k, v] for k, v in base.items()]
    raise Unknown


_METHODS: dict[str, Method] = {
    "split": _m_split,
    "items": _m_items,
    "decode": _m_decode,
    "encode": _m_encode,
    "join": _m_join,
    "read": _m_read,
    "read_text": _m_read,
    "read_bytes": _m_read,
    "with_name": _m_path,
    "replace": _m_replace,
    "joinpath": _m_path,
    "resolve": _m_path,
    "absolute": _m_path,
}


# ----- decoders ------------------------------------------------------------------------------------
def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("latin-1", errors="replace")
    raise Unknown


def _capped(run: Callable[[int], bytes], what: str, budget: Budget) -> bytes:
    cap = budget.cap()
    out = run(cap + 1)
    budget.spend(len(out), what)
    return out


def _lzma(data: bytes, kwargs: dict[str, object], budget: Budget) -> bytes:
    fmt = kwargs.get("format", lzma.FORMAT_AUTO)
    filters = kwargs.get("filters")
    if not isinstance(fmt, int) or (filters is not None and not isinstance(filters, list)):
        raise Unknown
    try:
        dec = lzma.LZMADecompressor(format=fmt, filters=filters)
        return _capped(lambda cap: dec.decompress(data, max_length=cap), "lzma", budget)
    except (lzma.LZMAError, ValueError, TypeError) as exc:
        raise DecodeError(f"lzma payload does not decode: {exc}") from exc


def _zlib(data: bytes, wbits: object, budget: Budget) -> bytes:
    if not isinstance(wbits, int):
        raise Unknown
    try:
        dec = zlib.decompressobj(wbits)
        return _capped(lambda cap: dec.decompress(data, cap), "zlib", budget)
    except zlib.error as exc:
        raise DecodeError(f"zlib payload does not decode: {exc}") from exc


def _bz2(data: bytes, budget: Budget) -> bytes:
    try:
        dec = bz2.BZ2Decompressor()
        return _capped(lambda cap: dec.decompress(data, max_length=cap), "bz2", budget)
    except (OSError, ValueError) as exc:
        raise DecodeError(f"bz2 payload does not decode: {exc}") from exc


def _brotli(data: bytes, budget: Budget) -> bytes:
    import brotli

    dec = brotli.Decompressor()
    try:
        return _capped(lambda cap: dec.process(data, output_buffer_limit=cap), "brotli", budget)
    except TypeError as exc:  # brotli < 1.2 has no output limit: refuse rather than risk a bomb
        raise DecodeError("this brotli build cannot cap its output; install brotli>=1.2") from exc
    except brotli.error as exc:
        raise DecodeError(f"brotli payload does not decode: {exc}") from exc


def _b2a(fn: Callable[[bytes], bytes], name: str) -> Callable[[bytes], bytes]:
    def run(data: bytes) -> bytes:
        try:
            return fn(data)
        except (ValueError, binascii.Error) as exc:
            raise DecodeError(f"{name} payload does not decode: {exc}") from exc

    return run


BASE_DECODERS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "base64.b85decode": ("base85", _b2a(base64.b85decode, "base85")),
    "base64.a85decode": ("ascii85", _b2a(base64.a85decode, "ascii85")),
    "base64.b64decode": ("base64", _b2a(base64.b64decode, "base64")),
    "base64.standard_b64decode": ("base64", _b2a(base64.standard_b64decode, "base64")),
    "base64.urlsafe_b64decode": ("base64", _b2a(base64.urlsafe_b64decode, "base64")),
    "base64.decodebytes": ("base64", _b2a(base64.decodebytes, "base64")),
    "base64.b32decode": ("base32", _b2a(base64.b32decode, "base32")),
    "base64.b16decode": ("base16", _b2a(base64.b16decode, "base16")),
    "binascii.a2b_base64": ("base64", _b2a(binascii.a2b_base64, "base64")),
    "binascii.unhexlify": ("hex", _b2a(binascii.unhexlify, "hex")),
    "binascii.a2b_hex": ("hex", _b2a(binascii.a2b_hex, "hex")),
    "bytes.fromhex": ("hex", _b2a(lambda b: bytes.fromhex(b.decode("ascii")), "hex")),
}
DECOMPRESSORS = ("lzma.decompress", "zlib.decompress", "gzip.decompress", "bz2.decompress", "brotli.decompress")
_DECODERS = frozenset([*BASE_DECODERS, *DECOMPRESSORS])
DECODER_NAMES = _DECODERS
_FOLDED = _FUNCTIONS | _DECODERS | {"marshal.load", "types.CodeType", "types.FunctionType"}  # what _function folds


def _decode(
    name: str, data: bytes, extra: list[object], kwargs: dict[str, object], budget: Budget
) -> tuple[bytes, str]:
    if name in BASE_DECODERS:
        codec, fn = BASE_DECODERS[name]
        out = fn(data)
        budget.spend(len(out), codec)
        return out, codec
    if name == "lzma.decompress":
        if extra:
            kwargs = {"format": extra[0], **({"filters": extra[2]} if len(extra) > 2 else {}), **kwargs}
        raw = kwargs.get("format") == lzma.FORMAT_RAW
        return _lzma(data, kwargs, budget), "lzma-raw" if raw else "lzma"
    if name == "zlib.decompress":
        return _zlib(data, extra[0] if extra else kwargs.get("wbits", zlib.MAX_WBITS), budget), "zlib"
    if name == "gzip.decompress":
        return _zlib(data, 47, budget), "gzip"  # 32 + 15: gzip or zlib header, as gzip.decompress accepts
    if name == "bz2.decompress":
        return _bz2(data, budget), "bz2"
    return _brotli(data, budget), "brotli"
