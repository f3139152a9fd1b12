"""Small synthetic train_gpt.py scripts for the PG4xx fixtures, built from one template.

The template follows the shape of real records (a Hyperparameters class with shard globs, a token
loader, a wall-clock-capped training loop with a GPTQ reserve, hook-based Hessian collection on
training data, a save, then scoring under inference_mode). Each fixture replaces one section to plant
a violation or a legal look-alike. None of this is executed; it is read by the analysis only.
"""

from __future__ import annotations

import base64
import lzma

HEADER = """\
import glob, math, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Hyperparameters:
    data_path = os.environ.get("DATA_PATH", "./data/datasets/fineweb10B_sp1024")
    train_files = os.path.join(data_path, "fineweb_train_*.bin")
    val_files = os.path.join(data_path, "fineweb_val_*.bin")
    vocab_size = int(os.environ.get("VOCAB_SIZE", 1024))
    seq_len = int(os.environ.get("TRAIN_SEQ_LEN", 1024))
    max_wallclock_seconds = float(os.environ.get("MAX_WALLCLOCK_SECONDS", 600.0))
    gptq_reserve_seconds = float(os.environ.get("GPTQ_RESERVE_SECONDS", 8.0))
    ttt_epochs = int(os.environ.get("TTT_EPOCHS", 3))
    ttt_chunk = int(os.environ.get("TTT_CHUNK_TOKENS", 32768))
#HYPER


def load_data_shard(path):
    return torch.from_numpy(np.fromfile(path, dtype=np.uint16, offset=1024).astype(np.int64))


def load_tokens(pattern):
    return torch.cat([load_data_shard(p) for p in sorted(glob.glob(pattern))])


class TokenLoader:
    def __init__(self, pattern, seq_len):
        self.tokens = load_tokens(pattern)
        self.seq_len = seq_len
        self.pos = 0

    def next_batch(self):
        chunk = self.tokens[self.pos : self.pos + self.seq_len + 1]
        self.pos += self.seq_len
        return chunk[:-1].unsqueeze(0), chunk[1:].unsqueeze(0)


class GPT(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.tok_emb = nn.Embedding(h.vocab_size, 64)
        self.blocks = nn.ModuleList([nn.Linear(64, 64) for _ in range(2)])
        self.head = nn.Linear(64, h.vocab_size)
#MODEL

    def forward_logits(self, input_ids):
        x = self.tok_emb(input_ids)
        for block in self.blocks:
            x = x + torch.relu(block(x))
        return self.head(x)

    def forward(self, input_ids, target_ids):
        logits = self.forward_logits(input_ids)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), target_ids.reshape(-1))
"""

TRAIN = """

def train(h, model):
    loader = TokenLoader(h.train_files, h.seq_len)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    budget_ms = 1000.0 * (h.max_wallclock_seconds - h.gptq_reserve_seconds)
    t0 = time.perf_counter()
    step = 0
    while 1000.0 * (time.perf_counter() - t0) < budget_ms:
        x, y = loader.next_batch()
        loss = model(x, y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        step += 1
    return step
"""

CALIBRATION = """

def collect_hessians(model, loader, n_batches):
    hessians = {}

    def make_hook(name):
        def hook(module, inp, out):
            x = inp[0].reshape(-1, inp[0].shape[-1]).float()
            if name not in hessians:
                hessians[name] = torch.zeros(x.shape[1], x.shape[1])
            hessians[name].addmm_(x.T, x)
        return hook

    handles = [b.register_forward_hook(make_hook(f"blocks.{i}")) for i, b in enumerate(model.blocks)]
    with torch.no_grad():
        for _ in range(n_batches):
            x, _ = loader.next_batch()
            model.forward_logits(x)
    for handle in handles:
        handle.remove()
    return hessians


def gptq_quantize_and_save(h, model, hessians):
    torch.save({"w": model.state_dict(), "n": len(hessians)}, "final_model.int6.ptz")
"""

