"""Cross-cutting laws as hypothesis properties, on every backend (the ``xp`` fixture).

The module tests already hold the single-module laws (fft linearity/Parseval/round trip/
convolution theorem per algorithm; causal_conv causality/linearity/shift/convolution theorem;
dense scan == kernel on NumPy; chunked == quadratic attention; constant RPE bias == linear
attention; FFTNet shift equivariance on NumPy). The laws here tie modules together or add
backends and dtypes:

* fourier: ``ifft(fft(x))`` across *different* algorithms, ``irfft(rfft(x))``, butterfly with the
  DFT factors == fft, Parseval for the orthonormal Walsh-Hadamard transform;
* conv: circular convolution theorem through specconv's own FFTs, circular shift equivariance;
* ssm: kernels linear in B and in C (s4d, s4, dense), recurrent == convolutional for S4D;
* causality: s4d-based convolution, h3/hyena/gss, causal linear attention (every method),
  causal RPE;
* attention: step recurrence == causal linear attention, RPE with b = 0 == linear attention;
* fftnet: circular shift equivariance of the mixer on every backend.

Budgets are normwise, from ``specconv.testing.tolerance``. Run the suite in CI with
``HYPOTHESIS_PROFILE=ci`` (10 derandomized examples per property).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specconv as sc
from specconv.testing import assert_close, relative_error, tolerance
from tests.helpers import backend_name, to_numpy

PROPERTY = settings(
    max_examples=settings.default.max_examples,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
seeds = st.integers(0, 2**32 - 1)
real_dtypes = st.sampled_from(["float32", "float64"])
POW2 = st.sampled_from([1, 2, 4, 8, 16, 32])
# Sizes come from small fixed sets: eager JAX (and torch) cache one compiled kernel per shape,
# so a few distinct shapes keep the JAX run within the CI budget; they still cover 1, odd,
# prime, power-of-two and composite lengths.
SIZES = st.sampled_from([1, 2, 5, 8, 12, 13])
LONG = st.sampled_from([2, 5, 8, 13, 24])
MODES = st.sampled_from([1, 2, 4])
FFT_ALGORITHMS = ("native", "recursive", "stockham", "four_step", "bluestein", "dft")

# Eager JAX dispatches every small op separately (seconds per operator call on 2 shared
# cores); the operators run under jax.jit in test_lazy_strict.py instead.
SLOW_ON_JAX = pytest.mark.skip_backend("jax.numpy", reason="eager JAX too slow; jit-tested")


def _as(xp: ModuleType, a: np.ndarray, dtype: str) -> Any:
    if np.iscomplexobj(a):
        dtype = {"float32": "complex64", "float64": "complex128"}[dtype]
    return xp.asarray(a, dtype=getattr(xp, dtype))


def _changed_from(
    rng: np.random.Generator, x: np.ndarray, t0: int, axis: int, size: float = 10.0
) -> np.ndarray:
    """``x`` with every entry at positions >= t0 along ``axis`` replaced by noise of ``size``."""
    out = np.moveaxis(x.copy(), axis, 0)
    out[t0:] = size * rng.standard_normal(out[t0:].shape)
    return np.moveaxis(out, 0, axis)


def _assert_prefix_unchanged(
    y: Any, y2: Any, t0: int, axis: int, n: int, *, amplification: float = 1.0
) -> None:
    """Outputs before ``t0`` along ``axis`` agree normwise (FFT round-off spreads everywhere).

    ``amplification`` is the operation's own condition number where it has one (derived from
    the definition by the caller), never a fudge factor.
    """
    a, b = np.moveaxis(to_numpy(y), axis, 0), np.moveaxis(to_numpy(y2), axis, 0)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)
    error = np.max(np.abs(a[:t0] - b[:t0]), initial=0.0)
    budget = tolerance(a.dtype, n=n) * scale * amplification
    assert error <= budget, f"output before t0={t0} changed: {error} > {budget}"


# --------------------------------------------------------------------------------------------
# Fourier
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(
    n=SIZES,
    forward=st.sampled_from(FFT_ALGORITHMS),
    inverse=st.sampled_from(FFT_ALGORITHMS),
    dtype=real_dtypes,
    seed=seeds,
)
def test_ifft_fft_across_algorithms(
    xp: ModuleType, n: int, forward: str, inverse: str, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, n)) + 1j * rng.standard_normal((2, n))
    X = sc.fft(_as(xp, x, dtype), algorithm=forward)
    assert_close(sc.ifft(X, algorithm=inverse), x, n=n)


@PROPERTY
@given(n=SIZES, algorithm=st.sampled_from(FFT_ALGORITHMS), dtype=real_dtypes, seed=seeds)
def test_irfft_rfft_round_trip(
    xp: ModuleType, n: int, algorithm: str, dtype: str, seed: int
) -> None:
    x = np.random.default_rng(seed).standard_normal((3, n))
    X = sc.rfft(_as(xp, x, dtype), algorithm=algorithm)
    y = sc.irfft(X, n=n, algorithm=algorithm)
    assert y.dtype == getattr(xp, dtype)
    assert_close(y, x, n=n)


@PROPERTY
@given(n=POW2, dtype=real_dtypes, seed=seeds)
def test_butterfly_with_dft_factors_is_fft(xp: ModuleType, n: int, dtype: str, seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((2, n))
    cdtype = {"float32": xp.complex64, "float64": xp.complex128}[dtype]
    factors = sc.butterfly_factors(n, xp=xp, dtype=cdtype)
    assert_close(sc.butterfly_apply(factors, _as(xp, x, dtype)), np.fft.fft(x), n=n)


@PROPERTY
@given(n=POW2, dtype=real_dtypes, seed=seeds)
def test_fwht_ortho_parseval_and_involution(xp: ModuleType, n: int, dtype: str, seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((2, n))
    y = sc.fwht(_as(xp, x, dtype), norm="ortho")
    y_np = to_numpy(y).astype(np.float64)
    energy = np.sum(x**2, axis=-1)
    assert np.all(np.abs(np.sum(y_np**2, axis=-1) - energy) <= tolerance(y.dtype, n=n) * energy)
    assert_close(sc.fwht(y, norm="ortho"), x, n=n)


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(L=SIZES, algorithm=st.sampled_from(FFT_ALGORITHMS), dtype=real_dtypes, seed=seeds)
def test_circular_convolution_theorem_through_specconv_fft(
    xp: ModuleType, L: int, algorithm: str, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    u, k = rng.standard_normal((2, L)), rng.standard_normal(L)
    y = sc.circular_conv(_as(xp, u, dtype), _as(xp, k, dtype))
    U = sc.fft(_as(xp, u, dtype), algorithm=algorithm)
    K = sc.fft(_as(xp, k, dtype), algorithm=algorithm)
    via_fft = to_numpy(sc.ifft(U * K, algorithm=algorithm)).real
    assert_close(y, via_fft, rtol=2 * tolerance(y.dtype, n=L))


@PROPERTY
@given(
    L=SIZES,
    Lk=SIZES,
    shift=st.integers(-30, 30),
    dtype=real_dtypes,
    seed=seeds,
)
def test_circular_conv_shift_equivariance(
    xp: ModuleType, L: int, Lk: int, shift: int, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    Lk = min(Lk, L)
    u, k = rng.standard_normal((2, L)), rng.standard_normal(Lk)
    y = to_numpy(sc.circular_conv(_as(xp, u, dtype), _as(xp, k, dtype)))
    y_shifted = sc.circular_conv(_as(xp, np.roll(u, shift, axis=-1), dtype), _as(xp, k, dtype))
    assert_close(y_shifted, np.roll(y, shift, axis=-1), rtol=2 * tolerance(y.dtype, n=L))


# --------------------------------------------------------------------------------------------
# State space models
# --------------------------------------------------------------------------------------------


def _modes(rng: np.random.Generator, h: int, n2: int) -> np.ndarray:
    return -rng.uniform(0.05, 1.0, (h, n2)) + 1j * rng.uniform(-4, 4, (h, n2))


def _cn(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@PROPERTY
@given(
    n2=MODES,
    L=SIZES,
    kind=st.sampled_from(["s4d-zoh", "s4d-bilinear", "s4", "dense"]),
    in_B=st.booleans(),
    dtype=real_dtypes,
    seed=seeds,
)
def test_ssm_kernels_linear_in_B_and_C(
    xp: ModuleType, n2: int, L: int, kind: str, in_B: bool, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(2)
    H = 2
    if kind == "dense":
        N = 2 * n2
        A = rng.standard_normal((H, N, N))
        A = 0.9 * A / np.abs(np.linalg.eigvals(A)).max(axis=-1)[:, None, None]
        v1, v2, other = rng.standard_normal((3, H, N))

        def kernel(B: np.ndarray, C: np.ndarray) -> Any:
            return sc.ssm_kernel(_as(xp, A, dtype), _as(xp, B, dtype), _as(xp, C, dtype), L)
    else:
        Lambda, dt = _modes(rng, H, n2), rng.uniform(0.01, 0.5, H)
        P = 0.3 * _cn(rng, H, 1, n2)
        v1, v2, other = _cn(rng, H, n2), _cn(rng, H, n2), _cn(rng, H, n2)

        def kernel(B: np.ndarray, C: np.ndarray) -> Any:
            args = (_as(xp, Lambda, dtype), _as(xp, B, dtype), _as(xp, C, dtype))
            if kind == "s4":
                return sc.s4_kernel(args[0], _as(xp, P, dtype), *args[1:], _as(xp, dt, dtype), L)
            method = kind.split("-")[1]
            return sc.s4d_kernel(*args, _as(xp, dt, dtype), L, discretization=method)

    def k_of(v: np.ndarray) -> np.ndarray:
        return to_numpy(kernel(v, other) if in_B else kernel(other, v)).astype(np.complex128)

    combined = k_of(a * v1 + b * v2)
    expected = a * k_of(v1) + b * k_of(v2)
    scale = np.max(np.abs(a * k_of(v1))) + np.max(np.abs(b * k_of(v2))) + 1e-300
    n = max(L, 2 * n2)
    assert (
        np.max(np.abs(combined - expected)) <= 4 * n2 * tolerance(getattr(np, dtype), n=n) * scale
    )


@PROPERTY
@given(
    n2=MODES,
    L=SIZES,
    discretization=st.sampled_from(["zoh", "bilinear"]),
    dtype=real_dtypes,
    seed=seeds,
)
def test_s4d_recurrent_equals_convolutional(
    xp: ModuleType, n2: int, L: int, discretization: str, dtype: str, seed: int
) -> None:
    """scan of the conjugate-expanded diagonal system == causal_conv(u, s4d_kernel)."""
    rng = np.random.default_rng(seed)
    H = 2
    Lambda, B, C = _modes(rng, H, n2), _cn(rng, H, n2), _cn(rng, H, n2)
    dt, u = rng.uniform(0.01, 0.5, H), rng.standard_normal((3, H, L))
    K = sc.s4d_kernel(
        _as(xp, Lambda, dtype),
        _as(xp, B, dtype),
        _as(xp, C, dtype),
        _as(xp, dt, dtype),
        L,
        discretization=discretization,
    )
    y_conv = sc.causal_conv(_as(xp, u, dtype), K)
    # the recurrence, on the full (conjugate-expanded) diagonal system
    full = [np.concatenate([z, z.conj()], axis=-1) for z in (Lambda, B, C)]
    Abar, Bbar = sc.discretize(
        _as(xp, full[0], dtype),
        _as(xp, full[1], dtype),
        _as(xp, dt, dtype),
        method=discretization,
    )
    y_scan = to_numpy(sc.ssm_scan(Abar, Bbar, _as(xp, full[2], dtype), _as(xp, u, dtype)))
    assert np.max(np.abs(y_scan.imag)) <= tolerance(y_conv.dtype, n=L) * np.max(np.abs(y_scan))
    assert_close(y_conv, y_scan.real, rtol=4 * n2 * tolerance(y_conv.dtype, n=L))


# --------------------------------------------------------------------------------------------
# Causality
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(n2=MODES, L=LONG, dtype=real_dtypes, seed=seeds, data=st.data())
def test_s4d_convolution_is_causal(
    xp: ModuleType, n2: int, L: int, dtype: str, seed: int, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    t0 = data.draw(st.integers(1, L - 1))
    Lambda, B, C, dt = _modes(rng, 2, n2), _cn(rng, 2, n2), _cn(rng, 2, n2), np.array([0.1, 0.3])
    K = sc.s4d_kernel(
        _as(xp, Lambda, dtype), _as(xp, B, dtype), _as(xp, C, dtype), _as(xp, dt, dtype), L
    )
    u = rng.standard_normal((2, L))
    y = sc.causal_conv(_as(xp, u, dtype), K, method="fft")
    y2 = sc.causal_conv(_as(xp, _changed_from(rng, u, t0, -1), dtype), K, method="fft")
    _assert_prefix_unchanged(y, y2, t0, -1, 2 * L)


def _operator(name: str) -> tuple[Any, Any]:
    makers = {
        "h3": (sc.h3, lambda xp, dt: sc.h3_init(4, d_state=4, head_dim=2, xp=xp, dtype=dt)),
        "hyena": (sc.hyena, lambda xp, dt: sc.hyena_init(4, 24, filter_order=8, xp=xp, dtype=dt)),
        "gss": (sc.gss, lambda xp, dt: sc.gss_init(4, d_state=4, expansion=2, xp=xp, dtype=dt)),
    }
    return makers[name]


@SLOW_ON_JAX
@PROPERTY
@given(
    name=st.sampled_from(["h3", "hyena", "gss"]),
    L=LONG,
    dtype=real_dtypes,
    seed=seeds,
    data=st.data(),
)
def test_operators_are_causal(
    xp: ModuleType, name: str, L: int, dtype: str, seed: int, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    t0 = data.draw(st.integers(1, L - 1))
    op, make = _operator(name)
    params = make(xp, getattr(xp, dtype))
    u = rng.standard_normal((2, L, 4))
    y = op(_as(xp, u, dtype), params)
    y2 = op(_as(xp, _changed_from(rng, u, t0, -2), dtype), params)
    _assert_prefix_unchanged(y, y2, t0, -2, 4 * L)


LINEAR_METHODS = ("quadratic", "cumsum", "chunked", "recurrent", "auto")


@PROPERTY
@given(
    T=LONG,
    Dk=st.sampled_from([1, 3]),
    Dv=st.sampled_from([1, 3]),
    method=st.sampled_from(LINEAR_METHODS),
    dtype=real_dtypes,
    seed=seeds,
    data=st.data(),
)
def test_causal_linear_attention_is_causal(
    xp: ModuleType,
    T: int,
    Dk: int,
    Dv: int,
    method: str,
    dtype: str,
    seed: int,
    data: st.DataObject,
) -> None:
    rng = np.random.default_rng(seed)
    t0 = data.draw(st.integers(1, T - 1))
    q, k, v = (
        rng.standard_normal((2, T, Dk)),
        rng.standard_normal((2, T, Dk)),
        rng.standard_normal((2, T, Dv)),
    )
    kw = {"causal": True, "method": method, "chunk_size": 3}
    y = sc.linear_attention(*(_as(xp, a, dtype) for a in (q, k, v)), **kw)
    changed = (_changed_from(rng, a, t0, -2) for a in (q, k, v))
    y2 = sc.linear_attention(*(_as(xp, a, dtype) for a in changed), **kw)
    _assert_prefix_unchanged(y, y2, t0, -2, T)


@PROPERTY
@given(
    T=LONG,
    method=st.sampled_from(["fft", "direct"]),
    dtype=real_dtypes,
    seed=seeds,
    data=st.data(),
)
def test_causal_rpe_attention_is_causal(
    xp: ModuleType, T: int, method: str, dtype: str, seed: int, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    t0 = data.draw(st.integers(1, T - 1))
    q, k, v = rng.standard_normal((3, 2, T, 3))
    b = rng.standard_normal((2, 2 * T - 1))
    kw = {"causal": True, "method": method}
    y = sc.kernelized_rpe_attention(*(_as(xp, a, dtype) for a in (q, k, v, b)), **kw)
    # unit-size change: the FFT's round-off at i < t0 scales with max|phi(k_j) v_j| over all j
    changed = [_changed_from(rng, a, t0, -2, size=1.0) for a in (q, k, v)]
    y2 = sc.kernelized_rpe_attention(*(_as(xp, a, dtype) for a in (*changed, b)), **kw)
    amplification = 1.0
    if method == "fft":
        # The FFT's absolute round-off on row i is ~ eps log n times the whole mass it mixes,
        # phi(q_i) . sum_j max(c) phi(k_j); row i is then divided by its own denominator
        # sum_{j<=i} c_{j-i} phi(q_i) . phi(k_j). Their largest ratio is the condition number of
        # the FFT path (see kernelized_rpe_attention's accuracy notes), computed here from the
        # definition for both inputs.
        amplification = max(_rpe_fft_condition(q_, k_, b) for q_, k_ in ((q, k), changed[:2]))
    _assert_prefix_unchanged(y, y2, t0, -2, 2 * T, amplification=amplification)


def _rpe_fft_condition(q: np.ndarray, k: np.ndarray, b: np.ndarray) -> float:
    """max_i (phi(q_i) . sum_j phi(k_j)) / (sum_{j<=i} c_{j-i} phi(q_i) . phi(k_j)), c <= 1."""
    T = q.shape[-2]
    phi_q, phi_k = (np.where(x > 0, x + 1, np.exp(np.minimum(x, 0))) for x in (q, k))
    offsets = np.arange(T)[None, :] - np.arange(T)[:, None]  # j - i
    visible = b[..., :T]  # b_r for r = -(T-1) .. 0
    c = np.exp(visible - visible.max(axis=-1, keepdims=True))
    weights = np.where(offsets <= 0, c[..., np.clip(offsets + T - 1, 0, T - 1)], 0.0)
    gram = phi_q @ np.swapaxes(phi_k, -1, -2)  # (..., T, T): phi(q_i) . phi(k_j)
    denominator = np.sum(weights * gram, axis=-1)
    mass = np.sum(gram, axis=-1)
    return float(np.max(mass / denominator))


# --------------------------------------------------------------------------------------------
# Attention: recurrent step, RPE reduction
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(
    T=SIZES,
    Dk=st.sampled_from([1, 3]),
    Dv=st.sampled_from([1, 3]),
    feature_map=st.sampled_from(["elu", "identity"]),
    dtype=real_dtypes,
    seed=seeds,
)
def test_step_recurrence_equals_causal_linear_attention(
    xp: ModuleType, T: int, Dk: int, Dv: int, feature_map: str, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    q, k, v = (
        rng.standard_normal((2, T, Dk)),
        rng.standard_normal((2, T, Dk)),
        rng.standard_normal((2, T, Dv)),
    )
    if feature_map == "identity":  # positive features keep the denominator away from 0
        q, k = np.abs(q) + 0.1, np.abs(k) + 0.1
    qx, kx, vx = (_as(xp, a, dtype) for a in (q, k, v))
    state, ys = None, []
    for t in range(T):
        y_t, state = sc.linear_attention_step(
            qx[:, t, :], kx[:, t, :], vx[:, t, :], state, feature_map=feature_map
        )
        ys.append(to_numpy(y_t))
    want = sc.linear_attention(qx, kx, vx, causal=True, feature_map=feature_map, method="quadratic")
    assert_close(np.stack(ys, axis=-2), to_numpy(want), rtol=4 * tolerance(want.dtype, n=T))


@PROPERTY
@given(
    T=SIZES,
    causal=st.booleans(),
    method=st.sampled_from(["fft", "direct"]),
    dtype=real_dtypes,
    seed=seeds,
)
def test_rpe_zero_bias_is_linear_attention(
    xp: ModuleType, T: int, causal: bool, method: str, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    q, k, v = rng.standard_normal((3, 2, T, 3))
    args = [_as(xp, a, dtype) for a in (q, k, v)]
    y = sc.kernelized_rpe_attention(
        *args, _as(xp, np.zeros((2, 2 * T - 1)), dtype), causal=causal, method=method
    )
    want = sc.linear_attention(*args, causal=causal, method="quadratic")
    assert_close(y, to_numpy(want), rtol=4 * tolerance(y.dtype, n=2 * T))


# --------------------------------------------------------------------------------------------
# FFTNet
# --------------------------------------------------------------------------------------------


@SLOW_ON_JAX
@PROPERTY
@given(
    N=SIZES,
    heads=st.sampled_from([1, 2]),
    shift=st.integers(-20, 20),
    dtype=real_dtypes,
    seed=seeds,
)
def test_fftnet_mixer_circular_shift_equivariance(
    xp: ModuleType, N: int, heads: int, shift: int, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, N, 4))
    params = sc.fftnet_init(4, N, heads, seed=seed % 1000, xp=xp, dtype=getattr(xp, dtype))
    y = to_numpy(sc.fftnet_mixer(_as(xp, x, dtype), params))
    y_shifted = sc.fftnet_mixer(_as(xp, np.roll(x, shift, axis=1), dtype), params)
    assert_close(y_shifted, np.roll(y, shift, axis=1), rtol=4 * tolerance(y.dtype, n=N))


def test_relative_error_is_normwise() -> None:
    """Sanity for the budgets above: a tiny output entry does not inflate the error."""
    assert relative_error(np.array([1.0, 1e-20]), np.array([1.0, 0.0])) == pytest.approx(1e-20)
    assert backend_name(np) == "numpy"
