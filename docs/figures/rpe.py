"""Kernelized attention with Toeplitz RPE: the matrix exp(b_{j-i}), FFT vs direct time."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import COLORS, loglog_guide, save, time_curve

import specconv as sc
from specconv.testing import relative_error, tolerance

OUTPUTS = ["rpe_matrix.png", "rpe_timing.png"]


def rpe_bias(T: int) -> np.ndarray:
    """b_r for r = -(T-1)..T-1 (entry r + T - 1): a decay with a ripple, favouring r < 0."""
    r = np.arange(-(T - 1), T)
    return -0.15 * np.abs(r) + 0.6 * np.cos(0.5 * r) - 0.5 * (r > 0)


def main(out_dir: Path) -> None:
    matrix_figure(out_dir)
    timing_figure(out_dir)


def matrix_figure(out_dir: Path) -> None:
    T = 24
    b = rpe_bias(T)
    c = np.exp(b - b.max())
    # C_ij = c_{j-i}: first column c_{-i} (entries T-1-i), first row c_j (entries T-1+j).
    Cmat = np.asarray(sc.toeplitz(c[T - 1 :: -1], c[T - 1 :]))
    causal = np.tril(Cmat)
    fig, axes = plt.subplots(1, 3, figsize=(9.5, 2.9), width_ratios=[1.4, 1, 1])
    r = np.arange(-(T - 1), T)
    axes[0].stem(r, b, basefmt=" ", markerfmt=".")
    axes[0].set_xlabel("offset r = j − i (key − query)")
    axes[0].set_title("b (shape 2T−1), entry r + T − 1 holds b$_r$")
    for ax, M, title in [
        (axes[1], Cmat, "C$_{ij}$ = exp(b$_{j-i}$)"),
        (axes[2], causal, "causal=True: c$_r$ = 0 for r > 0"),
    ]:
        ax.imshow(M, cmap="magma", interpolation="nearest")
        ax.set_title(title)
        ax.set_xlabel("key j")
        ax.set_ylabel("query i")
        ax.grid(False)
    save(fig, out_dir, "rpe_matrix.png")


def timing_figure(out_dir: Path) -> None:
    rng = np.random.default_rng(0)
    d, dv = 16, 16
    sizes = [2**p for p in range(6, 14)]
    checked: set[int] = set()

    def inputs(T: int):
        q, k = rng.standard_normal((2, 1, T, d)) / d**0.25
        v = rng.standard_normal((1, T, dv))
        return q, k, v, rpe_bias(T)

    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    for color, method in zip(COLORS, ["direct", "fft"], strict=False):

        def make(T: int, method: str = method):
            q, k, v, b = inputs(T)
            if T <= 512 and T not in checked:
                fast = sc.kernelized_rpe_attention(q, k, v, b, method="fft")
                slow = sc.kernelized_rpe_attention(q, k, v, b, method="direct")
                if relative_error(fast, slow) > tolerance(np.float64, n=2 * T):
                    raise AssertionError(f"rpe fft and direct disagree at T={T}")
                checked.add(T)
            return lambda: sc.kernelized_rpe_attention(q, k, v, b, method=method)

        ns, ts = time_curve(make, sizes, max_call=0.1, power=2 if method == "direct" else 1)
        ax.loglog(ns, ts, "o-", ms=3, color=color, label=f'method="{method}"')
        if method == "direct":
            loglog_guide(ax, ns, ts[0], 2, "∝ T²")
    ax.set_xscale("log", base=2)
    ax.set_xlabel(f"sequence length T (elu features, Dk = {d}, Dv = {dv}, float64)")
    ax.set_ylabel("seconds per call")
    ax.set_title("kernelized_rpe_attention: Toeplitz products by FFT vs dense")
    ax.legend()
    save(fig, out_dir, "rpe_timing.png")
