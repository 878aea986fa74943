"""Numerical building blocks of :mod:`specconv.ssm` (private).

* HiPPO matrices and their low-rank corrections, built in NumPy float64 (they are constants);
* the NPLR -> DPLR diagonalisation through a Hermitian eigensolver;
* a matrix exponential in array API terms (the standard has no ``expm``);
* ``phi1(z) = (e^z - 1)/z`` accurate for small and complex ``z``;
* a batched linear solve that also works on Dask (whose ``solve`` is 2-D only);
* the discretization formulas, the S4D Vandermonde product and the pieces of S4's
  Algorithm 1 (the public functions in :mod:`specconv.ssm` validate and call these).
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np

from specconv._compat import Array, device, is_dask_namespace, is_lazy

__all__ = [
    "bilinear_dplr_Abar",
    "check_finite_solve",
    "conjugate_row_times_power",
    "discretize_dense",
    "discretize_diagonal",
    "dplr_from_nplr",
    "dplr_spectrum",
    "expm",
    "hippo_numpy",
    "phi1",
    "rank_correction_numpy",
    "row_times_power",
    "single_chunk",
    "singular_error",
    "small_solve",
    "solve",
    "vandermonde",
    "woodbury_term",
]

MEASURES = ("legs", "legt", "lagt", "fout")
#: Natural rank of the low-rank correction P of each measure (notes/ssm.md section 1.2).
NATURAL_RANK = {"legs": 1, "legt": 2, "lagt": 1, "fout": 1}


# --------------------------------------------------------------------------------------------
# HiPPO (NumPy float64 constants)
# --------------------------------------------------------------------------------------------


def hippo_numpy(measure: str, N: int) -> tuple[np.ndarray, np.ndarray]:
    """``(A, B)`` of a HiPPO measure in float64, with the minus sign folded into ``A``."""
    n = np.arange(N, dtype=np.float64)
    if measure == "legs":
        p = np.sqrt(2.0 * n + 1.0)
        # A[n, k] = -sqrt(2n+1) sqrt(2k+1) below the diagonal, -(n+1) on it, 0 above.
        A = -(np.tril(np.outer(p, p), -1) + np.diag(n + 1.0))
        return A, p.copy()
    if measure == "legt":
        p = np.sqrt(2.0 * n + 1.0)
        row, col = np.meshgrid(n, n, indexing="ij")
        sign = np.where(row >= col, 1.0, (-1.0) ** (row - col))
        # the "halve again" timescale correction of the reference code: 1/2 on A and on B
        return -0.5 * np.outer(p, p) * sign, 0.5 * p
    if measure == "lagt":
        A = 0.5 * np.eye(N) - np.tril(np.ones((N, N)))
        return A, np.ones(N)
    # fout: A = pi J - b b^T, B = b with 2x2 rotation blocks [[0, -k], [k, 0]] on (2k, 2k+1).
    b = _fourier_b(N)
    J = np.zeros((N, N))
    k = np.arange(1, N // 2)
    J[2 * k, 2 * k + 1] = -k
    J[2 * k + 1, 2 * k] = k
    return np.pi * J - np.outer(b, b), b


def rank_correction_numpy(measure: str, N: int, rank: int) -> np.ndarray:
    """P of shape ``(rank, N)`` such that ``A + P^T P`` is normal (zero rows pad the rank)."""
    n = np.arange(N, dtype=np.float64)
    if measure == "legs":
        rows = [np.sqrt(n + 0.5)]
    elif measure == "legt":
        q = np.sqrt((2.0 * n + 1.0) / 2.0)
        odd = (np.arange(N) % 2) == 1
        rows = [np.where(odd, q, 0.0), np.where(odd, 0.0, q)]
    elif measure == "lagt":
        rows = [np.full(N, math.sqrt(0.5))]
    else:
        rows = [_fourier_b(N)]
    P = np.zeros((rank, N))
    P[: len(rows)] = np.stack(rows)
    return P


def _fourier_b(N: int) -> np.ndarray:
    b = np.zeros(N)
    b[0::2] = math.sqrt(2.0)
    b[0] = 1.0
    return b


def dplr_from_nplr(
    measure: str, A: np.ndarray, B: np.ndarray, P: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Conjugate-half DPLR form of a normal-plus-low-rank HiPPO matrix (float64 NumPy).

    ``S = A + P^T P`` is normal with symmetric part ``c I``; ``S = c I + S_skew`` and the
    Hermitian matrix ``-i S_skew`` is diagonalised with ``eigh`` (``eig(A)`` would return an
    exponentially ill-conditioned eigenvector matrix, S4 Lemma 3.2).
    """
    N = A.shape[0]
    S = A + P.T @ P
    scale = max(1.0, float(np.max(np.abs(S))))
    symmetric = 0.5 * (S + S.T)
    real_part = float(np.mean(np.diag(S)))
    if np.max(np.abs(symmetric - real_part * np.eye(N))) > 1e-12 * scale:
        msg = f"internal error: A + P P^T of {measure!r} is not (c I + skew)"
        raise RuntimeError(msg)
    skew = 0.5 * (S - S.T)
    imag, V = np.linalg.eigh(-1j * skew)  # ascending; S_skew V = i V diag(imag)
    Lambda = real_part + 1j * imag[: N // 2]
    V = V[:, : N // 2]
    # The eigenvalue 0 of a real skew matrix has a real eigenspace, and eigh may return real
    # eigenvectors there: a column v with conj(v) = v would make [V, conj V] singular.
    # Rebuild the zero modes as (a + i b)/sqrt(2) from a real orthonormal basis (a, b).
    zero = np.abs(imag) <= 1e-9 * scale
    n_zero = int(np.count_nonzero(zero))
    if n_zero:
        basis = _null_space_basis(skew, n_zero)
        half = n_zero // 2
        replace = np.flatnonzero(zero[: N // 2])
        V = V.copy()
        V[:, replace] = (basis[:, 0 : 2 * half : 2] + 1j * basis[:, 1 : 2 * half : 2]) / math.sqrt(
            2
        )
    V_full = np.concatenate([V, V.conj()], axis=1)
    Lambda_full = np.concatenate([Lambda, Lambda.conj()])
    if np.max(np.abs((V_full * Lambda_full) @ V_full.conj().T - S)) > 1e-10 * scale:
        msg = f"internal error: the diagonalisation of {measure!r} does not reconstruct A + PP^T"
        raise RuntimeError(msg)
    B_half = V.conj().T @ B
    P_half = P @ V.conj()
    return Lambda, P_half, B_half, V


def _null_space_basis(skew: np.ndarray, n_zero: int) -> np.ndarray:
    # Real orthonormal basis of the null space of a real matrix (last right singular vectors).
    _, _, vh = np.linalg.svd(skew)
    return vh[vh.shape[0] - n_zero :].T


# --------------------------------------------------------------------------------------------
# Array API numerics
# --------------------------------------------------------------------------------------------


def solve(xp: ModuleType, a: Array, b: Array) -> Array:
    """``a^{-1} b`` for stacks ``a (..., n, n)``, ``b (..., n, k)`` (Dask: one 2-D solve each)."""
    batch = tuple(np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2])))
    a = xp.broadcast_to(a, batch + tuple(a.shape[-2:]))
    b = xp.broadcast_to(b, batch + tuple(b.shape[-2:]))
    if not is_dask_namespace(xp):
        return xp.linalg.solve(a, b)
    if not batch:
        return xp.linalg.solve(single_chunk(xp, a, (0, 1)), single_chunk(xp, b, (0, 1)))
    # dask.array.linalg.solve is 2-D only: solve the stack one matrix at a time.
    count = math.prod(batch)
    # dask's LU wants square chunks: hold each small matrix in one chunk.
    a2 = single_chunk(xp, xp.reshape(a, (count, *a.shape[-2:])), axes=(1, 2))
    b2 = single_chunk(xp, xp.reshape(b, (count, *b.shape[-2:])), axes=(1, 2))
    x = xp.stack([xp.linalg.solve(a2[i, ...], b2[i, ...]) for i in range(count)])
    return xp.reshape(x, batch + tuple(b.shape[-2:]))


def single_chunk(xp: ModuleType, x: Array, axes: tuple[int, ...] = (-1,)) -> Array:
    """Dask: hold ``axes`` in one chunk (repeated ``concat`` would multiply the chunks)."""
    if not is_dask_namespace(xp):
        return x
    return x.rechunk({axis % x.ndim: -1 for axis in axes})


# Pade [13/13] coefficients and the norm bound theta_13 of Higham (2005), Table 2.3.
_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152
#: Squarings applied (masked per matrix) when the norm cannot be read (lazy arrays):
#: enough for ||A||_1 up to theta_13 * 2^40 ~ 6e12.
_LAZY_SQUARINGS = 40


def expm(xp: ModuleType, A: Array) -> Array:
    """Matrix exponential of a stack ``A (..., n, n)``: scaling and squaring, Pade [13/13].

    ``e^A = (e^{A/2^s})^{2^s}`` with ``s = max(0, ceil(log2(||A||_1 / theta_13)))`` chosen per
    matrix, and ``e^{A/2^s} ~ (V - U)^{-1} (V + U)`` (Higham 2005, Algorithm 2.3 with the
    degree fixed at 13: exact to working precision for ||A/2^s||_1 <= theta_13).
    """
    n = A.shape[-1]
    norm1 = xp.max(xp.sum(xp.abs(A), axis=-2), axis=-1)
    theta = xp.asarray(_THETA13, dtype=norm1.dtype, device=device(A))
    # log2 of a value >= 1: no log(0) warning for a zero matrix.
    squarings = xp.ceil(xp.log2(xp.maximum(norm1, theta) / theta))
    if is_lazy(A):
        count = _LAZY_SQUARINGS
    else:
        count = int(xp.max(squarings)) if math.prod(squarings.shape) else 0
    scale = xp.astype(2.0 ** (-squarings), A.dtype)
    As = A * scale[..., None, None]
    eye = xp.eye(n, dtype=A.dtype, device=device(A))
    b = _PADE13
    A2 = As @ As
    A4 = A2 @ A2
    A6 = A4 @ A2
    U = As @ (
        A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye
    )
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
    R = solve(xp, V - U, V + U)
    for i in range(count):
        R = xp.where((squarings > i)[..., None, None], R @ R, R)
    return R


def phi1(xp: ModuleType, z: Array) -> Array:
    """``(e^z - 1)/z`` (1 at ``z = 0``), accurate for small ``|z|`` and complex ``z``.

    For ``z = x + iy``: ``e^z - 1 = expm1(x) cos y - 2 sin^2(y/2) + i e^x sin y``; both terms
    of the real part are formed without cancelling ``1 - 1``.
    """
    if xp.isdtype(z.dtype, "complex floating"):
        x, y = xp.real(z), xp.imag(z)
        half_sin = xp.sin(y / 2)
        re = xp.expm1(x) * xp.cos(y) - 2 * half_sin * half_sin
        im = xp.exp(x) * xp.sin(y)
        em1 = xp.astype(re, z.dtype) + xp.astype(im, z.dtype) * 1j
    else:
        em1 = xp.expm1(z)
    is_zero = z == 0
    one = xp.ones_like(z)
    return xp.where(is_zero, one, em1 / xp.where(is_zero, one, z))


# --------------------------------------------------------------------------------------------
# Discretization and kernel internals
# --------------------------------------------------------------------------------------------


def discretize_dense(
    xp: ModuleType,
    A: Array,
    B: Array,
    dt: Array,
    method: str,
    batch: tuple[int | None, ...],
    N: int,
) -> tuple[Array, Array]:
    A = xp.broadcast_to(A, (*batch, N, N))
    dtA = dt[..., None, None] * A
    dtB = xp.broadcast_to(dt[..., None] * B, (*batch, N))[..., None]
    eye = xp.eye(N, dtype=A.dtype, device=device(A))
    if method == "zoh":
        # expm(dt [[A, B], [0, 0]]) = [[e^{dt A}, int_0^dt e^{As} ds B], [0, 1]]
        top = xp.concat([dtA, dtB], axis=-1)
        bottom = xp.zeros((*batch, 1, N + 1), dtype=A.dtype, device=device(A))
        E = expm(xp, xp.concat([top, bottom], axis=-2))
        return E[..., :N, :N], E[..., :N, N]
    if method == "euler":
        return eye + dtA, dtB[..., 0]
    alpha = 0.5 if method == "bilinear" else 1.0
    M = eye - alpha * dtA
    rhs = xp.concat([eye + (1.0 - alpha) * dtA, dtB], axis=-1)
    try:
        X = solve(xp, M, rhs)
    except Exception as exc:  # the backends' singular-matrix errors differ in type
        raise singular_error(method) from exc
    check_finite_solve(xp, X, method)
    return X[..., :N], X[..., N]


def discretize_diagonal(xp: ModuleType, dtA: Array, dtB: Array, method: str) -> tuple[Array, Array]:
    if method == "zoh":
        return xp.exp(dtA), dtB * phi1(xp, dtA)
    if method == "euler":
        return 1 + dtA, dtB
    if method == "bilinear":
        denominator = 1 - dtA / 2
        return (1 + dtA / 2) / denominator, dtB / denominator
    denominator = 1 - dtA
    return 1 / denominator, dtB / denominator


def vandermonde(
    xp: ModuleType, coefficients: Array, log_z: Array, L: int, chunk_elements: int
) -> Array:
    """``sum_n c_n exp(l log_z_n)`` for ``l < L``, chunked over ``l``."""
    rows = math.prod(coefficients.shape)  # batch * modes
    chunk = max(1, min(L, chunk_elements // max(rows, 1)))
    j = xp.astype(xp.arange(chunk, device=device(log_z)), log_z.dtype)
    block = xp.exp(log_z[..., None] * j)  # (..., N/2, chunk): e^{j log z}
    pieces = []
    for start in range(0, L, chunk):
        width = min(chunk, L - start)
        shifted = coefficients * xp.exp(start * log_z) if start else coefficients
        pieces.append((shifted[..., None, :] @ block[..., :width])[..., 0, :])
    return pieces[0] if len(pieces) == 1 else xp.concat(pieces, axis=-1)


def bilinear_dplr_Abar(xp: ModuleType, Lf: Array, Pf: Array, dt: Array) -> Array:
    # (2/dt I - A)^{-1} = D - D P (I + P^* D P)^{-1} P^* D, D = diag(1/(2/dt - Lambda));
    # then Abar = (I - dt/2 A)^{-1}(I + dt/2 A) = (4/dt) A1 - I.
    N = Lf.shape[-1]
    rank = Pf.shape[-2]
    two_over_dt = (2 / dt)[..., None]
    d = 1 / (two_over_dt - Lf)  # (..., N)
    DP = d[..., None, :] * Pf  # (..., r, N): rows D P_r
    PhDP = xp.conj(Pf) @ xp.matrix_transpose(DP)  # (..., r, r): P_r^* D P_s
    eye_r = xp.eye(rank, dtype=Lf.dtype, device=device(Lf))
    # W = (I + P^* D P)^{-1} P^* D, shape (..., r, N)
    W = small_solve(xp, eye_r + PhDP, xp.conj(Pf) * d[..., None, :])
    eye = xp.eye(N, dtype=Lf.dtype, device=device(Lf))
    A1 = eye * d[..., None, :] - xp.matrix_transpose(DP) @ W
    return (4 / dt)[..., None, None] * A1 - eye


def row_times_power(xp: ModuleType, row: Array, matrix: Array, power: int) -> Array:
    """``row @ matrix^power`` by binary exponentiation (log2(power) squarings)."""
    result = row[..., None, :]
    square = matrix
    while True:
        if power & 1:
            result = result @ square
        power >>= 1
        if not power:
            return result[..., 0, :]
        square = square @ square


def conjugate_row_times_power(xp: ModuleType, row: Array, matrix: Array, power: int) -> Array:
    """``row @ matrix^power`` for a conjugate-symmetric system, with real squarings.

    States ``x = [z, conj z]`` have real coordinates ``T x = [Re z, Im z]`` with
    ``T = 1/2 [[I, I], [-iI, iI]]``, ``T^{-1} = [[I, iI], [I, -iI]]``; ``T M T^{-1}`` and
    ``row T^{-1} = [2 Re c, -2 Im c]`` are then real (``M`` maps such states to such states).
    """
    half = row.shape[-1] // 2
    eye = xp.eye(half, dtype=matrix.dtype, device=device(matrix))
    T = 0.5 * xp.concat(
        [xp.concat([eye, eye], axis=-1), xp.concat([-1j * eye, 1j * eye], axis=-1)], axis=-2
    )
    T_inv = xp.concat(
        [xp.concat([eye, 1j * eye], axis=-1), xp.concat([eye, -1j * eye], axis=-1)], axis=-2
    )
    real_matrix = xp.real(T @ matrix @ T_inv)
    c = row[..., :half]
    real_row = xp.concat([2 * xp.real(c), -2 * xp.imag(c)], axis=-1)
    real_result = row_times_power(xp, real_row, real_matrix, power)
    return (xp.astype(real_result, matrix.dtype)[..., None, :] @ T)[..., 0, :]


def dplr_spectrum(
    xp: ModuleType,
    Lf: Array,
    Pf: Array,
    Bf: Array,
    C_tilde: Array,
    dt: Array,
    L: int,
    chunk_elements: int,
) -> Array:
    """``K_hat(omega_j)`` for ``j = 0 .. L//2`` (Woodbury over Cauchy sums)."""
    rank = Pf.shape[-2]
    N = Lf.shape[-1]
    batch = tuple(Lf.shape[:-1])
    # numerator[n, a*(r+1) + b] = left_a[n] * right_b[n]; left = [C~, conj P], right = [B, P]
    left = xp.concat([C_tilde[..., None, :], xp.conj(Pf)], axis=-2)
    right = xp.concat([Bf[..., None, :], Pf], axis=-2)
    numerator = xp.reshape(left[..., :, None, :] * right[..., None, :, :], (*batch, -1, N))
    numerator = xp.matrix_transpose(numerator)  # (..., N, (r+1)^2)
    regular = L // 2 + 1 if L % 2 else L // 2  # nodes with omega != -1
    # tan(pi j / L) from the integer j: exact nodes, no rounding of exp(-2 pi i j/L).
    tangent = np.tan(np.pi * np.arange(regular) / L)
    rows = max(1, math.prod(batch) * N)
    chunk = max(1, min(regular, chunk_elements // rows))
    two_over_dt = (2 / dt)[..., None]
    pieces = []
    for start in range(0, regular, chunk):
        t = xp.asarray(tangent[start : start + chunk], dtype=Lf.dtype, device=device(Lf))
        g = two_over_dt * (t * 1j)  # (..., J)
        cauchy = 1 / (g[..., :, None] - Lf[..., None, :])  # (..., J, N)
        k = xp.reshape(cauchy @ numerator, (*batch, t.shape[0], rank + 1, rank + 1))
        value = k[..., 0, 0] - woodbury_term(xp, k, rank)
        pieces.append((1 + t * 1j) * value)
    if L % 2 == 0:
        # omega = -1: K_hat = C~ (I + Abar)^{-1} Bbar = (dt/2) C~ B
        nyquist = (dt / 2) * xp.sum(C_tilde * Bf, axis=-1)
        pieces.append(xp.astype(nyquist, Lf.dtype)[..., None])
    return pieces[0] if len(pieces) == 1 else xp.concat(pieces, axis=-1)


def woodbury_term(xp: ModuleType, k: Array, rank: int) -> Array:
    """``k01 (I + k11)^{-1} k10`` for ``k`` of shape (..., J, r+1, r+1)."""
    k01 = k[..., 0:1, 1:]  # (..., J, 1, r)
    k10 = k[..., 1:, 0:1]  # (..., J, r, 1)
    k11 = k[..., 1:, 1:]  # (..., J, r, r)
    if rank == 1:
        return k01[..., 0, 0] * k10[..., 0, 0] / (1 + k11[..., 0, 0])
    eye = xp.eye(rank, dtype=k.dtype, device=device(k))
    return (k01 @ small_solve(xp, eye + k11, k10))[..., 0, 0]


def small_solve(xp: ModuleType, M: Array, rhs: Array) -> Array:
    """``M^{-1} rhs`` for stacks of rank x rank ``M``: closed forms for rank 1 and 2."""
    # Closed forms keep the many tiny systems elementwise (Dask's solve is 2-D only).
    rank = M.shape[-1]
    if rank == 1:
        return rhs / M
    if rank == 2:
        a, b = M[..., 0:1, 0:1], M[..., 0:1, 1:2]
        c, d = M[..., 1:2, 0:1], M[..., 1:2, 1:2]
        top, bottom = rhs[..., 0:1, :], rhs[..., 1:2, :]
        det = a * d - b * c
        return xp.concat([(d * top - b * bottom) / det, (a * bottom - c * top) / det], axis=-2)
    return solve(xp, M, rhs)


def check_finite_solve(xp: ModuleType, X: Array, method: str) -> None:
    solved = method in ("bilinear", "backward_euler")
    if solved and not is_lazy(X) and not bool(xp.all(xp.isfinite(X))):
        raise singular_error(method)


def singular_error(method: str) -> ValueError:
    matrix = "I - dt/2 A" if method == "bilinear" else "I - dt A"
    return ValueError(f"`A`, `dt`: the matrix {matrix} is singular ({method} discretization)")
