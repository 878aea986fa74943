"""Softmax attention, linear attention and the feature maps of kernelized attention.

Layout (SPEC section 6): ``q (..., T, Dk)``, ``k (..., S, Dk)``, ``v (..., S, Dv)``; the
leading axes (batch, heads) broadcast against each other.

* :func:`softmax_attention` -- the stable (max-subtracted) definition
  :math:`\\operatorname{softmax}(s\\, Q K^T + B) V` (Vaswani et al. 2017).
* :func:`linear_attention` -- Katharopoulos et al. 2020, "Transformers are RNNs":
  :math:`y_i = \\phi(q_i)^T S_i / (\\phi(q_i)^T z_i + \\varepsilon)` with
  :math:`S_i = \\sum_j \\phi(k_j) v_j^T`, :math:`z_i = \\sum_j \\phi(k_j)`, computed by five
  interchangeable methods (masked quadratic reference, parallel, prefix sums, chunked,
  recurrent).
* :func:`linear_attention_step` -- the RNN view used for decoding.
* :func:`elu_feature_map`, :func:`random_features`, :func:`favor_features` -- the elu+1 map and
  the Performer FAVOR+ positive random features (Choromanski et al. 2021).
"""

from __future__ import annotations

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
    check_broadcast,
    check_choice,
    check_ndim,
    check_nonempty,
    check_positive_int,
    check_real_scalar,
    compute_dtype,
    creation_namespace,
    default_float,
    device,
    is_numpy_namespace,
    result_dtype,
)

__all__ = [
    "elu_feature_map",
    "favor_features",
    "linear_attention",
    "linear_attention_step",
    "random_features",
    "softmax_attention",
]

#: A feature map: ``"elu"``, ``"identity"`` or a callable ``phi(x) -> array`` (same namespace).
FeatureMap = str | Callable[[Array], Array]

_METHODS = ("auto", "quadratic", "parallel", "cumsum", "chunked", "recurrent")
_FEATURE_MAPS = ("elu", "identity")


# --------------------------------------------------------------------------------------------
# Softmax attention
# --------------------------------------------------------------------------------------------


def softmax_attention(
    q: Array,
    k: Array,
    v: Array,
    /,
    *,
    causal: bool = False,
    scale: float | None = None,
    bias: Array | None = None,
) -> Array:
    """Scaled dot-product attention, the stable (max-subtracted) reference.

    .. math::

        \\ell_{ij} = s\\, q_i^T k_j + B_{ij}, \\qquad
        y_i = \\frac{\\sum_j e^{\\ell_{ij} - m_i} v_j}{\\sum_j e^{\\ell_{ij} - m_i}}, \\qquad
        m_i = \\max_j \\ell_{ij}

    with :math:`j \\le i` when ``causal`` (the mask is aligned top-left, i.e. query ``i`` sees
    keys ``0..i``; this needs ``T == S``). Subtracting the row maximum :math:`m_i` changes
    nothing mathematically and keeps every exponential in :math:`(0, 1]`.

    Parameters
    ----------
    q : array, shape (..., T, Dk)
        Queries.
    k : array, shape (..., S, Dk)
        Keys.
    v : array, shape (..., S, Dv)
        Values.
    causal : bool, optional
        Mask keys after the query (``j > i``). Requires ``T == S``.
    scale : float, optional
        Logit scale :math:`s`. Default :math:`D_k^{-1/2}`.
    bias : array, optional
        Additive logit bias (relative position bias, ALiBi, an additive mask with ``-inf``),
        broadcast to ``(..., T, S)``. A row whose logits are all ``-inf`` gives NaN.

    Returns
    -------
    array, shape (..., T, Dv)
        Promoted floating dtype of ``q``, ``k``, ``v``, ``bias`` (float16/bfloat16 computed in
        float32 and cast back; integers promoted to the default float).

    Raises
    ------
    ValueError
        If the head dims of ``q`` and ``k`` differ, ``k`` and ``v`` have different lengths,
        the leading axes or ``bias`` do not broadcast, or ``causal`` with ``T != S``.
    TypeError
        For complex or non-numeric input, or mixed array libraries.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import softmax_attention
    >>> q = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> k = q.copy()
    >>> v = np.array([[1.0], [3.0]])
    >>> np.round(softmax_attention(q, k, v, scale=1.0), 4)
    array([[1.5379],
           [2.4621]])
    >>> np.round(softmax_attention(q, k, v, causal=True), 4)
    array([[1.    ],
           [2.3395]])
    """
    xp = array_namespace(q=q, k=k, v=v, bias=bias)
    T, S, Dk, _ = _check_qkv(q, k, v)
    check_nonempty(k, "k", axis=-2)  # a softmax over no keys is undefined
    if causal:
        _check_causal_lengths(T, S, "softmax_attention")
    if bias is not None:
        check_broadcast(("bias", tuple(bias.shape)), ("logits", (*_lead(q, k, v), T, S)))
    out_dtype = result_dtype(xp, ("q", q), ("k", k), ("v", v), ("bias", bias), allow_complex=False)
    dtype = compute_dtype(xp, out_dtype)
    q, k, v = (as_compute(xp, x, dtype) for x in (q, k, v))
    s = Dk**-0.5 if scale is None else check_real_scalar(scale, "scale")

    logits = xp.matmul(q, xp.matrix_transpose(k)) * s
    if bias is not None:
        logits = logits + as_compute(xp, bias, dtype)
    if causal:
        minus_inf = xp.asarray(-math.inf, dtype=dtype, device=device(q))
        logits = xp.where(_causal_mask(xp, T, device(q)), logits, minus_inf)
    logits = logits - xp.max(logits, axis=-1, keepdims=True)
    weights = xp.exp(logits)
    weights = weights / xp.sum(weights, axis=-1, keepdims=True)
    y = xp.matmul(weights, v)
    return xp.astype(y, out_dtype) if y.dtype != out_dtype else y


# --------------------------------------------------------------------------------------------
# Linear attention
# --------------------------------------------------------------------------------------------


def linear_attention(
    q: Array,
    k: Array,
    v: Array,
    /,
    *,
    causal: bool = False,
    feature_map: FeatureMap = "elu",
    eps: float = 1e-6,
    normalize: bool = True,
    method: str = "auto",
    chunk_size: int = 64,
) -> Array:
    """Linear (kernelized) attention of Katharopoulos et al. 2020.

    .. math::

        y_i = \\frac{\\phi(q_i)^T S_i}{\\phi(q_i)^T z_i + \\varepsilon}, \\qquad
        S_i = \\sum_j \\phi(k_j) v_j^T, \\qquad z_i = \\sum_j \\phi(k_j),

    with :math:`j` over all keys, or over :math:`j \\le i` when ``causal``. :math:`\\varepsilon`
    is added to the scalar denominator after the dot product (fast-transformers' placement).
    No :math:`D_k^{-1/2}` scaling is applied (it cancels in the ratio). With
    ``normalize=False`` only the numerator :math:`\\phi(q_i)^T S_i` is returned
    (flash-linear-attention's ``normalize=False``).

    Methods (all compute the same quantity; ``"quadratic"`` is the definition):

    ``"quadratic"``
        :math:`A = (\\phi(Q) \\phi(K)^T) \\odot M`, :math:`y = A V / (A 1 + \\varepsilon)` with
        the causal mask :math:`M`; O(T S) memory.
    ``"parallel"``
        :math:`\\phi(Q) (\\phi(K)^T V)`; non-causal only; O((T + S) Dk Dv) time.
    ``"cumsum"``
        prefix sums :math:`S_i = \\sum_{j \\le i} \\phi(k_j) v_j^T` of all outer products;
        O(T Dk Dv) memory.
    ``"chunked"``
        chunks of length :math:`C`: a masked quadratic product inside each chunk plus the
        state entering the chunk, :math:`S_{[n]} = \\sum_{m < n} \\phi(K_m)^T V_m`, an
        exclusive prefix sum over the chunk summaries; O(T C + T Dk Dv / C) memory. ``T`` need
        not be a multiple of ``chunk_size`` (zero padding, which adds nothing to any sum).
    ``"recurrent"``
        the RNN view, a loop over time of :func:`linear_attention_step`'s update. Non-causal:
        the keys are folded into the state one at a time and every query reads the final
        state (fast-transformers' recurrent cross-attention).
    ``"auto"``
        ``"parallel"`` when non-causal, ``"chunked"`` when causal.

    Without a mask every prefix is the full sum, so ``"cumsum"`` and ``"chunked"`` with
    ``causal=False`` compute the parallel form (``T != S`` is then allowed).

    Parameters
    ----------
    q : array, shape (..., T, Dk)
        Queries.
    k : array, shape (..., S, Dk)
        Keys.
    v : array, shape (..., S, Dv)
        Values.
    causal : bool, optional
        Query ``i`` attends to keys ``0..i`` only; requires ``T == S``.
    feature_map : {"elu", "identity"} or callable, optional
        :math:`\\phi`: ``"elu"`` is :func:`elu_feature_map` (elu + 1, strictly positive),
        ``"identity"`` uses ``q`` and ``k`` as they are (e.g. features already computed with
        :func:`favor_features`), a callable is applied to ``q`` and ``k`` (it may change the
        feature dimension, the same way for both).
    eps : float, optional
        Added to the denominator dot product. Default 1e-6.
    normalize : bool, optional
        Divide by the denominator (default) or return the numerator only.
    method : {"auto", "quadratic", "parallel", "cumsum", "chunked", "recurrent"}, optional
        Algorithm (see above).
    chunk_size : int, optional
        Chunk length :math:`C` of ``"chunked"``. Default 64.

    Returns
    -------
    array, shape (..., T, Dv)
        Promoted floating dtype of ``q``, ``k``, ``v`` (float16/bfloat16 computed in float32 and
        cast back; integers promoted to the default float).

    Raises
    ------
    ValueError
        Mismatched head dims or lengths, leading axes that do not broadcast, ``causal`` with
        ``T != S``, ``method="parallel"`` with ``causal``, an unknown ``method`` or
        ``feature_map`` name, or ``chunk_size < 1``.
    TypeError
        For complex or non-numeric input, mixed array libraries, or a ``feature_map`` that is
        neither a name nor callable.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import linear_attention
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.standard_normal((3, 2, 10, 4))
    >>> y = linear_attention(q, k, v, causal=True, method="chunked", chunk_size=4)
    >>> y.shape
    (2, 10, 4)
    >>> bool(np.allclose(y, linear_attention(q, k, v, causal=True, method="quadratic")))
    True
    >>> y0 = linear_attention(q, k, v, causal=True)[..., 0, :]  # the first query sees key 0
    >>> bool(np.allclose(y0, v[..., 0, :], atol=1e-5))
    True
    """
    xp = array_namespace(q=q, k=k, v=v)
    T, S, _, _ = _check_qkv(q, k, v)
    check_choice(method, "method", _METHODS)
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    eps = check_real_scalar(eps, "eps", nonnegative=True)
    phi = _resolve_feature_map(feature_map)
    if causal:
        _check_causal_lengths(T, S, "linear_attention")
        if method == "parallel":
            msg = (
                "`method`='parallel' computes non-causal attention only; use 'chunked', "
                "'cumsum', 'recurrent' or 'quadratic' with causal=True"
            )
            raise ValueError(msg)
    if method == "auto":
        method = "chunked" if causal else "parallel"
    out_dtype = result_dtype(xp, ("q", q), ("k", k), ("v", v), allow_complex=False)
    dtype = compute_dtype(xp, out_dtype)
    q, k, v = (as_compute(xp, x, dtype) for x in (q, k, v))
    phi_q, phi_k = _apply_feature_map(xp, phi, q, k)

    if method == "quadratic":
        numerator, denominator = _quadratic(xp, phi_q, phi_k, v, causal)
    elif method == "parallel" or (method in ("cumsum", "chunked") and not causal):
        # Without a mask every prefix is the full sum: cumsum/chunked reduce to the parallel form.
        numerator, denominator = _parallel(xp, phi_q, phi_k, v)
    elif method == "cumsum":
        numerator, denominator = _cumsum(xp, phi_q, phi_k, v)
    elif method == "chunked":
        numerator, denominator = _chunked(xp, phi_q, phi_k, v, chunk_size)
    else:
        numerator, denominator = _recurrent(xp, phi_q, phi_k, v, causal)
    y = numerator / (denominator + eps) if normalize else numerator
    return xp.astype(y, out_dtype) if y.dtype != out_dtype else y


def _quadratic(
    xp: ModuleType, phi_q: Array, phi_k: Array, v: Array, causal: bool
) -> tuple[Array, Array]:
    # A_ij = phi(q_i) . phi(k_j); the row sums of A are phi(q_i) . z_i.
    A = xp.matmul(phi_q, xp.matrix_transpose(phi_k))
    if causal:
        A = A * _causal_weights(xp, A.shape[-1], A.dtype, device(A))
    return xp.matmul(A, v), xp.sum(A, axis=-1, keepdims=True)


def _parallel(xp: ModuleType, phi_q: Array, phi_k: Array, v: Array) -> tuple[Array, Array]:
    state = xp.matmul(xp.matrix_transpose(phi_k), v)  # S = phi(K)^T V, (..., Dk, Dv)
    z = xp.sum(phi_k, axis=-2)  # (..., Dk)
    return xp.matmul(phi_q, state), xp.matmul(phi_q, z[..., None])


def _cumsum(xp: ModuleType, phi_q: Array, phi_k: Array, v: Array) -> tuple[Array, Array]:
    # S_i = sum_{j<=i} phi(k_j) v_j^T: every outer product is materialised, (..., T, Dk, Dv).
    states = xp.cumulative_sum(phi_k[..., :, None] * v[..., None, :], axis=-3)
    z = xp.cumulative_sum(phi_k, axis=-2)
    numerator = xp.matmul(phi_q[..., None, :], states)[..., 0, :]
    return numerator, xp.sum(phi_q * z, axis=-1, keepdims=True)


def _chunked(
    xp: ModuleType, phi_q: Array, phi_k: Array, v: Array, chunk_size: int
) -> tuple[Array, Array]:
    T = phi_q.shape[-2]
    C = max(1, min(chunk_size, T))
    n_chunks = -(-T // C)
    lead = check_broadcast(
        ("q", tuple(phi_q.shape[:-2])), ("k", tuple(phi_k.shape[:-2])), ("v", tuple(v.shape[:-2]))
    )
    # Zero rows past T: a zero key adds nothing to any state, padded query rows are dropped.
    Qc, Kc, Vc = (_to_chunks(xp, x, lead, n_chunks, C) for x in (phi_q, phi_k, v))

    # Inside a chunk: the masked quadratic form (C x C per chunk, plain matmuls).
    A = xp.matmul(Qc, xp.matrix_transpose(Kc))
    A = A * _causal_weights(xp, C, A.dtype, device(A))
    numerator = xp.matmul(A, Vc)
    denominator = xp.sum(A, axis=-1, keepdims=True)

    # Between chunks: the state entering chunk n, S_[n] = sum_{m<n} K_m^T V_m, is an exclusive
    # prefix sum of the chunk summaries; only n_chunks states of (Dk, Dv) exist at once.
    if n_chunks > 1:
        kv = xp.matmul(xp.matrix_transpose(Kc[..., :-1, :, :]), Vc[..., :-1, :, :])
        z = xp.sum(Kc[..., :-1, :, :], axis=-2)
        states = xp.concat(
            (xp.zeros_like(kv[..., :1, :, :]), _prefix_sum(xp, kv, axis=-3)), axis=-3
        )
        z_states = xp.concat((xp.zeros_like(z[..., :1, :]), _prefix_sum(xp, z, axis=-2)), axis=-2)
        numerator = numerator + xp.matmul(Qc, states)
        denominator = denominator + xp.matmul(Qc, z_states[..., None])

    numerator = xp.reshape(numerator, (*lead, n_chunks * C, numerator.shape[-1]))[..., :T, :]
    denominator = xp.reshape(denominator, (*lead, n_chunks * C, 1))[..., :T, :]
    return numerator, denominator


def _prefix_sum(xp: ModuleType, x: Array, axis: int) -> Array:
    """Inclusive prefix sum along ``axis`` (negative), the other axes carried along."""
    if not is_numpy_namespace(xp) or axis == -1:
        return xp.cumulative_sum(x, axis=axis)
    # NumPy's cumsum along an outer axis walks memory with a large stride (~10x slower than
    # adding the contiguous trailing blocks one after another, measured on (8, 256, 64, 64)).
    rest = (slice(None),) * (-axis - 1)
    first = (Ellipsis, slice(0, 1), *rest)
    partial = x[first]
    sums = [partial]
    for t in range(1, x.shape[axis]):
        index = (Ellipsis, slice(t, t + 1), *rest)
        partial = partial + x[index]
        sums.append(partial)
    return xp.concat(sums, axis=axis)


def _to_chunks(
    xp: ModuleType, x: Array, lead: tuple[int | None, ...], n_chunks: int, C: int
) -> Array:
    x = xp.broadcast_to(x, (*lead, *x.shape[-2:]))
    pad = n_chunks * C - x.shape[-2]
    if pad:
        zeros = xp.zeros((*lead, pad, x.shape[-1]), dtype=x.dtype, device=device(x))
        x = xp.concat((x, zeros), axis=-2)
    return xp.reshape(x, (*lead, n_chunks, C, x.shape[-1]))


def _recurrent(
    xp: ModuleType, phi_q: Array, phi_k: Array, v: Array, causal: bool
) -> tuple[Array, Array]:
    lead = check_broadcast(
        ("q", tuple(phi_q.shape[:-2])), ("k", tuple(phi_k.shape[:-2])), ("v", tuple(v.shape[:-2]))
    )
    state = _zero_state(xp, lead, phi_k.shape[-1], v.shape[-1], phi_k.dtype, device(phi_k))
    if not causal:
        for j in range(phi_k.shape[-2]):
            state = _update(xp, state, phi_k[..., j, :], v[..., j, :])
        S, z = state
        return xp.matmul(phi_q, S), xp.matmul(phi_q, z[..., None])
    numerators, denominators = [], []
    for t in range(phi_q.shape[-2]):
        state = _update(xp, state, phi_k[..., t, :], v[..., t, :])
        numerator, denominator = _read(xp, state, phi_q[..., t, :])
        numerators.append(numerator)
        denominators.append(denominator)
    return xp.stack(numerators, axis=-2), xp.stack(denominators, axis=-2)


def _zero_state(
    xp: ModuleType, lead: tuple[int | None, ...], Dk: int, Dv: int, dtype: DType, dev: Any
) -> tuple[Array, Array]:
    return (
        xp.zeros((*lead, Dk, Dv), dtype=dtype, device=dev),
        xp.zeros((*lead, Dk), dtype=dtype, device=dev),
    )


def _update(
    xp: ModuleType, state: tuple[Array, Array], phi_k: Array, v: Array
) -> tuple[Array, Array]:
    # s_t = s_{t-1} + phi(k_t) v_t^T,  z_t = z_{t-1} + phi(k_t): new arrays, the old stay intact.
    S, z = state
    return S + phi_k[..., :, None] * v[..., None, :], z + phi_k


def _read(xp: ModuleType, state: tuple[Array, Array], phi_q: Array) -> tuple[Array, Array]:
    S, z = state
    numerator = xp.matmul(phi_q[..., None, :], S)[..., 0, :]
    return numerator, xp.sum(phi_q * z, axis=-1, keepdims=True)


def linear_attention_step(
    q_t: Array,
    k_t: Array,
    v_t: Array,
    state: tuple[Array, Array] | None = None,
    /,
    *,
    feature_map: FeatureMap = "elu",
    eps: float = 1e-6,
) -> tuple[Array, tuple[Array, Array]]:
    """One decoding step of causal linear attention (the RNN view).

    .. math::

        S_t = S_{t-1} + \\phi(k_t) v_t^T, \\qquad z_t = z_{t-1} + \\phi(k_t), \\qquad
        y_t = \\frac{\\phi(q_t)^T S_t}{\\phi(q_t)^T z_t + \\varepsilon}

    with :math:`S_0 = 0`, :math:`z_0 = 0`. The state is updated *before* it is read, so key
    ``t`` is seen by query ``t``: running the step over ``t = 0..T-1`` equals
    ``linear_attention(q, k, v, causal=True)``.

    Parameters
    ----------
    q_t : array, shape (..., Dk)
        Query of this step.
    k_t : array, shape (..., Dk)
        Key of this step.
    v_t : array, shape (..., Dv)
        Value of this step.
    state : tuple (S, z), optional
        ``S`` of shape (..., Dk', Dv) and ``z`` of shape (..., Dk') from the previous step, with
        Dk' the feature dimension of :math:`\\phi`. Default ``None``: the zero state.
    feature_map : {"elu", "identity"} or callable, optional
        As in :func:`linear_attention`.
    eps : float, optional
        Added to the denominator dot product. Default 1e-6.

    Returns
    -------
    y_t : array, shape (..., Dv)
        Promoted floating dtype of ``q_t``, ``k_t``, ``v_t``.
    state : tuple (S, z)
        The new state (new arrays; the argument is never modified), in the compute dtype of all
        inputs and the old state (float32 for float16/bfloat16 inputs, so that long sums keep
        their precision).

    Raises
    ------
    ValueError
        Mismatched head dims, leading axes that do not broadcast, a ``state`` of the wrong
        shape, an unknown ``feature_map`` name.
    TypeError
        ``state`` not a pair of arrays, complex or non-numeric input, mixed array libraries.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import linear_attention, linear_attention_step
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.standard_normal((3, 5, 2))
    >>> state, ys = None, []
    >>> for t in range(5):
    ...     y_t, state = linear_attention_step(q[t], k[t], v[t], state)
    ...     ys.append(y_t)
    >>> bool(np.allclose(np.stack(ys), linear_attention(q, k, v, causal=True)))
    True
    >>> [a.shape for a in state]
    [(2, 2), (2,)]
    """
    S_prev, z_prev = _check_state_pair(state)
    xp = array_namespace(q_t=q_t, k_t=k_t, v_t=v_t, S=S_prev, z=z_prev)
    eps = check_real_scalar(eps, "eps", nonnegative=True)
    for name, x in (("q_t", q_t), ("k_t", k_t), ("v_t", v_t)):
        check_ndim(x, name, min_ndim=1)
    if q_t.shape[-1] != k_t.shape[-1]:
        msg = (
            f"`q_t` and `k_t` must have the same last (head) dimension, got shapes "
            f"{tuple(q_t.shape)} and {tuple(k_t.shape)}"
        )
        raise ValueError(msg)
    lead = check_broadcast(
        ("q_t", tuple(q_t.shape[:-1])),
        ("k_t", tuple(k_t.shape[:-1])),
        ("v_t", tuple(v_t.shape[:-1])),
    )
    phi = _resolve_feature_map(feature_map)
    out_dtype = result_dtype(xp, ("q_t", q_t), ("k_t", k_t), ("v_t", v_t), allow_complex=False)
    dtype = compute_dtype(
        xp,
        result_dtype(
            xp,
            ("q_t", q_t),
            ("k_t", k_t),
            ("v_t", v_t),
            ("S", S_prev),
            ("z", z_prev),
            allow_complex=False,
        ),
    )
    q_t, k_t, v_t = (as_compute(xp, x, dtype) for x in (q_t, k_t, v_t))
    phi_q, phi_k = _apply_feature_map(xp, phi, q_t, k_t)
    Dk, Dv = phi_k.shape[-1], v_t.shape[-1]
    if S_prev is None:
        prev = _zero_state(xp, lead, Dk, Dv, dtype, device(q_t))
    else:
        _check_state_shapes(S_prev, z_prev, lead, Dk, Dv)
        prev = (as_compute(xp, S_prev, dtype), as_compute(xp, z_prev, dtype))

    new_state = _update(xp, prev, phi_k, v_t)
    numerator, denominator = _read(xp, new_state, phi_q)
    y = numerator / (denominator + eps)
    return (xp.astype(y, out_dtype) if y.dtype != out_dtype else y), new_state


def _check_state_pair(state: Any) -> tuple[Array | None, Array | None]:
    if state is None:
        return None, None
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        msg = f"`state` must be None or a pair (S, z), got {type(state).__name__}"
        raise TypeError(msg)
    return state[0], state[1]


def _check_state_shapes(S: Array, z: Array, lead: tuple[int | None, ...], Dk: int, Dv: int) -> None:
    if tuple(S.shape[-2:]) != (Dk, Dv) or S.ndim < 2:
        msg = f"`state` S must have shape (..., {Dk}, {Dv}), got {tuple(S.shape)}"
        raise ValueError(msg)
    if z.ndim < 1 or z.shape[-1] != Dk:
        msg = f"`state` z must have shape (..., {Dk}), got {tuple(z.shape)}"
        raise ValueError(msg)
    check_broadcast(("q_t/k_t/v_t", lead), ("state S", tuple(S.shape[:-2])))
    check_broadcast(("q_t/k_t/v_t", lead), ("state z", tuple(z.shape[:-1])))


# --------------------------------------------------------------------------------------------
# Feature maps
# --------------------------------------------------------------------------------------------


def elu_feature_map(x: Array, /) -> Array:
    """The feature map of Katharopoulos et al.: :math:`\\phi(x) = \\operatorname{elu}(x) + 1`.

    .. math::

        \\phi(x) = \\begin{cases} x + 1 & x > 0 \\\\ e^{x} & x \\le 0 \\end{cases}

    Strictly positive, so the linear-attention denominator is positive. Evaluated as
    ``max(x, 0) + exp(min(x, 0))``, which is exactly ``x + 1`` for ``x > 0`` and exactly
    ``exp(x)`` for ``x <= 0`` (``expm1(x) + 1`` would lose digits), never overflows in an untaken
    branch, and avoids a ``where`` (several times slower on NumPy).

    Parameters
    ----------
    x : array
        Any shape.

    Returns
    -------
    array
        Same shape; floating dtype of ``x`` (float16/bfloat16 computed in float32 and cast
        back, integers promoted to the default float).

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import elu_feature_map
    >>> np.round(elu_feature_map(np.array([-1.0, 0.0, 2.0])), 4)
    array([0.3679, 1.    , 3.    ])
    """
    xp = array_namespace(x=x)
    out_dtype = result_dtype(xp, ("x", x), allow_complex=False)
    x = as_compute(xp, x, compute_dtype(xp, out_dtype))
    zero = xp.zeros_like(x)
    y = xp.maximum(x, zero) + xp.exp(xp.minimum(x, zero))
    return xp.astype(y, out_dtype) if y.dtype != out_dtype else y


def random_features(
    m: int,
    d: int,
    /,
    *,
    seed: int | np.random.Generator | None = None,
    orthogonal: bool = True,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: Any = None,
) -> Array:
    """Performer projection :math:`\\Omega \\in \\mathbb{R}^{m \\times d}` for FAVOR+.

    ``orthogonal=True`` (orthogonal random features): :math:`\\lceil m/d \\rceil` independent
    blocks :math:`Q^T`, each from the QR factorisation of a :math:`d \\times d` standard
    Gaussian matrix (signs fixed by :math:`\\operatorname{sign}(\\operatorname{diag} R)` so that
    :math:`Q` is Haar distributed), stacked and cut to :math:`m` rows; row :math:`i` is then
    rescaled to the norm of an independent :math:`N(0, I_d)` vector (:math:`\\chi_d`
    distributed). Every row is therefore marginally :math:`N(0, I_d)` -- the estimator stays
    unbiased -- while rows of one block are exactly orthogonal, which lowers its variance.
    ``orthogonal=False``: i.i.d. :math:`N(0, 1)` entries.

    Parameters
    ----------
    m : int
        Number of random features (rows).
    d : int
        Head dimension (columns).
    seed : int, numpy.random.Generator or None, optional
        NumPy seed (the draw is always made with NumPy, then moved).
    orthogonal : bool, optional
        Orthogonal blocks (default) or i.i.d. Gaussian rows.
    xp : namespace, optional
        Target array namespace. Default NumPy.
    dtype : dtype, optional
        Default: the namespace's default real floating dtype.
    device : device, optional
        Target device.

    Returns
    -------
    array, shape (m, d)

    Raises
    ------
    ValueError
        If ``m`` or ``d`` is not positive.
    TypeError
        If ``m``/``d`` are not integers or ``xp`` is not a namespace.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import random_features
    >>> omega = random_features(3, 3, seed=0)
    >>> omega.shape
    (3, 3)
    >>> G = omega @ omega.T  # rows of one block are orthogonal
    >>> bool(np.allclose(G - np.diag(np.diag(G)), 0))
    True
    """
    m = check_positive_int(m, "m")
    d = check_positive_int(d, "d")
    namespace = creation_namespace(xp)
    rng = np.random.default_rng(seed)
    if orthogonal:
        blocks = []
        for _ in range(-(-m // d)):
            Q, R = np.linalg.qr(rng.standard_normal((d, d)))
            signs = np.where(np.diag(R) < 0, -1.0, 1.0)
            blocks.append((Q * signs).T)
        directions = np.concatenate(blocks, axis=0)[:m]
        norms = np.linalg.norm(rng.standard_normal((m, d)), axis=1)
        omega = directions * norms[:, None]
    else:
        omega = rng.standard_normal((m, d))
    if dtype is None:
        dtype = default_float(namespace, device)
    return namespace.asarray(omega, dtype=dtype, device=device)


def favor_features(x: Array, omega: Array, /, *, is_query: bool, eps: float = 1e-6) -> Array:
    """FAVOR+ positive random features (Performer, Choromanski et al. 2021).

    .. math::

        \\tilde x = d^{-1/4} x, \\qquad
        \\phi(x) = m^{-1/2} \\left( \\exp\\!\\left(\\Omega \\tilde x - \\tfrac12 \\|\\tilde x\\|^2
        - c\\right) + \\varepsilon \\right)

    so that :math:`E_\\Omega[\\phi(q)^T \\phi(k)] = \\exp(q^T k / \\sqrt d)` up to the constants
    :math:`e^{-c}` and :math:`\\varepsilon`. The stabiliser :math:`c` is the maximum of
    :math:`\\Omega \\tilde x`: over the features of each row for queries, and over all features
    *and* all tokens of ``x`` (per leading index: batch, head) for keys. Both are constant along
    every key sum, so they cancel in the ratio of :func:`linear_attention`; a per-token key
    maximum would not. Feed the results to ``linear_attention(..., feature_map="identity")``.

    Parameters
    ----------
    x : array, shape (..., L, d)
        Queries or keys (a single query may be 1-D, shape (d,)).
    omega : array, shape (m, d)
        Projection from :func:`random_features`.
    is_query : bool
        Per-row maximum (queries) or global maximum over the last two axes (keys).
    eps : float, optional
        Floor added to every feature. Default 1e-6.

    Returns
    -------
    array, shape (..., L, m)
        Promoted floating dtype of ``x`` and ``omega``.

    Raises
    ------
    ValueError
        If the last axis of ``x`` does not match ``omega``'s columns or ``omega`` is not 2-D.
    TypeError
        ``is_query`` not a bool, complex or non-numeric input, mixed array libraries.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import favor_features, random_features
    >>> omega = random_features(16, 4, seed=0)
    >>> x = np.random.default_rng(1).standard_normal((10, 4))
    >>> phi = favor_features(x, omega, is_query=True)
    >>> phi.shape, bool((phi > 0).all())
    ((10, 16), True)
    """
    xp = array_namespace(x=x, omega=omega)
    eps = check_real_scalar(eps, "eps", nonnegative=True)
    if not isinstance(is_query, bool):
        msg = f"`is_query` must be a bool, got {type(is_query).__name__}"
        raise TypeError(msg)
    check_ndim(x, "x", min_ndim=1)
    check_ndim(omega, "omega", min_ndim=2, max_ndim=2)
    m, d = omega.shape
    if x.shape[-1] != d:
        msg = (
            f"`x` must have last dimension {d} (the columns of `omega`), got shape {tuple(x.shape)}"
        )
        raise ValueError(msg)
    out_dtype = result_dtype(xp, ("x", x), ("omega", omega), allow_complex=False)
    dtype = compute_dtype(xp, out_dtype)
    x_tilde = as_compute(xp, x, dtype) * d**-0.25
    omega = as_compute(xp, omega, dtype)

    projection = xp.matmul(x_tilde, xp.matrix_transpose(omega))  # (..., L, m)
    half_norm = xp.sum(x_tilde * x_tilde, axis=-1, keepdims=True) / 2
    axes = (-1,) if is_query or x.ndim == 1 else (-2, -1)
    stabiliser = xp.max(projection, axis=axes, keepdims=True)
    phi = (xp.exp(projection - half_norm - stabiliser) + eps) * m**-0.5
    return xp.astype(phi, out_dtype) if phi.dtype != out_dtype else phi


# --------------------------------------------------------------------------------------------
# Shared checks (also used by specconv.rpe)
# --------------------------------------------------------------------------------------------


def _check_qkv(q: Array, k: Array, v: Array) -> tuple[int, int, int, int]:
    """Shape checks of the (q, k, v) layout; returns (T, S, Dk, Dv)."""
    for name, x in (("q", q), ("k", k), ("v", v)):
        check_ndim(x, name, min_ndim=2)
    T, Dk = q.shape[-2:]
    S, Dv = v.shape[-2:]
    if k.shape[-1] != Dk:
        msg = (
            f"`q` and `k` must have the same head dimension Dk (last axis), got shapes "
            f"{tuple(q.shape)} and {tuple(k.shape)}"
        )
        raise ValueError(msg)
    if k.shape[-2] != S:
        msg = (
            f"`k` and `v` must have the same length S (axis -2), got shapes "
            f"{tuple(k.shape)} and {tuple(v.shape)}"
        )
        raise ValueError(msg)
    _lead(q, k, v)
    return T, S, Dk, Dv


def _lead(q: Array, k: Array, v: Array) -> tuple[int | None, ...]:
    return check_broadcast(
        ("q", tuple(q.shape[:-2])), ("k", tuple(k.shape[:-2])), ("v", tuple(v.shape[:-2]))
    )


def _check_causal_lengths(T: int, S: int, name: str) -> None:
    if T != S:
        msg = (
            f"{name}: causal=True needs as many queries as keys (T == S), got T={T} from `q` "
            f"and S={S} from `k`"
        )
        raise ValueError(msg)


def _causal_mask(xp: ModuleType, n: int, dev: Any) -> Array:
    """Boolean (n, n) lower triangle, True where key j <= query i."""
    index = xp.arange(n, device=dev)
    return index[:, None] >= index[None, :]


def _causal_weights(xp: ModuleType, n: int, dtype: DType, dev: Any) -> Array:
    """The causal mask as 0/1 weights: multiplying is exact and faster than ``where``."""
    return xp.astype(_causal_mask(xp, n, dev), dtype)


def _resolve_feature_map(feature_map: Any) -> Callable[[Array], Array] | None:
    """The callable phi; ``None`` stands for the identity."""
    if callable(feature_map):
        return feature_map
    if not isinstance(feature_map, str):
        msg = (
            "`feature_map` must be 'elu', 'identity' or a callable, got "
            f"{type(feature_map).__name__}"
        )
        raise TypeError(msg)
    check_choice(feature_map, "feature_map", _FEATURE_MAPS)
    return elu_feature_map if feature_map == "elu" else None


def _apply_feature_map(
    xp: ModuleType, phi: Callable[[Array], Array] | None, q: Array, k: Array
) -> tuple[Array, Array]:
    if phi is None:
        return q, k
    phi_q, phi_k = phi(q), phi(k)
    if phi_q.shape[-1] != phi_k.shape[-1]:
        msg = (
            f"`feature_map` must give queries and keys the same feature dimension, got "
            f"{phi_q.shape[-1]} and {phi_k.shape[-1]}"
        )
        raise ValueError(msg)
    dtype = q.dtype
    return as_compute(xp, phi_q, dtype), as_compute(xp, phi_k, dtype)
