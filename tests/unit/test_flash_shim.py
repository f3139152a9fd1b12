"""docker/shim/flash_attn_interface.py against a naive attention written out in full (CPU torch)."""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

SHIM = Path(__file__).resolve().parents[2] / "docker" / "shim" / "flash_attn_interface.py"


@pytest.fixture(scope="module")
def fa() -> ModuleType:
    # The shim registers torch.library ops at import, which may happen once per process.
    if "flash_attn_interface" in sys.modules:
        return sys.modules["flash_attn_interface"]
    spec = importlib.util.spec_from_file_location("flash_attn_interface", SHIM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["flash_attn_interface"] = module
    spec.loader.exec_module(module)
    return module


def naive(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    causal: bool,
    window: tuple[int, int] = (-1, -1),
    softcap: float = 0.0,
) -> torch.Tensor:
    """Loop-free reference on [b, s, h, d]: explicit GQA mapping, bottom-right causal, FA window semantics."""
    b, sq, hq, d = q.shape
    sk, hk = k.shape[1], k.shape[2]
    group = hq // hk
    out = torch.zeros(b, sq, hq, v.shape[-1], dtype=torch.float64)
    for h in range(hq):
        qh, kh, vh = q[:, :, h].double(), k[:, :, h // group].double(), v[:, :, h // group].double()
        s = qh @ kh.transpose(1, 2) / math.sqrt(d)
        if softcap > 0:
            s = softcap * torch.tanh(s / softcap)
        i = torch.arange(sq)[:, None] + (sk - sq)
        j = torch.arange(sk)[None, :]
        keep = torch.ones(sq, sk, dtype=torch.bool)
        right = 0 if causal else window[1]
        if right >= 0:
            keep &= j <= i + right
        if window[0] >= 0:
            keep &= j >= i - window[0]
        s = s.masked_fill(~keep, float("-inf"))
        p = torch.softmax(s, dim=-1).nan_to_num(0.0)
        out[:, :, h] = p @ vh
    return out


def _qkv(b: int, sq: int, sk: int, hq: int, hk: int, d: int = 16) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(sq * 100 + sk + hq)
    return tuple(torch.randn(b, s, h, d, generator=g) for s, h in ((sq, hq), (sk, hk), (sk, hk)))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("hq", "hk"), [(4, 4), (8, 2)])
def test_dense_matches_naive(fa: ModuleType, causal: bool, hq: int, hk: int) -> None:
    q, k, v = _qkv(2, 12, 12, hq, hk)
    out = fa.flash_attn_func(q, k, v, causal=causal)
    assert out.shape == q.shape and out.dtype == q.dtype
    torch.testing.assert_close(out.double(), naive(q, k, v, causal=causal), rtol=1e-4, atol=1e-5)


def test_causal_is_bottom_right_aligned_when_lengths_differ(fa: ModuleType) -> None:
    q, k, v = _qkv(1, 4, 10, 2, 2)
    out = fa.flash_attn_func(q, k, v, causal=True)
    torch.testing.assert_close(out.double(), naive(q, k, v, causal=True), rtol=1e-4, atol=1e-5)
    # The last query sees every key, as in FA (SDPA's top-left is_causal would hide keys 4..9).
    full = naive(q[:, -1:], k, v, causal=False)
    torch.testing.assert_close(out[:, -1:].double(), full, rtol=1e-4, atol=1e-5)


def test_window_and_softcap_follow_fa_semantics(fa: ModuleType) -> None:
    q, k, v = _qkv(1, 9, 9, 2, 1)
    out = fa.flash_attn_func(q, k, v, causal=True, window_size=(3, -1), softcap=5.0)
    torch.testing.assert_close(
        out.double(), naive(q, k, v, causal=True, window=(3, 0), softcap=5.0), rtol=1e-4, atol=1e-5
    )


def test_lse_is_returned_on_request(fa: ModuleType) -> None:
    q, k, v = _qkv(1, 5, 5, 2, 2)
    out, lse = fa.flash_attn_func(q, k, v, causal=False, return_attn_probs=True)
    scores = torch.einsum("bshd,bthd->bhst", q.double(), k.double()) / math.sqrt(q.shape[-1])
    torch.testing.assert_close(lse.double(), torch.logsumexp(scores, dim=-1), rtol=1e-4, atol=1e-5)
    assert out.shape == q.shape


def test_varlen_attends_only_within_each_sequence(fa: ModuleType) -> None:
    lengths = [3, 7, 1, 5]
    cu = torch.tensor([0, *torch.tensor(lengths).cumsum(0).tolist()], dtype=torch.int32)
    q, k, v = (t[0] for t in _qkv(1, sum(lengths), sum(lengths), 6, 2))
    out = fa.flash_attn_varlen_func(q, k, v, cu, cu, max(lengths), max(lengths), causal=True)
    pieces = [
        naive(q[None, s:e], k[None, s:e], v[None, s:e], causal=True)[0]
        for s, e in zip(cu[:-1].tolist(), cu[1:].tolist(), strict=True)
    ]
    torch.testing.assert_close(out.double(), torch.cat(pieces), rtol=1e-4, atol=1e-5)


def _grads(loss: torch.Tensor, inputs: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    return torch.autograd.grad(loss, inputs)


@pytest.mark.parametrize(("causal", "window", "softcap"), [(True, (-1, -1), 0.0), (False, (2, 1), 4.0)])
def test_gradients_match_naive(fa: ModuleType, causal: bool, window: tuple[int, int], softcap: float) -> None:
    q, k, v = (t.requires_grad_(True) for t in _qkv(1, 6, 6, 4, 2))
    out = fa.flash_attn_func(q, k, v, causal=causal, window_size=window, softcap=softcap)
    ref = naive(q, k, v, causal=causal, window=window, softcap=softcap)
    got, want = _grads(out.pow(2).sum(), (q, k, v)), _grads(ref.pow(2).sum(), (q, k, v))
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)


def test_varlen_gradients_match_naive(fa: ModuleType) -> None:
    cu = torch.tensor([0, 3, 8], dtype=torch.int32)
    q, k, v = (t[0].requires_grad_(True) for t in _qkv(1, 8, 8, 4, 2))
    out = fa.flash_attn_varlen_func(q, k, v, cu, cu, 5, 5, causal=True)
    ref = torch.cat([naive(q[None, a:b], k[None, a:b], v[None, a:b], causal=True)[0] for a, b in ((0, 3), (3, 8))])
    got, want = _grads(out.pow(2).sum(), (q, k, v)), _grads(ref.pow(2).sum(), (q, k, v))
    for g, w in zip(got, want, strict=True):
        torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)


