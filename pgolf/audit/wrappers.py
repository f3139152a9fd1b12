"""Decode self-extracting wrappers by reading their AST, never by running them.

Many records ship `train_gpt.py` as `exec(L.decompress(B.b85decode("...")))` (lzma, brotli or zlib
over base85/base64, sometimes a raw LZMA2 stream: `format=lzma.FORMAT_RAW, filters=[{"id":
lzma.FILTER_LZMA2}]`). This module evaluates only a whitelist of pure decoding functions on literal
arguments, with a hard cap on every decompressed size (a decompression bomb stops at the cap), and
returns the decoded source for the analysis. Anything outside the whitelist is "unknown", not run.
"""

from __future__ import annotations

import ast
import base64
import binascii
import bisect
import bz2
import lzma
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

MAX_DECODED_BYTES = 8 * 1024 * 1024  # a real script decodes to < 300 KB; 8 MiB is generous
MAX_NESTING = 3  # a wrapper whose payload is a wrapper ... three levels deep at most
_MIN_WRAPPER_LITERAL = 200  # a long literal under exec() marks a wrapper even when undecodable

# Stdlib constants a wrapper may name (values read from the stdlib modules, not from the submission).
_CONSTANTS: dict[str, object] = {
    **{f"lzma.{n}": getattr(lzma, n) for n in dir(lzma) if n.isupper()},
    "zlib.MAX_WBITS": zlib.MAX_WBITS,
}


class WrapperError(Exception):
    """A wrapper that cannot be decoded safely; the message says why."""


class _Unknown(Exception):
    """The expression is not a literal decoding chain pgolf can evaluate statically."""


@dataclass(frozen=True)
class Payload:
    text: str
    line: int  # the exec()/eval() call in the outer file
    codecs: tuple[str, ...]  # decode steps, innermost first, e.g. ("base85", "lzma-raw")

    @property
    def description(self) -> str:
        return "+".join(reversed(self.codecs)) or "literal"


@dataclass
class WrapperScan:
    payloads: list[Payload] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (line, why it could not be decoded)


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


def scan_wrappers(tree: ast.Module, lines: Collection[int] | None = None) -> WrapperScan:
    """Find exec()/eval() calls whose argument is a literal decoding chain, and decode them.

    `lines`, when given, are the only lines where such a call can start (a text prefilter found
    them); the rest of the tree is not visited.
    """
    ev = _Evaluator(tree)
    scan = WrapperScan()
    for node in ast.walk(tree) if lines is None else _nodes_on_lines(tree, lines):
        if not (isinstance(node, ast.Call) and _call_name(node.func, ev.aliases) in ("exec", "eval")):
            continue
        if not node.args:
            continue
        try:
            value, codecs = ev.value(node.args[0])
        except _Unknown:
            if _looks_like_wrapper(node.args[0], ev.aliases):
                scan.failures.append((node.lineno, "the exec() argument is not a literal decoding chain"))
            continue
        except WrapperError as exc:
            scan.failures.append((node.lineno, str(exc)))
            continue
        if not codecs:  # exec("literal") or exec(open(...)) is not a wrapper; sources.py handles loads
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str):
            scan.payloads.append(Payload(text=value, line=node.lineno, codecs=tuple(codecs)))
    return scan


def _module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module statements, including those inside top-level if/try blocks (not function bodies)."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        for name in ("body", "orelse", "finalbody"):
            if isinstance(stmt, ast.If | ast.Try | ast.With):
                out += _module_level(getattr(stmt, name, []))
    return out


def _looks_like_wrapper(node: ast.expr, aliases: dict[str, str]) -> bool:
    for sub in ast.walk(node):
        literal = isinstance(sub, ast.Constant) and isinstance(sub.value, str | bytes)
        if literal and len(sub.value) >= _MIN_WRAPPER_LITERAL:  # type: ignore[attr-defined]  # checked above
            return True
        if isinstance(sub, ast.Call) and _call_name(sub.func, aliases) in _DECODERS:
            return True
    return False


def _call_name(func: ast.expr, aliases: dict[str, str]) -> str:
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


def _capped(chunks: Callable[[int], bytes], what: str) -> bytes:
    out = chunks(MAX_DECODED_BYTES + 1)
    if len(out) > MAX_DECODED_BYTES:
        raise WrapperError(f"{what} output exceeds the {MAX_DECODED_BYTES}-byte cap (decompression bomb?)")
    return out


def _lzma(data: bytes, kwargs: dict[str, object]) -> bytes:
    fmt = kwargs.get("format", lzma.FORMAT_AUTO)
    filters = kwargs.get("filters")
    if not isinstance(fmt, int) or (filters is not None and not isinstance(filters, list)):
        raise _Unknown
    try:
        dec = lzma.LZMADecompressor(format=fmt, filters=filters)
        return _capped(lambda cap: dec.decompress(data, max_length=cap), "lzma")
    except (lzma.LZMAError, ValueError, TypeError) as exc:
        raise WrapperError(f"lzma payload does not decode: {exc}") from exc


def _zlib(data: bytes, wbits: object = zlib.MAX_WBITS) -> bytes:
    if not isinstance(wbits, int):
        raise _Unknown
    try:
        dec = zlib.decompressobj(wbits)
        return _capped(lambda cap: dec.decompress(data, cap), "zlib")
    except zlib.error as exc:
        raise WrapperError(f"zlib payload does not decode: {exc}") from exc


def _bz2(data: bytes) -> bytes:
    try:
        dec = bz2.BZ2Decompressor()
        return _capped(lambda cap: dec.decompress(data, max_length=cap), "bz2")
    except (OSError, ValueError) as exc:
        raise WrapperError(f"bz2 payload does not decode: {exc}") from exc


def _brotli(data: bytes) -> bytes:
    import brotli

    dec = brotli.Decompressor()
    try:
        return _capped(lambda cap: dec.process(data, output_buffer_limit=cap), "brotli")
    except TypeError as exc:  # brotli < 1.2 has no output limit: refuse rather than risk a bomb
        raise WrapperError("this brotli build cannot cap its output; install brotli>=1.2") from exc
    except brotli.error as exc:
        raise WrapperError(f"brotli payload does not decode: {exc}") from exc


def _b2a(fn: Callable[[bytes], bytes], name: str) -> Callable[[bytes], bytes]:
    def run(data: bytes) -> bytes:
        try:
            return fn(data)
        except (ValueError, binascii.Error) as exc:
            raise WrapperError(f"{name} payload does not decode: {exc}") from exc

    return run


_BASE_DECODERS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
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
_DECOMPRESSORS = ("lzma.decompress", "zlib.decompress", "gzip.decompress", "bz2.decompress", "brotli.decompress")
_DECODERS = frozenset([*_BASE_DECODERS, *_DECOMPRESSORS])


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("latin-1", errors="replace")
    raise _Unknown


class _Evaluator:
    """Evaluate literal decoding chains; module-level `name = <chain>` bindings are followed."""

    def __init__(self, tree: ast.Module) -> None:
        self.aliases: dict[str, str] = {}
        self.bindings: dict[str, ast.expr] = {}
        for stmt in _module_level(tree.body):
            if isinstance(stmt, ast.Import):
                for a in stmt.names:
                    self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
                for a in stmt.names:
                    self.aliases[a.asname or a.name] = f"{stmt.module}.{a.name}"
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.bindings[stmt.targets[0].id] = stmt.value
        self._active: set[str] = set()

    def value(self, node: ast.expr) -> tuple[object, list[str]]:
        codecs: list[str] = []
        return self._eval(node, codecs), codecs

    def _eval(self, node: ast.expr, codecs: list[str]) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self._name(node.id, codecs)
        if isinstance(node, ast.Attribute):
            qual = _call_name(node, self.aliases)
            if qual in _CONSTANTS:
                return _CONSTANTS[qual]
            raise _Unknown
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._eval(node.left, codecs), self._eval(node.right, codecs)
            if type(left) is type(right) and isinstance(left, str | bytes):
                return left + right  # type: ignore[operator]  # same str/bytes type checked above
            raise _Unknown
        if isinstance(node, ast.List | ast.Tuple):
            return [self._eval(e, codecs) for e in node.elts]
        if isinstance(node, ast.Dict):
            keys = [self._eval(k, codecs) if k is not None else None for k in node.keys]
            return dict(zip(keys, (self._eval(v, codecs) for v in node.values), strict=True))
        if isinstance(node, ast.Call):
            return self._call(node, codecs)
        raise _Unknown

    def _name(self, name: str, codecs: list[str]) -> object:
        if name not in self.bindings or name in self._active:
            raise _Unknown
        self._active.add(name)
        try:
            return self._eval(self.bindings[name], codecs)
        finally:
            self._active.discard(name)

    def _call(self, node: ast.Call, codecs: list[str]) -> object:
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("decode", "encode"):
            base = self._eval(node.func.value, codecs)
            if node.func.attr == "decode" and isinstance(base, bytes):
                return base.decode("utf-8", errors="replace")
            if node.func.attr == "encode" and isinstance(base, str):
                return base.encode("utf-8")
            raise _Unknown
        name = _call_name(node.func, self.aliases)
        if name == "compile" and node.args:
            return self._eval(node.args[0], codecs)
        if name not in _DECODERS or not node.args:
            raise _Unknown
        data = _as_bytes(self._eval(node.args[0], codecs))
        extra = [self._eval(a, codecs) for a in node.args[1:]]
        kwargs = {kw.arg: self._eval(kw.value, codecs) for kw in node.keywords if kw.arg}
        out, codec = self._decode(name, data, extra, kwargs)
        codecs.append(codec)
        return out

    @staticmethod
    def _decode(name: str, data: bytes, extra: list[object], kwargs: dict[str, object]) -> tuple[bytes, str]:
        if name in _BASE_DECODERS:
            codec, fn = _BASE_DECODERS[name]
            return fn(data), codec
        if name == "lzma.decompress":
            if extra:
                kwargs = {"format": extra[0], **({"filters": extra[2]} if len(extra) > 2 else {}), **kwargs}
            raw = kwargs.get("format") == lzma.FORMAT_RAW
            return _lzma(data, kwargs), "lzma-raw" if raw else "lzma"
        if name == "zlib.decompress":
            return _zlib(data, extra[0] if extra else kwargs.get("wbits", zlib.MAX_WBITS)), "zlib"
        if name == "gzip.decompress":
            return _zlib(data, 47), "gzip"  # 32 + 15: gzip or zlib header, as gzip.decompress accepts
        if name == "bz2.decompress":
            return _bz2(data), "bz2"
        return _brotli(data), "brotli"
