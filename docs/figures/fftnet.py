"""FFTNet: what a spectral filter does to a signal; shift equivariance and non-causality."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import COLORS, save

import specconv as sc
from specconv.testing import relative_error, tolerance

OUTPUTS = ["fftnet_filter.png", "fftnet_equivariance.png"]


def main(out_dir: Path) -> None:
    filter_figure(out_dir)
    equivariance_figure(out_dir)


def filter_figure(out_dir: Path) -> None:
    N = 128
    rng = np.random.default_rng(0)
    t = np.arange(N)
    x = np.sin(2 * np.pi * 3 * t / N) + (t > N // 2) + 0.35 * rng.standard_normal(N)
    F = N // 2 + 1
    w = 1.0 / (1.0 + (np.arange(F) / 8.0) ** 4)  # a real, smooth low-pass per frequency bin
    y = np.asarray(sc.spectral_filter(x[:, None], w[:, None]))[:, 0]  # tokens on axis -2
    # The same operation as a circular convolution with the real, even kernel irfft(w).
    h = np.fft.irfft(w, n=N)
    y_conv = np.asarray(sc.circular_conv(x, h))
    error = relative_error(y, y_conv)
    if error > tolerance(np.float64, n=N):
        raise AssertionError(f"spectral_filter != circular_conv(x, irfft(w)): {error:.2e}")
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 2.7), width_ratios=[2.2, 1.4, 1.4])
    axes[0].plot(t, x, color="0.6", lw=0.8, label="x (one channel)")
    axes[0].plot(t, y, color=COLORS[0], lw=1.5, label="spectral_filter(x, w)")
    axes[0].set_xlabel("token t")
    axes[0].legend(loc="upper left")
    axes[0].set_title("irfft(rfft(x) · w) along the tokens")
    freq = np.arange(F)
    axes[1].semilogy(
        freq, np.abs(np.fft.rfft(x, norm="ortho")), color="0.6", lw=0.8, label="|rfft(x)|"
    )
    axes[1].semilogy(
        freq, np.abs(np.fft.rfft(y, norm="ortho")), color=COLORS[0], lw=1, label="|rfft(y)|"
    )
    axes[1].semilogy(freq, w, "k--", lw=1, label="w")
    axes[1].set_xlabel("frequency bin")
    axes[1].legend(loc="lower left")
    axes[1].set_title("spectrum: w multiplies each bin")
    lags = (np.arange(N) + N // 2) % N - N // 2
    order = np.argsort(lags)
    axes[2].plot(lags[order], h[order], color=COLORS[1], lw=1)
    axes[2].set_xlabel("circular lag")
    axes[2].set_title("its kernel irfft(w): even, two-sided")
    save(fig, out_dir, "fftnet_filter.png")


def equivariance_figure(out_dir: Path) -> None:
    B, N, D, H = 1, 64, 16, 4
    params = sc.fftnet_init(D, N, H, seed=0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((B, N, D))
    y = np.asarray(sc.fftnet_mixer(x, params))
    shift = 11
    y_shifted_input = np.asarray(sc.fftnet_mixer(np.roll(x, shift, axis=1), params))
    shift_error = relative_error(y_shifted_input, np.roll(y, shift, axis=1))
    y_flipped_input = np.asarray(sc.fftnet_mixer(np.flip(x, axis=1), params))
    flip_error = relative_error(y_flipped_input, np.flip(y, axis=1))
    for name, err in [("shift", shift_error), ("reversal", flip_error)]:
        if err > tolerance(np.float64, n=N):
            raise AssertionError(f"fftnet_mixer is not {name}-equivariant: {err:.2e}")
    poked = x.copy()
    poked[:, -1, :] += rng.standard_normal(D)  # change only the last token
    change = np.abs(np.asarray(sc.fftnet_mixer(poked, params)) - y)[0].max(axis=-1)

    fig, axes = plt.subplots(1, 3, figsize=(10.5, 2.8), width_ratios=[1, 1, 1.3])
    lim = np.max(np.abs(y))
    axes[0].imshow(y[0].T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim)
    axes[0].set_title("fftnet_mixer(x)")
    axes[1].imshow(
        np.roll(y_shifted_input, -shift, axis=1)[0].T,
        aspect="auto",
        cmap="RdBu_r",
        vmin=-lim,
        vmax=lim,
    )
    axes[1].set_title(
        f"mixer(roll(x, {shift})) rolled back\n(max rel. difference {shift_error:.0e})"
    )
    for ax in axes[:2]:
        ax.set_xlabel("token")
        ax.set_ylabel("channel")
        ax.grid(False)
    axes[2].semilogy(np.arange(N), change + 1e-20, "o-", ms=2, color=COLORS[3])
    axes[2].set_xlabel("token t")
    axes[2].set_title("max |Δy$_t$| after changing token N−1 only:\nevery token moves (not causal)")
    save(fig, out_dir, "fftnet_equivariance.png")