def test_varlen_compiles_fullgraph_with_gradients(fa: ModuleType) -> None:
    # Records compile their models with fullgraph=True: the shim must be one opaque op, like FA3's.
    cu = torch.tensor([0, 4, 9], dtype=torch.int32)
    q, k, v = (t[0].requires_grad_(True) for t in _qkv(1, 9, 9, 4, 2))

    def step(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        loss: torch.Tensor = fa.flash_attn_varlen_func(q, k, v, cu, cu, 5, 5, causal=True).square().sum()
        return loss

    compiled = torch.compile(step, fullgraph=True, backend="aot_eager")
    loss = compiled(q, k, v)
    dq = _grads(loss, (q,))[0]
    eager = step(q, k, v)
    torch.testing.assert_close(loss, eager)
    torch.testing.assert_close(dq, _grads(eager, (q,))[0])


def test_fa3_only_features_are_refused(fa: ModuleType) -> None:
    q, k, v = _qkv(1, 4, 4, 2, 2)
    with pytest.raises(NotImplementedError, match="q_descale"):
        fa.flash_attn_func(q, k, v, q_descale=torch.ones(1))


def test_marks_itself_as_the_shim(fa: ModuleType) -> None:
    assert fa.PGOLF_SHIM is True


def _varlen_reference(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bounds: list[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-segment naive attention (causal) and the per-row log-sum-exp, [total, h, d] / [h, total]."""
    outs, lses = [], []
    group = q.shape[1] // k.shape[1]
    for a, b in itertools.pairwise(bounds):
        if a == b:
            continue
        outs.append(naive(q[None, a:b], k[None, a:b], v[None, a:b], causal=True)[0])
        kk = k[a:b].double().repeat_interleave(group, dim=1)
        s = torch.einsum("shd,thd->hst", q[a:b].double(), kk) / math.sqrt(q.shape[-1])
        s = s.masked_fill(~torch.ones(b - a, b - a, dtype=torch.bool).tril(), float("-inf"))
        lses.append(torch.logsumexp(s, dim=-1))
    return torch.cat(outs), torch.cat(lses, dim=-1)


def test_varlen_skips_zero_length_segments_like_the_records_padding(fa: ModuleType) -> None:
    # #2135's _build_cu_seqlens pads cu_seqlens to a bucket multiple by repeating the total length,
    # and documents can be split to length 0 nowhere else: both give empty segments.
    bounds = [0, 5, 5, 22, 23, 40, 40, 40, 40]
    cu = torch.tensor(bounds, dtype=torch.int32)
    q, k, v = (t[0] for t in _qkv(1, 40, 40, 4, 2))
    out, lse = fa.flash_attn_varlen_func(q, k, v, cu, cu, 17, 17, causal=True, return_attn_probs=True)
    want_out, want_lse = _varlen_reference(q, k, v, bounds)
    torch.testing.assert_close(out.double(), want_out, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(lse.double(), want_lse, rtol=1e-4, atol=1e-5)


def test_fast_paths_never_build_the_score_matrix(fa: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """Causal self-attention (what records call) runs in SDPA's fused kernels, forward and backward."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the explicit [b, h, s, s] path ran")

    monkeypatch.setattr(fa, "_math", refuse)
    monkeypatch.setattr(fa, "_math_bwd", refuse)
    lengths = [1, 2, 3, 16, 17, 31, 64, 0, 5]
    bounds = [0, *torch.tensor(lengths).cumsum(0).tolist(), sum(lengths)]
    cu = torch.tensor(bounds, dtype=torch.int32)
    q, k, v = (t[0].requires_grad_(True) for t in _qkv(1, sum(lengths), sum(lengths), 6, 2))
    out = fa.flash_attn_varlen_func(q, k, v, cu, cu, 64, 64, causal=True)
    want, _ = _varlen_reference(q, k, v, bounds)
    torch.testing.assert_close(out.double(), want, rtol=1e-4, atol=1e-5)
    got = _grads(out.pow(2).sum(), (q, k, v))
    ref = _grads(want.pow(2).sum(), (q, k, v))
    for g, w in zip(got, ref, strict=True):
        torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)
    qd, kd, vd = (t.requires_grad_(True) for t in _qkv(3, 20, 20, 4, 1))
    dense = fa.flash_attn_func(qd, kd, vd, causal=True)
    got = _grads(dense.pow(2).sum(), (qd, kd, vd))
    ref = _grads(naive(qd, kd, vd, causal=True).pow(2).sum(), (qd, kd, vd))
    for g, w in zip(got, ref, strict=True):
        torch.testing.assert_close(g, w, rtol=1e-4, atol=1e-5)


def test_the_kernel_runs_whatever_sdpa_backends_the_script_disabled(fa: ModuleType) -> None:
    # #2135 calls enable_math_sdp(False), enable_mem_efficient_sdp(False), ...: F.scaled_dot_product_attention
    # then refuses most inputs ("Invalid backend"); the shim calls the fused kernels directly.
    from torch.nn.attention import SDPBackend, sdpa_kernel

    q, k, v = _qkv(1, 8, 8, 2, 2)
    with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
        out = fa.flash_attn_func(q, k, v, causal=True)
    torch.testing.assert_close(out.double(), naive(q, k, v, causal=True), rtol=1e-4, atol=1e-5)
