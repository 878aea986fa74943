"""Causal linear attention: peak memory and time of the quadratic, cumsum and chunked forms."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _common import COLORS, best_time, save

import specconv as sc
from specconv.testing import relative_error, tolerance

OUTPUTS = ["attention_forms.png"]

DK = DV = 32
LIMITS = {"quadratic": 2048, "cumsum": 4096, "chunked": 8192, "recurrent": 1024}


def peak_memory(fn) -> float:
    """Peak bytes allocated by NumPy during one call (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def main(out_dir: Path) -> None:
    rng = np.random.default_rng(0)
    lengths = [2**p for p in range(7, 14)]
    memory: dict[str, list[tuple[int, float]]] = {m: [] for m in LIMITS}
    times: dict[str, list[tuple[int, float]]] = {m: [] for m in LIMITS}
    for T in lengths:
        q, k, v = (rng.standard_normal((1, T, d)) for d in (DK, DK, DV))
        reference = None
        for method, limit in LIMITS.items():
            if limit < T:
                continue

            def call(method: str = method, q=q, k=k, v=v):
                return sc.linear_attention(q, k, v, causal=True, method=method)

            y = call()
            if reference is None:
                reference = y
            elif relative_error(y, reference) > tolerance(np.float64, n=T):
                raise AssertionError(f"linear_attention {method} disagrees at T={T}")
            memory[method].append((T, peak_memory(call)))
            times[method].append((T, best_time(call, repeat=2, min_time=0.01)))
    input_bytes = [(T, 8.0 * T * (2 * DK + DV)) for T in lengths]
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2))
    for color, method in zip(COLORS, LIMITS, strict=False):
        Ts, mem = zip(*memory[method], strict=True)
        axes[0].loglog(
            Ts, np.array(mem) / 2**20, "o-", ms=3, color=color, label=f'method="{method}"'
        )
        Ts, ts = zip(*times[method], strict=True)
        axes[1].loglog(Ts, ts, "o-", ms=3, color=color, label=f'method="{method}"')
    Ts, mem = zip(*input_bytes, strict=True)
    axes[0].loglog(Ts, np.array(mem) / 2**20, "k:", lw=1, label="size of q, k, v")
    axes[0].set_ylabel("peak extra memory (MiB)")
    axes[1].set_ylabel("seconds per call")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel(f"sequence length T (causal, Dk = Dv = {DK}, float64)")
    axes[0].legend()
    axes[0].set_title("memory: T² for quadratic, T·Dk·Dv for cumsum")
    axes[1].set_title("time")
    save(fig, out_dir, "attention_forms.png")
