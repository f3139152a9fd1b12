"""An index of the gathered Python code: functions, classes, scopes, imports, and name resolution.

Every function, every class body and every module body becomes a `FuncInfo` with an integer id
(`fid`). Names resolve with Python's scoping rules (local, enclosing functions, module, builtins;
class bodies are skipped by nested functions), and imports resolve to either an external module path
(`torch.nn.functional`) or a file of the submission, so helper modules join one program.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from pgolf.audit.astutil import dotted
from pgolf.audit.kinds import FuncKind
from pgolf.audit.sources import SourceFile

AnyFunc = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class ClassInfo:
    key: str  # "<file index>:<name>"
    name: str
    file: int
    node: ast.ClassDef
    body_fid: int
    bases: list[str]
    methods: dict[str, int] = field(default_factory=dict)

    @property
    def is_module(self) -> bool:
        """An nn.Module subclass (its `forward` runs when an instance is called)."""
        return any(b.split(".")[-1] in ("Module", "Linear", "Embedding", "ModuleList") for b in self.bases)

    @property
    def is_optimizer(self) -> bool:
        return any("Optimizer" in b for b in self.bases)


@dataclass
class FuncInfo:
    fid: int
    name: str
    qualname: str
    file: int
    node: ast.AST
    kind: FuncKind
    parent: int | None  # the enclosing function/module scope (class bodies are skipped)
    cls: str | None = None  # class key when this is a method
    params: list[str] = field(default_factory=list)
    vararg: str | None = None
    kwarg: str | None = None
    locals: set[str] = field(default_factory=set)
    global_decl: set[str] = field(default_factory=set)
    nonlocal_decl: set[str] = field(default_factory=set)
    defs: dict[str, int] = field(default_factory=dict)  # nested function names bound in this scope
    classes: dict[str, str] = field(default_factory=dict)  # class names bound in this scope
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # alias -> ("ext"|"file"|"sym", target)
    decorators: list[str] = field(default_factory=list)
    # every node of this scope's own body (not nested defs; no expression contexts or operators)
    nodes: list[ast.AST] = field(default_factory=list)
    _of_type: dict[tuple[type[ast.AST], ...], list[ast.AST]] = field(default_factory=dict, repr=False)

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", 1)

    def of_type(self, *kinds: type[ast.AST]) -> list[Any]:
        """This scope's own nodes of exactly these AST classes, in `nodes` order.

        Memoized: every detector asks each function for its calls, loops, constants or binary
        operations, and the scope holds every node of its body (contexts and operators included).
        """
        found = self._of_type.get(kinds)
        if found is None:
            if not self._of_type:  # first question: index every class at once
                for node in self.nodes:
                    self._of_type.setdefault((node.__class__,), []).append(node)
            found = self._of_type.get(kinds)
            if found is None:
                found = [n for n in self.nodes if n.__class__ in kinds] if len(kinds) > 1 else []
                self._of_type[kinds] = found
        return found


Binding = tuple[str, object]  # ("var", (fid, name)) | ("func", fid) | ("class", key) | ("file", idx) | ("ext", dotted)


def var_of(binding: Binding) -> tuple[int, str] | None:
    """The (owner fid, name) of a variable binding; None for functions, classes, modules, builtins."""
    kind, target = binding
    if kind == "var" and isinstance(target, tuple) and len(target) == 2:
        owner, name = target
        if isinstance(owner, int) and isinstance(name, str):
            return owner, name
    return None


class Program:
    """All functions and classes of the gathered Python files."""

    def __init__(self, files: list[SourceFile]) -> None:
        self.files = files
        self.funcs: list[FuncInfo] = []
        self.classes: dict[str, ClassInfo] = {}
        self.classes_by_name: dict[str, list[ClassInfo]] = {}
        self.class_of_body: dict[int, str] = {}  # class-body fid -> class key
        self.methods_by_name: dict[str, list[int]] = {}
        self.module_fid: dict[int, int] = {}
        self._method_cache: dict[tuple[str, str], int | None] = {}
        self._resolved: dict[tuple[int, str], Binding] = {}
        self.file_index = {f.path + ("#" + f.decoded_from if f.decoded_from else ""): i for i, f in enumerate(files)}
        self._by_module_name: dict[str, int] = {}
        # Code a wrapper wrote to a file imports its siblings by their written names (#1518: the runner in a
        # temporary directory imports the train_gpt.py written beside it): those names come first.
        written = [(i, f.module_path) for i, f in enumerate(files) if f.runs_as]
        for i, path in [*written, *((i, f.path) for i, f in enumerate(files))]:
            stem = PurePosixPath(path).with_suffix("").as_posix().replace("/", ".")
            self._by_module_name.setdefault(stem, i)
        for i, f in enumerate(files):
            assert f.tree is not None
            fid = self._new(f"<module {f.label}>", "<module>", i, f.tree, FuncKind.MODULE, None)
            self.module_fid[i] = fid
            _ScopeIndexer(self, i, fid).index_body(f.tree.body)
        for f_index in range(len(files)):
            self._link_imports(f_index)

    def _new(self, name: str, qualname: str, file: int, node: ast.AST, kind: FuncKind, parent: int | None) -> int:
        fid = len(self.funcs)
        self.funcs.append(
            FuncInfo(fid=fid, name=name, qualname=qualname, file=file, node=node, kind=kind, parent=parent)
        )
        return fid

    def _link_imports(self, file: int) -> None:
        """Turn `import helper` / `from helper import x` into references to the helper's file."""
        for func in self.funcs:
            if func.file != file:
                continue
            for alias, (kind, target) in list(func.imports.items()):
                if kind != "ext":
                    continue
                if target in self._by_module_name:
                    func.imports[alias] = ("file", str(self._by_module_name[target]))
                else:
                    mod, _, sym = target.rpartition(".")
                    if mod in self._by_module_name:
                        func.imports[alias] = ("sym", f"{self._by_module_name[mod]}:{sym}")

    def source(self, fid: int) -> SourceFile:
        return self.files[self.funcs[fid].file]

    def scope_chain(self, fid: int) -> list[int]:
        chain = []
        cur: int | None = fid
        while cur is not None:
            chain.append(cur)
            cur = self.funcs[cur].parent
        return chain

    def resolve(self, fid: int, name: str) -> Binding:
        """What `name` means inside function `fid` (memoized: scopes do not change after indexing)."""
        key = (fid, name)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(fid, name)
        return found

    def _resolve(self, fid: int, name: str) -> Binding:
        func = self.funcs[fid]
        if name in func.global_decl:
            return self._lookup(self.module_fid[func.file], name) or ("var", (self.module_fid[func.file], name))
        for scope in self.scope_chain(fid):
            if scope != fid and self.funcs[scope].kind is FuncKind.CLASS:
                continue  # methods do not see class-body names
            found = self._lookup(scope, name)
            if found is not None:
                return found
        return ("builtin", name)

    def _lookup(self, scope: int, name: str, _seen: frozenset[tuple[int, str]] = frozenset()) -> Binding | None:
        info = self.funcs[scope]
        if name in info.defs:
            return ("func", info.defs[name])
        if name in info.classes:
            return ("class", info.classes[name])
        if name in info.imports:
            kind, target = info.imports[name]
            if kind == "sym":
                file_s, sym = target.split(":", 1)
                module = self.module_fid[int(file_s)]
                if (module, sym) in _seen:
                    return ("ext", sym)  # `from train_gpt import x` inside train_gpt.py: a cycle, not a binding
                return self._lookup(module, sym, _seen | {(scope, name)}) or ("ext", sym)
            return (kind, int(target) if kind == "file" else target)
        if name in info.locals and name not in info.nonlocal_decl:
            return ("var", (scope, name))
        return None

    def file_symbol(self, file: int, name: str) -> Binding | None:
        return self._lookup(self.module_fid[file], name)

    def method(self, class_key: str, name: str) -> int | None:
        """A method by name on a class or (by name) its user-defined bases."""
        key = (class_key, name)
        if key not in self._method_cache:
            self._method_cache[key] = self._method(class_key, name, 0)
        return self._method_cache[key]

    def _method(self, class_key: str, name: str, _depth: int) -> int | None:
        info = self.classes.get(class_key)
        if info is None or _depth > 8:
            return None
        if name in info.methods:
            return info.methods[name]
        for base in info.bases:
            for cand in self.classes_by_name.get(base.split(".")[-1], []):
                found = self._method(cand.key, name, _depth + 1)
                if found is not None:
                    return found
        return None

    def class_of_method(self, fid: int) -> ClassInfo | None:
        key = self.funcs[fid].cls
        return self.classes.get(key) if key else None


