"""PG402 fixtures: min() over two losses of the realized token and the #659 `if new < old` gate fail;
clipping a loss with a constant passes."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

_HEAD = """

def eval_val(h, model, val_tokens):
    cache_logits = None
    loss_sum = 0.0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            logp = torch.log_softmax(model.forward_logits(x), dim=-1)
            model_nll = -logp.gather(-1, y.unsqueeze(-1)).squeeze(-1)
            cache_p = torch.softmax(cache_logits if cache_logits is not None else torch.zeros_like(logp), dim=-1)
            mixed_p = 0.7 * logp.exp() + 0.3 * cache_p
            mixed_nll = -torch.log(mixed_p.gather(-1, y.unsqueeze(-1)).squeeze(-1))
"""
MIN_GATE = (
    _HEAD
    + """            best = torch.minimum(model_nll, mixed_nll)
            loss_sum += best.sum().item()
    return loss_sum
"""
)
IF_GATE = (
    _HEAD
    + """            new_nll = mixed_nll.sum().item()
            old_nll = model_nll.sum().item()
            if new_nll < old_nll:
                loss_sum += new_nll
            else:
                loss_sum += old_nll
    return loss_sum
"""
)
CLIPPED = (
    _HEAD
    + """            clipped = torch.minimum(mixed_nll, torch.full_like(mixed_nll, 20.0))
            loss_sum += clipped.sum().item()
    return loss_sum
"""
)

FIXTURES = [
    Fixture("plain-record", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "no gate"),
    Fixture(
        "loss-clipped-by-constant",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=CLIPPED)},
        "min against a constant is a clip, not a choice between predictors",
    ),
    Fixture(
        "min-of-two-target-nlls",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=MIN_GATE)},
        "torch.minimum(model_nll, mixed_nll) keeps the better loss of the realized token",
    ),
    Fixture(
        "if-new-nll-lower",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=IF_GATE)},
        "the #659 oracle safety gate: keep the mixed NLL only when it beats the model NLL",
    ),
]
