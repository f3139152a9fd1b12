"""The shard format shared by every Parameter Golf dataset variant (ENVIRONMENT.md §2.2).

A shard is a 1,024-byte header of 256 little-endian int32 (`[0]` magic 20240520, `[1]` version 1,
`[2]` token count N, the rest zero) followed by N little-endian uint16 tokens, and nothing else:
the file size is exactly 1024 + 2N. Real shards hold 100,000,000 tokens (200 MB), so tokens are
only ever memory-mapped, never read into Python lists.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from pgolf.errors import InputError

MAGIC = 20240520
VERSION = 1
HEADER_INTS = 256
HEADER_BYTES = HEADER_INTS * 4
HEADER_DTYPE = np.dtype("<i4")
TOKEN_DTYPE = np.dtype("<u2")
MAX_TOKEN = int(np.iinfo(np.uint16).max)
# 4 Mi tokens (8 MiB) per chunk: whole-shard scans, int64 temporaries included, stay near 150 MiB.
SCAN_CHUNK_TOKENS = 1 << 22

TokenArray = npt.NDArray[np.uint16]


class ShardError(InputError):
    """A file that is not a well-formed shard (the message names the file and the broken rule)."""


class ShardHeader(BaseModel):
    """The decoded header, before any check: verify.py reports every field it disagrees with."""

    model_config = ConfigDict(frozen=True)

    magic: int
    version: int
    num_tokens: int
    reserved_nonzero: int  # how many of header[3:256] are not zero (always 0 in real exports)
    file_size: int

    @property
    def expected_size(self) -> int:
        return HEADER_BYTES + 2 * self.num_tokens

    def problems(self) -> list[str]:
        """Human-readable violations of §2.2, empty for a good header."""
        found = []
        if self.magic != MAGIC:
            found.append(f"magic {self.magic} != {MAGIC}")
        if self.version != VERSION:
            found.append(f"version {self.version} != {VERSION}")
        if self.num_tokens < 0:
            found.append(f"negative token count {self.num_tokens}")
        if self.file_size != self.expected_size:
            found.append(f"size {self.file_size} != 1024 + 2*{self.num_tokens} = {self.expected_size}")
        if self.reserved_nonzero:
            found.append(f"{self.reserved_nonzero} reserved header ints are not zero")
        return found


def read_header(path: Path) -> ShardHeader:
    """Decode the header of `path`; raises ShardError only when fewer than 1,024 bytes exist."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        raw = fh.read(HEADER_BYTES)
    if len(raw) < HEADER_BYTES:
        raise ShardError(f"{path}: {size} bytes, shorter than the {HEADER_BYTES}-byte shard header")
    header = np.frombuffer(raw, dtype=HEADER_DTYPE)
    return ShardHeader(
        magic=int(header[0]),
        version=int(header[1]),
        num_tokens=int(header[2]),
        reserved_nonzero=int(np.count_nonzero(header[3:])),
        file_size=size,
    )


def open_tokens(path: Path, *, header: ShardHeader | None = None) -> TokenArray:
    """Memory-map the tokens of a well-formed shard (read-only); raises ShardError otherwise."""
    header = header or read_header(path)
    problems = header.problems()
    if problems:
        raise ShardError(f"{path}: not a valid shard: {'; '.join(problems)}")
    if header.num_tokens == 0:
        return np.zeros(0, dtype=TOKEN_DTYPE)
    return np.memmap(path, dtype=TOKEN_DTYPE, mode="r", offset=HEADER_BYTES, shape=(header.num_tokens,))


def iter_chunks(tokens: TokenArray, chunk: int | None = None) -> Iterator[tuple[int, TokenArray]]:
    """(offset, view) pairs over a token array, so scans touch one chunk of the memmap at a time."""
    size = chunk or SCAN_CHUNK_TOKENS  # read at call time, so tests can shrink it to cross chunk edges
    for start in range(0, len(tokens), size):
        yield start, tokens[start : start + size]


def encode_header(num_tokens: int) -> bytes:
    header = np.zeros(HEADER_INTS, dtype=HEADER_DTYPE)
    header[0], header[1], header[2] = MAGIC, VERSION, num_tokens
    return header.tobytes()


def write_shard(path: Path, tokens: npt.ArrayLike) -> int:
    """Write `tokens` as a shard, atomically (temp file + rename); returns the file size.

    Values must fit uint16: a silent wrap-around would corrupt the dataset, so it is an error.
    """
    array = np.asarray(tokens)
    if array.ndim != 1:
        raise ValueError(f"tokens must be one-dimensional, got shape {array.shape}")
    if array.size and (int(array.min()) < 0 or int(array.max()) > MAX_TOKEN):
        raise ValueError(f"token values must lie in 0..{MAX_TOKEN}")
    payload = array.astype(TOKEN_DTYPE, copy=False).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(encode_header(int(array.size)))
            fh.write(payload)
        Path(tmp).chmod(0o644)  # mkstemp makes 0600 files; a dataset is meant to be shared read-only
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return HEADER_BYTES + len(payload)
