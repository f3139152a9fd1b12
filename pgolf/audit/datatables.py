"""Read numeric tables a submission ships (byte look-up tables in .npy/.npz/.json) without running anything.

NumPy's formats are parsed by hand: the .npy header is a Python literal (read with ast.literal_eval)
followed by raw little/big-endian values; .npz is a zip of .npy members. Object arrays (pickles) and
anything else that could execute code are refused, and every size is capped, so a hostile table is a
finding ("unreadable"), never a crash. numpy is not needed (pgolf check runs on the base install).
"""

from __future__ import annotations

import ast
import io
import json
import struct
import zipfile
from collections.abc import Mapping

MAX_TABLE_BYTES = 8 * 1024 * 1024
MAX_ENTRIES = 4_000_000
_KINDS = {"i": "bhiq", "u": "BHIQ", "f": "xefd", "b": "?"}  # struct codes by itemsize 1, 2, 4, 8

Table = Mapping[str, list[float]]


class TableError(Exception):
    """The file is not a table pgolf can read safely; the message says why."""


def read_table(data: bytes, suffix: str) -> Table:
    """Named 1-D numeric arrays of a .npy, .npz or .json file."""
    if len(data) > MAX_TABLE_BYTES:
        raise TableError(f"over the {MAX_TABLE_BYTES}-byte table cap")
    if suffix == ".npy":
        return {"": _npy(data)}
    if suffix == ".npz":
        return _npz(data)
    if suffix == ".json":
        return _json(data)
    raise TableError(f"{suffix} files are pickles or opaque formats; pgolf does not load them")


def _npy(data: bytes) -> list[float]:
    if not data.startswith(b"\x93NUMPY") or len(data) < 10:
        raise TableError("not a .npy array")
    major = data[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", data[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", data[8:12])
        start = 12
    try:
        header = ast.literal_eval(data[start : start + hlen].decode("latin-1"))
    except (ValueError, SyntaxError) as exc:
        raise TableError(f"unreadable .npy header: {exc}") from exc
    if not isinstance(header, dict):
        raise TableError("unreadable .npy header")
    descr, shape = header.get("descr"), header.get("shape")
    if not isinstance(descr, str) or not isinstance(shape, tuple) or header.get("fortran_order"):
        raise TableError(f"unsupported .npy layout {descr!r} {shape!r}")
    count = 1
    for dim in shape:
        count *= int(dim)
    if len(shape) != 1 or count > MAX_ENTRIES:
        raise TableError(f"not a 1-D table (shape {shape})")
    return _values(data[start + hlen :], descr, count)


def _values(raw: bytes, descr: str, count: int) -> list[float]:
    order = {"<": "<", ">": ">", "|": "<", "=": "<"}.get(descr[:1])
    kind, size = descr[1:2], descr[2:]
    if order is None or kind not in _KINDS or not size.isdigit():
        raise TableError(f"unsupported dtype {descr!r} (object arrays are never loaded)")
    width = int(size)
    codes = _KINDS[kind]
    index = {1: 0, 2: 1, 4: 2, 8: 3}.get(width)
    if index is None or index >= len(codes) or codes[index] == "x":
        raise TableError(f"unsupported dtype {descr!r}")
    if len(raw) < count * width:
        raise TableError("truncated table")
    values = struct.unpack(f"{order}{count}{codes[index]}", raw[: count * width])
    return [float(v) for v in values]


def _npz(data: bytes) -> dict[str, list[float]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise TableError(f"not a .npz archive: {exc}") from exc
    out: dict[str, list[float]] = {}
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > MAX_TABLE_BYTES:
            raise TableError(f"members over the {MAX_TABLE_BYTES}-byte cap (a zip bomb?)")
        if not info.filename.endswith(".npy"):
            continue
        try:
            out[info.filename[: -len(".npy")]] = _npy(archive.read(info))
        except TableError:
            continue  # a 2-D or exotic member: the byte table is looked for among the others
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:  # corrupt, encrypted, ...
            raise TableError(f"unreadable .npz member {info.filename}: {exc}") from exc
    if not out:
        raise TableError("no 1-D numeric array in the archive")
    return out


def _json(data: bytes) -> dict[str, list[float]]:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise TableError(f"not JSON: {exc}") from exc
    items = doc.items() if isinstance(doc, dict) else [("", doc)]
    out = {
        str(k): [float(x) for x in v]
        for k, v in items
        if isinstance(v, list) and v and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
    }
    if not out:
        raise TableError("no numeric list in the JSON file")
    return out
