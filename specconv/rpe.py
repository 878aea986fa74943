"""Kernelized attention with Toeplitz relative position encoding.

(Stub: being implemented.)
"""

from __future__ import annotations

from typing import Any

__all__ = ["kernelized_rpe_attention"]


def kernelized_rpe_attention(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError
