"""Shared machinery of the benchmark suite: backends as parameters, synchronised timing.

A benchmark class derives from :class:`XPBenchmark`, lists ``params = [BACKENDS, ...]``
(first parameter: the backend name), calls ``self.setup_backend(backend)`` in ``setup`` and
converts its NumPy inputs with ``self.asarray``. The timed method wraps its result in
``self.sync(...)`` so that lazy and asynchronous backends (Dask, JAX, CuPy, CUDA torch)
finish the work inside the timed region. Missing backends are skipped with
``NotImplementedError`` in ``setup`` (asv's way of skipping a parameter combination).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

import numpy as np

#: Every backend the suite knows; ``SPECCONV_BENCH_BACKENDS=numpy,torch`` narrows it.
ALL_BACKENDS = ["numpy", "torch", "dask", "jax", "cupy"]
BACKENDS = [
    b.strip()
    for b in os.environ.get("SPECCONV_BENCH_BACKENDS", ",".join(ALL_BACKENDS)).split(",")
    if b.strip()
]

_MODULES = {
    "numpy": "numpy",
    "torch": "torch",
    "dask": "dask.array",
    "jax": "jax.numpy",
    "cupy": "cupy",
}


def backend_module(name: str) -> ModuleType:
    """Import a backend or raise ``NotImplementedError`` (asv then skips the combination)."""
    try:
        module = importlib.import_module(_MODULES[name])
    except Exception as exc:  # noqa: BLE001 - not installed / broken: skip
        raise NotImplementedError(f"{name} is not available: {exc}") from None
    if name == "cupy":
        try:
            if module.cuda.runtime.getDeviceCount() < 1:
                raise NotImplementedError("no GPU")
        except Exception as exc:  # noqa: BLE001
            raise NotImplementedError(f"no GPU: {exc}") from None
    if name == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
    return module


class XPBenchmark:
    """Base class: backend setup, array conversion and synchronisation."""

    backend: str
    module: ModuleType

    def setup_backend(self, backend: str) -> None:
        self.backend = backend
        self.module = backend_module(backend)

    def asarray(self, x: np.ndarray) -> Any:
        """Move a NumPy array to the backend (on its default device; CUDA for torch if present)."""
        if self.backend == "numpy":
            return x
        if self.backend == "torch":
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
            return torch.asarray(x, device=device)
        if self.backend == "dask":
            import dask.array as da

            # chunked along the leading (batch) axis, one chunk along the sequence
            chunks = (max(1, x.shape[0] // 2), *x.shape[1:]) if x.ndim > 1 else x.shape
            return da.from_array(x, chunks=chunks)
        return self.module.asarray(x)

    def sync(self, result: Any) -> Any:
        """Finish the computation of ``result`` (inside the timed region)."""
        if self.backend == "dask":
            import dask

            return dask.compute(result)[0]
        if self.backend == "jax":
            import jax

            return jax.block_until_ready(result)
        if self.backend == "cupy":
            import cupy

            cupy.cuda.get_current_stream().synchronize()
        elif self.backend == "torch":
            import torch

            if torch.cuda.is_available():
                torch.cuda.synchronize()
        return result
