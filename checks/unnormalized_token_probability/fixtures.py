"""PG404 fixtures: gold-only hashed count ratios and byte-spread token probabilities mixed at byte level
fail, found by structure whatever the names (D12: divided by a length or raised to 1/length, repeated
per unit, mixed convexly, scored); full-vocabulary mixtures pass; a PPM byte scorer without spreading
is a warning."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

BYTE_SPREAD = """

def byte_mixture_bits(token_probs, token_lens, byte_stream, order=2):
    counts = {}
    bits = 0.0
    pos = 0
    for p_tok, n_bytes in zip(token_probs, token_lens):
        p_byte_nn = p_tok ** (1.0 / n_bytes)
        for _ in range(n_bytes):
            ctx = bytes(byte_stream[max(0, pos - order) : pos])
            table = counts.setdefault(ctx, {})
            p_ppm = (table.get(byte_stream[pos], 0) + 0.1) / (sum(table.values()) + 25.6)
            p = 0.7 * p_byte_nn + (1 - 0.7) * p_ppm
            bits += -math.log2(p)
            table[byte_stream[pos]] = table.get(byte_stream[pos], 0) + 1
            pos += 1
    return bits
"""

SPREAD_PLAIN_NAMES = """

def blended_bits(tok_lp, tok_len, stream):
    per_unit = np.repeat(tok_lp / tok_len, tok_len)
    freq = np.ones(256)
    bits = 0.0
    for i in range(len(stream)):
        q = freq[stream[i]] / freq.sum()
        p = 0.6 * np.exp(per_unit[i]) + 0.4 * q
        bits += -np.log2(p)
        freq[stream[i]] += 1
    return bits


def eval_val(h, model, val_tokens):
    piece_bytes = [np.frombuffer(bytes([t % 256, 32]), dtype=np.uint8) for t in range(h.vocab_size)]
    piece_len = np.array([len(b) for b in piece_bytes])
    loss_sum = 0.0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            lp = F.log_softmax(model.forward_logits(x)[0], dim=-1).gather(1, y[0].unsqueeze(1)).squeeze(1).numpy()
            lens = piece_len[y[0].numpy()]
            stream = np.concatenate([piece_bytes[t] for t in y[0].numpy()])
            loss_sum += blended_bits(lp, lens, stream)
    return loss_sum
"""
SPREAD_POWER_VECTOR = SPREAD_PLAIN_NAMES.replace(
    "np.repeat(tok_lp / tok_len, tok_len)", "np.repeat(np.log(np.exp(tok_lp) ** (1.0 / tok_len)), tok_len)"
)

BYTE_SPREAD_EVAL = """

def eval_val(h, model, val_tokens):
    token_probs, token_lens = [], []
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            logp = torch.log_softmax(model.forward_logits(x), dim=-1)
            token_probs += logp.gather(-1, y.unsqueeze(-1)).exp().flatten().tolist()
            token_lens += [2] * y.numel()
    return byte_mixture_bits(token_probs, token_lens, list(val_tokens.numpy().tobytes()))
"""

NAMED_ONLY = """

def _ppm_mixture_bpb(nlls, n_bytes):
    bits = 0.0
    for nll in nlls:
        bits += nll / math.log(2.0)
    return bits / n_bytes
"""
RUN_NAMED = "bpb = _ppm_mixture_bpb([float(v) for v in val_tokens[:10]], 10)"

FIXTURES = [
    Fixture(
        "plain-record",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script()},
        "softmax over the vocabulary, cross-entropy of the target",
    ),
    Fixture(
        "full-vocab-ngram-mixture",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.CONTEXT_NGRAM, evaluation=fs.EVAL_CONTEXT_NGRAM)},
        "both mixture components are full distributions over the vocabulary; the gold entry is read last",
    ),
    Fixture(
        "hashed-count-ratio",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.NGRAM_CACHE, evaluation=fs.EVAL_NGRAM_CACHE)},
        "min(full, ctx) / ctx from hashed tables is a gold-only number, not a normalized distribution",
    ),
    Fixture(
        "token-prob-spread-over-bytes",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=BYTE_SPREAD, evaluation=BYTE_SPREAD_EVAL)},
        "p_token ** (1/n_bytes) mixed with a byte PPM: the #1872 / #1902 C2 cluster",
    ),
    Fixture(
        "ppm-byte-mixture",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.PPM_CONTEXT_GATE, after_eval=fs.RUN_PPM)},
        "a PPM/NN mixture scored per byte, even with a legal gate (#1795): the C2 exclusion of #1902",
    ),
    Fixture(
        "byte-scorer-by-name",
        Status.WARN,
        {**standard_files(), "train_gpt.py": fs.script(helpers=NAMED_ONLY, after_eval=RUN_NAMED)},
        "a function named like a byte-mixture scorer accumulates bits, with no mixture in sight: heuristic",
    ),
    Fixture(
        "spread-mix-plain-names",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=SPREAD_PLAIN_NAMES)},
        "lp / len repeated per byte and mixed 0.6/0.4 with a byte model: found by structure, not by names",
    ),
    Fixture(
        "spread-mix-power",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=SPREAD_POWER_VECTOR)},
        "the power form p ** (1/len), repeated and mixed per byte",
    ),
]
