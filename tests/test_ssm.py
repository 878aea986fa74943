"""Tests of specconv.ssm against definition-level NumPy references (and SciPy's cont2discrete)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import specconv
from specconv import ssm
from specconv.testing import assert_close, tolerance
from tests.helpers import backend_name, has_float64, to_numpy

MEASURES = ("legs", "legt", "lagt", "fout")
NATURAL_RANK = {"legs": 1, "legt": 2, "lagt": 1, "fout": 1}
GBT_NAMES = {
    "bilinear": "bilinear",
    "zoh": "zoh",
    "euler": "euler",
    "backward_euler": "backward_diff",
}

# ----------------------------------------------------------------------------------------------
# Definition-level references (NumPy float64 / complex128)
# ----------------------------------------------------------------------------------------------


def hippo_definition(measure: str, N: int) -> tuple[np.ndarray, np.ndarray]:
    """HiPPO (A, B) entry by entry, as written in notes/ssm.md section 1.1."""
    A = np.zeros((N, N))
    B = np.zeros(N)
    for n in range(N):
        for k in range(N):
            if measure == "legs":
                A[n, k] = (
                    -math.sqrt(2 * n + 1) * math.sqrt(2 * k + 1) if n > k else -(n + 1) * (n == k)
                )
            elif measure == "legt":
                s = 1.0 if n >= k else (-1.0) ** (n - k)
                A[n, k] = -0.5 * math.sqrt(2 * n + 1) * math.sqrt(2 * k + 1) * s
            elif measure == "lagt":
                A[n, k] = -0.5 if n == k else (-1.0 if n > k else 0.0)
        B[n] = {"legs": math.sqrt(2 * n + 1), "legt": 0.5 * math.sqrt(2 * n + 1), "lagt": 1.0}.get(
            measure, 0.0
        )
    if measure == "fout":
        b = np.array([1.0] + [math.sqrt(2) if i % 2 == 0 else 0.0 for i in range(1, N)])
        J = np.zeros((N, N))
        for k in range(1, N // 2):
            J[2 * k, 2 * k + 1] = -k
            J[2 * k + 1, 2 * k] = k
        A = np.pi * J - np.outer(b, b)
        B = b
    return A, B


def rank_correction_definition(measure: str, N: int) -> np.ndarray:
    """P (r, N) of notes/ssm.md section 1.2."""
    n = np.arange(N)
    if measure == "legs":
        return np.sqrt(n + 0.5)[None]
    if measure == "legt":
        q = np.sqrt((2 * n + 1) / 2)
        return np.stack([np.where(n % 2 == 1, q, 0.0), np.where(n % 2 == 0, q, 0.0)])
    if measure == "lagt":
        return np.full((1, N), math.sqrt(0.5))
    return hippo_definition("fout", N)[1][None]


def naive_kernel(Abar: np.ndarray, Bbar: np.ndarray, C: np.ndarray, L: int) -> np.ndarray:
    """K_l = C Abar^l Bbar, one matrix-vector product per step."""
    x = np.asarray(Bbar, dtype=complex)
    taps = np.empty(L, dtype=complex)
    for l in range(L):
        taps[l] = C @ x
        x = Abar @ x
    return taps


def expand_dplr(Lambda, P, B, C):
    """Conjugate-expanded dense (A, B, C) of the DPLR system (SPEC section 5)."""
    Lf = np.concatenate([Lambda, Lambda.conj()])
    Pf = np.concatenate([P, P.conj()], axis=-1)
    A = np.diag(Lf) - Pf.T @ Pf.conj()
    return A, np.concatenate([B, B.conj()]), np.concatenate([C, C.conj()])


def bilinear_definition(A: np.ndarray, B: np.ndarray, dt: float):
    M = np.eye(A.shape[0]) - dt / 2 * A
    return np.linalg.solve(M, np.eye(A.shape[0]) + dt / 2 * A), np.linalg.solve(M, dt * B)


def random_dplr(rng, half: int, rank: int):
    Lambda = -rng.uniform(0.05, 0.6, half) + 1j * rng.normal(0.0, 3.0, half)
    P = (rng.normal(size=(rank, half)) + 1j * rng.normal(size=(rank, half))) / math.sqrt(half)
    B = rng.normal(size=half) + 1j * rng.normal(size=half)
    C = rng.normal(size=half) + 1j * rng.normal(size=half)
    return Lambda, P, B, C


def random_stable(rng, N: int) -> np.ndarray:
    """A random dense A whose eigenvalues have negative real part."""
    A = rng.normal(size=(N, N)) / math.sqrt(N)
    shift = np.max(np.linalg.eigvals(A).real) + 0.1
    return A - shift * np.eye(N)


def only_small_on_jax(xp, keep: bool) -> None:
    """JAX compiles every new shape on first use (~0.1 s per operation): run one case there."""
    if backend_name(xp) == "jax.numpy" and not keep:
        pytest.skip("JAX runs one representative case of this parametrisation (compile time)")


def f64(xp):
    if not has_float64(xp):
        pytest.skip("no float64 on this backend")
    return xp.float64


# ----------------------------------------------------------------------------------------------
# HiPPO
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("measure", MEASURES)
def test_hippo_matches_definition(xp, measure):
    A, B = ssm.hippo(measure, 10, xp=xp, dtype=f64(xp))
    A_ref, B_ref = hippo_definition(measure, 10)
    assert_close(A, A_ref, rtol=1e-15)
    assert_close(B, B_ref, rtol=1e-15)


def test_hippo_legs_eigenvalues(xp):
    A, _ = ssm.hippo("legs", 64, xp=xp, dtype=f64(xp))
    eigenvalues = np.sort(np.linalg.eigvals(to_numpy(A)).real)
    np.testing.assert_allclose(eigenvalues, -np.arange(64.0, 0.0, -1.0), rtol=1e-10)


@pytest.mark.parametrize("measure", MEASURES)
def test_hippo_normal_parts(measure):
    N = 32
    A, _ = ssm.hippo(measure, N)
    P = rank_correction_definition(measure, N)
    S = A + P.T @ P
    expected_symmetric = -np.eye(N) if measure == "legs" else np.zeros((N, N))
    assert_close(S + S.T, expected_symmetric, atol=1e-12 * np.abs(S).max(), rtol=0)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("N", [2, 8, 64])
def test_hippo_dplr_reconstructs(xp, measure, N):
    rank = NATURAL_RANK[measure] + (measure == "legs")  # legs: one zero row of padding
    Lambda, P, B, V = (
        to_numpy(a) for a in ssm.hippo_dplr(measure, N, rank=rank, xp=xp, dtype=f64(xp))
    )
    assert Lambda.shape == (N // 2,)
    assert P.shape == (rank, N // 2)
    assert B.shape == (N // 2,)
    assert V.shape == (N, N // 2)
    assert np.all(Lambda.imag <= 1e-12)
    A_ref, B_ref = hippo_definition(measure, N)
    Vf = np.concatenate([V, V.conj()], axis=1)
    assert_close(Vf.conj().T @ Vf, np.eye(N), rtol=1e-12)
    A_dplr, B_full, _ = expand_dplr(Lambda, P, B, B)
    assert_close(Vf @ A_dplr @ Vf.conj().T, A_ref, rtol=1e-12)
    assert_close(Vf @ B_full, B_ref, rtol=1e-12)
    if rank > NATURAL_RANK[measure]:
        np.testing.assert_array_equal(P[-1], 0)


def test_hippo_dplr_legs_values_and_unclipped_B():
    Lambda, _, _B, _ = ssm.hippo_dplr("legs", 8)
    np.testing.assert_allclose(Lambda.real, -0.5, atol=1e-13)
    np.testing.assert_allclose(np.sort(-Lambda.imag), [0.427, 1.958, 5.354, 19.857], atol=5e-4)
    _, _, B64, _ = ssm.hippo_dplr("legs", 64)
    assert np.abs(B64.imag).max() > 2  # exact V^* B, not clamped to [-2, 2]


@pytest.mark.parametrize("kind", ["lin", "inv", "real", "legs"])
def test_s4d_init(xp, kind):
    N = 16
    n = np.arange(N // 2)
    expected = {
        "lin": -0.5 + 1j * np.pi * n,
        "inv": -0.5 + 1j * (N / np.pi) * (N / (2 * n + 1) - 1),
        "real": -(n + 1.0) + 0j,
        "legs": ssm.hippo_dplr("legs", N)[0],
    }[kind]
    Lambda = ssm.s4d_init(kind, N, xp=xp, dtype=f64(xp))
    assert Lambda.dtype == xp.complex128
    assert_close(Lambda, expected, rtol=1e-15)


def test_creation_dtypes(xp):
    A, _ = ssm.hippo("legs", 4, xp=xp)
    assert A.dtype == xp.__array_namespace_info__().default_dtypes()["real floating"]
    Lambda = ssm.s4d_init("lin", 4, xp=xp, dtype=xp.float32)
    assert Lambda.dtype == xp.complex64


def test_hippo_bad_input():
    with pytest.raises(ValueError, match="measure"):
        ssm.hippo("legx", 4)
    with pytest.raises(ValueError, match="even"):
        ssm.hippo("fout", 5)
    with pytest.raises(ValueError, match="even"):
        ssm.hippo_dplr("legs", 7)
    with pytest.raises(ValueError, match="rank"):
        ssm.hippo_dplr("legt", 8, rank=1)
    with pytest.raises(ValueError, match="N"):
        ssm.s4d_init("lin", 0)
    with pytest.raises(TypeError, match="dtype"):
        ssm.hippo("legs", 4, dtype=np.complex128)


# ----------------------------------------------------------------------------------------------
# Discretization
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(GBT_NAMES))
@pytest.mark.parametrize("N", [1, 2, 7, 64])
def test_discretize_dense_matches_scipy(xp, rng, method, N):
    only_small_on_jax(xp, N == 7)
    A = random_stable(rng, N)
    B = rng.normal(size=N)
    dt = 0.37
    Ad, Bd, *_ = scipy.signal.cont2discrete(
        (A, B[:, None], np.eye(N), np.zeros((N, 1))), dt, method=GBT_NAMES[method]
    )
    Abar, Bbar = ssm.discretize(xp.asarray(A), xp.asarray(B), dt, method=method)
    assert Abar.shape == (N, N)
    assert Bbar.shape == (N,)
    assert_close(Abar, Ad, rtol=1e-12)
    assert_close(Bbar, Bd[:, 0], rtol=1e-12)


@pytest.mark.parametrize("method", list(GBT_NAMES))
def test_discretize_diagonal_matches_scipy(xp, rng, method):
    N = 12
    Lambda = -rng.uniform(0, 1, N) + 1j * rng.normal(0, 5, N)
    Lambda[0] = 0.0  # FouT-like zero mode: ZOH's (e^z - 1)/z must take its limit
    Lambda[1] = -1e-9 + 1e-9j  # tiny |dt Lambda|: no cancellation in e^z - 1
    B = rng.normal(size=N) + 1j * rng.normal(size=N)
    dt = 0.25
    Ad, Bd, *_ = scipy.signal.cont2discrete(
        (np.diag(Lambda), B[:, None], np.eye(N), np.zeros((N, 1))), dt, method=GBT_NAMES[method]
    )
    Abar, Bbar = ssm.discretize(xp.asarray(Lambda), xp.asarray(B), dt, method=method)
    assert_close(Abar, np.diag(Ad), rtol=1e-12)
    assert_close(Bbar, Bd[:, 0], rtol=1e-12)
    # elementwise too: the tiny mode's Bbar ~ dt B must be exact, not just normwise
    np.testing.assert_allclose(to_numpy(Bbar)[:2], dt * B[:2], rtol=1e-8)


@pytest.mark.parametrize("method", ["bilinear", "zoh"])
def test_discretize_batched_dt(xp, rng, method):
    H, N = 3, 5
    A = np.stack([random_stable(rng, N) for _ in range(H)])
    B = rng.normal(size=(H, N))
    dt = np.array([0.01, 0.3, 2.0])
    Abar, Bbar = ssm.discretize(xp.asarray(A), xp.asarray(B), xp.asarray(dt), method=method)
    for h in range(H):
        Ad, Bd, *_ = scipy.signal.cont2discrete(
            (A[h], B[h][:, None], np.eye(N), np.zeros((N, 1))), dt[h], method=method
        )
        assert_close(to_numpy(Abar)[h], Ad, rtol=1e-12)
        assert_close(to_numpy(Bbar)[h], Bd[:, 0], rtol=1e-12)


def test_discretize_zoh_large_norm_and_singular_A(xp, rng):
    # ||dt A|| ~ 1e3 needs many squarings; A singular (an integrator) is fine for ZOH.
    N = 6
    A = random_stable(rng, N) * 300.0
    A[:, 0] = 0.0
    A[0, :] = 0.0
    B = rng.normal(size=N)
    _Ad, Bd, *_ = scipy.signal.cont2discrete(
        (A, B[:, None], np.eye(N), np.zeros((N, 1))), 1.0, method="zoh"
    )
    Abar, Bbar = ssm.discretize(xp.asarray(A), xp.asarray(B), 1.0, method="zoh")
    np.testing.assert_allclose(to_numpy(Abar), scipy.linalg.expm(A), atol=1e-10)
    assert_close(Bbar, Bd[:, 0], rtol=1e-10)


def test_discretize_bad_input(xp):
    A = xp.asarray(np.array([[0.0, 0.0], [0.0, 4.0]]))
    B = xp.asarray(np.ones(2))
    with pytest.raises(ValueError, match="method"):
        ssm.discretize(A, B, 0.1, method="tustin")
    with pytest.raises(ValueError, match="dt"):
        ssm.discretize(A, B, 0.0)
    with pytest.raises(ValueError, match="dt"):
        ssm.discretize(A, B, -1.0)
    with pytest.raises(ValueError, match="shape"):
        ssm.discretize(A, xp.asarray(np.ones(3)), 0.1)
    with pytest.raises(ValueError, match=r"dense|diagonal"):
        ssm.discretize(xp.asarray(np.ones((2, 2, 2))), xp.asarray(np.ones(2)), 0.1)
    with pytest.raises(TypeError, match="dt"):
        ssm.discretize(A, B, "0.1")
    if backend_name(xp) in ("dask.array", "jax.numpy"):
        return  # value checks are skipped on lazy arrays
    with pytest.raises(ValueError, match="singular"):
        ssm.discretize(A, B, 0.5)  # I - dt/2 A has a zero row
    with pytest.raises(ValueError, match="singular"):
        ssm.discretize(A, B, 0.25, method="backward_euler")
    with pytest.raises(ValueError, match="unstable"):
        ssm.discretize(xp.asarray(np.array([-1.0, 0.5])), B, 0.1)
    with pytest.raises(ValueError, match="dt"):
        ssm.discretize(A, B, xp.asarray(np.array([0.1, -0.1])))


def test_discretize_low_precision_and_ints():
    A = np.array([-1.0, -2.0], dtype=np.float16)
    Abar, Bbar = ssm.discretize(A, np.ones(2, dtype=np.float16), 0.5)
    assert Abar.dtype == np.float16
    assert Bbar.dtype == np.float16
    np.testing.assert_allclose(Abar, [0.6, 1 / 3], rtol=1e-3)
    Abar, _ = ssm.discretize(np.array([-1, -2]), np.array([1, 1]), 0.5)
    assert Abar.dtype == np.float64


# ----------------------------------------------------------------------------------------------
# Kernels
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["doubling", "sequential"])
@pytest.mark.parametrize(("N", "L"), [(1, 1), (3, 2), (8, 33), (16, 256)])
def test_ssm_kernel_dense(xp, rng, method, N, L):
    only_small_on_jax(xp, N == 8)
    Abar, Bbar = bilinear_definition(random_stable(rng, N), rng.normal(size=N), 0.3)
    C = rng.normal(size=N)
    K = ssm.ssm_kernel(xp.asarray(Abar), xp.asarray(Bbar), xp.asarray(C), L, method=method)
    assert K.shape == (L,)
    assert_close(K, naive_kernel(Abar, Bbar, C, L).real, rtol=tolerance(np.float64, n=L))


def test_ssm_kernel_batched_and_diagonal(xp, rng):
    H, N, L = 3, 6, 20
    A = np.stack([random_stable(rng, N) for _ in range(H)])
    Abar = np.stack([bilinear_definition(a, np.ones(N), 0.2)[0] for a in A])
    Bbar = rng.normal(size=(H, N))
    C = rng.normal(size=N)  # broadcast over H
    K = to_numpy(ssm.ssm_kernel(xp.asarray(Abar), xp.asarray(Bbar), xp.asarray(C), L))
    for h in range(H):
        assert_close(K[h], naive_kernel(Abar[h], Bbar[h], C, L).real)
    diag = rng.uniform(-0.9, 0.9, N) * np.exp(1j * rng.uniform(0, np.pi, N))
    Kd = ssm.ssm_kernel(xp.asarray(diag), xp.asarray(Bbar[0] + 0j), xp.asarray(C + 0j), L)
    assert_close(Kd, naive_kernel(np.diag(diag), Bbar[0], C, L), rtol=tolerance(np.float64, n=L))


@pytest.mark.parametrize("discretization", ["zoh", "bilinear"])
def test_s4d_kernel_equals_expanded_system(xp, rng, discretization):
    H, half, L = 3, 8, 300
    Lambda = -rng.uniform(0.0, 0.5, (H, half)) + 1j * rng.normal(0, 4, (H, half))
    Lambda[0, 0] = 0.0  # a marginal mode (Re = 0, Im = 0) is allowed
    B = rng.normal(size=half) + 1j * rng.normal(size=half)
    C = rng.normal(size=(H, half)) + 1j * rng.normal(size=(H, half))
    dt = np.array([0.01, 0.1, 0.5])
    K = ssm.s4d_kernel(
        xp.asarray(Lambda),
        xp.asarray(B),
        xp.asarray(C),
        xp.asarray(dt),
        L,
        discretization=discretization,
    )
    assert K.shape == (H, L)
    assert K.dtype == xp.float64
    for h in range(H):
        Lf = np.concatenate([Lambda[h], Lambda[h].conj()])
        A = np.diag(Lf)
        Ad, Bd, *_ = scipy.signal.cont2discrete(
            (A, np.concatenate([B, B.conj()])[:, None], np.eye(2 * half), np.zeros((2 * half, 1))),
            dt[h],
            method=discretization,
        )
        expected = naive_kernel(Ad, Bd[:, 0], np.concatenate([C[h], C[h].conj()]), L)
        assert np.abs(expected.imag).max() < 1e-12 * np.abs(expected).max()
        assert_close(to_numpy(K)[h], expected.real, rtol=tolerance(np.float64, n=L))


def test_s4d_kernel_chunked(xp, rng, monkeypatch):
    # Force many L-chunks (and a ragged last one): same result as one block.
    half, L = 4, 50
    Lambda = -rng.uniform(0.1, 0.5, half) + 1j * rng.normal(0, 4, half)
    B = rng.normal(size=half) + 0j
    C = rng.normal(size=half) + 1j * rng.normal(size=half)
    args = (xp.asarray(Lambda), xp.asarray(B), xp.asarray(C), 0.3, L)
    whole = to_numpy(ssm.s4d_kernel(*args))
    monkeypatch.setattr(ssm, "_CHUNK_ELEMENTS", 4 * 7)
    assert_close(ssm.s4d_kernel(*args), whole, rtol=tolerance(np.float64, n=L))


def test_s4d_kernel_complex64(xp, rng):
    half, L = 16, 1000
    Lambda = -rng.uniform(0.1, 0.5, half) + 1j * rng.normal(0, 4, half)
    B = rng.normal(size=half) + 1j * rng.normal(size=half)
    C = rng.normal(size=half) + 1j * rng.normal(size=half)
    reference = to_numpy(ssm.s4d_kernel(Lambda, B, C, 0.05, L))
    args = [xp.asarray(a.astype(np.complex64)) for a in (Lambda, B, C)]
    K = ssm.s4d_kernel(*args, 0.05, L)
    assert K.dtype == xp.float32
    assert_close(K, reference, rtol=tolerance(np.float32, n=L))


S4_CASES = [(2, 1, 1), (4, 2, 1), (8, 7, 1), (16, 64, 2), (32, 255, 3), (64, 1024, 1)]
#: Cases run on every backend (JAX compiles each new shape eagerly: keep that list short).
S4_XP_CASES = {(2, 1, 1), (16, 64, 2), (32, 255, 3)}


@pytest.mark.parametrize(("N", "L", "rank"), S4_CASES)
def test_s4_kernel_equals_dense_system(xp, rng, N, L, rank):
    if backend_name(xp) != "numpy" and (N, L, rank) not in S4_XP_CASES:
        pytest.skip("large case: NumPy only (the other backends run the smaller cases)")
    only_small_on_jax(xp, N == 16)
    Lambda, P, B, C = random_dplr(rng, N // 2, rank)
    dt = 0.05
    A, Bf, Cf = expand_dplr(Lambda, P, B, C)
    Abar, Bbar = bilinear_definition(A, Bf, dt)
    expected = naive_kernel(Abar, Bbar, Cf, L)
    assert np.abs(expected.imag).max() < 1e-12 * np.abs(expected).max()  # a real system
    K = ssm.s4_kernel(*(xp.asarray(a) for a in (Lambda, P, B, C)), dt, L)
    assert K.shape == (L,)
    assert K.dtype == xp.float64
    assert_close(K, expected.real, rtol=1e-10)
    dense = ssm.ssm_kernel(xp.asarray(Abar), xp.asarray(Bbar), xp.asarray(Cf), L)
    assert_close(xp.real(dense), expected.real, rtol=1e-10)


@pytest.mark.parametrize(("N", "L"), [(256, 4096), (256, 4095)])
def test_s4_kernel_large(rng, N, L):
    # Reference: ssm_kernel (Krylov doubling) of the expanded dense system, itself checked
    # against the step-by-step definition above and, for these sizes, in the slow test below.
    Lambda, P, B, C = random_dplr(rng, N // 2, 1)
    dt = 0.01
    A, Bf, Cf = expand_dplr(Lambda, P, B, C)
    Abar, Bbar = bilinear_definition(A, Bf, dt)
    expected = np.real(ssm.ssm_kernel(Abar, Bbar, Cf, L))
    assert_close(ssm.s4_kernel(Lambda, P, B, C, dt, L), expected, rtol=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize(("N", "L"), [(256, 4096), (256, 4095)])
def test_s4_kernel_large_naive(rng, N, L):
    Lambda, P, B, C = random_dplr(rng, N // 2, 1)
    dt = 0.01
    A, Bf, Cf = expand_dplr(Lambda, P, B, C)
    Abar, Bbar = bilinear_definition(A, Bf, dt)
    expected = naive_kernel(Abar, Bbar, Cf, L).real
    assert_close(ssm.s4_kernel(Lambda, P, B, C, dt, L), expected, rtol=1e-10)
    assert_close(np.real(ssm.ssm_kernel(Abar, Bbar, Cf, L)), expected, rtol=1e-10)


def test_s4_kernel_hippo_batched(xp, rng):
    N, L, H = 16, 100, 3
    Lambda, P, B, _ = ssm.hippo_dplr("legs", N)
    C = rng.normal(size=(H, N // 2)) + 1j * rng.normal(size=(H, N // 2))
    dt = np.array([0.001, 0.05, 1.0])
    K = to_numpy(ssm.s4_kernel(*(xp.asarray(a) for a in (Lambda, P, B, C)), xp.asarray(dt), L))
    assert K.shape == (H, L)
    # HiPPO-LegS in its original basis: the same kernel from (A, B) and C_full V_full^*
    A_legs, B_legs = hippo_definition("legs", N)
    V = ssm.hippo_dplr("legs", N)[3]
    for h in range(H):
        c_row = np.concatenate([C[h], C[h].conj()]) @ np.concatenate([V, V.conj()], 1).conj().T
        Abar, Bbar = bilinear_definition(A_legs, B_legs, dt[h])
        assert_close(K[h], naive_kernel(Abar, Bbar, c_row, L).real, rtol=1e-10)


def test_s4_kernel_complex64(xp, rng):
    N, L = 64, 1024
    Lambda, P, B, C = random_dplr(rng, N // 2, 1)
    expected = ssm.s4_kernel(Lambda, P, B, C, 0.05, L)
    K = ssm.s4_kernel(*(xp.asarray(a.astype(np.complex64)) for a in (Lambda, P, B, C)), 0.05, L)
    assert K.dtype == xp.float32
    assert_close(K, expected, rtol=tolerance(np.float32, n=L))


def test_kernel_bad_input(xp):
    Lambda = xp.asarray(np.array([-0.5 + 1j, -0.5 - 2j]))
    ones = xp.asarray(np.ones(2, dtype=complex))
    P = xp.asarray(np.ones((1, 2), dtype=complex))
    with pytest.raises(ValueError, match="L"):
        ssm.s4d_kernel(Lambda, ones, ones, 0.1, 0)
    with pytest.raises(ValueError, match="dt"):
        ssm.s4d_kernel(Lambda, ones, ones, -0.1, 4)
    with pytest.raises(ValueError, match="N/2"):
        ssm.s4d_kernel(Lambda, xp.asarray(np.ones(3, dtype=complex)), ones, 0.1, 4)
    with pytest.raises(ValueError, match="discretization"):
        ssm.s4d_kernel(Lambda, ones, ones, 0.1, 4, discretization="euler")
    with pytest.raises(ValueError, match="P"):
        ssm.s4_kernel(Lambda, ones, ones, ones, 0.1, 4)
    with pytest.raises(ValueError, match="P"):
        ssm.s4_kernel(Lambda, xp.asarray(np.ones((1, 3), dtype=complex)), ones, ones, 0.1, 4)
    with pytest.raises(TypeError, match="dt"):
        ssm.s4d_kernel(Lambda, ones, ones, xp.asarray(np.array(0.1 + 0j)), 4)
    with pytest.raises(TypeError):
        ssm.s4d_kernel(Lambda, np.ones(2) if backend_name(xp) != "numpy" else [1, 1], ones, 0.1, 4)
    if backend_name(xp) in ("dask.array", "jax.numpy"):
        return
    unstable = xp.asarray(np.array([-0.5 + 1j, 0.1 - 2j]))
    with pytest.raises(ValueError, match="unstable"):
        ssm.s4d_kernel(unstable, ones, ones, 0.1, 4)
    with pytest.raises(ValueError, match="unstable"):
        ssm.s4_kernel(unstable, P, ones, ones, 0.1, 4)
    with pytest.raises(ValueError, match="dt"):
        ssm.s4_kernel(Lambda, P, ones, ones, xp.asarray(np.array(0.0)), 4)
    with pytest.raises(ValueError, match="unstable"):
        ssm.ssm_kernel(
            xp.asarray(np.array([0.5, 1.5])), xp.asarray(np.ones(2)), xp.asarray(np.ones(2)), 3
        )


# ----------------------------------------------------------------------------------------------
# Recurrence == convolution
# ----------------------------------------------------------------------------------------------


def causal_convolution(u: np.ndarray, K: np.ndarray) -> np.ndarray:
    return np.convolve(u, K)[: u.shape[-1]]


def test_scan_equals_convolution(xp, rng):
    H, N, L = 2, 6, 48
    Abar = np.stack(
        [bilinear_definition(random_stable(rng, N), np.ones(N), 0.4)[0] for _ in range(H)]
    )
    Bbar = rng.normal(size=(H, N))
    C = rng.normal(size=(H, N))
    D = rng.normal(size=H)
    u = rng.normal(size=(4, H, L))  # a batch of 4 inputs over H channels
    args = [xp.asarray(a) for a in (Abar, Bbar, C)]
    y = to_numpy(ssm.ssm_scan(*args, xp.asarray(u), D=xp.asarray(D)))
    K = to_numpy(ssm.ssm_kernel(*args, L))
    expected = np.array(
        [[causal_convolution(u[b, h], K[h]) + D[h] * u[b, h] for h in range(H)] for b in range(4)]
    )
    assert y.shape == (4, H, L)
    assert_close(y, expected, rtol=1e-11)
    try:
        conv = to_numpy(specconv.causal_conv(xp.asarray(u), xp.asarray(K), D=xp.asarray(D)))
    except NotImplementedError:
        return  # specconv.conv is not written yet
    assert_close(y, conv, rtol=1e-11)


@settings(max_examples=25, deadline=None)
@given(
    N=st.integers(1, 8),
    L=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    diagonal=st.booleans(),
)
def test_scan_equals_convolution_property(N, L, seed, diagonal):
    rng = np.random.default_rng(seed)
    if diagonal:
        Abar = rng.uniform(-0.95, 0.95, N) * np.exp(1j * rng.uniform(0, np.pi, N))
        Bbar = rng.normal(size=N) + 1j * rng.normal(size=N)
        C = rng.normal(size=N) + 1j * rng.normal(size=N)
    else:
        Abar, Bbar = bilinear_definition(random_stable(rng, N), rng.normal(size=N), 0.5)
        C = rng.normal(size=N)
    u = rng.normal(size=L)
    D = rng.normal()
    y = ssm.ssm_scan(Abar, Bbar, C, u, D=np.asarray(D))
    K = ssm.ssm_kernel(Abar, Bbar, C, L)
    assert_close(y, causal_convolution(u, K) + D * u, rtol=1e-11)


def test_scan_initial_state(xp, rng):
    N, L = 5, 30
    Abar, Bbar = bilinear_definition(random_stable(rng, N), rng.normal(size=N), 0.3)
    C = rng.normal(size=N)
    x0 = rng.normal(size=N)
    u = rng.normal(size=L)
    y, state = ssm.ssm_scan(
        *(xp.asarray(a) for a in (Abar, Bbar, C, u)), x0=xp.asarray(x0), return_state=True
    )
    x = x0.copy()
    expected = np.empty(L)
    for k in range(L):
        x = Abar @ x + Bbar * u[k]
        expected[k] = C @ x
    assert_close(y, expected, rtol=1e-12)
    assert_close(state, x, rtol=1e-12)


def test_scan_bad_input(xp):
    Abar = xp.asarray(np.eye(2) * 0.5)
    v = xp.asarray(np.ones(2))
    with pytest.raises(ValueError, match="C"):
        ssm.ssm_scan(Abar, v, xp.asarray(np.ones(3)), xp.asarray(np.ones(4)))
    with pytest.raises(ValueError, match="x0"):
        ssm.ssm_scan(Abar, v, v, xp.asarray(np.ones(4)), x0=xp.asarray(np.ones(3)))
    with pytest.raises(ValueError, match="broadcast"):
        ssm.ssm_scan(Abar, v, v, xp.asarray(np.ones((3, 4))), D=xp.asarray(np.ones(2)))
    with pytest.raises(TypeError):
        ssm.ssm_scan(Abar, v, v, [1.0, 2.0])


def test_inputs_not_mutated(rng):
    Lambda, P, B, C = random_dplr(rng, 4, 2)
    copies = [a.copy() for a in (Lambda, P, B, C)]
    ssm.s4_kernel(Lambda, P, B, C, 0.1, 16)
    ssm.s4d_kernel(Lambda, B, C, 0.1, 16)
    for a, c in zip((Lambda, P, B, C), copies, strict=True):
        np.testing.assert_array_equal(a, c)
