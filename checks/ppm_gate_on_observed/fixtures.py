"""PG403 fixtures: a PPM/NN byte mixture whose weight reads P_PPM(observed byte) fails (#1785); the
context-confidence gate of #1795, entropy weights (also behind a shared mask) and length-only weights
pass this check (D9)."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

_MIX_HEAD = """

def eval_val(h, model, val_tokens):
    bigram = torch.zeros(h.vocab_size, h.vocab_size)
    loss_sum = 0.0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            logp = F.log_softmax(model.forward_logits(x)[0], dim=-1)
            ent = -(logp.exp() * logp).sum(dim=-1)
            w = 0.1 + 0.4 * torch.sigmoid(ent - 3.0)
            rows = bigram[x[0]] + 0.5
            q = rows / rows.sum(dim=-1, keepdim=True)
            p_model = logp.exp().gather(1, y[0].unsqueeze(1)).squeeze(1)
            p_table = q.gather(1, y[0].unsqueeze(1)).squeeze(1)
"""
ENTROPY_WEIGHT = (
    _MIX_HEAD
    + """            p = (1.0 - w) * p_model + w * p_table
            loss_sum += float(-torch.log(p).sum())
            bigram[x[0], y[0]] += 1.0
    return loss_sum
"""
)
ENTROPY_WEIGHT_MASKED = (
    _MIX_HEAD
    + """            hit = rows.sum(dim=-1) > 10
            p = p_model.clone()
            p[hit] = (1.0 - w[hit]) * p_model[hit] + w[hit] * p_table[hit]
            loss_sum += float(-torch.log(p).sum())
            bigram[x[0], y[0]] += 1.0
    return loss_sum
"""
)
OBSERVED_WEIGHT = (
    _MIX_HEAD
    + """            w_obs = torch.sigmoid(p_table * 10.0)
            p = (1.0 - w_obs) * p_model + w_obs * p_table
            loss_sum += float(-torch.log(p).sum())
            bigram[x[0], y[0]] += 1.0
    return loss_sum
"""
)

FIXTURES = [
    Fixture("plain-record", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "no mixture"),
    Fixture(
        "context-confidence-gate",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.PPM_CONTEXT_GATE, after_eval=fs.RUN_PPM)},
        "the weight uses the context's max-count / total, fixed before the byte is seen (#1795)",
    ),
    Fixture(
        "gate-on-observed-byte",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.PPM_OBSERVED_GATE, after_eval=fs.RUN_PPM)},
        "lam is chosen from pf = P_PPM(observed byte) (#1785)",
    ),
    Fixture(
        "gate-on-observed-byte-wrapped",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.lzma_wrapped(fs.script(helpers=fs.PPM_OBSERVED_GATE, after_eval=fs.RUN_PPM), raw=False),
        },
        "the same gate inside an lzma(xz)+base85 wrapper",
    ),
    Fixture(
        "entropy-weight",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=ENTROPY_WEIGHT)},
        "a weight from the model's entropy, a whole-distribution statistic, is fixed before the token is seen",
    ),
    Fixture(
        "entropy-weight-shared-mask",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=ENTROPY_WEIGHT_MASKED)},
        "a boolean mask shared by the weight and the components, from the table's history, is not the target",
    ),
    Fixture(
        "weight-from-table-prob-of-target",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=OBSERVED_WEIGHT)},
        "the weight is computed from p_table, the table's probability of the realized token",
    ),
]
