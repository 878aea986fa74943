"""Kernelized attention with a Toeplitz relative position encoding (Luo et al. 2021).

Luo, Li, Cai, He, Peng, Zheng, Ke, Wang, Liu, "Stable, Fast and Accurate: Kernelized Attention
with Relative Positional Encoding", NeurIPS 2021 (arXiv 2106.12566). A relative position bias
:math:`b_{j-i}` cannot be pulled through the :math:`\\phi(Q)(\\phi(K)^T V)` reordering of linear
attention, but its exponential forms a Toeplitz matrix :math:`C_{ij} = e^{b_{j-i}}`, and a
Toeplitz matrix times a matrix costs :math:`O(T \\log T)` per column with the FFT (Algorithm 1
of the paper).
"""

from __future__ import annotations

from types import ModuleType

from specconv._compat import (
    Array,
    array_namespace,
    as_compute,
    check_broadcast,
    check_choice,
    check_ndim,
    check_real_scalar,
    compute_dtype,
    device,
    is_lazy,
    result_dtype,
)
from specconv.attention import (
    FeatureMap,
    _apply_feature_map,
    _check_causal_lengths,
    _check_qkv,
    _resolve_feature_map,
)
from specconv.conv import _toeplitz_fft_matmul

__all__ = ["kernelized_rpe_attention"]


def kernelized_rpe_attention(
    q: Array,
    k: Array,
    v: Array,
    b: Array,
    /,
    *,
    feature_map: FeatureMap = "elu",
    causal: bool = False,
    method: str = "fft",
    eps: float = 1e-6,
) -> Array:
    """Kernelized attention with relative position encoding through a Toeplitz matrix.

    .. math::

        y_i = \\frac{\\phi(q_i)^T \\sum_j c_{j-i}\\, \\phi(k_j) v_j^T}
                   {\\phi(q_i)^T \\sum_j c_{j-i}\\, \\phi(k_j) + \\varepsilon},
        \\qquad c_r = e^{b_r - \\max b}

    The index is key minus query, :math:`r = j - i \\in [-(T-1), T-1]`. The constant
    :math:`e^{-\\max b}` cancels between numerator and denominator (up to
    :math:`\\varepsilon`) and keeps every :math:`c_r \\le 1`. ``causal=True`` sets
    :math:`c_r = 0` for :math:`r > 0` (the maximum is then taken over :math:`r \\le 0`).

    ``method="fft"`` (Algorithm 1 of the paper): the two Toeplitz products
    :math:`D_1 = C\\,[\\phi(k_j) \\otimes v_j]_j` (``T x m Dv``) and :math:`D_2 = C \\phi(K)`
    (``T x m``) are done together by one batched FFT of a circulant embedding of size
    ``next_fast_len(2T - 1)``, O(T log T m Dv) time and O(T m Dv) memory; then
    :math:`y_i = \\phi(q_i)^T D_{1,i} / (\\phi(q_i)^T D_{2,i} + \\varepsilon)`.
    ``method="direct"`` builds :math:`C \\odot (\\phi(Q)\\phi(K)^T)` (the reference, O(T^2)).

    Accuracy: the FFT's round-off is absolute, about
    :math:`\\epsilon \\log T \\max_r c_r` times the size of the features, on every row. A row
    that sees only coefficients far below :math:`\\max_r c_r` (e.g. causal row 0, which sees
    only :math:`c_0`, when :math:`b_0 \\ll \\max b`) has a denominator of that tiny size and
    loses relative accuracy; use ``method="direct"`` for biases with such a dynamic range.

    Parameters
    ----------
    q : array, shape (..., T, Dk)
        Queries.
    k : array, shape (..., T, Dk)
        Keys (as many as queries).
    v : array, shape (..., T, Dv)
        Values.
    b : array, shape (..., 2T - 1)
        Relative position bias; entry ``r + T - 1`` holds :math:`b_r`. Its leading axes
        broadcast with those of ``q``, ``k``, ``v`` (e.g. ``(H, 2T-1)`` for one bias per head).
    feature_map : {"elu", "identity"} or callable, optional
        :math:`\\phi`, as in :func:`specconv.linear_attention` (``"identity"`` for features
        computed beforehand, e.g. with :func:`specconv.favor_features`).
    causal : bool, optional
        Zero the coefficients of keys after the query.
    method : {"fft", "direct"}, optional
        FFT Toeplitz products (default) or the dense T x T reference.
    eps : float, optional
        Added to the denominator. Default 1e-6.

    Returns
    -------
    array, shape (..., T, Dv)
        Promoted real floating dtype of ``q``, ``k``, ``v``, ``b`` (float16/bfloat16 computed in
        float32 and cast back).

    Raises
    ------
    ValueError
        ``q`` and ``k`` lengths differ (T != S), ``b`` is not of length 2T - 1, head dims or
        lengths mismatch, leading axes do not broadcast, unknown ``method``/``feature_map``.
    TypeError
        Complex or non-numeric input, mixed array libraries, a ``feature_map`` that is
        neither a name nor callable.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import kernelized_rpe_attention, linear_attention
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.standard_normal((3, 6, 4))
    >>> b = -0.5 * np.abs(np.arange(-5, 6.0))  # a symmetric decay
    >>> y = kernelized_rpe_attention(q, k, v, b)
    >>> bool(np.allclose(y, kernelized_rpe_attention(q, k, v, b, method="direct")))
    True
    >>> y0 = kernelized_rpe_attention(q, k, v, np.zeros(11))  # b = 0: plain linear attention
    >>> bool(np.allclose(y0, linear_attention(q, k, v)))
    True
    """
    xp = array_namespace(q=q, k=k, v=v, b=b)
    T, S, _, _ = _check_qkv(q, k, v)
    if S != T:
        msg = (
            f"kernelized_rpe_attention needs as many keys as queries (T == S): `q` has "
            f"T={T}, `k` has S={S}"
        )
        raise ValueError(msg)
    if causal:
        _check_causal_lengths(T, S, "kernelized_rpe_attention")
    check_ndim(b, "b", min_ndim=1)
    if b.shape[-1] != 2 * T - 1:
        msg = (
            f"`b` must have length 2T - 1 = {2 * T - 1} along its last axis (one bias per "
            f"offset j - i in [-(T-1), T-1], T={T}), got shape {tuple(b.shape)}"
        )
        raise ValueError(msg)
    check_broadcast(
        ("q", tuple(q.shape[:-2])),
        ("k", tuple(k.shape[:-2])),
        ("v", tuple(v.shape[:-2])),
        ("b", tuple(b.shape[:-1])),
    )
    check_choice(method, "method", ("fft", "direct"))
    eps = check_real_scalar(eps, "eps", nonnegative=True)
    if not is_lazy(b) and bool(xp.any(xp.isnan(b) | (b == float("inf")))):
        # -inf is legitimate (c_r = 0: offset r masked out); NaN and +inf have no meaning.
        msg = "`b` must not contain NaN or +inf (-inf is allowed: it masks an offset)"
        raise ValueError(msg)
    phi = _resolve_feature_map(feature_map)
    out_dtype = result_dtype(xp, ("q", q), ("k", k), ("v", v), ("b", b), allow_complex=False)
    dtype = compute_dtype(xp, out_dtype)
    q, k, v, b = (as_compute(xp, x, dtype) for x in (q, k, v, b))
    phi_q, phi_k = _apply_feature_map(xp, phi, q, k)

    c = _coefficients(xp, b, T, causal)
    if method == "direct":
        numerator, denominator = _direct(xp, phi_q, phi_k, v, c, T)
    else:
        numerator, denominator = _fft(xp, phi_q, phi_k, v, c, T)
    y = numerator / (denominator + eps)
    return xp.astype(y, out_dtype) if y.dtype != out_dtype else y


