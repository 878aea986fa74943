r"""State space models: HiPPO, discretization, S4/S4D kernels, the recurrence.

Conventions (S4). Continuous system :math:`x'(t) = A x(t) + B u(t)`, :math:`y = C x + D u`;
discrete system

.. math::

    x_k = \bar A x_{k-1} + \bar B u_k, \qquad y_k = C x_k + D u_k, \qquad x_{-1} = 0,

so the output uses the *updated* state and the convolution kernel starts with
:math:`K_0 = C \bar B`: :math:`y = K * u + D u` with :math:`K_l = C \bar A^l \bar B`.

Conjugate-half storage (S4D, DPLR). ``N/2`` complex modes stand for the real ``N``-dimensional
system whose modes are the stored ones and their conjugates:
:math:`\Lambda_{full} = [\Lambda, \bar\Lambda]`, :math:`B_{full} = [B, \bar B]`,
:math:`C_{full} = [C, \bar C]`, :math:`P_{full} = [P, \bar P]` (per rank row) and

.. math::

    A = \operatorname{diag}(\Lambda_{full}) - \sum_r P_{full,r} P_{full,r}^*.

The kernel :math:`K_l = C_{full} \bar A^l \bar B_{full}` is real; for a diagonal system it is
:math:`2 \operatorname{Re} \sum_{n < N/2} C_n \bar B_n \bar A_n^l`.

Dense or diagonal? ``discretize``, ``ssm_kernel`` and ``ssm_scan`` accept a dense state matrix
``(..., N, N)`` or a diagonal one given by its diagonal ``(..., N)``. The rule is the number of
dimensions: with ``B`` of shape ``(..., N)``, ``A.ndim == B.ndim + 1`` means dense and
``A.ndim == B.ndim`` means diagonal. (Add a leading axis to ``A`` when a batched diagonal
``A`` of shape ``(N, N)`` would otherwise read as dense.)
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

from specconv import _ssm_kernels as _k
from specconv._compat import (
    Array,
    DType,
    array_namespace,
    as_compute,
    check_broadcast,
    check_choice,
    check_positive_int,
    check_state_size,
    complex_dtype,
    compute_dtype,
    creation_namespace,
    default_float,
    device,
    eps,
    irfft,
    is_lazy,
    is_numpy_namespace,
    real_dtype,
    result_dtype,
    to_numpy,
)

__all__ = [
    "discretize",
    "hippo",
    "hippo_dplr",
    "s4_kernel",
    "s4d_init",
    "s4d_kernel",
    "ssm_kernel",
    "ssm_scan",
]

_DISCRETIZATIONS = ("bilinear", "zoh", "euler", "backward_euler")
#: Largest number of elements of one complex temporary of the kernels (2^22: 64 MiB in
#: complex128). The (H, N/2, L) Vandermonde and Cauchy matrices are built in chunks of L.
_CHUNK_ELEMENTS = 2**22
#: On NumPy the Vandermonde block is reused for every chunk: one that stays in the CPU's
#: cache (2^18 complex128 = 4 MiB) is about 4x faster than a 64 MiB one (measured at
#: H, N, L = 256, 64, 4096: 0.06 s against 0.24 s).
_CPU_CHUNK_ELEMENTS = 2**18


# --------------------------------------------------------------------------------------------
# HiPPO and initialisations
# --------------------------------------------------------------------------------------------


def hippo(
    measure: str,
    N: int,
    /,
    *,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: object = None,
) -> tuple[Array, Array]:
    r"""HiPPO transition matrix ``A`` and input vector ``B`` (with the minus sign in ``A``).

    For :math:`n, k = 0, \dots, N-1` (``n`` the row):

    * ``"legs"``: :math:`A_{nk} = -\sqrt{2n+1}\sqrt{2k+1}` for :math:`n > k`,
      :math:`-(n+1)` for :math:`n = k`, 0 above; :math:`B_n = \sqrt{2n+1}`. Eigenvalues
      :math:`-1, \dots, -N`.
    * ``"legt"``: :math:`A_{nk} = -\tfrac12 \sqrt{2n+1}\sqrt{2k+1}\, s_{nk}` with
      :math:`s = 1` for :math:`n \ge k`, :math:`(-1)^{n-k}` otherwise;
      :math:`B_n = \tfrac12\sqrt{2n+1}` (the reference code's timescale halving).
    * ``"lagt"``: :math:`A = \tfrac12 I - \operatorname{tril}(\mathbf 1)`, :math:`B = \mathbf 1`.
    * ``"fout"`` (``N`` even): :math:`A = \pi J - b b^T`, :math:`B = b`, with
      :math:`b = (1, 0, \sqrt2, 0, \sqrt2, 0, \dots)` and ``J`` the blocks
      ``[[0, -k], [k, 0]]`` on rows/columns ``(2k, 2k+1)``, ``k = 1 .. N/2 - 1``.

    Parameters
    ----------
    measure : {"legs", "legt", "lagt", "fout"}
        The HiPPO measure.
    N : int
        State size (even for ``"fout"``).
    xp : namespace, optional
        Array namespace of the result (NumPy when omitted).
    dtype : real floating dtype, optional
        Default: the namespace's default real floating dtype. The matrices are built in
        float64 and then cast.
    device : device, optional
        Device of the result.

    Returns
    -------
    A : array, shape (N, N)
    B : array, shape (N,)

    Raises
    ------
    ValueError
        Unknown measure, ``N < 1``, odd ``N`` for ``"fout"``.
    TypeError
        Non-integer ``N`` or a complex / integer ``dtype``.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import hippo
    >>> A, B = hippo("legs", 3)
    >>> A
    array([[-1.        ,  0.        ,  0.        ],
           [-1.73205081, -2.        ,  0.        ],
           [-2.23606798, -3.87298335, -3.        ]])
    >>> np.round(np.sort(np.linalg.eigvals(A).real), 8)
    array([-3., -2., -1.])
    """
    check_choice(measure, "measure", _k.MEASURES)
    N = check_state_size(N, "N", even=measure == "fout", context=repr(measure))
    A, B = _k.hippo_numpy(measure, N)
    xp_out, dtype = _creation_dtype(xp, dtype, device, complex_result=False)
    return _from_numpy(xp_out, A, dtype, device), _from_numpy(xp_out, B, dtype, device)


def hippo_dplr(
    measure: str,
    N: int,
    /,
    *,
    rank: int = 1,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: object = None,
) -> tuple[Array, Array, Array, Array]:
    r"""Diagonal-plus-low-rank form of a HiPPO matrix, in conjugate-half storage.

    With ``P`` the rank correction that makes :math:`S = A + P^T P` normal (legs:
    :math:`P_n = \sqrt{n + 1/2}`, :math:`S + S^T = -I`; legt: two rows
    :math:`\sqrt{(2n+1)/2}` on the odd / even ``n``; lagt: :math:`\sqrt{1/2}`; fout:
    :math:`P = b`; the others skew), ``S`` is diagonalised by a unitary matrix and

    .. math::

        A = V_{full} \left(\operatorname{diag}(\Lambda_{full}) - P_{full} P_{full}^*\right)
            V_{full}^*, \qquad B = V_{full} B_{full}, \qquad V_{full} = [V, \bar V].

    The eigenvalues come from ``eigh`` of the Hermitian :math:`-i (S - S^T)/2` in float64
    (real part: the constant diagonal of the symmetric part), never from ``eig(A)``, whose
    eigenvectors are exponentially ill-conditioned (S4, Lemma 3.2). The ``N/2`` modes with
    negative imaginary part are kept, in ascending order of imaginary part; a zero-frequency
    pair (fout) gets the eigenvector :math:`(a + i b)/\sqrt2` from a real basis ``a, b`` of the
    null space so that :math:`[V, \bar V]` stays unitary. ``B`` is :math:`V^* B`, exact (never
    clipped). The reconstruction is checked before returning.

    Parameters
    ----------
    measure : {"legs", "legt", "lagt", "fout"}
    N : int
        State size, even.
    rank : int, optional
        Rows of ``P``: at least the measure's natural rank (2 for legt, 1 otherwise); extra
        rows are zero.
    xp, dtype, device : optional
        Namespace, dtype and device of the results. ``dtype`` may be complex or real (then its
        complex pair is used); default: complex pair of the default real floating dtype.

    Returns
    -------
    Lambda : array, shape (N/2,), complex
    P : array, shape (rank, N/2), complex
    B : array, shape (N/2,), complex
    V : array, shape (N, N/2), complex

    Raises
    ------
    ValueError
        Unknown measure, odd or non-positive ``N``, ``rank`` below the natural rank.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import hippo, hippo_dplr
    >>> Lambda, P, B, V = hippo_dplr("legs", 8)
    >>> np.round(Lambda, 3)
    array([-0.5-19.857j, -0.5 -5.354j, -0.5 -1.958j, -0.5 -0.427j])
    >>> Vf = np.concatenate([V, V.conj()], axis=1)
    >>> Pf = np.concatenate([P, P.conj()], axis=1)
    >>> inner = np.diag(np.concatenate([Lambda, Lambda.conj()])) - Pf.T @ Pf.conj()
    >>> bool(np.allclose(Vf @ inner @ Vf.conj().T, hippo("legs", 8)[0]))
    True
    """
    check_choice(measure, "measure", _k.MEASURES)
    N = check_state_size(N, "N", context=repr(measure))
    rank = check_positive_int(rank, "rank")
    if rank < _k.NATURAL_RANK[measure]:
        msg = (
            f"`rank` must be >= {_k.NATURAL_RANK[measure]} for measure {measure!r} "
            f"(its low-rank correction has that rank), got {rank}"
        )
        raise ValueError(msg)
    A, B = _k.hippo_numpy(measure, N)
    P = _k.rank_correction_numpy(measure, N, rank)
    Lambda, P_half, B_half, V = _k.dplr_from_nplr(measure, A, B, P)
    xp_out, dtype = _creation_dtype(xp, dtype, device, complex_result=True)
    return (
        _from_numpy(xp_out, Lambda, dtype, device),
        _from_numpy(xp_out, P_half, dtype, device),
        _from_numpy(xp_out, B_half, dtype, device),
        _from_numpy(xp_out, V, dtype, device),
    )


def s4d_init(
    kind: str,
    N: int,
    /,
    *,
    xp: ModuleType | None = None,
    dtype: DType | None = None,
    device: object = None,
) -> Array:
    r"""Diagonal state matrix ``Lambda`` (``N/2`` modes, conjugate-half storage) of S4D.

    For :math:`n = 0, \dots, N/2 - 1`:

    * ``"lin"`` (S4D-Lin): :math:`\Lambda_n = -\tfrac12 + i \pi n`;
    * ``"inv"`` (S4D-Inv):
      :math:`\Lambda_n = -\tfrac12 + i \tfrac{N}{\pi}\left(\tfrac{N}{2n+1} - 1\right)`;
    * ``"real"`` (S4D-Real): :math:`\Lambda_n = -(n+1)`;
    * ``"legs"`` (S4D-LegS): the ``Lambda`` of :func:`hippo_dplr` ``("legs", N)``, i.e. the
      diagonal of the normal part of HiPPO-LegS, :math:`-\tfrac12 + i\omega_n` with
      :math:`\omega_n < 0` as that function stores it.

    The sign of the imaginary parts is immaterial: the kernel is :math:`2\operatorname{Re}`
    over conjugate pairs.

    Parameters
    ----------
    kind : {"lin", "inv", "real", "legs"}
    N : int
        Full (real) state size, even.
    xp, dtype, device : optional
        As in :func:`hippo_dplr` (complex result).

    Returns
    -------
    Lambda : array, shape (N/2,), complex

    Raises
    ------
    ValueError
        Unknown kind, odd or non-positive ``N``.

    Examples
    --------
    >>> from specconv import s4d_init
    >>> s4d_init("lin", 6)
    array([-0.5+0.j        , -0.5+3.14159265j, -0.5+6.28318531j])
    >>> s4d_init("real", 4)
    array([-1.+0.j, -2.+0.j])
    """
    check_choice(kind, "kind", ("lin", "inv", "real", "legs"))
    N = check_state_size(N, "N", context=repr(kind))
    n = np.arange(N // 2, dtype=np.float64)
    if kind == "lin":
        Lambda = -0.5 + 1j * np.pi * n
    elif kind == "inv":
        Lambda = -0.5 + 1j * (N / np.pi) * (N / (2 * n + 1) - 1)
    elif kind == "real":
        Lambda = -(n + 1) + 0j
    else:
        A, B = _k.hippo_numpy("legs", N)
        Lambda = _k.dplr_from_nplr("legs", A, B, _k.rank_correction_numpy("legs", N, 1))[0]
    xp_out, dtype = _creation_dtype(xp, dtype, device, complex_result=True)
    return _from_numpy(xp_out, Lambda, dtype, device)


# --------------------------------------------------------------------------------------------
# Discretization
# --------------------------------------------------------------------------------------------


def discretize(
    A: Array, B: Array, dt: Array | float, /, *, method: str = "bilinear"
) -> tuple[Array, Array]:
    r"""Discretize :math:`x' = A x + B u` with step :math:`\Delta` = ``dt``.

    .. math::

        \text{bilinear:}\quad & \bar A = (I - \tfrac{\Delta}{2} A)^{-1}(I + \tfrac{\Delta}{2} A),
            \quad \bar B = (I - \tfrac{\Delta}{2} A)^{-1} \Delta B \\
        \text{zoh:}\quad & \bar A = e^{\Delta A},
            \quad \bar B = \int_0^\Delta e^{A s}\,ds\; B \\
        \text{euler:}\quad & \bar A = I + \Delta A, \quad \bar B = \Delta B \\
        \text{backward\_euler:}\quad & \bar A = (I - \Delta A)^{-1},
            \quad \bar B = (I - \Delta A)^{-1} \Delta B

    Dense ZOH takes the top blocks of the exponential of the augmented matrix
    :math:`\Delta \begin{bmatrix} A & B \\ 0 & 0 \end{bmatrix}` (no inverse of ``A``: singular
    ``A`` is fine), computed by scaling and squaring with a Pade [13/13] approximant (the array
    API has no ``expm``). Diagonal ZOH uses :math:`\bar B_n = \Delta B_n\,
    \varphi_1(\Delta A_n)`, :math:`\varphi_1(z) = (e^z - 1)/z` evaluated without cancellation
    (exact limit 1 at ``z = 0``). The linear solves use ``linalg.solve``, never an inverse.
    ``A_d, B_d`` equal those of ``scipy.signal.cont2discrete`` (its ``C_d, D_d`` are a different
    convention and do not apply: ``C`` and ``D`` are unchanged here).

    Parameters
    ----------
    A : array, shape (..., N, N) or (..., N)
        Dense state matrix, or the diagonal of a diagonal one. Dense iff
        ``A.ndim == B.ndim + 1``; diagonal iff ``A.ndim == B.ndim`` (see the module notes).
    B : array, shape (..., N)
        Input vector (single input; put several inputs on a batch axis).
    dt : float or array, shape (...)
        Step, > 0; an array broadcasts against the batch axes.
    method : {"bilinear", "zoh", "euler", "backward_euler"}, optional

    Returns
    -------
    Abar : array, the shape of ``A`` broadcast with the batch axes
    Bbar : array, shape (..., N)
        dtype: the promoted dtype of ``A``, ``B`` (and ``dt`` if an array); integers count as
        the default float, float16/bfloat16 are computed in float32.

    Raises
    ------
    ValueError
        Shapes that do not fit; ``dt <= 0``; for a diagonal ``A``, ``Re A > 0`` (unstable);
        a singular :math:`I - \tfrac{\Delta}{2} A` (bilinear) or :math:`I - \Delta A`
        (backward Euler). Value checks are skipped on lazy arrays (Dask, JAX). The eigenvalues
        of a dense ``A`` are not checked (the standard has no ``eig``).

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import discretize
    >>> A = np.array([[0.0, 1.0], [-1.0, -0.5]])
    >>> B = np.array([0.0, 1.0])
    >>> Abar, Bbar = discretize(A, B, 0.1, method="zoh")
    >>> np.round(Abar, 6)
    array([[ 0.995086,  0.097379],
           [-0.097379,  0.946397]])
    >>> Lambda = np.array([-0.5 + 1j, -1.0 + 0j])
    >>> np.round(discretize(Lambda, np.ones(2), 0.1)[0], 6)
    array([0.946588+0.094955j, 0.904762+0.j      ])
    """
    check_choice(method, "method", _DISCRETIZATIONS)
    xp, dt_array = _namespace_with_dt(dt, A=A, B=B)
    dense = _is_dense(A, "A", B, "B")
    N = B.shape[-1]
    batch = check_broadcast(
        ("A", tuple(A.shape[:-2] if dense else A.shape[:-1])),
        ("B", tuple(B.shape[:-1])),
        ("dt", tuple(dt_array.shape) if dt_array is not None else ()),
    )
    out_dtype = result_dtype(xp, ("A", A), ("B", B), ("dt", dt_array))
    work = compute_dtype(xp, out_dtype)
    A = as_compute(xp, A, work)
    B = as_compute(xp, B, work)
    dt_ = _dt_as_array(xp, dt, dt_array, work, device(A))
    if dense:
        Abar, Bbar = _k.discretize_dense(xp, A, B, dt_, method, batch, N)
    else:
        _check_stable(xp, A, "A")
        Abar, Bbar = _k.discretize_diagonal(xp, dt_[..., None] * A, dt_[..., None] * B, method)
        _k.check_finite_solve(xp, Abar, method)
    return xp.astype(Abar, out_dtype), xp.astype(Bbar, out_dtype)


# --------------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------------


def ssm_kernel(Abar: Array, Bbar: Array, C: Array, L: int, /, *, method: str = "doubling") -> Array:
    r"""Convolution kernel of a discrete SSM, :math:`K_l = C \bar A^l \bar B`, ``l < L``.

    ``method="doubling"`` builds the Krylov matrix :math:`[\bar B, \bar A \bar B, \dots]` by
    doubling: with :math:`X_m = [\bar B, \dots, \bar A^{m-1}\bar B]`,
    :math:`X_{2m} = [X_m, \bar A^m X_m]` and :math:`\bar A^{2m} = (\bar A^m)^2`, i.e.
    :math:`\lceil \log_2 L \rceil` matrix products instead of ``L`` matrix-vector products.
    ``method="sequential"`` is the definition (``L`` matrix-vector products).

    Parameters
    ----------
    Abar : array, shape (..., N, N) or (..., N)
        Dense discrete state matrix, or a diagonal one (``Abar.ndim == Bbar.ndim``).
    Bbar : array, shape (..., N)
    C : array, shape (..., N)
        Output row (no conjugation: :math:`C x = \sum_n C_n x_n`).
    L : int
        Kernel length, >= 1.
    method : {"doubling", "sequential"}, optional

    Returns
    -------
    K : array, shape (..., L)
        Batch axes broadcast; dtype the promoted dtype of the inputs (complex if any is
        complex: take ``2 * real`` yourself for a conjugate-half diagonal system).

    Raises
    ------
    ValueError
        Shapes; ``L < 1``; an unstable ``Abar``: a diagonal one with :math:`|\bar A_n| > 1`,
        a dense one with spectral radius above :math:`1 + \sqrt{\varepsilon}` (eigenvalues of
        a host copy, as the standard has no ``eig``). Skipped on lazy arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import ssm_kernel
    >>> Abar = np.array([[0.5, 0.0], [1.0, 0.25]])
    >>> ssm_kernel(Abar, np.array([1.0, 0.0]), np.array([0.0, 1.0]), 4)
    array([0.    , 1.    , 0.75  , 0.4375])
    """
    check_choice(method, "method", ("doubling", "sequential"))
    L = check_positive_int(L, "L")
    xp = array_namespace(Abar=Abar, Bbar=Bbar, C=C)
    Abar, Bbar, C, dense, out_dtype = _prepare_discrete(xp, Abar, Bbar, C)
    if method == "sequential":
        x = Bbar
        taps = []
        for _ in range(L):
            taps.append(xp.sum(C * x, axis=-1))
            x = _apply(xp, Abar, x, dense)
        return xp.astype(xp.stack(taps, axis=-1), out_dtype)
    krylov = Bbar[..., None]  # (..., N, m): columns Abar^j Bbar, j < m
    power = Abar  # Abar^m
    while krylov.shape[-1] < L:
        step = power @ krylov if dense else power[..., None] * krylov
        krylov = _k.single_chunk(xp, xp.concat([krylov, step], axis=-1))
        if krylov.shape[-1] < L:
            power = power @ power if dense else power * power
    K = (C[..., None, :] @ krylov[..., :L])[..., 0, :]
    return xp.astype(K, out_dtype)


def s4d_kernel(
    Lambda: Array,
    B: Array,
    C: Array,
    dt: Array | float,
    L: int,
    /,
    *,
    discretization: str = "zoh",
) -> Array:
    r"""Kernel of a diagonal SSM (S4D) in conjugate-half storage: a Vandermonde product.

    .. math::

        K_l = 2 \operatorname{Re} \sum_{n < N/2} C_n \bar B_n \, e^{l \log \bar A_n},
        \qquad l = 0, \dots, L-1,

    ZOH: :math:`\log \bar A_n = \Delta\Lambda_n`,
    :math:`\bar B_n = \Delta B_n (e^{\Delta\Lambda_n} - 1)/(\Delta\Lambda_n)`;
    bilinear: :math:`\bar A_n = (1 + \Delta\Lambda_n/2)/(1 - \Delta\Lambda_n/2)`,
    :math:`\bar B_n = \Delta B_n/(1 - \Delta\Lambda_n/2)`.
    The powers are exponentials of :math:`l \log\bar A_n` (no accumulated products). The
    ``L`` axis is processed in chunks so that no temporary exceeds ``2**22`` complex elements
    (or one ``(..., N/2, chunk)`` block when the batch alone is larger): the
    ``(..., N/2, L)`` Vandermonde matrix is never materialised whole. Each chunk reuses one
    block :math:`e^{j \log\bar A_n}`, ``j < chunk``, with coefficients shifted by
    :math:`e^{l_0 \log\bar A_n}`.

    Parameters
    ----------
    Lambda : array, shape (..., N/2)
        Continuous diagonal state matrix (complex; real input is taken as complex),
        ``Re Lambda <= 0``.
    B, C : array, shape (..., N/2)
        Input and output vectors of the stored half.
    dt : float or array, shape (...)
        Step(s), > 0, broadcast against the batch axes.
    L : int
        Kernel length.
    discretization : {"zoh", "bilinear"}, optional

    Returns
    -------
    K : array, shape (..., L), real
        dtype: real pair of the promoted input dtype (float16/bfloat16 computed in float32).

    Raises
    ------
    ValueError
        Shapes, ``L < 1``, ``dt <= 0``, ``Re Lambda > 0`` (value checks skipped on lazy
        arrays).

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import s4d_init, s4d_kernel
    >>> Lambda = s4d_init("lin", 4)
    >>> K = s4d_kernel(Lambda, np.ones(2), np.ones(2), 0.1, 3)
    >>> np.round(K, 6)
    array([0.387011, 0.350341, 0.300985])
    """
    check_choice(discretization, "discretization", ("zoh", "bilinear"))
    L = check_positive_int(L, "L")
    xp, dt_array = _namespace_with_dt(dt, Lambda=Lambda, B=B, C=C)
    batch = _check_modes(("Lambda", Lambda), ("B", B), ("C", C), dt_shape=_dt_shape(dt_array))
    out_dtype, work = _kernel_dtypes(xp, Lambda, B, C, dt_array)
    Lambda, B, C = (as_compute(xp, x, work) for x in (Lambda, B, C))
    dt_ = _dt_as_array(xp, dt, dt_array, real_dtype(xp, work), device(Lambda))
    _check_stable(xp, Lambda, "Lambda")
    dtLambda = dt_[..., None] * Lambda
    if discretization == "zoh":
        log_Abar = dtLambda
        Bbar = (dt_[..., None] * B) * _k.phi1(xp, dtLambda)
    else:
        denominator = 1 - dtLambda / 2
        log_Abar = xp.log((1 + dtLambda / 2) / denominator)
        Bbar = (dt_[..., None] * B) / denominator
    coefficients = xp.broadcast_to(C * Bbar, (*batch, Lambda.shape[-1]))
    log_Abar = xp.broadcast_to(log_Abar, coefficients.shape)
    chunk = _CPU_CHUNK_ELEMENTS if is_numpy_namespace(xp) else _CHUNK_ELEMENTS
    K = _k.vandermonde(xp, coefficients, log_Abar, L, chunk)
    return xp.astype(2 * xp.real(K), out_dtype)


def s4_kernel(Lambda: Array, P: Array, B: Array, C: Array, dt: Array | float, L: int, /) -> Array:
    r"""Kernel of a DPLR SSM (S4, Algorithm 1), bilinear discretization.

    The continuous system is :math:`A = \operatorname{diag}(\Lambda_{full}) - \sum_r
    P_{full,r} P_{full,r}^*` (conjugate-half storage, see the module notes) and the result is
    :math:`K_l = C_{full} \bar A^l \bar B_{full}`, ``l < L``, computed as:

    1. :math:`\tilde C = C_{full} (I - \bar A^L)` (row vector, no conjugation), which truncates
       the generating function :math:`\hat K(z) = \sum_{l<L} K_l z^l` at the roots of unity
       :math:`\omega_j = e^{-2\pi i j/L}`: :math:`\hat K(\omega_j) = \tilde C (I - \bar A
       \omega_j)^{-1} \bar B`. :math:`\bar A^L` comes from :math:`\lceil\log_2 L\rceil`
       squarings of the dense :math:`\bar A = \tfrac{4}{\Delta} A_1 - I` with
       :math:`A_1 = (\tfrac{2}{\Delta} I - A)^{-1}` formed by Woodbury: :math:`O(N^3 \log L)`
       per channel, done in the real coordinates :math:`(\operatorname{Re} z,
       \operatorname{Im} z)` of the conjugate-symmetric state (real products, 4x fewer flops).
    2. Bilinear: :math:`(I - \bar A\omega)^{-1}\bar B = \tfrac{2}{1+\omega}(g(\omega) I -
       A)^{-1} B` with :math:`g(\omega) = \tfrac{2}{\Delta}\tfrac{1-\omega}{1+\omega} =
       \tfrac{2i}{\Delta}\tan(\pi j/L)` and :math:`\tfrac{2}{1+\omega} = 1 + i\tan(\pi j/L)`.
    3. Woodbury with Cauchy sums :math:`k_{ab}(\omega) = \sum_n a_n b_n / (g(\omega) -
       \Lambda_{full,n})` over the full ``N`` modes: :math:`\hat K = \tfrac{2}{1+\omega}
       [k_{\tilde C B} - k_{\tilde C P} (I + k_{P^* P})^{-1} k_{P^* B}]`.
    4. Only the nodes ``j = 0 .. L//2`` are evaluated (``K`` is real) and
       :math:`K = \operatorname{irfft}(\hat K, L)`.

    The Nyquist node :math:`\omega = -1` (even ``L``), where :math:`g` is infinite, is
    evaluated from its limit :math:`\hat K(-1) = \tilde C (I + \bar A)^{-1} \bar B =
    \tfrac{\Delta}{2} \tilde C B`. The Cauchy matrices are built in chunks of nodes (at most
    ``2**22`` complex elements each).

    Parameters
    ----------
    Lambda : array, shape (..., N/2)
        Diagonal part (complex), ``Re Lambda <= 0``.
    P : array, shape (..., rank, N/2)
        Low-rank factor (stored half of each row).
    B, C : array, shape (..., N/2)
        Input vector and output vector (``C``, not :math:`\tilde C`).
    dt : float or array, shape (...)
        Step(s), > 0.
    L : int
        Kernel length (any ``L >= 1``, odd included).

    Returns
    -------
    K : array, shape (..., L), real
        dtype: real pair of the promoted input dtype (float16/bfloat16 computed in float32).

    Raises
    ------
    ValueError
        Shapes, ``L < 1``, ``dt <= 0``, ``Re Lambda > 0`` (value checks skipped on lazy
        arrays).

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import hippo_dplr, s4_kernel
    >>> Lambda, P, B, V = hippo_dplr("legs", 4)
    >>> C = np.ones(2, dtype=complex)
    >>> np.round(s4_kernel(Lambda, P, B, C, 0.5, 5), 6)
    array([-0.332253, -0.012481,  0.730629,  0.299032,  0.077916])
    """
    L = check_positive_int(L, "L")
    xp, dt_array = _namespace_with_dt(dt, Lambda=Lambda, P=P, B=B, C=C)
    if P.ndim < 2:
        msg = f"`P` must have shape (..., rank, N/2), got shape {tuple(P.shape)}"
        raise ValueError(msg)
    batch = _check_modes(
        ("Lambda", Lambda),
        ("B", B),
        ("C", C),
        dt_shape=_dt_shape(dt_array),
        P=P,
    )
    out_dtype, work = _kernel_dtypes(xp, Lambda, B, C, dt_array, P)
    Lambda, P, B, C = (as_compute(xp, x, work) for x in (Lambda, P, B, C))
    dt_ = _dt_as_array(xp, dt, dt_array, real_dtype(xp, work), device(Lambda))
    _check_stable(xp, Lambda, "Lambda")
    half = Lambda.shape[-1]
    # Conjugate expansion to the full N modes.
    Lf = xp.broadcast_to(xp.concat([Lambda, xp.conj(Lambda)], axis=-1), (*batch, 2 * half))
    Bf = xp.broadcast_to(xp.concat([B, xp.conj(B)], axis=-1), (*batch, 2 * half))
    Cf = xp.broadcast_to(xp.concat([C, xp.conj(C)], axis=-1), (*batch, 2 * half))
    Pf = xp.concat([P, xp.conj(P)], axis=-1)
    Pf = xp.broadcast_to(Pf, (*batch, P.shape[-2], 2 * half))
    dt_ = xp.broadcast_to(dt_, batch)
    Abar = _k.bilinear_dplr_Abar(xp, Lf, Pf, dt_)
    C_tilde = Cf - _k.conjugate_row_times_power(xp, Cf, Abar, L)
    spectrum = _k.dplr_spectrum(xp, Lf, Pf, Bf, C_tilde, dt_, L, _CHUNK_ELEMENTS)
    return xp.astype(irfft(xp, spectrum, n=L, axis=-1), out_dtype)


# --------------------------------------------------------------------------------------------
# Recurrence
# --------------------------------------------------------------------------------------------


def ssm_scan(
    Abar: Array,
    Bbar: Array,
    C: Array,
    u: Array,
    /,
    *,
    D: Array | None = None,
    x0: Array | None = None,
    return_state: bool = False,
) -> Array | tuple[Array, Array]:
    r"""Run the discrete SSM recurrence (the ground truth of the convolution view).

    .. math::

        x_k = \bar A x_{k-1} + \bar B u_k, \qquad y_k = C x_k + D u_k, \qquad
        k = 0, \dots, L-1, \quad x_{-1} = x_0\text{ (argument) or } 0.

    A loop over ``L`` (it is the definition), vectorised over the batch axes.

    Parameters
    ----------
    Abar : array, shape (..., N, N) or (..., N)
        Dense discrete state matrix, or a diagonal one (``Abar.ndim == Bbar.ndim``).
    Bbar : array, shape (..., N)
    C : array, shape (..., N)
        Output row (no conjugation). For a conjugate-half diagonal system pass the expanded
        system, or take ``2 * real(y)`` of the half (without ``D``).
    u : array, shape (..., L)
        Input sequences, one per channel (single input, single output per channel).
    D : array, shape (...), optional
        Skip connection, broadcast against the batch axes.
    x0 : array, shape (..., N), optional
        State before the first step (:math:`x_{-1}`); zero when omitted.
    return_state : bool, optional
        Also return the last state :math:`x_{L-1}`.

    Returns
    -------
    y : array, shape (..., L)
        Batch axes of all arguments broadcast; dtype the promoted input dtype (complex if any
        input is complex; float16/bfloat16 computed in float32).
    state : array, shape (..., N)
        Only with ``return_state=True``.

    Raises
    ------
    ValueError
        Shapes; an unstable ``Abar``: a diagonal one with :math:`|\bar A_n| > 1`, a dense
        one with spectral radius above :math:`1 + \sqrt{\varepsilon}` (eigenvalues of a host
        copy). Skipped on lazy arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv import ssm_scan
    >>> Abar = np.array([[0.5, 0.0], [1.0, 0.25]])
    >>> y = ssm_scan(Abar, np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 0, 0, 0]))
    >>> y
    array([0.    , 1.    , 0.75  , 0.4375])
    """
    xp = array_namespace(Abar=Abar, Bbar=Bbar, C=C, u=u, D=D, x0=x0)
    if u.ndim < 1:
        msg = f"`u` must have shape (..., L), got shape {tuple(u.shape)}"
        raise ValueError(msg)
    named = (
        [("u", u)]
        + ([("D", D)] if D is not None else [])
        + ([("x0", x0)] if x0 is not None else [])
    )
    Abar, Bbar, C, dense, out_dtype = _prepare_discrete(xp, Abar, Bbar, C, *named)
    N = Bbar.shape[-1]
    shapes = [("Bbar", tuple(Bbar.shape[:-1])), ("u", tuple(u.shape[:-1]))]
    if D is not None:
        shapes.append(("D", tuple(D.shape)))
    if x0 is not None:
        if x0.ndim < 1 or x0.shape[-1] != N:
            msg = f"`x0` must have shape (..., {N}) (the state size), got {tuple(x0.shape)}"
            raise ValueError(msg)
        shapes.append(("x0", tuple(x0.shape[:-1])))
    batch = check_broadcast(*shapes)
    work = Bbar.dtype
    u = as_compute(xp, _promote(xp, u), work)
    x = (
        xp.zeros((*batch, N), dtype=work, device=device(u))
        if x0 is None
        else xp.broadcast_to(as_compute(xp, _promote(xp, x0), work), (*batch, N))
    )
    outputs = []
    for k in range(u.shape[-1]):
        x = _apply(xp, Abar, x, dense) + Bbar * u[..., k : k + 1]
        outputs.append(xp.sum(C * x, axis=-1))
    y = (
        xp.stack(outputs, axis=-1)
        if outputs
        else xp.zeros((*batch, 0), dtype=work, device=device(u))
    )
    y = xp.broadcast_to(y, (*batch, u.shape[-1]))
    if D is not None:
        y = y + as_compute(xp, _promote(xp, D), work)[..., None] * u
    y = xp.astype(y, out_dtype)
    if return_state:
        return y, xp.astype(xp.broadcast_to(x, (*batch, N)), out_dtype)
    return y


# --------------------------------------------------------------------------------------------
# Shared validation and plumbing
# --------------------------------------------------------------------------------------------


def _creation_dtype(
    xp: ModuleType | None, dtype: DType | None, dev: object, *, complex_result: bool
) -> tuple[ModuleType, DType]:
    xp_out = creation_namespace(xp)
    if dtype is None:
        dtype = default_float(xp_out, dev)
    if not xp_out.isdtype(dtype, ("real floating", "complex floating")):
        msg = f"`dtype` must be a floating dtype, got {dtype}"
        raise TypeError(msg)
    if complex_result:
        return xp_out, complex_dtype(xp_out, dtype)
    if xp_out.isdtype(dtype, "complex floating"):
        msg = f"`dtype` must be a real floating dtype, got {dtype}"
        raise TypeError(msg)
    return xp_out, dtype


def _from_numpy(xp: ModuleType, a: np.ndarray, dtype: DType, dev: object) -> Array:
    # Round to the target's precision in NumPy first (a device without float64 must never see
    # a float64 array), then cast in the target namespace (some backends cannot take NumPy's
    # dtype objects, and float16/bfloat16 have no NumPy twin here).
    if xp.finfo(dtype).bits <= 32:
        a = a.astype(np.complex64 if np.iscomplexobj(a) else np.float32)
    moved = xp.asarray(np.ascontiguousarray(a), device=dev)
    return xp.astype(moved, dtype)


def _namespace_with_dt(dt: Any, **arrays: Array) -> tuple[ModuleType, Array | None]:
    """Namespace of the arrays (``dt`` included when it is an array) and ``dt`` as array/None."""
    if isinstance(dt, bool) or (
        not isinstance(dt, (int, float))
        and not hasattr(dt, "__array_namespace__")
        and not hasattr(dt, "shape")
    ):
        msg = f"`dt` must be a positive real number or a real array, got {type(dt).__name__}"
        raise TypeError(msg)
    if isinstance(dt, (int, float)):
        xp = array_namespace(**arrays)
        if not (math.isfinite(dt) and dt > 0):
            msg = f"`dt` must be positive and finite, got {dt}"
            raise ValueError(msg)
        return xp, None
    xp = array_namespace(**arrays, dt=dt)
    if xp.isdtype(dt.dtype, "complex floating"):
        msg = f"`dt` must be real, got dtype {dt.dtype}"
        raise TypeError(msg)
    return xp, dt


def _dt_shape(dt_array: Array | None) -> tuple[int | None, ...]:
    return () if dt_array is None else tuple(dt_array.shape)


def _dt_as_array(
    xp: ModuleType, dt: object, dt_array: Array | None, dtype: DType, dev: object
) -> Array:
    if dt_array is None:
        return xp.asarray(dt, dtype=real_dtype(xp, dtype), device=dev)
    dt_ = xp.astype(_promote(xp, dt_array), real_dtype(xp, dtype))
    if not is_lazy(dt_) and not bool(xp.all(dt_ > 0)):
        msg = "`dt` must be positive (every step > 0)"
        raise ValueError(msg)
    return dt_


def _promote(xp: ModuleType, x: Array) -> Array:
    if xp.isdtype(x.dtype, ("bool", "integral")):
        return xp.astype(x, default_float(xp, device(x)))
    return x


def _is_dense(A: Array, A_name: str, B: Array, B_name: str) -> bool:
    if B.ndim < 1:
        msg = f"`{B_name}` must have shape (..., N), got shape {tuple(B.shape)}"
        raise ValueError(msg)
    N = B.shape[-1]
    if A.ndim == B.ndim + 1:
        if tuple(A.shape[-2:]) != (N, N):
            msg = (
                f"dense `{A_name}` must have shape (..., {N}, {N}) to match `{B_name}` "
                f"{tuple(B.shape)}, got {tuple(A.shape)}"
            )
            raise ValueError(msg)
        return True
    if A.ndim == B.ndim:
        if A.shape[-1] != N:
            msg = (
                f"diagonal `{A_name}` must have shape (..., {N}) to match `{B_name}` "
                f"{tuple(B.shape)}, got {tuple(A.shape)}"
            )
            raise ValueError(msg)
        return False
    msg = (
        f"`{A_name}` must be dense (ndim {B.ndim + 1}) or diagonal (ndim {B.ndim}) for "
        f"`{B_name}` of shape {tuple(B.shape)}, got shape {tuple(A.shape)}"
    )
    raise ValueError(msg)


def _prepare_discrete(
    xp: ModuleType, Abar: Array, Bbar: Array, C: Array, *others: tuple[str, Array]
) -> tuple[Array, Array, Array, bool, DType]:
    """Check and broadcast ``(Abar, Bbar, C)``; the result and compute dtypes."""
    dense = _is_dense(Abar, "Abar", Bbar, "Bbar")
    N = Bbar.shape[-1]
    if C.ndim < 1 or C.shape[-1] != N:
        msg = f"`C` must have shape (..., {N}) (the state size), got {tuple(C.shape)}"
        raise ValueError(msg)
    batch = check_broadcast(
        ("Abar", tuple(Abar.shape[:-2] if dense else Abar.shape[:-1])),
        ("Bbar", tuple(Bbar.shape[:-1])),
        ("C", tuple(C.shape[:-1])),
    )
    out_dtype = result_dtype(xp, ("Abar", Abar), ("Bbar", Bbar), ("C", C), *others)
    work = compute_dtype(xp, out_dtype)
    Abar, Bbar, C = (as_compute(xp, _promote(xp, x), work) for x in (Abar, Bbar, C))
    if dense:
        _check_dense_discrete_stable(Abar)
    else:
        _check_discrete_stable(xp, Abar)
    Abar = xp.broadcast_to(Abar, (*batch, N, N) if dense else (*batch, N))
    return (
        Abar,
        xp.broadcast_to(Bbar, (*batch, N)),
        xp.broadcast_to(C, (*batch, N)),
        dense,
        (out_dtype),
    )


def _apply(xp: ModuleType, Abar: Array, x: Array, dense: bool) -> Array:
    """``Abar @ x`` for a dense or diagonal ``Abar`` (``x`` of shape (..., N))."""
    if dense:
        return (Abar @ x[..., None])[..., 0]
    return Abar * x


def _check_modes(
    *named: tuple[str, Array], dt_shape: tuple[int | None, ...], P: Array | None = None
) -> tuple[int | None, ...]:
    """Check that the conjugate-half arrays share their last axis; the broadcast batch shape."""
    half = named[0][1].shape[-1] if named[0][1].ndim else 0
    for name, x in named:
        if x.ndim < 1 or x.shape[-1] != half or half < 1:
            msg = (
                f"`{name}` must have shape (..., N/2) with the same N/2 = {half} as `Lambda` "
                f"(>= 1), got {tuple(x.shape)}"
            )
            raise ValueError(msg)
    shapes = [(name, tuple(x.shape[:-1])) for name, x in named]
    if P is not None:
        if P.shape[-1] != half or P.shape[-2] < 1:
            msg = f"`P` must have shape (..., rank, {half}), got {tuple(P.shape)}"
            raise ValueError(msg)
        shapes.append(("P", tuple(P.shape[:-2])))
    shapes.append(("dt", dt_shape))
    return check_broadcast(*shapes)


def _kernel_dtypes(
    xp: ModuleType, Lambda: Array, B: Array, C: Array, dt: Array | None, P: Array | None = None
) -> tuple[DType, DType]:
    """(real result dtype, complex compute dtype) of the S4/S4D kernels."""
    promoted = result_dtype(xp, ("Lambda", Lambda), ("B", B), ("C", C), ("dt", dt), ("P", P))
    work = complex_dtype(xp, compute_dtype(xp, promoted))
    out = real_dtype(xp, promoted) if xp.isdtype(promoted, "complex floating") else promoted
    return out, work


def _check_stable(xp: ModuleType, Lambda: Array, name: str) -> None:
    if is_lazy(Lambda):
        return
    real = xp.real(Lambda) if xp.isdtype(Lambda.dtype, "complex floating") else Lambda
    imag = xp.imag(Lambda) if xp.isdtype(Lambda.dtype, "complex floating") else Lambda
    if not bool(xp.all(xp.isfinite(real) & xp.isfinite(imag))):
        msg = f"`{name}` must be finite (it has NaN or infinite entries)"
        raise ValueError(msg)
    if bool(xp.any(real > 0)):
        msg = f"`{name}` has eigenvalues with positive real part: the system is unstable"
        raise ValueError(msg)


def _check_dense_discrete_stable(Abar: Array) -> None:
    """Reject a dense ``Abar`` with spectral radius > 1 (SPEC section 5: clamp nothing silently).

    The standard has no ``eig``: the eigenvalues are computed on a host (NumPy) copy in
    float64. Round-off in the eigenvalues of a non-normal matrix is of order sqrt(eps) for a
    marginal system, hence the allowance.
    """
    if is_lazy(Abar) or math.prod(Abar.shape) == 0:
        return
    original = np.asarray(to_numpy(Abar))
    rounding = float(np.finfo(original.dtype).eps) if original.dtype.kind in "fc" else 2.0**-52
    host = original.astype(np.complex128)
    if not np.isfinite(host).all():
        msg = "`Abar` must be finite (it has NaN or infinite entries)"
        raise ValueError(msg)
    radius = float(np.max(np.abs(np.linalg.eigvals(host)), initial=0.0))
    if radius > 1 + math.sqrt(rounding):
        msg = f"`Abar` has spectral radius {radius:.6g} > 1: the discrete system is unstable"
        raise ValueError(msg)


def _check_discrete_stable(xp: ModuleType, Abar: Array) -> None:
    if is_lazy(Abar):
        return
    # |Abar| = 1 is marginal (Re Lambda = 0); allow its rounding error, nothing more.
    if bool(xp.any(xp.abs(Abar) > 1 + 16 * eps(xp, Abar.dtype))):
        msg = "`Abar` has entries with |Abar_n| > 1: the discrete system is unstable"
        raise ValueError(msg)
