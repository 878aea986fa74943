"""H3, Hyena and GSS: block diagrams of the compositions, and a causality check."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import COLORS, save
from matplotlib.patches import FancyBboxPatch

import specconv as sc
from specconv.testing import relative_error, tolerance

OUTPUTS = ["operators_diagram.png", "operators_causality.png"]

KINDS = {  # fill colour per kind of block
    "linear": "#e8e8e8",
    "conv": "#9ecae9",
    "ssm": "#ffbf86",
    "gate": "#a6dba0",
    "act": "#d4c4ec",
    "io": "#ffffff",
}


def main(out_dir: Path) -> None:
    diagram(out_dir)
    causality(out_dir)


def causality(out_dir: Path) -> None:
    """Change token t0 of the input: outputs before t0 must not move (FFTNet's all do)."""
    L, D, t0 = 128, 8, 64
    operators = {
        "h3": (sc.h3, sc.h3_reference, sc.h3_init(D, d_state=16, head_dim=2, seed=0)),
        "hyena": (sc.hyena, sc.hyena_reference, sc.hyena_init(D, L, filter_order=16, seed=0)),
        "gss": (sc.gss, sc.gss_reference, sc.gss_init(D, d_state=16, seed=0)),
    }
    rng = np.random.default_rng(0)
    u = rng.standard_normal((1, L, D))
    poked = u.copy()
    poked[:, t0, :] += rng.standard_normal(D)  # not a constant: LayerNorm (GSS) ignores those
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    for color, (name, (fast, reference, params)) in zip(COLORS, operators.items(), strict=False):
        y = np.asarray(fast(u, params))
        error = relative_error(y, reference(u, params))
        if error > tolerance(np.float64, n=2 * L):
            raise AssertionError(f"{name} differs from {name}_reference: {error:.2e}")
        change = np.abs(np.asarray(fast(poked, params)) - y)[0].max(axis=-1)
        if change[:t0].max() > 1e-12 * change.max():
            raise AssertionError(f"{name} is not causal")
        ax.semilogy(np.arange(L), change + 1e-18, lw=1.2, color=color, label=name)
    ax.axvline(t0, color="k", ls=":", lw=1)
    ax.set_ylim(1e-18, None)
    ax.set_xlabel("output token t")
    ax.set_ylabel("max |Δy$_t$| over channels")
    ax.set_title(f"input changed at token {t0} only: earlier outputs move by round-off only")
    ax.legend(loc="center left")
    save(fig, out_dir, "operators_causality.png")


def diagram(out_dir: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(11.5, 5.2))
    h3(axes[0])
    hyena(axes[1])
    gss(axes[2])
    handles = [
        FancyBboxPatch((0, 0), 1, 1, facecolor=_fill(kind), edgecolor="k", label=label)
        for kind, label in [
            ("linear", "linear map"),
            ("conv", "causal_conv (FFT)"),
            ("ssm", "SSM kernel (s4d_kernel)"),
            ("gate", "elementwise product"),
            ("act", "nonlinearity"),
        ]
    ]
    fig.legend(handles=handles, loc="lower center", ncol=5, frameon=False)
    fig.get_layout_engine().set(rect=(0, 0.07, 1, 0.93))
    save(fig, out_dir, "operators_diagram.png")


def _fill(kind: str) -> str:
    return KINDS[kind]


def _setup(ax: plt.Axes, title: str) -> None:
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 12)
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def _box(ax: plt.Axes, x: float, y: float, text: str, kind: str, w: float = 3.0) -> tuple:
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - 0.42),
            w,
            0.84,
            boxstyle="round,pad=0.08",
            facecolor=_fill(kind),
            edgecolor="k",
            lw=0.8,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=7.5)
    return (x, y)


def _arrow(ax: plt.Axes, start: tuple, end: tuple) -> None:
    """Down from ``start``, across, down into ``end`` (or straight across on one level)."""
    (x0, y0), (x1, y1) = start, end
    style = {"arrowstyle": "-|>", "lw": 0.8, "color": "0.2", "shrinkA": 0, "shrinkB": 0}
    if y0 == y1:
        sign = 1 if x1 > x0 else -1
        ax.annotate("", xy=(x1 - sign * 1.6, y1), xytext=(x0 + sign * 1.6, y0), arrowprops=style)
        return
    top, bottom = y0 - 0.5, y1 + 0.5
    middle = bottom + 0.35 if x0 != x1 else top
    ax.plot([x0, x0, x1], [top, middle, middle], color="0.2", lw=0.8)
    ax.annotate("", xy=(x1, bottom), xytext=(x1, middle), arrowprops=style)


