"""PG402 fixtures: min() over two losses of the realized token, the #659 `if new < old` gate and its
element-store form fail; clipping a loss with a constant and a stable log-sum-exp's running max pass."""

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

ELEMENT_STORE = (
    _HEAD
    + """            per_tok = model_nll.clone()
            for t in range(per_tok.numel()):
                if mixed_nll[0, t] < per_tok[0, t]:
                    per_tok[0, t] = mixed_nll[0, t]
            loss_sum += per_tok.sum().item()
    return loss_sum
"""
)
RUNNING_MAX = """

def target_logprob_blocked(row, target, block=256):
    running_max = float("-inf")
    for v0 in range(0, row.numel(), block):
        piece = row[v0 : v0 + block]
        running_max = max(running_max, piece.max().item())
    acc = 0.0
    for v0 in range(0, row.numel(), block):
        acc += torch.exp(row[v0 : v0 + block] - running_max).sum().item()
    return row[target].item() - (running_max + math.log(acc))


def eval_val(h, model, val_tokens):
    loss_sum = 0.0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            logits = model.forward_logits(x)
            for t in range(y.size(1)):
                loss_sum -= target_logprob_blocked(logits[0, t], int(y[0, t]))
    return loss_sum
"""
KERNEL_MAX = """

def log_softmax_gather_kernel(logits_ptr, target_ptr, out_ptr, V, BLOCK_V):
    pid = tl.program_id(0)
    target = tl.load(target_ptr + pid)
    row = pid * V
    target_logit = tl.load(logits_ptr + row + target).to(tl.float32)
    max_val = float("-inf")
    for v_start in tl.range(0, V, BLOCK_V):
        offs = v_start + tl.arange(0, BLOCK_V)
        chunk = tl.load(logits_ptr + row + offs, mask=offs < V, other=float("-inf")).to(tl.float32)
        max_val = tl.maximum(max_val, tl.max(chunk, axis=0))
    tl.store(out_ptr + pid, target_logit - max_val)


def eval_val(h, model, val_tokens):
    loss_sum = 0.0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            logits = model.forward_logits(x)
            out = torch.empty(y.numel())
            log_softmax_gather_kernel[(y.numel(),)](logits, y, out, logits.size(-1), 1024)
            loss_sum += F.cross_entropy(logits[0], y[0], reduction="sum").item()
    return loss_sum
"""

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
    Fixture(
        "if-gate-element-store",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=ELEMENT_STORE)},
        "`if alt[t] < per_tok[t]: per_tok[t] = alt[t]` keeps the better realized-token loss in place (D10)",
    ),
    Fixture(
        "lse-running-max",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=RUNNING_MAX)},
        "`m = max(m, block.max())` over vocabulary blocks is a stable log-sum-exp normalizer, not a choice (D8)",
    ),
    Fixture(
        "triton-running-max",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=KERNEL_MAX)},
        "the running max of a Triton log-softmax kernel (#2135 train_gpt.py:1010) is a normalizer (D8)",
    ),
]
