"""PG409 fixtures: a compile warm-up on random tokens passes; one on validation tokens that discards
its adapter is a warning (#1530 was merged with it); one that trains the scored model fails."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

RANDOM_WARMUP = """
print("ttt:warming up compile (random tokens, no val data)")
for _ in range(3):
    adapter = nn.Linear(64, 64)
    warm_opt = torch.optim.AdamW(adapter.parameters(), lr=1e-3)
    wx = torch.randint(0, h.vocab_size, (1, h.seq_len))
    wy = torch.randint(0, h.vocab_size, (1, h.seq_len))
    loss = model(wx, wy) + adapter.weight.sum() * 0
    loss.backward()
    warm_opt.step()
"""
VAL_ADAPTER_WARMUP = RANDOM_WARMUP.replace(
    "wx = torch.randint(0, h.vocab_size, (1, h.seq_len))", "wx = val_tokens[: h.seq_len].unsqueeze(0)"
).replace("wy = torch.randint(0, h.vocab_size, (1, h.seq_len))", "wy = val_tokens[1 : h.seq_len + 1].unsqueeze(0)")
VAL_MODEL_WARMUP = """
print("ttt:warming up compile")
warm_opt = torch.optim.SGD(model.parameters(), lr=1e-3)
for _ in range(3):
    wx = val_tokens[: h.seq_len].unsqueeze(0)
    wy = val_tokens[1 : h.seq_len + 1].unsqueeze(0)
    loss = model(wx, wy)
    loss.backward()
    warm_opt.step()
"""


def _with(warmup: str) -> str:
    return fs.script(helpers=fs.SCORE_FIRST_TTT, before_eval=warmup, after_eval=fs.RUN_TTT)


FIXTURES = [
    Fixture(
        "random-token-warmup",
        Status.PASS,
        {**standard_files(), "train_gpt.py": _with(RANDOM_WARMUP)},
        "the warm-up runs on torch.randint tokens",
    ),
    Fixture(
        "val-warmup-discarded-adapter",
        Status.WARN,
        {**standard_files(), "train_gpt.py": _with(VAL_ADAPTER_WARMUP)},
        "the warm-up steps an adapter it throws away, on validation tokens: the #1530 pattern",
    ),
    Fixture(
        "val-warmup-trains-scored-model",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": _with(VAL_MODEL_WARMUP)},
        "the warm-up steps the scored model itself on validation tokens and never restores it",
    ),
]