EVAL = """

def eval_val(h, model, val_tokens):
    loss_sum = 0.0
    count = 0
    with torch.inference_mode():
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            logits = model.forward_logits(x)
            nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
            loss_sum += nll.item()
            count += y.numel()
    return loss_sum / count
"""

MAIN = """

def main():
    h = Hyperparameters()
    model = GPT(h)
    train(h, model)
#BEFORE_QUANT
    calib = TokenLoader(h.train_files, h.seq_len)
    hessians = collect_hessians(model, calib, 16)
    gptq_quantize_and_save(h, model, hessians)
    val_tokens = load_tokens(h.val_files)
#BEFORE_EVAL
    val_loss = eval_val(h, model, val_tokens)
#AFTER_EVAL
    print(f"final val_loss:{val_loss:.4f}")


if __name__ == "__main__":
    main()
"""


def script(
    *,
    hyper: str = "",
    model: str = "",
    train: str = TRAIN,
    calibration: str = CALIBRATION,
    evaluation: str = EVAL,
    helpers: str = "",
    before_quant: str = "",
    before_eval: str = "",
    after_eval: str = "",
    calib_loader: str = "TokenLoader(h.train_files, h.seq_len)",
    main: str = MAIN,
) -> str:
    """A full synthetic script; each keyword replaces one section of the template."""
    text = HEADER.replace("#HYPER", _indent(hyper, 4)).replace("#MODEL", _indent(model, 4))
    text += train + calibration + helpers + evaluation
    main = main.replace("TokenLoader(h.train_files, h.seq_len)", calib_loader)
    main = main.replace("#BEFORE_QUANT", _indent(before_quant, 4))
    text += main.replace("#BEFORE_EVAL", _indent(before_eval, 4)).replace("#AFTER_EVAL", _indent(after_eval, 4))
    return text


def _indent(code: str, spaces: int) -> str:
    if not code.strip():
        return ""
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else line for line in code.strip("\n").splitlines())


def lzma_wrapped(source: str, *, raw: bool = True) -> str:
    """The self-extracting form records ship: exec(lzma.decompress(base85(...)))."""
    if raw:
        blob = lzma.compress(source.encode(), format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2}])
        call = 'L.decompress(B.b85decode("{}"),format=L.FORMAT_RAW,filters=[{{"id":L.FILTER_LZMA2}}])'
    else:
        blob = lzma.compress(source.encode())
        call = 'L.decompress(B.b85decode("{}"))'
    return "import lzma as L,base64 as B\nexec(" + call.format(base64.b85encode(blob).decode()) + ")\n"


def _blob(source: str) -> str:
    raw = lzma.compress(source.encode(), format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2}])
    return base64.b85encode(raw).decode()


_RAW = 'format=L.FORMAT_RAW,filters=[{"id":L.FILTER_LZMA2}]'


def file_wrapped(source: str, *, beside: bool = False) -> str:
    """The other self-extracting form: decode to a file, then run it. In a temporary directory with
    `open(...).write` (#1771), or beside the script with `with open(...) as f` (#1570)."""
    decode = f'_c=L.decompress(B.b85decode("{_blob(source)}"),{_RAW})\n'
    if beside:
        return (
            "import lzma as L,base64 as B,os,sys,runpy\n" + decode + "_d=os.path.join(os.path.dirname("
            'os.path.abspath(__file__)),"_train.py")\nwith open(_d,"wb") as _f:_f.write(_c)\n'
            'sys.argv[0]=_d;runpy.run_path(_d,run_name="__main__")\n'
        )
    return (
        "import lzma as L,base64 as B,tempfile,os,runpy\n" + decode + "_d=tempfile.mkdtemp()\n"
        '_f=os.path.join(_d,"train_gpt.py")\nopen(_f,"wb").write(_c)\nrunpy.run_path(_f,run_name="__main__")\n'
    )


BUNDLE_SEPARATOR = "\n# === FILE ===\n"


