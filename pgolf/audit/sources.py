"""Gather the code a submission runs: train_gpt.py, decoded wrappers, and every code file it loads.

Loads are found statically: `import helper` / `from helper import x` of a module in the folder, any
string literal naming a code file of the folder (a `.c` compiled at run time, a `.cu` handed to
`cpp_extension.load`), and every loader the static evaluator resolves (`wrappers.scan_loaders`):
`exec`/`eval` of folded literals and wrappers, of the text of any file of the folder (`.txt`, a log,
the README), `importlib`/`__import__` of computed names, `runpy`; and files the code writes from folded
literals (a wrapper that decodes to a file, in the folder or a temporary directory, and runs or imports
it): those resolve to the decoded text, which keeps the shipped file's path. Nothing is imported or executed;
submissions are read through `SubmissionFolder`, which never follows symlinks.

What cannot be read is a `GatherProblem` with a kind: code that runs but cannot be audited (an
unresolved loader, bytecode, an archive, a `__pycache__`), a cap that was exceeded (files, depth,
bytes, nesting), an undecodable wrapper, a file that does not parse. Caps bound the cost per folder
and never turn a finding into a pass: exceeding one is itself reported.
"""

from __future__ import annotations

import ast
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import PurePosixPath

from pgolf.audit.deepstack import deep
from pgolf.audit.kinds import SourceKind
from pgolf.audit.pyparse import ParseResult, parse_python
from pgolf.audit.static_eval import TEMP_DIR, Budget, in_temp_dir
from pgolf.audit.wrappers import MAX_NESTING, LoaderScan, UntrustedWrite, WrittenFile, scan_loaders
from pgolf.errors import InputError
from pgolf.findings import Location
from pgolf.folder import FileEntry, FileRole, SubmissionFolder

ENTRY_NAME = "train_gpt.py"
MAX_CODE_BYTES = 16 * 1024 * 1024  # read cap of one code file
MAX_PARSE_BYTES = 1024 * 1024  # one Python file parsed (a 160 KB record parses to ~30k nodes, ~30 MB)
MAX_FOLDER_NODES = 300_000  # estimated AST nodes parsed per folder (about 1.5 MB of ordinary code, ~300 MB)
MAX_SOURCE_FILES = 64
MAX_LOAD_DEPTH = 8
_PY = (".py", ".pyx")
_C = (".c", ".cc", ".cpp", ".cu", ".cuh", ".h", ".hpp")
_BYTECODE = (".pyc", ".pyo")
_NATIVE = (".so", ".pyd", ".dylib")
_ARCHIVES = (".zip", ".egg", ".whl", ".pyz")
_EXCERPT_CHARS = 200
_PUNCTUATION = ",()[]+-*./=:"


class ProblemKind(StrEnum):
    UNAUDITABLE = "unauditable"  # code runs that pgolf cannot read: an unresolved loader, bytecode, an archive
    CAP = "cap"  # a size, depth, count or nesting cap was exceeded: what lies beyond was not read
    UNDECODABLE = "undecodable"  # a self-extracting wrapper that does not decode
    UNPARSEABLE = "unparseable"  # Python that does not parse
    UNREADABLE = "unreadable"  # a file that cannot be read (binary, over the read cap)


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
    runs_as: str | None = None  # the path a decoded-to-file wrapper wrote this code to (imports resolve beside it)

    @property
    def tree(self) -> ast.Module | None:
        return self.parse.tree if self.parse else None

    @property
    def module_path(self) -> str:
        """The path imports find this code by: where a wrapper wrote it (inside its temporary directory)."""
        return self.runs_as.removeprefix(TEMP_DIR + "/") if self.runs_as else self.path

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
    kind: ProblemKind = ProblemKind.UNAUDITABLE


@dataclass
class SourceSet:
    entry: SourceFile | None = None  # the analysable form of train_gpt.py (decoded when wrapped)
    files: list[SourceFile] = field(default_factory=list)
    problems: list[GatherProblem] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # files the code writes from folded literals (run-time paths)
    imported_only: set[str] = field(default_factory=set)  # of those, the ones only imported, never run as a script

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
    deep(lambda: _Gatherer(folder, out).run(entry))  # ast.parse recurses too: deep code is a cap, not a crash
    out.problems += shipped_unreadable_code(folder)
    return out


