"""PG407 fixtures: a per-window delta optimized against the window's targets and then scored fails;
the same code behind SLOT_ENABLED=0, or with a context-only loss, is a warning (open question B.2)."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

SLOT = """

def eval_val(h, model, val_tokens):
    loss_sum = 0.0
    count = 0
    for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
        local = val_tokens[start : start + h.seq_len + 1]
        x = local[:-1].unsqueeze(0)
        y = local[1:].unsqueeze(0)
        with torch.no_grad():
            hidden = model.tok_emb(x)
        if h.slot_enabled:
            delta = torch.zeros(1, 1, hidden.shape[-1], requires_grad=True)
            slot_opt = torch.optim.AdamW([delta], lr=0.003)
            for _ in range(8):
                slot_opt.zero_grad()
                logits = model.head(hidden + delta)
                slot_loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
                slot_loss.backward()
                slot_opt.step()
            hidden = hidden + delta.detach()
        with torch.no_grad():
            logits = model.head(hidden)
            nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
            loss_sum += nll.item()
            count += y.numel()
    return loss_sum / count
"""

CONTEXT_ONLY = SLOT.replace(
    "slot_loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))",
    "ctx_logits = logits[:, : h.seq_len // 2]\n"
    "                slot_loss = F.cross_entropy(ctx_logits.reshape(-1, logits.size(-1)), "
    "y[:, : h.seq_len // 2].reshape(-1))",
)

# The per-window tensors are created plainly, then switched on in a loop over a tuple of them: still a
# delta made for the window, not the model's parameters switched back on.
SWITCHED_ON = SLOT.replace(
    "delta = torch.zeros(1, 1, hidden.shape[-1], requires_grad=True)",
    "delta = torch.zeros(1, 1, hidden.shape[-1])\n"
    "            bias = torch.zeros(1, 1, hidden.shape[-1])\n"
    "            for t in (delta, bias):\n"
    "                t.requires_grad_(True)",
).replace("torch.optim.AdamW([delta], lr=0.003)", "torch.optim.AdamW([delta, bias], lr=0.003)")


def _slot(default: str, body: str = SLOT) -> str:
    return fs.script(hyper=f'slot_enabled = bool(int(os.environ.get("SLOT_ENABLED", "{default}")))', evaluation=body)


FIXTURES = [
    Fixture("no-slot", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "plain scoring"),
    Fixture(
        "slot-on-scored-window",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": _slot("1")},
        "delta is fitted to the window's targets with AdamW, then that window is scored",
    ),
    Fixture(
        "slot-tensors-switched-on-in-loop",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": _slot("1", SWITCHED_ON)},
        "per-window tensors created in the loop and switched on one by one (`for t in (delta, bias)`), "
        "fitted to the window's targets, then the window is scored",
    ),
    Fixture(
        "model-params-toggled-per-window",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=fs.PARAMS_TOGGLED)},
        "the model's parameters are switched on and adapted before each window is scored: that is TTT "
        "before the score (PG405), not a tensor created for the window",
    ),
    Fixture(
        "slot-code-disabled",
        Status.WARN,
        {**standard_files(), "train_gpt.py": _slot("0")},
        "the SLOT path exists but SLOT_ENABLED defaults to 0 and the run does not set it",
    ),
    Fixture(
        "slot-enabled-in-readme",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": _slot("0"),
            "README.md": "# run\n\n`SLOT_ENABLED=1 torchrun --standalone --nproc_per_node=8 train_gpt.py`\n",
        },
        "the default is off but the README command turns SLOT on",
    ),
    Fixture(
        "context-only-slot",
        Status.WARN,
        {**standard_files(), "train_gpt.py": _slot("1", CONTEXT_ONLY)},
        "the delta is fitted on context positions only: the open causal-SLOT question (B.2)",
    ),
]
