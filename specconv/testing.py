"""Comparison helpers and the tolerance policy of specconv.

The same rules serve specconv's own tests, ``python -m specconv check`` and
``python -m specconv validate``.

Error measure
-------------
Errors are measured *normwise*:

.. math::

    \\operatorname{err}(a, d) = \\frac{\\max_i |a_i - d_i|}{\\max_i |d_i|}

FFT-based results spread their round-off evenly over all outputs (every output is a sum over
every input), so an output that happens to be tiny carries an absolute error of the size of the
largest one. An elementwise relative test would then fail on correct code; the normwise measure
is the one in which the error bounds of FFTs and of summation are stated.

Budget
------
``tolerance(dtype, n=n)`` is :math:`c \\, \\varepsilon \\, (1 + \\log_2 n)` with
:math:`\\varepsilon` the machine epsilon of the dtype and :math:`c = 16`: the classic bound for
an FFT of length :math:`n` is :math:`O(\\varepsilon \\log_2 n)` normwise, and a pairwise or
blocked sum of :math:`n` terms has the same growth. The constant 16 leaves room for the few
extra roundings of a convolution (two forward transforms, a product, an inverse transform)
without admitting a real bug, which shows up as errors of order 1, :math:`\\sqrt{\\varepsilon}`
or :math:`n \\varepsilon`. Measured errors behind this choice are listed in
``docs/accuracy.md``.

Low precision
-------------
float16 and bfloat16 follow the FlashAttention rule (:func:`assert_low_precision_close`): a fast
result in precision :math:`p` passes when its error against the float64 reference is at most
twice the error of the naive definition computed in precision :math:`p`, plus a small floor.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specconv._compat import to_numpy

__all__ = [
    "assert_close",
    "assert_low_precision_close",
    "low_precision_budget",
    "relative_error",
    "tolerance",
]

#: Safety factor of the budget (see the module docstring).
TOLERANCE_FACTOR = 16.0


def _numpy_eps(dtype: Any) -> float:
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        np_dtype = None
    if np_dtype is not None and np_dtype.kind in "fc":
        return float(np.finfo(np_dtype).eps)
    name = str(dtype).rsplit(".", 1)[-1].strip("'>")
    if "bfloat16" in name:
        return 2.0**-7
    if name in ("float16", "half", "complex32", "chalf"):
        return 2.0**-10
    if name in ("float32", "float", "complex64", "cfloat", "single"):
        return 2.0**-23
    if name in ("float64", "double", "complex128", "cdouble"):
        return 2.0**-52
    try:
        return float(np.finfo(np.dtype(name)).eps)
    except TypeError:
        msg = f"`dtype` must be a floating or complex dtype, got {dtype}"
        raise TypeError(msg) from None


def tolerance(dtype: Any, /, *, n: int = 1) -> float:
    """Error budget for a result of ``dtype`` computed from ``n``-term sums or length-``n`` FFTs.

    .. math::

        \\mathrm{tol} = 16 \\, \\varepsilon(\\mathrm{dtype}) \\, (1 + \\log_2 n)

    Parameters
    ----------
    dtype : dtype
        Dtype of the result (any backend's dtype object, or a NumPy dtype / name). Complex
        dtypes use the epsilon of their real part.
    n : int, optional
        The length that governs error growth: the transform length of an FFT, the number of
        terms of a sum. Default 1.

    Returns
    -------
    float
        The largest normwise relative error (see :func:`relative_error`) a correct result may
        have.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv.testing import tolerance
    >>> tolerance(np.float64, n=1024)  # 16 * 2**-52 * 11
    3.907985046680551e-14
    >>> tolerance(np.float32) > tolerance(np.float64)
    True
    """
    if n < 1:
        msg = f"`n` must be >= 1, got {n}"
        raise ValueError(msg)
    return TOLERANCE_FACTOR * _numpy_eps(dtype) * (1.0 + math.log2(n))


def relative_error(actual: Any, desired: Any, /) -> float:
    """Normwise relative error ``max|actual - desired| / max|desired|`` (any backends).

    Both arguments are copied to NumPy and compared in float64/complex128. When ``desired`` is
    all zeros the absolute error is returned. Non-finite values count as an infinite error
    unless they sit at the same places, with the same values, in both.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv.testing import relative_error
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    0.2
    """
    a = np.asarray(to_numpy(actual))
    d = np.asarray(to_numpy(desired))
    if a.shape != d.shape:
        msg = f"shapes differ: actual {a.shape}, desired {d.shape}"
        raise ValueError(msg)
    wide = np.complex128 if (np.iscomplexobj(a) or np.iscomplexobj(d)) else np.float64
    a = a.astype(wide)
    d = d.astype(wide)
    if a.size == 0:
        return 0.0
    finite_a, finite_d = np.isfinite(a), np.isfinite(d)
    if not np.array_equal(finite_a, finite_d):
        return math.inf
    if not finite_d.all():
        same = (a[~finite_d] == d[~finite_d]) | (np.isnan(a[~finite_d]) & np.isnan(d[~finite_d]))
        if not same.all():
            return math.inf
        a, d = a[finite_d], d[finite_d]
        if a.size == 0:
            return 0.0
    scale = float(np.max(np.abs(d)))
    error = float(np.max(np.abs(a - d)))
    return error / scale if scale > 0 else error


def assert_close(
    actual: Any,
    desired: Any,
    /,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    n: int = 1,
) -> None:
    """Assert that ``actual`` matches ``desired`` normwise, on any backend.

    Passes when ``max|actual - desired| <= atol + rtol * max|desired|``. Both arrays are moved
    to NumPy for the comparison; their shapes must be equal.

    Parameters
    ----------
    actual, desired : array
        Arrays of any supported backend (or NumPy arrays).
    rtol : float, optional
        Normwise relative tolerance. Default ``tolerance(actual.dtype, n=n)``.
    atol : float, optional
        Absolute floor. Default 0 (or ``rtol`` when ``desired`` is all zeros).
    n : int, optional
        Size that governs error growth, used only for the default ``rtol``.

    Raises
    ------
    AssertionError
        With the measured error, the budget and the location of the largest difference.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv.testing import assert_close
    >>> assert_close(np.fft.fft(np.ones(8)), np.array([8.0] + [0.0] * 7))
    """
    a = np.asarray(to_numpy(actual))
    d = np.asarray(to_numpy(desired))
    if a.shape != d.shape:
        msg = f"shape mismatch: actual {a.shape}, desired {d.shape}"
        raise AssertionError(msg)
    if rtol is None:
        rtol = tolerance(a.dtype if a.dtype.kind in "fc" else np.float64, n=n)
    wide = np.complex128 if (np.iscomplexobj(a) or np.iscomplexobj(d)) else np.float64
    a64, d64 = a.astype(wide), d.astype(wide)
    if a.size == 0:
        return
    scale = float(np.max(np.abs(d64[np.isfinite(d64)]), initial=0.0))
    if atol is None:
        atol = rtol if scale == 0 else 0.0
    bound = atol + rtol * scale
    finite_a, finite_d = np.isfinite(a64), np.isfinite(d64)
    mismatch = finite_a != finite_d
    if mismatch.any():
        where = np.unravel_index(int(np.argmax(mismatch)), a.shape)
        msg = (
            f"non-finite values differ: actual[{where}] = {a[where]}, desired[{where}] = {d[where]}"
        )
        raise AssertionError(msg)
    diff = np.where(finite_d, np.abs(a64 - np.where(finite_d, d64, 0)), 0.0)
    error = float(np.max(diff))
    if not error <= bound:
        where = np.unravel_index(int(np.argmax(diff)), a.shape)
        msg = (
            f"arrays differ: max|actual - desired| = {error:.3e} > {bound:.3e} "
            f"(atol {atol:.1e} + rtol {rtol:.1e} * max|desired| {scale:.3e}); "
            f"relative error {error / scale if scale else error:.3e}; "
            f"largest at index {tuple(int(i) for i in where)}: "
            f"actual {a[where]}, desired {d[where]}"
        )
        raise AssertionError(msg)


def low_precision_budget(
    naive_error: float, dtype: Any, /, *, factor: float = 2.0, floor: float | None = None
) -> float:
    """The FlashAttention budget: ``factor * naive_error + floor`` for a result of ``dtype``.

    ``naive_error`` is the normwise error (:func:`relative_error`) of the naive definition
    computed in the same low precision, against the float64 reference. The default ``floor``
    is ``eps(dtype) / 8``: rounding the output alone may cost that much even when the naive
    result happens to be exact.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv.testing import low_precision_budget
    >>> low_precision_budget(1e-3, np.float16)  # 2e-3 + 2**-10 / 8
    0.0021220703125
    """
    if floor is None:
        floor = _numpy_eps(dtype) / 8
    return factor * naive_error + floor


def assert_low_precision_close(
    actual: Any, naive: Any, reference: Any, /, *, factor: float = 2.0, floor: float | None = None
) -> None:
    """The FlashAttention rule for float16/bfloat16 results.

    ``actual`` (a fast path in low precision) passes when

    .. math::

        \\operatorname{err}(a, r) \\le c \\, \\operatorname{err}(n, r) + f

    with :math:`a` = ``actual``, :math:`n` = ``naive``, :math:`r` = ``reference``,
    :math:`c` = ``factor`` and :math:`f` = ``floor``; ``naive`` is the definition computed in
    the same low precision and ``reference`` the
    float64 result. The default floor is the low precision's epsilon divided by 8 (a rounding of
    the output alone may cost that much even when ``naive`` happens to be exact).

    Examples
    --------
    >>> import numpy as np
    >>> from specconv.testing import assert_low_precision_close
    >>> ref = np.linspace(0, 1, 9)
    >>> naive = ref.astype(np.float16)
    >>> assert_low_precision_close(naive, naive, ref)
    """
    a = np.asarray(to_numpy(actual))
    naive_error = relative_error(naive, reference)
    dtype = a.dtype if a.dtype.kind in "fc" else np.float16
    budget = low_precision_budget(naive_error, dtype, factor=factor, floor=floor)
    error = relative_error(a, reference)
    if not error <= budget:
        msg = (
            f"low-precision result too inaccurate: error {error:.3e} > budget {budget:.3e} "
            f"({factor} x naive error {naive_error:.3e} + floor)"
        )
        raise AssertionError(msg)
