"""SSM kernels: S4D (Vandermonde) and S4 (Cauchy + Woodbury) against the naive kernels.

Sizes (H channels, N state size, L length): (256, 64, 4096) and (64, 64, 65536). One
``(H, N/2, L)`` complex128 array is 512 MiB and 2 GiB for these sizes; the ``peakmem_``
benchmark shows that ``s4d_kernel`` stays far below that (it works in chunks of L).
The naive kernels run only where they fit in time and memory (the smaller size).
"""

from __future__ import annotations

import numpy as np

import specconv

from .common import BACKENDS, XPBenchmark

SIZES = ["256x64x4096", "64x64x65536"]


def _parse(size: str) -> tuple[int, int, int]:
    H, N, L = (int(v) for v in size.split("x"))
    return H, N, L


def _s4d_inputs(H: int, N: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    half = N // 2
    Lambda = -0.5 + 1j * np.pi * np.arange(half)
    Lambda = np.broadcast_to(Lambda, (H, half)).copy()
    B = np.ones((H, half), dtype=complex)
    C = rng.normal(size=(H, half)) + 1j * rng.normal(size=(H, half))
    dt = np.exp(np.linspace(np.log(1e-3), np.log(1e-1), H))
    return Lambda, B, C, dt


def _naive_s4d(Lambda: np.ndarray, B: np.ndarray, C: np.ndarray, dt: np.ndarray, L: int):
    # The whole (H, N/2, L) Vandermonde matrix at once (what the chunked kernel avoids).
    dtLambda = dt[:, None] * Lambda
    Bbar = B * np.expm1(dtLambda) / Lambda
    vandermonde = np.exp(dtLambda[..., None] * np.arange(L))
    return 2 * np.real(np.einsum("hn,hnl->hl", C * Bbar, vandermonde))


class S4DKernel(XPBenchmark):
    params = [BACKENDS, SIZES]
    param_names = ["backend", "size"]
    timeout = 600

    def setup(self, backend: str, size: str) -> None:
        self.setup_backend(backend)
        self.H, self.N, self.L = _parse(size)
        self.np_args = _s4d_inputs(self.H, self.N)
        self.args = [self.asarray(a) for a in self.np_args]

    def time_s4d_kernel(self, backend: str, size: str) -> None:
        self.sync(specconv.s4d_kernel(*self.args, self.L))

    def peakmem_s4d_kernel(self, backend: str, size: str) -> None:
        self.sync(specconv.s4d_kernel(*self.args, self.L))


class S4DKernelNaive(XPBenchmark):
    """The whole (H, N/2, L) Vandermonde matrix at once: NumPy, the smaller size only."""

    params = [BACKENDS, SIZES]
    param_names = ["backend", "size"]
    timeout = 600

    def setup(self, backend: str, size: str) -> None:
        self.H, self.N, self.L = _parse(size)
        if backend != "numpy" or self.L > 4096:
            raise NotImplementedError("naive (H, N/2, L) materialisation: NumPy, small size")
        self.np_args = _s4d_inputs(self.H, self.N)

    def time_naive_vandermonde(self, backend: str, size: str) -> None:
        _naive_s4d(*self.np_args, self.L)

    def peakmem_naive_vandermonde(self, backend: str, size: str) -> None:
        _naive_s4d(*self.np_args, self.L)


def _s4_inputs(H: int, N: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    Lambda, P, B, _ = specconv.hippo_dplr("legs", N)
    C = rng.normal(size=(H, N // 2)) + 1j * rng.normal(size=(H, N // 2))
    dt = np.exp(np.linspace(np.log(1e-3), np.log(1e-1), H))
    return Lambda, P, B, C, dt


class S4Kernel(XPBenchmark):
    params = [BACKENDS, SIZES]
    param_names = ["backend", "size"]
    timeout = 600

    def setup(self, backend: str, size: str) -> None:
        self.setup_backend(backend)
        self.H, self.N, self.L = _parse(size)
        Lambda, P, B, C, dt = _s4_inputs(self.H, self.N)
        self.args = [self.asarray(a) for a in (Lambda, P, B, C, dt)]

    def time_s4_kernel(self, backend: str, size: str) -> None:
        self.sync(specconv.s4_kernel(*self.args, self.L))

    def peakmem_s4_kernel(self, backend: str, size: str) -> None:
        self.sync(specconv.s4_kernel(*self.args, self.L))


class S4KernelDense(XPBenchmark):
    """Kernels of the conjugate-expanded dense system: NumPy, the smaller size only."""

    params = [BACKENDS, SIZES]
    param_names = ["backend", "size"]
    timeout = 600

    def setup(self, backend: str, size: str) -> None:
        self.H, self.N, self.L = _parse(size)
        if backend != "numpy" or self.L > 4096:
            raise NotImplementedError("dense references: NumPy, small size")
        Lambda, P, B, C, dt = _s4_inputs(self.H, self.N)
        # the conjugate-expanded dense bilinear system, per channel
        Lf = np.concatenate([Lambda, Lambda.conj()])
        Pf = np.concatenate([P, P.conj()], axis=-1)
        A = np.diag(Lf) - Pf.T @ Pf.conj()
        eye = np.eye(self.N)
        M = eye - (dt[:, None, None] / 2) * A
        self.Abar = np.linalg.solve(M, eye + (dt[:, None, None] / 2) * A)
        Bf = np.concatenate([B, B.conj()])
        self.Bbar = np.linalg.solve(M, (dt[:, None] * Bf)[..., None])[..., 0]
        self.Cf = np.concatenate([C, C.conj()], axis=-1)

    def time_krylov_doubling(self, backend: str, size: str) -> None:
        specconv.ssm_kernel(self.Abar, self.Bbar, self.Cf, self.L)

    def time_naive_sequential(self, backend: str, size: str) -> None:
        specconv.ssm_kernel(self.Abar, self.Bbar, self.Cf, self.L, method="sequential")