def shipped_unreadable_code(folder: SubmissionFolder) -> list[GatherProblem]:
    """Code the folder ships that pgolf cannot read, and listing caps that hid files from it."""
    out: list[GatherProblem] = []
    for f in folder.files:
        low = f.path.lower()
        if low.endswith(_BYTECODE):
            out.append(GatherProblem(Location(path=f.path), "ships Python bytecode, which Python can import"))
        elif low.endswith(_NATIVE):
            out.append(GatherProblem(Location(path=f.path), "ships a compiled extension, which Python can import"))
        elif low.endswith(_ARCHIVES) and _archive_has_code(folder, f):
            out.append(GatherProblem(Location(path=f.path), "ships code in an archive (a zip import)"))
    for skipped in folder.skipped:
        name = PurePosixPath(skipped.path).name
        if name == "__pycache__":
            out.append(
                GatherProblem(Location(path=skipped.path), "ships a __pycache__ folder: bytecode Python may run")
            )
        elif "cap" in skipped.reason:
            out.append(GatherProblem(Location(path=skipped.path), f"not read: {skipped.reason}", kind=ProblemKind.CAP))
    return out


def _archive_has_code(folder: SubmissionFolder, entry: FileEntry) -> bool:
    try:
        with zipfile.ZipFile(folder.root / entry.path) as archive:
            names = archive.namelist()[:100_000]
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return any(n.lower().endswith((*_PY, *_BYTECODE, *_NATIVE)) for n in names)


@dataclass(frozen=True)
class _Written:
    """A file the code writes from a folded literal, queued like a file of the folder."""

    file: WrittenFile
    shipped: SourceFile  # the shipped file whose bytes carry the literal
    writer: SourceFile  # the code that writes it
    distrust: tuple[UntrustedWrite, ...]  # the writer's other writes and moves, any of which could replace it
    serial: int  # literal writes of one folder, in the order found (one path may be written twice)

    @property
    def path(self) -> str:
        return f"written:{self.file.path}#{self.serial}"

    @property
    def size(self) -> int:
        return self.shipped.shipped_bytes


class _Gatherer:
    def __init__(self, folder: SubmissionFolder, out: SourceSet) -> None:
        self.folder = folder
        self.out = out
        self.files = {f.path: f for f in folder.files}
        self.code_files = {f.path: f for f in folder.files if f.role is FileRole.CODE}
        self.by_name: dict[str, list[FileEntry]] = {}
        for f in folder.files:
            self.by_name.setdefault(PurePosixPath(f.path).name, []).append(f)
        self.visited: set[str] = set()
        self.budget = Budget()
        self.nodes = 0  # estimated AST nodes parsed so far in this folder
        self.scans: dict[int, LoaderScan] = {}  # id(SourceFile) -> its loaders
        self.written: dict[str, list[_Written]] = {}  # written path -> every literal written there
        self.imported: set[str] = set()  # written paths some code imports
        self.ran: set[str] = set()  # written paths some code runs as a script (runpy, exec, python <path>)
        self.binaries = {
            PurePosixPath(p).name.split(".")[0]: p for p in self.files if p.lower().endswith(_BYTECODE + _NATIVE)
        }

    def run(self, entry: FileEntry) -> None:
        queue: list[tuple[FileEntry | _Written, Location | None, int, bool]] = [(entry, None, 0, False)]
        while queue:
            entry_file, loaded_by, depth, as_python = queue.pop(0)
            if entry_file.path in self.visited:
                continue
            if len(self.visited) >= MAX_SOURCE_FILES:
                where = loaded_by or Location(path=entry_file.path)
                self._problem(
                    where,
                    f"more than {MAX_SOURCE_FILES} code files are loaded; {entry_file.path} and the rest were not read",
                    kind=ProblemKind.CAP,
                )
                break
            self.visited.add(entry_file.path)
            read = (
                self._read_written(entry_file, loaded_by)
                if isinstance(entry_file, _Written)
                else self._read(entry_file, loaded_by, is_entry=loaded_by is None, as_python=as_python)
            )
            for src in read:
                self.out.files.append(src)
                if src.tree is None:
                    continue
                loads = self._loads(src)
                if loads and depth + 1 > MAX_LOAD_DEPTH:
                    self._problem(
                        loads[0][1],
                        f"code is loaded more than {MAX_LOAD_DEPTH} levels deep; {loads[0][0].path} was not read",
                        kind=ProblemKind.CAP,
                    )
                    continue
                queue += [(f, loc, depth + 1, py) for f, loc, py in loads]
        self.out.imported_only = self.imported - self.ran

    def _read(
        self, entry: FileEntry, loaded_by: Location | None, *, is_entry: bool, as_python: bool = False
    ) -> list[SourceFile]:
        try:
            text = self.folder.read_text(entry, cap=MAX_CODE_BYTES)
        except InputError as exc:
            self._problem(Location(path=entry.path), f"not read: {exc}", blocking=is_entry, kind=ProblemKind.UNREADABLE)
            return []
        if not (as_python or entry.path.endswith(_PY)):
            return [SourceFile(entry.path, SourceKind.C, text, entry.size, loaded_by=loaded_by)]
        outer = SourceFile(
            entry.path, SourceKind.PYTHON, text, entry.size, loaded_by=loaded_by, parse=self._parse(text, entry.path)
        )
        files = [outer]
        files += self._unwrap(outer, outer, depth=1)
        if is_entry:
            decoded = [f for f in files if f.decoded_from and f.tree is not None]
            self.out.entry = decoded[-1] if decoded and _is_shim(outer) else outer
            if self.out.entry.tree is None:
                self._parse_problem(self.out.entry, blocking=True)
        elif outer.tree is None:
            self._parse_problem(outer, blocking=False)
        return files

    def _read_written(self, written: _Written, loaded_by: Location | None) -> list[SourceFile]:
        """The decoded text a wrapper wrote to a file and runs; it becomes the entry when the entry is a
        shim that runs it (as a decoded exec payload does)."""
        wf = written.file
        what = f"{wf.description} literal" if wf.codecs else "literal"
        where = f"{what} written to {wf.path} at {written.writer.path}:{wf.line}"
        if written.writer.decoded_from:
            where += f" inside {written.writer.decoded_from}"
        shipped = written.shipped
        python = wf.path.endswith(_PY) or not wf.path.endswith(_C)
        src = SourceFile(
            shipped.path,
            SourceKind.PYTHON if python else SourceKind.C,
            wf.text,
            shipped.shipped_bytes,
            decoded_from=where,
            loaded_by=loaded_by,
            parse=self._parse(wf.text, shipped.path) if python else None,
            runs_as=wf.path,
        )
        if not python:
            return [src]
        files = [src, *self._unwrap(src, shipped, depth=1)]
        entry = self.out.entry
        if entry is not None and entry.tree is not None and _is_shim(entry) and _runs_from(loaded_by, entry):
            decoded = [f for f in files[1:] if f.tree is not None]
            self.out.entry = decoded[-1] if decoded and _is_shim(src) else src
        if src.tree is None:
            self._parse_problem(src, blocking=False)
        return files

    def _parse(self, text: str, path: str) -> ParseResult:
        """Parse within the per-file and per-folder caps (AST memory grows with the token count)."""
        if len(text) > MAX_PARSE_BYTES:
            return ParseResult(
                tree=None, error=f"over the {MAX_PARSE_BYTES}-byte parse cap ({len(text)} bytes)", capped=True
            )
        estimate = estimated_nodes(text)
        if self.nodes + estimate > MAX_FOLDER_NODES:
            return ParseResult(tree=None, error=f"over the folder's {MAX_FOLDER_NODES}-node parse budget", capped=True)
        self.nodes += estimate
        return parse_python(text, path)

    def _unwrap(self, outer: SourceFile, shipped: SourceFile, depth: int) -> list[SourceFile]:
        if outer.tree is None:
            return []
        scan = scan_loaders(outer.tree, outer.text, self.budget, outer.runs_as or shipped.path)
        self.scans[id(outer)] = scan
        distrust = tuple(scan.untrusted_writes)
        for wf in scan.written:
            serial = sum(len(w) for w in self.written.values())
            self.written.setdefault(wf.path, []).append(_Written(wf, shipped, outer, distrust, serial))
            self.out.written.add(wf.path)
        for line, why in scan.failures:
            self._problem(
                outer.location(line),
                f"self-extracting wrapper not decoded: {why}",
                blocking=depth == 1 and outer is shipped and _is_shim(outer),
                kind=ProblemKind.UNDECODABLE,
            )
        for line, why in scan.unresolved:
            self._problem(outer.location(line), f"{why}; the code it runs is not audited")
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
                loaded_by=shipped.loaded_by if _is_shim(outer) else outer.location(payload.line),
                parse=self._parse(payload.text, shipped.path),
            )
            found.append(decoded)
            if decoded.tree is None:
                self._parse_problem(decoded, blocking=False)
            elif depth < MAX_NESTING:
                found += self._unwrap(decoded, shipped, depth + 1)
            else:
                self._problem(
                    decoded.location(None),
                    f"wrappers nested deeper than {MAX_NESTING} levels; the innermost code was not read",
                    blocking=True,
                    kind=ProblemKind.CAP,
                )
        return found

    def _parse_problem(self, src: SourceFile, *, blocking: bool) -> None:
        line = src.parse.error_line if src.parse else None
        why = src.parse.error if src.parse else "not parsed"
        capped = src.parse is not None and src.parse.capped
        kind = ProblemKind.CAP if capped else ProblemKind.UNPARSEABLE
        what = "Python code not parsed" if capped else "Python code does not parse"
        self._problem(src.location(line), f"{what} ({why}); not analysed", blocking=blocking, kind=kind)

    def _problem(
        self, location: Location, problem: str, *, blocking: bool = False, kind: ProblemKind = ProblemKind.UNAUDITABLE
    ) -> None:
        self.out.problems.append(GatherProblem(location=location, problem=problem, blocking=blocking, kind=kind))

    def _loads(self, src: SourceFile) -> list[tuple[FileEntry | _Written, Location, bool]]:
        """Files this source loads: (file, where, read it as Python whatever its extension)."""
        assert src.tree is not None
        base = PurePosixPath(src.runs_as or src.path).parent
        found: list[tuple[FileEntry | _Written, Location, bool]] = []
        if any(hint in src.text for hint in self._hints(src.path)):
            for target, line in _load_targets(src.tree):
                written = self._module_written(target, base, src.location(line))
                entry = None if written else self._resolve(target, base, src.location(line))
                found += [(w, src.location(line), False) for w in written]
                # `import x` runs x's body, not its `if __name__ == "__main__"` block; a path literal
                # ("x.py" in a subprocess argv) is a script run
                (self.ran if target.endswith(_PY + _C) else self.imported).update(w.file.path for w in written)
                if entry is not None:
                    found.append((entry, src.location(line), False))
        scan = self.scans.get(id(src))
        if scan is not None:
            for path, line in [*scan.file_loads, *scan.python_runs]:
                runs = self._run_written(path, base, src.location(line), scan)
                if runs is not None:
                    found += [(run, src.location(line), True) for run in runs]
                    self.ran.update(run.file.path for run in runs)
                    continue
                entry = self._file(path, base)
                if entry is not None:
                    found.append((entry, src.location(line), True))
                elif (path, line) in scan.file_loads:
                    self._problem(src.location(line), f"runs `{path}`, which is not a file of the folder")
            for module, line in scan.module_loads:
                target = module.replace(".", "/")
                written = self._module_written(target, base, src.location(line))
                entry = None if written else self._resolve(target, base, src.location(line))
                found += [(w, src.location(line), False) for w in written]
                self.imported.update(w.file.path for w in written)
                if entry is not None:
                    found.append((entry, src.location(line), False))
        return [
            (e, loc, py)
            for e, loc, py in found
            if e.path not in self.visited and (isinstance(e, _Written) or e.path != src.path)
        ]

    def _run_written(
        self, path: str, base: PurePosixPath, where: Location, loader: LoaderScan
    ) -> list[_Written] | None:
        """A run of a path some code wrote from a literal: every literal written there (None when nothing
        was; [] when the writes cannot be trusted, or for a temporary file no literal produced: reported).
        A run is trusted only when neither the writer nor the code that runs it writes what pgolf cannot fold."""
        rel = path.removeprefix("./")
        tail = [] if self._shipped_at(rel, base) else [p for p in self.written if p.endswith("/" + rel)]
        for cand in (rel, str(base / rel) if str(base) != "." else rel, *(tail if len(tail) == 1 else [])):
            writes = self.written.get(cand)
            if writes:
                return self._trusted(writes, where, tuple(loader.untrusted_writes))
        if in_temp_dir(rel):
            self._problem(where, f"runs `{rel}`, a temporary file no literal write of the code produced")
            return []
        return None

    def _module_written(self, target: str, base: PurePosixPath, where: Location) -> list[_Written]:
        """`import name` of a module a wrapper wrote beside the code that imports it (or beside the script)."""
        if not self.written:
            return []
        names = [target] if target.endswith(_PY + _C) else [f"{target}.py", f"{target}/__init__.py"]
        for name in names:
            for cand in (str(base / name) if str(base) != "." else name, name):
                writes = self.written.get(cand)
                if writes:
                    return self._trusted(writes, where, ())
        # A bare name (`zip(["_runner.py", ...], parts)`, `import train_gpt` with the temporary directory on
        # sys.path) names the written file of that name, not a same-named copy elsewhere in the folder.
        tail = "/" + names[0].removeprefix("./")
        by_name = [p for p in self.written if p.endswith(tail)]
        if len(by_name) == 1 and not self._shipped_at(names[0], base):
            return self._trusted(self.written[by_name[0]], where, ())
        return []

    def _shipped_at(self, rel: str, base: PurePosixPath) -> bool:
        """The folder ships a file at exactly this path (a same-named written file elsewhere does not hide it)."""
        rel = rel.removeprefix("./")
        return rel in self.files or (str(base) != "." and str(base / rel) in self.files)

    def _trusted(self, writes: list[_Written], where: Location, loader: tuple[UntrustedWrite, ...]) -> list[_Written]:
        """The writes, unless another write of the writer (or of the code that runs it) could replace the
        file: one to an unknown path, or to this one. C sources are compiled, not run: a build step that
        writes its outputs does not make them unauditable (they were not gathered at all before)."""
        for written in writes:
            if written.file.path.endswith(_C):
                continue
            risky = [u for u in (*written.distrust, *loader) if u.path is None or u.path == written.file.path]
            if risky:
                self._problem(
                    where,
                    f"runs `{written.file.path}`, written from a literal at {written.writer.path}:{written.file.line}, "
                    f"but the code also {risky[0].why} (line {risky[0].line}), which could replace it; the code it "
                    "runs is not audited",
                )
                return []
        return writes

    def _hints(self, own: str) -> set[str]:
        """Strings one of which must appear in a text that loads another code file of the folder."""
        hints = set()
        for path in self.code_files:
            if path == own:
                continue
            pure = PurePosixPath(path)
            hints.add(pure.stem if pure.name != "__init__.py" else pure.parent.name)
        for path in self.written:
            pure = PurePosixPath(path)
            hints.add(pure.stem if pure.name != "__init__.py" else pure.parent.name)
        hints.update(self.binaries)
        return {h for h in hints if h}

    def _file(self, path: str, base: PurePosixPath) -> FileEntry | None:
        """A path a loader reads -> a file of the folder (relative to the script's folder, or by name)."""
        rel = path.removeprefix("./")
        for cand in (str(base / rel) if str(base) != "." else rel, rel):
            if cand in self.files:
                return self.files[cand]
        matches = self.by_name.get(PurePosixPath(rel).name, [])
        return matches[0] if len(matches) == 1 else None

    def _resolve(self, target: str, base: PurePosixPath, where: Location) -> FileEntry | None:
        """A module name or a path literal -> a code file of the folder, if it names one."""
        candidates = [target] if target.endswith(_PY + _C) else [f"{target}.py", f"{target}/__init__.py"]
        for cand in candidates:
            for joined in (str(base / cand) if str(base) != "." else cand, cand):
                rel = joined.removeprefix("./")
                if rel in self.code_files:
                    return self.code_files[rel]
        if not target.endswith(_PY + _C):
            self._sourceless(target, base, where)
        name = PurePosixPath(candidates[0]).name
        matches = [m for m in self.by_name.get(name, []) if m.path in self.code_files]
        return matches[0] if len(matches) == 1 and target.endswith(_PY + _C) else None

    def _sourceless(self, module: str, base: PurePosixPath, where: Location) -> None:
        """`import helper` with only helper.pyc / helper.cpython-*.so in the folder: code pgolf cannot read."""
        path = self.binaries.get(PurePosixPath(module).name)
        if path is not None:
            self._problem(where, f"imports `{module}` from {path}, which is not source code")


def estimated_nodes(text: str) -> int:
    """About the number of AST nodes `text` parses to (words plus punctuation; C-speed string counts).

    A 153 KB record estimates 28k for 31k nodes; a dense `[1,1,1,...]` literal counts one per comma.
    """
    return len(text.split()) + sum(text.count(c) for c in _PUNCTUATION)


def _runs_from(loaded_by: Location | None, entry: SourceFile) -> bool:
    """The load happens in the entry script's own code (the shim that runs the written file)."""
    return loaded_by is not None and loaded_by.path == entry.path and loaded_by.decoded_from == entry.decoded_from


def _is_shim(src: SourceFile) -> bool:
    """A self-extracting wrapper: no function or class of its own, only the loader (and imports)."""
    tree = src.tree
    if tree is None:
        return False
    return not any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for n in ast.walk(tree))


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
