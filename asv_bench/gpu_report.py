"""One-call GPU performance table for specconv (the numbers behind docs/performance.md).

For each shape it times, on the chosen backend (CuPy on a GPU by default):

* ``causal_conv`` (specconv, ``method="fft"``) and ``conv_plan`` (kernel spectrum reused);
* the PyTorch baseline that FlashFFTConv reports against,
  ``irfft(rfft(u, 2L) * rfft(k, 2L), 2L)[..., :L]``;
* the memory roofline: the bytes of ``u + k + y`` over the measured device-to-device copy
  bandwidth (a copy reads and writes each byte once), and each time as a fraction of it;

and then ``s4d_kernel``, chunked causal ``linear_attention`` and ``kernelized_rpe_attention``
at large sizes with their roofline fractions. Every timed call ends with a device
synchronisation; each figure is the median of ``--repeat`` runs after warm-up runs.

Usage::

    python asv_bench/gpu_report.py                      # CuPy + torch on the GPU
    python asv_bench/gpu_report.py --backend numpy --small   # smoke run on the CPU
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import specconv as sc

CONV_SHAPES = [
    (16, 768, 1024),
    (16, 768, 4096),
    (8, 768, 16384),
    (4, 256, 65536),
    (1, 64, 1048576),
]
SMALL_CONV_SHAPES = [(2, 8, 1024), (1, 4, 8192)]


class Backend:
    """Array creation, synchronisation and copy bandwidth for one backend."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name == "cupy":
            import cupy

            self.xp = cupy
        elif name == "torch":
            import torch

            self.xp = torch
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        else:
            self.xp = np

    def asarray(self, x: np.ndarray) -> Any:
        if self.name == "torch":
            return self.xp.asarray(x, device=self.device)
        return self.xp.asarray(x)

    def sync(self) -> None:
        if self.name == "cupy":
            self.xp.cuda.get_current_stream().synchronize()
        elif self.name == "torch" and self.device == "cuda":
            self.xp.cuda.synchronize()

    def copy_bandwidth(self, nbytes: int = 1 << 30) -> float:
        """Bytes per second of a device-to-device copy (read + write counted)."""
        x = self.asarray(np.zeros(nbytes // 4, dtype=np.float32))

        def copy() -> Any:
            return x.clone() if self.name == "torch" else x.copy()

        seconds = self.time(copy)
        return 2 * nbytes / seconds

    def time(self, fn: Callable[[], Any], *, warmup: int = 2, repeat: int = 7) -> float:
        for _ in range(warmup):
            fn()
        self.sync()
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            self.sync()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)


def torch_fft_conv(torch: Any, u: Any, k: Any) -> Any:
    """The baseline FlashFFTConv benchmarks against (fp32 cuFFT through torch.fft)."""
    n = 2 * u.shape[-1]
    spectrum = torch.fft.rfft(u, n=n) * torch.fft.rfft(k, n=n)
    return torch.fft.irfft(spectrum, n=n)[..., : u.shape[-1]]


def conv_rows(backend: Backend, shapes: list[tuple[int, int, int]], bandwidth: float) -> list[str]:
    rows = []
    try:
        torch_backend: Backend | None = Backend("torch")
    except ImportError:
        torch_backend = None
    rng = np.random.default_rng(0)
    for batch, channels, length in shapes:
        u_np = rng.standard_normal((batch, channels, length), dtype=np.float32)
        k_np = (rng.standard_normal((channels, length), dtype=np.float32) / length).astype(
            np.float32
        )
        u, k = backend.asarray(u_np), backend.asarray(k_np)
        t_ours = backend.time(lambda u=u, k=k: sc.causal_conv(u, k, method="fft"))
        plan = sc.conv_plan(k, length, method="fft")
        t_plan = backend.time(lambda u=u, plan=plan: plan(u))
        t_torch = float("nan")
        if torch_backend is not None:
            tu, tk = torch_backend.asarray(u_np), torch_backend.asarray(k_np)
            t_torch = torch_backend.time(
                lambda tu=tu, tk=tk: torch_fft_conv(torch_backend.xp, tu, tk)
            )
            del tu, tk
        nbytes = 4 * (2 * u_np.size + k_np.size)
        roofline = nbytes / bandwidth
        rows.append(
            f"| {batch}x{channels}x{length} | {t_ours * 1e3:.3f} | {t_plan * 1e3:.3f} | "
            f"{t_torch * 1e3:.3f} | {t_torch / t_ours:.2f} | {roofline * 1e3:.3f} | "
            f"{roofline / t_ours:.1%} | {roofline / t_torch:.1%} |"
        )
        del u, k, plan
    return rows


def other_rows(backend: Backend, small: bool, bandwidth: float) -> list[str]:
    rng = np.random.default_rng(1)
    rows = []
    # S4D kernel: H channels, N/2 modes, length L
    h, n2, length = (8, 16, 4096) if small else (256, 32, 65536)
    Lambda = backend.asarray(np.tile(sc.s4d_init("lin", 2 * n2), (h, 1)))
    B = backend.asarray(np.ones((h, n2), dtype=np.complex128))
    C = backend.asarray(rng.standard_normal((h, n2)) + 1j * rng.standard_normal((h, n2)))
    dt = backend.asarray(np.geomspace(1e-3, 1e-1, h))
    t = backend.time(lambda: sc.s4d_kernel(Lambda, B, C, dt, length))
    nbytes = 8 * h * length + 3 * 16 * h * n2
    rows.append(
        f"| s4d_kernel H={h} N/2={n2} L={length} float64 | {t * 1e3:.3f} | "
        f"{nbytes / bandwidth / t:.1%} |"
    )
    # chunked causal linear attention
    bh, length, d = (2, 1024, 32) if small else (8, 16384, 64)
    q, k, v = (
        backend.asarray(rng.standard_normal((bh, length, d), dtype=np.float32)) for _ in range(3)
    )
    t = backend.time(lambda: sc.linear_attention(q, k, v, causal=True, method="chunked"))
    nbytes = 4 * 4 * bh * length * d
    rows.append(
        f"| linear_attention chunked causal BH={bh} T={length} D={d} float32 | "
        f"{t * 1e3:.3f} | {nbytes / bandwidth / t:.1%} |"
    )
    # kernelized attention with Toeplitz RPE
    bh, length, d = (2, 512, 16) if small else (8, 8192, 64)
    q, k, v = (
        backend.asarray(rng.standard_normal((bh, length, d), dtype=np.float32)) for _ in range(3)
    )
    b = backend.asarray(rng.uniform(-3, 3, (bh, 2 * length - 1)).astype(np.float32))
    t = backend.time(lambda: sc.kernelized_rpe_attention(q, k, v, b, method="fft"))
    nbytes = 4 * (4 * bh * length * d + bh * (2 * length - 1))
    rows.append(
        f"| kernelized_rpe_attention fft BH={bh} T={length} D={d} float32 | "
        f"{t * 1e3:.3f} | {nbytes / bandwidth / t:.1%} |"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="cupy", choices=["cupy", "torch", "numpy"])
    parser.add_argument("--small", action="store_true", help="small sizes (CPU smoke run)")
    args = parser.parse_args(argv)
    backend = Backend(args.backend)
    bandwidth = backend.copy_bandwidth(1 << 24 if args.small else 1 << 30)
    print(f"backend: {args.backend}; copy bandwidth {bandwidth / 1e9:.1f} GB/s")
    print(
        "\n| B x H x L | specconv (ms) | conv_plan (ms) | torch.fft (ms) | torch / specconv "
        "| roofline (ms) | specconv % roofline | torch % roofline |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in conv_rows(backend, SMALL_CONV_SHAPES if args.small else CONV_SHAPES, bandwidth):
        print(row)
    print("\n| operation | time (ms) | % roofline |")
    print("|---|---|---|")
    for row in other_rows(backend, args.small, bandwidth):
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
