"""PG413 fixtures: reading training shards inside the scoring loop fails; a training-data table built
before the artifact and used at scoring is a warning (legal only if it ships in the 16 MB)."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

PRIOR = """

def unigram_prior(tokens, vocab_size):
    counts = torch.bincount(tokens, minlength=vocab_size).float() + 1.0
    return counts / counts.sum()
"""
EVAL_READS_TRAIN = """

def eval_val(h, model, val_tokens):
    train_tokens = load_tokens(h.train_files)
    loss_sum = 0.0
    count = 0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            prior = unigram_prior(train_tokens[start : start + 65536], h.vocab_size)
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            probs = 0.9 * torch.softmax(model.forward_logits(x), dim=-1) + 0.1 * prior
            nll = -torch.log(probs.gather(-1, y.unsqueeze(-1))).sum()
            loss_sum += nll.item()
            count += y.numel()
    return loss_sum / count
"""
EVAL_WITH_PAID_PRIOR = EVAL_READS_TRAIN.replace(
    "def eval_val(h, model, val_tokens):\n    train_tokens = load_tokens(h.train_files)",
    "def eval_val(h, model, val_tokens, prior):",
).replace("            prior = unigram_prior(train_tokens[start : start + 65536], h.vocab_size)\n", "")

FIXTURES = [
    Fixture("plain-eval", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "eval reads val only"),
    Fixture(
        "train-shards-read-while-scoring",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=PRIOR, evaluation=EVAL_READS_TRAIN)},
        "the scoring loop builds a prior from fineweb_train_* on every window",
    ),
    Fixture(
        "train-prior-built-before-artifact",
        Status.WARN,
        {
            **standard_files(),
            "train_gpt.py": fs.script(
                helpers=PRIOR,
                evaluation=EVAL_WITH_PAID_PRIOR,
                before_quant="prior = unigram_prior(load_tokens(h.train_files), h.vocab_size)",
                main=fs.MAIN.replace("eval_val(h, model, val_tokens)", "eval_val(h, model, val_tokens, prior)"),
            ),
        },
        "a training-data table is built during training and used at scoring: legal only if shipped",
    ),
]
