"""PG417 fixtures: the standard SentencePiece LUT passes; byte-fallback tokens counted as 3 bytes fail
(Scylla); CaseOps scored without the byte sidecar fails; a LUT with no byte-fallback branch warns."""

from __future__ import annotations

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
]
