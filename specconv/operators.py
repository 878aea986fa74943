"""Long-convolution sequence operators: H3, Hyena, GSS (forward passes, explicit parameters).

Each operator maps ``u (..., L, D)`` (tokens by channels, like the PyTorch modules) to an
array of the same shape, is **causal** (output ``t`` depends on ``u_0 .. u_t`` only) and is
built from the library's pieces: every long convolution is :func:`specconv.conv.causal_conv`,
every SSM kernel :func:`specconv.ssm.s4d_kernel`. Each has a ``*_reference`` twin computing
the same map with dense lower-triangular Toeplitz matrices (:math:`O(L^2)`) and SSM kernels
summed mode by mode from their definition, :math:`K_l = 2\\operatorname{Re}\\sum_n C_n
\\bar B_n \\bar A_n^l` with the powers built by repeated products; the references call
neither ``causal_conv`` nor ``s4d_kernel``.

Linear maps are applied input-major, ``x @ w + b`` (``w`` is the transpose of a PyTorch
``nn.Linear.weight``). Conventions follow the safari / H3 reference code (notes/ssm.md,
section 6); dropout is omitted.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from specconv._compat import (
    Array,
    DType,
    array_namespace,
    as_compute,
    check_choice,
    check_ndim,
    check_nonempty,
    check_positive_int,
    check_state_size,
    complex_dtype,
    compute_dtype,
    creation_namespace,
    default_float,
    device,
    result_dtype,
)
from specconv.conv import causal_conv
from specconv.fftnet import _gelu, _layer_norm
from specconv.ssm import s4d_init, s4d_kernel

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

#: ``conv(u, k, D)``: causal convolution along the last axis (fast path or dense reference).
ConvFn = Callable[[ModuleType, Array, Array, "Array | None"], Array]
#: ``kernel(Lambda, B, C, dt, L, discretization)``: real S4D kernel (..., L).
KernelFn = Callable[[ModuleType, Array, Array, Array, Array, int, str], Array]

_DISCRETIZATIONS = ("bilinear", "zoh")


# ============================================================================================
# H3
# ============================================================================================


@dataclasses.dataclass(frozen=True)
class H3Params:
    """Parameters of an H3 layer: ``D`` channels, ``H = D / p`` heads of size ``p``.

    Attributes
    ----------
    wq, wk, wv : array, shape (D, D)
        Query, key and value projections (``u @ w + b``).
    bq, bk, bv : array, shape (D,)
        Their biases.
    shift_kernel : array, shape (D, N_shift)
        The shift SSM's kernel: with A the lower shift matrix, B = e_0 and C this row, the
        kernel is :math:`K_l = C_l` for :math:`l < N_\\text{shift}` and 0 after -- a learnable
        causal FIR filter per channel.
    shift_D : array, shape (D,)
        Skip term of the shift SSM.
    Lambda : array, shape (H, N/2), complex
        Diagonal state matrix of the S4D SSM on ``k * v`` (conjugate-half storage).
    B, C : array, shape (H, N/2), complex
        Its input and output vectors.
    dt : array, shape (H,)
        Its step sizes (> 0).
    D : array, shape (H,)
        Its skip term.
    wo : array, shape (D, D)
        Output projection.
    bo : array, shape (D,)
        Its bias.

    Examples
    --------
    >>> from specconv import h3_init
    >>> p = h3_init(8, d_state=4, head_dim=2)  # D = 8 channels in H = 4 heads
    >>> p.wq.shape, p.Lambda.shape, p.dt.shape
    ((8, 8), (4, 2), (4,))
    """

    wq: Array
    bq: Array
    wk: Array
    bk: Array
    wv: Array
    bv: Array
    shift_kernel: Array
    shift_D: Array
    Lambda: Array
    B: Array
    C: Array
    dt: Array
    D: Array
    wo: Array
    bo: Array


def h3_init(
    d_model: int,
    /,
    *,
    d_state: int = 64,
    head_dim: int = 1,
    seed: int = 0,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: Any = None,
) -> H3Params:
    """Initial H3 parameters (safari's defaults: S4D-Lin, ``d_state`` 64).

    Projections: PyTorch ``nn.Linear`` default distribution,
    :math:`\\mathcal U(\\pm 1/\\sqrt{D})` for weights and biases. Shift SSM: kernel
    :math:`\\mathcal U(\\pm 1/\\sqrt{N})` of length ``N = d_state`` (Conv1d-style), skip
    :math:`\\mathcal N(0, 1)`. S4D SSM per head: ``Lambda = s4d_init("lin", N)``, ``B = 1``,
    ``C`` standard complex normal, ``dt = exp(U[log 1e-3, log 1e-1])``, ``D`` standard
    normal. All drawn in float64 from ``numpy.random.default_rng(seed)``, then cast.

    Parameters
    ----------
    d_model : int
        Channels ``D``.
    d_state : int, optional
        State size ``N`` (even) of the S4D SSM, also the shift SSM's FIR length. Default 64.
    head_dim : int, optional
        Head size ``p`` (``D`` divisible by it); ``H = D / p`` heads. Default 1.
    seed : int, optional
        NumPy seed. Default 0.
    xp : namespace, optional
        Namespace of the result. Default NumPy.
    dtype : dtype, optional
        Real dtype (complex parameters get the paired complex dtype). Default: the
        namespace's default real floating dtype.
    device : device, optional
        Device of the result.

    Returns
    -------
    H3Params

    Raises
    ------
    ValueError
        If a size is not positive, ``d_state`` is odd, or ``head_dim`` does not divide
        ``d_model``.

    Examples
    --------
    >>> from specconv import h3_init
    >>> p = h3_init(8, d_state=4, head_dim=2)
    >>> p.shift_kernel.shape, p.Lambda.shape, p.D.shape
    ((8, 4), (4, 2), (4,))
    """
    d_model = check_positive_int(d_model, "d_model")
    d_state = check_state_size(d_state, "d_state")
    head_dim = check_positive_int(head_dim, "head_dim")
    if d_model % head_dim:
        msg = f"`head_dim`={head_dim} must divide `d_model`={d_model}"
        raise ValueError(msg)
    heads = d_model // head_dim
    rng = np.random.default_rng(seed)
    wq, bq = _linear_init(rng, d_model, d_model)
    wk, bk = _linear_init(rng, d_model, d_model)
    wv, bv = _linear_init(rng, d_model, d_model)
    bound = 1 / math.sqrt(d_state)
    shift_kernel = rng.uniform(-bound, bound, (d_model, d_state))
    shift_D = rng.standard_normal(d_model)
    Lambda = np.broadcast_to(s4d_init("lin", d_state), (heads, d_state // 2)).copy()
    B = np.ones((heads, d_state // 2), dtype=complex)
    C = _complex_normal(rng, (heads, d_state // 2))
    dt = np.exp(rng.uniform(math.log(1e-3), math.log(1e-1), heads))
    D = rng.standard_normal(heads)
    wo, bo = _linear_init(rng, d_model, d_model)
    move = _mover(xp, dtype, device)
    return H3Params(
        **_moved(
            move,
            wq=wq,
            bq=bq,
            wk=wk,
            bk=bk,
            wv=wv,
            bv=bv,
            shift_kernel=shift_kernel,
            shift_D=shift_D,
            Lambda=Lambda,
            B=B,
            C=C,
            dt=dt,
            D=D,
            wo=wo,
            bo=bo,
        )
    )


def h3(u: Array, params: H3Params, /, *, discretization: str = "bilinear") -> Array:
    """H3 (Fu et al. 2023): a shift SSM on the keys, a diagonal SSM on ``k * v``, gated by ``q``.

    With :math:`q, k, v = u W_{q,k,v} + b_{q,k,v}` and channels split into ``H`` heads of size
    ``p`` (channel ``h p + i``):

    .. math::

        k' = K_\\text{shift} * k + D_\\text{shift} \\odot k, \\qquad
        (kv)_{h,i,j} = k'_{h,i} \\odot v_{h,j},

    .. math::

        s_{h,i,j} = K_h * (kv)_{h,i,j} + D_h (kv)_{h,i,j}, \\qquad
        y_{h,j} = \\sum_i q_{h,i} \\odot s_{h,i,j}, \\qquad
        \\text{out} = y W_o + b_o,

    where :math:`*` is the causal convolution over time (:func:`specconv.causal_conv`) and
    :math:`K_h` the S4D kernel of head ``h`` (:func:`specconv.s4d_kernel`). For ``p = 1`` this
    is :math:`q \\odot (K * (k' \\odot v) + D\\, k' \\odot v)`. The H3 code merges the heads of
    ``y`` in the order ``(j, h)``; here it is ``(h, j)``, like the split -- a fixed permutation
    of the rows of ``W_o``.

    Parameters
    ----------
    u : array, shape (..., L, D)
        Real input, tokens by channels.
    params : H3Params
        See :func:`h3_init`.
    discretization : {"bilinear", "zoh"}, optional
        Of the S4D SSM. Default ``"bilinear"`` (safari's diagonal kernel default).

    Returns
    -------
    array, shape (..., L, D)
        dtype ``result_type`` of ``u`` and the real parameters (float16/bfloat16 computed in
        float32).

    Raises
    ------
    TypeError
        If ``params`` is not an :class:`H3Params` or the arrays come from different libraries.
    ValueError
        On inconsistent shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import h3, h3_init, h3_reference
    >>> p = h3_init(4, d_state=4, head_dim=2)
    >>> u = np.random.default_rng(0).standard_normal((2, 16, 4))
    >>> y = h3(u, p)
    >>> y.shape, bool(np.allclose(y, h3_reference(u, p)))
    ((2, 16, 4), True)
    """
    return _h3(u, params, discretization, _fast_conv, _fast_kernel)


def h3_reference(u: Array, params: H3Params, /, *, discretization: str = "bilinear") -> Array:
    """:func:`h3` with dense Toeplitz convolutions and mode-by-mode SSM kernels (O(L^2)).

    Same parameters, returns and errors as :func:`h3`.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import h3_init, h3_reference
    >>> p = h3_init(2, d_state=2)
    >>> h3_reference(np.zeros((3, 2)), p).shape
    (3, 2)
    """
    return _h3(u, params, discretization, _dense_conv, _reference_kernel)


def _h3(u: Array, params: H3Params, discretization: str, conv: ConvFn, kernel: KernelFn) -> Array:
    check_choice(discretization, "discretization", _DISCRETIZATIONS)
    xp, named = _namespace(u, params, H3Params)
    L, dim = _check_input(u)
    heads, modes = named["Lambda"].shape[0], named["Lambda"].shape[-1]
    if named["Lambda"].ndim != 2 or heads == 0 or dim % heads:
        msg = (
            f"`params.Lambda` must have shape (H, N/2) with H dividing D={dim}, "
            f"got {tuple(named['Lambda'].shape)}"
        )
        raise ValueError(msg)
    n_shift = named["shift_kernel"].shape[-1]
    _check_shapes(
        named,
        {
            "wq": (dim, dim), "bq": (dim,), "wk": (dim, dim), "bk": (dim,),
            "wv": (dim, dim), "bv": (dim,), "shift_kernel": (dim, n_shift),
            "shift_D": (dim,), "B": (heads, modes), "C": (heads, modes), "dt": (heads,),
            "D": (heads,), "wo": (dim, dim), "bo": (dim,),
        },
        f"D={dim}, H={heads}, N/2={modes}",
    )  # fmt: skip
    out_dtype, _, u_c, p = _compute(xp, u, named, complex_names=("Lambda", "B", "C"))
    head_dim = dim // heads
    batch = tuple(u.shape[:-2])

    q = _channels_first(xp, u_c @ p["wq"] + p["bq"])  # (..., D, L)
    k = _channels_first(xp, u_c @ p["wk"] + p["bk"])
    v = _channels_first(xp, u_c @ p["wv"] + p["bv"])
    k = conv(xp, k, p["shift_kernel"], p["shift_D"])
    # heads: channel h*p + i -> (h, i); kv[..., h, i, j, :] = k[h, i] * v[h, j]
    k = xp.reshape(k, (*batch, heads, head_dim, 1, L))
    v = xp.reshape(v, (*batch, heads, 1, head_dim, L))
    q = xp.reshape(q, (*batch, heads, head_dim, 1, L))
    K = kernel(xp, p["Lambda"], p["B"], p["C"], p["dt"], L, discretization)  # (H, L)
    s = conv(xp, k * v, xp.reshape(K, (heads, 1, 1, L)), xp.reshape(p["D"], (heads, 1, 1)))
    y = xp.sum(q * s, axis=-3)  # (..., H, p, L)
    y = _channels_last(xp, xp.reshape(y, (*batch, dim, L)))
    return xp.astype(y @ p["wo"] + p["bo"], out_dtype)


# ============================================================================================
# Hyena
# ============================================================================================


@dataclasses.dataclass(frozen=True)
class HyenaParams:
    """Parameters of a Hyena operator of order ``o`` (``D`` channels, filter MLP width ``W``).

    Attributes
    ----------
    w_in : array, shape (D, (o + 1) D)
        Input projection; its output splits into gates ``x_0 .. x_{o-1}`` and value ``v``.
    b_in : array, shape ((o + 1) D,)
        Its bias.
    short_filter : array, shape ((o + 1) D, S)
        Depthwise causal short filter (S = 3): tap ``s`` multiplies ``z_{t-s}``. A PyTorch
        ``Conv1d(padding=S-1, groups=channels)`` weight ``(C, 1, S)`` is this flipped along
        its last axis.
    short_bias : array, shape ((o + 1) D,)
        Its bias.
    pos_z : array, shape (l_max, E)
        Positional features :math:`[\\hat t, \\operatorname{Re} e^{-i f_j \\omega_t},
        \\operatorname{Im} e^{-i f_j \\omega_t}]` (fixed).
    pos_t : array, shape (l_max,)
        :math:`\\hat t = \\operatorname{linspace}(0, 1, l_\\max)` (fixed).
    filter_w0 : array, shape (E, W)
        First layer of the filter MLP.
    filter_b0 : array, shape (W,)
        Its bias.
    filter_w_inner : array, shape (M, W, W)
        The ``M`` inner layers (``M`` may be 0).
    filter_b_inner : array, shape (M, W)
        Their biases.
    filter_w_out : array, shape (W, (o - 1) D)
        Last layer (no bias); column ``j D + c`` is channel ``c`` of filter ``j``.
    filter_freq : array, shape (W,)
        The frequencies :math:`\\omega` of the ``sin(omega x)`` activation (one vector, shared
        by every layer).
    decay : array, shape ((o - 1) D,)
        Decay rates :math:`\\delta` of the window :math:`e^{-\\hat t |\\delta|}`.
    filter_bias : array, shape ((o - 1) D,)
        Skip term of each long convolution.
    w_out : array, shape (D, D)
        Output projection.
    b_out : array, shape (D,)
        Its bias.

    Examples
    --------
    >>> from specconv import hyena_init
    >>> p = hyena_init(8, 32)  # D = 8 channels, l_max = 32, order 2
    >>> p.w_in.shape, p.pos_t.shape
    ((8, 24), (32,))
    """

    w_in: Array
    b_in: Array
    short_filter: Array
    short_bias: Array
    pos_z: Array
    pos_t: Array
    filter_w0: Array
    filter_b0: Array
    filter_w_inner: Array
    filter_b_inner: Array
    filter_w_out: Array
    filter_freq: Array
    decay: Array
    filter_bias: Array
    w_out: Array
    b_out: Array


def hyena_init(
    d_model: int,
    l_max: int,
    /,
    *,
    order: int = 2,
    filter_order: int = 64,
    emb_dim: int = 3,
    num_inner_mlps: int = 2,
    short_filter_order: int = 3,
    seed: int = 0,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: Any = None,
) -> HyenaParams:
    """Initial Hyena parameters (safari's ``HyenaOperator`` / ``HyenaFilter`` defaults).

    Linear layers and the short filter: PyTorch's default
    :math:`\\mathcal U(\\pm 1/\\sqrt{\\text{fan\\_in}})` (``fan_in`` = ``S`` for the
    depthwise filter); ``filter_freq`` = 1; ``filter_bias`` standard normal; decay rates
    ``linspace(ln(1e-2)/1.5, ln(1e-2)/0.3, (o-1) D)`` (target 1e-2, slow/fast decay 1.5/0.3);
    positional features with ``bands = (E - 1) / 2`` frequencies
    ``f = linspace(1e-4, bands - 1, bands)`` and :math:`\\omega_t = 2 \\pi t / l_\\max`.
    Random draws in float64 from ``numpy.random.default_rng(seed)``, then cast.

    Parameters
    ----------
    d_model : int
        Channels ``D``.
    l_max : int
        Longest input length (the implicit filter is defined on ``l_max`` positions).
    order : int, optional
        Hyena order ``o >= 2`` (``o - 1`` long convolutions). Default 2.
    filter_order : int, optional
        Width ``W`` of the filter MLP. Default 64.
    emb_dim : int, optional
        Positional feature size ``E``, odd and ``>= 3``. Default 3.
    num_inner_mlps : int, optional
        Inner layers ``M`` of the filter MLP. Default 2.
    short_filter_order : int, optional
        Width ``S`` of the short filter. Default 3.
    seed, xp, dtype, device
        As in :func:`h3_init`.

    Returns
    -------
    HyenaParams

    Raises
    ------
    ValueError
        If a size is out of range.

    Examples
    --------
    >>> from specconv import hyena_init
    >>> p = hyena_init(4, 32, filter_order=8)
    >>> p.w_in.shape, p.pos_z.shape, p.filter_w_out.shape
    ((4, 12), (32, 3), (8, 4))
    """
    d_model = check_positive_int(d_model, "d_model")
    l_max = check_positive_int(l_max, "l_max")
    order = check_positive_int(order, "order")
    width = check_positive_int(filter_order, "filter_order")
    emb_dim = check_positive_int(emb_dim, "emb_dim")
    inner = check_positive_int(num_inner_mlps, "num_inner_mlps", allow_zero=True)
    short = check_positive_int(short_filter_order, "short_filter_order")
    if order < 2:
        msg = f"`order` must be >= 2, got {order}"
        raise ValueError(msg)
    if emb_dim < 3 or emb_dim % 2 == 0:
        msg = f"`emb_dim` must be odd and >= 3, got {emb_dim}"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    channels, filters = (order + 1) * d_model, (order - 1) * d_model
    w_in, b_in = _linear_init(rng, d_model, channels)
    bound = 1 / math.sqrt(short)
    short_filter = rng.uniform(-bound, bound, (channels, short))
    short_bias = rng.uniform(-bound, bound, channels)
    pos_t = np.linspace(0.0, 1.0, l_max)
    bands = (emb_dim - 1) // 2
    omega = 2 * math.pi * np.arange(l_max) / l_max
    f = np.linspace(1e-4, bands - 1, bands)
    rotation = np.exp(-1j * f[None, :] * omega[:, None])
    pos_z = np.concatenate([pos_t[:, None], rotation.real, rotation.imag], axis=-1)
    filter_w0, filter_b0 = _linear_init(rng, emb_dim, width)
    inner_layers = [_linear_init(rng, width, width) for _ in range(inner)]
    filter_w_inner = (
        np.stack([w for w, _ in inner_layers]) if inner else np.zeros((0, width, width))
    )
    filter_b_inner = np.stack([b for _, b in inner_layers]) if inner else np.zeros((0, width))
    filter_w_out = _linear_init(rng, width, filters)[0]
    filter_freq = np.ones(width)
    target, fast, slow = 1e-2, 0.3, 1.5
    decay = np.linspace(math.log(target) / slow, math.log(target) / fast, filters)
    filter_bias = rng.standard_normal(filters)
    w_out, b_out = _linear_init(rng, d_model, d_model)
    move = _mover(xp, dtype, device)
    return HyenaParams(
        **_moved(
            move,
            w_in=w_in,
            b_in=b_in,
            short_filter=short_filter,
            short_bias=short_bias,
            pos_z=pos_z,
            pos_t=pos_t,
            filter_w0=filter_w0,
            filter_b0=filter_b0,
            filter_w_inner=filter_w_inner,
            filter_b_inner=filter_b_inner,
            filter_w_out=filter_w_out,
            filter_freq=filter_freq,
            decay=decay,
            filter_bias=filter_bias,
            w_out=w_out,
            b_out=b_out,
        )
    )


def hyena(u: Array, params: HyenaParams, /) -> Array:
    """Hyena operator (Poli et al. 2023): gated recurrence of implicit long convolutions.

    .. math::

        z = \\operatorname{ShortConv}(u W_\\text{in} + b_\\text{in}) = (x_0, \\dots,
            x_{o-1}, v),

    .. math::

        h_j(t) = \\bigl[\\operatorname{FFN}(z^\\text{pos}_t)\\bigr]_j
            \\, e^{-\\hat t_t |\\delta_j|}, \\qquad
        \\operatorname{FFN} = W_\\text{out} \\circ (\\sin(\\omega \\odot (W_m \\cdot + b_m)))_m,

    .. math::

        v \\leftarrow h_j * (x_{o-1-j} \\odot v) + \\beta_j \\odot (x_{o-1-j} \\odot v),
            \\quad j = 0, \\dots, o - 2, \\qquad
        \\text{out} = (x_0 \\odot v) W_\\text{out} + b_\\text{out}.

    ``ShortConv`` is a depthwise causal convolution of width ``S`` plus bias and :math:`*` the
    long causal convolution (both :func:`specconv.causal_conv`). For order 2:
    :math:`x_0 \\odot (h * (x_1 \\odot v) + \\beta \\odot x_1 \\odot v)`. The filter is the
    implicit filter on the first ``L`` of the ``l_max`` positions (the MLP is pointwise, so
    this equals slicing the full filter).

    Parameters
    ----------
    u : array, shape (..., L, D)
        Real input, ``L <= l_max``.
    params : HyenaParams
        See :func:`hyena_init`.

    Returns
    -------
    array, shape (..., L, D)
        dtype ``result_type`` of ``u`` and the parameters (float16/bfloat16 computed in
        float32).

    Raises
    ------
    TypeError
        If ``params`` is not a :class:`HyenaParams` or the arrays come from different
        libraries.
    ValueError
        On inconsistent shapes or ``L > l_max``.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import hyena, hyena_init, hyena_reference
    >>> p = hyena_init(4, 32, filter_order=8)
    >>> u = np.random.default_rng(0).standard_normal((2, 20, 4))
    >>> y = hyena(u, p)
    >>> y.shape, bool(np.allclose(y, hyena_reference(u, p)))
    ((2, 20, 4), True)
    """
    return _hyena(u, params, _fast_conv)


def hyena_reference(u: Array, params: HyenaParams, /) -> Array:
    """:func:`hyena` with every convolution (short and long) a dense Toeplitz product (O(L^2)).

    Same parameters, returns and errors as :func:`hyena`.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import hyena_init, hyena_reference
    >>> hyena_reference(np.zeros((5, 2)), hyena_init(2, 8, filter_order=4)).shape
    (5, 2)
    """
    return _hyena(u, params, _dense_conv)


def _hyena(u: Array, params: HyenaParams, conv: ConvFn) -> Array:
    xp, named = _namespace(u, params, HyenaParams)
    L, dim = _check_input(u)
    channels = named["w_in"].shape[-1]
    if named["w_in"].ndim != 2 or channels % dim or channels // dim < 3:
        msg = (
            f"`params.w_in` must have shape (D, (order+1) D) with order >= 2 and D={dim}, "
            f"got {tuple(named['w_in'].shape)}"
        )
        raise ValueError(msg)
    order = channels // dim - 1
    filters = (order - 1) * dim
    l_max, emb_dim = named["pos_z"].shape[0], named["pos_z"].shape[-1]
    width = named["filter_w0"].shape[-1]
    inner = named["filter_w_inner"].shape[0]
    taps = named["short_filter"].shape[-1]
    _check_shapes(
        named,
        {
            "b_in": (channels,), "short_filter": (channels, taps), "short_bias": (channels,),
            "pos_z": (l_max, emb_dim), "pos_t": (l_max,), "filter_w0": (emb_dim, width),
            "filter_b0": (width,), "filter_w_inner": (inner, width, width),
            "filter_b_inner": (inner, width), "filter_w_out": (width, filters),
            "filter_freq": (width,), "decay": (filters,), "filter_bias": (filters,),
            "w_out": (dim, dim), "b_out": (dim,),
        },
        f"D={dim}, order={order}, l_max={l_max}, W={width}",
    )  # fmt: skip
    if l_max < L:
        msg = f"`u` has L={L} tokens, more than the l_max={l_max} of the implicit filter"
        raise ValueError(msg)
    out_dtype, _, u_c, p = _compute(xp, u, named)

    z = _channels_first(xp, u_c @ p["w_in"] + p["b_in"])  # (..., (o+1) D, L)
    z = conv(xp, z, p["short_filter"], None) + p["short_bias"][:, None]
    chunks = [z[..., i * dim : (i + 1) * dim, :] for i in range(order + 1)]
    gates, v = chunks[:-1], chunks[-1]
    h = _implicit_filter(xp, p, L)  # (o - 1, D, L)
    bias = xp.reshape(p["filter_bias"], (order - 1, dim))
    for j, gate in enumerate(reversed(gates[1:])):
        v = conv(xp, v * gate, h[j, ...], bias[j, ...])
    y = _channels_last(xp, v * gates[0])
    return xp.astype(y @ p["w_out"] + p["b_out"], out_dtype)


def _implicit_filter(xp: ModuleType, p: dict[str, Array], L: int) -> Array:
    """Hyena's filters h_j(t) on t < L: sine MLP of positional features times a decay window."""
    freq = p["filter_freq"]
    a = xp.sin(freq * (p["pos_z"][:L, ...] @ p["filter_w0"] + p["filter_b0"]))
    for m in range(p["filter_w_inner"].shape[0]):
        a = xp.sin(freq * (a @ p["filter_w_inner"][m, ...] + p["filter_b_inner"][m, ...]))
    h = a @ p["filter_w_out"]  # (L, (o-1) D)
    window = xp.exp(-p["pos_t"][:L, None] * xp.abs(p["decay"]))
    h = xp.permute_dims(h * window, (1, 0))  # ((o-1) D, L)
    return xp.reshape(h, (h.shape[0] // p["w_out"].shape[0], p["w_out"].shape[0], L))


# ============================================================================================
# GSS
# ============================================================================================


@dataclasses.dataclass(frozen=True)
class GSSParams:
    """Parameters of a Gated State Space block: ``E`` channels, gate width ``F``, SSM width ``H``.

    Attributes
    ----------
    ln_weight, ln_bias : array, shape (E,)
        Input LayerNorm.
    w_v : array, shape (E, F)
        Gate branch (followed by GELU).
    b_v : array, shape (F,)
        Its bias.
    w_u : array, shape (E, H)
        Bottleneck (followed by GELU).
    b_u : array, shape (H,)
        Its bias.
    Lambda : array, shape (H, N/2), complex
        Diagonal state matrix of the DSS-style SSM (conjugate-half storage, ``Re < 0``).
    C : array, shape (H, N/2), complex
        Its output vector (``B = 1`` and ``dt = 1`` are fixed, as in GSS).
    D : array, shape (H,)
        Its skip term.
    w_c : array, shape (H, F)
        Projection of the SSM output to the gate width (no activation).
    b_c : array, shape (F,)
        Its bias.
    w_o : array, shape (F, E)
        Output projection.
    b_o : array, shape (E,)
        Its bias.

    Examples
    --------
    >>> from specconv import gss_init
    >>> p = gss_init(8, d_state=8)
    >>> p.ln_weight.shape, p.Lambda.shape[-1]
    ((8,), 4)
    """

    ln_weight: Array
    ln_bias: Array
    w_v: Array
    b_v: Array
    w_u: Array
    b_u: Array
    Lambda: Array
    C: Array
    D: Array
    w_c: Array
    b_c: Array
    w_o: Array
    b_o: Array


def gss_init(
    d_model: int,
    /,
    *,
    expansion: int = 4,
    ssm_dim: int | None = None,
    d_state: int = 512,
    seed: int = 0,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: Any = None,
) -> GSSParams:
    """Initial GSS parameters (Mehta et al. 2022: ``F = 4E``, ``H = E/4``, ``N = 512``).

    LayerNorm weight 1, bias 0; linear maps PyTorch's default
    :math:`\\mathcal U(\\pm 1/\\sqrt{\\text{fan\\_in}})`; the SSM as in the DSS/GSS port:
    :math:`\\Lambda_n = -e^{a_n} + i e^{b_n}` with :math:`a, b \\sim \\mathcal N(0, 1)` drawn
    once and shared by the ``H`` channels, ``C`` standard complex normal per channel, ``D``
    standard normal. Draws in float64 from ``numpy.random.default_rng(seed)``, then cast.

    Parameters
    ----------
    d_model : int
        Channels ``E``.
    expansion : int, optional
        ``F = expansion * E``. Default 4.
    ssm_dim : int, optional
        ``H``; default ``max(1, E // 4)``.
    d_state : int, optional
        State size ``N`` (even): ``N/2`` stored complex modes. Default 512.
    seed, xp, dtype, device
        As in :func:`h3_init`.

    Returns
    -------
    GSSParams

    Raises
    ------
    ValueError
        If a size is not positive or ``d_state`` is odd.

    Examples
    --------
    >>> from specconv import gss_init
    >>> p = gss_init(8, d_state=4)
    >>> p.w_v.shape, p.w_u.shape, p.Lambda.shape
    ((8, 32), (8, 2), (2, 2))
    """
    d_model = check_positive_int(d_model, "d_model")
    expansion = check_positive_int(expansion, "expansion")
    ssm_dim = max(1, d_model // 4) if ssm_dim is None else check_positive_int(ssm_dim, "ssm_dim")
    d_state = check_state_size(d_state, "d_state")
    hidden, modes = expansion * d_model, d_state // 2
    rng = np.random.default_rng(seed)
    w_v, b_v = _linear_init(rng, d_model, hidden)
    w_u, b_u = _linear_init(rng, d_model, ssm_dim)
    shared = -np.exp(rng.standard_normal(modes)) + 1j * np.exp(rng.standard_normal(modes))
    Lambda = np.broadcast_to(shared, (ssm_dim, modes)).copy()
    C = _complex_normal(rng, (ssm_dim, modes))
    D = rng.standard_normal(ssm_dim)
    w_c, b_c = _linear_init(rng, ssm_dim, hidden)
    w_o, b_o = _linear_init(rng, hidden, d_model)
    move = _mover(xp, dtype, device)
    return GSSParams(
        **_moved(
            move,
            ln_weight=np.ones(d_model),
            ln_bias=np.zeros(d_model),
            w_v=w_v,
            b_v=b_v,
            w_u=w_u,
            b_u=b_u,
            Lambda=Lambda,
            C=C,
            D=D,
            w_c=w_c,
            b_c=b_c,
            w_o=w_o,
            b_o=b_o,
        )
    )


def gss(u: Array, params: GSSParams, /) -> Array:
    """Gated State Space block (Mehta et al. 2022), with its residual.

    .. math::

        \\hat x = \\operatorname{LayerNorm}(u), \\quad
        v = \\operatorname{GELU}(\\hat x W_v + b_v), \\quad
        z = \\operatorname{GELU}(\\hat x W_u + b_u),

    .. math::

        y = K * z + D \\odot z, \\qquad
        K_l = 2 \\operatorname{Re} \\sum_{n < N/2} C_n \\frac{e^{\\Lambda_n} - 1}{\\Lambda_n}
            e^{l \\Lambda_n},

    .. math::

        \\text{out} = \\bigl((y W_c + b_c) \\odot v\\bigr) W_o + b_o + u.

    The kernel is S4D's ZOH kernel with ``B = 1`` and ``dt = 1`` (:func:`specconv.s4d_kernel`),
    i.e. the simplified DSS kernel of GSS in conjugate-half storage (DSS's
    :math:`\\operatorname{Re}\\sum` over ``N/2`` modes equals this with ``C`` halved); the
    convolution is :func:`specconv.causal_conv`. GELU is the exact erf form, LayerNorm has
    :math:`\\varepsilon = 10^{-5}`.

    Parameters
    ----------
    u : array, shape (..., L, E)
        Real input.
    params : GSSParams
        See :func:`gss_init`.

    Returns
    -------
    array, shape (..., L, E)
        dtype ``result_type`` of ``u`` and the real parameters (float16/bfloat16 computed in
        float32).

    Raises
    ------
    TypeError
        If ``params`` is not a :class:`GSSParams` or the arrays come from different libraries.
    ValueError
        On inconsistent shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import gss, gss_init, gss_reference
    >>> p = gss_init(8, d_state=8)
    >>> u = np.random.default_rng(0).standard_normal((2, 16, 8))
    >>> y = gss(u, p)
    >>> y.shape, bool(np.allclose(y, gss_reference(u, p)))
    ((2, 16, 8), True)
    """
    return _gss(u, params, _fast_conv, _fast_kernel)


def gss_reference(u: Array, params: GSSParams, /) -> Array:
    """:func:`gss` with a dense Toeplitz convolution and a mode-by-mode kernel (O(L^2)).

    Same parameters, returns and errors as :func:`gss`.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import gss_init, gss_reference
    >>> gss_reference(np.zeros((3, 4)), gss_init(4, d_state=2)).shape
    (3, 4)
    """
    return _gss(u, params, _dense_conv, _reference_kernel)


def _gss(u: Array, params: GSSParams, conv: ConvFn, kernel: KernelFn) -> Array:
    xp, named = _namespace(u, params, GSSParams)
    L, dim = _check_input(u)
    hidden, ssm_dim = named["w_v"].shape[-1], named["w_u"].shape[-1]
    modes = named["Lambda"].shape[-1]
    _check_shapes(
        named,
        {
            "ln_weight": (dim,), "ln_bias": (dim,), "w_v": (dim, hidden), "b_v": (hidden,),
            "w_u": (dim, ssm_dim), "b_u": (ssm_dim,), "Lambda": (ssm_dim, modes),
            "C": (ssm_dim, modes), "D": (ssm_dim,), "w_c": (ssm_dim, hidden),
            "b_c": (hidden,), "w_o": (hidden, dim), "b_o": (dim,),
        },
        f"E={dim}, F={hidden}, H={ssm_dim}, N/2={modes}",
    )  # fmt: skip
    out_dtype, work, u_c, p = _compute(xp, u, named, complex_names=("Lambda", "C"))

    x = _layer_norm(xp, u_c, p["ln_weight"], p["ln_bias"], 1e-5)
    v = _gelu(xp, x @ p["w_v"] + p["b_v"])
    z = _channels_first(xp, _gelu(xp, x @ p["w_u"] + p["b_u"]))  # (..., H, L)
    ones = xp.ones(p["Lambda"].shape, dtype=p["Lambda"].dtype, device=device(u_c))
    dt = xp.ones((ssm_dim,), dtype=work, device=device(u_c))
    K = kernel(xp, p["Lambda"], ones, p["C"], dt, L, "zoh")  # (H, L)
    y = _channels_last(xp, conv(xp, z, K, p["D"]))
    out = ((y @ p["w_c"] + p["b_c"]) * v) @ p["w_o"] + p["b_o"] + u_c
    return xp.astype(out, out_dtype)


# ============================================================================================
# Shared pieces: the fast path, the dense reference, checks and initialisation helpers
# ============================================================================================


def _fast_conv(xp: ModuleType, u: Array, k: Array, D: Array | None) -> Array:
    return causal_conv(u, k, D=D)


def _fast_kernel(
    xp: ModuleType, Lambda: Array, B: Array, C: Array, dt: Array, L: int, disc: str
) -> Array:
    return s4d_kernel(Lambda, B, C, dt, L, discretization=disc)


def _dense_conv(xp: ModuleType, u: Array, k: Array, D: Array | None) -> Array:
    """y = T u (+ D u) with the dense lower-triangular Toeplitz T[t, s] = k[t - s]."""
    L = u.shape[-1]
    taps = min(k.shape[-1], L)
    dev = device(u)
    lag = np.arange(L)[:, None] - np.arange(L)[None, :]
    index = xp.asarray(np.clip(lag, 0, taps - 1).reshape(-1), device=dev)
    inside = xp.asarray(((lag >= 0) & (lag < taps)).reshape(-1), device=dev)
    entries = xp.take(k[..., :taps], index, axis=-1)
    T = xp.where(inside, entries, xp.zeros_like(entries))
    T = xp.reshape(T, (*k.shape[:-1], L, L))
    y = xp.matmul(T, u[..., None])[..., 0]
    return y if D is None else y + D[..., None] * u


def _reference_kernel(
    xp: ModuleType, Lambda: Array, B: Array, C: Array, dt: Array, L: int, disc: str
) -> Array:
    """K_l = 2 Re sum_n C_n Bbar_n Abar_n^l, the powers Abar^l by repeated products."""
    dtLambda = dt[..., None] * Lambda
    if disc == "zoh":
        Abar = xp.exp(dtLambda)
        Bbar = (Abar - 1) / Lambda * B
    else:
        Abar = (1 + dtLambda / 2) / (1 - dtLambda / 2)
        Bbar = dt[..., None] * B / (1 - dtLambda / 2)
    powers = xp.ones((*Abar.shape, 1), dtype=Abar.dtype, device=device(Abar))
    step = Abar[..., None]  # Abar^m for the current block length m
    while powers.shape[-1] < L:
        powers = xp.concat([powers, powers * step], axis=-1)
        step = step * step
    terms = (C * Bbar)[..., None] * powers[..., :L]
    return 2 * xp.real(xp.sum(terms, axis=-2))


def _namespace(u: Array, params: Any, kind: type) -> tuple[ModuleType, dict[str, Array]]:
    if not isinstance(params, kind):
        msg = f"`params` must be a {kind.__name__}, got {type(params).__name__}"
        raise TypeError(msg)
    named = {f.name: getattr(params, f.name) for f in dataclasses.fields(kind)}
    return array_namespace(u=u, **named), named


def _check_input(u: Array) -> tuple[int, int]:
    check_ndim(u, "u", min_ndim=2)
    check_nonempty(u, "u", axis=-2)
    return u.shape[-2], u.shape[-1]


def _check_shapes(
    named: dict[str, Array], expected: dict[str, tuple[int, ...]], sizes: str
) -> None:
    for name, shape in expected.items():
        if tuple(named[name].shape) != shape:
            msg = (
                f"`params.{name}` must have shape {shape} ({sizes}), got {tuple(named[name].shape)}"
            )
            raise ValueError(msg)


def _compute(
    xp: ModuleType, u: Array, named: dict[str, Array], complex_names: tuple[str, ...] = ()
) -> tuple[DType, DType, Array, dict[str, Array]]:
    """Result dtype, real compute dtype, and every array cast to it (complex ones paired)."""
    real = [(name, value) for name, value in named.items() if name not in complex_names]
    out_dtype = result_dtype(xp, ("u", u), *real, allow_complex=False)
    work = compute_dtype(xp, out_dtype)
    cwork = complex_dtype(xp, work)
    cast = {name: as_compute(xp, value, work) for name, value in real}
    cast.update({name: as_compute(xp, named[name], cwork) for name in complex_names})
    return out_dtype, work, as_compute(xp, u, work), cast


def _channels_first(xp: ModuleType, x: Array) -> Array:
    return xp.moveaxis(x, -1, -2)


def _channels_last(xp: ModuleType, x: Array) -> Array:
    return xp.moveaxis(x, -2, -1)


def _linear_init(
    rng: np.random.Generator, fan_in: int, fan_out: int
) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch nn.Linear default distribution, U(+-1/sqrt(fan_in)), input-major weight."""
    bound = 1 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, (fan_in, fan_out)), rng.uniform(-bound, bound, fan_out)


def _complex_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)


def _moved(move: Callable[[np.ndarray], Array], **arrays: np.ndarray) -> dict[str, Array]:
    return {name: move(value) for name, value in arrays.items()}


def _mover(xp: ModuleType | None, dtype: DType | None, dev: Any) -> Callable[[np.ndarray], Array]:
    """Move NumPy float64/complex128 arrays to the target namespace and (paired) dtype."""
    namespace = creation_namespace(xp)
    real = default_float(namespace, dev) if dtype is None else dtype
    if not namespace.isdtype(real, "real floating"):
        msg = f"`dtype` must be a real floating dtype, got {dtype}"
        raise TypeError(msg)
    cplx = complex_dtype(namespace, compute_dtype(namespace, real))

    def move(a: np.ndarray) -> Array:
        target = cplx if np.iscomplexobj(a) else real
        return namespace.asarray(a, dtype=target, device=dev)

    return move