def bundle_wrapped(files: dict[str, str], run: str) -> str:
    """A bundle (#1518): one blob split into files of a temporary directory, then `exec` of one of them,
    which imports the others from that directory."""
    blob = _blob(BUNDLE_SEPARATOR.join(files.values()))
    return (
        "import lzma as L,base64 as B,tempfile,os,sys\n"
        f'_b=L.decompress(B.b85decode("{blob}"),{_RAW})\n'
        f"_p=_b.decode().split({BUNDLE_SEPARATOR!r})\n"
        '_d=tempfile.mkdtemp(prefix="pg_")\n'
        f"for _n,_c in zip({list(files)!r},_p):\n"
        " _f=os.path.join(_d,_n);os.makedirs(os.path.dirname(_f),exist_ok=True)\n"
        ' open(_f,"w").write(_c)\n'
        "sys.path.insert(0,_d)\n"
        f"exec(open(os.path.join(_d,{run!r})).read())\n"
    )


# ----- test-time training variants shared by the TTT-family fixtures --------------------------------
SCORE_FIRST_TTT = """

def eval_val_ttt(h, model, val_tokens):
    opt = torch.optim.SGD(model.parameters(), lr=0.002, momentum=0.9)
    total = val_tokens.numel() - 1
    num_chunks = (total + h.ttt_chunk - 1) // h.ttt_chunk
    loss_sum = 0.0
    count = 0
    for ci in range(num_chunks):
        start = ci * h.ttt_chunk
        end = min(start + h.ttt_chunk, total)
        local = val_tokens[start : end + 1]
        x = local[:-1].unsqueeze(0)
        y = local[1:].unsqueeze(0)
        model.eval()
        with torch.inference_mode():
            logits = model.forward_logits(x)
            nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
            loss_sum += nll.item()
            count += y.numel()
        is_last_chunk = ci == num_chunks - 1
        if not is_last_chunk:
            model.train()
            for _ep in range(h.ttt_epochs):
                loss = model(x, y)
                loss.backward()
                opt.step()
                opt.zero_grad()
    return loss_sum / count
"""

TRAIN_THEN_SCORE_TTT = """

def eval_val_ttt(h, model, val_tokens):
    opt = torch.optim.SGD(model.parameters(), lr=0.002, momentum=0.9)
    total = val_tokens.numel() - 1
    num_chunks = (total + h.ttt_chunk - 1) // h.ttt_chunk
    loss_sum = 0.0
    count = 0
    for ci in range(num_chunks):
        start = ci * h.ttt_chunk
        end = min(start + h.ttt_chunk, total)
        local = val_tokens[start : end + 1]
        x = local[:-1].unsqueeze(0)
        y = local[1:].unsqueeze(0)
        model.train()
        for _ep in range(h.ttt_epochs):
            loss = model(x, y)
            loss.backward()
            opt.step()
            opt.zero_grad()
        with torch.inference_mode():
            logits = model.forward_logits(x)
            nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
            loss_sum += nll.item()
            count += y.numel()
    return loss_sum / count
"""

FULL_VAL_ADAPT = """

def ttt_adapt_adamw(h, model, val_tokens, epochs=3):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for epoch in range(epochs):
        for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            loss = model(x, y)
            loss.backward()
            opt.step()
            opt.zero_grad()
"""

RUN_TTT = """
ttt_loss = eval_val_ttt(h, model, val_tokens)
print(f"legal_ttt val_loss:{ttt_loss:.4f}")
"""

# An evaluation-only mode (an artifact from an earlier run exists): load it, adapt on validation tokens,
# score, return. It never reaches the training path's quantization, so it is not pre-quantization TTT
# (its adapt-then-score order is PG405's finding).
EVAL_ONLY_MAIN = MAIN.replace(
    "    train(h, model)\n",
    """    if os.path.exists("final_model.int6.ptz"):
        model.load_state_dict(torch.load("final_model.int6.ptz")["w"])
        val_tokens = load_tokens(h.val_files)
        ttt_adapt_adamw(h, model, val_tokens)
        print(f"eval_only val_loss:{eval_val(h, model, val_tokens):.4f}")
        return
    train(h, model)
""",
)

# One pass or the other, chosen by a flag: never both in one run.
TTT_OR_PLAIN = """
if h.ttt_epochs > 0:
    val_loss = eval_val_ttt(h, model, val_tokens)
elif h.seq_len > 0:
    val_loss = eval_val(h, model, val_tokens)
else:
    val_loss = float("nan")
print(f"final_exact val_loss:{val_loss:.4f}")
"""

# An evaluation-only mode that adapts and returns early, before the run's own passes.
EVAL_ONLY_EARLY_RETURN = """
if os.environ.get("EVAL_ONLY", "0") == "1":
    ttt_loss = eval_val_ttt(h, model, val_tokens)
    print(f"eval_only_ttt val_loss:{ttt_loss:.4f}")
    return
"""

# One pass per call, the branch chosen by the call's index: the loop runs the TTT pass, then the plain
# pass again on the adapted model.
PASS_BY_INDEX = """

def final_pass(h, model, val_tokens, i):
    if i == 0:
        return eval_val_ttt(h, model, val_tokens)
    return eval_val(h, model, val_tokens)
"""

RUN_PASS_BY_INDEX = """
for i in range(2):
    val_loss = final_pass(h, model, val_tokens, i)
    print(f"pass{i} val_loss:{val_loss:.4f}")
"""

# Per-document LoRA test-time training: the adapters and their optimizer are built inside the pass (the
# optimizer by a helper), the base model is frozen, and nothing adapted leaves the function.
LORA_TTT = """

class DocAdapter(nn.Module):
    def __init__(self, model, rank):
        super().__init__()
        dim = model.tok_emb.embedding_dim
        self.down = nn.Parameter(torch.zeros(dim, rank))
        self.up = nn.Parameter(torch.zeros(rank, model.head.out_features))

    def reset(self):
        with torch.no_grad():
            self.down.normal_(std=0.02)
            self.up.zero_()


def build_adapter_optimizer(adapter, lr):
    return torch.optim.Adam(adapter.parameters(), lr=lr)


def eval_val_doc_adapters(h, model, val_tokens):
    for p in model.parameters():
        p.requires_grad_(False)
    adapter = DocAdapter(model, 8)
    opt = build_adapter_optimizer(adapter, 1e-3)
    total = val_tokens.numel() - 1
    num_chunks = (total + h.ttt_chunk - 1) // h.ttt_chunk
    loss_sum = 0.0
    count = 0
    for ci in range(num_chunks):
        if ci % 8 == 0:
            adapter.reset()
        start = ci * h.ttt_chunk
        end = min(start + h.ttt_chunk, total)
        local = val_tokens[start : end + 1]
        x = local[:-1].unsqueeze(0)
        y = local[1:].unsqueeze(0)
        hidden = model.tok_emb(x)
        logits = model.forward_logits(x) + hidden @ adapter.down @ adapter.up
        nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="none")
        loss_sum += nll.detach().sum().item()
        count += y.numel()
        if ci < num_chunks - 1:
            opt.zero_grad()
            nll.mean().backward()
            opt.step()
    return loss_sum / count
"""

RUN_LORA_TTT_THEN_PLAIN = """
ttt_loss = eval_val_doc_adapters(h, model, val_tokens)
print(f"lora_ttt val_loss:{ttt_loss:.4f}")
plain_loss = eval_val(h, model, val_tokens)
print(f"final_exact val_loss:{plain_loss:.4f}")
"""

# The base model's own parameters handed to the optimizer helper (nothing frozen): the TTT pass adapts
# the model that the later pass scores again.
LORA_TTT_ADAPTS_BASE = LORA_TTT.replace(
    "    for p in model.parameters():\n        p.requires_grad_(False)\n", ""
).replace("build_adapter_optimizer(adapter, 1e-3)", "build_adapter_optimizer(model, 1e-3)")

