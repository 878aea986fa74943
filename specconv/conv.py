"""Causal, circular and Toeplitz convolution.

Every operation here is one product with a structured matrix, computed either by its
definition or through the convolution theorem. The sequence axis is the last axis; batch axes
lead, with the shapes of S4 and FlashFFTConv: ``u (..., L)``, ``k (..., Lk)``.

==========================  =======================================================
:func:`causal_conv`         :math:`y_t = \\sum_{s=0}^{\\min(t, L_k-1)} k_s u_{t-s} + D u_t`
:func:`conv_plan`           the same with the kernel spectrum computed once
:func:`circular_conv`       :math:`y_t = \\sum_s k_s u_{(t-s) \\bmod L}`
:func:`toeplitz`            :math:`T_{ij} = c_{i-j}` below the diagonal, :math:`r_{j-i}` above
:func:`toeplitz_matmul`     :math:`T(c, r)\\,x` in :math:`O(n \\log n)`
==========================  =======================================================

All FFT work goes through one private core, :func:`_fft_multiply` (transform, multiply by a
precomputed spectrum, transform back), so that the causal, circular and Toeplitz paths share
their round-off behaviour. :func:`_toeplitz_fft_matmul` is the batched circulant-embedding
product, importable by other modules of the package.

Accuracy of the FFT path
------------------------
The convolution theorem is exact; its floating-point evaluation is *normwise* backward stable.
Each output of the FFT path carries an absolute error of order
:math:`\\varepsilon \\log_2 n \\, \\lVert u \\rVert \\lVert k \\rVert` (two forward transforms, a
product and an inverse transform, each spreading its round-off over every position), whatever
the size of that output. Hence

* the normwise error :math:`\\max_t |\\hat y_t - y_t| / \\max_t |y_t|` is
  :math:`O(\\varepsilon \\log n)` for typical data (this is what the tests check, with
  :func:`specconv.testing.tolerance`);
* an output much smaller than the largest ones (a tail that has decayed, an exact zero) has a
  large *elementwise* relative error: it is computed as the difference of numbers of the size
  of :math:`\\lVert u \\rVert \\lVert k \\rVert`.

The direct path has the componentwise bound of a sequential sum,
:math:`|\\hat y_t - y_t| \\le L_k \\varepsilon \\sum_s |k_s| |u_{t-s}|`, so it keeps small outputs
accurate; use ``method="direct"`` when that matters (and the kernel is short). The remark that
"FFT convolution is numerically unstable" is true only in this elementwise sense.
"""

from __future__ import annotations

from types import ModuleType

from specconv._compat import (
    Array,
    DType,
    array_namespace,
    as_compute,
    check_broadcast,
    check_choice,
    check_length,
    check_ndim,
    check_nonempty,
    check_positive_int,
    compute_dtype,
    device,
    fft,
    ifft,
    irfft,
    is_complex,
    is_dask_namespace,
    is_jax_namespace,
    is_numpy_namespace,
    is_torch_namespace,
    next_fast_len,
    result_dtype,
    rfft,
)

__all__ = ["causal_conv", "circular_conv", "conv_plan", "toeplitz", "toeplitz_matmul"]

_METHODS = ("auto", "direct", "fft")


# --------------------------------------------------------------------------------------------
# Causal convolution
# --------------------------------------------------------------------------------------------


def causal_conv(u: Array, k: Array, /, *, D: Array | None = None, method: str = "auto") -> Array:
    """Causal (linear, truncated) convolution along the last axis.

    .. math::

        y_t = \\sum_{s=0}^{\\min(t,\\, L_k-1)} k_s \\, u_{t-s} \\; + \\; D \\, u_t,
        \\qquad t = 0, \\dots, L-1

    the convolution of S4/H3/Hyena: output :math:`t` sees only inputs :math:`u_0 .. u_t`.

    Parameters
    ----------
    u : array, shape (..., L)
        Input sequences, ``L >= 1``. Real or complex.
    k : array, shape (..., Lk)
        Kernel, ``Lk >= 1``. Its leading axes broadcast against ``u``'s (it may have fewer of
        them, not more). Taps beyond ``L`` cannot reach any output and are ignored
        (``Lk > L`` uses ``k[..., :L]``).
    D : array, optional
        Skip connection, broadcast against ``u.shape[:-1]`` (e.g. shape ``(H,)`` for
        ``u (B, H, L)``, or a 0-d array).
    method : {"auto", "direct", "fft"}
        * ``"direct"``: the definition, :math:`O(L \\cdot L_k)`, vectorised over the batch and
          over ``t``; one pass per tap. Summation order (fixed, documented so results are
          reproducible): :math:`y_t = (\\dots((k_0 u_t + k_1 u_{t-1}) + k_2 u_{t-2}) + \\dots)
          + k_{L_k-1} u_{t-L_k+1}`, then :math:`+ D u_t` last. Terms with :math:`t - s < 0` are
          exact zeros (a zero-padded copy of ``u``).
        * ``"fft"``: real FFTs (complex FFTs for complex input) of the fast length
          ``n = next_fast_len(L + Lk - 1) >= L + Lk - 1``, so the circular wrap of the
          discrete convolution theorem never reaches the kept outputs:
          ``y = irfft(rfft(u, n) * rfft(k, n), n)[..., :L]``. The kernel spectrum is computed
          once per call at the kernel's own batch shape (never broadcast to ``u``'s batch
          first).
        * ``"auto"``: a cost model in the spirit of ``scipy.signal.choose_conv_method``: direct
          when the kernel is short, FFT otherwise; the crossover is measured per backend (see
          :func:`_choose_method` and ``docs/performance.md``).

    Returns
    -------
    array, shape ``broadcast(u.shape[:-1], k.shape[:-1], D.shape) + (L,)``
        dtype ``result_type(u, k, D)`` after integer/bool inputs are promoted to the default
        real floating dtype; complex when any input is complex. float16/bfloat16 are computed
        in float32 and cast back.

    Raises
    ------
    ValueError
        If ``u`` or ``k`` is 0-d or empty along the last axis, ``k`` has more dimensions than
        ``u``, ``D`` has more than ``u.ndim - 1``, the leading shapes do not broadcast, or
        ``method`` is unknown.
    TypeError
        If an argument is not an array, the arrays come from different libraries, or a dtype
        is not numeric.

    Notes
    -----
    Accuracy: the FFT path has a normwise error :math:`O(\\varepsilon \\log n)`, spread evenly
    over all outputs, so small outputs can have a large elementwise relative error; the
    direct path is componentwise accurate (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import causal_conv
    >>> u = np.array([1.0, 2.0, 3.0, 4.0])
    >>> k = np.array([1.0, -1.0])
    >>> causal_conv(u, k, method="direct")
    array([1., 1., 1., 1.])
    >>> np.round(causal_conv(u, k, method="fft"), 12)
    array([1., 1., 1., 1.])
    >>> np.allclose(causal_conv(u, k, D=np.asarray(0.5)), np.convolve(u, k)[:4] + 0.5 * u)
    True
    """
    xp = array_namespace(u=u, k=k, D=D)
    check_choice(method, "method", _METHODS)
    out_dtype = _check_conv_args(xp, u, k, D)
    work = compute_dtype(xp, out_dtype)
    L = u.shape[-1]
    taps = min(k.shape[-1], L)
    k = k[..., :taps] if taps < k.shape[-1] else k
    u, k = as_compute(xp, u, work), as_compute(xp, k, work)
    if method == "auto":
        method = _choose_method(xp, L, taps)
    if method == "direct":
        y = _causal_direct(xp, u, k)
    else:
        n = next_fast_len(L + taps - 1)
        real = not is_complex(xp, work)
        y = _fft_multiply(xp, u, _spectrum(xp, k, n, real=real), n, real=real)[..., :L]
    return _finish(xp, y, u, D, work, out_dtype)


def _check_conv_args(xp: ModuleType, u: Array, k: Array, D: Array | None) -> DType:
    """Shape checks of causal_conv / conv_plan; returns the result dtype."""
    check_ndim(u, "u", min_ndim=1)
    check_ndim(k, "k", min_ndim=1, max_ndim=u.ndim)
    check_nonempty(u, "u")
    check_nonempty(k, "k")
    named = [("u", tuple(u.shape[:-1])), ("k", tuple(k.shape[:-1]))]
    if D is not None:
        check_ndim(D, "D", min_ndim=0, max_ndim=u.ndim - 1)
        named.append(("D", tuple(D.shape)))
    check_broadcast(*named)
    return result_dtype(xp, ("u", u), ("k", k), ("D", D))


def _finish(
    xp: ModuleType, y: Array, u: Array, D: Array | None, work: DType, out_dtype: DType
) -> Array:
    """Add the skip term ``D u`` (in the compute dtype) and cast to the result dtype."""
    if D is not None:
        y = y + xp.expand_dims(as_compute(xp, D, work), axis=-1) * u
    return y if y.dtype == out_dtype else xp.astype(y, out_dtype)


# Kernel length (per log2 of the FFT length) below which the direct sum beats the FFT path.
# Measured with float32 (B, H, L) = (8, 64, 1024) and (2, 64, 16384) on a shared 2-core CPU
# (docs/performance.md): NumPy crosses over at ~16 taps (direct 8.6 ms = FFT 8.6 ms at L=1024;
# 21 ms vs 22 ms at L=16384), torch at ~8-10 taps. Lazy backends (Dask, JAX) build graph
# nodes per tap, so they switch to the FFT earlier.
_DIRECT_TAPS_PER_LOG2N = {"numpy": 1.25, "torch": 0.75, "lazy": 0.5, "other": 1.0}


def _choose_method(xp: ModuleType, L: int, taps: int) -> str:
    """Cost model of ``method="auto"``: ``"direct"`` iff ``taps <= c * log2(n)``.

    Direct costs ``~ a * batch * L * taps``, FFT ``~ b * batch * n * log2(n)`` with
    ``n ~ L + taps``; for ``taps << L`` this is ``taps <= (b / a) * 2 * log2(n)``, the
    per-backend constant ``c`` folding the ratio ``2 b / a`` (measured). The batch size cancels,
    so a plan and a one-off call choose alike.
    """
    n = next_fast_len(L + taps - 1)
    if is_dask_namespace(xp) or is_jax_namespace(xp):
        key = "lazy"
    elif is_torch_namespace(xp):
        key = "torch"
    elif is_numpy_namespace(xp):
        key = "numpy"
    else:
        key = "other"
    return "direct" if taps <= _DIRECT_TAPS_PER_LOG2N[key] * max(n, 2).bit_length() else "fft"


def _causal_direct(xp: ModuleType, u: Array, k: Array) -> Array:
    """Definition-level causal convolution: one vectorised pass per tap, in tap order.

    ``y = k_0 u; y = y + k_s * shift_s(u)`` for ``s = 1 .. taps-1``, where ``shift_s`` delays
    by ``s`` with exact zeros in front (a slice of a zero-padded copy: no wrap, no mask).
    """
    L, taps = u.shape[-1], k.shape[-1]
    y = k[..., 0:1] * u
    if taps == 1:
        return y
    zeros = xp.zeros((*u.shape[:-1], taps - 1), dtype=u.dtype, device=device(u))
    padded = xp.concat([zeros, u], axis=-1)
    for s in range(1, taps):
        y = y + k[..., s : s + 1] * padded[..., taps - 1 - s : taps - 1 - s + L]
    return y


# --------------------------------------------------------------------------------------------
# The FFT core (shared by every fast path of this module)
# --------------------------------------------------------------------------------------------


def _spectrum(xp: ModuleType, k: Array, n: int, *, real: bool, axis: int = -1) -> Array:
    """Transform of ``k`` zero-padded to length ``n``: ``rfft`` (n//2+1 bins) or ``fft`` (n)."""
    return rfft(xp, k, n=n, axis=axis) if real else fft(xp, k, n=n, axis=axis)


def _fft_multiply(
    xp: ModuleType, x: Array, spectrum: Array, n: int, *, real: bool, axis: int = -1
) -> Array:
    """Length-``n`` circular convolution of ``x`` with the kernel whose spectrum is given.

    ``inverse(transform(x, n) * spectrum, n)`` along ``axis``: ``x`` is zero-padded (or
    truncated) to ``n``; ``spectrum`` comes from :func:`_spectrum` with the same ``n`` and
    ``real``, shaped to broadcast against the transform of ``x`` (bins on ``axis``). ``real``
    selects ``rfft``/``irfft`` (``x`` and the kernel real) or ``fft``/``ifft`` (either complex).
    The result has length ``n`` on ``axis`` and the compute dtype of ``x``/``spectrum``; the
    caller slices what it needs (a causal convolution keeps ``[..., :L]`` of a product padded
    to ``n >= L + Lk - 1``, so the wrap-around never reaches it).
    """
    transform, inverse = (rfft, irfft) if real else (fft, ifft)
    product = _multiply_into(xp, transform(xp, x, n=n, axis=axis), spectrum)
    return inverse(xp, product, n=n, axis=axis)


def _multiply_into(xp: ModuleType, transformed: Array, spectrum: Array) -> Array:
    """``transformed * spectrum``, reusing the buffer of ``transformed`` on NumPy.

    ``transformed`` is a fresh array private to :func:`_fft_multiply` (never an argument of a
    public function), so overwriting it mutates nothing the caller can see. On NumPy this
    saves allocating (and page-faulting) a second array of the size of the spectrum of ``x``:
    measured 5.5 ms -> 1.8 ms of a ~40 ms convolution at (B, H, L) = (4, 64, 16384). Other
    backends get the out-of-place product (JAX arrays are immutable; in-place ops would break
    torch's autograd).
    """
    if (
        is_numpy_namespace(xp)
        and transformed.dtype == spectrum.dtype
        and spectrum.ndim <= transformed.ndim
        and all(
            s in (1, t) for s, t in zip(spectrum.shape[::-1], transformed.shape[::-1], strict=False)
        )
    ):
        import numpy as np

        return np.multiply(transformed, spectrum, out=transformed)
    return transformed * spectrum


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------


def conv_plan(
    k: Array, L: int, /, *, D: Array | None = None, method: str = "auto"
) -> CausalConvPlan:
    """A reusable causal convolution with kernel ``k`` for inputs of length ``L``.

    ``plan = conv_plan(k, L, D=D); y = plan(u)`` gives the same result as
    ``causal_conv(u, k, D=D, method=method)`` for every ``u`` of shape ``(..., L)``, with the
    kernel spectrum :math:`\\hat k = \\mathrm{rfft}(k, n)`, ``n = next_fast_len(L + Lk - 1)``,
    computed once here instead of once per call (the common case: one kernel, many batches).

    Parameters
    ----------
    k : array, shape (..., Lk)
        Kernel (taps beyond ``L`` are ignored).
    L : int
        Length of the inputs the plan accepts, ``L >= 1``.
    D : array, optional
        Skip connection, broadcast against the inputs' leading axes.
    method : {"auto", "direct", "fft"}
        As in :func:`causal_conv`; ``"auto"`` is decided here, once (the choice does not
        depend on the batch size).

    Returns
    -------
    CausalConvPlan
        Callable ``plan(u)``; ``u`` of shape ``(..., L)`` on the namespace of ``k``, with at
        least as many dimensions as ``k`` (and more than ``D``). Result shape and dtype as in
        :func:`causal_conv`.

    Raises
    ------
    ValueError
        If ``k`` is 0-d or empty, ``L < 1``, or ``method`` is unknown.
    TypeError
        If ``k`` or ``D`` is not an array, they come from different libraries, ``L`` is not an
        integer, or a dtype is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import causal_conv, conv_plan
    >>> k = np.array([[1.0, 0.5, 0.25], [0.0, 1.0, 0.0]])   # (H, Lk) = (2, 3)
    >>> plan = conv_plan(k, 8)
    >>> plan
    CausalConvPlan(k: (2, 3) float64, L=8, D=None, method='direct')
    >>> u = np.arange(32.0).reshape(2, 2, 8)                 # (B, H, L)
    >>> bool(np.all(plan(u) == causal_conv(u, k)))
    True
    """
    return CausalConvPlan(k, L, D=D, method=method)


class CausalConvPlan:
    """Causal convolution with a fixed kernel: ``plan(u) == causal_conv(u, k, D=D)``.

    Made by :func:`conv_plan`. Holds the kernel (truncated to ``L`` taps) and, for the FFT
    method, its spectrum at the fast length ``n`` in the kernel's compute dtype; an input that
    promotes the dtype (e.g. float64 ``u`` with a float32 kernel, or complex ``u`` with a real
    kernel) gets a spectrum in the promoted dtype, computed on first use and kept.

    Call as ``plan(u)`` with ``u`` of shape ``(..., L)`` whose leading axes broadcast with the
    kernel's (and ``D``'s).
    """

    def __init__(
        self, k: Array, L: int, /, *, D: Array | None = None, method: str = "auto"
    ) -> None:
        xp = array_namespace(k=k, D=D)
        check_choice(method, "method", _METHODS)
        L = check_positive_int(L, "L")
        check_ndim(k, "k", min_ndim=1)
        check_nonempty(k, "k")
        taps = min(k.shape[-1], L)
        self._xp = xp
        self.k = k[..., :taps] if taps < k.shape[-1] else k
        self.L = L
        self.D = D
        self.method = _choose_method(xp, L, taps) if method == "auto" else method
        self.n = next_fast_len(L + taps - 1)
        self._spectra: dict[str, Array] = {}
        if self.method == "fft":
            # The kernel's own compute dtype is the common case: transform it now.
            own = compute_dtype(xp, result_dtype(xp, ("k", k), ("D", D)))
            self._kernel_spectrum(own)

    def __call__(self, u: Array, /) -> Array:
        xp = array_namespace(u=u, k=self.k, D=self.D)
        check_ndim(u, "u", min_ndim=1)
        check_length(u, "u", self.L, what="the L the plan was made for")
        out_dtype = _check_conv_args(xp, u, self.k, self.D)
        work = compute_dtype(xp, out_dtype)
        u = as_compute(xp, u, work)
        if self.method == "direct":
            y = _causal_direct(xp, u, as_compute(xp, self.k, work))
        else:
            real = not is_complex(xp, work)
            spectrum = self._kernel_spectrum(work)
            y = _fft_multiply(xp, u, spectrum, self.n, real=real)[..., : self.L]
        return _finish(xp, y, u, self.D, work, out_dtype)

    def _kernel_spectrum(self, work: DType) -> Array:
        key = str(work)
        if key not in self._spectra:
            xp = self._xp
            real = not is_complex(xp, work)
            k = as_compute(xp, self.k, work)
            self._spectra[key] = _spectrum(xp, k, self.n, real=real)
        return self._spectra[key]

    def __repr__(self) -> str:
        D = "None" if self.D is None else f"{tuple(self.D.shape)} {_dtype_name(self.D.dtype)}"
        return (
            f"CausalConvPlan(k: {tuple(self.k.shape)} {_dtype_name(self.k.dtype)}, "
            f"L={self.L}, D={D}, method={self.method!r})"
        )


def _dtype_name(dtype: DType) -> str:
    return str(dtype).rsplit(".", 1)[-1]


# --------------------------------------------------------------------------------------------
# Circular convolution
# --------------------------------------------------------------------------------------------


def circular_conv(u: Array, k: Array, /) -> Array:
    """Circular convolution of period ``L`` along the last axis.

    .. math::

        y_t = \\sum_{s=0}^{L-1} k_s \\, u_{(t-s) \\bmod L},
        \\qquad \\hat y = \\hat k \\odot \\hat u \\quad (\\text{DFT of length } L)

    computed through the convolution theorem with FFTs of length exactly ``L`` (real FFTs for
    real input). No fast-length padding is possible here: padding would change the period. Any
    ``L`` works (the native FFTs handle every length), but a large prime ``L`` is several times
    slower than a 5-smooth one.

    Parameters
    ----------
    u : array, shape (..., L)
        Input, ``L >= 1``, real or complex.
    k : array, shape (..., Lk)
        Kernel, ``1 <= Lk <= L`` (a shorter kernel is zero-padded to ``L``); leading axes
        broadcast against ``u``'s (not more of them).

    Returns
    -------
    array, shape ``broadcast(u.shape[:-1], k.shape[:-1]) + (L,)``
        dtype ``result_type(u, k)`` (ints/bools promoted to the default float; complex when
        either is complex; float16/bfloat16 computed in float32 and cast back).

    Raises
    ------
    ValueError
        If ``u`` or ``k`` is empty, ``Lk > L``, ``k`` has more dimensions than ``u``, or the
        leading shapes do not broadcast.
    TypeError
        For non-arrays, mixed libraries or non-numeric dtypes.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import circular_conv
    >>> u = np.array([1.0, 2.0, 3.0, 4.0])
    >>> np.round(circular_conv(u, np.array([0.0, 1.0])), 12)   # a delay by one, wrapping
    array([4., 1., 2., 3.])
    """
    xp = array_namespace(u=u, k=k)
    out_dtype = _check_conv_args(xp, u, k, None)
    L = u.shape[-1]
    if k.shape[-1] > L:
        msg = (
            f"`k` must not be longer than `u` along the last axis (the period L={L}), "
            f"got shape {tuple(k.shape)}"
        )
        raise ValueError(msg)
    work = compute_dtype(xp, out_dtype)
    u, k = as_compute(xp, u, work), as_compute(xp, k, work)
    real = not is_complex(xp, work)
    y = _fft_multiply(xp, u, _spectrum(xp, k, L, real=real), L, real=real)
    return _finish(xp, y, u, None, work, out_dtype)


# --------------------------------------------------------------------------------------------
# Toeplitz matrices
# --------------------------------------------------------------------------------------------


def toeplitz(c: Array, r: Array | None = None, /) -> Array:
    """Dense Toeplitz matrix with first column ``c`` and first row ``r`` (SciPy's convention).

    .. math::

        T_{ij} = \\begin{cases} c_{i-j} & i \\ge j \\\\ r_{j-i} & i < j \\end{cases},
        \\qquad T \\in \\mathbb{F}^{n_r \\times n_c}

    ``r[0]`` is ignored (the corner is ``c[0]``). ``r=None`` means ``r = conj(c)``, exactly as
    ``scipy.linalg.toeplitz``: a symmetric matrix for real ``c`` and a Hermitian one for
    complex ``c`` with real ``c[0]``.

    Parameters
    ----------
    c : array, shape (..., n_r)
        First column. Leading axes are batch axes.
    r : array, shape (..., n_c), optional
        First row; its leading axes broadcast with ``c``'s.

    Returns
    -------
    array, shape ``(..., n_r, n_c)``
        dtype ``result_type(c, r)``; unlike SciPy (which keeps integer dtypes), integer/bool
        input is promoted to the default real floating dtype, like everywhere in specconv.

    Raises
    ------
    ValueError
        If ``c`` or ``r`` is 0-d or empty, or the leading shapes do not broadcast.
    TypeError
        For non-arrays, mixed libraries or non-numeric dtypes.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import toeplitz
    >>> toeplitz(np.array([1.0, 2.0, 3.0]), np.array([1.0, 4.0, 5.0, 6.0]))
    array([[1., 4., 5., 6.],
           [2., 1., 4., 5.],
           [3., 2., 1., 4.]])
    >>> toeplitz(np.array([1.0, 2 + 3j]))
    array([[1.+0.j, 2.-3.j],
           [2.+3.j, 1.+0.j]])
    """
    xp = array_namespace(c=c, r=r)
    c, r, out_dtype = _check_toeplitz_args(xp, c, r)
    c, r = as_compute(xp, c, out_dtype), as_compute(xp, r, out_dtype)
    nr, nc = c.shape[-1], r.shape[-1]
    batch = check_broadcast(("c", tuple(c.shape[:-1])), ("r", tuple(r.shape[:-1])))
    c = xp.broadcast_to(c, (*batch, nr))
    r = xp.broadcast_to(r, (*batch, nc))
    # values = [c_{nr-1}, ..., c_1, c_0, r_1, ..., r_{nc-1}] (length p) and
    # T_ij = values[nr-1-i+j]. Gather without index arrays (Dask's `take` mangles complex
    # dtypes): append one dummy entry, so the period is p+1, tile nr times and read rows of
    # length p starting at nr-1. Flat position nr-1 + i*p + j holds values[(nr-1+j-i) mod (p+1)]
    # = values[nr-1-i+j] because stepping p forward is stepping one back modulo p+1, and
    # 0 <= nr-1-i+j <= p-1 never wraps.
    p = nr + nc - 1
    dummy = xp.zeros((*batch, 1), dtype=c.dtype, device=device(c))
    values = xp.concat([xp.flip(c, axis=-1), r[..., 1:], dummy], axis=-1)
    tiled = xp.concat([values] * nr, axis=-1)
    rows = xp.reshape(tiled[..., nr - 1 : nr - 1 + nr * p], (*batch, nr, p))
    return rows[..., :nc]


def _check_toeplitz_args(
    xp: ModuleType, c: Array, r: Array | None, *extra: tuple[str, Array]
) -> tuple[Array, Array, DType]:
    """Shape checks of toeplitz / toeplitz_matmul; fills ``r = conj(c)``; returns the dtype."""
    check_ndim(c, "c", min_ndim=1)
    check_nonempty(c, "c")
    out_dtype = result_dtype(xp, ("c", c), ("r", r), *extra)
    if r is None:
        r = xp.conj(c) if is_complex(xp, c.dtype) else c
    check_ndim(r, "r", min_ndim=1)
    check_nonempty(r, "r")
    check_broadcast(("c", tuple(c.shape[:-1])), ("r", tuple(r.shape[:-1])))
    return c, r, out_dtype


def toeplitz_matmul(c: Array, r: Array | None, x: Array, /) -> Array:
    """Product ``T(c, r) @ x`` in :math:`O(n \\log n)` without forming ``T``.

    ``T`` (:math:`n_r \\times n_c`, :func:`toeplitz`) is the top-left block of the circulant
    matrix :math:`C` of size ``p = next_fast_len(n_r + n_c - 1)`` whose first column is

    .. math::

        \\gamma = (c_0, \\dots, c_{n_r-1}, \\underbrace{0, \\dots, 0}_{p - n_r - n_c + 1},
        r_{n_c-1}, \\dots, r_1),

    so :math:`T x = (C [x; 0])_{0..n_r-1}` and :math:`C v = \\mathrm{IFFT}(\\mathrm{FFT}(\\gamma)
    \\odot \\mathrm{FFT}(v))`. Unlike ``scipy.linalg.matmul_toeplitz`` (circulant of size exactly
    ``n_r + n_c - 1``, slow when that is prime), ``p`` is rounded up to a 5-smooth length; the
    zeros in the middle of :math:`\\gamma` keep the wrap-around out of the kept rows.

    Parameters
    ----------
    c : array, shape (..., n_r)
        First column of ``T``; leading axes are batch axes.
    r : array, shape (..., n_c), or None
        First row (``r[0]`` ignored); ``None`` means ``conj(c)`` (SciPy's convention).
    x : array, shape (n_c,), (n_c, m) or (..., n_c, m)
        Vector or matrix; leading axes of a >2-d ``x`` broadcast with those of ``c``, ``r``.

    Returns
    -------
    array, shape ``(..., n_r)`` for 1-d ``x``, else ``(..., n_r, m)``
        dtype ``result_type(c, r, x)`` (ints promoted; complex if any input is complex;
        float16/bfloat16 computed in float32 and cast back). Error as in the FFT path of
        :func:`causal_conv`: normwise :math:`O(\\varepsilon \\log p)`.

    Raises
    ------
    ValueError
        If ``c``, ``r`` or ``x`` is empty or 0-d, ``x`` does not have ``n_c`` rows, or leading
        shapes do not broadcast.
    TypeError
        For non-arrays, mixed libraries or non-numeric dtypes.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import toeplitz, toeplitz_matmul
    >>> c = np.array([1.0, 3.0, 6.0, 10.0])
    >>> r = np.array([1.0, -1.0, -2.0, -3.0])
    >>> x = np.array([[1.0, 10.0], [2.0, 11.0], [2.0, 11.0], [5.0, 19.0]])
    >>> np.round(toeplitz_matmul(c, r, x), 10)
    array([[-20., -80.],
           [ -7.,  -8.],
           [  9.,  85.],
           [ 33., 218.]])
    >>> np.allclose(toeplitz_matmul(c, r, x), toeplitz(c, r) @ x)
    True
    """
    xp = array_namespace(c=c, r=r, x=x)
    c, r, out_dtype = _check_toeplitz_args(xp, c, r, ("x", x))
    check_ndim(x, "x", min_ndim=1)
    vector = x.ndim == 1
    nc = r.shape[-1]
    check_length(x, "x", nc, axis=-1 if vector else -2, what="the length of `r`")
    if not vector:
        check_nonempty(x, "x", axis=-1)
        check_broadcast(("c", tuple(c.shape[:-1])), ("x", tuple(x.shape[:-2])))
    work = compute_dtype(xp, out_dtype)
    c, r, x = (as_compute(xp, a, work) for a in (c, r, x))
    y = _toeplitz_fft_matmul(xp, c, r, xp.expand_dims(x, axis=-1) if vector else x)
    if vector:
        y = y[..., 0]
    return y if y.dtype == out_dtype else xp.astype(y, out_dtype)


def _toeplitz_fft_matmul(xp: ModuleType, c: Array, r: Array, x: Array) -> Array:
    """``T(c, r) @ x`` by circulant embedding (no checks; for use inside the package).

    Parameters: ``c (..., n_r)``, ``r (..., n_c)`` (``r[..., 0]`` ignored), ``x (..., n_c, m)``,
    all of one floating compute dtype (real, or complex for a complex product); the leading
    axes broadcast. Returns ``(..., n_r, m)`` in that dtype. The circulant has the fast length
    ``p = next_fast_len(n_r + n_c - 1)``; its spectrum is computed once at the batch shape of
    ``c``/``r`` and broadcast over the ``m`` columns and ``x``'s batch.
    """
    nr, nc = c.shape[-1], r.shape[-1]
    p = next_fast_len(nr + nc - 1)
    batch = check_broadcast(("c", tuple(c.shape[:-1])), ("r", tuple(r.shape[:-1])))
    c = xp.broadcast_to(c, (*batch, nr))
    r = xp.broadcast_to(r, (*batch, nc))
    gap = xp.zeros((*batch, p - nr - nc + 1), dtype=c.dtype, device=device(c))
    gamma = xp.concat([c, gap, xp.flip(r[..., 1:], axis=-1)], axis=-1)
    real = not is_complex(xp, c.dtype)
    spectrum = xp.expand_dims(_spectrum(xp, gamma, p, real=real), axis=-1)
    y = _fft_multiply(xp, x, spectrum, p, real=real, axis=-2)
    return y[..., :nr, :]
