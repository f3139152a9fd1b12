"""Detectors that read code shape more than data flow: stop-step overrides, network calls,
one-token look-back gates, byte accounting, and code loaded from outside the record folder."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from pgolf.audit.analysis import Analysis
from pgolf.audit.astutil import dotted, last_name
from pgolf.audit.detect_ttt import roles
from pgolf.audit.kinds import EventKind, FuncKind
from pgolf.audit.report import CodeFinding, path_adjusted
from pgolf.findings import Location, Status

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


def network_findings(a: Analysis) -> list[CodeFinding]:
    r = roles(a)
    scoring = {f.fid for s in r.scores for f in s.stack[-1:]}
    found: list[CodeFinding] = []
    for ev in a.trace.of_kind(EventKind.NET):
        node = ev.event.node
        qual = ev.event.text
        if qual.startswith(("subprocess.", "os.")) and not NET_COMMANDS.search(_text(node)):
            continue  # pyminify, lrzip, gcc: local tools, not network
        at_eval = (r.artifact_seq and ev.seq > r.artifact_seq) or ev.fid in scoring
        note = f"`{qual}` can reach the network " + (
            "during evaluation; the artifact must be self-contained (no downloads or network calls)"
            if at_eval
            else "before evaluation; downloads belong in setup, never in the timed run"
        )
        finding = CodeFinding(
            Status.FAIL if at_eval else Status.WARN,
            a.location(ev.fid, node),
            note,
            "certain" if at_eval else "heuristic",
        )
        found.append(path_adjusted(finding, dormant=ev.dormant, reached=ev.reached))
    for src in a.sources.c_files:
        for i, line in enumerate(src.lines, 1):
            if C_NETWORK.search(line):
                note = "C code compiled at run time includes a network header or spawns a process"
                found.append(CodeFinding(Status.WARN, src.location(i), note, "heuristic"))
    return found


def _text(node: ast.AST) -> str:
    return " ".join(str(n.value) for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


# ----- DOC-BOUNDARY ----------------------------------------------------------------------------------
def lookback_findings(a: Analysis) -> tuple[list[CodeFinding], list[tuple[Location, str]]]:
    """Sigmoid-gated previous-position mixes (SmearGate) and whether a BOS mask guards them."""
    findings: list[CodeFinding] = []
    notes: list[tuple[Location, str]] = []
    per_doc = any(DOC_SCORING.search(f.text) for f in a.sources.python)
    for info in a.program.funcs:
        src = a.program.source(info.fid)
        end = getattr(info.node, "end_lineno", info.line) or info.line
        if info.kind is not FuncKind.FUNCTION or "sigmoid" not in "".join(src.lines[info.line - 1 : end]):
            continue  # no gate in this function: skip the node scan
        gate = _gated_lookback(info.nodes)
        if gate is None:
            continue
        loc = a.location(info.fid, gate)
        if BOS_MASK.search("\n".join(src.lines[info.line - 1 : end])):
            notes.append((loc, f"{info.qualname}: the one-token look-back is masked at BOS"))
            continue
        why = (
            f"{info.qualname} mixes a sigmoid-gated copy of the previous position into the current one with no "
            "BOS mask, so state crosses document boundaries"
        )
        if per_doc:
            why += " while documents are scored independently (the #1797 SmearGate bug)"
        status = Status.FAIL if per_doc else Status.WARN
        findings.append(CodeFinding(status, loc, why, "certain" if per_doc else "heuristic"))
    return findings, notes


def _gated_lookback(nodes: list[ast.AST]) -> ast.AST | None:
    """`g * x[:, :-1]` or `g * x_prev` where g comes from a sigmoid and x_prev is a shifted copy."""
    gates: set[str] = set()
    shifted: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if any(isinstance(c, ast.Call) and last_name(c.func) == "sigmoid" for c in ast.walk(node.value)):
                gates.add(name)
            if _is_shift(node.value):
                shifted.add(name)
    for node in nodes:
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)):
            continue
        for gate_side, value_side in ((node.left, node.right), (node.right, node.left)):
            if _mentions_gate(gate_side, gates) and (
                _is_shift(value_side) or (isinstance(value_side, ast.Name) and value_side.id in shifted)
            ):
                return node
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
def byte_accounting(a: Analysis, tokenizer_files: list[str]) -> tuple[list[CodeFinding], list[tuple[Location, str]]]:
    findings: list[CodeFinding] = []
    notes: list[tuple[Location, str]] = []
    for info in a.program.funcs:
        if info.kind is FuncKind.FUNCTION and _is_lut_builder(info.nodes):
            findings += _lut_findings(a, info.fid, notes)
    caseops = _string_constant(a, r"caseops|lossless_caps")
    if caseops is not None:
        sidecar = _string_constant(a, r"val_bytes|sidecar") or any(
            re.search(r"sidecar", info.name, re.I) for info in a.program.funcs
        )
        if sidecar:
            notes.append((caseops, "CaseOps data is scored with the original-byte sidecar"))
        else:
            why = (
                "CaseOps-transformed tokens are scored without the fineweb_val_bytes_* sidecar, so BPB counts bytes "
                "of the transformed text, not of the original text"
            )
            findings.append(CodeFinding(Status.FAIL, caseops, why))
    for name in tokenizer_files:
        if name.rsplit("/", 1)[-1] not in STANDARD_TOKENIZERS and name.endswith(".model"):
            findings.append(
                CodeFinding(
                    Status.WARN,
                    Location(path=name),
                    "a custom tokenizer ships with the "
                    "record; its byte accounting must be proven exact (README rule 2)",
                    "heuristic",
                )
            )
    return findings, notes


def _string_constant(a: Analysis, pattern: str) -> Location | None:
    """Where a string literal (not a comment) matching `pattern` first appears."""
    regex = re.compile(pattern, re.I)
    for info in a.program.funcs:
        for node in info.nodes:
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and regex.search(node.value):
                return a.location(info.fid, node)
    return None


def _is_lut_builder(nodes: list[ast.AST]) -> bool:
    return any(isinstance(n, ast.Call) and last_name(n.func) in ("id_to_piece", "IdToPiece") for n in nodes)


def _lut_findings(a: Analysis, fid: int, notes: list[tuple[Location, str]]) -> list[CodeFinding]:
    func = a.program.funcs[fid].node
    out: list[CodeFinding] = []
    byte_branch = next((n for n in ast.walk(func) if isinstance(n, ast.If) and "is_byte" in dotted_calls(n.test)), None)
    name = a.name_of(fid)
    if byte_branch is None:
        out.append(
            CodeFinding(
                Status.WARN,
                a.location(fid, func),
                f"{name} has no byte-fallback branch "
                "(sp.is_byte): byte tokens are counted by their piece text, e.g. '<0x0A>' as 6 bytes",
                "heuristic",
            )
        )
    else:
        values = [
            n.value.value
            for n in ast.walk(ast.Module(body=byte_branch.body, type_ignores=[]))
            if isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Constant)
            and isinstance(n.value.value, int | float)
            and not isinstance(n.value.value, bool)
        ]
        wrong = [v for v in values if v != 1]
        if wrong:
            out.append(
                CodeFinding(
                    Status.FAIL,
                    a.location(fid, byte_branch),
                    f"{name} counts a byte-fallback token "
                    f"as {wrong[0]} bytes; it stands for exactly 1 byte (the Scylla bug, #1184/#1806)",
                )
            )
        else:
            notes.append((a.location(fid, byte_branch), f"{name}: byte-fallback tokens count 1 byte"))
    src = a.program.source(fid)
    body = "\n".join(src.lines[a.program.funcs[fid].line - 1 : getattr(func, "end_lineno", 0) or 0])
    if "\u2581" not in body and "2581" not in body:
        out.append(
            CodeFinding(
                Status.WARN,
                a.location(fid, func),
                f"{name} never handles the leading-space marker "
                "'\u2581' (U+2581): word-boundary spaces may be miscounted (#897)",
                "heuristic",
            )
        )
    return out


def dotted_calls(node: ast.AST) -> str:
    return " ".join(dotted(n.func) for n in ast.walk(node) if isinstance(n, ast.Call))


# ----- CODE-BYTES ------------------------------------------------------------------------------------
def outside_code(a: Analysis, folder_paths: set[str]) -> list[CodeFinding]:
    """Code files loaded by path that are not in the record folder (not shipped, so not counted)."""
    found: list[CodeFinding] = []
    names = {p.rsplit("/", 1)[-1] for p in folder_paths}
    for info in a.program.funcs:
        for node in info.nodes:
            if not isinstance(node, ast.Call) or last_name(node.func) not in LOAD_CALLS:
                continue
            for const in ast.walk(node):
                if not (isinstance(const, ast.Constant) and isinstance(const.value, str)):
                    continue
                path = const.value.strip()
                if path.endswith(CODE_SUFFIXES) and path.rsplit("/", 1)[-1] not in names and "\n" not in path:
                    found.append(
                        CodeFinding(
                            Status.FAIL,
                            a.location(info.fid, node),
                            f"loads code from `{path}`, "
                            "which is not in the record folder: it is neither shipped nor counted",
                        )
                    )
    return found
