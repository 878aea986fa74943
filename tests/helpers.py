"""Small helpers shared by the test modules (import as ``from tests.helpers import ...``)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from specconv._compat import is_dask_namespace, is_jax_namespace, to_numpy

__all__ = ["backend_name", "has_float64", "numpy_dtype", "to_numpy", "xp_dtype"]


def backend_name(xp: ModuleType) -> str:
    """Short name of a namespace (``numpy``, ``torch``, ``dask.array``, ...)."""
    return xp.__name__.removeprefix("array_api_compat.")


def xp_dtype(xp: ModuleType, name: str) -> Any:
    """The dtype object called ``name`` in ``xp``."""
    return getattr(xp, name)


def numpy_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype with the same name as a backend dtype object."""
    return np.dtype(str(dtype).rsplit(".", 1)[-1])


def has_float64(xp: ModuleType) -> bool:
    """Whether the backend computes in float64 here (JAX only with x64 enabled)."""
    if is_jax_namespace(xp):
        import jax

        return bool(jax.config.jax_enable_x64)
    return True


def is_lazy_namespace(xp: ModuleType) -> bool:
    """Dask and JAX: no value-based checks run inside the functions."""
    return is_dask_namespace(xp) or is_jax_namespace(xp)
