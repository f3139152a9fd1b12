"""PG410 fixtures: Hessians from training batches or self-generated tokens pass; from the validation
shards they fail (#728, recreated as #1019)."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

SELF_GEN = """

class SelfGenLoader:
    def __init__(self, model, h):
        self.model = model
        self.h = h

    def next_batch(self):
        tokens = torch.randint(0, self.h.vocab_size, (1, 1))
        with torch.no_grad():
            for _ in range(63):
                probs = torch.softmax(self.model.forward_logits(tokens)[:, -1] / 0.8, dim=-1)
                tokens = torch.cat([tokens, torch.multinomial(probs, 1)], dim=1)
        return tokens, tokens
"""

FIXTURES = [
    Fixture(
        "train-calibration",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script()},
        "calibration batches come from fineweb_train_* inside the reserved budget",
    ),
    Fixture(
        "self-generated-calibration",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=SELF_GEN, calib_loader="SelfGenLoader(model, h)")},
        "autoregressive self-generated calibration data (#1019)",
    ),
    Fixture(
        "val-calibration",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(calib_loader="TokenLoader(h.val_files, h.seq_len)")},
        "the calibration loader reads fineweb_val_*.bin",
    ),
    Fixture(
        "val-calibration-wrapped",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.lzma_wrapped(fs.script(calib_loader="TokenLoader(h.val_files, h.seq_len)")),
        },
        "the same, inside an lzma+base85 wrapper",
    ),
]
