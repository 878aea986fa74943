"""State space models: HiPPO, discretization, S4/S4D kernels, the scan.

(Stub: being implemented.)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "discretize",
    "hippo",
    "hippo_dplr",
    "s4_kernel",
    "s4d_init",
    "s4d_kernel",
    "ssm_kernel",
    "ssm_scan",
]


def hippo(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def hippo_dplr(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def s4d_init(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def discretize(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def ssm_kernel(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def s4d_kernel(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def s4_kernel(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def ssm_scan(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError
