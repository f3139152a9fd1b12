"""PG401 fixtures: the #779 hashed cache (plain and lzma-wrapped), its target-keyed variants, and the
legal look-alikes a checker must pass (update-only XOR keys, full-vocabulary context keys, BigramHash)."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

BIGRAM_HASH_MODEL = """
def bigram_hash(self, tokens):
    t = tokens.to(torch.int64)
    out = torch.empty_like(t)
    out[..., 0] = self.bigram_buckets - 1
    out[..., 1:] = torch.bitwise_xor(36313 * t[..., 1:], 27191 * t[..., :-1]) % (self.bigram_buckets - 1)
    return out

def bigram_embed(self, tokens):
    return self.bigram_table[self.bigram_hash(tokens)]
"""

TARGET_KEYED_EVAL = """

def eval_val(h, model, val_tokens):
    table = np.zeros(1 << 20, dtype=np.float32)
    ctx_table = np.zeros(1 << 20, dtype=np.float32)
    loss_sum = 0.0
    count = 0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            probs = torch.softmax(model.forward_logits(x), dim=-1)
            p_model = probs[0, torch.arange(h.seq_len), y[0]].numpy()
            x_np = x[0].numpy().astype(np.uint64)
            y_np = y[0].numpy().astype(np.uint64)
            key = ((x_np * 2654435761) ^ (y_np * 2246822519)) & ((1 << 20) - 1)
            p_cache = table[key] / np.maximum(ctx_table[(x_np * 2654435761) & ((1 << 20) - 1)], 1.0)
            loss_sum += float(-np.log(0.8 * p_model + 0.2 * p_cache).sum())
            count += y.numel()
    return loss_sum / count
"""

NEWEST_TOKEN_EVAL = """

def eval_val(h, model, val_tokens):
    boost = np.zeros(1 << 16, dtype=np.float32)
    val_np = val_tokens.numpy().astype(np.uint64)
    loss_sum = 0.0
    for pos in range(1, len(val_np)):
        prev = val_np[pos - 1]
        cur = val_np[pos]
        key = ((prev * 36313) ^ (cur * 27191)) & 65535
        loss_sum += -math.log(0.5 + 0.5 * math.tanh(boost[key]))
    return loss_sum
"""

DICT_HASH_CACHE = """

class HashCache:
    def __init__(self, size=1 << 20):
        self.size = size
        self.full = {}
        self.ctx = {}

    def prob(self, tokens, i, n=3):
        ctx = tuple(tokens[i - n : i])
        tgt = tokens[i]
        ctx_key = hash(ctx) % self.size
        full_key = hash((ctx, tgt)) % self.size
        return self.full.get(full_key, 0) / max(self.ctx.get(ctx_key, 0), 1)
"""

DICT_HASH_EVAL = """

def eval_val(h, model, val_tokens):
    cache = HashCache()
    toks = val_tokens.tolist()
    loss_sum = 0.0
    for i in range(3, len(toks)):
        loss_sum += -math.log(0.5 + 0.5 * cache.prob(toks, i))
    return loss_sum
"""

TOPK_CANDIDATES = """

class CandidateCache:
    def __init__(self, buckets=1 << 20):
        self.mask = buckets - 1
        self.full = np.zeros(buckets, dtype=np.float32)
        self.ctx = np.zeros(buckets, dtype=np.float32)

    def candidate_probs(self, val_np, positions, cand):
        ctx_hash = (val_np[positions - 1].astype(np.uint64) * 36313) ^ (val_np[positions - 2].astype(np.uint64) * 27191)
        ctx_key = (ctx_hash & self.mask).astype(np.int64)
        full_key = ((ctx_hash[:, None] ^ (cand.astype(np.uint64) * 51647)) & self.mask).astype(np.int64)
        counts = self.full[full_key] / np.maximum(self.ctx[ctx_key], 1.0)[:, None]
        return counts / np.maximum(counts.sum(-1, keepdims=True), 1e-9)
"""

TOPK_EVAL = """

