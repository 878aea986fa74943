"""Long-convolution sequence operators: H3, Hyena, GSS.

(Stub: being implemented.)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GSSParams",
    "H3Params",
    "HyenaParams",
    "gss",
    "gss_init",
    "gss_reference",
    "h3",
    "h3_init",
    "h3_reference",
    "hyena",
    "hyena_init",
    "hyena_reference",
]


class H3Params:
    """Not implemented yet."""


def h3_init(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def h3(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def h3_reference(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


class HyenaParams:
    """Not implemented yet."""


def hyena_init(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def hyena(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def hyena_reference(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


class GSSParams:
    """Not implemented yet."""


def gss_init(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def gss(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def gss_reference(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError
