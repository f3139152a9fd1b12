"""Facts read from code shape more than data flow: stop-step overrides, network calls, one-token
look-back gates, byte accounting tables, and code loaded from outside the record folder. The
PG414-PG418 checks decide on them."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pgolf.audit.analysis import Analysis, PathState
from pgolf.audit.astutil import dotted, last_name
from pgolf.audit.detect_ttt import roles
from pgolf.audit.kinds import EventKind, FuncKind
from pgolf.errors import InputError
from pgolf.findings import Location

STOP_STEP_ENV = re.compile(r"(FORCE|FIXED|OVERRIDE)\w*STEPS?$|STOP_(AT_)?STEPS?$", re.I)
NET_COMMANDS = re.compile(r"\b(curl|wget|pip3?|git\s+clone|huggingface-cli|hf\s+download|aria2c|scp|rsync)\b")
C_NETWORK = re.compile(
    r"#\s*include\s*[<\"](sys/socket|netdb|curl/curl|arpa/inet)\.h|\b(system|popen|execvp?|execlp?)\s*\("
)
BOS_MASK = re.compile(r"bos|doc_start|boundar|==\s*1\b|!=\s*1\b|\bBOS", re.I)
DOC_SCORING = re.compile(r"cu_seqlens|varlen|_find_docs|doc_start|per_doc", re.I)
STANDARD_TOKENIZERS = frozenset(
    {
        "fineweb_1024_bpe.model",
        "fineweb_4096_bpe.model",
        "fineweb_8192_bpe.model",
        "fineweb_8192_bpe_lossless_caps_caseops_v1_reserved.model",
    }
)
STANDARD_STEMS = frozenset(name.rsplit(".", 1)[0] for name in STANDARD_TOKENIZERS)  # .model and its .vocab
CODE_SUFFIXES = (".py", ".c", ".cc", ".cpp", ".cu")
LOAD_CALLS = ("exec", "run_path", "spec_from_file_location", "load", "import_module")


@dataclass(frozen=True)
class StopOverride:
    location: Location
    env_name: str
    default: object  # the default value in code (None when unknown)


def stop_overrides(a: Analysis) -> list[StopOverride]:
    found: list[StopOverride] = []
    for fid, facts in a.flow.facts.items():
        for ev in facts.events:
            if ev.kind is not EventKind.ENV or not STOP_STEP_ENV.search(ev.text):
                continue
            default: object = None
            node = ev.node
            if isinstance(node, ast.Call) and len(node.args) > 1:
                try:
                    default = ast.literal_eval(node.args[1])
                except ValueError:
                    default = None
            found.append(StopOverride(a.location(fid, node), ev.text, default))
    return found


@dataclass(frozen=True)
class NetworkCall:
    """A call that can reach the network (or a process that can): `at_eval` after the artifact or in scoring."""

    at: Location
    call: str
    at_eval: bool
    path: PathState


def network_calls(a: Analysis) -> list[NetworkCall]:
    r = roles(a)
    scoring = {f.fid for s in r.scores for f in s.stack[-1:]}
    found: list[NetworkCall] = []
    for ev in a.trace.of_kind(EventKind.NET):
        node = ev.event.node
        qual = ev.event.text
        if qual.startswith(("subprocess.", "os.")) and not NET_COMMANDS.search(_text(node)):
            continue  # pyminify, lrzip, gcc: local tools, not network
        at_eval = bool(r.artifact_seq and ev.seq > r.artifact_seq) or ev.fid in scoring
        found.append(NetworkCall(a.location(ev.fid, node), qual, at_eval, a.path_of(ev)))
    return found


def c_network_lines(a: Analysis) -> list[Location]:
    """Lines of C code compiled at run time that include a network header or spawn a process."""
    return [
        src.location(i) for src in a.sources.c_files for i, line in enumerate(src.lines, 1) if C_NETWORK.search(line)
    ]


def _text(node: ast.AST) -> str:
    return " ".join(str(n.value) for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


# ----- DOC-BOUNDARY ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lookback:
    """A sigmoid-gated copy of the previous position mixed into the current one (SmearGate)."""

    at: Location
    function: str
    masked: bool  # a BOS/document-start mask guards it
    per_doc: bool  # the code scores documents independently (cu_seqlens, varlen, per-doc loops)


def lookbacks(a: Analysis) -> list[Lookback]:
    """Sigmoid-gated previous-position mixes in every function (every forward path of the model, called
    or not: the mask question is about the model's definition), and whether a BOS mask guards them."""
    found: list[Lookback] = []
    per_doc = any(DOC_SCORING.search(f.text) for f in a.sources.python)
    for info in a.program.funcs:
        src = a.program.source(info.fid)
        end = getattr(info.node, "end_lineno", info.line) or info.line
        if info.kind is not FuncKind.FUNCTION or "sigmoid" not in "".join(src.lines[info.line - 1 : end]):
            continue  # no gate in this function: skip the node scan
        gate = _gated_lookback(info.of_type(ast.Assign), info.of_type(ast.BinOp))
        if gate is None:
            continue
        masked = bool(BOS_MASK.search("\n".join(src.lines[info.line - 1 : end])))
        found.append(Lookback(a.location(info.fid, gate), info.qualname, masked, per_doc))
    return found


def _gated_lookback(assigns: list[ast.Assign], binops: list[ast.BinOp]) -> ast.AST | None:
    """`g * x[:, :-1]` or `g * x_prev` where g comes from a sigmoid and x_prev is a shifted copy."""
    gates: set[str] = set()
    shifted: set[str] = set()
    for node in assigns:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if any(isinstance(c, ast.Call) and last_name(c.func) == "sigmoid" for c in ast.walk(node.value)):
                gates.add(name)
            if _is_shift(node.value):
                shifted.add(name)
    for op in binops:
        if not isinstance(op.op, ast.Mult):
            continue
        for gate_side, value_side in ((op.left, op.right), (op.right, op.left)):
            if _mentions_gate(gate_side, gates) and (
                _is_shift(value_side) or (isinstance(value_side, ast.Name) and value_side.id in shifted)
            ):
                return op
    return None


def _mentions_gate(node: ast.expr, gates: set[str]) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in gates:
            return True
        if isinstance(sub, ast.Call) and last_name(sub.func) == "sigmoid":
            return True
    return False


def _is_shift(node: ast.expr) -> bool:
    """`x[:, :-1]`, `cat([x0, x[:, :-1]])`, `pad(x[:, :-1], ...)`, `roll(x, 1, ...)`."""
    if _prev_slice(node):
        return True
    if isinstance(node, ast.Call):
        name = last_name(node.func)
        if name == "roll":
            return any(isinstance(x, ast.Constant) and x.value == 1 for x in node.args[1:])
        if name in ("pad", "cat"):
            return any(_prev_slice(s) for s in ast.walk(node))
    return False


def _prev_slice(node: ast.AST) -> bool:
    """`x[:, :-1]` (all but the last position on the time axis)."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Tuple) or len(node.slice.elts) < 2:
        return False
    sl = node.slice.elts[1]
    return (
        isinstance(sl, ast.Slice)
        and sl.lower is None
        and isinstance(sl.upper, ast.UnaryOp)
        and isinstance(sl.upper.operand, ast.Constant)
        and sl.upper.operand.value == 1
    )


# ----- TOKENIZER/BPB-ACCOUNTING ----------------------------------------------------------------------
class LutProblem(StrEnum):
    NO_BYTE_BRANCH = "no_byte_branch"  # no sp.is_byte branch: byte tokens counted by their piece text
    BYTE_NOT_ONE = "byte_not_one"  # the byte branch counts a byte-fallback token as != 1 byte
    NO_SPACE_MARKER = "no_space_marker"  # the leading-space marker U+2581 is never handled


@dataclass(frozen=True)
class LutBuilder:
    """A byte look-up-table builder (a function that walks id_to_piece)."""

    at: Location
    function: str
    byte_branch: Location | None
    byte_value: float | None  # the first value != 1 stored in the byte branch, when there is one
    problems: tuple[LutProblem, ...]


@dataclass(frozen=True)
class CaseOps:
    """CaseOps-transformed data, and whether the original-byte sidecar is read."""

    at: Location
    sidecar: bool


@dataclass(frozen=True)
class ShippedTable:
    """A byte table the run loads from a data file it ships (in preference to building one, D16)."""

    at: Location  # where the code names the file
    path: str  # the shipped file
    key: str | None  # the array holding byte counts per token id
    values: tuple[float, ...] | None  # byte counts per token id, when readable
    unreadable: str | None = None  # why the table could not be read


@dataclass(frozen=True)
class ByteAccounting:
    builders: list[LutBuilder]
    caseops: CaseOps | None
    custom_tokenizers: list[str]  # tokenizer/vocab files in the folder that are not a standard one
    tables: list[ShippedTable] = field(default_factory=list)


TABLE_SUFFIXES = (".npz", ".npy", ".json", ".pt", ".pth", ".pkl")
TOKENIZER_SUFFIXES = (".model", ".vocab", ".spm")
_BYTE_TABLE = re.compile(r"lut|byte|piece_len|token_len|bytes_per", re.I)
_BYTE_KEY = re.compile(r"base_bytes|byte|lut|len", re.I)


def shipped_tables(a: Analysis, files: Mapping[str, Callable[[], bytes]]) -> list[ShippedTable]:
    """Byte tables the code loads by file name from the folder, read (never unpickled) and decoded."""
    from pgolf.audit.datatables import TableError, read_table

    by_name = {p.rsplit("/", 1)[-1]: p for p in files}
    found: dict[str, ShippedTable] = {}
    for info in a.program.funcs:
        for node in info.of_type(ast.Constant):
            if not isinstance(node.value, str):
                continue
            name = node.value.strip().rsplit("/", 1)[-1]
            path = by_name.get(name)
            if path is None or path in found or not name.lower().endswith(TABLE_SUFFIXES):
                continue
            src = a.program.source(info.fid)
            end = getattr(info.node, "end_lineno", info.line) or info.line
            body = "\n".join(src.lines[info.line - 1 : end])
            if not (_BYTE_TABLE.search(name) or _BYTE_TABLE.search(body)):
                continue
            where = a.location(info.fid, node)
            try:
                table = read_table(files[path](), "." + name.rsplit(".", 1)[-1].lower())
            except TableError as exc:
                found[path] = ShippedTable(where, path, None, None, str(exc))
                continue
            except (OSError, InputError) as exc:
                found[path] = ShippedTable(where, path, None, None, f"not read: {exc}")
                continue
            keys = sorted(table, key=lambda k: (not _BYTE_KEY.search(k), k))
            key = keys[0]
            found[path] = ShippedTable(where, path, key, tuple(table[key]))
    return list(found.values())


def byte_accounting(
    a: Analysis, tokenizer_files: list[str], data_files: Mapping[str, Callable[[], bytes]] | None = None
) -> ByteAccounting:
    builders = [
        _lut_builder(a, info.fid)
        for info in a.program.funcs
        if info.kind is FuncKind.FUNCTION and _is_lut_builder(info.of_type(ast.Call))
    ]
    caseops = None
    where = _string_constant(a, r"caseops|lossless_caps")
    if where is not None:
        sidecar = _string_constant(a, r"val_bytes|sidecar") is not None or any(
            re.search(r"sidecar", info.name, re.I) for info in a.program.funcs
        )
        caseops = CaseOps(where, sidecar)
    custom = [
        name
        for name in tokenizer_files
        if name.rsplit("/", 1)[-1].rsplit(".", 1)[0] not in STANDARD_STEMS and name.lower().endswith(TOKENIZER_SUFFIXES)
    ]
    return ByteAccounting(builders, caseops, custom, shipped_tables(a, data_files or {}))


def _string_constant(a: Analysis, pattern: str) -> Location | None:
    """Where a string literal (not a comment) matching `pattern` first appears."""
    regex = re.compile(pattern, re.I)
    for info in a.program.funcs:
        for node in info.of_type(ast.Constant):
            if isinstance(node.value, str) and regex.search(node.value):
                return a.location(info.fid, node)
    return None


def _is_lut_builder(nodes: list[ast.Call]) -> bool:
    return any(isinstance(n, ast.Call) and last_name(n.func) in ("id_to_piece", "IdToPiece") for n in nodes)


def _lut_builder(a: Analysis, fid: int) -> LutBuilder:
    func = a.program.funcs[fid].node
    problems: list[LutProblem] = []
    byte_branch = next((n for n in ast.walk(func) if isinstance(n, ast.If) and "is_byte" in dotted_calls(n.test)), None)
    wrong: list[float] = []
    if byte_branch is None:
        problems.append(LutProblem.NO_BYTE_BRANCH)
    else:
        values = [
            n.value.value
            for n in ast.walk(ast.Module(body=byte_branch.body, type_ignores=[]))
            if isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Constant)
            and isinstance(n.value.value, int | float)
            and not isinstance(n.value.value, bool)
        ]
        wrong = [float(v) for v in values if v != 1]
        if wrong:
            problems.append(LutProblem.BYTE_NOT_ONE)
    src = a.program.source(fid)
    body = "\n".join(src.lines[a.program.funcs[fid].line - 1 : getattr(func, "end_lineno", 0) or 0])
    if "\u2581" not in body and "2581" not in body:
        problems.append(LutProblem.NO_SPACE_MARKER)
    return LutBuilder(
        at=a.location(fid, func),
        function=a.name_of(fid),
        byte_branch=a.location(fid, byte_branch) if byte_branch is not None else None,
        byte_value=wrong[0] if wrong else None,
        problems=tuple(problems),
    )


def dotted_calls(node: ast.AST) -> str:
    return " ".join(dotted(n.func) for n in ast.walk(node) if isinstance(n, ast.Call))


# ----- CODE-BYTES ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutsideLoad:
    """Code loaded by path from a file that is not in the record folder."""

    at: Location
    path: str


def outside_code(a: Analysis, folder_paths: set[str]) -> list[OutsideLoad]:
    """Code files loaded by path that are not in the record folder (not shipped, so not counted)."""
    found: list[OutsideLoad] = []
    names = {p.rsplit("/", 1)[-1] for p in folder_paths}
    for info in a.program.funcs:
        for node in info.of_type(ast.Call):
            if last_name(node.func) not in LOAD_CALLS:
                continue
            for const in ast.walk(node):
                if not (isinstance(const, ast.Constant) and isinstance(const.value, str)):
                    continue
                path = const.value.strip()
                if path.endswith(CODE_SUFFIXES) and path.rsplit("/", 1)[-1] not in names and "\n" not in path:
                    found.append(OutsideLoad(a.location(info.fid, node), path))
    return found
