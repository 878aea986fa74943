"""DFT matrix as a product of butterfly factors; time of the FFT algorithms against N."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import COLORS, loglog_guide, save, time_curve

import specconv as sc

OUTPUTS = ["fourier_butterfly.png", "fourier_timing.png"]


def main(out_dir: Path) -> None:
    butterfly_figure(out_dir)
    timing_figure(out_dir)


def dense_levels(n: int) -> list[np.ndarray]:
    """The butterfly factors B_2, B_4, ..., B_n as dense n x n matrices (order of application).

    ``butterfly_factors`` returns one (2, 2, s/2) array of diagonals per level of size s; the
    level matrix repeats the block [[diag f00, diag f01], [diag f10, diag f11]] n/s times.
    """
    levels = sorted(sc.butterfly_factors(n), key=lambda f: np.shape(f)[-1])
    dense = []
    for f in levels:
        f = np.asarray(f)
        block = np.block(
            [[np.diag(f[0, 0]), np.diag(f[0, 1])], [np.diag(f[1, 0]), np.diag(f[1, 1])]]
        )
        dense.append(np.kron(np.eye(n // block.shape[0]), block))
    return dense


def butterfly_figure(out_dir: Path) -> None:
    n = 16
    F = np.asarray(sc.dft_matrix(n))
    perm = np.asarray(sc.bit_reversal_permutation(n))
    P = np.eye(n)[perm]  # (P x)_i = x_{bitrev(i)}
    levels = dense_levels(n)
    product = P.astype(complex)
    for B in levels:
        product = B @ product
    error = np.max(np.abs(product - F))
    if not error < 1e-12:
        raise AssertionError(f"butterfly product differs from dft_matrix by {error:.2e}")

    panels = [("F$_{16}$ (dft_matrix)", F)]
    for B in reversed(levels):
        panels.append((f"B$_{{{_size(B)}}}$", B))
    panels.append(("P (bit reversal)", P))
    fig, axes = plt.subplots(1, len(panels), figsize=(10.5, 2.35))
    for ax, (title, M) in zip(axes, panels, strict=True):
        phase = np.ma.masked_where(np.abs(M) < 1e-12, np.angle(M))
        ax.imshow(phase, cmap="twilight", vmin=-np.pi, vmax=np.pi, interpolation="nearest")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    for ax, sym in zip(axes[:-1], ["="] + ["·"] * (len(panels) - 2), strict=True):
        ax.annotate(
            sym, (1.08, 0.5), xycoords="axes fraction", fontsize=13, ha="center", va="center"
        )
    fig.suptitle(
        "F$_{16}$ = B$_{16}$ B$_8$ B$_4$ B$_2$ P   (colour: phase of the nonzero "
        "entries; white: zero)",
        fontsize=9,
    )
    save(fig, out_dir, "fourier_butterfly.png")


def _size(B: np.ndarray) -> int:
    """Block size s of a butterfly level: the first row has its nonzeros at 0 and s/2."""
    nz = np.flatnonzero(np.abs(B[0]) > 1e-12)
    return 2 * int(nz[-1]) if nz.size > 1 else 1


def timing_figure(out_dir: Path) -> None:
    rng = np.random.default_rng(0)
    sizes = [2**p for p in range(4, 15, 2)]
    batch = 8
    algorithms = ["dft", "recursive", "stockham", "four_step", "bluestein", "native"]
    fig, ax = plt.subplots(figsize=(8.0, 3.4))
    for color, algorithm in zip(COLORS, algorithms, strict=False):

        def make(n: int, algorithm: str = algorithm):
            x = rng.standard_normal((batch, n)) + 1j * rng.standard_normal((batch, n))
            return lambda: sc.fft(x, algorithm=algorithm)

        ns, ts = time_curve(make, sizes, max_call=0.1, power=2 if algorithm == "dft" else 1)
        ax.loglog(ns, ts, "o-", ms=3, color=color, label=f'algorithm="{algorithm}"')
        if algorithm == "dft":
            loglog_guide(ax, ns, ts[0], 2, "∝ N²")

    def make_numpy(n: int):
        x = rng.standard_normal((batch, n)) + 1j * rng.standard_normal((batch, n))
        return lambda: np.fft.fft(x)

    ns, ts = time_curve(make_numpy, sizes, max_call=0.1)
    ax.loglog(ns, ts, "k--", lw=1, label="numpy.fft.fft (peer)")
    ax.set_xlabel("transform length N (batch of 8, complex128)")
    ax.set_ylabel("seconds per call")
    ax.set_title("specconv.fft on NumPy: time against N")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    save(fig, out_dir, "fourier_timing.png")
