"""The SDPA shim on CUDA against naive attention (opt in: --run-gpu), with the records' SDPA settings.

#2135 enables only the flash SDPA backend; the shim must still run (flash kernels for bf16, the
memory-efficient kernel for fp32), skip zero-length segments, and give FA's gradients.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

pytestmark = pytest.mark.gpu

SHIM = Path(__file__).resolve().parents[2] / "docker" / "shim" / "flash_attn_interface.py"


@pytest.fixture(scope="module")
def fa() -> ModuleType:
    if not torch.cuda.is_available():
        pytest.fail("--run-gpu was given but CUDA is not available")
    if "flash_attn_interface" in sys.modules:
        return sys.modules["flash_attn_interface"]
    spec = importlib.util.spec_from_file_location("flash_attn_interface", SHIM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["flash_attn_interface"] = module
    spec.loader.exec_module(module)
    return module


def _reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bounds: list[int]) -> torch.Tensor:
    """Causal attention per segment in float64 on [total, h, d]."""
    group = q.shape[1] // k.shape[1]
    outs = []
    for a, b in itertools.pairwise(bounds):
        if a == b:
            continue
        qq, kk, vv = q[a:b].double(), k[a:b].double(), v[a:b].double()
        kk, vv = kk.repeat_interleave(group, dim=1), vv.repeat_interleave(group, dim=1)
        s = torch.einsum("shd,thd->hst", qq, kk) / math.sqrt(q.shape[-1])
        s = s.masked_fill(~torch.ones(b - a, b - a, dtype=torch.bool, device=q.device).tril(), float("-inf"))
        outs.append(torch.einsum("hst,thd->shd", torch.softmax(s, dim=-1), vv))
    return torch.cat(outs)


@pytest.mark.parametrize(("dtype", "tol"), [(torch.bfloat16, 2e-2), (torch.float32, 1e-4)])
def test_varlen_with_the_records_sdpa_settings(fa: ModuleType, dtype: torch.dtype, tol: float) -> None:
    torch.backends.cuda.enable_cudnn_sdp(False)
    torch.backends.cuda.enable_flash_sdp(True)
    torch.backends.cuda.enable_mem_efficient_sdp(False)
    torch.backends.cuda.enable_math_sdp(False)
    try:
        bounds = [0, 7, 7, 300, 301, 1024, 2048, 2048, 2048]  # zero-length padding, as #2135 builds it
        cu = torch.tensor(bounds, dtype=torch.int32, device="cuda")
        g = torch.Generator(device="cuda").manual_seed(0)
        q, k, v = (torch.randn(2048, h, 64, device="cuda", generator=g, dtype=dtype) for h in (8, 4, 4))
        for t in (q, k, v):
            t.requires_grad_(True)
        out = fa.flash_attn_varlen_func(q, k, v, cu, cu, 1024, 1024, causal=True)
        want = _reference(q, k, v, bounds)
        torch.testing.assert_close(out.double(), want, rtol=tol, atol=tol)
        got = torch.autograd.grad(out.float().pow(2).sum(), (q, k, v))
        ref = torch.autograd.grad(want.pow(2).sum(), (q, k, v))
        for a, b in zip(got, ref, strict=True):
            assert a.shape == b.shape
            torch.testing.assert_close(a.double(), b.double(), rtol=tol * 5, atol=tol * 5)
        dense = fa.flash_attn_func(q[None, :512], k[None, :512], v[None, :512], causal=True)
        torch.testing.assert_close(dense[0].double(), _reference(q, k, v, [0, 512]), rtol=tol, atol=tol)
    finally:
        for enable in (
            torch.backends.cuda.enable_cudnn_sdp,
            torch.backends.cuda.enable_mem_efficient_sdp,
            torch.backends.cuda.enable_math_sdp,
        ):
            enable(True)


def test_ttt_batch_backward_fits_without_a_score_matrix(fa: ModuleType) -> None:
    """#2135's TTT batch (64 x 2560, 8 heads): an fp32 [b, h, s, s] tensor alone would be 13 GiB."""
    torch.cuda.reset_peak_memory_stats()
    q = torch.randn(64, 2560, 8, 64, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    k = torch.randn(64, 2560, 4, 64, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    v = torch.randn(64, 2560, 4, 64, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    fa.flash_attn_func(q, k, v, causal=True).float().square().mean().backward()
    assert torch.cuda.max_memory_allocated() < 4 * 2**30
