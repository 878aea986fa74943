"""Measured errors against the tolerance policy: a table (Markdown) and the FFT error curve.

Every reference is computed in float64 by a definition-level formula written here in NumPy
(dense matrices, explicit sums, matrix powers), from the *same* rounded inputs the tested
path receives: the table measures the error of the computation, not of rounding the inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import COLORS, save

import specconv as sc
from specconv.testing import relative_error, tolerance

OUTPUTS = ["accuracy_table.md", "accuracy_lowprec_table.md", "accuracy_fft.png"]

rng = np.random.default_rng(2024)


def main(out_dir: Path) -> None:
    rows = []
    for dtype in (np.float64, np.float32):
        for case in CASES:
            name, path, n, run = case
            actual, desired = run(dtype)
            if np.asarray(actual).dtype not in (np.dtype(dtype), _complex_of(dtype)):
                raise AssertionError(
                    f"{name} {path}: {dtype.__name__} in, {np.asarray(actual).dtype} out"
                )
            error = relative_error(actual, desired)
            budget = tolerance(dtype, n=n)
            if not error <= budget:
                raise AssertionError(
                    f"{name} {path} {dtype.__name__}: error {error:.2e} "
                    f"exceeds the budget {budget:.2e}"
                )
            rows.append((name, path, n, dtype.__name__, error, budget))
    lines = [
        "| operation | path | n | dtype | measured error | budget | error / budget |",
        "|---|---|--:|---|--:|--:|--:|",
    ]
    for name, path, n, dtype, error, budget in rows:
        lines.append(
            f"| `{name}` | `{path}` | {n} | {dtype} | {error:.1e} | {budget:.1e} "
            f"| {error / budget:.3f} |"
        )
    (out_dir / "accuracy_table.md").write_text("\n".join(lines) + "\n")
    low_precision_table(out_dir)
    fft_figure(out_dir)


def _complex_of(dtype: type) -> np.dtype:
    return np.dtype(np.complex64 if dtype == np.float32 else np.complex128)


def _cast(dtype: type, *arrays: np.ndarray) -> list[np.ndarray]:
    out = []
    for a in arrays:
        target = _complex_of(dtype) if np.iscomplexobj(a) else np.dtype(dtype)
        out.append(np.asarray(a).astype(target))
    return out


def _wide(*arrays: np.ndarray) -> list[np.ndarray]:
    return [a.astype(np.complex128 if np.iscomplexobj(a) else np.float64) for a in arrays]


# -- cases: (name, path, n for the budget, run(dtype) -> (actual, float64 reference)) -----


def fft_case(algorithm: str, N: int) -> Callable:
    def run(dtype: type) -> tuple:
        (x,) = _cast(dtype, rng.standard_normal((4, N)) + 1j * rng.standard_normal((4, N)))
        (x64,) = _wide(x)
        F = np.exp(-2j * np.pi * (np.outer(np.arange(N), np.arange(N)) % N) / N)
        return sc.fft(x, algorithm=algorithm), x64 @ F.T

    return run


def causal_conv_case(method: str, L: int) -> Callable:
    def run(dtype: type) -> tuple:
        u, k = _cast(dtype, rng.standard_normal((4, L)), rng.standard_normal(L))
        u64, k64 = _wide(u, k)
        expected = np.stack([np.convolve(row, k64)[:L] for row in u64])
        return sc.causal_conv(u, k, method=method), expected

    return run


def toeplitz_matmul_run(dtype: type) -> tuple:
    n = 1024
    c, r, x = _cast(
        dtype, rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal((n, 3))
    )
    c64, r64, x64 = _wide(c, r, x)
    idx = np.arange(n)[:, None] - np.arange(n)[None, :]
    T = np.where(idx >= 0, c64[np.abs(idx)], r64[np.abs(idx)])
    return sc.toeplitz_matmul(c, r, x), T @ x64


def s4d_run(dtype: type) -> tuple:
    N, L, dt = 64, 1024, 0.01
    Lambda, B, C = _cast(
        dtype,
        np.asarray(sc.s4d_init("lin", N)),
        np.ones(N // 2, complex),
        rng.standard_normal(N // 2) + 1j * rng.standard_normal(N // 2),
    )
    lam, b, c = _wide(Lambda, B, C)
    dA = dt * lam
    Bbar = np.expm1(dA) / lam * b  # zero-order hold, mode by mode
    powers = np.exp(dA[:, None] * np.arange(L)[None, :])
    expected = 2 * np.real((c * Bbar) @ powers)
    real_dt = np.asarray(dt, dtype=dtype)
    return sc.s4d_kernel(Lambda, B, C, real_dt, L), expected


def s4_run(dtype: type) -> tuple:
    N, L, dt = 32, 256, 0.05
    Lambda, P, B, _ = (np.asarray(a) for a in sc.hippo_dplr("legs", N))
    C = rng.standard_normal(N // 2) + 1j * rng.standard_normal(N // 2)
    Lambda, P, B, C = _cast(dtype, Lambda, P, B, C)
    lam, p, b, c = _wide(Lambda, P, B, C)
    # Conjugate-expanded dense system, bilinear discretization, K_l = C_full Abar^l Bbar.
    lam_f = np.concatenate([lam, lam.conj()])
    p_f = np.concatenate([p, p.conj()], axis=-1)
    A = np.diag(lam_f) - p_f.T @ p_f.conj()
    b_f = np.concatenate([b, b.conj()])
    c_f = np.concatenate([c, c.conj()])
    M = np.eye(N) - dt / 2 * A
    Abar = np.linalg.solve(M, np.eye(N) + dt / 2 * A)
    x = np.linalg.solve(M, dt * b_f)
    expected = np.empty(L)
    for l in range(L):
        expected[l] = np.real(c_f @ x)
        x = Abar @ x
    return sc.s4_kernel(Lambda, P, B, C, np.asarray(dt, dtype=dtype), L), expected


def linear_attention_case(method: str) -> Callable:
    def run(dtype: type) -> tuple:
        T, d = 256, 16
        q, k, v = _cast(dtype, *(rng.standard_normal((2, T, d)) for _ in range(3)))
        q64, k64, v64 = _wide(q, k, v)
        phi_q = np.where(q64 > 0, q64 + 1, np.exp(np.minimum(q64, 0)))
        phi_k = np.where(k64 > 0, k64 + 1, np.exp(np.minimum(k64, 0)))
        weights = np.tril(phi_q @ np.swapaxes(phi_k, -1, -2))
        expected = (weights @ v64) / (weights.sum(-1, keepdims=True) + 1e-6)
        return sc.linear_attention(q, k, v, causal=True, method=method), expected

    return run


def rpe_run(dtype: type) -> tuple:
    T, d = 256, 16
    q, k, v = (rng.standard_normal((2, T, d)) for _ in range(3))
    b = -0.05 * np.abs(np.arange(-(T - 1), T)) + 0.3 * rng.standard_normal(2 * T - 1)
    q, k, v, b = _cast(dtype, q / 2, k / 2, v, b)
    q64, k64, v64, b64 = _wide(q, k, v, b)
    phi_q = np.where(q64 > 0, q64 + 1, np.exp(np.minimum(q64, 0)))
    phi_k = np.where(k64 > 0, k64 + 1, np.exp(np.minimum(k64, 0)))
    offsets = np.arange(T)[None, :] - np.arange(T)[:, None]  # j - i
    Cmat = np.exp(b64[offsets + T - 1] - b64.max())  # the contract's c_r = exp(b_r - max b)
    weights = Cmat * (phi_q @ np.swapaxes(phi_k, -1, -2))
    expected = (weights @ v64) / (weights.sum(-1, keepdims=True) + 1e-6)
    return sc.kernelized_rpe_attention(q, k, v, b, method="fft"), expected


def spectral_filter_run(dtype: type) -> tuple:
    N, D = 256, 8
    x, w = _cast(dtype, rng.standard_normal((2, N, D)), rng.standard_normal((N // 2 + 1, 1)))
    x64, w64 = _wide(x, w)
    h = np.fft.irfft(w64[:, 0], n=N)  # real even kernel, then the dense circulant
    circulant = h[(np.arange(N)[:, None] - np.arange(N)[None, :]) % N]
    return sc.spectral_filter(x, w), circulant @ x64


CASES = [
    ("fft", 'algorithm="recursive"', 1024, fft_case("recursive", 1024)),
    ("fft", 'algorithm="stockham"', 1024, fft_case("stockham", 1024)),
    ("fft", 'algorithm="four_step"', 1024, fft_case("four_step", 1024)),
    ("fft", 'algorithm="bluestein"', 1000, fft_case("bluestein", 1000)),
    ("fft", 'algorithm="native"', 1024, fft_case("native", 1024)),
    ("causal_conv", 'method="fft"', 2 * 4096, causal_conv_case("fft", 4096)),
    ("causal_conv", 'method="direct"', 4096, causal_conv_case("direct", 4096)),
    ("toeplitz_matmul", "circulant embedding", 2 * 1024, toeplitz_matmul_run),
    ("s4d_kernel", 'discretization="zoh"', 1024, s4d_run),
    ("s4_kernel", "Cauchy + Woodbury + iFFT", 256, s4_run),
    ("linear_attention", 'method="cumsum"', 256, linear_attention_case("cumsum")),
    ("linear_attention", 'method="chunked"', 256, linear_attention_case("chunked")),
    ("kernelized_rpe_attention", 'method="fft"', 2 * 256, rpe_run),
    ("spectral_filter", "rfft / irfft", 256, spectral_filter_run),
]


def low_precision_table(out_dir: Path) -> None:
    """float16 causal_conv: the FFT path against the naive direct sum, both in float16."""
    header = (
        '| L | error of `method="fft"` | error of `method="direct"` (naive) '
        "| budget 2 x naive + floor | passes |"
    )
    lines = [header, "|--:|--:|--:|--:|---|"]
    for L in (256, 1024, 4096):
        u = rng.standard_normal((4, L)).astype(np.float16)
        k = (rng.standard_normal(L) * np.exp(-np.arange(L) / 64)).astype(np.float16)
        u64, k64 = _wide(u, k)
        reference = np.stack([np.convolve(row, k64)[:L] for row in u64])
        fast = sc.causal_conv(u, k, method="fft")
        naive = sc.causal_conv(u, k, method="direct")
        if np.asarray(fast).dtype != np.float16:
            raise AssertionError(f"float16 in, {np.asarray(fast).dtype} out")
        floor = float(np.finfo(np.float16).eps) / 8
        err_fast = relative_error(fast, reference)
        err_naive = relative_error(naive, reference)
        budget = 2 * err_naive + floor
        sc.testing.assert_low_precision_close(fast, naive, reference)
        lines.append(
            f"| {L} | {err_fast:.1e} | {err_naive:.1e} | {budget:.1e} | "
            f"{'yes' if err_fast <= budget else 'no'} |"
        )
    (out_dir / "accuracy_lowprec_table.md").write_text("\n".join(lines) + "\n")


def fft_figure(out_dir: Path) -> None:
    sizes = [2**p for p in range(3, 14)]
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    for color, algorithm in zip(
        COLORS, ["dft", "recursive", "stockham", "four_step", "native"], strict=False
    ):
        errors, ns = [], []
        for N in sizes:
            if algorithm == "dft" and N > 1024:
                break
            x = rng.standard_normal((4, N)) + 1j * rng.standard_normal((4, N))
            x32 = x.astype(np.complex64)
            reference = np.fft.fft(x32.astype(np.complex128))
            errors.append(relative_error(sc.fft(x32, algorithm=algorithm), reference))
            ns.append(N)
        ax.loglog(ns, errors, "o-", ms=3, color=color, label=f'algorithm="{algorithm}"')
    ax.loglog(
        sizes,
        [tolerance(np.float32, n=N) for N in sizes],
        "k--",
        lw=1,
        label="tolerance(float32, n=N)",
    )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("transform length N (complex64 input)")
    ax.set_ylabel("normwise relative error")
    ax.set_title("complex64 fft against float64")
    ax.legend(ncol=2, fontsize=7)
    save(fig, out_dir, "accuracy_fft.png")
