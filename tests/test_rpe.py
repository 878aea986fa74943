"""Tests of specconv.rpe: kernelized attention with a Toeplitz relative position encoding.

The definition (NumPy float64, explicit loops) is
y_i = sum_j c_{j-i} phi(q_i).phi(k_j) v_j / (sum_j c_{j-i} phi(q_i).phi(k_j) + eps),
c_r = e^{b_r - max b} (SPEC: eps is added after the max subtraction).
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specconv import kernelized_rpe_attention, linear_attention
from specconv.rpe import _offset_toeplitz_matmul
from specconv.testing import assert_close
from tests.helpers import backend_name


def np_elu1(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def ref_rpe(q, k, v, b, *, causal: bool, eps: float = 1e-6, phi=np_elu1) -> np.ndarray:
    T = q.shape[-2]
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2], b.shape[:-1])
    q = np.broadcast_to(q, (*lead, *q.shape[-2:]))
    k = np.broadcast_to(k, (*lead, *k.shape[-2:]))
    v = np.broadcast_to(v, (*lead, *v.shape[-2:]))
    b = np.broadcast_to(b, (*lead, 2 * T - 1))
    out = np.zeros((*lead, T, v.shape[-1]))
    for idx in np.ndindex(*lead):
        fq, fk = phi(q[idx]), phi(k[idx])
        bias = {r: b[idx][r + T - 1] for r in range(-(T - 1), T) if not (causal and r > 0)}
        top = max(bias.values())
        for i in range(T):
            numerator, denominator = np.zeros(v.shape[-1]), 0.0
            for j in range(T):
                if causal and j > i:
                    continue
                weight = math.exp(bias[j - i] - top) * float(fq[i] @ fk[j])
                numerator += weight * v[idx][j]
                denominator += weight
            out[(*idx, i)] = numerator / (denominator + eps)
    return out


def decay_bias(rng: np.random.Generator, T: int, lead=()) -> np.ndarray:
    """A bias spanning [-30, 30]: a distance decay from b_0 = 30 plus noise of +-3.

    This is the shape of learned RPEs (ALiBi, T5 buckets): every row sees offsets near 0 whose
    weights are near max b. See test_fft_toeplitz_product_normwise for biases without that
    property, where only the normwise accuracy of the Toeplitz products can be promised.
    """
    r = np.abs(np.arange(-(T - 1), T))
    b = 30.0 - 60.0 * r / max(T - 1, 1) + rng.uniform(-3, 3, (*lead, 2 * T - 1))
    return np.clip(b, -30.0, 30.0)


def qkv(rng, lead, T, Dk=3, Dv=2):
    return (
        rng.standard_normal((*lead, T, Dk)),
        rng.standard_normal((*lead, T, Dk)),
        rng.standard_normal((*lead, T, Dv)),
    )


@pytest.mark.parametrize("causal", [False, True])
def test_direct_equals_double_loop(xp: ModuleType, rng: np.random.Generator, causal: bool) -> None:
    T = 6
    q, k, v = qkv(rng, (2,), T)
    b = rng.uniform(-3, 3, (2, 2 * T - 1))
    want = ref_rpe(q, k, v, b, causal=causal)
    got = kernelized_rpe_attention(
        *(xp.asarray(x) for x in (q, k, v, b)), causal=causal, method="direct"
    )
    assert_close(got, want, n=T)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("T", [1, 2, 7, 64, 1000])
def test_fft_equals_direct(xp: ModuleType, rng: np.random.Generator, T: int, causal: bool) -> None:
    if T == 1000 and backend_name(xp) != "numpy":
        pytest.skip("T = 1000 (a 1000 x 1000 direct reference) on NumPy only")
    q, k, v = qkv(rng, (2,), T)
    b = decay_bias(rng, T, lead=(2,))
    assert b.min() >= -30
    assert b.max() <= 30
    args = [xp.asarray(x) for x in (q, k, v, b)]
    want = kernelized_rpe_attention(*args, causal=causal, method="direct")
    got = kernelized_rpe_attention(*args, causal=causal, method="fft")
    assert_close(got, want, rtol=1e-10)
    # and the direct method agrees with the definition on the small sizes
    if T <= 7:
        assert_close(want, ref_rpe(q, k, v, b, causal=causal), n=T)


def test_fft_toeplitz_product_normwise(xp: ModuleType, rng: np.random.Generator) -> None:
    """The FFT Toeplitz product is accurate normwise for any b in [-30, 30].

    With b uniform in [-30, 30] the coefficients span e^{-60}..1; the FFT's error is absolute
    (~ eps log N max c |X|), so a row that sees only tiny c_{j-i} loses relative accuracy
    (documented in kernelized_rpe_attention); normwise, the products are as accurate as the
    dense matrix product.
    """
    T, p = 200, 5
    b = rng.uniform(-30, 30, (3, 2 * T - 1))
    c = np.exp(b - b.max(axis=-1, keepdims=True))
    X = rng.standard_normal((3, T, p))
    i, j = np.meshgrid(np.arange(T), np.arange(T), indexing="ij")
    want = np.stack([c[n][j - i + T - 1] @ X[n] for n in range(3)])
    got = _offset_toeplitz_matmul(xp, xp.asarray(c), xp.asarray(X))
    assert_close(got, want, n=2 * T)


@pytest.mark.parametrize("causal", [False, True])
def test_zero_bias_is_linear_attention(
    xp: ModuleType, rng: np.random.Generator, causal: bool
) -> None:
    q, k, v = qkv(rng, (2, 3), 17, Dk=4, Dv=5)
    args = [xp.asarray(x) for x in (q, k, v)]
    b = xp.zeros((2 * 17 - 1,), dtype=xp.float64)
    want = linear_attention(*args, causal=causal, method="cumsum" if causal else "parallel")
    for method in ("fft", "direct"):
        got = kernelized_rpe_attention(*args, b, causal=causal, method=method)
        assert_close(got, want, n=2 * 17)


def test_per_head_bias_broadcast(xp: ModuleType, rng: np.random.Generator) -> None:
    T = 9
    q, k, v = qkv(rng, (2, 3), T)  # (batch, heads, T, D)
    b = rng.uniform(-2, 2, (3, 2 * T - 1))  # one bias per head
    want = ref_rpe(q, k, v, b, causal=True)
    for method in ("fft", "direct"):
        got = kernelized_rpe_attention(
            *(xp.asarray(x) for x in (q, k, v, b)), causal=True, method=method
        )
        assert_close(got, want, n=2 * T)


def test_feature_map_options(xp: ModuleType, rng: np.random.Generator) -> None:
    T = 8
    q, k, v = qkv(rng, (2,), T)
    q, k = np.abs(q) + 0.1, np.abs(k) + 0.1
    b = rng.uniform(-2, 2, 2 * T - 1)
    want = ref_rpe(q, k, v, b, causal=False, phi=lambda x: x)
    got = kernelized_rpe_attention(*(xp.asarray(x) for x in (q, k, v, b)), feature_map="identity")
    assert_close(got, want, n=2 * T)
    want = ref_rpe(q, k, v, b, causal=False, phi=lambda x: x * x)
    got = kernelized_rpe_attention(
        *(xp.asarray(x) for x in (q, k, v, b)), feature_map=lambda x: x * x
    )
    assert_close(got, want, n=2 * T)


def test_float32(xp: ModuleType, rng: np.random.Generator) -> None:
    T = 50
    q, k, v = qkv(rng, (2,), T)
    b = decay_bias(rng, T)
    for causal in (False, True):
        want = ref_rpe(q, k, v, b, causal=causal)
        got = kernelized_rpe_attention(
            *(xp.asarray(x, dtype=xp.float32) for x in (q, k, v, b)), causal=causal
        )
        assert got.dtype == xp.float32
        assert_close(got, want, n=2 * T)


@settings(max_examples=25, deadline=None)
@given(
    T=st.integers(1, 20),
    causal=st.booleans(),
    constant=st.floats(-50, 50),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_constant_bias_is_linear_attention(
    T: int, causal: bool, constant: float, seed: int
) -> None:
    # any constant bias cancels (max subtraction makes c = 1): RPE == plain linear attention
    rng = np.random.default_rng(seed)
    q, k, v = qkv(rng, (2,), T)
    b = np.full(2 * T - 1, constant)
    want = linear_attention(q, k, v, causal=causal, method="quadratic")
    for method in ("fft", "direct"):
        assert_close(kernelized_rpe_attention(q, k, v, b, causal=causal, method=method), want, n=T)


def test_bad_input(xp: ModuleType) -> None:
    q = xp.ones((2, 5, 4))
    v = xp.ones((2, 5, 3))
    b = xp.zeros((9,))
    with pytest.raises(ValueError, match="T == S"):
        kernelized_rpe_attention(q, xp.ones((2, 6, 4)), xp.ones((2, 6, 3)), b)
    with pytest.raises(ValueError, match=r"`b` must have length 2T - 1 = 9"):
        kernelized_rpe_attention(q, q, v, xp.zeros((10,)))
    with pytest.raises(ValueError, match="`q` and `k`"):
        kernelized_rpe_attention(q, xp.ones((2, 5, 3)), v, b)
    with pytest.raises(ValueError, match="`k` and `v`"):
        kernelized_rpe_attention(q, q, xp.ones((2, 4, 3)), b)
    with pytest.raises(ValueError, match="`method`"):
        kernelized_rpe_attention(q, q, v, b, method="toeplitz")
    with pytest.raises(ValueError, match="`feature_map`"):
        kernelized_rpe_attention(q, q, v, b, feature_map="favor")
    with pytest.raises(ValueError, match="broadcast"):
        kernelized_rpe_attention(q, q, v, xp.zeros((3, 9)))
    with pytest.raises(ValueError, match="`b`"):
        kernelized_rpe_attention(q, q, v, xp.asarray(0.0))
