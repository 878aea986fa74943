"""Benchmarks of specconv.rpe: kernelized RPE attention, FFT Toeplitz products vs dense.

batch * heads = 2, Dk = Dv = 32 (so the FFT transforms m * Dv + m = 1056 columns), float32.
"direct" builds the (2, T, T) matrix and runs up to T = 4096; "fft" grows as T log T and
overtakes it (the crossover) as T grows.
"""

from __future__ import annotations

import numpy as np

from specconv import kernelized_rpe_attention

from .common import BACKENDS, XPBenchmark

BATCH_HEADS, D = 2, 32
LENGTHS = [256, 1024, 4096, 16384]


class KernelizedRPE(XPBenchmark):
    params = [BACKENDS, ["fft", "direct"], LENGTHS]
    param_names = ["backend", "method", "T"]
    timeout = 600

    def setup(self, backend: str, method: str, T: int) -> None:
        if method == "direct" and T > 4096:
            raise NotImplementedError("dense T x T reference: too large")
        self.setup_backend(backend)
        rng = np.random.default_rng(0)
        shape = (BATCH_HEADS, T, D)
        q, k, v = (rng.standard_normal(shape, dtype=np.float32) for _ in range(3))
        r = np.abs(np.arange(-(T - 1), T, dtype=np.float32))
        b = -np.log1p(r)  # a smooth distance decay
        self.q, self.k, self.v, self.b = (self.asarray(x) for x in (q, k, v, b))
        self.method = method

    def time_kernelized_rpe_attention(self, backend: str, method: str, T: int) -> None:
        self.sync(
            kernelized_rpe_attention(
                self.q, self.k, self.v, self.b, causal=True, method=self.method
            )
        )

    def peakmem_kernelized_rpe_attention(self, backend: str, method: str, T: int) -> None:
        self.sync(
            kernelized_rpe_attention(
                self.q, self.k, self.v, self.b, causal=True, method=self.method
            )
        )