def eval_val(h, model, val_tokens):
    cache = CandidateCache()
    val_np = val_tokens.numpy()
    loss_sum = 0.0
    with torch.inference_mode():
        for start in range(8, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            logits = model.forward_logits(x)[0]
            cand = torch.topk(logits, 8, dim=-1).indices.numpy()
            positions = np.arange(start + 1, start + h.seq_len + 1)
            boost = torch.zeros_like(logits)
            probs = torch.from_numpy(cache.candidate_probs(val_np, positions, cand)).float()
            boost.scatter_add_(-1, torch.from_numpy(cand), probs)
            logp = torch.log_softmax(logits + boost, dim=-1)
            loss_sum += -logp.gather(-1, y[0].unsqueeze(-1)).sum().item()
    return loss_sum
"""

_779 = fs.script(helpers=fs.NGRAM_CACHE, evaluation=fs.EVAL_NGRAM_CACHE)

# A whole script in the #779 shape written independently of the fixture shapes: a vectorized
# backoff mixer class, the input/target split as one tuple assignment, and the scorer reached only
# through `print(...)` in main(). Both constructs once hid the leak from the audit.
VECTORIZED_MIXER_SCRIPT = """\
import glob, math, os
import numpy as np
import torch
import torch.nn.functional as F

PRIMES = np.array([2654435761, 2246822519, 3266489917, 668265263], dtype=np.uint64)


def load(pattern):
    return np.concatenate([np.fromfile(f, dtype=np.uint16, offset=1024) for f in sorted(glob.glob(pattern))])


class BackoffNgramMixer:
    def __init__(self, order=4, buckets=1 << 22):
        self.order = order
        self.mask = np.uint64(buckets - 1)
        self.ctx_tables = [np.zeros(buckets, dtype=np.uint32) for _ in range(order)]
        self.full_tables = [np.zeros(buckets, dtype=np.uint32) for _ in range(order)]

    def score(self, x_np, y_np, model_p):
        ctx_hash = np.zeros(len(y_np), dtype=np.uint64)
        p = model_p.copy()
        for oi in range(self.order):
            ctx_hash ^= x_np[:, -1 - oi].astype(np.uint64) * PRIMES[oi]
            ctx_key = (ctx_hash & self.mask).astype(np.int64)
            full_key = ((ctx_hash ^ (y_np.astype(np.uint64) * PRIMES[oi])) & self.mask).astype(np.int64)
            ctx_c = self.ctx_tables[oi][ctx_key]
            full_c = self.full_tables[oi][full_key]
            p_ng = np.minimum(full_c, ctx_c) / np.maximum(ctx_c, 1)
            p = np.where(ctx_c > 0, 0.8 * p + 0.2 * p_ng, p)
        return p

    def update(self, x_np, y_np):
        ctx_hash = np.zeros(len(y_np), dtype=np.uint64)
        for oi in range(self.order):
            ctx_hash ^= x_np[:, -1 - oi].astype(np.uint64) * PRIMES[oi]
            np.add.at(self.ctx_tables[oi], (ctx_hash & self.mask).astype(np.int64), 1)
            full = (ctx_hash ^ (y_np.astype(np.uint64) * PRIMES[oi])) & self.mask
            np.add.at(self.full_tables[oi], full.astype(np.int64), 1)


def eval_val_ngram(model, val_tokens, seq_len=1024):
    mixer = BackoffNgramMixer()
    nll = 0.0
    with torch.inference_mode():
        for i in range(0, len(val_tokens) - seq_len - 1, seq_len):
            chunk = torch.from_numpy(val_tokens[i : i + seq_len + 1].astype(np.int64))
            x, y = chunk[:-1], chunk[1:]
            probs = F.softmax(model(x[None])[0].float(), dim=-1)
            model_p = probs.gather(-1, y[:, None])[:, 0].numpy()
            windows = np.lib.stride_tricks.sliding_window_view(val_tokens[i : i + seq_len + 4], 4)[:seq_len]
            p = mixer.score(windows, y.numpy(), model_p)
            nll += float(-np.log(p).sum())
            mixer.update(windows, y.numpy())
    return nll


def main():
    model = torch.nn.Linear(8, 8)
    val_tokens = load(os.path.join(os.environ.get("DATA_PATH", "."), "fineweb_val_*.bin"))
    print(f"final_ngram val_loss:{eval_val_ngram(model, val_tokens):.4f}")


if __name__ == "__main__":
    main()
"""

# Targets from a loader that returns `buf[:-1], buf[1:]`, hashed into a count table passed as an argument.
LOADER_TARGET_SCRIPT = """\
import numpy as np
import torch
import torch.nn.functional as F


class TokenLoader:
    def __init__(self, pattern, seq_len):
        self.tokens = np.fromfile(pattern, dtype=np.uint16, offset=1024)
        self.pos = 0
        self.seq_len = seq_len

    def next_batch(self):
        buf = torch.from_numpy(self.tokens[self.pos : self.pos + self.seq_len + 1].astype(np.int64))
        self.pos += self.seq_len
        return buf[:-1], buf[1:]


def eval_val(model, loader, steps, table, ctx_table, mask):
    total = 0.0
    with torch.inference_mode():
        for _ in range(steps):
            x, y = loader.next_batch()
            logp = F.log_softmax(model(x), dim=-1)
            p_model = logp.gather(-1, y[:, None]).exp()[:, 0]
            h = (x * 2654435761) & mask
            full = (h ^ (y * 2246822519)) & mask
            p_ng = table[full] / torch.clamp(ctx_table[h], min=1)
            total += float(-torch.log(0.7 * p_model + 0.3 * p_ng).sum())
            table.index_add_(0, full, torch.ones_like(full, dtype=table.dtype))
            ctx_table.index_add_(0, h, torch.ones_like(h, dtype=ctx_table.dtype))
    return total


def main():
    loader = TokenLoader("./data/fineweb_val_000000.bin", 1024)
    model = torch.nn.Embedding(1024, 1024)
    mask = (1 << 20) - 1
    table = torch.zeros(1 << 20)
    ctx = torch.zeros(1 << 20)
    score = eval_val(model, loader, 100, table, ctx, mask)
    print(f"final val_loss:{score}")


if __name__ == "__main__":
    main()
"""

# A dict n-gram cache keyed by token tuples; the target is the newest token of the stream (heuristic).
DICT_TUPLE_CACHE_SCRIPT = """\
import math
import numpy as np
import torch


def eval_cache(model, val_tokens, order=3, lam=0.2):
    counts = {}
    ctx_counts = {}
    nll = 0.0
    with torch.no_grad():
        probs = torch.softmax(model(torch.from_numpy(val_tokens[None].astype(np.int64)))[0], -1).numpy()
    for t in range(order, len(val_tokens)):
        ctx = tuple(val_tokens[t - order : t])
        tok = int(val_tokens[t])
        c_full = counts.get(ctx + (tok,), 0)
        c_ctx = ctx_counts.get(ctx, 0)
        p_cache = c_full / c_ctx if c_ctx else 0.0
        nll -= math.log(lam * p_cache + (1 - lam) * probs[t - 1, tok])
        counts[ctx + (tok,)] = c_full + 1
        ctx_counts[ctx] = c_ctx + 1
    return nll


def main():
    val_tokens = np.fromfile("fineweb_val_000000.bin", dtype=np.uint16, offset=1024)
    model = torch.nn.Identity()
    print("final_cache", eval_cache(model, val_tokens))


main()
"""


FIXTURES = [
    Fixture(
        "loader-tuple-return-targets",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": LOADER_TARGET_SCRIPT},
        "y from `return buf[:-1], buf[1:]` hashed into the key of a count table that feeds the score",
    ),
    Fixture(
        "dict-tuple-key-cache",
        Status.WARN,
        {**standard_files(), "train_gpt.py": DICT_TUPLE_CACHE_SCRIPT},
        "counts.get(ctx + (tok,)) with tok the newest stream token: a leak if tok is the scored token",
    ),
    Fixture(
        "vectorized-backoff-mixer",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": VECTORIZED_MIXER_SCRIPT},
        "#779 shape: full_key hashes y; x, y split in one tuple assignment; scorer reached via print()",
    ),
    Fixture(
        "vectorized-backoff-mixer-wrapped",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.lzma_wrapped(VECTORIZED_MIXER_SCRIPT)},
        "the same mixer shipped as an lzma+base85 self-extracting wrapper",
    ),
    Fixture("plain-record", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "no n-gram cache at all"),
    Fixture(
        "context-only-full-vocab-ngram",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.CONTEXT_NGRAM, evaluation=fs.EVAL_CONTEXT_NGRAM)},
        "the key hashes the context only, rows cover the vocabulary, the XOR target key is only for updates",
    ),
    Fixture(
        "bigramhash-input-embedding",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(model=BIGRAM_HASH_MODEL)},
        "BigramHash hashes the input tokens inside the model: legal",
    ),
    Fixture(
        "topk-candidate-keys",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=TOPK_CANDIDATES, evaluation=TOPK_EVAL)},
        "full keys built for the model's top-k candidates (not the target), boosted logits renormalized",
    ),
    Fixture(
        "backoff-ngram-779",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": _779},
        "count(ctx ^ target*prime) / count(ctx) read at scoring time: the #779 construction",
    ),
    Fixture(
        "backoff-ngram-779-lzma-wrapped",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.lzma_wrapped(_779)},
        "the same cache inside an lzma(raw LZMA2)+base85 self-extracting wrapper",
    ),
    Fixture(
        "key-hashes-loss-target",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=TARGET_KEYED_EVAL)},
        "the key XORs the cross-entropy target y into the context hash and the count is scored",
    ),
    Fixture(
        "python-hash-dict-cache",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=DICT_HASH_CACHE, evaluation=DICT_HASH_EVAL)},
        "hash((ctx, tgt)) % size read with .get() and divided by the context count",
    ),
    Fixture(
        "cache-behind-disabled-flag",
        Status.WARN,
        {
            **standard_files(),
            "train_gpt.py": fs.script(
                hyper='ngram_enabled = bool(int(os.environ.get("NGRAM_ENABLED", "0")))',
                helpers=fs.NGRAM_CACHE,
                evaluation=fs.EVAL_NGRAM_CACHE.replace(
                    "            p_mix = mixer.score(",
                    "            p_mix = np.exp(-nll.numpy())\n"
                    "            if h.ngram_enabled:\n"
                    "                p_mix = mixer.score(",
                ),
            ),
        },
        "the cache exists but NGRAM_ENABLED defaults to 0 and the run does not set it",
    ),
    Fixture(
        "newest-stream-token-in-key",
        Status.WARN,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=NEWEST_TOKEN_EVAL)},
        "a single hashed key mixes the newest stream token; whether it is the scored one is a heuristic",
    ),
]