# Expression contexts (Load/Store/Del) and operators are shared singletons with no content of their
# own: no scope lists them, and the walk does not visit them (about a third of a script's nodes).
_NOT_CHILDREN = frozenset({"ctx", "op", "ops"})
# List fields that may hold something other than nodes (names, or None for `**d` keys and absent
# keyword-only defaults); every other list field of the grammar holds nodes only.
_MIXED_LISTS = frozenset({"names", "keys", "kw_defaults", "kwd_attrs"})
_CHILD_FIELDS: dict[type[ast.AST], tuple[tuple[str, bool], ...]] = {}


def push(node: ast.AST, stack: list[ast.AST]) -> None:
    """Push a node's children (ast.iter_child_nodes without the generator overhead: 30k+ nodes a file)."""
    cls = node.__class__
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple((f, f in _MIXED_LISTS) for f in cls._fields if f not in _NOT_CHILDREN)
    for name, mixed in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            stack.append(value)
        elif value.__class__ is list:
            stack += [x for x in value if isinstance(x, ast.AST)] if mixed else value


def _target_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [n for e in node.elts for n in _target_names(e)]
    if isinstance(node, ast.Starred):
        return _target_names(node.value)
    return []


# Statements that bind names in (or open) a scope; every other node only contains them.
_BINDING_KINDS = frozenset(
    {
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.Lambda,
        ast.Import,
        ast.ImportFrom,
        ast.Global,
        ast.Nonlocal,
        ast.ExceptHandler,
    }
)


class _ScopeIndexer:
    """Records the names a scope binds and creates child scopes for nested defs and classes."""

    def __init__(self, program: Program, file: int, fid: int) -> None:
        self.p = program
        self.file = file
        self.fid = fid
        self.info = program.funcs[fid]

    def index_body(self, body: list[ast.stmt]) -> None:
        """Record every name this scope binds; nested defs and classes get their own scopes."""
        info = self.info
        nodes = info.nodes
        stack: list[ast.AST] = list(reversed(body))
        while stack:
            node = stack.pop()
            nodes.append(node)
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    info.locals.add(node.id)
                continue
            if node.__class__ not in _BINDING_KINDS:  # the common case: nothing bound here, walk on
                push(node, stack)
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                info.locals.add(node.name)
                info.defs[node.name] = self._function(node)
                continue
            if isinstance(node, ast.ClassDef):
                info.locals.add(node.name)
                info.classes[node.name] = self._class(node)
                continue
            if isinstance(node, ast.Lambda):
                continue  # lambda parameters are the lambda's own
            if isinstance(node, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal | ast.ExceptHandler):
                self._declaration(node)
            push(node, stack)

    def _declaration(self, node: ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal | ast.ExceptHandler) -> None:
        info = self.info
        if isinstance(node, ast.Global):
            info.global_decl.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            info.nonlocal_decl.update(node.names)
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                info.locals.add(node.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                alias = a.asname or a.name.split(".")[0]
                info.imports[alias] = ("ext", a.name if a.asname else a.name.split(".")[0])
        else:
            mod = node.module or ""
            for a in node.names:
                info.imports[a.asname or a.name] = ("ext", f"{mod}.{a.name}" if mod else a.name)

    def _function(self, node: AnyFunc) -> int:
        parent_q = "" if self.info.kind is FuncKind.MODULE else self.info.qualname + "."
        fid = self.p._new(node.name, parent_q + node.name, self.file, node, FuncKind.FUNCTION, self._closure_parent())
        info = self.p.funcs[fid]
        if self.info.kind is FuncKind.CLASS:
            info.cls = self._class_key_of_body()
            cls = self.p.classes[info.cls]
            cls.methods.setdefault(node.name, fid)
            self.p.methods_by_name.setdefault(node.name, []).append(fid)
        args = node.args
        info.params = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
        info.vararg = args.vararg.arg if args.vararg else None
        info.kwarg = args.kwarg.arg if args.kwarg else None
        info.locals.update(info.params)
        info.locals.update(n for n in (info.vararg, info.kwarg) if n)
        info.decorators = [dotted(d) for d in node.decorator_list]
        _ScopeIndexer(self.p, self.file, fid).index_body(node.body)
        return fid

    def _closure_parent(self) -> int:
        """Nested functions see enclosing functions and the module, never a class body."""
        scope: int | None = self.fid
        while scope is not None and self.p.funcs[scope].kind is FuncKind.CLASS:
            scope = self.p.funcs[scope].parent
        return scope if scope is not None else self.fid

    def _class_key_of_body(self) -> str:
        return self.p.class_of_body[self.fid]

    def _class(self, node: ast.ClassDef) -> str:
        key = f"{self.file}:{node.name}"
        if key in self.p.classes:
            key = f"{key}@{node.lineno}"
        fid = self.p._new(node.name, node.name, self.file, node, FuncKind.CLASS, self.fid)
        info = ClassInfo(
            key=key, name=node.name, file=self.file, node=node, body_fid=fid, bases=[dotted(b) for b in node.bases]
        )
        self.p.classes[key] = info
        self.p.class_of_body[fid] = key
        self.p.classes_by_name.setdefault(node.name, []).append(info)
        _ScopeIndexer(self.p, self.file, fid).index_body(node.body)
        return key