def h3(ax: plt.Axes) -> None:
    _setup(ax, "H3\ny = W_o [ q ⊙ SSM_diag( SSM_shift(k) ⊙ v ) ]")
    u = _box(ax, 5, 11.2, "u  (B, L, d)", "io")
    q = _box(ax, 1.7, 9.6, "q = u W_q + b", "linear")
    k = _box(ax, 5, 9.6, "k = u W_k + b", "linear")
    v = _box(ax, 8.3, 9.6, "v = u W_v + b", "linear")
    shift = _box(ax, 5, 7.8, "shift SSM on k:\ncausal_conv(k, short kernel, D)", "conv", w=4.2)
    kv = _box(ax, 6.6, 6.0, "k' ⊙ v", "gate", w=1.6)
    diag = _box(ax, 6.6, 4.2, "diagonal SSM: s4d_kernel\n+ causal_conv(·, K, D)", "ssm", w=4.2)
    qy = _box(ax, 3.3, 2.5, "q ⊙ y", "gate", w=1.6)
    out = _box(ax, 3.3, 0.9, "output W_o", "linear")
    for a, b in [
        (u, q),
        (u, k),
        (u, v),
        (k, shift),
        (shift, kv),
        (v, kv),
        (kv, diag),
        (q, qy),
        (diag, qy),
        (qy, out),
    ]:
        _arrow(ax, a, b)


def hyena(ax: plt.Axes) -> None:
    _setup(ax, "Hyena (order 2)\ny = x₀ ⊙ ( h ∗ (x₁ ⊙ v) + b ⊙ x₁ ⊙ v )")
    u = _box(ax, 5, 11.2, "u  (B, L, d)", "io")
    proj = _box(ax, 5, 9.8, "in projection d → 3d", "linear", w=4.0)
    short = _box(ax, 5, 8.4, "short depthwise conv:\ncausal_conv(·, 3 taps)", "conv", w=4.0)
    x0 = _box(ax, 0.7, 6.8, "x₀", "io", w=1.2)
    x1 = _box(ax, 5, 6.8, "x₁", "io", w=1.2)
    v = _box(ax, 8.4, 6.8, "v", "io", w=1.2)
    gate1 = _box(ax, 6.7, 5.4, "x₁ ⊙ v", "gate", w=1.6)
    filt = _box(ax, 2.75, 4.0, "implicit filter h:\nFFN(t) · decay window", "act", w=3.0)
    long = _box(ax, 6.7, 4.0, "long conv:\ncausal_conv(·, h, D=b)", "conv", w=3.4)
    gate0 = _box(ax, 4.2, 2.4, "x₀ ⊙ ·", "gate", w=1.6)
    out = _box(ax, 4.2, 0.9, "output projection", "linear")
    for a, b in [
        (u, proj),
        (proj, short),
        (short, x0),
        (short, x1),
        (short, v),
        (x1, gate1),
        (v, gate1),
        (gate1, long),
        (filt, long),
        (x0, gate0),
        (long, gate0),
        (gate0, out),
    ]:
        _arrow(ax, a, b)


def gss(ax: plt.Axes) -> None:
    _setup(ax, "GSS\ny = x + W_o [ W_c DSS(GELU(x̂ W_u)) ⊙ GELU(x̂ W_v) ]")
    x = _box(ax, 5, 11.2, "x  (B, L, E)", "io")
    ln = _box(ax, 5, 9.8, "x̂ = LayerNorm(x)", "act", w=3.4)
    gv = _box(ax, 2.2, 8.2, "v = GELU(x̂ W_v)\nE → F", "act", w=3.2)
    gu = _box(ax, 7.4, 8.2, "u = GELU(x̂ W_u)\nE → H", "act", w=3.2)
    dss = _box(ax, 7.4, 6.4, "DSS (Δ = 1): s4d_kernel\n+ causal_conv(·, K, D)", "ssm", w=4.0)
    wc = _box(ax, 7.4, 4.7, "W_c: H → F", "linear", w=2.4)
    gate = _box(ax, 4.3, 3.2, "⊙ v", "gate", w=1.6)
    wo = _box(ax, 4.3, 1.9, "W_o: F → E", "linear", w=2.4)
    res = _box(ax, 4.3, 0.7, "+ x (residual)", "gate", w=2.4)
    for a, b in [
        (x, ln),
        (ln, gv),
        (ln, gu),
        (gu, dss),
        (dss, wc),
        (wc, gate),
        (gv, gate),
        (gate, wo),
        (wo, res),
    ]:
        _arrow(ax, a, b)
