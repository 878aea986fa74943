"""Ratio measurements behind docs/performance.md, in one run each (min of interleaved rounds).

asv holds the same contenders as benchmarks; this script prints the ratios side by side as
the performance page shows them, with every contender timed in the same rounds so that load
on the machine affects all of them alike.

Usage::

    python asv_bench/ratios.py conv     # causal_conv / conv_plan vs scipy.signal.fftconvolve
    python asv_bench/ratios.py fft      # stockham / four_step vs numpy.fft.fft, 64 x 16384
    python asv_bench/ratios.py dask     # causal_conv on a 1- and a 2-worker LocalCluster
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import specconv as sc


def best_times(contenders: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Minimum seconds of each contender over ``rounds`` interleaved rounds."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def conv(rounds: int) -> None:
    import scipy.signal

    rng = np.random.default_rng(0)
    print("| B x H x L | fftconvolve | causal_conv (fft) | ratio | conv_plan reuse | ratio |")
    print("|---|---|---|---|---|---|")
    for batch, channels, length in [(8, 64, 1024), (8, 64, 4096), (4, 64, 16384), (1, 64, 65536)]:
        u = rng.standard_normal((batch, channels, length), dtype=np.float32)
        k = (rng.standard_normal((channels, length), dtype=np.float32) / length).astype(np.float32)
        plan = sc.conv_plan(k, length, method="fft")
        t = best_times(
            {
                "peer": lambda u=u, k=k, n=length: scipy.signal.fftconvolve(u, k[None], axes=-1)[
                    ..., :n
                ],
                "ours": lambda u=u, k=k: sc.causal_conv(u, k, method="fft"),
                "plan": lambda u=u, plan=plan: plan(u),
            },
            rounds,
        )
        print(
            f"| {batch} x {channels} x {length} | {t['peer'] * 1e3:.2f} ms | "
            f"{t['ours'] * 1e3:.2f} ms | {t['peer'] / t['ours']:.2f}x | "
            f"{t['plan'] * 1e3:.2f} ms | {t['peer'] / t['plan']:.2f}x |"
        )


def fft(rounds: int) -> None:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 16384)) + 1j * rng.standard_normal((64, 16384))).astype(
        np.complex64
    )
    t = best_times(
        {
            "numpy.fft.fft": lambda: np.fft.fft(x),
            "stockham": lambda: sc.fft(x, algorithm="stockham"),
            "four_step": lambda: sc.fft(x, algorithm="four_step"),
            "native": lambda: sc.fft(x),
        },
        rounds,
    )
    print("| contender | time | / numpy.fft.fft |\n|---|---|---|")
    for name, seconds in t.items():
        print(f"| {name} | {seconds * 1e3:.2f} ms | {seconds / t['numpy.fft.fft']:.2f}x |")


def dask(rounds: int) -> None:
    import dask.array as da
    from distributed import Client, LocalCluster

    batch, channels, length = 64, 64, 16384
    kernel = (np.random.default_rng(0).standard_normal((channels, length)) / length).astype(
        np.float32
    )
    seconds = {}
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            k = da.from_array(kernel, chunks=(channels, length))
            u = da.random.default_rng(1).standard_normal(
                (batch, channels, length), chunks=(4, channels, length), dtype=np.float32
            )
            seconds[workers] = best_times(
                {"run": lambda u=u, k=k: sc.causal_conv(u, k, method="fft").sum().compute()},
                rounds,
            )["run"]
    print("| workers | time | speed-up |\n|---|---|---|")
    for workers, t in seconds.items():
        print(f"| {workers} | {t:.2f} s | {seconds[1] / t:.2f}x |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["conv", "fft", "dask"])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    {"conv": conv, "fft": fft, "dask": dask}[args.what](args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
