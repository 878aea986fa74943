"""FFTNet: the spectral token mixer of "The FFT Strikes Back" (Fein-Ashley 2025, arXiv v1).

The layer mixes the tokens of ``x`` (B, N, D) in the frequency domain:

.. math::

    \\hat X = \\operatorname{rfft}_{\\text{ortho}}(x_h), \\quad
    c = \\tfrac1N \\textstyle\\sum_t x_t, \\quad
    m = \\tanh\\bigl(W_2^{\\top} \\operatorname{GELU}(W_1^{\\top} c + b_1) + b_2\\bigr),

.. math::

    y_h = \\operatorname{irfft}_{\\text{ortho}}\\bigl(
        \\operatorname{modReLU}(\\hat X \\odot (W_{\\text{base}} + m), \\beta)\\bigr), \\quad
    \\text{out} = \\operatorname{LayerNorm}(x + y),

per head ``h`` (the channels are split into ``H`` heads; the filter is one real number per
(sample, head, frequency bin), shared by the channels of the head). This is the forward pass of
the code released with v1 of the paper (``jacobfa/fft``, commit ``855b02b``), without dropout.

The array API standard has no ``erf``, which the exact GELU needs; :func:`_erf` / :func:`_erfc`
implement W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969; the SPECFUN
routine CALERF), accurate to float64 round-off.
"""

from __future__ import annotations

import dataclasses
import math
from types import ModuleType
from typing import Any

import numpy as np

from specconv._compat import (
    Array,
    DType,
    array_namespace,
    as_compute,
    check_axis,
    check_broadcast,
    check_choice,
    check_ndim,
    check_nonempty,
    check_positive_int,
    complex_dtype,
    compute_dtype,
    creation_namespace,
    default_float,
    irfft,
    is_complex,
    real_dtype,
    result_dtype,
    rfft,
)

__all__ = ["FFTNetParams", "fftnet_init", "fftnet_mixer", "modrelu", "spectral_filter"]

#: LayerNorm epsilon of the reference code (PyTorch's default).
LAYER_NORM_EPS = 1e-5


def modrelu(z: Array, b: Array, /, *, eps: float = 1e-3) -> Array:
    """modReLU: shrink the magnitude of ``z`` by ``-b``, keep its phase.

    .. math::

        \\operatorname{modReLU}(z, b) = \\operatorname{ReLU}(|z| + b)
            \\, \\frac{z}{\\max(|z|, \\varepsilon)}

    For ``|z| >= eps`` this is :math:`(|z| + b)_+ e^{i \\arg z}` (Arjovsky et al. 2016); the
    clamp of the denominator at ``eps`` (FFTNet's code) keeps ``z = 0`` finite (it maps to 0).

    Parameters
    ----------
    z : array
        Complex (or real) input of any shape.
    b : array
        Real bias, broadcast against ``z``.
    eps : float, optional
        Lower clamp of the denominator :math:`|z|`. Default ``1e-3``.

    Returns
    -------
    array
        Shape of the broadcast of ``z`` and ``b``; dtype of ``z`` promoted with ``b``
        (complex when ``z`` is complex). float16/bfloat16 are computed in float32.

    Raises
    ------
    TypeError
        If ``b`` is complex, or the arguments are not arrays of one library.
    ValueError
        If the shapes do not broadcast or ``eps`` is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import modrelu
    >>> z = np.array([3 + 4j, 0.05 + 0j, 0j])
    >>> np.round(modrelu(z, np.array(-1.0)), 6)  # |3+4i| = 5 -> magnitude 4, phase kept
    array([2.4+3.2j, 0. +0.j , 0. +0.j ])
    """
    xp = array_namespace(z=z, b=b)
    if not eps > 0:
        msg = f"`eps` must be positive, got {eps}"
        raise ValueError(msg)
    result_dtype(xp, ("b", b), allow_complex=False)
    check_broadcast(("z", tuple(z.shape)), ("b", tuple(b.shape)))
    out_dtype = result_dtype(xp, ("z", z), ("b", b))
    work = compute_dtype(xp, out_dtype)
    z_c = as_compute(xp, z, work)
    b_c = as_compute(xp, b, real_dtype(xp, work))
    return xp.astype(_modrelu(xp, z_c, b_c, eps), out_dtype)


def spectral_filter(x: Array, w: Array, /, *, axis: int = -2, norm: str = "ortho") -> Array:
    """Multiply the real spectrum of ``x`` by a per-bin filter ``w`` and transform back.

    .. math::

        y = \\operatorname{irfft}\\bigl(\\operatorname{rfft}(x) \\odot w,\\ n = N\\bigr)
        \\quad\\text{along } \\texttt{axis}

    With a real ``w`` this equals the circular convolution
    :math:`y_t = \\sum_s h_s \\, x_{(t - s) \\bmod N}` with the real, *even* kernel
    :math:`h = \\operatorname{irfft}(w, n=N)` (``norm="backward"``): a zero-phase filter. The
    same ``norm`` is used for both transforms, so the result does not depend on it (it only
    changes the rounding); ``"ortho"`` is FFTNet's choice.

    Parameters
    ----------
    x : array
        Real input ``(..., N, ...)``; the transform runs along ``axis``.
    w : array
        Filter of real or complex dtype, broadcastable to the shape of ``rfft(x)`` (``x``'s
        shape with ``N`` replaced by ``F = N // 2 + 1`` along ``axis``) without enlarging it.
        The imaginary parts of ``w`` at the DC bin (and at the Nyquist bin for even ``N``) are
        discarded by ``irfft``.
    axis : int, optional
        Token axis. Default ``-2`` (layout ``(..., N, D)``).
    norm : {"ortho", "backward", "forward"}, optional
        Normalisation of both transforms. Default ``"ortho"``.

    Returns
    -------
    array
        Real, same shape as ``x``; dtype ``result_type(x, real(w))`` (ints promoted to the
        default float, float16/bfloat16 computed in float32).

    Raises
    ------
    TypeError
        If ``x`` is complex.
    ValueError
        If ``axis`` is out of range, ``x`` is empty along it, ``w`` does not broadcast to the
        spectrum's shape, or ``norm`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import spectral_filter
    >>> x = np.array([1.0, 0.0, 0.0, 0.0])
    >>> np.round(spectral_filter(x, np.ones(3), axis=-1), 12)  # all-pass filter
    array([1., 0., 0., 0.])
    >>> np.round(spectral_filter(x, np.array([1.0, 0.0, 0.0]), axis=-1), 12)  # keep the mean
    array([0.25, 0.25, 0.25, 0.25])
    """
    xp = array_namespace(x=x, w=w)
    check_choice(norm, "norm", ("backward", "ortho", "forward"))
    result_dtype(xp, ("x", x), allow_complex=False)
    check_ndim(x, "x", min_ndim=1)
    axis = check_axis(axis, x.ndim)
    check_nonempty(x, "x", axis=axis)
    n = x.shape[axis]
    spectrum_shape = (*x.shape[:axis], n // 2 + 1, *x.shape[axis + 1 :])
    if (
        w.ndim > x.ndim
        or check_broadcast(("rfft(x)", spectrum_shape), ("w", tuple(w.shape))) != spectrum_shape
    ):
        msg = (
            f"`w` of shape {tuple(w.shape)} must broadcast to the spectrum shape "
            f"{spectrum_shape} (x's shape with N={n} replaced by N//2+1={n // 2 + 1} along "
            f"axis {axis}) without enlarging it"
        )
        raise ValueError(msg)
    out_dtype = real_dtype(xp, result_dtype(xp, ("x", x), ("w", w)))
    work = compute_dtype(xp, out_dtype)
    x_c = as_compute(xp, x, work)
    # a real filter stays real (one real multiply per bin); a complex one gets the paired dtype
    w_c = as_compute(xp, w, complex_dtype(xp, work) if is_complex(xp, w.dtype) else work)
    spectrum = rfft(xp, x_c, axis=axis, norm=norm)
    y = irfft(xp, spectrum * w_c, n=n, axis=axis, norm=norm)
    return xp.astype(y, out_dtype)


@dataclasses.dataclass(frozen=True)
class FFTNetParams:
    """Parameters of one FFTNet spectral mixer (``D`` channels, ``H`` heads, ``F`` bins).

    ``F = seq_len // 2 + 1`` (the real-FFT bins of the training sequence length). The two
    linear maps are applied input-major, ``x @ w1 + b1``: ``w1`` is the *transpose* of a PyTorch
    ``nn.Linear.weight``. Build it with :func:`fftnet_init`, or from trained weights
    (all arrays of one library).

    Attributes
    ----------
    base_filter : array, shape (H, F, 1)
        The learned base filter :math:`W_{\\text{base}}` (real).
    w1 : array, shape (D, D)
        First layer of the context MLP.
    b1 : array, shape (D,)
        Its bias.
    w2 : array, shape (D, H * F)
        Second layer, producing the filter modulation (row-major ``(H, F)`` layout).
    b2 : array, shape (H * F,)
        Its bias.
    modrelu_bias : array, shape (H, F, 1)
        The modReLU bias :math:`\\beta`.
    ln_weight : array, shape (D,)
        LayerNorm scale.
    ln_bias : array, shape (D,)
        LayerNorm shift.

    Examples
    --------
    >>> from specconv import fftnet_init
    >>> p = fftnet_init(8, 16, 2)  # D = 8 channels, 16 tokens, H = 2 heads: F = 9 bins
    >>> p.base_filter.shape, p.w2.shape
    ((2, 9, 1), (8, 18))
    """

    base_filter: Array
    w1: Array
    b1: Array
    w2: Array
    b2: Array
    modrelu_bias: Array
    ln_weight: Array
    ln_bias: Array


def fftnet_init(
    dim: int,
    seq_len: int,
    heads: int,
    /,
    *,
    seed: int = 0,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: Any = None,
) -> FFTNetParams:
    """Initial parameters of an FFTNet mixer, as the v1 reference code initialises them.

    ``base_filter`` = 1, ``modrelu_bias`` = -0.1, LayerNorm weight 1 and bias 0. The context
    MLP follows PyTorch's ``nn.Linear`` default: weights and biases drawn independently from
    :math:`\\mathcal U(-1/\\sqrt{\\text{fan\\_in}}, 1/\\sqrt{\\text{fan\\_in}})` with
    ``fan_in = dim`` for both layers (the same distribution as PyTorch's
    ``kaiming_uniform_(a=sqrt(5))``, not the same numbers), drawn in float64 from
    ``numpy.random.default_rng(seed)`` in the order ``w1, b1, w2, b2`` and then cast. (FFTNetViT
    overwrites them with Xavier-uniform weights and zero biases; do that yourself if wanted.)

    Parameters
    ----------
    dim : int
        Channels ``D``; must be divisible by ``heads``.
    seq_len : int
        Sequence length ``N`` the filter is built for (``F = seq_len // 2 + 1`` bins).
    heads : int
        Number of heads ``H``.
    seed : int, optional
        Seed of the NumPy generator. Default 0.
    xp : namespace, optional
        Array namespace of the result. Default NumPy.
    dtype : dtype, optional
        Real floating dtype. Default: the namespace's default real floating dtype.
    device : device, optional
        Device of the result.

    Returns
    -------
    FFTNetParams

    Raises
    ------
    ValueError
        If a size is not positive or ``dim`` is not divisible by ``heads``.
    TypeError
        If a size is not an integer or ``dtype`` is not a real floating dtype.

    Examples
    --------
    >>> from specconv import fftnet_init
    >>> p = fftnet_init(8, 16, 2)
    >>> p.base_filter.shape, p.w2.shape, float(p.modrelu_bias[0, 0, 0])
    ((2, 9, 1), (8, 18), -0.1)
    """
    dim = check_positive_int(dim, "dim")
    seq_len = check_positive_int(seq_len, "seq_len")
    heads = check_positive_int(heads, "heads")
    if dim % heads:
        msg = f"`dim`={dim} must be divisible by `heads`={heads}"
        raise ValueError(msg)
    xp = creation_namespace(xp)
    dtype = default_float(xp, device) if dtype is None else dtype
    if not xp.isdtype(dtype, "real floating"):
        msg = f"`dtype` must be a real floating dtype, got {dtype}"
        raise TypeError(msg)
    bins = seq_len // 2 + 1
    rng = np.random.default_rng(seed)
    bound = 1.0 / math.sqrt(dim)
    w1 = rng.uniform(-bound, bound, size=(dim, dim))
    b1 = rng.uniform(-bound, bound, size=(dim,))
    w2 = rng.uniform(-bound, bound, size=(dim, heads * bins))
    b2 = rng.uniform(-bound, bound, size=(heads * bins,))

    def move(a: np.ndarray) -> Array:
        return xp.asarray(a, dtype=dtype, device=device)

    return FFTNetParams(
        base_filter=move(np.ones((heads, bins, 1))),
        w1=move(w1),
        b1=move(b1),
        w2=move(w2),
        b2=move(b2),
        modrelu_bias=move(np.full((heads, bins, 1), -0.1)),
        ln_weight=move(np.ones(dim)),
        ln_bias=move(np.zeros(dim)),
    )


def fftnet_mixer(x: Array, params: FFTNetParams, /) -> Array:
    """FFTNet's adaptive spectral token mixer (v1), a drop-in for self-attention.

    With heads split as :math:`x_h \\in \\mathbb R^{N \\times D/H}`:

    .. math::

        \\hat X_h = \\operatorname{rfft}(x_h)\\ \\text{(tokens, ortho)}, \\qquad
        c = \\frac1N \\sum_{t} x_t,

    .. math::

        m = \\tanh\\bigl(\\operatorname{GELU}(c W_1 + b_1) W_2 + b_2\\bigr)
            \\in (-1, 1)^{H \\times F},

    .. math::

        Z_h = \\operatorname{modReLU}\\bigl(\\hat X_h \\odot (W_{\\text{base}, h} + m_h),
            \\beta_h\\bigr), \\qquad
        y_h = \\operatorname{irfft}(Z_h, n=N)\\ \\text{(ortho)},

    .. math::

        \\text{out} = \\operatorname{LayerNorm}(x + y) \\quad (\\varepsilon = 10^{-5}).

    GELU is the exact form :math:`\\tfrac12 x \\operatorname{erfc}(-x/\\sqrt2)`. No dropout.

    The layer is **not causal**: every output token depends on every input token (circular
    two-sided mixing and a mean over all tokens). It is **equivariant to circular shifts and to
    reversal of the token axis** (the filter and modReLU act on magnitudes per bin, the context
    mean is permutation invariant and LayerNorm acts per token), so all positional information
    must come from a positional embedding.

    Parameters
    ----------
    x : array
        Real input ``(..., N, D)`` (usually ``(B, N, D)``); ``N // 2 + 1`` must equal the
        parameters' ``F`` and ``D`` their channel count.
    params : FFTNetParams
        Arrays of the same library as ``x`` (see :func:`fftnet_init`).

    Returns
    -------
    array
        Shape of ``x``; dtype ``result_type`` of ``x`` and the parameters (ints promoted to the
        default float; float16/bfloat16 computed in float32 and cast back).

    Raises
    ------
    TypeError
        If ``params`` is not an :class:`FFTNetParams`, an array is complex, or the arrays come
        from different libraries.
    ValueError
        If a shape does not match (wrong ``N``, ``D`` not divisible by the heads, parameter
        shapes inconsistent with each other).

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import fftnet_init, fftnet_mixer
    >>> params = fftnet_init(8, 6, 2, seed=1)
    >>> x = np.random.default_rng(0).standard_normal((2, 6, 8))
    >>> y = fftnet_mixer(x, params)
    >>> y.shape
    (2, 6, 8)
    >>> bool(np.allclose(fftnet_mixer(np.roll(x, 2, axis=1), params), np.roll(y, 2, axis=1)))
    True
    """
    if not isinstance(params, FFTNetParams):
        msg = f"`params` must be an FFTNetParams, got {type(params).__name__}"
        raise TypeError(msg)
    named = {field.name: getattr(params, field.name) for field in dataclasses.fields(params)}
    xp = array_namespace(x=x, **named)
    check_ndim(x, "x", min_ndim=2)
    heads, bins = _check_params(x, named)
    out_dtype = result_dtype(
        xp, ("x", x), *((name, value) for name, value in named.items()), allow_complex=False
    )
    work = compute_dtype(xp, out_dtype)
    x_c = as_compute(xp, x, work)
    p = {name: as_compute(xp, value, work) for name, value in named.items()}
    n, dim = x.shape[-2], x.shape[-1]
    batch = tuple(x.shape[:-2])

    # Heads split as (..., N, H, D/H); the transforms run over the token axis -3, so the
    # per-(head, bin) filters are laid out (F, H, 1) to broadcast over the head channels.
    x_heads = xp.reshape(x_c, (*batch, n, heads, dim // heads))
    spectrum = rfft(xp, x_heads, axis=-3, norm="ortho")
    context = xp.mean(x_c, axis=-2)
    hidden = _gelu(xp, xp.matmul(context, p["w1"]) + p["b1"])
    modulation = xp.tanh(xp.matmul(hidden, p["w2"]) + p["b2"])
    modulation = xp.reshape(modulation, (*batch, heads, bins))
    modulation = xp.moveaxis(modulation, -1, -2)[..., None]
    filt = xp.permute_dims(p["base_filter"], (1, 0, 2)) + modulation
    beta = xp.permute_dims(p["modrelu_bias"], (1, 0, 2))
    mixed = _modrelu(xp, spectrum * filt, beta, 1e-3)
    y = irfft(xp, mixed, n=n, axis=-3, norm="ortho")
    y = xp.reshape(y, (*batch, n, dim))
    out = _layer_norm(xp, x_c + y, p["ln_weight"], p["ln_bias"], LAYER_NORM_EPS)
    return xp.astype(out, out_dtype)


def _check_params(x: Array, named: dict[str, Array]) -> tuple[int, int]:
    """Check every parameter shape against ``x``; return ``(heads, bins)``."""
    base = named["base_filter"]
    if base.ndim != 3 or base.shape[2] != 1:
        msg = f"`params.base_filter` must have shape (H, F, 1), got {tuple(base.shape)}"
        raise ValueError(msg)
    heads, bins = base.shape[0], base.shape[1]
    n, dim = x.shape[-2], x.shape[-1]
    if n // 2 + 1 != bins:
        msg = (
            f"`x` has N={n} tokens (N//2+1={n // 2 + 1} frequency bins) but the parameters "
            f"were built for F={bins} bins (seq_len {2 * bins - 2} or {2 * bins - 1}); "
            f"x must have shape (..., N, D)"
        )
        raise ValueError(msg)
    if heads == 0 or dim % heads:
        msg = f"`x` has D={dim} channels, not divisible by the H={heads} heads of `params`"
        raise ValueError(msg)
    expected = {
        "w1": (dim, dim),
        "b1": (dim,),
        "w2": (dim, heads * bins),
        "b2": (heads * bins,),
        "modrelu_bias": (heads, bins, 1),
        "ln_weight": (dim,),
        "ln_bias": (dim,),
    }
    for name, shape in expected.items():
        if tuple(named[name].shape) != shape:
            msg = (
                f"`params.{name}` must have shape {shape} (D={dim}, H={heads}, F={bins}), "
                f"got {tuple(named[name].shape)}"
            )
            raise ValueError(msg)
    return heads, bins


def _modrelu(xp: ModuleType, z: Array, b: Array, eps: float) -> Array:
    magnitude = xp.abs(z)
    scale = xp.maximum(magnitude + b, xp.zeros_like(magnitude)) / xp.maximum(
        magnitude, xp.full_like(magnitude, eps)
    )
    return z * scale


def _layer_norm(xp: ModuleType, x: Array, weight: Array, bias: Array, eps: float) -> Array:
    """LayerNorm over the last axis, biased variance (PyTorch's ``nn.LayerNorm``)."""
    mean = xp.mean(x, axis=-1, keepdims=True)
    centred = x - mean
    variance = xp.mean(centred * centred, axis=-1, keepdims=True)
    return centred / xp.sqrt(variance + eps) * weight + bias


def _gelu(xp: ModuleType, x: Array) -> Array:
    """Exact GELU, x Phi(x) = x/2 erfc(-x/sqrt 2) (erfc: no cancellation for x << 0)."""
    return 0.5 * x * _erfc(xp, -x * _SQRT1_2)


# --------------------------------------------------------------------------------------------
# erf / erfc in array API terms: W. J. Cody, "Rational Chebyshev approximations for the error
# function", Math. Comp. 23 (1969) 631-637, coefficients of the SPECFUN routine CALERF. Three
# ranges: |x| <= 0.46875 (erf), 0.46875 < |x| <= 4 and |x| > 4 (erfc). Maximal relative
# errors of the approximations are below 1e-17, so float64 round-off dominates.
# --------------------------------------------------------------------------------------------

_SQRT1_2 = 0.70710678118654752440
_THRESHOLD = 0.46875
_ERF_A = (
    3.16112374387056560e00,
    1.13864154151050156e02,
    3.77485237685302021e02,
    3.20937758913846947e03,
    1.85777706184603153e-1,
)
_ERF_B = (
    2.36012909523441209e01,
    2.44024637934444173e02,
    1.28261652607737228e03,
    2.84423683343917062e03,
)
_ERFC_C = (
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
    2.15311535474403846e-8,
)
_ERFC_D = (
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
_ERFC_P = (
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
    1.63153871373020978e-2,
)
_ERFC_Q = (
    2.56852019228982242e00,
    1.87295284992346725e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
)
_ONE_OVER_SQRT_PI = 5.6418958354775628695e-1


def _erf(xp: ModuleType, x: Array) -> Array:
    """Error function of a real floating array (Cody's CALERF, to float64 round-off)."""
    y = xp.abs(x)
    small = _erf_small(xp, x)
    large = 0.5 - _erfc_positive(xp, y) + 0.5
    return xp.where(y <= _THRESHOLD, small, xp.where(x < 0, -large, large))


def _erfc(xp: ModuleType, x: Array) -> Array:
    """Complementary error function 1 - erf(x), accurate (relative) also where it is tiny."""
    y = xp.abs(x)
    small = 1.0 - _erf_small(xp, x)
    tail = _erfc_positive(xp, y)
    return xp.where(y <= _THRESHOLD, small, xp.where(x < 0, 2.0 - tail, tail))


def _erf_small(xp: ModuleType, x: Array) -> Array:
    # erf(x) = x P(x^2) / Q(x^2) on |x| <= 0.46875; clipped elsewhere (value unused there).
    x = xp.clip(x, -_THRESHOLD, _THRESHOLD)
    ysq = x * x
    num = _ERF_A[4] * ysq
    den = ysq
    for i in range(3):
        num = (num + _ERF_A[i]) * ysq
        den = (den + _ERF_B[i]) * ysq
    return x * (num + _ERF_A[3]) / (den + _ERF_B[3])


def _erfc_positive(xp: ModuleType, y: Array) -> Array:
    """erfc(y) for y > 0.46875 (values elsewhere are finite and unused)."""
    # 0.46875 < y <= 4: erfc(y) = exp(-y^2) P(y) / Q(y)
    mid = xp.clip(y, _THRESHOLD, 4.0)
    num = _ERFC_C[8] * mid
    den = mid
    for i in range(7):
        num = (num + _ERFC_C[i]) * mid
        den = (den + _ERFC_D[i]) * mid
    mid_value = (num + _ERFC_C[7]) / (den + _ERFC_D[7])
    # y > 4: erfc(y) = exp(-y^2) / y (1/sqrt(pi) + R(1/y^2) / y^2)
    big = xp.maximum(y, xp.full_like(y, 4.0))
    ysq = 1.0 / (big * big)
    num = _ERFC_P[5] * ysq
    den = ysq
    for i in range(4):
        num = (num + _ERFC_P[i]) * ysq
        den = (den + _ERFC_Q[i]) * ysq
    big_value = (_ONE_OVER_SQRT_PI - ysq * (num + _ERFC_P[4]) / (den + _ERFC_Q[4])) / big
    value = xp.where(y <= 4.0, mid_value, big_value)
    return value * _exp_minus_square(xp, y)


def _exp_minus_square(xp: ModuleType, y: Array) -> Array:
    # exp(-y^2) with y^2 split as a^2 + (y - a)(y + a), a = trunc(16 y)/16 exact: the rounding
    # error of y*y would otherwise be amplified by y^2 in the exponent (Cody's trick).
    a = xp.trunc(y * 16.0) / 16.0
    return xp.exp(-a * a) * xp.exp(-(y - a) * (y + a))
