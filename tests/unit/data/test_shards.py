"""The shard format (ENVIRONMENT.md §2.2): exact bytes, header decoding, memmap reads, atomic writes."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgolf.data import shards
from pgolf.data.shards import (
    HEADER_BYTES,
    MAGIC,
    VERSION,
    ShardError,
    iter_chunks,
    open_tokens,
    read_header,
    write_shard,
)
from pgolf.errors import InputError


def _raw_shard(path: Path, header: list[int], payload: bytes) -> Path:
    ints = header + [0] * (256 - len(header))
    path.write_bytes(struct.pack("<256i", *ints) + payload)
    return path


def test_written_bytes_match_the_format_exactly(tmp_path: Path) -> None:
    path = tmp_path / "fineweb_val_000000.bin"
    size = write_shard(path, [1, 258, 65535, 0])
    data = path.read_bytes()
    assert size == len(data) == HEADER_BYTES + 8
    assert data[:12] == struct.pack("<3i", 20240520, 1, 4)
    assert data[12:HEADER_BYTES] == b"\0" * (HEADER_BYTES - 12)
    assert data[HEADER_BYTES:] == struct.pack("<4H", 1, 258, 65535, 0)


def test_reads_a_shard_written_by_hand_as_a_readonly_memmap(tmp_path: Path) -> None:
    path = _raw_shard(tmp_path / "s.bin", [MAGIC, VERSION, 3], struct.pack("<3H", 7, 1, 300))
    header = read_header(path)
    assert (header.magic, header.version, header.num_tokens, header.file_size) == (MAGIC, VERSION, 3, 1030)
    assert header.problems() == []
    tokens = open_tokens(path)
    assert isinstance(tokens, np.memmap)
    assert tokens.dtype == np.dtype("<u2")
    assert tokens.tolist() == [7, 1, 300]
    with pytest.raises(ValueError, match="read-only"):
        tokens[0] = 5


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=65535), max_size=300))
def test_roundtrip_of_any_uint16_sequence(tmp_path_factory: pytest.TempPathFactory, values: list[int]) -> None:
    path = tmp_path_factory.mktemp("rt") / "s.bin"
    write_shard(path, np.array(values, dtype=np.int64))
    assert read_header(path).num_tokens == len(values)
    assert open_tokens(path).tolist() == values


@pytest.mark.parametrize(
    ("header", "payload", "problem"),
    [
        ([20240521, 1, 2], b"\0" * 4, "magic 20240521 != 20240520"),
        ([MAGIC, 2, 2], b"\0" * 4, "version 2 != 1"),
        ([MAGIC, 1, 3], b"\0" * 4, "size 1028 != 1024 + 2*3 = 1030"),
        ([MAGIC, 1, 1], b"\0" * 4, "size 1028 != 1024 + 2*1 = 1026"),
        ([MAGIC, 1, 2, 0, 9], b"\0" * 4, "1 reserved header ints are not zero"),
        ([MAGIC, 1, -1], b"", "negative token count -1"),
    ],
)
def test_header_problems_are_named(tmp_path: Path, header: list[int], payload: bytes, problem: str) -> None:
    path = _raw_shard(tmp_path / "bad.bin", header, payload)
    assert problem in read_header(path).problems()
    with pytest.raises(ShardError, match="not a valid shard"):
        open_tokens(path)


def test_file_shorter_than_the_header_is_a_shard_error(tmp_path: Path) -> None:
    path = tmp_path / "short.bin"
    path.write_bytes(b"\0" * 100)
    with pytest.raises(ShardError, match="100 bytes, shorter than the 1024-byte"):
        read_header(path)
    assert issubclass(ShardError, InputError)


def test_empty_shard_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    assert write_shard(path, np.zeros(0, dtype=np.uint16)) == HEADER_BYTES
    assert len(open_tokens(path)) == 0


@pytest.mark.parametrize("bad", [[-1], [65536], [[1, 2], [3, 4]]])
def test_values_that_do_not_fit_uint16_are_refused(tmp_path: Path, bad: list[int] | list[list[int]]) -> None:
    path = tmp_path / "s.bin"
    with pytest.raises(ValueError, match=r"0\.\.65535|one-dimensional"):
        write_shard(path, bad)
    assert not path.exists()


def test_write_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "s.bin"
    write_shard(path, [1, 2, 3])
    write_shard(path, [4])
    assert open_tokens(path).tolist() == [4]
    assert [p.name for p in path.parent.iterdir()] == ["s.bin"]
    assert path.stat().st_mode & 0o777 == 0o644


def test_iter_chunks_covers_every_token_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = np.arange(10, dtype=np.uint16)
    monkeypatch.setattr(shards, "SCAN_CHUNK_TOKENS", 4)
    pieces = list(iter_chunks(tokens))
    assert [start for start, _ in pieces] == [0, 4, 8]
    assert np.concatenate([chunk for _, chunk in pieces]).tolist() == list(range(10))
    assert [len(c) for _, c in iter_chunks(tokens, 3)] == [3, 3, 3, 1]