# Test-time training that switches the model's own parameters back on for each window, adapts, then
# scores the window: an update before the score (PG405), not a per-window tensor (SLOT).
PARAMS_TOGGLED = """

def eval_val(h, model, val_tokens):
    opt = torch.optim.SGD(model.parameters(), lr=0.002)
    loss_sum = 0.0
    count = 0
    for start in range(0, val_tokens.numel() - h.seq_len - 1, h.seq_len):
        local = val_tokens[start : start + h.seq_len + 1]
        x = local[:-1].unsqueeze(0)
        y = local[1:].unsqueeze(0)
        for p in model.parameters():
            p.requires_grad_(True)
        opt.zero_grad()
        model(x, y).backward()
        opt.step()
        for p in model.parameters():
            p.requires_grad_(False)
        with torch.no_grad():
            logits = model.forward_logits(x)
            nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
            loss_sum += nll.item()
            count += y.numel()
    return loss_sum / count
"""


# ----- scoring-path variants shared by the n-gram / gate / normalization fixtures ---------------------
# A hashed n-gram cache in the #779 lineage: a "full" key XORs the target into the context hash and is
# read at scoring time, count(full) / count(context) mixed into the model's probability of the target.
NGRAM_CACHE = """

class BackoffNgramMixer:
    def __init__(self, vocab_size, buckets=4194304, max_order=5):
        self.mask = buckets - 1
        self.max_order = max_order
        self.primes = np.array([36313, 27191, 51647, 81929, 131071, 174763], dtype=np.uint64)
        self.ctx_tables = [np.zeros(buckets, dtype=np.uint32) for _ in range(max_order)]
        self.full_tables = [np.zeros(buckets, dtype=np.uint32) for _ in range(max_order)]

    def score(self, val_np, positions, model_p, alpha=0.3):
        p_mix = model_p.copy()
        for oi in range(self.max_order - 1):
            ctx_w = oi + 1
            ctx_hash = np.zeros(len(positions), dtype=np.uint64)
            for k in range(ctx_w):
                tok = val_np[positions - (ctx_w - k)].astype(np.uint64)
                ctx_hash ^= tok * self.primes[k % len(self.primes)]
            ctx_key = (ctx_hash & self.mask).astype(np.int64)
            tgt_np = val_np[positions].astype(np.uint64)
            full_key = ((ctx_hash ^ (tgt_np * self.primes[ctx_w % len(self.primes)])) & self.mask).astype(np.int64)
            ctx_c = self.ctx_tables[oi][ctx_key].astype(np.float64)
            full_c = self.full_tables[oi][full_key].astype(np.float64)
            p_ng = np.minimum(full_c, ctx_c) / np.maximum(ctx_c, 1.0)
            p_mix = np.where(ctx_c > 0, (1.0 - alpha) * p_mix + alpha * p_ng, p_mix)
        return p_mix

    def update(self, val_np, positions):
        for oi in range(self.max_order - 1):
            ctx_w = oi + 1
            ctx_hash = np.zeros(len(positions), dtype=np.uint64)
            for k in range(ctx_w):
                tok = val_np[positions - (ctx_w - k)].astype(np.uint64)
                ctx_hash ^= tok * self.primes[k % len(self.primes)]
            ctx_key = (ctx_hash & self.mask).astype(np.int64)
            tgt_np = val_np[positions].astype(np.uint64)
            full_key = ((ctx_hash ^ (tgt_np * self.primes[ctx_w % len(self.primes)])) & self.mask).astype(np.int64)
            np.add.at(self.ctx_tables[oi], ctx_key, 1)
            np.add.at(self.full_tables[oi], full_key, 1)
"""

EVAL_NGRAM_CACHE = """

def eval_val(h, model, val_tokens):
    mixer = BackoffNgramMixer(h.vocab_size)
    val_np = val_tokens.numpy()
    loss_sum = 0.0
    count = 0
    with torch.inference_mode():
        for start in range(8, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            logits = model.forward_logits(x)
            nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="none")
            positions = np.arange(start + 1, start + h.seq_len + 1)
            p_mix = mixer.score(val_np, positions, np.exp(-nll.numpy()))
            loss_sum += float(-np.log(p_mix).sum())
            count += y.numel()
            mixer.update(val_np, positions)
    return loss_sum / count
"""

