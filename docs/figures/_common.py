"""Helpers shared by the figure scripts: style, timing, saving.

Timings are the minimum over a few repeats, each repeat long enough for the clock
(``min_time``); a whole timing curve stops growing ``N`` once one call exceeds ``max_call``
seconds, so the figures stay cheap on a small machine. The numbers are those of the machine
that builds the docs; the figure captions say so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

mpl.rcParams.update(
    {
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "font.size": 9,
        "axes.titlesize": 9.5,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.constrained_layout.use": True,
    }
)

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def best_time(fn: Callable[[], Any], *, repeat: int = 2, min_time: float = 0.01) -> float:
    """Minimum over ``repeat`` rounds of the mean time of one call (seconds)."""
    fn()  # warm-up (plans, caches, lazy imports)
    best = np.inf
    for _ in range(repeat):
        number, elapsed = 1, 0.0
        while True:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            elapsed = time.perf_counter() - start
            if elapsed >= min_time or number >= 1 << 12:
                break
            number *= 4
        best = min(best, elapsed / number)
    return float(best)


def time_curve(
    make_call: Callable[[int], Callable[[], Any]],
    sizes: Sequence[int],
    *,
    max_call: float = 0.05,
    power: float = 1.0,
    repeat: int = 2,
) -> tuple[list[int], list[float]]:
    """Times ``make_call(n)()`` for growing ``n``.

    Stops before a size whose predicted time, ``t_last * (n / n_last) ** power``, exceeds
    ``max_call`` seconds (``power`` is the expected growth: 1 for n log n, 2 for n^2).
    """
    done: list[int] = []
    times: list[float] = []
    for n in sizes:
        if done and times[-1] * (n / done[-1]) ** power > max_call:
            break
        done.append(n)
        times.append(best_time(make_call(n), repeat=repeat))
    return done, times


def save(fig: plt.Figure, out_dir: Path, name: str) -> None:
    fig.savefig(Path(out_dir) / name)
    plt.close(fig)


def loglog_guide(ax: plt.Axes, x: Sequence[float], y0: float, power: float, label: str) -> None:
    """A dotted reference slope ``y0 * (x / x[0])**power``."""
    xs = np.asarray(x, dtype=float)
    ax.loglog(xs, y0 * (xs / xs[0]) ** power, ":", color="0.5", lw=1)
    ax.annotate(
        label,
        (xs[-1], y0 * (xs[-1] / xs[0]) ** power),
        fontsize=7,
        color="0.4",
        ha="right",
        va="bottom",
    )
