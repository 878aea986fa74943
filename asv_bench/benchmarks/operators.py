"""Benchmarks of specconv.operators: H3, Hyena and GSS forward passes at D = 256, float32.

Batch 1, L in {1024, 8192}, the init defaults of each operator (H3: d_state 64, head_dim 1;
Hyena: order 2, filter MLP width 64; GSS: F = 4D, H = D/4, N = 512). Only the fast paths
(``causal_conv`` + ``s4d_kernel``) are timed: the dense ``*_reference`` twins build
(channels, L, L) Toeplitz matrices (2 GiB for H3 at L = 1024) and exist for testing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from specconv import gss, gss_init, h3, h3_init, hyena, hyena_init

from .common import BACKENDS, XPBenchmark

BATCH, DIM = 1, 256
LENGTHS = [1024, 8192]
OPERATORS = ["h3", "hyena", "gss"]


def _params(name: str, L: int) -> Any:
    if name == "h3":
        return h3_init(DIM, seed=0, dtype=np.float32)
    if name == "hyena":
        return hyena_init(DIM, L, seed=0, dtype=np.float32)
    return gss_init(DIM, seed=0, dtype=np.float32)


_FORWARD = {"h3": h3, "hyena": hyena, "gss": gss}


class Operators(XPBenchmark):
    params = [BACKENDS, OPERATORS, LENGTHS]
    param_names = ["backend", "operator", "L"]
    timeout = 600

    def setup(self, backend: str, operator: str, L: int) -> None:
        self.setup_backend(backend)
        params = _params(operator, L)
        self.params_xp = dataclasses.replace(
            params,
            **{f.name: self.asarray(getattr(params, f.name)) for f in dataclasses.fields(params)},
        )
        u = np.random.default_rng(0).standard_normal((BATCH, L, DIM), dtype=np.float32)
        self.u = self.asarray(u)
        self.forward = _FORWARD[operator]

    def time_forward(self, backend: str, operator: str, L: int) -> None:
        self.sync(self.forward(self.u, self.params_xp))

    def peakmem_forward(self, backend: str, operator: str, L: int) -> None:
        self.sync(self.forward(self.u, self.params_xp))
