"""Benchmarks of specconv.conv beside their peers (scipy.signal, scipy.linalg, numpy/torch FFTs).

Shapes are the (B, H, L) of long-convolution layers with one kernel per channel, ``k (H, L)``,
float32. The target (docs/performance.md): ``causal_conv`` at least 1.5x faster than
``scipy.signal.fftconvolve`` on every shape on a 2-core CPU, ``conv_plan`` reuse faster still.
"""

from __future__ import annotations

import numpy as np

from .common import BACKENDS, XPBenchmark

SHAPES = ["8x64x1024", "8x64x4096", "4x64x16384", "1x64x65536"]


def _inputs(shape: str) -> tuple[np.ndarray, np.ndarray]:
    B, H, L = (int(s) for s in shape.split("x"))
    rng = np.random.default_rng(0)
    u = rng.standard_normal((B, H, L)).astype(np.float32)
    k = rng.standard_normal((H, L)).astype(np.float32)
    return u, k


class CausalConv(XPBenchmark):
    """``causal_conv(u, k, method=...)`` and ``conv_plan(k, L)(u)`` on every backend."""

    params = (BACKENDS, SHAPES, ["fft", "auto", "direct", "plan"])
    param_names = ["backend", "shape", "method"]

    def setup(self, backend: str, shape: str, method: str) -> None:
        if method == "direct" and shape != "8x64x1024":
            raise NotImplementedError("direct is O(L^2) here: only the smallest shape")
        self.setup_backend(backend)
        from specconv import causal_conv, conv_plan

        self.method = method

        u, k = _inputs(shape)
        if method == "direct":
            k = k[:, :32]  # a short kernel: the regime where direct is meant to be used
        self.u, self.k = self.asarray(u), self.asarray(k)
        self.causal_conv = causal_conv
        if method == "plan":
            self.plan = conv_plan(self.k, u.shape[-1], method="fft")
        self.sync(self.run())  # warm-up (JIT, FFT plan caches)

    def run(self):
        if self.method == "plan":
            return self.plan(self.u)
        return self.causal_conv(self.u, self.k, method=self.method)

    def time_causal_conv(self, backend: str, shape: str, method: str) -> None:
        self.sync(self.run())


class CausalConvPeers:
    """The CPU peers of ``causal_conv`` on the same float32 NumPy inputs."""

    params = (SHAPES, ["fftconvolve", "oaconvolve", "numpy_fft", "scipy_fft_workers"])
    param_names = ["shape", "peer"]

    def setup(self, shape: str, peer: str) -> None:
        import scipy.fft
        import scipy.signal

        self.u, k = _inputs(shape)
        self.k = k[None]  # scipy.signal wants equal ndim
        L = self.u.shape[-1]
        if peer == "oaconvolve" and L > 16384:
            raise NotImplementedError("falls back to fftconvolve at equal lengths")
        n = 2 * L
        self.fn = {
            "fftconvolve": lambda: scipy.signal.fftconvolve(self.u, self.k, axes=-1)[..., :L],
            "oaconvolve": lambda: scipy.signal.oaconvolve(self.u, self.k, axes=-1)[..., :L],
            "numpy_fft": lambda: np.fft.irfft(np.fft.rfft(self.u, n) * np.fft.rfft(self.k, n), n)[
                ..., :L
            ],
            "scipy_fft_workers": lambda: scipy.fft.irfft(
                scipy.fft.rfft(self.u, n, workers=-1) * scipy.fft.rfft(self.k, n, workers=-1),
                n,
                workers=-1,
            )[..., :L],
        }[peer]

    def time_peer(self, shape: str, peer: str) -> None:
        self.fn()


class CausalConvTorchBaseline:
    """The torch.fft baseline ``irfft(rfft(u, 2L) * rfft(k, 2L), 2L)[..., :L]``."""

    params = (SHAPES,)
    param_names = ["shape"]

    def setup(self, shape: str) -> None:
        bench = XPBenchmark()
        bench.setup_backend("torch")
        import torch

        u, k = _inputs(shape)
        self.bench, self.torch = bench, torch
        self.u, self.k = bench.asarray(u), bench.asarray(k)

    def time_torch_fft(self, shape: str) -> None:
        fft, L = self.torch.fft, self.u.shape[-1]
        n = 2 * L
        self.bench.sync(fft.irfft(fft.rfft(self.u, n=n) * fft.rfft(self.k, n=n), n=n)[..., :L])


class ToeplitzMatmul(XPBenchmark):
    """``toeplitz_matmul`` beside ``scipy.linalg.matmul_toeplitz`` (n x n times n x 16)."""

    params = (["specconv", "scipy"], [4096, 4099, 65536])
    param_names = ["impl", "n"]

    def setup(self, impl: str, n: int) -> None:
        rng = np.random.default_rng(0)
        self.c, self.r = rng.standard_normal(n), rng.standard_normal(n)
        self.x = rng.standard_normal((n, 16))

    def time_toeplitz_matmul(self, impl: str, n: int) -> None:
        if impl == "scipy":
            import scipy.linalg

            scipy.linalg.matmul_toeplitz((self.c, self.r), self.x)
        else:
            from specconv import toeplitz_matmul

            toeplitz_matmul(self.c, self.r, self.x)
