"""FFTNet spectral token mixer.

(Stub: being implemented.)
"""

from __future__ import annotations

from typing import Any

__all__ = ["FFTNetParams", "fftnet_init", "fftnet_mixer", "modrelu", "spectral_filter"]


def modrelu(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def spectral_filter(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


class FFTNetParams:
    """Not implemented yet."""


def fftnet_init(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def fftnet_mixer(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError
