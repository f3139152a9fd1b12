"""An opt-in stand-in for FlashAttention-3's `flash_attn_interface`, backed by torch SDPA.

It lets an FA3 submission smoke-run on a GPU without Hopper kernels (or on CPU). A run that puts
this file on sys.path is labelled non-official by pgolf: numbers and timings are not comparable.

Same layout and call shape as FA3 (hopper/flash_attn_interface.py):
- `flash_attn_func(q, k, v, softmax_scale=None, causal=False, ...)` with q [batch, seqlen_q, heads_q, dim]
  and k, v [batch, seqlen_k, heads_k, dim]; heads_q a multiple of heads_k (GQA: each group of
  heads_q/heads_k query heads shares one key/value head, as in FA).
- `flash_attn_varlen_func(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k, ...)` with
  q [total_q, heads_q, dim]: each sequence attends only within itself.
  Zero-length segments (records pad `cu_seqlens` with repeats of the total) are skipped.
- `causal` is aligned to the bottom-right corner when seqlen_q != seqlen_k, as FA does (SDPA's own
  `is_causal` is top-left, so that case uses an explicit mask). `window_size` and `softcap` follow FA.
Returns `out`, or `(out, softmax_lse)` with `return_attn_probs=True`.

Attention runs in SDPA's fused kernels (flash, memory-efficient, or the CPU flash kernel), forward
and backward, whatever SDPA backends the script enabled; varlen batches causal segments into a few
right-padded calls by length. Both functions are torch.library custom ops, so
`torch.compile(fullgraph=True)` (used by nearly every record) treats them as opaque calls, as it
does FA3's own ops; the backward recomputes the forward, then runs the kernel's own backward.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Mapping

import torch

PGOLF_SHIM = True  # the preflight and the run report read this: a shimmed run is non-official
__version__ = "0.0.0+pgolf.sdpa.shim"

print(
    "flash_attn_interface: pgolf SDPA shim in use (not FlashAttention-3); run is non-official",
    file=sys.stderr,
)


def _mask(sq: int, sk: int, causal: bool, left: int, right: int, device: torch.device) -> torch.Tensor | None:
    """Boolean [sq, sk] mask (True = attend), bottom-right aligned like FA; None when all is visible."""
    if not causal and left < 0 and right < 0:
        return None
    i = torch.arange(sq, device=device)[:, None] + (sk - sq)
    j = torch.arange(sk, device=device)[None, :]
    keep = torch.ones(sq, sk, dtype=torch.bool, device=device)
    if causal:
        right = 0
    if right >= 0:
        keep &= j <= i + right
    if left >= 0:
        keep &= j >= i - left
    return keep


def _math(
    qt: torch.Tensor,
    kt: torch.Tensor,
    vt: torch.Tensor,
    scale: float,
    keep: torch.Tensor | None,
    softcap: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Explicit softmax attention on [b, h, s, d] in float32; rows with no visible key give 0."""
    scores = torch.matmul(qt.float(), kt.float().transpose(-1, -2)) * scale
    if softcap > 0.0:
        scores = torch.tanh(scores / softcap) * softcap
    if keep is not None:
        scores = scores.masked_fill(~keep, float("-inf"))
    lse = torch.logsumexp(scores, dim=-1)
    probs = torch.exp(scores - lse.unsqueeze(-1)).nan_to_num(0.0)
    return torch.matmul(probs, vt.float()).to(qt.dtype), lse


# --- SDPA's fused kernels ---------------------------------------------------------------------
# The records disable every SDPA backend but flash (`enable_math_sdp(False)`, ...), and FA3's own
# semantics (bottom-right causal, zero-length segments) differ from F.scaled_dot_product_attention's
# dispatcher. So the shim calls the fused aten kernels directly: flash on CUDA for half precision,
# memory-efficient on CUDA otherwise, the CPU flash kernel on CPU. Each returns the log-sum-exp, and
# the backward runs the kernel's own backward after recomputing the forward: O(s) memory, never
# an fp32 [b, h, s, s] tensor. Windows, softcap and bottom-right causal with sq != sk (unused by
# the records) keep the explicit path (`_math`).


def _kernel(q: torch.Tensor) -> str:
    if q.device.type == "cpu":
        return "cpu_flash"
    head = q.shape[-1]
    if q.dtype in (torch.float16, torch.bfloat16) and head % 8 == 0 and head <= 256:
        return "flash"
    return "efficient"


def _fused_fwd(
    qt: torch.Tensor, kt: torch.Tensor, vt: torch.Tensor, scale: float, causal: bool
) -> tuple[torch.Tensor, torch.Tensor, tuple[object, ...]]:
    """(out [b, h, sq, d], lse [b, h, sq] float32, what the backward kernel needs) on [b, h, s, d]."""
    aten = torch.ops.aten
    sq = qt.shape[2]
    qt, kt, vt = qt.contiguous(), kt.contiguous(), vt.contiguous()
    kind = _kernel(qt)
    if kind == "cpu_flash":
        out, lse = aten._scaled_dot_product_flash_attention_for_cpu(qt, kt, vt, 0.0, causal, scale=scale)
        return out, lse.float(), (out, lse)
    if kind == "flash":
        out, lse, cum_q, cum_k, max_q, max_k, seed, offset, _ = aten._scaled_dot_product_flash_attention(
            qt, kt, vt, 0.0, causal, False, scale=scale
        )
        return out, lse.float(), (out, lse, cum_q, cum_k, max_q, max_k, seed, offset)
    out, lse, seed, offset = aten._scaled_dot_product_efficient_attention(
        qt, kt, vt, None, True, 0.0, causal, scale=scale
    )
    return out, lse[..., :sq].float(), (out, lse, seed, offset)  # the kernel pads lse to 32 rows


def _fused_bwd(
    grad: torch.Tensor, qt: torch.Tensor, kt: torch.Tensor, vt: torch.Tensor, scale: float, causal: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """dq, dk, dv on [b, h, s, d]: the forward is recomputed, then the same kernel's backward."""
    aten = torch.ops.aten
    qt, kt, vt, grad = qt.contiguous(), kt.contiguous(), vt.contiguous(), grad.contiguous()
    kind = _kernel(qt)
    _, _, saved = _fused_fwd(qt, kt, vt, scale, causal)
    if kind == "cpu_flash":
        out, lse = saved
        dq, dk, dv = aten._scaled_dot_product_flash_attention_for_cpu_backward(
            grad, qt, kt, vt, out, lse, 0.0, causal, scale=scale
        )
    elif kind == "flash":
        out, lse, cum_q, cum_k, max_q, max_k, seed, offset = saved
        dq, dk, dv = aten._scaled_dot_product_flash_attention_backward(
            grad, qt, kt, vt, out, lse, cum_q, cum_k, max_q, max_k, 0.0, causal, seed, offset, scale=scale
        )
    else:
        out, lse, seed, offset = saved
        # No bias: None binds an undefined tensor (an empty one is rejected as not BMHK).
        dq, dk, dv, _ = aten._scaled_dot_product_efficient_attention_backward(
            grad, qt, kt, vt, None, out, lse, seed, offset, 0.0, [True, True, True, False], causal, scale=scale
        )
    return dq, dk, dv


def _expand_heads(t: torch.Tensor, group: int) -> torch.Tensor:
    """[b, hk, s, d] -> [b, hk*group, s, d]: each key/value head serves `group` query heads (GQA)."""
    return t if group == 1 else t.repeat_interleave(group, dim=1)


def _fold_heads(t: torch.Tensor, group: int) -> torch.Tensor:
    """The gradient of _expand_heads: sum over the query heads that shared a key/value head."""
    if group == 1:
        return t
    b, h, s, d = t.shape
    return t.view(b, h // group, group, s, d).sum(dim=2)


def _fast(sq: int, sk: int, causal: bool, left: int, right: int, softcap: float) -> bool:
    """The cases the fused kernels compute with FA's semantics (SDPA's is_causal is top-left)."""
    return softcap == 0.0 and left < 0 and right < 0 and (not causal or sq == sk)


def _dense(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
    want_lse: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(out [b, sq, hq, d], lse [b, hq, sq] float32, or an empty tensor when not wanted)."""
    hq, hk = q.shape[2], k.shape[2]
    if hq % hk:
        raise ValueError(f"flash_attn shim: {hq} query heads is not a multiple of {hk} key/value heads")
    sq, sk = q.shape[1], k.shape[1]
    qt = q.transpose(1, 2)
    kt, vt = (_expand_heads(t.transpose(1, 2), hq // hk) for t in (k, v))
    if sq == 0 or sk == 0:  # nothing to attend to (FA returns zeros and an lse of -inf)
        out = q.new_zeros(*q.shape[:3], v.shape[-1]).transpose(1, 2)
        lse = q.new_full((q.shape[0], hq, sq), float("-inf"), dtype=torch.float32)
    elif _fast(sq, sk, causal, left, right, softcap):
        out, lse, _ = _fused_fwd(qt, kt, vt, scale, causal)
    else:
        out, lse = _math(qt, kt, vt, scale, _mask(sq, sk, causal, left, right, q.device), softcap)
    return out.transpose(1, 2).contiguous(), (lse if want_lse else q.new_empty(0, dtype=torch.float32))


def _math_bwd(
    grad: torch.Tensor,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """dq, dk, dv of the explicit path, in float32 and cast back (softmax backward written out)."""
    b, sq, hq, _ = q.shape
    sk, hk = k.shape[1], k.shape[2]
    group = hq // hk
    qt, kt, vt, gt = (t.transpose(1, 2).float() for t in (q, k, v, grad))
    if group > 1:
        kt, vt = kt.repeat_interleave(group, dim=1), vt.repeat_interleave(group, dim=1)
    raw = torch.matmul(qt, kt.transpose(-1, -2)) * scale
    capped = torch.tanh(raw / softcap) * softcap if softcap > 0.0 else raw
    keep = _mask(sq, sk, causal, left, right, q.device)
    scores = capped.masked_fill(~keep, float("-inf")) if keep is not None else capped
    probs = torch.exp(scores - torch.logsumexp(scores, dim=-1, keepdim=True)).nan_to_num(0.0)
    dv = torch.matmul(probs.transpose(-1, -2), gt)
    dp = torch.matmul(gt, vt.transpose(-1, -2))
    ds = probs * (dp - (dp * probs).sum(dim=-1, keepdim=True))
    if softcap > 0.0:
        ds = ds * (1.0 - (capped / softcap) ** 2)
    dq = torch.matmul(ds, kt) * scale
    dk = torch.matmul(ds.transpose(-1, -2), qt) * scale
    if group > 1:  # each key/value head served `group` query heads: sum their gradients
        dk, dv = (t.view(b, hk, group, sk, t.shape[-1]).sum(dim=2) for t in (dk, dv))
    return dq.transpose(1, 2).to(q.dtype), dk.transpose(1, 2).to(k.dtype), dv.transpose(1, 2).to(v.dtype)


def _dense_bwd(
    grad: torch.Tensor,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """dq, dk, dv of `_dense`, through the fused kernels wherever the forward used them."""
    sq, sk, hq, hk = q.shape[1], k.shape[1], q.shape[2], k.shape[2]
    if sq == 0 or sk == 0:
        return torch.zeros_like(q), torch.zeros_like(k), torch.zeros_like(v)
    if not _fast(sq, sk, causal, left, right, softcap):
        return _math_bwd(grad, q, k, v, scale, causal, left, right, softcap)
    group = hq // hk
    kt, vt = _expand_heads(k.transpose(1, 2), group), _expand_heads(v.transpose(1, 2), group)
    dq, dk, dv = _fused_bwd(grad.transpose(1, 2), q.transpose(1, 2), kt, vt, scale, causal)
    return (
        dq.transpose(1, 2).to(q.dtype),
        _fold_heads(dk, group).transpose(1, 2).to(k.dtype),
        _fold_heads(dv, group).transpose(1, 2).to(v.dtype),
    )


def _bucket_length(n: int) -> int:
    """Segments are padded to the next power of two (at least 16): at most 2x the tokens, few calls."""
    return max(16, 1 << (n - 1).bit_length())


def _buckets(lengths: list[int]) -> dict[int, list[int]]:
    """Padded length -> indices of the non-empty segments padded to it."""
    found: dict[int, list[int]] = {}
    for index, n in enumerate(lengths):
        if n > 0:
            found.setdefault(_bucket_length(n), []).append(index)
    return found


def _gather(
    tensors: tuple[torch.Tensor, ...], starts: list[int], lengths: list[int], members: list[int], width: int
) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor]:
    """Each [total, h, d] -> [n, h, width, d], right-padded with zeros; the flat index of the valid
    slots; the [n, width] validity mask."""
    device = tensors[0].device
    offsets = torch.arange(width, device=device)[None, :]
    begin = torch.tensor([starts[m] for m in members], device=device)[:, None]
    valid = offsets < torch.tensor([lengths[m] for m in members], device=device)[:, None]
    index = torch.where(valid, begin + offsets, torch.zeros_like(offsets))
    padded = []
    for x in tensors:
        rows = x[index.reshape(-1)].view(len(members), width, *x.shape[1:])
        padded.append((rows * valid.view(len(members), width, 1, 1).to(x.dtype)).transpose(1, 2))
    return padded, index[valid], valid


def _packed(cu_q: torch.Tensor, cu_k: torch.Tensor, causal: bool) -> bool:
    """Right padding is exact when each query sees only earlier keys of its own, equally long segment."""
    return causal and bool(torch.equal(cu_q, cu_k))


def _varlen(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu_q: torch.Tensor,
    cu_k: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
    want_lse: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(out [total_q, hq, d], lse [hq, total_q] or empty). Zero-length segments (cu_seqlens padding) are skipped."""
    hq, hk = q.shape[1], k.shape[1]
    if hq % hk:
        raise ValueError(f"flash_attn shim: {hq} query heads is not a multiple of {hk} key/value heads")
    out = q.new_zeros(q.shape[0], hq, v.shape[-1])
    lse = q.new_full((hq, q.shape[0]), float("-inf"), dtype=torch.float32)
    bounds_q, bounds_k = cu_q.tolist(), cu_k.tolist()
    lengths = [b - a for a, b in itertools.pairwise(bounds_q)]
    if _packed(cu_q, cu_k, causal) and _fast(1, 1, causal, left, right, softcap):
        group = hq // hk
        for width, members in _buckets(lengths).items():
            (qb, kb, vb), where, valid = _gather((q, k, v), bounds_q, lengths, members, width)
            ob, lb, _ = _fused_fwd(qb, _expand_heads(kb, group), _expand_heads(vb, group), scale, causal)
            out[where] = ob.transpose(1, 2)[valid]
            lse[:, where] = lb.transpose(0, 1).reshape(hq, -1)[:, valid.reshape(-1)]
    else:
        for n in range(len(lengths)):
            qs, qe, ks, ke = bounds_q[n], bounds_q[n + 1], bounds_k[n], bounds_k[n + 1]
            if qe == qs:
                continue
            o, l_ = _dense(q[None, qs:qe], k[None, ks:ke], v[None, ks:ke], scale, causal, left, right, softcap, True)
            out[qs:qe], lse[:, qs:qe] = o[0], l_[0]
    return out, (lse if want_lse else q.new_empty(0, dtype=torch.float32))


def _varlen_bwd(
    grad: torch.Tensor,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu_q: torch.Tensor,
    cu_k: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    dq, dk, dv = torch.zeros_like(q), torch.zeros_like(k), torch.zeros_like(v)
    bounds_q, bounds_k = cu_q.tolist(), cu_k.tolist()
    lengths = [b - a for a, b in itertools.pairwise(bounds_q)]
    hq, hk = q.shape[1], k.shape[1]
    group = hq // hk
    if _packed(cu_q, cu_k, causal) and _fast(1, 1, causal, left, right, softcap):
        for width, members in _buckets(lengths).items():
            (qb, kb, vb, gb), where, valid = _gather((q, k, v, grad), bounds_q, lengths, members, width)
            gq, gk, gv = _fused_bwd(gb, qb, _expand_heads(kb, group), _expand_heads(vb, group), scale, causal)
            dq[where] = gq.transpose(1, 2)[valid].to(q.dtype)
            dk[where] = _fold_heads(gk, group).transpose(1, 2)[valid].to(k.dtype)
            dv[where] = _fold_heads(gv, group).transpose(1, 2)[valid].to(v.dtype)
        return dq, dk, dv
    for n in range(len(lengths)):
        qs, qe, ks, ke = bounds_q[n], bounds_q[n + 1], bounds_k[n], bounds_k[n + 1]
        if qe == qs or ke == ks:
            continue
        g_, q_, k_, v_ = grad[None, qs:qe], q[None, qs:qe], k[None, ks:ke], v[None, ks:ke]
        a, b, c = _dense_bwd(g_, q_, k_, v_, scale, causal, left, right, softcap)
        dq[qs:qe], dk[ks:ke], dv[ks:ke] = a[0], dk[ks:ke] + b[0], dv[ks:ke] + c[0]
    return dq, dk, dv


@torch.library.custom_op("pgolf_shim::fwd", mutates_args=())
def _fwd_op(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
    want_lse: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    return _dense(q, k, v, scale, causal, left, right, softcap, want_lse)


@_fwd_op.register_fake
def _fwd_fake(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
    want_lse: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    lse_shape = (q.shape[0], q.shape[2], q.shape[1]) if want_lse else (0,)
    return q.new_empty(q.shape), q.new_empty(lse_shape, dtype=torch.float32)


@torch.library.custom_op("pgolf_shim::varlen_fwd", mutates_args=())
def _varlen_op(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu_q: torch.Tensor,
    cu_k: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
    want_lse: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    return _varlen(q, k, v, cu_q, cu_k, scale, causal, left, right, softcap, want_lse)


@_varlen_op.register_fake
def _varlen_fake(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu_q: torch.Tensor,
    cu_k: torch.Tensor,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
    want_lse: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    lse_shape = (q.shape[1], q.shape[0]) if want_lse else (0,)
    return q.new_empty(q.shape), q.new_empty(lse_shape, dtype=torch.float32)


@torch.library.custom_op("pgolf_shim::bwd", mutates_args=())
def _bwd_op(
    grad: torch.Tensor,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu_q: torch.Tensor | None,
    cu_k: torch.Tensor | None,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
    want_lse: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients by the fused kernels' own backward (autograd is off inside a custom op)."""
    if cu_q is None or cu_k is None:
        return _dense_bwd(grad, q, k, v, scale, causal, left, right, softcap)
    return _varlen_bwd(grad, q, k, v, cu_q, cu_k, scale, causal, left, right, softcap)


@_bwd_op.register_fake
def _bwd_fake(
    grad: torch.Tensor,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu_q: torch.Tensor | None,
    cu_k: torch.Tensor | None,
    scale: float,
    causal: bool,
    left: int,
    right: int,
    softcap: float,
    want_lse: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return q.new_empty(q.shape), k.new_empty(k.shape), v.new_empty(v.shape)


def _setup(ctx: torch.autograd.function.FunctionCtx, inputs: tuple[object, ...], output: object) -> None:
    tensors = [t for t in inputs if isinstance(t, torch.Tensor)]  # q, k, v (and cu_q, cu_k for varlen)
    ctx.save_for_backward(*tensors)
    ctx.options = inputs[len(tensors) :]  # type: ignore[attr-defined]


def _backward(
    ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor, _grad_lse: torch.Tensor
) -> tuple[object, ...]:
    saved = ctx.saved_tensors  # type: ignore[attr-defined]
    q, k, v = saved[:3]
    cu_q, cu_k = (saved[3], saved[4]) if len(saved) == 5 else (None, None)
    dq, dk, dv = _bwd_op(grad.contiguous(), q, k, v, cu_q, cu_k, *ctx.options)  # type: ignore[attr-defined]
    options = (None,) * len(ctx.options)  # type: ignore[attr-defined]
    return (dq, dk, dv, *options) if cu_q is None else (dq, dk, dv, None, None, *options)


torch.library.register_autograd("pgolf_shim::fwd", _backward, setup_context=_setup)
torch.library.register_autograd("pgolf_shim::varlen_fwd", _backward, setup_context=_setup)


def _options(
    q: torch.Tensor,
    softmax_scale: float | None,
    window_size: tuple[int, int],
    unsupported: Mapping[str, object],
) -> tuple[float, int, int]:
    # Tensors (qv, fp8 descales, seqused) and a non-zero attention_chunk change the maths; the
    # performance knobs (num_splits, pack_gqa, deterministic, sm_margin) do not and are ignored.
    used = [name for name, value in unsupported.items() if value is not None and value != 0]
    if used:
        raise NotImplementedError(f"pgolf flash_attn shim: {', '.join(used)} not supported (FA3-only features)")
    scale = softmax_scale if softmax_scale is not None else 1.0 / math.sqrt(q.shape[-1])
    return float(scale), int(window_size[0]), int(window_size[1])


def flash_attn_func(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    softmax_scale: float | None = None,
    causal: bool = False,
    qv: torch.Tensor | None = None,
    q_descale: torch.Tensor | None = None,
    k_descale: torch.Tensor | None = None,
    v_descale: torch.Tensor | None = None,
    window_size: tuple[int, int] = (-1, -1),
    attention_chunk: int = 0,
    softcap: float = 0.0,
    num_splits: int = 1,
    pack_gqa: bool | None = None,
    deterministic: bool = False,
    sm_margin: int = 0,
    return_attn_probs: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """FA3's dense attention on [batch, seqlen, heads, dim] tensors."""
    extra = {
        "qv": qv,
        "q_descale": q_descale,
        "k_descale": k_descale,
        "v_descale": v_descale,
        "attention_chunk": attention_chunk,
    }
    scale, left, right = _options(q, softmax_scale, window_size, extra)
    out, lse = _fwd_op(q, k, v, scale, causal, left, right, float(softcap), return_attn_probs)
    return (out, lse) if return_attn_probs else out


def flash_attn_varlen_func(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu_seqlens_q: torch.Tensor,
    cu_seqlens_k: torch.Tensor,
    max_seqlen_q: int | None = None,
    max_seqlen_k: int | None = None,
    seqused_q: torch.Tensor | None = None,
    seqused_k: torch.Tensor | None = None,
    softmax_scale: float | None = None,
    causal: bool = False,
    qv: torch.Tensor | None = None,
    q_descale: torch.Tensor | None = None,
    k_descale: torch.Tensor | None = None,
    v_descale: torch.Tensor | None = None,
    window_size: tuple[int, int] = (-1, -1),
    attention_chunk: int = 0,
    softcap: float = 0.0,
    num_splits: int = 1,
    pack_gqa: bool | None = None,
    deterministic: bool = False,
    sm_margin: int = 0,
    return_attn_probs: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """FA3's packed variable-length attention on [total, heads, dim] tensors."""
    extra = {
        "seqused_q": seqused_q,
        "seqused_k": seqused_k,
        "qv": qv,
        "q_descale": q_descale,
        "k_descale": k_descale,
        "v_descale": v_descale,
        "attention_chunk": attention_chunk,
    }
    scale, left, right = _options(q, softmax_scale, window_size, extra)
    cu_q, cu_k = cu_seqlens_q.to(torch.int64), cu_seqlens_k.to(torch.int64)
    out, lse = _varlen_op(q, k, v, cu_q, cu_k, scale, causal, left, right, float(softcap), return_attn_probs)
    return (out, lse) if return_attn_probs else out