# Legal look-alike: the context-only key reads a row over the whole vocabulary (normalized); the
# XOR key with the target is built only to update the table after scoring.
CONTEXT_NGRAM = '''

class ContextNgram:
    """Full-vocabulary n-gram: the key hashes the context only; counts are rows over the vocabulary."""

    def __init__(self, vocab_size, buckets=65536):
        self.mask = buckets - 1
        self.counts = np.zeros((buckets, vocab_size), dtype=np.float32)

    def distribution(self, val_np, positions):
        ctx_hash = (val_np[positions - 1].astype(np.uint64) * 36313) ^ (val_np[positions - 2].astype(np.uint64) * 27191)
        ctx_key = (ctx_hash & self.mask).astype(np.int64)
        rows = self.counts[ctx_key] + 0.1
        return rows / rows.sum(axis=-1, keepdims=True)

    def update(self, val_np, positions):
        ctx_hash = (val_np[positions - 1].astype(np.uint64) * 36313) ^ (val_np[positions - 2].astype(np.uint64) * 27191)
        ctx_key = (ctx_hash & self.mask).astype(np.int64)
        full_key = ((ctx_hash ^ (val_np[positions].astype(np.uint64) * 51647)) & self.mask).astype(np.int64)
        np.add.at(self.counts, (ctx_key, val_np[positions]), 1.0)
        self.last_full = full_key
'''

EVAL_CONTEXT_NGRAM = """

def eval_val(h, model, val_tokens):
    ngram = ContextNgram(h.vocab_size)
    val_np = val_tokens.numpy()
    loss_sum = 0.0
    count = 0
    with torch.inference_mode():
        for start in range(8, val_tokens.numel() - h.seq_len - 1, h.seq_len):
            local = val_tokens[start : start + h.seq_len + 1]
            x = local[:-1].unsqueeze(0)
            y = local[1:].unsqueeze(0)
            probs = torch.softmax(model.forward_logits(x), dim=-1)[0].numpy()
            positions = np.arange(start + 1, start + h.seq_len + 1)
            mixed = 0.8 * probs + 0.2 * ngram.distribution(val_np, positions)
            gold = mixed[np.arange(len(positions)), y[0].numpy()]
            loss_sum += float(-np.log(gold).sum())
            count += y.numel()
            ngram.update(val_np, positions)
    return loss_sum / count
"""

# A byte-level PPM mixture whose weight is picked from P_PPM(observed byte) (#1785), and the
# repaired form whose weight uses the context's max-count only (#1795).
PPM_OBSERVED_GATE = """

def ppm_mixture_score(byte_stream, nn_byte_probs, order=3):
    counts = {}
    bits = 0.0
    for i in range(order, len(byte_stream)):
        ctx = bytes(byte_stream[i - order : i])
        b = byte_stream[i]
        table = counts.setdefault(ctx, {})
        total = sum(table.values()) + 1
        pf = (table.get(b, 0) + 1.0 / 256) / total
        pn = nn_byte_probs[i]
        lam = 0.9 if pf > 0.5 else 0.4
        p = lam * pf + (1 - lam) * pn
        bits += -math.log2(p)
        table[b] = table.get(b, 0) + 1
    return bits
"""

PPM_CONTEXT_GATE = """

def ppm_mixture_score(byte_stream, nn_byte_probs, order=3):
    counts = {}
    bits = 0.0
    for i in range(order, len(byte_stream)):
        ctx = bytes(byte_stream[i - order : i])
        b = byte_stream[i]
        table = counts.setdefault(ctx, {})
        total = sum(table.values()) + 1
        conf = max(table.values(), default=0) / total
        pf = (table.get(b, 0) + 1.0 / 256) / total
        pn = nn_byte_probs[i]
        lam = 0.9 if conf > 0.5 else 0.4
        p = lam * pf + (1 - lam) * pn
        bits += -math.log2(p)
        table[b] = table.get(b, 0) + 1
    return bits
"""

RUN_PPM = "ppm_bits = ppm_mixture_score(list(val_tokens.numpy().tobytes()), [0.5] * 10)"
