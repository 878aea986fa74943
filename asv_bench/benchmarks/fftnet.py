"""Benchmarks of specconv.fftnet: the FFTNet spectral mixer at D = 256, 8 heads, float32.

The cost is two real FFTs of length N per channel plus a (D x D) and a (D x H F) matmul of the
context, O(B D N log N + B D H N); N = 8192 is 8x N = 1024 up to the log factor.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from specconv import fftnet_init, fftnet_mixer

from .common import BACKENDS, XPBenchmark

BATCH, DIM, HEADS = 2, 256, 8
LENGTHS = [1024, 8192]


class FFTNetMixer(XPBenchmark):
    params = [BACKENDS, LENGTHS]
    param_names = ["backend", "N"]
    timeout = 300

    def setup(self, backend: str, N: int) -> None:
        self.setup_backend(backend)
        params = fftnet_init(DIM, N, HEADS, seed=0, dtype=np.float32)
        self.params_xp = dataclasses.replace(
            params,
            **{f.name: self.asarray(getattr(params, f.name)) for f in dataclasses.fields(params)},
        )
        x = np.random.default_rng(0).standard_normal((BATCH, N, DIM), dtype=np.float32)
        self.x = self.asarray(x)

    def time_fftnet_mixer(self, backend: str, N: int) -> None:
        self.sync(fftnet_mixer(self.x, self.params_xp))

    def peakmem_fftnet_mixer(self, backend: str, N: int) -> None:
        self.sync(fftnet_mixer(self.x, self.params_xp))
