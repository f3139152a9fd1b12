"""An opt-in stand-in for FlashAttention-3's `flash_attn_interface`, backed by torch SDPA.

It lets an FA3 submission smoke-run on a GPU without Hopper kernels (or on CPU). A run that puts
this file on sys.path is labelled non-official by pgolf: numbers and timings are not comparable.

Same layout and call shape as FA3 (hopper/flash_attn_interface.py):
- `flash_attn_func(q, k, v, softmax_scale=None, causal=False, ...)` with q [batch, seqlen_q, heads_q, dim]
  and k, v [batch, seqlen_k, heads_k, dim]; heads_q a multiple of heads_k (GQA: each group of
  heads_q/heads_k query heads shares one key/value head, as in FA).
- `flash_attn_varlen_func(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k, ...)` with
  q [total_q, heads_q, dim]: each sequence attends only within itself.
- `causal` is aligned to the bottom-right corner when seqlen_q != seqlen_k, as FA does (SDPA's own
  `is_causal` is top-left, so that case uses an explicit mask). `window_size` and `softcap` follow FA.
Returns `out`, or `(out, softmax_lse)` with `return_attn_probs=True`.

Both functions are torch.library custom ops, so `torch.compile(fullgraph=True)` (used by nearly
every record) treats them as opaque calls, as it does FA3's own ops; backward recomputes the
forward and applies the softmax backward.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping

import torch
import torch.nn.functional as F

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
    qt, kt, vt = (t.transpose(1, 2) for t in (q, k, v))  # [b, h, s, d]
    if hq != hk:
        kt, vt = kt.repeat_interleave(hq // hk, dim=1), vt.repeat_interleave(hq // hk, dim=1)
    sq, sk = q.shape[1], k.shape[1]
    # SDPA's own causal mask is top-left aligned and it returns no LSE: those cases take the math path.
    if want_lse or softcap > 0.0 or left >= 0 or right >= 0 or (causal and sq != sk):
        out, lse = _math(qt, kt, vt, scale, _mask(sq, sk, causal, left, right, q.device), softcap)
    else:
        out = F.scaled_dot_product_attention(qt, kt, vt, is_causal=causal, scale=scale)
        lse = q.new_empty(0, dtype=torch.float32)
    return out.transpose(1, 2).contiguous(), lse


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
    """(out [total_q, hq, d], lse [hq, total_q] or empty): one dense call per sequence."""
    outs, lses = [], []
    bounds_q, bounds_k = cu_q.tolist(), cu_k.tolist()
    for n in range(len(bounds_q) - 1):
        qs, qe, ks, ke = bounds_q[n], bounds_q[n + 1], bounds_k[n], bounds_k[n + 1]
        o, lse = _dense(q[None, qs:qe], k[None, ks:ke], v[None, ks:ke], scale, causal, left, right, softcap, want_lse)
        outs.append(o[0])
        lses.append(lse[0] if want_lse else lse)
    return torch.cat(outs, dim=0), (torch.cat(lses, dim=-1) if want_lse else lses[0])


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
    """dq, dk, dv of the dense attention, in float32 and cast back (softmax backward written out)."""
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
    """Gradients written out (autograd is off inside a custom op, so nothing is recomputed by it)."""
    if cu_q is None or cu_k is None:
        return _dense_bwd(grad, q, k, v, scale, causal, left, right, softcap)
    parts = []
    bounds_q, bounds_k = cu_q.tolist(), cu_k.tolist()
    for n in range(len(bounds_q) - 1):
        qs, qe, ks, ke = bounds_q[n], bounds_q[n + 1], bounds_k[n], bounds_k[n + 1]
        g_, q_, k_, v_ = grad[None, qs:qe], q[None, qs:qe], k[None, ks:ke], v[None, ks:ke]
        parts.append(_dense_bwd(g_, q_, k_, v_, scale, causal, left, right, softcap))
    dq, dk, dv = (torch.cat([p[i][0] for p in parts], dim=0) for i in range(3))
    return dq, dk, dv


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
