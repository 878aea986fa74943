"""Tests of specconv.conv against definition-level NumPy float64 references and SciPy peers."""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest
import scipy.linalg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specconv import causal_conv, circular_conv, conv_plan, toeplitz, toeplitz_matmul
from specconv._compat import next_fast_len
from specconv.testing import assert_close, tolerance
from tests.helpers import backend_name, numpy_dtype, to_numpy

METHODS = ("direct", "fft", "auto", "plan")
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# --------------------------------------------------------------------------------------------
# References (NumPy float64 / complex128, by definition)
# --------------------------------------------------------------------------------------------


def causal_reference(u: np.ndarray, k: np.ndarray, D: np.ndarray | None = None) -> np.ndarray:
    """``numpy.convolve(u, k)[:L]`` row by row over the broadcast batch, plus ``D u``."""
    L = u.shape[-1]
    batch = np.broadcast_shapes(u.shape[:-1], k.shape[:-1], () if D is None else D.shape)
    ub = np.broadcast_to(u, (*batch, L)).reshape(-1, L)
    kb = np.broadcast_to(k, (*batch, k.shape[-1])).reshape(-1, k.shape[-1])
    y = np.stack([np.convolve(a, b)[:L] for a, b in zip(ub, kb, strict=True)])
    y = y.reshape(*batch, L)
    if D is not None:
        y = y + D[..., None] * u
    return y


def circular_reference(u: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Dense circulant matrix C[t, s] = k[(t - s) mod L] times u (1-D)."""
    L = u.shape[-1]
    kp = np.concatenate([k, np.zeros(L - k.shape[-1], dtype=k.dtype)])
    t, s = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    return kp[(t - s) % L] @ u


def conv(xp: ModuleType, method: str, u, k, D=None):
    """``causal_conv`` with a method name, or through ``conv_plan`` for ``method="plan"``."""
    if method == "plan":
        return conv_plan(k, u.shape[-1], D=D)(u)
    return causal_conv(u, k, D=D, method=method)


def fft_length(L: int, Lk: int) -> int:
    return next_fast_len(L + min(L, Lk) - 1)


# --------------------------------------------------------------------------------------------
# causal_conv / conv_plan: values
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("L", "Lk"), [(16, 5), (16, 16), (16, 23), (1, 1), (1, 4), (37, 37)])
@pytest.mark.parametrize("with_D", [False, True])
def test_causal_conv_matches_numpy_convolve(xp, rng, method, L, Lk, with_D):
    u = rng.standard_normal((3, L))
    k = rng.standard_normal((3, Lk))
    D = rng.standard_normal(3) if with_D else None
    y = conv(xp, method, xp.asarray(u), xp.asarray(k), None if D is None else xp.asarray(D))
    assert y.dtype == xp.float64
    desired = causal_reference(u, k, D)
    assert_close(y, desired, n=fft_length(L, Lk))
    assert_close(y, desired, rtol=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("u_shape", "k_shape", "D_shape"),
    [
        ((2, 3, 20), (3, 7), (3,)),  # one kernel per channel, shared over the batch
        ((2, 3, 20), (7,), ()),  # one kernel for everything, 0-d D
        ((2, 3, 20), (2, 1, 20), (2, 1)),  # per-batch kernel, broadcast over channels
        ((1, 3, 20), (2, 3, 9), None),  # the kernel's batch widens u's
    ],
)
def test_causal_conv_batched_and_broadcast(xp, rng, method, u_shape, k_shape, D_shape):
    u, k = rng.standard_normal(u_shape), rng.standard_normal(k_shape)
    D = None if D_shape is None else rng.standard_normal(D_shape)
    y = conv(xp, method, xp.asarray(u), xp.asarray(k), None if D is None else xp.asarray(D))
    desired = causal_reference(u, k, D)
    assert tuple(y.shape) == desired.shape
    assert_close(y, desired, n=fft_length(u_shape[-1], k_shape[-1]))


@pytest.mark.parametrize(
    ("method", "L", "Lk"),
    [(m, 160, 24) for m in METHODS] + [(m, 300, 300) for m in ("fft", "auto", "plan")],
)
def test_causal_conv_float32(xp, rng, method, L, Lk):
    u, k = rng.standard_normal((4, L)), rng.standard_normal((4, Lk))
    D = rng.standard_normal(4)
    y = conv(
        xp,
        method,
        xp.asarray(u.astype(np.float32)),
        xp.asarray(k.astype(np.float32)),
        xp.asarray(D.astype(np.float32)),
    )
    assert y.dtype == xp.float32
    # the reference from the float32-rounded inputs: only the computation's error is measured
    desired = causal_reference(
        u.astype(np.float32).astype(np.float64),
        k.astype(np.float32).astype(np.float64),
        D.astype(np.float32).astype(np.float64),
    )
    assert_close(y, desired, rtol=tolerance(np.float32, n=fft_length(L, Lk)))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("which", ["u", "k", "both"])
def test_causal_conv_complex(xp, rng, method, which):
    L, Lk = 24, 10
    u, k = rng.standard_normal((2, L)), rng.standard_normal((2, Lk))
    if which in ("u", "both"):
        u = u + 1j * rng.standard_normal((2, L))
    if which in ("k", "both"):
        k = k + 1j * rng.standard_normal((2, Lk))
    D = rng.standard_normal(2) + 1j * rng.standard_normal(2)
    y = conv(xp, method, xp.asarray(u), xp.asarray(k), xp.asarray(D))
    assert y.dtype == xp.complex128
    assert_close(y, causal_reference(u, k, D), n=fft_length(L, Lk))


@pytest.mark.parametrize("method", METHODS)
def test_causal_conv_promotes_integers(xp, rng, method):
    u = rng.integers(-5, 5, size=(2, 12))
    k = rng.integers(-3, 3, size=4)
    y = conv(xp, method, xp.asarray(u), xp.asarray(k))
    default = xp.__array_namespace_info__().default_dtypes()["real floating"]
    assert y.dtype == default
    assert_close(y, causal_reference(u.astype(float), k.astype(float)), n=32)


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("low", ["float16", "bfloat16"])
def test_causal_conv_low_precision_computed_in_float32(xp, rng, method, low):
    if not hasattr(xp, low):
        pytest.skip(f"{backend_name(xp)} has no {low}")
    u32 = xp.asarray(rng.standard_normal((2, 40)).astype(np.float32))
    k32 = xp.asarray(rng.standard_normal((2, 9)).astype(np.float32))
    u, k = xp.astype(u32, getattr(xp, low)), xp.astype(k32, getattr(xp, low))
    y = causal_conv(u, k, method=method)
    assert y.dtype == getattr(xp, low)
    # computed in float32 from the (exactly widened) low-precision inputs, then rounded once
    wide = causal_conv(xp.astype(u, xp.float32), xp.astype(k, xp.float32), method=method)
    np.testing.assert_array_equal(to_numpy(y), to_numpy(xp.astype(wide, getattr(xp, low))))


def test_causal_conv_auto_picks_direct_for_short_and_fft_for_long_kernels(xp):
    from specconv.conv import _choose_method

    assert _choose_method(xp, 4096, 3) == "direct"
    assert _choose_method(xp, 4096, 4096) == "fft"


# --------------------------------------------------------------------------------------------
# conv_plan
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
def test_conv_plan_equals_causal_conv(xp, rng, method):
    k = xp.asarray(rng.standard_normal((3, 12)))
    D = xp.asarray(rng.standard_normal(3))
    plan = conv_plan(k, 64, D=D, method=method)
    for batch in [(3,), (2, 3), (4, 1, 3)]:
        u = xp.asarray(rng.standard_normal((*batch, 64)))
        expected = causal_conv(u, k, D=D, method=method)
        np.testing.assert_array_equal(to_numpy(plan(u)), to_numpy(expected))


def test_conv_plan_promotes_like_causal_conv(xp, rng):
    k = xp.asarray(rng.standard_normal((2, 30)).astype(np.float32))
    plan = conv_plan(k, 30, method="fft")
    u64 = rng.standard_normal((2, 30))
    y = plan(xp.asarray(u64))
    assert y.dtype == xp.float64
    # the kernel's float32 values, computed in float64: no float32 spectrum is reused
    desired = causal_reference(u64, to_numpy(k).astype(np.float64))
    assert_close(y, desired, n=64)
    uc = u64 + 1j * rng.standard_normal((2, 30))
    yc = plan(xp.asarray(uc))
    assert yc.dtype == xp.complex128
    assert_close(yc, causal_reference(uc, to_numpy(k).astype(np.float64)), n=64)


def test_conv_plan_repr_and_truncation(xp, rng):
    k = xp.asarray(rng.standard_normal((4, 100)))
    plan = conv_plan(k, 10, method="fft")
    text = repr(plan)
    assert "CausalConvPlan" in text
    assert "(4, 10)" in text  # taps beyond L dropped
    assert "L=10" in text
    assert "'fft'" in text
    assert plan.n == next_fast_len(19)


def test_conv_plan_rejects_wrong_length_and_namespace(xp, rng):
    plan = conv_plan(xp.asarray(rng.standard_normal(5)), 16)
    with pytest.raises(ValueError, match="`u`"):
        plan(xp.asarray(rng.standard_normal(15)))
    if backend_name(xp) != "numpy":
        with pytest.raises(TypeError):
            plan(rng.standard_normal(16))
    with pytest.raises(ValueError, match="`L`"):
        conv_plan(xp.asarray(rng.standard_normal(5)), 0)
    with pytest.raises(TypeError, match="`L`"):
        conv_plan(xp.asarray(rng.standard_normal(5)), 2.5)
    with pytest.raises(ValueError, match="`method`"):
        conv_plan(xp.asarray(rng.standard_normal(5)), 8, method="fast")


# --------------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------------

lengths = st.sampled_from([1, 7, 16, 33])
kernel_lengths = st.sampled_from([1, 3, 16, 40])
methods = st.sampled_from(["direct", "fft"])
seeds = st.integers(0, 2**32 - 1)


def _kernel_length(xp: ModuleType, Lk: int, method: str) -> int:
    # Dask builds a few graph layers per tap of the direct sum: keep its kernels short.
    return min(Lk, 4) if backend_name(xp) == "dask.array" and method == "direct" else Lk


def _budget(u: np.ndarray, k: np.ndarray, n: int) -> float:
    # absolute round-off budget of one output: tolerance * max|u| * sum|k| (>= every |y_t|)
    return tolerance(np.float64, n=n) * float(np.max(np.abs(u)) * np.sum(np.abs(k)) + 1e-300)


@PROPERTY
@given(L=lengths, Lk=kernel_lengths, method=methods, seed=seeds, data=st.data())
def test_property_causality(xp, L, Lk, method, seed, data):
    rng = np.random.default_rng(seed)
    Lk = _kernel_length(xp, Lk, method)
    t0 = data.draw(st.integers(0, L - 1))
    u, k = rng.standard_normal(L), rng.standard_normal(Lk)
    changed = u.copy()
    changed[t0:] = 100.0 * rng.standard_normal(L - t0)
    y = to_numpy(causal_conv(xp.asarray(u), xp.asarray(k), method=method))
    y2 = to_numpy(causal_conv(xp.asarray(changed), xp.asarray(k), method=method))
    if method == "direct":
        np.testing.assert_array_equal(y2[:t0], y[:t0])  # exactly: the sum never reads u[t0:]
    else:
        budget = _budget(changed, k, fft_length(L, Lk))
        assert np.max(np.abs(y2[:t0] - y[:t0]), initial=0.0) <= budget


@PROPERTY
@given(L=lengths, Lk=kernel_lengths, method=methods, seed=seeds)
def test_property_linearity(xp, L, Lk, method, seed):
    rng = np.random.default_rng(seed)
    Lk = _kernel_length(xp, Lk, method)
    u1, u2, k = rng.standard_normal(L), rng.standard_normal(L), rng.standard_normal(Lk)
    a, b = rng.standard_normal(2)
    lhs = causal_conv(xp.asarray(a * u1 + b * u2), xp.asarray(k), method=method)
    rhs = a * to_numpy(causal_conv(xp.asarray(u1), xp.asarray(k), method=method)) + b * to_numpy(
        causal_conv(xp.asarray(u2), xp.asarray(k), method=method)
    )
    scale = abs(a) * np.max(np.abs(u1)) + abs(b) * np.max(np.abs(u2))
    budget = 4 * tolerance(np.float64, n=fft_length(L, Lk)) * scale * np.sum(np.abs(k))
    assert np.max(np.abs(to_numpy(lhs) - rhs)) <= budget


@PROPERTY
@given(L=lengths, Lk=kernel_lengths, method=methods, seed=seeds, data=st.data())
def test_property_shift_equivariance(xp, L, Lk, method, seed, data):
    rng = np.random.default_rng(seed)
    Lk = _kernel_length(xp, Lk, method)
    d = data.draw(st.integers(0, L))
    u, k = rng.standard_normal(L), rng.standard_normal(Lk)
    delayed = np.concatenate([np.zeros(d), u[: L - d]])
    y = to_numpy(causal_conv(xp.asarray(u), xp.asarray(k), method=method))
    y_delayed = to_numpy(causal_conv(xp.asarray(delayed), xp.asarray(k), method=method))
    expected = np.concatenate([np.zeros(d), y[: L - d]])
    budget = 2 * _budget(u, k, fft_length(L, Lk))
    assert np.max(np.abs(y_delayed - expected)) <= budget


@PROPERTY
@given(L=st.sampled_from([1, 2, 5, 8, 13, 30]), seed=seeds, data=st.data())
def test_property_convolution_theorem(xp, L, seed, data):
    rng = np.random.default_rng(seed)
    Lk = data.draw(st.integers(1, L))
    u, k = rng.standard_normal(L), rng.standard_normal(Lk)
    y = circular_conv(xp.asarray(u), xp.asarray(k))
    # DFT(y) = DFT(k) * DFT(u), with k zero-padded to the period
    lhs = np.fft.fft(to_numpy(y))
    rhs = np.fft.fft(k, n=L) * np.fft.fft(u)
    assert_close(lhs, rhs, n=L)
    assert_close(y, circular_reference(u, k), n=L)


# --------------------------------------------------------------------------------------------
# circular_conv
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("L", [1, 6, 17, 64])
def test_circular_conv_matches_definition(xp, rng, L):
    u = rng.standard_normal((2, 3, L))
    k = rng.standard_normal((3, L))
    y = circular_conv(xp.asarray(u), xp.asarray(k))
    desired = np.stack(
        [np.stack([circular_reference(u[b, h], k[h]) for h in range(3)]) for b in range(2)]
    )
    assert_close(y, desired, n=L)


def test_circular_conv_complex_and_float32(xp, rng):
    L = 20
    u = rng.standard_normal(L) + 1j * rng.standard_normal(L)
    k = rng.standard_normal(L)
    y = circular_conv(xp.asarray(u), xp.asarray(k))
    assert y.dtype == xp.complex128
    assert_close(y, circular_reference(u, k), n=L)
    u32, k32 = u.real.astype(np.float32), k.astype(np.float32)
    y32 = circular_conv(xp.asarray(u32), xp.asarray(k32))
    assert y32.dtype == xp.float32
    desired = circular_reference(u32.astype(np.float64), k32.astype(np.float64))
    assert_close(y32, desired, rtol=tolerance(np.float32, n=L))


# --------------------------------------------------------------------------------------------
# toeplitz / toeplitz_matmul
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("nr", "nc"), [(1, 1), (4, 4), (3, 6), (7, 2)])
def test_toeplitz_equals_scipy(xp, rng, nr, nc):
    c, r = rng.standard_normal(nr), rng.standard_normal(nc)
    np.testing.assert_array_equal(
        to_numpy(toeplitz(xp.asarray(c), xp.asarray(r))), scipy.linalg.toeplitz(c, r)
    )
    np.testing.assert_array_equal(to_numpy(toeplitz(xp.asarray(c))), scipy.linalg.toeplitz(c))


def test_toeplitz_complex_default_row_is_conjugate(xp, rng):
    c = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    T = to_numpy(toeplitz(xp.asarray(c)))
    np.testing.assert_array_equal(T, scipy.linalg.toeplitz(c))
    np.testing.assert_array_equal(T[0, 1:], np.conj(c[1:]))


def test_toeplitz_batched(xp, rng):
    c = rng.standard_normal((2, 3, 4))
    r = rng.standard_normal((3, 5))
    T = to_numpy(toeplitz(xp.asarray(c), xp.asarray(r)))
    assert T.shape == (2, 3, 4, 5)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(T[i, j], scipy.linalg.toeplitz(c[i, j], r[j]))


@pytest.mark.parametrize(("nr", "nc", "m"), [(1, 1, None), (5, 5, None), (6, 6, 3), (4, 9, 2)])
def test_toeplitz_matmul_equals_scipy(xp, rng, nr, nc, m):
    c, r = rng.standard_normal(nr), rng.standard_normal(nc)
    x = rng.standard_normal(nc if m is None else (nc, m))
    y = toeplitz_matmul(xp.asarray(c), xp.asarray(r), xp.asarray(x))
    p = next_fast_len(nr + nc - 1)
    assert_close(y, scipy.linalg.matmul_toeplitz((c, r), x), n=p)
    assert_close(y, scipy.linalg.toeplitz(c, r) @ x, n=p)


def test_toeplitz_matmul_complex_and_default_row(xp, rng):
    n = 12  # 2n - 1 = 23 is prime: the circulant is padded to a fast length
    c = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    x = rng.standard_normal((n, 2))
    y = toeplitz_matmul(xp.asarray(c), None, xp.asarray(x))
    assert y.dtype == xp.complex128
    assert_close(y, scipy.linalg.matmul_toeplitz(c, x), n=next_fast_len(2 * n - 1))
    assert_close(y, scipy.linalg.toeplitz(c) @ x, n=next_fast_len(2 * n - 1))


def test_toeplitz_matmul_batched(xp, rng):
    c, r = rng.standard_normal((2, 3, 8)), rng.standard_normal((3, 8))
    x = rng.standard_normal((8, 4))
    y = to_numpy(toeplitz_matmul(xp.asarray(c), xp.asarray(r), xp.asarray(x)))
    assert y.shape == (2, 3, 8, 4)
    desired = np.stack(
        [np.stack([scipy.linalg.toeplitz(c[i, j], r[j]) @ x for j in range(3)]) for i in range(2)]
    )
    assert_close(y, desired, n=16)
    xb = rng.standard_normal((3, 8, 4))  # batched x broadcast against c's batch
    yb = toeplitz_matmul(xp.asarray(c), xp.asarray(r), xp.asarray(xb))
    desired = np.stack(
        [
            np.stack([scipy.linalg.toeplitz(c[i, j], r[j]) @ xb[j] for j in range(3)])
            for i in range(2)
        ]
    )
    assert_close(yb, desired, n=16)


def test_toeplitz_matmul_float32(xp, rng):
    n = 50
    c, r, x = (rng.standard_normal(s).astype(np.float32) for s in (n, n, (n, 3)))
    y = toeplitz_matmul(xp.asarray(c), xp.asarray(r), xp.asarray(x))
    assert y.dtype == xp.float32
    desired = scipy.linalg.toeplitz(c.astype(float), r.astype(float)) @ x.astype(float)
    assert_close(y, desired, rtol=tolerance(np.float32, n=next_fast_len(2 * n - 1)))


# --------------------------------------------------------------------------------------------
# Inputs are never mutated
# --------------------------------------------------------------------------------------------


def test_no_mutation(xp, rng):
    arrays = {
        "u": rng.standard_normal((2, 3, 16)),
        "k": rng.standard_normal((3, 16)),
        "D": rng.standard_normal(3),
        "c": rng.standard_normal(6),
        "r": rng.standard_normal(6),
        "x": rng.standard_normal((6, 2)),
    }
    originals = {name: a.copy() for name, a in arrays.items()}
    a = {name: xp.asarray(v) for name, v in arrays.items()}
    for method in ("direct", "fft"):
        causal_conv(a["u"], a["k"], D=a["D"], method=method)
        conv_plan(a["k"], 16, D=a["D"], method=method)(a["u"])
    circular_conv(a["u"], a["k"])
    toeplitz(a["c"], a["r"])
    toeplitz_matmul(a["c"], a["r"], a["x"])
    for name, value in a.items():
        np.testing.assert_array_equal(to_numpy(value), originals[name], err_msg=name)
        np.testing.assert_array_equal(arrays[name], originals[name], err_msg=name)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


def test_bad_input(xp, rng):
    u = xp.asarray(rng.standard_normal((2, 3, 8)))
    k = xp.asarray(rng.standard_normal((3, 4)))
    with pytest.raises(ValueError, match="do not broadcast"):
        causal_conv(u, xp.asarray(rng.standard_normal((5, 4))))
    with pytest.raises(ValueError, match="`u`"):
        causal_conv(xp.asarray(np.zeros((3, 0))), k)
    with pytest.raises(ValueError, match="`k`"):
        causal_conv(u, xp.asarray(np.zeros((3, 0))))
    with pytest.raises(ValueError, match="`k`"):
        causal_conv(xp.asarray(rng.standard_normal(8)), k)  # k has more dims than u
    with pytest.raises(ValueError, match="`D`"):
        causal_conv(u, k, D=xp.asarray(rng.standard_normal((1, 2, 3))))
    with pytest.raises(ValueError, match="do not broadcast"):
        causal_conv(u, k, D=xp.asarray(rng.standard_normal(4)))
    with pytest.raises(ValueError, match="`method`"):
        causal_conv(u, k, method="overlap-add")
    with pytest.raises(TypeError, match="`k`"):
        causal_conv(u, [1.0, 2.0])
    with pytest.raises(ValueError, match="`k`"):
        circular_conv(xp.asarray(rng.standard_normal(4)), xp.asarray(rng.standard_normal(5)))
    with pytest.raises(ValueError, match="`x`"):
        toeplitz_matmul(
            xp.asarray(rng.standard_normal(4)),
            xp.asarray(rng.standard_normal(5)),
            xp.asarray(rng.standard_normal(4)),
        )
    with pytest.raises(ValueError, match="`c`"):
        toeplitz(xp.asarray(np.zeros(0)))


def test_bad_dtype_numpy():
    u = np.array(["a", "b", "c"])
    with pytest.raises(TypeError, match="`u`"):
        causal_conv(u, np.ones(2))
    with pytest.raises(TypeError, match="`k`"):
        causal_conv(np.ones(3), np.array([object(), object()], dtype=object))
    with pytest.raises(TypeError, match="`c`"):
        toeplitz(u)


def test_mixed_namespaces():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="one array library"):
        causal_conv(np.ones(4), torch.ones(2))


def test_large_relative_error_of_small_outputs_is_documented_behaviour():
    # A decaying kernel makes the tail of y tiny: the FFT path keeps the normwise error at
    # round-off while the direct path is also elementwise accurate (the documented contrast).
    L = 512
    u = np.zeros(L)
    u[0] = 1.0
    k = np.exp(-0.2 * np.arange(L))  # k_t down to 1e-44
    y_fft = causal_conv(u, k, method="fft")
    y_direct = causal_conv(u, k, method="direct")
    np.testing.assert_array_equal(y_direct, k)
    assert_close(y_fft, k, n=next_fast_len(2 * L - 1))
    tail = slice(400, None)
    assert np.max(np.abs(y_fft[tail] - k[tail]) / k[tail]) > 1.0
    assert math.isfinite(float(np.max(y_fft)))


def test_result_dtype_table(xp):
    f32 = xp.asarray(np.ones(4, dtype=np.float32))
    f64 = xp.asarray(np.ones(4))
    assert causal_conv(f32, f32).dtype == xp.float32
    assert causal_conv(f32, f64).dtype == xp.float64
    assert toeplitz(f32, f64).dtype == xp.float64
    assert numpy_dtype(circular_conv(f32, f32).dtype) == np.float32
