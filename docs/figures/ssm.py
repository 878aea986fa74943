"""State space models: HiPPO kernels, S4D/S4 kernels, recurrence vs convolution, discretizations."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import COLORS, save

import specconv as sc
from specconv.testing import relative_error, tolerance

OUTPUTS = [
    "ssm_hippo_kernels.png",
    "ssm_s4_kernels.png",
    "ssm_views.png",
    "ssm_discretization.png",
]


def main(out_dir: Path) -> None:
    hippo_figure(out_dir)
    s4_figure(out_dir)
    views_figure(out_dir)
    discretization_figure(out_dir)


def hippo_figure(out_dir: Path) -> None:
    """K_l = e_n^T Abar^l Bbar: the basis each HiPPO state coordinate projects the input on."""
    N, L, t_max = 32, 800, 4.0
    dt = t_max / L
    t = dt * np.arange(L)
    fig, axes = plt.subplots(1, 4, figsize=(10.5, 2.6), sharex=True)
    for ax, measure in zip(axes, ["legs", "legt", "lagt", "fout"], strict=True):
        A, B = sc.hippo(measure, N)
        Abar, Bbar = sc.discretize(A, B, dt, method="bilinear")
        K = np.asarray(sc.ssm_kernel(Abar, Bbar, np.eye(N)[:4], L))  # C = e_0..e_3: (4, L)
        for n, color in zip(range(4), COLORS, strict=False):
            ax.plot(t, K[n] / dt, color=color, lw=1.1, label=f"state {n}")
        ax.set_title(f'hippo("{measure}", {N})')
        ax.set_xlabel("lag t = l·Δ")
    axes[0].set_ylabel("K$_l$ / Δ")
    axes[0].legend(loc="upper right")
    fig.suptitle(
        "HiPPO kernels: the input history as seen by the first four state "
        "coordinates (bilinear, Δ = 1/200)",
        fontsize=9,
    )
    save(fig, out_dir, "ssm_hippo_kernels.png")


def s4_figure(out_dir: Path) -> None:
    N, L = 64, 1024
    rng = np.random.default_rng(0)
    C = (rng.standard_normal(N // 2) + 1j * rng.standard_normal(N // 2)) / np.sqrt(N)
    dts = [1e-3, 1e-2, 1e-1]
    systems = {
        'S4D-Lin: s4d_init("lin")': (sc.s4d_init("lin", N), np.ones(N // 2, complex)),
        'S4D-Inv: s4d_init("inv")': (sc.s4d_init("inv", N), np.ones(N // 2, complex)),
    }
    Lambda, P, B, _ = sc.hippo_dplr("legs", N)
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 2.7), sharex=True)
    for ax, (title, (lam, b)) in zip(axes, systems.items(), strict=False):
        for dt, color in zip(dts, COLORS, strict=False):
            K = np.asarray(sc.s4d_kernel(lam, b, C, dt, L))
            ax.plot(K / np.max(np.abs(K)), color=color, lw=1, label=f"Δ = {dt:g}")
        ax.set_title(title)
    for dt, color in zip(dts, COLORS, strict=False):
        K = np.asarray(sc.s4_kernel(Lambda, P, B, C, dt, L))
        axes[2].plot(K / np.max(np.abs(K)), color=color, lw=1, label=f"Δ = {dt:g}")
    axes[2].set_title('S4 (DPLR): hippo_dplr("legs") + s4_kernel')
    axes[0].set_ylabel("K$_l$ / max|K|")
    axes[0].legend()
    for ax in axes:
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlabel("l")
    fig.suptitle(f"Kernels of N = {N} state dimensions (same C), three step sizes", fontsize=9)
    save(fig, out_dir, "ssm_s4_kernels.png")


def views_figure(out_dir: Path) -> None:
    """The same SSM as a recurrence (ssm_scan) and as a convolution with its kernel."""
    N, L, dt = 16, 400, 0.05
    rng = np.random.default_rng(2)
    A, B = sc.hippo("legs", N)
    Abar, Bbar = sc.discretize(A, B, dt, method="zoh")
    C = rng.standard_normal(N) / np.sqrt(N)
    u = np.cumsum(rng.standard_normal(L)) / 10
    K = sc.ssm_kernel(Abar, Bbar, C, L)
    y_rec = np.asarray(sc.ssm_scan(Abar, Bbar, C, u))
    y_conv = np.asarray(sc.causal_conv(u, K, method="fft"))
    error = relative_error(y_conv, y_rec)
    if error > tolerance(np.float64, n=2 * L):
        raise AssertionError(f"recurrent and convolutional views differ: {error:.2e}")
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 2.6), width_ratios=[3, 2])
    axes[0].plot(u, color="0.6", lw=0.8, label="input u")
    axes[0].plot(y_rec, color=COLORS[0], lw=2.2, alpha=0.6, label="ssm_scan (recurrence)")
    axes[0].plot(y_conv, "--", color=COLORS[1], lw=1, label="causal_conv(u, ssm_kernel)")
    axes[0].legend(loc="lower left")
    axes[0].set_xlabel("time step")
    axes[0].set_title("recurrent view = convolutional view")
    axes[1].semilogy(
        np.abs(y_conv - y_rec) / np.max(np.abs(y_rec)) + 1e-20, color=COLORS[2], lw=0.8
    )
    axes[1].axhline(
        tolerance(np.float64, n=2 * L), color="k", ls="--", lw=1, label="tolerance(float64, n=2L)"
    )
    axes[1].set_title(f"|difference| / max|y| (max {error:.1e})")
    axes[1].set_xlabel("time step")
    axes[1].legend(loc="upper left")
    save(fig, out_dir, "ssm_views.png")


def discretization_figure(out_dir: Path) -> None:
    """Damped oscillator x'' + 2a x' + (a^2 + w^2) x = u: exact h(t) = exp(-a t) sin(w t) / w."""
    a, w, dt, L = 0.5, 2 * np.pi, 0.02, 300
    A = np.array([[0.0, 1.0], [-(a**2 + w**2), -2 * a]])
    B = np.array([0.0, 1.0])
    C = np.array([1.0, 0.0])
    t = (np.arange(L) + 0.5) * dt  # K_l sums the response over step l: compare at midpoints
    exact = np.exp(-a * t) * np.sin(w * t) / w
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 2.8))
    axes[0].plot(t, exact, color="k", lw=2.5, alpha=0.3, label="exact h(t)")
    for method, color in zip(["zoh", "bilinear", "euler", "backward_euler"], COLORS, strict=False):
        Abar, Bbar = sc.discretize(A, B, dt, method=method)
        K = np.asarray(sc.ssm_kernel(Abar, Bbar, C, L)) / dt
        axes[0].plot(t, K, color=color, lw=1, label=f'"{method}"')
        axes[1].semilogy(t, np.abs(K - exact) + 1e-12, color=color, lw=1)
    axes[0].set_title(f"K$_l$ / Δ of discretize(A, B, Δ = {dt}, method=...)")
    axes[0].set_xlabel("t")
    axes[0].legend(ncol=2, loc="upper right")
    axes[1].set_title("|K$_l$ / Δ − h(t$_l$)|")
    axes[1].set_xlabel("t")
    save(fig, out_dir, "ssm_discretization.png")
