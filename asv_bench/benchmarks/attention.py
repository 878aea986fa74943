"""Benchmarks of specconv.attention: the forms of causal linear attention against each other.

Sizes follow the issue targets: batch * heads = 8, Dk = Dv = 64, float32, T up to 16384. The
quadratic form materialises (8, T, T) and runs only up to T = 8192; "parallel" is the
non-causal form (the others run causal).

Targets (measured, see the report / docs/performance):
* ``peakmem`` of ``chunked`` at T = 16384 below 1/8 of ``cumsum``'s (the O(T Dk Dv) outer
  products);
* ``time`` of ``chunked`` at T = 8192 at least 5x below ``quadratic`` on NumPy.
"""

from __future__ import annotations

import numpy as np

from specconv import linear_attention, softmax_attention

from .common import BACKENDS, XPBenchmark

BATCH, HEADS, D = 2, 4, 64
LENGTHS = [1024, 4096, 8192, 16384]
METHODS = ["quadratic", "cumsum", "chunked", "parallel"]


def _inputs(T: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    shape = (BATCH, HEADS, T, D)
    return tuple(rng.standard_normal(shape, dtype=np.float32) for _ in range(3))  # type: ignore[return-value]


def _feasible(method: str, T: int) -> bool:
    # quadratic: 8 x T x T float32 (2 GiB at 8192, 8 GiB at 16384)
    return not (method == "quadratic" and T > 8192)


class LinearAttention(XPBenchmark):
    params = [BACKENDS, METHODS, LENGTHS]
    param_names = ["backend", "method", "T"]
    timeout = 600

    def setup(self, backend: str, method: str, T: int) -> None:
        if not _feasible(method, T):
            raise NotImplementedError("too large for this form")
        self.setup_backend(backend)
        self.q, self.k, self.v = (self.asarray(x) for x in _inputs(T))
        self.causal = method != "parallel"
        self.method = method

    def time_linear_attention(self, backend: str, method: str, T: int) -> None:
        self.sync(linear_attention(self.q, self.k, self.v, causal=self.causal, method=self.method))

    def peakmem_linear_attention(self, backend: str, method: str, T: int) -> None:
        self.sync(linear_attention(self.q, self.k, self.v, causal=self.causal, method=self.method))


class SoftmaxAttention(XPBenchmark):
    """The O(T^2) baseline linear attention competes with."""

    params = [BACKENDS, [1024, 4096]]
    param_names = ["backend", "T"]

    def setup(self, backend: str, T: int) -> None:
        self.setup_backend(backend)
        self.q, self.k, self.v = (self.asarray(x) for x in _inputs(T))

    def time_softmax_attention(self, backend: str, T: int) -> None:
        self.sync(softmax_attention(self.q, self.k, self.v, causal=True))
