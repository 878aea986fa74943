"""Discrete Fourier transforms: definitions, FFT algorithms, butterflies, Walsh-Hadamard.

(Stub: being implemented.)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "bit_reversal_permutation",
    "butterfly_apply",
    "butterfly_factors",
    "dft",
    "dft_matrix",
    "fft",
    "fwht",
    "idft",
    "ifft",
    "irfft",
    "rfft",
]


def dft(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def idft(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def fft(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def ifft(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def rfft(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def irfft(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def dft_matrix(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def bit_reversal_permutation(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def butterfly_factors(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def butterfly_apply(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def fwht(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError
