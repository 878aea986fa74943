"""Backend plumbing: the one module of specconv that imports ``array_api_compat``.

Everything a public function needs before it can compute lives here:

* :func:`array_namespace` -- the namespace of the (named) array arguments, with errors that
  name the offending argument;
* the dtype policy of the contract (SPEC section 2): :func:`result_dtype` (what a function
  returns), :func:`compute_dtype` (what it computes in), :func:`complex_dtype` /
  :func:`real_dtype` (the real <-> complex pairs);
* FFT access that behaves the same on every backend (:func:`fft`, :func:`ifft`, :func:`rfft`,
  :func:`irfft`): array-api-strict wants complex input for ``fft``/``ifft``/``irfft``, Dask
  wants the transformed axis in one chunk, and NumPy is faster through ``scipy.fft`` with
  worker threads when SciPy is importable;
* the shared input checks (:func:`check_choice`, :func:`check_axis`, :func:`check_length`,
  :func:`check_ndim`, ...) so that every message reads the same.
"""

from __future__ import annotations

import functools
import math
import operator
import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import array_api_compat
from array_api_compat import device as _device
from array_api_compat import (
    is_array_api_obj,
    is_array_api_strict_namespace,
    is_cupy_namespace,
    is_dask_namespace,
    is_jax_namespace,
    is_lazy_array,
    is_numpy_namespace,
    is_torch_namespace,
)
from array_api_compat import size as _size

__all__ = [
    "Array",
    "DType",
    "array_namespace",
    "as_compute",
    "check_axis",
    "check_broadcast",
    "check_choice",
    "check_length",
    "check_ndim",
    "check_nonempty",
    "check_positive_int",
    "check_real_scalar",
    "check_state_size",
    "complex_dtype",
    "compute_dtype",
    "creation_namespace",
    "default_float",
    "device",
    "eps",
    "fft",
    "ifft",
    "irfft",
    "is_array_api_strict_namespace",
    "is_complex",
    "is_cupy_namespace",
    "is_dask_namespace",
    "is_jax_namespace",
    "is_lazy",
    "is_numpy_namespace",
    "is_torch_namespace",
    "next_fast_len",
    "real_dtype",
    "result_dtype",
    "rfft",
    "size",
    "to_numpy",
]

#: Any array of a supported library (the standard gives no static type for it).
Array = Any
#: Any dtype object of a supported library.
DType = Any


# --------------------------------------------------------------------------------------------
# Namespaces and devices
# --------------------------------------------------------------------------------------------


def array_namespace(**arrays: Any) -> ModuleType:
    """Return the array API namespace shared by the named array arguments.

    Keyword names are the public argument names, so that errors can name them: call it as
    ``xp = array_namespace(u=u, k=k, D=D)``. ``None`` values are skipped (optional arrays).

    Raises
    ------
    TypeError
        If an argument is not an array of a supported library (lists and Python scalars
        included: specconv never guesses a backend), or if the arrays come from different
        libraries.
    """
    present = {name: value for name, value in arrays.items() if value is not None}
    for name, value in present.items():
        if not is_array_api_obj(value) or isinstance(value, (bool, int, float, complex)):
            msg = (
                f"`{name}` must be an array (NumPy, CuPy, PyTorch, JAX, Dask or "
                f"array-api-strict), got {type(value).__name__}; wrap it first, e.g. "
                f"numpy.asarray({name})"
            )
            raise TypeError(msg)
    if not present:
        msg = "at least one array argument is required"
        raise TypeError(msg)
    try:
        return array_api_compat.array_namespace(*present.values())
    except TypeError:
        kinds = ", ".join(
            f"`{n}` is {type(v).__module__}.{type(v).__name__}" for n, v in present.items()
        )
        msg = f"array arguments must come from one array library: {kinds}"
        raise TypeError(msg) from None


def creation_namespace(xp: ModuleType | None) -> ModuleType:
    """Namespace for functions that create arrays from nothing (``xp=None`` means NumPy)."""
    if xp is None:
        import numpy as np

        return array_api_compat.array_namespace(np.empty(0))
    try:
        # Wrap bare modules (``numpy``, ``torch``) in their compat namespace.
        return array_api_compat.array_namespace(xp.empty(0))
    except (AttributeError, TypeError):
        msg = f"`xp` must be an array API namespace (e.g. numpy), got {xp!r}"
        raise TypeError(msg) from None


def device(x: Array) -> Any:
    """Device of ``x`` (``None`` inside ``jax.jit``)."""
    return _device(x)


def size(x: Array) -> int | None:
    """Number of elements of ``x``; ``None`` when a dimension is unknown (lazy backends)."""
    return _size(x)


def is_lazy(*arrays: Array) -> bool:
    """True when any array is lazy (JAX, Dask): value-based checks must then be skipped."""
    return any(is_lazy_array(a) for a in arrays if a is not None)


def to_numpy(x: Array) -> Any:
    """Copy any backend's array into a NumPy array (for comparisons and reports only)."""
    import numpy as np

    if isinstance(x, np.ndarray):
        return x
    module = type(x).__module__.split(".")[0]
    if module == "torch":
        x = x.detach().resolve_conj().cpu()
        # NumPy has no bfloat16: widen it (exactly) to float32.
        return (x.float() if str(x.dtype) == "torch.bfloat16" else x).numpy()
    if module == "cupy":
        return x.get()
    if module == "dask":
        return np.asarray(x.compute())
    if module == "array_api_strict":
        return np.from_dlpack(x)
    x = np.asarray(x)
    if "bfloat16" in str(x.dtype):  # JAX's ml_dtypes bfloat16
        x = x.astype(np.float32)
    return x


# --------------------------------------------------------------------------------------------
# dtype policy (SPEC section 2)
# --------------------------------------------------------------------------------------------


def default_float(xp: ModuleType, dev: Any = None) -> DType:
    """The namespace's default real floating dtype (float32 on torch and x64-less JAX)."""
    return xp.__array_namespace_info__().default_dtypes(device=dev)["real floating"]


def is_complex(xp: ModuleType, dtype: DType) -> bool:
    """Whether ``dtype`` is a complex floating dtype."""
    return bool(xp.isdtype(dtype, "complex floating"))


def eps(xp: ModuleType, dtype: DType) -> float:
    """Machine epsilon of a real or complex floating dtype."""
    return float(xp.finfo(dtype).eps)


def result_dtype(
    xp: ModuleType, *named: tuple[str, Array | DType | None], allow_complex: bool = True
) -> DType:
    """The floating dtype a function returns for these arguments.

    Each argument is a ``(name, array_or_dtype)`` pair. Integer and boolean inputs count as
    the namespace's default real floating dtype; the floating dtypes are then promoted with
    ``xp.result_type``. Low precision (float16, bfloat16) is kept here: it is the *result*
    dtype; see :func:`compute_dtype` for the precision the work is done in.

    Raises
    ------
    TypeError
        For non-numeric dtypes, or complex input where ``allow_complex`` is false.
    """
    floats = []
    for name, value in named:
        if value is None:
            continue
        dtype = getattr(value, "dtype", value)
        if xp.isdtype(dtype, ("bool", "integral")):
            dev = device(value) if hasattr(value, "dtype") else None
            dtype = default_float(xp, dev)
        elif xp.isdtype(dtype, "complex floating"):
            if not allow_complex:
                msg = f"`{name}` must be real, got dtype {dtype}"
                raise TypeError(msg)
        elif not _is_real_floating(xp, dtype):
            msg = f"`{name}` must have a numeric dtype, got {dtype}"
            raise TypeError(msg)
        floats.append(dtype)
    if not floats:
        return default_float(xp)
    return xp.result_type(*floats)


def compute_dtype(xp: ModuleType, dtype: DType) -> DType:
    """Precision in which a result of ``dtype`` is computed: float16/bfloat16 -> float32."""
    if xp.isdtype(dtype, "real floating") or _is_real_floating(xp, dtype):
        return xp.float32 if xp.finfo(dtype).bits < 32 else dtype
    if xp.isdtype(dtype, "complex floating") and xp.finfo(dtype).bits < 32:
        return xp.complex64
    return dtype


def complex_dtype(xp: ModuleType, dtype: DType) -> DType:
    """The complex dtype paired with a floating dtype (float32 -> complex64, ...)."""
    if xp.isdtype(dtype, "complex floating"):
        return dtype
    return xp.complex64 if xp.finfo(dtype).bits <= 32 else xp.complex128


def real_dtype(xp: ModuleType, dtype: DType) -> DType:
    """The real dtype paired with a floating dtype (complex64 -> float32, ...)."""
    if xp.isdtype(dtype, "complex floating"):
        return xp.float32 if dtype == xp.complex64 else xp.float64
    return dtype


def as_compute(xp: ModuleType, x: Array, dtype: DType) -> Array:
    """``x`` cast to ``dtype`` (no copy when it already has it; never mutated afterwards)."""
    if x.dtype == dtype:
        return x
    if xp.isdtype(x.dtype, "complex floating") and not xp.isdtype(dtype, "complex floating"):
        msg = f"cannot compute complex input in real dtype {dtype}"
        raise TypeError(msg)
    return xp.astype(x, dtype)


def _is_real_floating(xp: ModuleType, dtype: DType) -> bool:
    # bfloat16 is not a standard dtype: isdtype may reject it, so look at its name too.
    try:
        if xp.isdtype(dtype, "real floating"):
            return True
    except (TypeError, ValueError):
        pass
    return "bfloat16" in str(dtype)


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """Check that an option is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        msg = f"`{name}` must be one of {options}; got {value!r}"
        raise ValueError(msg)
    return value


def check_positive_int(value: Any, name: str, *, allow_zero: bool = False) -> int:
    """Check that ``value`` is a (non-negative when ``allow_zero``) Python integer."""
    if isinstance(value, bool):
        msg = f"`{name}` must be an integer, got bool"
        raise TypeError(msg)
    try:
        n = operator.index(value)
    except TypeError:
        msg = f"`{name}` must be an integer, got {type(value).__name__}"
        raise TypeError(msg) from None
    if n < 0 or (n == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else ">= 1"
        msg = f"`{name}` must be {bound}, got {n}"
        raise ValueError(msg)
    return n


def check_state_size(value: Any, name: str, *, even: bool = True, context: str = "") -> int:
    """A state size ``N >= 1``; even when ``even`` (conjugate-half storage keeps N/2 modes)."""
    n = check_positive_int(value, name)
    if even and n % 2:
        where = f" for {context}" if context else ""
        msg = f"`{name}` must be even{where} (conjugate-half storage keeps N/2 modes), got {n}"
        raise ValueError(msg)
    return n


def check_real_scalar(value: Any, name: str, *, nonnegative: bool = False) -> float:
    """Check that an option is a finite real Python number (``>= 0`` when ``nonnegative``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"`{name}` must be a real number, got {type(value).__name__}"
        raise TypeError(msg)
    value = float(value)
    if not math.isfinite(value) or (nonnegative and value < 0):
        bound = "a finite number >= 0" if nonnegative else "finite"
        msg = f"`{name}` must be {bound}, got {value}"
        raise ValueError(msg)
    return value


def check_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    """Normalise ``axis`` to a non-negative index into ``ndim`` dimensions."""
    if isinstance(axis, bool):
        msg = f"`{name}` must be an integer, got bool"
        raise TypeError(msg)
    try:
        axis = operator.index(axis)
    except TypeError:
        msg = f"`{name}` must be an integer, got {type(axis).__name__}"
        raise TypeError(msg) from None
    if not -ndim <= axis < ndim:
        msg = f"`{name}`={axis} is out of bounds for an array of {ndim} dimension(s)"
        raise ValueError(msg)
    return axis % ndim


def check_ndim(x: Array, name: str, *, min_ndim: int = 1, max_ndim: int | None = None) -> None:
    """Check the number of dimensions of ``x``."""
    if x.ndim < min_ndim or (max_ndim is not None and x.ndim > max_ndim):
        if max_ndim is None:
            want = f"at least {min_ndim}"
        elif max_ndim == min_ndim:
            want = f"exactly {min_ndim}"
        else:
            want = f"{min_ndim} to {max_ndim}"
        msg = f"`{name}` must have {want} dimension(s), got shape {tuple(x.shape)}"
        raise ValueError(msg)


def check_nonempty(x: Array, name: str, *, axis: int = -1) -> None:
    """Check that ``x`` has at least one element along ``axis``."""
    if x.ndim == 0 or x.shape[axis] == 0:
        msg = f"`{name}` must not be empty along axis {axis}, got shape {tuple(x.shape)}"
        raise ValueError(msg)


def check_length(x: Array, name: str, expected: int, *, axis: int = -1, what: str = "") -> None:
    """Check ``x.shape[axis] == expected``; ``what`` explains where ``expected`` comes from."""
    if x.shape[axis] != expected:
        because = f" ({what})" if what else ""
        msg = (
            f"`{name}` must have length {expected} along axis {axis}{because}, "
            f"got shape {tuple(x.shape)}"
        )
        raise ValueError(msg)


def check_broadcast(*named: tuple[str, tuple[int | None, ...]]) -> tuple[int | None, ...]:
    """Broadcast shapes by the standard's rules, naming the arguments when they do not fit."""
    ndim = max((len(shape) for _, shape in named), default=0)
    result: list[int | None] = [1] * ndim
    for i in range(-ndim, 0):
        for _, shape in named:
            if -i > len(shape):
                continue
            dim = shape[i]
            if dim == 1 or dim == result[i]:
                continue
            if result[i] == 1:
                result[i] = dim
                continue
            names = ", ".join(f"`{n}` {tuple(s)}" for n, s in named)
            msg = f"shapes do not broadcast together: {names}"
            raise ValueError(msg)
    return tuple(result)


# --------------------------------------------------------------------------------------------
# FFTs that behave the same everywhere
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _scipy_fft() -> ModuleType | None:
    try:
        import scipy.fft
    except ImportError:
        return None
    return scipy.fft


def _workers() -> int:
    return os.cpu_count() or 1


def _prepare_axis(xp: ModuleType, x: Array, axis: int) -> Array:
    if is_dask_namespace(xp):
        # dask.array.fft transforms only an axis held in one chunk; the others stay chunked.
        return x.rechunk({axis % x.ndim: -1})
    return x


def _to_complex(xp: ModuleType, x: Array) -> Array:
    if xp.isdtype(x.dtype, "complex floating"):
        return x
    return xp.astype(x, complex_dtype(xp, x.dtype))


def _native(name: str, xp: ModuleType, x: Array, n: int | None, axis: int, norm: str) -> Array:
    x = _prepare_axis(xp, x if name == "rfft" else _to_complex(xp, x), axis)
    sp = _scipy_fft() if is_numpy_namespace(xp) else None
    if sp is not None:
        return getattr(sp, name)(x, n=n, axis=axis, norm=norm, workers=_workers())
    return getattr(xp.fft, name)(x, n=n, axis=axis, norm=norm)


def fft(
    xp: ModuleType, x: Array, n: int | None = None, axis: int = -1, norm: str = "backward"
) -> Array:
    """Complex FFT through the backend's native ``fft`` (real input made complex first)."""
    return _native("fft", xp, x, n, axis, norm)


def ifft(
    xp: ModuleType, x: Array, n: int | None = None, axis: int = -1, norm: str = "backward"
) -> Array:
    """Inverse complex FFT through the backend's native ``ifft``."""
    return _native("ifft", xp, x, n, axis, norm)


def rfft(
    xp: ModuleType, x: Array, n: int | None = None, axis: int = -1, norm: str = "backward"
) -> Array:
    """Real-input FFT through the backend's native ``rfft`` (``x`` must be real floating)."""
    return _native("rfft", xp, x, n, axis, norm)


def irfft(
    xp: ModuleType, x: Array, n: int | None = None, axis: int = -1, norm: str = "backward"
) -> Array:
    """Inverse real FFT through the backend's native ``irfft`` (input made complex first)."""
    return _native("irfft", xp, x, n, axis, norm)


@functools.lru_cache(maxsize=1024)
def next_fast_len(target: int) -> int:
    """Smallest 5-smooth integer (2^a 3^b 5^c) >= ``target``: lengths every FFT library is fast at.

    Pure Python so it needs no SciPy; it equals ``scipy.fft.next_fast_len(target, real=True)``
    for the 5-smooth family.
    """
    if target <= 6:
        return max(target, 1)
    best = 1 << (target - 1).bit_length()  # the next power of two always qualifies
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            # smallest power of two that lifts p35 to >= target
            quotient = -(-target // p35)
            candidate = p35 << (quotient - 1).bit_length()
            if candidate == target:
                return target
            best = min(best, candidate)
            p35 *= 3
        p5 *= 5
    return best
