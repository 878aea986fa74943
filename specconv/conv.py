"""Causal, circular and Toeplitz convolution.

(Stub: being implemented.)
"""

from __future__ import annotations

from typing import Any

__all__ = ["causal_conv", "circular_conv", "conv_plan", "toeplitz", "toeplitz_matmul"]


def causal_conv(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def conv_plan(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def circular_conv(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def toeplitz(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def toeplitz_matmul(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError
