"""PG417 fixtures: the standard SentencePiece LUT passes; byte-fallback tokens counted as 3 bytes fail
(Scylla); CaseOps scored without the byte sidecar fails; a LUT with no byte-fallback branch warns; a
byte table the run loads from a shipped .npz is the one audited (D16): 3 bytes per byte-fallback id
fails, 1 passes, an unreadable (pickled) table warns."""

from __future__ import annotations

import io
import struct
import zipfile

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

LUT = """

def build_sentencepiece_luts(sp, vocab_size):
    base_bytes = np.zeros(vocab_size, dtype=np.int16)
    has_leading_space = np.zeros(vocab_size, dtype=np.bool_)
    for token_id in range(int(sp.vocab_size())):
        if sp.is_control(token_id) or sp.is_unknown(token_id):
            continue
        if sp.is_byte(token_id):
            base_bytes[token_id] = 1
            continue
        piece = sp.id_to_piece(token_id)
        if piece.startswith("\\u2581"):
            has_leading_space[token_id] = True
            piece = piece[1:]
        base_bytes[token_id] = len(piece.encode("utf-8"))
    return base_bytes, has_leading_space
"""
SCYLLA = LUT.replace("base_bytes[token_id] = 1\n", "base_bytes[token_id] = 3\n")
NO_BYTE_BRANCH = LUT.replace(
    "        if sp.is_byte(token_id):\n            base_bytes[token_id] = 1\n            continue\n", ""
)
CASEOPS = 'tokenizer_path = os.path.join(data_path, "fineweb_8192_bpe_lossless_caps_caseops_v1_reserved.model")'
SIDECAR = CASEOPS + '\nval_bytes_files = os.path.join(data_path, "fineweb_val_bytes_*.bin")'


def npy_int16(values: list[int]) -> bytes:
    """A .npy file of int16 values, written by hand (the fixtures do not need numpy)."""
    header = repr({"descr": "<i2", "fortran_order": False, "shape": (len(values),)}).encode("latin-1")
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + struct.pack(f"<{len(values)}h", *values)


def npz(**arrays: list[int]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, values in arrays.items():
            archive.writestr(f"{name}.npy", npy_int16(values))
    return out.getvalue()


LOADS_TABLE = """

def load_byte_luts(vocab_size):
    table = os.path.join(os.path.dirname(os.path.abspath(__file__)), "#TABLE")
    if os.path.exists(table):
        with np.load(table) as z:
            return z["base_bytes"].astype(np.int16)
    return np.ones(vocab_size, dtype=np.int16)


def eval_val(h, model, val_tokens):
    base_bytes = load_byte_luts(h.vocab_size)
    loss_sum = 0.0
    byte_total = 0.0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            loss_sum += F.cross_entropy(model.forward_logits(x)[0], y[0], reduction="sum").item()
            byte_total += float(base_bytes[y[0].numpy()].sum())
    return loss_sum / byte_total
"""
_IDS = range(1024)

FIXTURES = [
    Fixture(
        "standard-lut",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=LUT)},
        "byte tokens count 1, the U+2581 marker is stripped and counted as a leading space",
    ),
    Fixture(
        "caseops-with-sidecar",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(hyper=SIDECAR, helpers=LUT)},
        "CaseOps scored against fineweb_val_bytes_* (original bytes, #1729)",
    ),
    Fixture(
        "byte-fallback-counted-3",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=SCYLLA)},
        "byte-fallback tokens get base_bytes = 3, len(U+FFFD) (#1184, reverted in #1806)",
    ),
    Fixture(
        "caseops-without-sidecar",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(hyper=CASEOPS, helpers=LUT)},
        "the CaseOps tokenizer is used but BPB counts bytes of the transformed text",
    ),
    Fixture(
        "no-byte-fallback-branch",
        Status.WARN,
        {**standard_files(), "train_gpt.py": fs.script(helpers=NO_BYTE_BRANCH)},
        "byte tokens would be counted by their '<0x..>' piece text",
    ),
    Fixture(
        "shipped-table-bytes-as-3",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.script(evaluation=LOADS_TABLE.replace("#TABLE", "vocab.luts.npz")),
            "vocab.luts.npz": npz(base_bytes=[3 if 3 <= i <= 258 else 2 for i in _IDS]),
        },
        "the run loads vocab.luts.npz before any builder; its byte-fallback block counts 3 bytes (D16)",
    ),
    Fixture(
        "shipped-table-bytes-as-1",
        Status.PASS,
        {
            **standard_files(),
            "train_gpt.py": fs.script(evaluation=LOADS_TABLE.replace("#TABLE", "vocab.luts.npz")),
            "vocab.luts.npz": npz(base_bytes=[1 if 3 <= i <= 258 else 2 for i in _IDS]),
        },
        "the shipped table counts each byte-fallback id as 1 byte",
    ),
    Fixture(
        "shipped-table-pickled",
        Status.WARN,
        {
            **standard_files(),
            "train_gpt.py": fs.script(evaluation=LOADS_TABLE.replace("#TABLE", "byte_luts.pt")),
            "byte_luts.pt": b"\x80\x04\x95not-a-table",
        },
        "a pickled table is never loaded: its accounting is unverified, a warning and never a pass",
    ),
]
