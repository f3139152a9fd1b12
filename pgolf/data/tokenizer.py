"""SentencePiece helpers: vocabulary facts and the byte look-up tables behind val_bpb.

The tables reproduce the baseline `build_sentencepiece_luts` (ENVIRONMENT.md §2.2 "How BPB is
computed"): a token's bytes are the UTF-8 length of its piece without the leading "▁", plus one
for that space unless the previous token is a boundary (control/unknown/unused) token; byte-fallback
tokens are one byte. Summed over the val split this must equal the UTF-8 size of the val documents,
which is how verify.py recognises the val set independently of the tokenizer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pgolf.data.shards import TokenArray, iter_chunks
from pgolf.errors import EnvironmentMissing, InputError

_SPACE = "\u2581"  # SentencePiece's "▁" whitespace marker


def load_processor(path: Path) -> Any:
    """A SentencePieceProcessor for `path` (sentencepiece lives in the `runner` extra)."""
    try:
        import sentencepiece as spm
    except ImportError as exc:
        raise EnvironmentMissing("sentencepiece is not installed: pip install 'pgolf[runner]'") from exc
    if not path.is_file():
        raise InputError(f"{path}: tokenizer model not found")
    try:
        return spm.SentencePieceProcessor(model_file=str(path))
    except (OSError, RuntimeError) as exc:
        raise InputError(f"{path}: not a SentencePiece model: {exc}") from exc


def file_sha256(path: Path, *, block: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ByteTables:
    """Per-token-id byte facts; arrays are indexed by token id (length = vocab size)."""

    base_bytes: npt.NDArray[np.int64]
    has_leading_space: npt.NDArray[np.bool_]
    is_boundary: npt.NDArray[np.bool_]

    @classmethod
    def from_processor(cls, sp: Any) -> ByteTables:
        size = int(sp.vocab_size())
        base = np.zeros(size, dtype=np.int64)
        space = np.zeros(size, dtype=np.bool_)
        boundary = np.ones(size, dtype=np.bool_)
        for tid in range(size):
            if sp.is_control(tid) or sp.is_unknown(tid) or sp.is_unused(tid):
                continue
            boundary[tid] = False
            if sp.is_byte(tid):
                base[tid] = 1
                continue
            piece: str = sp.id_to_piece(tid)
            if piece.startswith(_SPACE):
                space[tid] = True
                piece = piece[1:]
            base[tid] = len(piece.encode("utf-8"))
        return cls(base_bytes=base, has_leading_space=space, is_boundary=boundary)

    def token_bytes(self, tokens: TokenArray, previous: int | None) -> npt.NDArray[np.int64]:
        """Bytes of each token, given the token before the first (None: the split starts here)."""
        ids = tokens.astype(np.int64)
        if not len(ids):
            return np.zeros(0, dtype=np.int64)
        if int(ids.max()) >= len(self.base_bytes):
            raise InputError(f"token id {int(ids.max())} is outside the vocabulary ({len(self.base_bytes)})")
        prev = np.empty_like(ids)
        prev[0] = previous if previous is not None else 0
        prev[1:] = ids[:-1]
        prev_boundary = self.is_boundary[prev]
        if previous is None:
            prev_boundary[0] = True  # nothing precedes the split: like a BOS, no space byte is owed
        extra = self.has_leading_space[ids] & ~prev_boundary
        return self.base_bytes[ids] + extra.astype(np.int64)

    def total_bytes(self, tokens: TokenArray) -> int:
        """Byte total of a whole split, scanned chunk by chunk (memmap friendly)."""
        total = 0
        previous: int | None = None
        for _, chunk in iter_chunks(tokens):
            total += int(self.token_bytes(chunk, previous).sum())
            previous = int(chunk[-1])
        return total