def _coefficients(xp: ModuleType, b: Array, T: int, causal: bool) -> Array:
    """c_r = exp(b_r - max b), with c_r = 0 for r > 0 when causal (entries r + T - 1 >= T)."""
    if causal:
        visible = xp.arange(2 * T - 1, device=device(b)) < T
        minus_inf = xp.full_like(b, -float("inf"))
        b = xp.where(visible, b, minus_inf)  # exp(-inf) = 0 exactly, and it drops out of the max
    return xp.exp(b - xp.max(b, axis=-1, keepdims=True))


def _direct(
    xp: ModuleType, phi_q: Array, phi_k: Array, v: Array, c: Array, T: int
) -> tuple[Array, Array]:
    # C_ij = c_{j-i} = c[j - i + T - 1], gathered from c into a dense (..., T, T) matrix.
    index = xp.arange(T, device=device(c))
    offsets = xp.reshape(index[None, :] - index[:, None] + (T - 1), (T * T,))
    C = xp.reshape(xp.take(c, offsets, axis=-1), (*c.shape[:-1], T, T))
    weights = C * xp.matmul(phi_q, xp.matrix_transpose(phi_k))
    return xp.matmul(weights, v), xp.sum(weights, axis=-1, keepdims=True)


def _fft(
    xp: ModuleType, phi_q: Array, phi_k: Array, v: Array, c: Array, T: int
) -> tuple[Array, Array]:
    m, Dv = phi_k.shape[-1], v.shape[-1]
    lead = check_broadcast(("k", tuple(phi_k.shape[:-2])), ("v", tuple(v.shape[:-2])))
    # A1_j = vec(phi(k_j) v_j^T) and A2_j = phi(k_j), side by side: one FFT for both products.
    outer = xp.reshape(phi_k[..., :, None] * v[..., None, :], (*lead, T, m * Dv))
    columns = xp.concat((outer, xp.broadcast_to(phi_k, (*lead, T, m))), axis=-1)
    products = _offset_toeplitz_matmul(xp, c, columns)
    D1 = xp.reshape(products[..., :, : m * Dv], (*products.shape[:-2], T, m, Dv))
    D2 = products[..., :, m * Dv :]
    numerator = xp.matmul(phi_q[..., None, :], D1)[..., 0, :]
    return numerator, xp.sum(phi_q * D2, axis=-1, keepdims=True)


def _offset_toeplitz_matmul(xp: ModuleType, c: Array, X: Array) -> Array:
    """``Y = C X`` with ``C_ij = c[..., j - i + T - 1]`` (offset storage), ``X (..., T, p)``.

    The shared circulant-embedding product of :mod:`specconv.conv`, with the first column
    :math:`c_0, c_{-1}, \\dots, c_{-(T-1)}` and first row :math:`c_0, c_1, \\dots, c_{T-1}`.
    """
    T = X.shape[-2]
    return _toeplitz_fft_matmul(xp, xp.flip(c[..., :T], axis=-1), c[..., T - 1 :], X)
