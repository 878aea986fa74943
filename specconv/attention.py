"""Softmax and linear attention, feature maps.

(Stub: being implemented.)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "elu_feature_map",
    "favor_features",
    "linear_attention",
    "linear_attention_step",
    "random_features",
    "softmax_attention",
]


def softmax_attention(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def linear_attention(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def linear_attention_step(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def elu_feature_map(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def random_features(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError


def favor_features(*args: Any, **kwargs: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError
