"""The comparison helpers must catch what they are for (and only that)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from specconv.testing import (
    assert_close,
    assert_low_precision_close,
    relative_error,
    tolerance,
)


def test_assert_close_is_normwise() -> None:
    desired = np.array([1.0, 1e-12])
    # an absolute error of 1e-16 on the tiny entry is 1e-4 elementwise, but correct normwise
    assert_close(desired + np.array([0.0, 1e-16]), desired)


def test_assert_close_fails_beyond_budget() -> None:
    desired = np.linspace(1, 2, 10)
    with pytest.raises(AssertionError, match="arrays differ"):
        assert_close(desired * (1 + 1e-10), desired)


def test_assert_close_budget_uses_actual_dtype() -> None:
    desired = np.linspace(1, 2, 10)
    assert_close(desired.astype(np.float32), desired)
    with pytest.raises(AssertionError):
        assert_close(desired.astype(np.float32).astype(np.float64) + 1e-9, desired)


def test_assert_close_shape_and_nonfinite() -> None:
    with pytest.raises(AssertionError, match="shape mismatch"):
        assert_close(np.ones(3), np.ones(4))
    with pytest.raises(AssertionError, match="non-finite"):
        assert_close(np.array([1.0, np.nan]), np.array([1.0, 1.0]))
    assert_close(np.array([1.0, np.inf]), np.array([1.0, np.inf]))


def test_assert_close_zero_desired_uses_absolute_floor() -> None:
    assert_close(np.full(3, 1e-17), np.zeros(3))
    with pytest.raises(AssertionError):
        assert_close(np.full(3, 1e-3), np.zeros(3))


def test_relative_error() -> None:
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([3.0]), np.array([2.0])) == pytest.approx(0.5)
    assert relative_error(np.array([np.nan]), np.array([1.0])) == math.inf
    assert relative_error(np.array([1j]), np.array([0.0])) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.ones(2), np.ones(3))


def test_relative_error_across_backends(xp) -> None:
    x = np.linspace(0.0, 1.0, 7)
    assert relative_error(xp.asarray(x), x) == 0.0


def test_low_precision_rule() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000)
    reference = np.cumsum(x)
    naive = np.cumsum(x.astype(np.float16), dtype=np.float16)
    assert_low_precision_close(naive, naive, reference)
    bad = naive + np.float16(0.5)
    with pytest.raises(AssertionError, match="low-precision result too inaccurate"):
        assert_low_precision_close(bad, naive, reference)


def test_tolerance_accepts_backend_dtypes(xp) -> None:
    assert tolerance(xp.float32) == tolerance(np.float32)
    assert tolerance(xp.complex128, n=8) == tolerance(np.float64, n=8)
