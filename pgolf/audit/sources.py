"""Gather the code a submission runs: train_gpt.py, decoded wrappers, and every code file it loads.

Loads are found statically: `import helper` / `from helper import x` of a module in the folder,
`exec(open("f.py").read())`, `runpy.run_path`, `importlib` calls, and any string literal naming a code
file of the folder (a `.c` compiled at run time, a `.cu` handed to `cpp_extension.load`). Nothing is
imported or executed; submissions are read through `SubmissionFolder`, which never follows symlinks.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath

from pgolf.audit.kinds import SourceKind
from pgolf.audit.pyparse import ParseResult, parse_python
from pgolf.audit.wrappers import MAX_NESTING, scan_wrappers
from pgolf.errors import InputError
from pgolf.findings import Location
from pgolf.folder import FileEntry, FileRole, SubmissionFolder

ENTRY_NAME = "train_gpt.py"
MAX_CODE_BYTES = 16 * 1024 * 1024
MAX_SOURCE_FILES = 64
MAX_LOAD_DEPTH = 4
_PY = (".py", ".pyx")
_C = (".c", ".cc", ".cpp", ".cu", ".cuh", ".h", ".hpp")
_EXCERPT_CHARS = 200
# A bare exec/eval call; `model.eval()` is an attribute call, which scan_wrappers never counts.
_EXEC_CALL = re.compile(r"(?<![\w.])(exec|eval)\s*\(")


@dataclass(frozen=True)
class SourceFile:
    """One piece of code the submission runs. `path` is the shipped file; decoded text keeps it."""

    path: str
    kind: SourceKind
    text: str
    shipped_bytes: int
    decoded_from: str | None = None  # "lzma-raw+base85 wrapper at train_gpt.py:2" for decoded payloads
    loaded_by: Location | None = None  # where another file loads this one; None for the entry script
    parse: ParseResult | None = None

    @property
    def tree(self) -> ast.Module | None:
        return self.parse.tree if self.parse else None

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def excerpt(self, line: int | None) -> str | None:
        if line is None or not 1 <= line <= len(self.lines):
            return None
        text = self.lines[line - 1].strip()
        return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 3] + "..."

    def location(self, line: int | None) -> Location:
        return Location(path=self.path, line=line, excerpt=self.excerpt(line), decoded_from=self.decoded_from)

    @property
    def label(self) -> str:
        return f"{self.path} (decoded)" if self.decoded_from else self.path


@dataclass(frozen=True)
class GatherProblem:
    location: Location
    problem: str
    blocking: bool = False  # the entry script's own code could not be analysed


@dataclass
class SourceSet:
    entry: SourceFile | None = None  # the analysable form of train_gpt.py (decoded when wrapped)
    files: list[SourceFile] = field(default_factory=list)
    problems: list[GatherProblem] = field(default_factory=list)

    @property
    def python(self) -> list[SourceFile]:
        return [f for f in self.files if f.kind is SourceKind.PYTHON and f.tree is not None]

    @property
    def c_files(self) -> list[SourceFile]:
        return [f for f in self.files if f.kind is SourceKind.C]

    @property
    def analysable(self) -> bool:
        return self.entry is not None and self.entry.tree is not None and not any(p.blocking for p in self.problems)

    @property
    def helpers(self) -> list[SourceFile]:
        """Code loaded at run time from files other than the entry script."""
        entry_path = self.entry.path if self.entry else None
        seen: dict[str, SourceFile] = {}
        for f in self.files:
            if f.path != entry_path and f.loaded_by is not None:
                seen.setdefault(f.path, f)
        return list(seen.values())


def find_entry(folder: SubmissionFolder) -> FileEntry | None:
    """train_gpt.py at the folder root; else the first root-level train_gpt*.py."""
    exact = folder.get(ENTRY_NAME)
    if exact is not None:
        return exact
    candidates = sorted(
        f.path for f in folder.files if "/" not in f.path and f.path.startswith("train_gpt") and f.path.endswith(".py")
    )
    return folder.get(candidates[0]) if candidates else None


def gather_sources(folder: SubmissionFolder) -> SourceSet:
    out = SourceSet()
    entry = find_entry(folder)
    if entry is None:
        return out
    _Gatherer(folder, out).run(entry)
    return out


class _Gatherer:
    def __init__(self, folder: SubmissionFolder, out: SourceSet) -> None:
        self.folder = folder
        self.out = out
        self.code_files = {f.path: f for f in folder.files if f.role is FileRole.CODE}
        self.by_name: dict[str, list[FileEntry]] = {}
        for f in self.code_files.values():
            self.by_name.setdefault(PurePosixPath(f.path).name, []).append(f)
        self.visited: set[str] = set()

    def run(self, entry: FileEntry) -> None:
        queue: list[tuple[FileEntry, Location | None, int]] = [(entry, None, 0)]
        while queue:
            entry_file, loaded_by, depth = queue.pop(0)
            if entry_file.path in self.visited or len(self.visited) >= MAX_SOURCE_FILES:
                continue
            self.visited.add(entry_file.path)
            for src in self._read(entry_file, loaded_by, is_entry=loaded_by is None):
                self.out.files.append(src)
                if depth < MAX_LOAD_DEPTH and src.tree is not None:
                    queue += [(f, loc, depth + 1) for f, loc in self._loads(src)]

    def _read(self, entry: FileEntry, loaded_by: Location | None, *, is_entry: bool) -> list[SourceFile]:
        try:
            text = self.folder.read_text(entry, cap=MAX_CODE_BYTES)
        except InputError as exc:
            self._problem(Location(path=entry.path), f"not read: {exc}", blocking=is_entry)
            return []
        if not entry.path.endswith(_PY):
            return [SourceFile(entry.path, SourceKind.C, text, entry.size, loaded_by=loaded_by)]
        outer = SourceFile(
            entry.path, SourceKind.PYTHON, text, entry.size, loaded_by=loaded_by, parse=parse_python(text, entry.path)
        )
        files = [outer]
        files += self._unwrap(outer, outer, depth=1)
        if is_entry:
            decoded = [f for f in files if f.decoded_from and f.tree is not None]
            self.out.entry = decoded[-1] if decoded else outer
            if self.out.entry.tree is None:
                self._parse_problem(self.out.entry, blocking=True)
        elif outer.tree is None:
            self._parse_problem(outer, blocking=False)
        return files

    def _unwrap(self, outer: SourceFile, shipped: SourceFile, depth: int) -> list[SourceFile]:
        if outer.tree is None:
            return []
        lines = {outer.text.count("\n", 0, m.start()) + 1 for m in _EXEC_CALL.finditer(outer.text)}
        if not lines:
            return []  # no exec()/eval(): nothing can be a self-extracting wrapper
        scan = scan_wrappers(outer.tree, lines)
        for line, why in scan.failures:
            self._problem(outer.location(line), f"self-extracting wrapper not decoded: {why}", blocking=depth == 1)
        found: list[SourceFile] = []
        for payload in scan.payloads:
            where = f"{payload.description} wrapper at {outer.path}:{payload.line}"
            if outer.decoded_from:
                where += f" inside {outer.decoded_from}"
            decoded = SourceFile(
                shipped.path,
                SourceKind.PYTHON,
                payload.text,
                shipped.shipped_bytes,
                decoded_from=where,
                loaded_by=shipped.loaded_by,
                parse=parse_python(payload.text, shipped.path),
            )
            found.append(decoded)
            if depth < MAX_NESTING:
                found += self._unwrap(decoded, shipped, depth + 1)
            elif decoded.tree is not None and scan_wrappers(decoded.tree).payloads:
                self._problem(decoded.location(None), f"wrappers nested deeper than {MAX_NESTING}", blocking=True)
        return found

    def _parse_problem(self, src: SourceFile, *, blocking: bool) -> None:
        line = src.parse.error_line if src.parse else None
        why = src.parse.error if src.parse else "not parsed"
        self._problem(src.location(line), f"Python code does not parse ({why}); not analysed", blocking=blocking)

    def _problem(self, location: Location, problem: str, *, blocking: bool) -> None:
        self.out.problems.append(GatherProblem(location=location, problem=problem, blocking=blocking))

    def _loads(self, src: SourceFile) -> list[tuple[FileEntry, Location]]:
        assert src.tree is not None
        if not any(hint in src.text for hint in self._hints(src.path)):
            return []  # no other code file of the folder is named in this text: skip the walk
        base = PurePosixPath(src.path).parent
        found: list[tuple[FileEntry, Location]] = []
        for target, line in _load_targets(src.tree):
            entry = self._resolve(target, base)
            if entry is not None and entry.path not in self.visited and entry.path != src.path:
                found.append((entry, src.location(line)))
        return found

    def _hints(self, own: str) -> set[str]:
        """Strings one of which must appear in a text that loads another code file of the folder."""
        hints = set()
        for path in self.code_files:
            if path == own:
                continue
            pure = PurePosixPath(path)
            hints.add(pure.stem if pure.name != "__init__.py" else pure.parent.name)
        return {h for h in hints if h}

    def _resolve(self, target: str, base: PurePosixPath) -> FileEntry | None:
        """A module name or a path literal -> a code file of the folder, if it names one."""
        candidates = [target] if target.endswith(_PY + _C) else [f"{target}.py", f"{target}/__init__.py"]
        for cand in candidates:
            for joined in (str(base / cand) if str(base) != "." else cand, cand):
                rel = joined.removeprefix("./")
                if rel in self.code_files:
                    return self.code_files[rel]
        name = PurePosixPath(candidates[0]).name
        matches = self.by_name.get(name, [])
        return matches[0] if len(matches) == 1 and target.endswith(_PY + _C) else None


def _load_targets(tree: ast.Module) -> list[tuple[str, int]]:
    """Module names and file-name literals the code may load (resolved against the folder later)."""
    docstrings: set[int] = set()
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):  # breadth first: an Expr is seen before its docstring constant
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))
        elif isinstance(node, ast.Import):
            out += [(a.name.replace(".", "/"), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = (node.module or "").replace(".", "/")
            out += [(mod, node.lineno)] if mod else []
            out += [(f"{mod}/{a.name}" if mod else a.name, node.lineno) for a in node.names]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and _names_code_file(node.value)
        ):
            out.append((node.value.strip(), node.lineno))
    return out


def _names_code_file(value: str) -> bool:
    return len(value) < 300 and "\n" not in value and value.strip().endswith(_PY + _C)
