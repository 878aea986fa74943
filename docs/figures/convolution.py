"""Causal convolution: the Toeplitz matrix, float32 error of FFT vs direct, the time crossover."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import COLORS, save, time_curve

import specconv as sc
from specconv.testing import relative_error, tolerance

OUTPUTS = ["conv_toeplitz.png", "conv_error.png", "conv_timing.png"]


def main(out_dir: Path) -> None:
    toeplitz_figure(out_dir)
    error_figure(out_dir)
    timing_figure(out_dir)


def toeplitz_figure(out_dir: Path) -> None:
    L = 8
    k = 0.8 ** np.arange(L) * np.cos(0.9 * np.arange(L))
    T = np.asarray(sc.toeplitz(k, np.zeros(L)))  # first column k, first row 0: causal
    u = np.random.default_rng(1).standard_normal(L)
    y = np.asarray(sc.causal_conv(u, k, method="direct"))
    if not np.allclose(T @ u, y, rtol=1e-13, atol=1e-13):
        raise AssertionError("toeplitz(k, 0) @ u differs from causal_conv(u, k)")
    fig, axes = plt.subplots(1, 3, figsize=(7.2, 2.4), width_ratios=[4, 1, 1])
    lim = np.max(np.abs(T))
    axes[0].imshow(T, cmap="RdBu_r", vmin=-lim, vmax=lim)
    for i, j in np.ndindex(*T.shape):
        if i >= j:
            axes[0].text(j, i, f"$k_{{{i - j}}}$", ha="center", va="center", fontsize=7)
    axes[0].set_title("toeplitz(k, zeros): $T_{ts} = k_{t-s}$, zero above")
    for ax, vec, name in [(axes[1], u[:, None], "u"), (axes[2], y[:, None], "y = T u")]:
        v = np.max(np.abs(vec))
        ax.imshow(vec, cmap="RdBu_r", vmin=-v, vmax=v)
        ax.set_title(name)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    save(fig, out_dir, "conv_toeplitz.png")


def error_figure(out_dir: Path) -> None:
    rng = np.random.default_rng(0)
    lengths = [2**p for p in range(6, 16)]  # direct float32 at 2^15 taps: about 0.3 s
    errors: dict[str, list[float]] = {"fft": [], "direct": []}
    for L in lengths:
        u = rng.standard_normal((4, L))
        k = rng.standard_normal(L) * np.exp(-np.arange(L) / (L / 4))
        # Reference in float64. The float64 FFT path is exact to ~1e-15 relative, eight
        # orders below the float32 errors measured here; the direct float64 sum would cost
        # O(L^2) at the largest sizes for no visible difference (checked at L <= 4096).
        reference = sc.causal_conv(u, k, method="fft")
        if L <= 4096:
            direct64 = sc.causal_conv(u, k, method="direct")
            if relative_error(reference, direct64) > tolerance(np.float64, n=2 * L):
                raise AssertionError(f"float64 fft and direct disagree at L={L}")
        u32, k32 = u.astype(np.float32), k.astype(np.float32)
        for method, errs in errors.items():
            y = sc.causal_conv(u32, k32, method=method)
            if np.asarray(y).dtype != np.float32:
                raise AssertionError(f"causal_conv(float32) returned {np.asarray(y).dtype}")
            errs.append(relative_error(y, reference))
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    for color, (method, errs) in zip(COLORS, errors.items(), strict=False):
        ax.loglog(lengths, errs, "o-", ms=3, color=color, label=f'method="{method}" (float32)')
    budget = [tolerance(np.float32, n=2 * L) for L in lengths]
    ax.loglog(lengths, budget, "k--", lw=1, label="tolerance(float32, n=2L)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("sequence length L (kernel length L)")
    ax.set_ylabel("normwise relative error")
    ax.set_title("float32 causal_conv against the float64 result")
    ax.legend()
    save(fig, out_dir, "conv_error.png")


def timing_figure(out_dir: Path) -> None:
    rng = np.random.default_rng(0)
    L, batch = 8192, 4
    u = rng.standard_normal((batch, L))
    taps = [2**p for p in range(1, 14)]
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    for color, method in zip(COLORS, ["direct", "fft", "auto"], strict=False):

        def make(Lk: int, method: str = method):
            k = rng.standard_normal(Lk)
            return lambda: sc.causal_conv(u, k, method=method)

        ns, ts = time_curve(make, taps, max_call=0.06)
        if method == "auto":
            ax.loglog(ns, ts, "k--", lw=1.3, label='method="auto"')
        else:
            ax.loglog(ns, ts, "o-", ms=3, color=color, label=f'method="{method}"')
    ax.set_xscale("log", base=2)
    ax.set_xlabel(f"kernel length Lk (u: {batch} x {L}, float64)")
    ax.set_ylabel("seconds per call")
    ax.set_title("direct O(L·Lk) against FFT O(L log L)")
    ax.legend()
    save(fig, out_dir, "conv_timing.png")
