r"""Discrete Fourier transforms: the definition, FFT algorithms, butterflies, Walsh-Hadamard.

The discrete Fourier transform of a length-:math:`N` sequence and its inverse are

.. math::

    X_k = \sum_{n=0}^{N-1} x_n \, \omega_N^{kn}, \qquad
    x_n = \frac{1}{N} \sum_{k=0}^{N-1} X_k \, \omega_N^{-kn}, \qquad
    \omega_N = e^{-2\pi i/N},

with NumPy's three placements of the scale (``norm``): ``"backward"`` (:math:`1/N` on the
inverse, the default), ``"ortho"`` (:math:`1/\sqrt N` on both) and ``"forward"``
(:math:`1/N` on the forward transform).

Every function works along one ``axis`` of an array of any supported library; internally the
axis is moved last, the algorithm runs on the last axis with every other axis as a batch, and
the axis is moved back. The FFT algorithms (``algorithm=`` of :func:`fft` and friends):

``"native"`` / ``"auto"``
    The backend's own FFT (``scipy.fft`` with worker threads for NumPy, ``torch.fft``, ...).
``"dft"``
    The definition: a matmul with the dense matrix :math:`F_N`, :math:`O(N^2)`.
``"recursive"``
    Radix-2 decimation in time, :math:`X_k = E_k + \omega_N^k O_k`,
    :math:`X_{k+N/2} = E_k - \omega_N^k O_k` (Cooley and Tukey 1965); the even and odd halves
    are stacked into one batch, so each of the :math:`\log_2 N` levels is one call.
``"stockham"``
    Iterative, self-sorting Stockham FFT (Cochran et al. 1967; Van Loan 1992, ch. 1):
    radix-4 stages (one radix-2 stage when :math:`\log_2 N` is odd), each a reshape, a few
    elementwise operations and a stack; the output comes out in natural order, with no
    bit-reversal pass.
``"four_step"``
    Bailey's four-step FFT (the Monarch form of FlashFFTConv): :math:`N = N_1 N_2`, length
    :math:`N_1` DFTs down the columns, twiddles :math:`\omega_N^{k_1 n_2}`, length
    :math:`N_2` DFTs along the rows, read out transposed. :math:`N_1` is the largest divisor
    of :math:`N` not above :math:`\sqrt N`. Factors up to 64 are dense matmuls, larger ones
    recurse: :math:`2^{14} = 128 \cdot 128` with each 128 done as :math:`8 \cdot 16`, fewer
    flops than dense 128-point DFTs and faster on CPU (measured).
``"bluestein"``
    Bluestein's chirp-z algorithm: any :math:`N` as a circular convolution of power-of-two
    length :math:`M \ge 2N - 1`, whose FFTs use the ``"stockham"`` path (the chirp
    kernel's spectrum is computed once per length, in float64, and cached).

``"recursive"`` and ``"stockham"`` are radix-2 algorithms: for a length that is not a power
of two they fall back to ``"bluestein"`` (which is itself built on ``"stockham"``); so does
``"four_step"`` for a prime length above 64. No algorithm raises for any length :math:`\ge 1`.

Twiddle factors are exact to the last bit of float64 before rounding to the compute dtype:
every exponent is reduced as an *integer* (:math:`kn \bmod N`) before the cosine and sine are
taken, so large :math:`N` does not lose accuracy to a large angle. They are computed once per
length in NumPy float64 (cached) and converted to the compute dtype and device per call.

The butterfly part follows Dao et al., "Learning fast algorithms for linear transforms using
butterfly factorizations", ICML 2019: :math:`F_N = B_N B_{N/2} \cdots B_2 P_N` with
:math:`P_N` the bit-reversal permutation; :func:`fwht` is the Walsh-Hadamard member of the same
family.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from specconv import _compat
from specconv._compat import Array, DType

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

NORMS = ("backward", "ortho", "forward")
ALGORITHMS = ("auto", "native", "dft", "recursive", "stockham", "four_step", "bluestein")

#: Largest factor that ``"four_step"`` multiplies as a dense DFT matrix (larger ones recurse).
DENSE_MAX = 64


# --------------------------------------------------------------------------------------------
# The definition
# --------------------------------------------------------------------------------------------


def dft(x: Array, /, *, axis: int = -1, norm: str = "backward") -> Array:
    r"""Discrete Fourier transform by its definition, :math:`O(N^2)`.

    .. math::

        X_k = \sum_{n=0}^{N-1} x_n \, e^{-2\pi i \, (kn \bmod N)/N}, \qquad k = 0, \dots, N-1

    computed as one matmul with the dense matrix :math:`F_N` (see :func:`dft_matrix`). The
    exponent is reduced modulo :math:`N` in integers before the cosine and sine are taken, so
    the matrix entries are correctly rounded for every :math:`N` (no error growth with the
    angle); this is the reference every fast algorithm is tested against.

    Parameters
    ----------
    x : array, shape (..., N, ...)
        Real or complex input (integers are promoted to the default real floating dtype).
    axis : int, optional
        The axis to transform. Default -1.
    norm : {"backward", "ortho", "forward"}, optional
        Scale of the forward transform: 1, :math:`1/\sqrt N`, :math:`1/N`.

    Returns
    -------
    array, same shape as ``x``
        complex128 for float64/complex128 input, complex64 for float32/complex64 and for
        float16/bfloat16 (computed in float32).

    Raises
    ------
    TypeError
        If ``x`` is not an array or has a non-numeric dtype.
    ValueError
        If ``axis`` is out of range, ``x`` is empty along it, or ``norm`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> x = np.array([1.0, 2.0, 0.0, -1.0])
    >>> sc.dft(x)
    array([2.+0.j, 1.-3.j, 0.+0.j, 1.+3.j])
    >>> bool(np.allclose(sc.dft(x), np.fft.fft(x)))
    True
    """
    xp = _compat.array_namespace(x=x)
    return _transform(xp, x, None, axis, norm, "dft", inverse=False)


def idft(X: Array, /, *, axis: int = -1, norm: str = "backward") -> Array:
    r"""Inverse discrete Fourier transform by its definition, :math:`O(N^2)`.

    .. math::

        x_n = \frac{1}{N} \sum_{k=0}^{N-1} X_k \, e^{+2\pi i \, (kn \bmod N)/N}

    (the :math:`1/N` is for ``norm="backward"``; ``"ortho"`` uses :math:`1/\sqrt N`,
    ``"forward"`` none).

    Parameters
    ----------
    X : array, shape (..., N, ...)
        Spectrum (real input is treated as complex with zero imaginary part).
    axis : int, optional
        The axis to transform. Default -1.
    norm : {"backward", "ortho", "forward"}, optional
        Scale of the inverse transform: :math:`1/N`, :math:`1/\sqrt N`, 1.

    Returns
    -------
    array, same shape as ``X``
        Complex, with the dtype rule of :func:`dft`.

    Raises
    ------
    TypeError
        If ``X`` is not an array or has a non-numeric dtype.
    ValueError
        If ``axis`` is out of range, ``X`` is empty along it, or ``norm`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> X = np.array([2.0, 1 - 3j, 0.0, 1 + 3j])
    >>> np.round(sc.idft(X).real, 12)
    array([ 1.,  2.,  0., -1.])
    """
    xp = _compat.array_namespace(X=X)
    return _transform(xp, X, None, axis, norm, "dft", inverse=True, name="X")


# --------------------------------------------------------------------------------------------
# The FFT family
# --------------------------------------------------------------------------------------------


def fft(
    x: Array,
    /,
    *,
    n: int | None = None,
    axis: int = -1,
    norm: str = "backward",
    algorithm: str = "auto",
) -> Array:
    r"""Fast Fourier transform, the same result as ``numpy.fft.fft``.

    .. math::

        X_k = \sum_{n=0}^{N-1} x_n \, \omega_N^{kn}, \qquad \omega_N = e^{-2\pi i/N}

    Parameters
    ----------
    x : array, shape (..., M, ...)
        Real or complex input (integers are promoted to the default real floating dtype).
    n : int, optional
        Transform length :math:`N`: ``x`` is cropped or zero-padded to it along ``axis``.
        Default: ``x.shape[axis]``.
    axis : int, optional
        The axis to transform. Default -1.
    norm : {"backward", "ortho", "forward"}, optional
        Scale of the forward transform: 1, :math:`1/\sqrt N`, :math:`1/N`.
    algorithm : {"auto", "native", "dft", "recursive", "stockham", "four_step", "bluestein"}
        How to compute it (see the module docstring). ``"auto"`` is ``"native"``.
        ``"recursive"`` and ``"stockham"`` fall back to ``"bluestein"`` when :math:`N` is not
        a power of two; ``"four_step"`` does for a prime :math:`N > 64`.

    Returns
    -------
    array, shape (..., N, ...)
        complex128 for float64/complex128 input, complex64 for float32/complex64 and for
        float16/bfloat16 (computed in float32).

    Raises
    ------
    TypeError
        If ``x`` is not an array or has a non-numeric dtype, or ``n``/``axis`` is not an int.
    ValueError
        If ``axis`` is out of range, ``n < 1``, ``x`` is empty along ``axis`` (and no ``n``),
        or ``norm``/``algorithm`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> x = np.array([1.0, 2.0, 0.0, -1.0])
    >>> sc.fft(x, algorithm="stockham")
    array([2.+0.j, 1.-3.j, 0.+0.j, 1.+3.j])
    >>> y = np.random.default_rng(0).standard_normal((3, 100))
    >>> all(np.allclose(sc.fft(y, algorithm=a), np.fft.fft(y))
    ...     for a in ("recursive", "four_step", "bluestein", "dft"))
    True
    """
    xp = _compat.array_namespace(x=x)
    return _transform(xp, x, n, axis, norm, algorithm, inverse=False)


def ifft(
    X: Array,
    /,
    *,
    n: int | None = None,
    axis: int = -1,
    norm: str = "backward",
    algorithm: str = "auto",
) -> Array:
    r"""Inverse fast Fourier transform, the same result as ``numpy.fft.ifft``.

    .. math::

        x_n = \frac{1}{N} \sum_{k=0}^{N-1} X_k \, \omega_N^{-kn}

    computed by the forward algorithms with conjugated twiddles.

    Parameters
    ----------
    X : array, shape (..., M, ...)
        Spectrum (real input is treated as complex).
    n : int, optional
        Transform length: ``X`` is cropped or zero-padded to it. Default ``X.shape[axis]``.
    axis : int, optional
        The axis to transform. Default -1.
    norm : {"backward", "ortho", "forward"}, optional
        Scale of the inverse: :math:`1/N`, :math:`1/\sqrt N`, 1.
    algorithm : str, optional
        As for :func:`fft`.

    Returns
    -------
    array, shape (..., N, ...)
        Complex, with the dtype rule of :func:`fft`.

    Raises
    ------
    TypeError, ValueError
        As for :func:`fft`.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> x = np.arange(6.0)
    >>> bool(np.allclose(sc.ifft(sc.fft(x), algorithm="four_step"), x))
    True
    """
    xp = _compat.array_namespace(X=X)
    return _transform(xp, X, n, axis, norm, algorithm, inverse=True, name="X")


def rfft(
    x: Array,
    /,
    *,
    n: int | None = None,
    axis: int = -1,
    norm: str = "backward",
    algorithm: str = "auto",
) -> Array:
    r"""FFT of real input: the non-negative frequencies, as ``numpy.fft.rfft``.

    .. math::

        X_k = \sum_{n=0}^{N-1} x_n \, \omega_N^{kn}, \qquad k = 0, \dots, \lfloor N/2 \rfloor

    (the other half is :math:`X_{N-k} = \overline{X_k}`). The non-native algorithms compute
    the full complex transform and keep the first :math:`\lfloor N/2 \rfloor + 1` bins.

    Parameters
    ----------
    x : array, shape (..., M, ...)
        Real input (integers are promoted to the default real floating dtype).
    n : int, optional
        Transform length: ``x`` is cropped or zero-padded to it. Default ``x.shape[axis]``.
    axis : int, optional
        The axis to transform. Default -1.
    norm : {"backward", "ortho", "forward"}, optional
        Scale of the forward transform: 1, :math:`1/\sqrt N`, :math:`1/N`.
    algorithm : str, optional
        As for :func:`fft`.

    Returns
    -------
    array, shape (..., N // 2 + 1, ...)
        complex128 for float64 input, complex64 for float32 and float16/bfloat16.

    Raises
    ------
    TypeError
        If ``x`` is complex (unlike NumPy, the imaginary part is not silently dropped) or not
        numeric.
    ValueError
        As for :func:`fft`.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> sc.rfft(np.array([1.0, 2.0, 0.0, -1.0]), algorithm="recursive")
    array([2.+0.j, 1.-3.j, 0.+0.j])
    """
    xp = _compat.array_namespace(x=x)
    axis, n = _check_transform(xp, x, n, axis, norm, algorithm, "x")
    real = _compat.result_dtype(xp, ("x", x), allow_complex=False)
    compute = _compat.compute_dtype(xp, real)
    if algorithm in ("auto", "native"):
        return _compat.rfft(xp, _compat.as_compute(xp, x, compute), n, axis, norm)
    z = _to_last_axis(xp, x, _compat.complex_dtype(xp, compute), axis, n)
    spectrum = _ALGORITHMS[algorithm](xp, z, False)[..., : n // 2 + 1]
    return _from_last_axis(xp, _scale(spectrum, n, norm, inverse=False), axis)


def irfft(
    X: Array,
    /,
    *,
    n: int | None = None,
    axis: int = -1,
    norm: str = "backward",
    algorithm: str = "auto",
) -> Array:
    r"""Inverse of :func:`rfft`: a real signal from its non-negative frequencies.

    .. math::

        x_n = \frac{1}{N} \sum_{k=0}^{N-1} X_k \, \omega_N^{-kn}, \qquad
        X_{N-k} = \overline{X_k}

    ``X`` is cropped or zero-padded to :math:`\lfloor N/2 \rfloor + 1` bins, completed to
    the Hermitian spectrum of length :math:`N`, inverted with the chosen algorithm and the real
    part kept (which drops the imaginary parts of the DC and, for even :math:`N`, Nyquist
    bins, as NumPy does).

    Parameters
    ----------
    X : array, shape (..., m, ...)
        Half spectrum (real input is treated as complex).
    n : int, optional
        Output length :math:`N`. Default :math:`2(m - 1)`.
    axis : int, optional
        The axis to transform. Default -1.
    norm : {"backward", "ortho", "forward"}, optional
        Scale of the inverse: :math:`1/N`, :math:`1/\sqrt N`, 1.
    algorithm : str, optional
        As for :func:`fft`.

    Returns
    -------
    array, shape (..., N, ...)
        Real: float64 for complex128/float64 input, float32 for complex64/float32; float16
        and bfloat16 input is computed in float32 and cast back.

    Raises
    ------
    TypeError
        If ``X`` is not numeric.
    ValueError
        As for :func:`fft`; also when the default ``n`` is 0 (``m == 1``).

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> x = np.array([1.0, 2.0, 0.0, -1.0, 3.0])
    >>> np.round(sc.irfft(sc.rfft(x), n=5, algorithm="bluestein"), 12)
    array([ 1.,  2.,  0., -1.,  3.])
    """
    xp = _compat.array_namespace(X=X)
    _compat.check_ndim(X, "X")
    if n is None:
        checked_axis = _compat.check_axis(axis, X.ndim)
        _compat.check_nonempty(X, "X", axis=checked_axis)
        n = 2 * (X.shape[checked_axis] - 1)
        if n < 1:
            msg = f"`n` must be >= 1; its default 2*(m - 1) is {n} for `X` of shape {X.shape}"
            raise ValueError(msg)
    axis, n = _check_transform(xp, X, n, axis, norm, algorithm, "X")
    result = _compat.result_dtype(xp, ("X", X))
    real = _compat.real_dtype(xp, result)
    compute = _compat.complex_dtype(xp, _compat.compute_dtype(xp, result))
    if algorithm in ("auto", "native"):
        x = _compat.irfft(xp, _compat.as_compute(xp, X, compute), n, axis, norm)
    else:
        half = _to_last_axis(xp, X, compute, axis, n // 2 + 1)
        # X_{N-k} = conj(X_k) for k = 1 .. (N-1)//2 completes the Hermitian spectrum.
        tail = xp.conj(xp.flip(half[..., 1 : (n - 1) // 2 + 1], axis=-1))
        full = xp.concat([half, tail], axis=-1)
        x = xp.real(_ALGORITHMS[algorithm](xp, full, True))
        x = _from_last_axis(xp, _scale(x, n, norm, inverse=True), axis)
    return x if x.dtype == real else xp.astype(x, real)


# --------------------------------------------------------------------------------------------
# Dense DFT matrix, bit reversal, butterflies, Walsh-Hadamard
# --------------------------------------------------------------------------------------------


def dft_matrix(
    n: int,
    /,
    *,
    inverse: bool = False,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: Any = None,
) -> Array:
    r"""The dense DFT matrix :math:`F_n` (or its inverse).

    .. math::

        (F_n)_{kj} = \omega_n^{(kj \bmod n)}, \qquad
        (F_n^{-1})_{kj} = \frac{1}{n} \, \omega_n^{-(kj \bmod n)}, \qquad
        \omega_n = e^{-2\pi i/n}

    so that ``dft_matrix(n) @ x == fft(x)`` and ``dft_matrix(n, inverse=True)`` is the exact
    inverse (the ``norm="backward"`` :func:`ifft`). Exponents are reduced modulo :math:`n` in
    integers, so every entry is correctly rounded.

    Parameters
    ----------
    n : int
        Size, :math:`n \ge 1`.
    inverse : bool, optional
        Return :math:`F_n^{-1} = \overline{F_n}/n` instead. Default False.
    xp : namespace, optional
        Array library of the result. Default NumPy.
    dtype : dtype, optional
        A complex dtype of ``xp``. Default: the complex partner of ``xp``'s default real
        floating dtype (complex128 for NumPy, complex64 for PyTorch).
    device : device, optional
        Device of the result.

    Returns
    -------
    array, shape (n, n)
        Symmetric.

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``dtype`` is not complex.
    ValueError
        If ``n < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> np.round(sc.dft_matrix(4), 12)
    array([[ 1.+0.j,  1.+0.j,  1.+0.j,  1.+0.j],
           [ 1.+0.j,  0.-1.j, -1.+0.j,  0.+1.j],
           [ 1.+0.j, -1.+0.j,  1.+0.j, -1.+0.j],
           [ 1.+0.j,  0.+1.j, -1.+0.j,  0.-1.j]])
    >>> bool(np.allclose(sc.dft_matrix(4, inverse=True) @ sc.dft_matrix(4), np.eye(4)))
    True
    """
    n = _compat.check_positive_int(n, "n")
    xp = _compat.creation_namespace(xp)
    dtype = _complex_creation_dtype(xp, dtype, device)
    matrix = _dft_matrix_np(n, inverse)
    if inverse:
        matrix = matrix / n
    return xp.asarray(matrix, dtype=dtype, device=device)


def bit_reversal_permutation(
    n: int, /, *, xp: ModuleType | None = None, device: Any = None
) -> Array:
    r"""The bit-reversal permutation of :math:`0, \dots, n-1` (:math:`n` a power of two).

    .. math::

        P_n[i] = \operatorname{rev}_{\log_2 n}(i)

    the index whose :math:`\log_2 n`-bit binary expansion is that of :math:`i` reversed;
    ``x[..., P_n]`` (``xp.take(x, P_n, axis=-1)``) is the input order of a decimation-in-time
    FFT. The permutation is its own inverse.

    Parameters
    ----------
    n : int
        A power of two, :math:`n \ge 1`.
    xp : namespace, optional
        Array library of the result. Default NumPy.
    device : device, optional
        Device of the result.

    Returns
    -------
    array, shape (n,)
        The namespace's default index dtype (int64 on NumPy).

    Raises
    ------
    TypeError
        If ``n`` is not an integer.
    ValueError
        If ``n`` is not a power of two.

    Examples
    --------
    >>> import specconv as sc
    >>> sc.bit_reversal_permutation(8)
    array([0, 4, 2, 6, 1, 5, 3, 7])
    """
    n = _check_power_of_two(n, "n")
    xp = _compat.creation_namespace(xp)
    index = xp.__array_namespace_info__().default_dtypes(device=device)["indexing"]
    return xp.asarray(_bit_reversal_np(n), dtype=index, device=device)


def butterfly_factors(
    n: int, /, *, xp: ModuleType | None = None, dtype: DType | None = None, device: Any = None
) -> tuple[Array, ...]:
    r"""The :math:`\log_2 n` butterfly levels of the FFT, in tied compact form.

    .. math::

        F_n = B^{(n)} B^{(n/2)} \cdots B^{(2)} P_n, \qquad
        B^{(s)} = I_{n/s} \otimes \begin{bmatrix} I_{s/2} & D_s \\ I_{s/2} & -D_s \end{bmatrix},
        \qquad D_s = \operatorname{diag}(\omega_s^0, \dots, \omega_s^{s/2-1})

    with :math:`P_n` the bit-reversal permutation (Dao et al. 2019, decimation in time). The
    level of size :math:`s` is returned as its :math:`2 \times 2` block of diagonals, an array
    ``f`` of shape ``(2, 2, s/2)`` with ``f[0, 0] = 1``, ``f[0, 1] = D_s``, ``f[1, 0] = 1``,
    ``f[1, 1] = -D_s``, shared ("tied") by the :math:`n/s` diagonal blocks. In all
    :math:`\sum_{s=2,4,\dots,n} 4 \cdot s/2 = 4n - 4` numbers.

    Parameters
    ----------
    n : int
        A power of two, :math:`n \ge 1` (:math:`n = 1` gives no levels).
    xp : namespace, optional
        Array library of the result. Default NumPy.
    dtype : dtype, optional
        A complex dtype; default the complex partner of ``xp``'s default real floating dtype.
    device : device, optional
        Device of the result.

    Returns
    -------
    tuple of arrays
        Level ``j`` (``j = 0 .. log2(n) - 1``) has size :math:`s = 2^{j+1}` and shape
        ``(2, 2, 2**j)``: ordered from :math:`s = 2` (applied first) to :math:`s = n`.

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``dtype`` is not complex.
    ValueError
        If ``n`` is not a power of two.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> factors = sc.butterfly_factors(8)
    >>> [f.shape for f in factors], sum(f.size for f in factors)  # 4n - 4 numbers
    ([(2, 2, 1), (2, 2, 2), (2, 2, 4)], 28)
    >>> np.round(factors[1], 12)
    array([[[ 1.+0.j,  1.+0.j],
            [ 1.+0.j,  0.-1.j]],
    <BLANKLINE>
           [[ 1.+0.j,  1.+0.j],
            [-1.-0.j, -0.+1.j]]])
    """
    n = _check_power_of_two(n, "n")
    xp = _compat.creation_namespace(xp)
    dtype = _complex_creation_dtype(xp, dtype, device)
    levels = []
    s = 2
    while s <= n:
        D = _roots_np(s, False)[: s // 2]
        ones = np.ones(s // 2, dtype=np.complex128)
        block = np.stack([np.stack([ones, D]), np.stack([ones, -D])])
        levels.append(xp.asarray(block, dtype=dtype, device=device))
        s *= 2
    return tuple(levels)


def butterfly_apply(
    factors: Sequence[Array], x: Array, /, *, axis: int = -1, bit_reverse: bool = True
) -> Array:
    r"""Apply a butterfly matrix given by its tied levels, :math:`O(n \log n)`.

    .. math::

        y = B^{(n)} \cdots B^{(4)} B^{(2)} \, P x, \qquad
        B^{(s)} = I_{n/s} \otimes \begin{bmatrix} D^{(s)}_{00} & D^{(s)}_{01} \\
        D^{(s)}_{10} & D^{(s)}_{11} \end{bmatrix}

    with :math:`P` the bit-reversal permutation when ``bit_reverse`` (else the identity) and
    :math:`D^{(s)}_{ij} = \operatorname{diag}(f_s[i, j, :])`. Each level maps every block
    :math:`(a, b)` of two halves of length :math:`s/2` to
    :math:`(D_{00} a + D_{01} b, \; D_{10} a + D_{11} b)`. With
    :func:`butterfly_factors` it is the FFT; with learned factors it is a general (tied)
    butterfly transform.

    Parameters
    ----------
    factors : sequence of arrays
        :math:`\log_2 n` levels, level ``j`` of shape ``(2, 2, 2**j)`` (as returned by
        :func:`butterfly_factors`), real or complex.
    x : array, shape (..., n, ...)
        Input; :math:`n` along ``axis`` must be a power of two.
    axis : int, optional
        The axis the matrix acts on. Default -1.
    bit_reverse : bool, optional
        Permute the input by bit reversal first (the FFT's decimation-in-time order).

    Returns
    -------
    array, same shape as ``x``
        Dtype promoted from ``x`` and the factors (complex if either is); float16/bfloat16 are
        computed in float32 and cast back.

    Raises
    ------
    TypeError
        If ``factors`` is not a sequence of arrays of ``x``'s library, or a dtype is not
        numeric.
    ValueError
        If the length along ``axis`` is not a power of two, or the number or shapes of the
        levels do not match it.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> x = np.array([1.0, 2.0, 0.0, -1.0])
    >>> np.round(sc.butterfly_apply(sc.butterfly_factors(4), x), 12)
    array([2.+0.j, 1.-3.j, 0.+0.j, 1.+3.j])
    """
    if not isinstance(factors, (list, tuple)):
        msg = f"`factors` must be a list or tuple of arrays, got {type(factors).__name__}"
        raise TypeError(msg)
    named = {f"factors[{i}]": f for i, f in enumerate(factors)}
    xp = _compat.array_namespace(x=x, **named)
    _compat.check_ndim(x, "x")
    axis = _compat.check_axis(axis, x.ndim)
    n = _check_length_power_of_two(x, axis)
    levels = int(math.log2(n))
    if len(factors) != levels:
        msg = f"`factors` must have log2(n) = {levels} levels for n = {n}, got {len(factors)}"
        raise ValueError(msg)
    for j, (name, f) in enumerate(named.items()):
        if tuple(f.shape) != (2, 2, 2**j):
            msg = f"`{name}` must have shape (2, 2, {2**j}), got {tuple(f.shape)}"
            raise ValueError(msg)
    result = _compat.result_dtype(xp, ("x", x), *named.items())
    compute = _compat.compute_dtype(xp, result)
    y = _to_last_axis(xp, x, compute, axis, n)
    batch = y.shape[:-1]
    if bit_reverse and n > 1:
        y = _bit_reverse(xp, y, levels)
    for j, f in enumerate(factors):
        f = _compat.as_compute(xp, f, compute)
        half = 2**j
        # (..., n/s, 2, s/2): block index, which half, position inside the half.
        blocks = xp.reshape(y, (*batch, n // (2 * half), 2, half))
        a, b = blocks[..., 0, :], blocks[..., 1, :]
        top = f[0, 0, :] * a + f[0, 1, :] * b
        bottom = f[1, 0, :] * a + f[1, 1, :] * b
        y = xp.reshape(xp.stack([top, bottom], axis=-2), (*batch, n))
    y = _from_last_axis(xp, y, axis)
    return y if y.dtype == result else xp.astype(y, result)


def fwht(x: Array, /, *, axis: int = -1, norm: str = "backward") -> Array:
    r"""Fast Walsh-Hadamard transform, Sylvester (natural) order, :math:`O(n \log n)`.

    .. math::

        y = H_n x, \qquad H_1 = [1], \qquad
        H_{2m} = \begin{bmatrix} H_m & H_m \\ H_m & -H_m \end{bmatrix}, \qquad
        (H_n)_{ij} = (-1)^{\operatorname{popcount}(i \,\&\, j)}

    computed as :math:`\log_2 n` passes of :math:`(a, b) \mapsto (a + b, a - b)` on pairs at
    stride :math:`h = 1, 2, 4, \dots` (the butterfly factorization with every diagonal
    :math:`\pm I` and no permutation). Scaling follows NumPy's forward-transform convention:
    ``"backward"`` none, ``"ortho"`` :math:`1/\sqrt n` (then :math:`H_n/\sqrt n` is
    orthogonal and its own inverse), ``"forward"`` :math:`1/n`.

    Parameters
    ----------
    x : array, shape (..., n, ...)
        Real or complex input; :math:`n` along ``axis`` a power of two.
    axis : int, optional
        The axis to transform. Default -1.
    norm : {"backward", "ortho", "forward"}, optional
        Scale: 1, :math:`1/\sqrt n`, :math:`1/n`.

    Returns
    -------
    array, same shape as ``x``
        Same dtype as ``x`` (integers promoted to the default real floating dtype;
        float16/bfloat16 computed in float32 and cast back).

    Raises
    ------
    TypeError
        If ``x`` is not an array or has a non-numeric dtype.
    ValueError
        If the length along ``axis`` is not a power of two, ``axis`` is out of range or
        ``norm`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> import specconv as sc
    >>> sc.fwht(np.array([1.0, 0.0, 1.0, 0.0]))
    array([2., 2., 0., 0.])
    """
    xp = _compat.array_namespace(x=x)
    _compat.check_choice(norm, "norm", NORMS)
    _compat.check_ndim(x, "x")
    axis = _compat.check_axis(axis, x.ndim)
    n = _check_length_power_of_two(x, axis)
    result = _compat.result_dtype(xp, ("x", x))
    y = _to_last_axis(xp, x, _compat.compute_dtype(xp, result), axis, n)
    batch = y.shape[:-1]
    h = 1
    while h < n:
        pairs = xp.reshape(y, (*batch, n // (2 * h), 2, h))
        a, b = pairs[..., 0, :], pairs[..., 1, :]
        y = xp.reshape(xp.stack([a + b, a - b], axis=-2), (*batch, n))
        h *= 2
    y = _from_last_axis(xp, _scale(y, n, norm, inverse=False), axis)
    return y if y.dtype == result else xp.astype(y, result)


# --------------------------------------------------------------------------------------------
# Shared plumbing of the transforms
# --------------------------------------------------------------------------------------------


def _transform(
    xp: ModuleType,
    x: Array,
    n: int | None,
    axis: int,
    norm: str,
    algorithm: str,
    *,
    inverse: bool,
    name: str = "x",
) -> Array:
    """Validate, cast, move ``axis`` last, run ``algorithm``, scale, move back."""
    axis, n = _check_transform(xp, x, n, axis, norm, algorithm, name)
    result = _compat.result_dtype(xp, (name, x))
    compute = _compat.complex_dtype(xp, _compat.compute_dtype(xp, result))
    if algorithm in ("auto", "native"):
        native = _compat.ifft if inverse else _compat.fft
        return native(xp, _compat.as_compute(xp, x, compute), n, axis, norm)
    z = _to_last_axis(xp, x, compute, axis, n)
    y = _ALGORITHMS[algorithm](xp, z, inverse)
    return _from_last_axis(xp, _scale(y, n, norm, inverse=inverse), axis)


def _check_transform(
    xp: ModuleType,
    x: Array,
    n: int | None,
    axis: int,
    norm: str,
    algorithm: str,
    name: str,
) -> tuple[int, int]:
    """The shared argument checks; returns the normalised ``axis`` and the length ``n``."""
    _compat.check_choice(norm, "norm", NORMS)
    _compat.check_choice(algorithm, "algorithm", ALGORITHMS)
    _compat.check_ndim(x, name)
    axis = _compat.check_axis(axis, x.ndim)
    if n is None:
        _compat.check_nonempty(x, name, axis=axis)
        return axis, x.shape[axis]
    return axis, _compat.check_positive_int(n, "n")


def _to_last_axis(xp: ModuleType, x: Array, dtype: DType, axis: int, n: int) -> Array:
    """``x`` cast to ``dtype``, ``axis`` moved last, cropped or zero-padded to length ``n``."""
    z = _compat.as_compute(xp, x, dtype)
    if axis != z.ndim - 1:
        z = xp.moveaxis(z, axis, -1)
    length = z.shape[-1]
    if n < length:
        z = z[..., :n]
    elif n > length:
        pad = xp.zeros((*z.shape[:-1], n - length), dtype=dtype, device=_compat.device(z))
        z = xp.concat([z, pad], axis=-1)
    if _compat.is_dask_namespace(xp):
        # The algorithms reshape the transformed axis: it must be one chunk.
        z = z.rechunk({z.ndim - 1: -1})
    return z


def _from_last_axis(xp: ModuleType, y: Array, axis: int) -> Array:
    return y if axis == y.ndim - 1 else xp.moveaxis(y, -1, axis)


def _scale(y: Array, n: int, norm: str, *, inverse: bool) -> Array:
    """NumPy's norm conventions: which direction carries 1/n, or 1/sqrt(n) on both."""
    if norm == "ortho":
        return y * (1.0 / math.sqrt(n)) if n > 1 else y
    if (norm == "backward") == inverse and n > 1:
        return y * (1.0 / n)
    return y


def _check_power_of_two(n: Any, name: str) -> int:
    n = _compat.check_positive_int(n, name)
    if n & (n - 1):
        msg = f"`{name}` must be a power of two, got {n}"
        raise ValueError(msg)
    return n


def _check_length_power_of_two(x: Array, axis: int) -> int:
    _compat.check_nonempty(x, "x", axis=axis)
    n = x.shape[axis]
    if n & (n - 1):
        msg = f"`x` must have a power-of-two length along axis {axis}, got shape {tuple(x.shape)}"
        raise ValueError(msg)
    return n


def _bit_reverse(xp: ModuleType, y: Array, levels: int) -> Array:
    """y[..., rev(i)]: reversing the binary digits of the index is reversing the axes of y
    viewed as a (2, 2, ..., 2) tensor (no gather, so no index array on lazy backends)."""
    batch = y.shape[:-1]
    digits = xp.reshape(y, (*batch, *(2,) * levels))
    order = (*range(len(batch)), *range(y.ndim - 1 + levels - 1, len(batch) - 1, -1))
    return xp.reshape(xp.permute_dims(digits, order), (*batch, 2**levels))


def _complex_creation_dtype(xp: ModuleType, dtype: DType | None, device: Any) -> DType:
    if dtype is None:
        return _compat.complex_dtype(xp, _compat.default_float(xp, device))
    if not xp.isdtype(dtype, "complex floating"):
        msg = f"`dtype` must be a complex floating dtype, got {dtype}"
        raise TypeError(msg)
    return dtype


# --------------------------------------------------------------------------------------------
# Algorithms: each maps complex z of shape (..., N) to its unnormalised DFT along the last
# axis (the inverse-sign DFT when ``inverse``).
# --------------------------------------------------------------------------------------------


def _dense_dft(xp: ModuleType, z: Array, inverse: bool) -> Array:
    """The definition, X = z F_N (F_N is symmetric)."""
    N = z.shape[-1]
    F = _constant(xp, _dft_matrix_np(N, inverse), z)
    return xp.matmul(z, F)


def _recursive(xp: ModuleType, z: Array, inverse: bool) -> Array:
    """Radix-2 decimation in time; the even and odd halves are transformed as one batch."""
    N = z.shape[-1]
    if N & (N - 1):
        return _bluestein(xp, z, inverse)
    if N == 1:
        return z
    halves = _recursive(xp, xp.stack([z[..., 0::2], z[..., 1::2]], axis=-2), inverse)
    E, O = halves[..., 0, :], halves[..., 1, :]
    # X_k = E_k + w^k O_k and X_{k+N/2} = E_k - w^k O_k, with w = exp(-+2 pi i / N).
    wO = _constant(xp, _roots_np(N, inverse)[: N // 2], z) * O
    return xp.concat([E + wO, E - wO], axis=-1)


def _stockham(xp: ModuleType, z: Array, inverse: bool) -> Array:
    """Self-sorting Stockham FFT (decimation in frequency), radix 4 with one radix-2 stage.

    Before a stage of radix r the data is the array X[p, q] = x[q + s p] of shape (n, s):
    s interleaved length-n DFTs still to do. With n = r m and p = p' + m j, the stage writes

        Y[p', t, q] = w_n^(p' t) * sum_j w_r^(j t) X[p' + m j, q]

    flattened, which is s r interleaved length-m DFTs (Van Loan 1992, sec. 1.7). After the
    last stage (n = 1) the buffer holds X_k in natural order.
    """
    N = z.shape[-1]
    if N & (N - 1):
        return _bluestein(xp, z, inverse)
    batch = z.shape[:-1]
    # Multiplying by w_4 = -+i is the radix-4 butterfly's one twiddle.
    w4 = 1j if inverse else -1j
    n, s = N, 1
    for radix, twiddles in _stockham_plan(N, inverse, _dtype_key(xp, z.dtype)):
        m = n // radix
        X = xp.reshape(z, (*batch, n, s))
        if radix == 2:
            a, b = X[..., :m, :], X[..., m:, :]
            parts = [a + b, a - b]
        else:
            x0, x1, x2, x3 = (X[..., j * m : (j + 1) * m, :] for j in range(4))
            s02, d02, s13, d13 = x0 + x2, x0 - x2, x1 + x3, (x1 - x3) * w4
            parts = [s02 + s13, d02 + d13, s02 - s13, d02 - d13]
        if m > 1:
            tw = [_constant(xp, t, z) for t in twiddles]
            parts = [parts[0]] + [p * w for p, w in zip(parts[1:], tw, strict=True)]
        z = xp.reshape(xp.stack(parts, axis=-2), (*batch, N))
        n, s = m, s * radix
    return z


def _four_step(xp: ModuleType, z: Array, inverse: bool) -> Array:
    """Bailey's four-step FFT, N = N1 N2 (Monarch form, FlashFFTConv).

    With x[N2 n1 + n2] = A[n1, n2] and X[k1 + N1 k2] = C[k1, k2]:

        C[k1, k2] = sum_n2 w_N2^(n2 k2) [ w_N^(n2 k1) sum_n1 w_N1^(n1 k1) A[n1, n2] ]

    Working on the transpose A^T[n2, n1] turns the column DFTs into row DFTs (one matmul on
    the right), and the result C^T[k2, k1] flattens to natural order with no final transpose.
    """
    N = z.shape[-1]
    if N <= DENSE_MAX:
        return _dense_dft(xp, z, inverse)
    N1 = _small_factor(N)
    if N1 == 1:
        return _bluestein(xp, z, inverse)
    N2 = N // N1
    batch = z.shape[:-1]
    At = xp.matrix_transpose(xp.reshape(z, (*batch, N1, N2)))  # [n2, n1]
    Bt = _four_step(xp, At, inverse) * _constant(
        xp, _four_step_twiddles_np(N1, N2, inverse), z
    )  # [n2, k1]
    if N2 <= DENSE_MAX:
        Ct = xp.matmul(_constant(xp, _dft_matrix_np(N2, inverse), z), Bt)
    else:
        Ct = xp.matrix_transpose(_four_step(xp, xp.matrix_transpose(Bt), inverse))
    return xp.reshape(Ct, (*batch, N))  # [k2, k1] is X in natural order


def _bluestein(xp: ModuleType, z: Array, inverse: bool) -> Array:
    """Bluestein's chirp-z FFT: any N through a power-of-two circular convolution.

    kn = (k^2 + n^2 - (k - n)^2) / 2 gives, with the chirp c_n = w^(n^2 / 2),

        X_k = c_k sum_n (x_n c_n) conj(c)_(k - n),

    a convolution of length 2N - 1 computed circularly at M = 2^ceil(log2(2N - 1)) with the
    Stockham FFT; the kernel's spectrum is computed once in float64 and cached.
    """
    N = z.shape[-1]
    M, chirp, kernel_spectrum = _bluestein_plan(N, inverse)
    c = _constant(xp, chirp, z)
    a = z * c
    pad = xp.zeros((*z.shape[:-1], M - N), dtype=z.dtype, device=_compat.device(z))
    spectrum = _stockham(xp, xp.concat([a, pad], axis=-1), False)
    spectrum = spectrum * _constant(xp, kernel_spectrum, z)
    convolution = _stockham(xp, spectrum, True)[..., :N]
    return convolution * (c * (1.0 / M))


_ALGORITHMS: dict[str, Callable[[ModuleType, Array, bool], Array]] = {
    "dft": _dense_dft,
    "recursive": _recursive,
    "stockham": _stockham,
    "four_step": _four_step,
    "bluestein": _bluestein,
}


def _small_factor(N: int) -> int:
    """Largest divisor of N not above sqrt(N) (1 for a prime)."""
    for d in range(math.isqrt(N), 1, -1):
        if N % d == 0:
            return d
    return 1


# --------------------------------------------------------------------------------------------
# Twiddle tables: NumPy float64, exponents reduced in integers, cached per length
# --------------------------------------------------------------------------------------------


def _constant(xp: ModuleType, table: np.ndarray, like: Array) -> Array:
    """A cached NumPy table as an array of ``like``'s namespace, dtype and device."""
    return xp.asarray(table, dtype=like.dtype, device=_compat.device(like))


def _dtype_key(xp: ModuleType, dtype: DType) -> str:
    return "complex64" if dtype == xp.complex64 else "complex128"


@functools.lru_cache(maxsize=64)
def _roots_np(n: int, inverse: bool) -> np.ndarray:
    r"""The n-th roots of unity :math:`\omega_n^m`, m = 0..n-1, correctly rounded in float64."""
    angle = (2.0 * np.pi / n) * np.arange(n, dtype=np.float64)
    sign = 1.0 if inverse else -1.0
    return np.cos(angle) + 1j * (sign * np.sin(angle))


def _powers_np(n: int, exponents: np.ndarray, inverse: bool) -> np.ndarray:
    """omega_n ** exponents for integer exponents, reduced mod n before any rounding."""
    return _roots_np(n, inverse)[np.remainder(exponents, n)]


def _dft_matrix_np(n: int, inverse: bool) -> np.ndarray:
    """F_n[k, j] = omega_n^(kj mod n); cached for the small sizes the algorithms reuse."""
    if n <= 4 * DENSE_MAX:
        return _small_dft_matrix_np(n, inverse)
    # int32 products are exact while n^2 < 2^31 and make the n^2 reductions twice as fast.
    k = np.arange(n, dtype=np.int32 if n <= 46340 else np.int64)
    exponents = np.multiply.outer(k, k)
    np.remainder(exponents, n, out=exponents)
    return _roots_np(n, inverse)[exponents]


@functools.lru_cache(maxsize=64)
def _small_dft_matrix_np(n: int, inverse: bool) -> np.ndarray:
    k = np.arange(n, dtype=np.int64)
    return _powers_np(n, np.multiply.outer(k, k), inverse)


@functools.lru_cache(maxsize=64)
def _four_step_twiddles_np(N1: int, N2: int, inverse: bool) -> np.ndarray:
    """T[n2, k1] = omega_N^(n2 k1), N = N1 N2."""
    n2 = np.arange(N2, dtype=np.int64)
    k1 = np.arange(N1, dtype=np.int64)
    return _powers_np(N1 * N2, np.multiply.outer(n2, k1), inverse)


@functools.lru_cache(maxsize=64)
def _stockham_plan(
    N: int, inverse: bool, dtype: str
) -> tuple[tuple[int, tuple[np.ndarray, ...]], ...]:
    """Radices and twiddles w_n^(p' t) (t = 1..r-1, shape (m, 1)) of every Stockham stage."""
    stages = []
    n = N
    while n > 1:
        radix = 4 if n % 4 == 0 else 2
        m = n // radix
        p = np.arange(m, dtype=np.int64)[:, None]
        twiddles = tuple(_powers_np(n, p * t, inverse).astype(dtype) for t in range(1, radix))
        stages.append((radix, twiddles))
        n = m
    return tuple(stages)


@functools.lru_cache(maxsize=64)
def _bluestein_plan(N: int, inverse: bool) -> tuple[int, np.ndarray, np.ndarray]:
    """Length M, chirp c_n = exp(-+i pi n^2 / N) and the spectrum of the kernel conj(c)."""
    M = 1 << (2 * N - 2).bit_length()
    n = np.arange(N, dtype=np.int64)
    # exp(-i pi n^2 / N) = omega_{2N}^(n^2 mod 2N): exact integer reduction of the angle.
    chirp = _powers_np(2 * N, n * n, inverse)
    kernel = np.zeros(M, dtype=np.complex128)
    kernel[:N] = np.conj(chirp)
    kernel[M - N + 1 :] = np.conj(chirp[1:][::-1])
    numpy_xp = _compat.creation_namespace(None)
    kernel_spectrum = np.asarray(_stockham(numpy_xp, numpy_xp.asarray(kernel), False))
    return M, chirp, kernel_spectrum


@functools.lru_cache(maxsize=64)
def _bit_reversal_np(n: int) -> np.ndarray:
    # Doubling: the order for 2m is (2 P_m, 2 P_m + 1).
    perm = np.zeros(1, dtype=np.int64)
    while perm.size < n:
        perm = np.concatenate([2 * perm, 2 * perm + 1])
    return perm
