"""Shipped byte tables are parsed by hand: numeric arrays read, pickles and bombs refused as findings."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from checks.byte_accounting_unsound.fixtures import npy_int16, npz
from pgolf.audit.datatables import MAX_TABLE_BYTES, TableError, read_table


def test_npz_and_npy_and_json_tables_read() -> None:
    assert read_table(npz(base_bytes=[1, 2, 3]), ".npz") == {"base_bytes": [1.0, 2.0, 3.0]}
    assert read_table(npy_int16([4, 5]), ".npy") == {"": [4.0, 5.0]}
    assert read_table(b'{"lut": [1, 1, 2], "name": "x"}', ".json") == {"lut": [1.0, 1.0, 2.0]}


def test_object_arrays_and_pickles_are_refused() -> None:
    header = repr({"descr": "|O", "fortran_order": False, "shape": (2,)}).encode() + b"\n"
    obj = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\x80\x04junk"
    with pytest.raises(TableError, match="object arrays"):
        read_table(obj, ".npy")
    with pytest.raises(TableError, match="pickles"):
        read_table(b"\x80\x04\x95", ".pt")


def test_zip_bomb_and_truncation_are_findings() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.npy", b"\0" * (MAX_TABLE_BYTES + 1))
    with pytest.raises(TableError, match="cap"):
        read_table(out.getvalue(), ".npz")
    with pytest.raises(TableError, match="truncated"):
        read_table(npy_int16([1, 2, 3])[:-2], ".npy")
