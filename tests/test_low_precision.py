"""float16 / bfloat16 follow SPEC section 2 and the FlashAttention accuracy rule.

For NumPy float16 and torch float16/bfloat16 inputs, each operation must

* return the input's low dtype (complex64 for ``fft``: there is no complex16 in NumPy, and
  torch's complex32 has almost no kernels), and
* pass ``specconv.testing.assert_low_precision_close``: its error against the float64 result
  (of the *same rounded inputs*) is at most twice the error of the naive definition computed
  entirely in the low precision (dense DFT matrix, direct convolution sum, quadratic attention
  form, dense-DFT FFTNet), plus a floor of eps/8.

The naive definitions below are written once against the array API (NumPy or torch
namespace) and checked in float64 against specconv, so a wrong naive formula cannot make the
rule vacuous.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from array_api_compat import array_namespace

import specconv as sc
from specconv.testing import assert_close, assert_low_precision_close, tolerance
from tests.helpers import to_numpy

# --------------------------------------------------------------------------------------------
# Naive definitions, computed in the dtype of their inputs
# --------------------------------------------------------------------------------------------


def _dft_cos_sin(xp: ModuleType, n: int, bins: int, like: Any) -> tuple[Any, Any]:
    kn = (np.arange(bins)[:, None] * np.arange(n)[None, :]) % n  # exact integer phases
    angle = 2 * np.pi * kn / n
    return (
        xp.asarray(np.cos(angle), dtype=like.dtype),
        xp.asarray(np.sin(angle), dtype=like.dtype),
    )


def naive_fft(x: Any) -> np.ndarray:
    xp = array_namespace(x)
    n = x.shape[-1]
    cos_m, sin_m = _dft_cos_sin(xp, n, n, x)
    re = xp.matmul(x, xp.matrix_transpose(cos_m))
    im = -xp.matmul(x, xp.matrix_transpose(sin_m))
    return to_numpy(re).astype(np.float64) + 1j * to_numpy(im).astype(np.float64)


def naive_causal_conv(u: Any, k: Any) -> Any:
    xp = array_namespace(u, k)
    L, Lk = u.shape[-1], k.shape[-1]
    lag = np.arange(L)[:, None] - np.arange(L)[None, :]  # t - s
    index = np.clip(lag, 0, Lk - 1)
    mask = (lag >= 0) & (lag < Lk)
    taps = xp.take(k, xp.asarray(index.reshape(-1)), axis=-1)
    T = xp.reshape(taps, (*k.shape[:-1], L, L)) * xp.asarray(mask, dtype=u.dtype)
    return xp.squeeze(xp.matmul(T, u[..., None]), axis=-1)


def _elu1(xp: ModuleType, x: Any) -> Any:
    return xp.where(x > 0, x + 1, xp.exp(xp.minimum(x, xp.zeros_like(x))))


def _normalized(xp: ModuleType, A: Any, v: Any, eps: float) -> Any:
    return xp.matmul(A, v) / (xp.sum(A, axis=-1, keepdims=True) + eps)


def naive_linear_attention(q: Any, k: Any, v: Any, *, causal: bool) -> Any:
    xp = array_namespace(q, k, v)
    A = xp.matmul(_elu1(xp, q), xp.matrix_transpose(_elu1(xp, k)))
    if causal:
        T = q.shape[-2]
        A = A * xp.asarray(np.tril(np.ones((T, T))), dtype=q.dtype)
    return _normalized(xp, A, v, 1e-6)


def naive_rpe_attention(q: Any, k: Any, v: Any, b: Any) -> Any:
    xp = array_namespace(q, k, v, b)
    T = q.shape[-2]
    offset = (np.arange(T)[None, :] - np.arange(T)[:, None]) + T - 1  # j - i + T - 1
    c = xp.exp(b - xp.max(b, axis=-1, keepdims=True))
    C = xp.reshape(xp.take(c, xp.asarray(offset.reshape(-1)), axis=-1), (*b.shape[:-1], T, T))
    A = xp.matmul(_elu1(xp, q), xp.matrix_transpose(_elu1(xp, k))) * C
    return _normalized(xp, A, v, 1e-6)


def _erf(xp: ModuleType, x: Any) -> Any:
    if type(x).__module__.startswith("torch"):
        import torch

        return torch.special.erf(x)
    from scipy.special import erf

    return xp.asarray(erf(x), dtype=x.dtype)  # rounded back to the low precision


def naive_fftnet_mixer(x: Any, p: sc.FFTNetParams) -> Any:
    """FFTNet v1 with dense real DFT matrices (ortho), every step in ``x.dtype``."""
    xp = array_namespace(x)
    batch, n, dim = x.shape
    heads, bins = p.base_filter.shape[:2]
    dh = dim // heads
    context = xp.mean(x, axis=-2)
    hidden = xp.matmul(context, p.w1) + p.b1
    hidden = 0.5 * hidden * (1 + _erf(xp, hidden / math.sqrt(2.0)))
    m = xp.reshape(xp.tanh(xp.matmul(hidden, p.w2) + p.b2), (batch, heads, bins, 1))
    xh = xp.permute_dims(xp.reshape(x, (batch, n, heads, dh)), (0, 2, 1, 3))  # (B, H, N, dh)
    cos_m, sin_m = _dft_cos_sin(xp, n, bins, x)
    root = math.sqrt(n)
    re, im = xp.matmul(cos_m, xh) / root, -xp.matmul(sin_m, xh) / root
    filt = p.base_filter + m
    re, im = re * filt, im * filt
    mag = xp.sqrt(re * re + im * im)
    zero = xp.zeros_like(mag)
    scale = xp.maximum(mag + p.modrelu_bias, zero) / xp.maximum(mag, zero + 1e-3)
    re, im = re * scale, im * scale
    weights = np.full(bins, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    icos = xp.asarray(
        (to_numpy(cos_m).astype(np.float64) * weights[:, None]).T / root, dtype=x.dtype
    )
    isin = xp.asarray(
        (to_numpy(sin_m).astype(np.float64) * weights[:, None]).T / root, dtype=x.dtype
    )
    y = xp.matmul(icos, re) - xp.matmul(isin, im)  # (B, H, N, dh)
    y = xp.reshape(xp.permute_dims(y, (0, 2, 1, 3)), (batch, n, dim))
    z = x + y
    mu = xp.mean(z, axis=-1, keepdims=True)
    var = xp.mean((z - mu) ** 2, axis=-1, keepdims=True)
    return (z - mu) / xp.sqrt(var + 1e-5) * p.ln_weight + p.ln_bias


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

Case = tuple[Callable[..., Any], Callable[..., Any], Callable[[np.random.Generator], list[Any]]]


def _fftnet_params(rng: np.random.Generator) -> sc.FFTNetParams:
    dim, n, heads = 8, 32, 2
    bins = n // 2 + 1
    return sc.FFTNetParams(
        base_filter=rng.uniform(0.2, 1.5, (heads, bins, 1)),
        w1=rng.standard_normal((dim, dim)) / math.sqrt(dim),
        b1=0.3 * rng.standard_normal(dim),
        w2=rng.standard_normal((dim, heads * bins)) / math.sqrt(dim),
        b2=0.3 * rng.standard_normal(heads * bins),
        modrelu_bias=rng.uniform(-0.5, 0.1, (heads, bins, 1)),
        ln_weight=rng.uniform(0.5, 1.5, dim),
        ln_bias=0.1 * rng.standard_normal(dim),
    )


CASES: dict[str, Case] = {
    "fft-auto": (sc.fft, naive_fft, lambda r: [r.standard_normal((4, 256))]),
    "fft-stockham": (
        lambda x: sc.fft(x, algorithm="stockham"),
        naive_fft,
        lambda r: [r.standard_normal((4, 256))],
    ),
    "causal_conv-fft": (
        lambda u, k: sc.causal_conv(u, k, method="fft"),
        naive_causal_conv,
        lambda r: [r.standard_normal((2, 3, 200)), r.standard_normal((3, 200)) / 10],
    ),
    "causal_conv-direct": (
        lambda u, k: sc.causal_conv(u, k, method="direct"),
        naive_causal_conv,
        lambda r: [r.standard_normal((2, 3, 64)), r.standard_normal((3, 9)) / 3],
    ),
    "linear_attention": (
        sc.linear_attention,
        lambda q, k, v: naive_linear_attention(q, k, v, causal=False),
        lambda r: [r.standard_normal((2, 64, 8)) for _ in range(3)],
    ),
    "linear_attention-causal-chunked": (
        lambda q, k, v: sc.linear_attention(q, k, v, causal=True, method="chunked", chunk_size=16),
        lambda q, k, v: naive_linear_attention(q, k, v, causal=True),
        lambda r: [r.standard_normal((2, 64, 8)) for _ in range(3)],
    ),
    "linear_attention-causal-cumsum": (
        lambda q, k, v: sc.linear_attention(q, k, v, causal=True, method="cumsum"),
        lambda q, k, v: naive_linear_attention(q, k, v, causal=True),
        lambda r: [r.standard_normal((2, 64, 8)) for _ in range(3)],
    ),
    "kernelized_rpe_attention": (
        sc.kernelized_rpe_attention,
        naive_rpe_attention,
        lambda r: [
            *(r.standard_normal((2, 48, 8)) for _ in range(3)),
            -0.05 * np.abs(np.arange(-47, 48.0)) + 0.3 * r.standard_normal((2, 95)),
        ],
    ),
    "fftnet_mixer": (
        sc.fftnet_mixer,
        naive_fftnet_mixer,
        lambda r: [r.standard_normal((2, 32, 8)), _fftnet_params(r)],
    ),
}

LOW = [
    ("numpy", "float16"),
    ("torch", "float16"),
    ("torch", "bfloat16"),
]


def _namespace(name: str) -> ModuleType:
    module = pytest.importorskip(name)
    return array_namespace(module.zeros(1))


def _move(xp: ModuleType, obj: Any, dtype: Any) -> Any:
    if isinstance(obj, sc.FFTNetParams):
        return sc.FFTNetParams(
            **{f: xp.asarray(getattr(obj, f), dtype=dtype) for f in obj.__dataclass_fields__}
        )
    return xp.asarray(obj, dtype=dtype)


def _to_float64(x: Any) -> np.ndarray:
    if type(x).__module__.startswith("torch"):  # NumPy has no bfloat16: widen in torch first
        import torch

        x = x.to(torch.complex128 if x.is_complex() else torch.float64)
    a = np.asarray(to_numpy(x))
    return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)


@pytest.mark.parametrize("name", list(CASES))
def test_naive_definitions_are_right_in_float64(name: str) -> None:
    fast, naive, make = CASES[name]
    inputs = make(np.random.default_rng(1))
    want = to_numpy(fast(*inputs))
    got = naive(*inputs)
    assert_close(got, want, n=256)


@pytest.mark.parametrize(("backend", "low"), LOW, ids=[f"{b}-{d}" for b, d in LOW])
@pytest.mark.parametrize("name", list(CASES))
def test_low_precision_rule(name: str, backend: str, low: str) -> None:
    fast, naive, make = CASES[name]
    xp = _namespace(backend)
    dtype = getattr(xp, low)
    inputs = [_move(xp, a, dtype) for a in make(np.random.default_rng(2))]
    # the float64 reference sees exactly the rounded low-precision inputs
    reference = fast(*[_move(xp, _widen(a), xp.float64) for a in inputs])
    actual = fast(*inputs)
    expected_dtype = xp.complex64 if name.split("-")[0] == "fft" else dtype
    assert actual.dtype == expected_dtype, f"{name}: result dtype {actual.dtype}"
    naive_result = naive(*inputs)
    assert_low_precision_close(
        _to_float64(actual), _to_float64(naive_result), _to_float64(reference)
    )


def _widen(a: Any) -> Any:
    if isinstance(a, sc.FFTNetParams):
        return sc.FFTNetParams(**{f: _to_float64(getattr(a, f)) for f in a.__dataclass_fields__})
    return _to_float64(a)


def test_tolerance_orders() -> None:
    """bfloat16's budget is looser than float16's, which is looser than float32's."""
    assert tolerance("bfloat16") > tolerance(np.float16) > tolerance(np.float32)
