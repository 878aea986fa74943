#!/usr/bin/env python
# ruff: noqa: E501 - the case tables and formula strings read best on one line each
"""Write the golden reference cases of specconv: ``cases/<op>.npz`` and ``manifest.json``.

Usage::

    python reference/generate.py [--out DIR]

Every expected output is computed here, from the definition of the operation (dense DFT
matrices with integer-reduced twiddles, explicit sums, Toeplitz matrices, explicit matrix
powers, masked softmax), with NumPy only. Nothing in this file imports specconv: the vectors
must stay an independent witness of what the library computes.

Precision. Inputs are drawn in float64 and rounded to float32-representable values, so that a
float32 run sees *exactly* the same inputs as a float64 run and its error is the error of its
arithmetic only. Expected outputs are evaluated in extended precision (``np.longdouble``, 64-bit
mantissa on x86-64 Linux) and rounded to float64 once at the end, so their own error is far
below the float64 budgets. (On platforms whose ``longdouble`` is plain float64 the cases are
still correct to a few float64 ulps, but the files are not byte-identical to the committed ones.)

Determinism. Seeds are fixed per operation, the ``.npz`` archives are written with
:mod:`zipfile` with a fixed timestamp and fixed member order, and the manifest is written with
sorted keys, so re-running the generator reproduces the committed files byte for byte.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
RP = np.longdouble  # the generator's working real precision
CP = np.clongdouble  # ... and complex precision
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
BOTH = ("float64", "float32")
F64_ONLY = ("float64",)
PI = np.arccos(RP(-1))


# --------------------------------------------------------------------------------------------
# Case bookkeeping
# --------------------------------------------------------------------------------------------


@dataclass
class Params:
    """A parameter object (e.g. ``FFTNetParams``) passed as one argument: named array fields."""

    cls: str
    fields: dict[str, np.ndarray]


@dataclass
class Case:
    op: str
    name: str
    args: dict[str, Any]  # positional arguments of the specconv signature, in order
    outputs: dict[str, np.ndarray]  # name -> expected float64/complex128 output
    n: int
    description: str
    formula: str
    kwargs: dict[str, Any] = field(default_factory=dict)  # keyword-only array arguments
    options: dict[str, Any] = field(default_factory=dict)  # keyword-only Python options
    dtypes: Sequence[str] = BOTH
    tags: Sequence[str] = ()


def _entry(case: Case, name: str, value: Any, positional: bool) -> tuple[dict, dict]:
    """Manifest entry and npz members of one input."""
    base = {"name": name, "positional": positional}
    key = f"{case.name}/{name}"
    if isinstance(value, Params):
        keys = {f: f"{key}.{f}" for f in value.fields}
        members = {keys[f]: v for f, v in value.fields.items()}
        return {**base, "kind": "params", "class": value.cls, "fields": keys}, members
    if isinstance(value, list):
        names = [f"{key}.{i}" for i in range(len(value))]
        return {**base, "kind": "array_list", "keys": names}, dict(zip(names, value, strict=True))
    if isinstance(value, (bool, int, float, complex)):
        entry = {**base, "kind": "scalar", "key": key, "type": type(value).__name__}
        return entry, {key: np.asarray(value)}
    arr = np.asarray(value)
    entry = {**base, "kind": "array", "key": key, "shape": list(arr.shape), "dtype": str(arr.dtype)}
    return entry, {key: arr}


def _manifest_case(case: Case, file: str) -> tuple[dict, dict[str, np.ndarray]]:
    inputs, members = [], {}
    for positional, group in ((True, case.args), (False, case.kwargs)):
        for name, value in group.items():
            entry, arrays = _entry(case, name, value, positional)
            inputs.append(entry)
            members.update(arrays)
    outputs = []
    for name, value in case.outputs.items():
        key = f"{case.name}/out.{name}"
        members[key] = value
        outputs.append(
            {"name": name, "key": key, "shape": list(value.shape), "dtype": str(value.dtype)}
        )
    entry = {
        "op": case.op,
        "case": case.name,
        "file": file,
        "inputs": inputs,
        "options": case.options,
        "outputs": outputs,
        "n": int(case.n),
        "dtypes": list(case.dtypes),
        "tags": list(case.tags),
        "description": case.description,
        "formula": case.formula,
    }
    return entry, members


def write_npz(path: Path, members: dict[str, np.ndarray]) -> None:
    """An ``.npz`` that ``np.load`` reads, with fixed timestamps so the bytes are reproducible."""
    with zipfile.ZipFile(path, "w") as archive:
        for key, value in members.items():  # insertion order = generation order, fixed
            buffer = io.BytesIO()
            array = np.asarray(value)  # (not ascontiguousarray: it makes 0-d arrays 1-d)
            np.lib.format.write_array(buffer, array if array.flags.c_contiguous else array.copy())
            info = zipfile.ZipInfo(key + ".npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def rng_for(op: str) -> np.random.Generator:
    """One generator per operation (seeded from its name), so ops do not shift each other."""
    return np.random.default_rng(zlib.crc32(op.encode()))


def f32(x: Any) -> np.ndarray:
    """Round to float32-representable values, stored in float64 / complex128."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        return f32(x.real) + 1j * f32(x.imag)
    return x.astype(np.float32).astype(np.float64)


def f32s(x: float) -> float:
    return float(np.float32(x))


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return f32(scale * rng.standard_normal(shape))


def crandn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return f32(scale * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2))


def out64(x: Any) -> np.ndarray:
    """Round an extended-precision result to float64 / complex128 (once, at the end)."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        return x.astype(np.complex128)
    return x.astype(np.float64)


def ld(x: Any) -> np.ndarray:
    x = np.asarray(x)
    return x.astype(CP) if np.iscomplexobj(x) else x.astype(RP)


# --------------------------------------------------------------------------------------------
# Definitions (extended precision, NumPy only)
# --------------------------------------------------------------------------------------------


def twiddle_table(N: int, sign: int) -> np.ndarray:
    """w[m] = exp(sign 2 pi i m / N), m < N, in extended precision."""
    theta = 2 * PI * np.arange(N).astype(RP) / RP(N)
    return np.cos(theta) + sign * 1j * np.sin(theta).astype(CP)


def dft_def(x: Any, *, inverse: bool = False, norm: str = "backward", axis: int = -1) -> np.ndarray:
    """X_k = sum_n x_n exp(-+2 pi i k n / N), twiddles indexed by the integer (k n mod N)."""
    x = np.moveaxis(ld(x).astype(CP), axis, -1)
    N = x.shape[-1]
    table = twiddle_table(N, +1 if inverse else -1)
    k = np.arange(N, dtype=np.int64)
    out = np.empty(x.shape, dtype=CP)
    block = 512
    for start in range(0, N, block):  # rows of F_N in blocks: F_N itself may not fit in memory
        rows = k[start : start + block]
        W = table[np.outer(rows, k) % N]  # (rows, N)
        out[..., start : start + block] = x @ W.T
    scale = {
        "backward": RP(1) / N if inverse else RP(1),
        "forward": RP(1) if inverse else RP(1) / N,
        "ortho": RP(1) / np.sqrt(RP(N)),
    }[norm]
    return np.moveaxis(out * scale, -1, axis)


def resize(x: np.ndarray, n: int, axis: int = -1) -> np.ndarray:
    """NumPy's n= semantics: crop or zero-pad along axis."""
    x = np.moveaxis(x, axis, -1)
    m = x.shape[-1]
    if n <= m:
        y = x[..., :n]
    else:
        y = np.concatenate([x, np.zeros((*x.shape[:-1], n - m), dtype=x.dtype)], axis=-1)
    return np.moveaxis(y, -1, axis)


def irfft_def(X: Any, n: int, *, norm: str = "backward", axis: int = -1) -> np.ndarray:
    """Real inverse of a half spectrum (NumPy semantics: imag of DC/Nyquist bins ignored)."""
    X = np.moveaxis(ld(X).astype(CP), axis, -1)
    m = n // 2 + 1
    X = resize(X, m)
    full = np.zeros((*X.shape[:-1], n), dtype=CP)
    full[..., 0] = X[..., 0].real
    upper = (n + 1) // 2  # bins 1..upper-1 have a distinct conjugate partner
    full[..., 1:upper] = X[..., 1:upper]
    full[..., n - upper + 1 :] = np.conj(X[..., 1:upper])[..., ::-1]
    if n % 2 == 0:
        full[..., n // 2] = X[..., n // 2].real
    y = dft_def(full, inverse=True, norm=norm).real
    return np.moveaxis(y, -1, axis)


def hadamard(N: int) -> np.ndarray:
    """Sylvester Hadamard matrix: H[i, j] = (-1)^popcount(i & j)."""
    i = np.arange(N)
    bits = np.bitwise_and.outer(i, i)
    parity = np.zeros_like(bits)
    while bits.any():
        parity ^= bits & 1
        bits >>= 1
    return (1 - 2 * parity).astype(RP)


def causal_conv_def(u: Any, k: Any, D: Any = None) -> np.ndarray:
    """y_t = sum_{s <= min(t, Lk-1)} k_s u_{t-s} (+ D u_t), explicit shifted sums."""
    u, k = ld(u), ld(k)
    L = u.shape[-1]
    taps = k[..., : min(k.shape[-1], L)]
    shape = (*np.broadcast_shapes(u.shape[:-1], taps.shape[:-1]), L)
    y = np.zeros(shape, dtype=np.result_type(u, k))
    for s in range(taps.shape[-1]):
        y[..., s:] += taps[..., s : s + 1] * u[..., : L - s]
    if D is not None:
        y = y + ld(D)[..., None] * u
    return y


def circular_conv_def(u: Any, k: Any) -> np.ndarray:
    """y_t = sum_s k_s u_{(t-s) mod L}."""
    u, k = ld(u), ld(k)
    L = u.shape[-1]
    y = np.zeros(np.broadcast_shapes(u.shape, k.shape), dtype=np.result_type(u, k))
    for s in range(L):
        y = y + k[..., s : s + 1] * np.roll(u, s, axis=-1)
    return y


def toeplitz_def(c: Any, r: Any) -> np.ndarray:
    """T[i, j] = c[i - j] for i >= j, r[j - i] for i < j (SciPy's convention, r[0] ignored)."""
    c, r = ld(c), ld(r)
    n = c.shape[-1]
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return np.where(i >= j, c[..., np.abs(i - j)], r[..., np.abs(j - i)])


def solve_def(M: Any, b: Any) -> np.ndarray:
    """M^{-1} b in extended precision: float64 solve + iterative refinement of the residual."""
    M, b = ld(M), ld(b)
    low = np.complex128 if np.iscomplexobj(M) or np.iscomplexobj(b) else np.float64
    M64 = M.astype(low)
    x = np.linalg.solve(M64, b.astype(low)).astype(M.dtype if M.dtype == CP else b.dtype)
    for _ in range(4):
        residual = b - M @ x
        x = x + np.linalg.solve(M64, residual.astype(low))
    return x


def expm_def(M: Any) -> np.ndarray:
    """exp(M) by Taylor series with scaling and squaring, in extended precision."""
    M = ld(M)
    norm = float(np.max(np.sum(np.abs(M), axis=-2)))
    s = max(0, math.ceil(math.log2(norm)) + 5) if norm > 0 else 0
    X = M / RP(2**s)
    eye = np.eye(M.shape[-1], dtype=M.dtype)
    term, total = eye, eye.copy()
    for j in range(1, 30):  # ||X|| <= 1/32: the terms fall below 1e-40
        term = term @ X / RP(j)
        total = total + term
    for _ in range(s):
        total = total @ total
    return total


def phi1_def(x: Any) -> np.ndarray:
    """(exp(x) - 1) / x, with its series near 0 (no cancellation)."""
    x = ld(x)
    small = np.abs(x) < 0.5
    xs = np.where(small, x, 1)
    series = np.zeros_like(x)
    term = np.ones_like(x)
    for j in range(1, 40):
        series = series + term
        term = term * xs / (j + 1)
    xl = np.where(small, 1, x)
    return np.where(small, series, (np.exp(xl) - 1) / xl)


def discretize_def(A: Any, B: Any, dt: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(Abar, Bbar) of x' = A x + B u for a step dt (dense A (N, N) or diagonal A (N,))."""
    A, B, dt_ = ld(A), ld(B), RP(dt)
    if A.ndim == 1:
        one = np.ones_like(A)
        Abar, Bbar = {
            "bilinear": lambda: (
                (one + dt_ / 2 * A) / (one - dt_ / 2 * A),
                dt_ * B / (1 - dt_ / 2 * A),
            ),
            "zoh": lambda: (np.exp(dt_ * A), dt_ * phi1_def(dt_ * A) * B),
            "euler": lambda: (one + dt_ * A, dt_ * B),
            "backward_euler": lambda: (one / (one - dt_ * A), dt_ * B / (one - dt_ * A)),
        }[method]()
        return Abar, Bbar
    N = A.shape[-1]
    eye = np.eye(N, dtype=A.dtype)
    if method == "bilinear":
        M = eye - dt_ / 2 * A
        return solve_def(M, eye + dt_ / 2 * A), solve_def(M, dt_ * B)
    if method == "zoh":
        # exp(dt [[A, B], [0, 0]]) = [[Abar, Bbar], [0, 1]] (the block-exponential identity)
        block = np.zeros((N + 1, N + 1), dtype=np.result_type(A, B))
        block[:N, :N] = A
        block[:N, N] = B
        E = expm_def(dt_ * block)
        return E[:N, :N], E[:N, N]
    if method == "euler":
        return eye + dt_ * A, dt_ * B
    if method == "backward_euler":
        M = eye - dt_ * A
        return solve_def(M, eye), solve_def(M, dt_ * B)
    raise ValueError(method)


def ssm_kernel_def(Abar: Any, Bbar: Any, C: Any, L: int) -> np.ndarray:
    """K_l = C Abar^l Bbar by L explicit matrix-vector products."""
    Abar, v, C = ld(Abar), ld(Bbar), ld(C)
    K = []
    for _ in range(L):
        K.append(np.sum(C * v, axis=-1))
        v = np.einsum("...ij,...j->...i", Abar, v)
    return np.stack(K, axis=-1)


def s4d_kernel_def(Lambda: Any, B: Any, C: Any, dt: Any, L: int, method: str) -> np.ndarray:
    """K_l = 2 Re sum_n C_n Bbar_n Abar_n^l (conjugate-half storage), Abar^l = exp(l log Abar)."""
    Lambda, B, C = ld(Lambda).astype(CP), ld(B).astype(CP), ld(C).astype(CP)
    dt_ = ld(dt)[..., None]
    if method == "zoh":
        log_Abar = dt_ * Lambda
        Bbar = dt_ * phi1_def(dt_ * Lambda) * B
    else:
        log_Abar = np.log((1 + dt_ / 2 * Lambda) / (1 - dt_ / 2 * Lambda))
        Bbar = dt_ * B / (1 - dt_ / 2 * Lambda)
    l = np.arange(L).astype(RP)
    powers = np.exp(log_Abar[..., None] * l)  # (..., N/2, L)
    return 2 * np.sum((C * Bbar)[..., None] * powers, axis=-2).real


def conj_expand(x: Any) -> np.ndarray:
    x = ld(x).astype(CP)
    return np.concatenate([x, np.conj(x)], axis=-1)


def s4_kernel_def(Lambda: Any, P: Any, B: Any, C: Any, dt: float, L: int) -> np.ndarray:
    """Kernel of the conjugate-expanded dense system A = diag(Lambda_f) - sum_r P_f P_f^*."""
    Lf, Pf, Bf, Cf = conj_expand(Lambda), conj_expand(P), conj_expand(B), conj_expand(C)
    A = np.diag(Lf) - np.einsum("ri,rj->ij", Pf, np.conj(Pf))
    Abar, Bbar = discretize_def(A, Bf, dt, "bilinear")
    K = ssm_kernel_def(Abar, Bbar, Cf, L)
    assert float(np.max(np.abs(K.imag))) < 1e-12 * float(np.max(np.abs(K.real)))
    return K.real


def ssm_scan_def(Abar: Any, Bbar: Any, C: Any, u: Any, D: Any = None, x0: Any = None) -> np.ndarray:
    """x_t = Abar x_{t-1} + Bbar u_t, y_t = C x_t + D u_t, x_{-1} = x0 (or 0)."""
    Abar, Bbar, C, u = ld(Abar), ld(Bbar), ld(C), ld(u)
    N = Abar.shape[-1]
    x = (
        np.zeros((*u.shape[:-1], N), dtype=RP)
        if x0 is None
        else np.broadcast_to(ld(x0), (*u.shape[:-1], N))
    )
    ys = []
    for t in range(u.shape[-1]):
        x = x @ Abar.T + Bbar * u[..., t : t + 1]
        y = x @ C
        if D is not None:
            y = y + ld(D) * u[..., t]
        ys.append(y)
    return np.stack(ys, axis=-1)


def softmax_def(s: np.ndarray) -> np.ndarray:
    s = s - np.max(s, axis=-1, keepdims=True)
    e = np.exp(s)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_attention_def(
    q: Any, k: Any, v: Any, *, causal: bool = False, scale: float | None = None, bias: Any = None
) -> np.ndarray:
    """softmax(scale q k^T + bias, masked j > i when causal) v."""
    q, k, v = ld(q), ld(k), ld(v)
    scale_ = RP(1) / np.sqrt(RP(q.shape[-1])) if scale is None else RP(scale)
    s = scale_ * (q @ np.swapaxes(k, -1, -2))
    if bias is not None:
        s = s + ld(bias)
    if causal:
        T, S = s.shape[-2:]
        s = np.where(np.arange(S)[None, :] > np.arange(T)[:, None], -np.inf, s)
    return softmax_def(s) @ v


def feature_def(x: np.ndarray, feature_map: str) -> np.ndarray:
    if feature_map == "elu":
        return np.where(x > 0, x + 1, np.exp(np.minimum(x, 0)))
    return x


def linear_attention_def(
    q: Any,
    k: Any,
    v: Any,
    *,
    causal: bool = False,
    feature_map: str = "elu",
    eps: float = 1e-6,
    normalize: bool = True,
) -> np.ndarray:
    """y_i = phi(q_i)^T S_i / (phi(q_i)^T z_i + eps), the masked T x S matrix form."""
    fq, fk, v = feature_def(ld(q), feature_map), feature_def(ld(k), feature_map), ld(v)
    A = fq @ np.swapaxes(fk, -1, -2)
    if causal:
        T, S = A.shape[-2:]
        A = np.where(np.arange(S)[None, :] > np.arange(T)[:, None], 0, A)
    y = A @ v
    if normalize:
        y = y / (np.sum(A, axis=-1, keepdims=True) + RP(eps))
    return y


def rpe_attention_def(
    q: Any,
    k: Any,
    v: Any,
    b: Any,
    *,
    feature_map: str = "elu",
    causal: bool = False,
    eps: float = 1e-6,
) -> np.ndarray:
    """z_i = sum_j c_{j-i} phi(q_i).phi(k_j) v_j / (sum_j c_{j-i} phi(q_i).phi(k_j) + eps),
    c_r = exp(b_r - max b) (the shift cancels in the ratio; eps is added to that normalised form)."""
    fq, fk, v, b = feature_def(ld(q), feature_map), feature_def(ld(k), feature_map), ld(v), ld(b)
    T = q.shape[-2]
    c = np.exp(b - np.max(b, axis=-1, keepdims=True))
    i, j = np.meshgrid(np.arange(T), np.arange(T), indexing="ij")
    Cmat = c[..., j - i + T - 1]
    if causal:
        Cmat = np.where(j > i, 0, Cmat)
    A = Cmat * (fq @ np.swapaxes(fk, -1, -2))
    return (A @ v) / (np.sum(A, axis=-1, keepdims=True) + RP(eps))


def gelu_def(x: np.ndarray) -> np.ndarray:
    """Exact GELU x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 (erf from math, float64 accurate)."""
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return RP(0.5) * x * (1 + erf((x / np.sqrt(RP(2))).astype(np.float64)).astype(RP))


def layer_norm_def(x: np.ndarray, weight: Any, bias: Any, eps: float = 1e-5) -> np.ndarray:
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + RP(eps)) * ld(weight) + ld(bias)


def fftnet_mixer_def(x: Any, p: dict[str, np.ndarray], heads: int) -> np.ndarray:
    """FFTNet v1 spectral mixer with dense (ortho) DFT matrices; see SPEC section 7."""
    x = ld(x)
    Bn, N, Dm = x.shape
    dh = Dm // heads
    F = N // 2 + 1
    xh = np.transpose(x.reshape(Bn, N, heads, dh), (0, 2, 1, 3))  # (B, H, N, dh)
    spectrum = dft_def(xh, norm="ortho", axis=-2)[:, :, :F, :]
    context = np.mean(x, axis=1)
    hidden = gelu_def(context @ ld(p["w1"]) + ld(p["b1"]))
    m = np.tanh(hidden @ ld(p["w2"]) + ld(p["b2"])).reshape(Bn, heads, F, 1)
    Z = spectrum * (ld(p["base_filter"])[None] + m)
    magnitude = np.abs(Z)
    Z = np.maximum(magnitude + ld(p["modrelu_bias"])[None], 0) * Z / np.maximum(magnitude, RP(1e-3))
    y = irfft_def(Z, N, norm="ortho", axis=-2)
    y = np.transpose(y, (0, 2, 1, 3)).reshape(Bn, N, Dm)
    return layer_norm_def(x + y, p["ln_weight"], p["ln_bias"])


# --- H3, Hyena, GSS: every SSM run as its recurrence, every convolution as shifted sums ------


def diag_discretize_def(Lambda: Any, B: Any, dt: Any, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(Abar, Bbar) of diagonal SSMs (..., N/2) with per-row steps dt (...,), elementwise."""
    Lambda, B = ld(Lambda).astype(CP), ld(B).astype(CP)
    dt_ = ld(dt)[..., None]
    if method == "zoh":
        return np.exp(dt_ * Lambda), dt_ * phi1_def(dt_ * Lambda) * B
    return (1 + dt_ / 2 * Lambda) / (1 - dt_ / 2 * Lambda), dt_ * B / (1 - dt_ / 2 * Lambda)


def diag_recurrence_def(Abar: Any, Bbar: Any, C: Any, D: Any, w: Any) -> np.ndarray:
    """Scan over the last axis of real w: x_t = Abar x_{t-1} + Bbar w_t, y_t = 2 Re(C.x_t) + D w_t.

    Abar, Bbar, C (..., N/2) in conjugate-half storage (the real state of size N is x and
    conj x), broadcast against w's leading axes; x_{-1} = 0.
    """
    Abar, Bbar, C = ld(Abar).astype(CP), ld(Bbar).astype(CP), ld(C).astype(CP)
    D, w = ld(D), ld(w)
    state = np.zeros(np.broadcast_shapes((*w.shape[:-1], 1), Abar.shape), dtype=CP)
    ys = []
    for t in range(w.shape[-1]):
        state = Abar * state + Bbar * w[..., t, None]
        ys.append(2 * np.sum(C * state, axis=-1).real + D * w[..., t])
    return np.stack(ys, axis=-1)


def h3_def(u: Any, p: dict[str, np.ndarray], discretization: str) -> np.ndarray:
    """H3: q * SSM_diag(shift_SSM(k) * v) per head, projections in and out (SPEC section 8)."""
    u, p = ld(u), {name: ld(value) for name, value in p.items()}
    *batch, L, dim = u.shape
    heads = p["Lambda"].shape[0]
    hd = dim // heads
    q, k, v = (np.moveaxis(u @ p["w" + n] + p["b" + n], -1, -2) for n in "qkv")  # (..., D, L)
    k = causal_conv_def(k, p["shift_kernel"], p["shift_D"])  # shift SSM = FIR filter + skip
    k = k.reshape(*batch, heads, hd, 1, L)
    v = v.reshape(*batch, heads, 1, hd, L)
    q = q.reshape(*batch, heads, hd, 1, L)
    Abar, Bbar = diag_discretize_def(p["Lambda"], p["B"], p["dt"], discretization)
    expand = (heads, 1, 1, -1)
    s = diag_recurrence_def(
        Abar.reshape(expand), Bbar.reshape(expand), p["C"].reshape(expand),
        p["D"].reshape(heads, 1, 1), k * v,
    )  # fmt: skip
    y = np.sum(q * s, axis=-3).reshape(*batch, dim, L)  # heads merged in (h, j) order
    return np.moveaxis(y, -1, -2) @ p["wo"] + p["bo"]


def hyena_filter_def(p: dict[str, np.ndarray], L: int) -> np.ndarray:
    """Implicit filters h (o - 1, D, L): sine MLP of the positional features times the decay window."""
    a = np.sin(p["filter_freq"] * (p["pos_z"][:L] @ p["filter_w0"] + p["filter_b0"]))
    for m in range(p["filter_w_inner"].shape[0]):
        a = np.sin(p["filter_freq"] * (a @ p["filter_w_inner"][m] + p["filter_b_inner"][m]))
    h = (a @ p["filter_w_out"]) * np.exp(-p["pos_t"][:L, None] * np.abs(p["decay"]))
    dim = p["w_out"].shape[0]
    return h.T.reshape(h.shape[-1] // dim, dim, L)


def hyena_def(u: Any, p: dict[str, np.ndarray]) -> np.ndarray:
    """Hyena of order o: v <- h_j * (x_{o-j} v) + beta_j (x_{o-j} v), out = (x_0 v) W_out + b_out."""
    u, p = ld(u), {name: ld(value) for name, value in p.items()}
    L, dim = u.shape[-2:]
    order = p["w_in"].shape[-1] // dim - 1
    z = np.moveaxis(u @ p["w_in"] + p["b_in"], -1, -2)  # (..., (o + 1) D, L)
    z = causal_conv_def(z, p["short_filter"]) + p["short_bias"][:, None]
    xs = [z[..., i * dim : (i + 1) * dim, :] for i in range(order + 1)]
    h = hyena_filter_def(p, L)
    beta = p["filter_bias"].reshape(order - 1, dim)
    v = xs[-1]
    for j, gate in enumerate(reversed(xs[1:-1])):
        v = causal_conv_def(v * gate, h[j], beta[j])
    return np.moveaxis(v * xs[0], -1, -2) @ p["w_out"] + p["b_out"]


def gss_def(u: Any, p: dict[str, np.ndarray]) -> np.ndarray:
    """GSS: ((SSM(GELU(LN(u) W_u + b_u)) W_c + b_c) * GELU(LN(u) W_v + b_v)) W_o + b_o + u."""
    u, p = ld(u), {name: ld(value) for name, value in p.items()}
    x = layer_norm_def(u, p["ln_weight"], p["ln_bias"], 1e-5)
    v = gelu_def(x @ p["w_v"] + p["b_v"])
    z = np.moveaxis(gelu_def(x @ p["w_u"] + p["b_u"]), -1, -2)  # (..., H, L)
    ones = np.ones(p["Lambda"].shape[:-1], dtype=RP)
    Abar, Bbar = diag_discretize_def(p["Lambda"], np.ones_like(p["Lambda"]), ones, "zoh")
    y = np.moveaxis(diag_recurrence_def(Abar, Bbar, p["C"], p["D"], z), -1, -2)
    return ((y @ p["w_c"] + p["b_c"]) * v) @ p["w_o"] + p["b_o"] + u


def hippo_legs(N: int) -> tuple[np.ndarray, np.ndarray]:
    """HiPPO-LegS (A, B), A already negative (notes/ssm.md 1.1)."""
    n = np.arange(N)
    p = np.sqrt(2 * n + 1.0)
    A = -np.where(n[:, None] > n[None, :], np.outer(p, p), np.diag(n + 1.0))
    return A, p.copy()


def legs_dplr(N: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Lambda, P, B) of HiPPO-LegS in conjugate-half storage, via eigh of -i (A + P P^T)."""
    A, B = hippo_legs(N)
    P = np.sqrt(np.arange(N) + 0.5)
    S = A + np.outer(P, P)
    w, V = np.linalg.eigh(-1j * S)
    order = np.argsort(w)[: N // 2]  # -i S = V diag(w) V^*: S = V diag(i w) V^*
    V = V[:, order]
    Lambda = np.mean(np.diag(S)) + 1j * w[order]
    return Lambda, (V.conj().T @ P)[None, :], V.conj().T @ B


# --------------------------------------------------------------------------------------------
# Cases per operation
# --------------------------------------------------------------------------------------------


def cases_fourier() -> list[Case]:
    cases: list[Case] = []
    rng = rng_for("dft")
    fdft = (
        "X_k = s * sum_n x_n exp(-2 pi i k n / N), s = 1 (backward), N^-1/2 (ortho), 1/N (forward)"
    )
    fidft = (
        "x_n = s * sum_k X_k exp(+2 pi i k n / N), s = 1/N (backward), N^-1/2 (ortho), 1 (forward)"
    )
    for op, inverse, formula in (("dft", False, fdft), ("idft", True, fidft)):
        rng = rng_for(op)
        specs: list[tuple[str, np.ndarray, dict[str, Any]]] = [
            ("length_1", crandn(rng, 1), {}),
            ("length_2", crandn(rng, 2), {}),
            ("prime_97", crandn(rng, 97), {}),
            ("odd_batch_15", crandn(rng, 3, 15), {}),
            ("pow2_256_ortho", crandn(rng, 256), {"norm": "ortho"}),
            ("composite_360_forward", crandn(rng, 2, 360), {"norm": "forward"}),
            ("real_input_64", randn(rng, 64), {}),
            ("axis0_12", crandn(rng, 12, 3), {"axis": 0}),
            ("dynamic_range_128", f32(crandn(rng, 128) * 10.0 ** rng.uniform(-6, 6, 128)), {}),
        ]
        for name, x, opts in specs:
            axis = opts.get("axis", -1)
            y = dft_def(x, inverse=inverse, norm=opts.get("norm", "backward"), axis=axis)
            cases.append(
                Case(
                    op,
                    name,
                    {"x": x},
                    {"y": out64(y)},
                    n=x.shape[axis],
                    options=opts,
                    description=f"{op} of shape {x.shape}, options {opts or 'default'}",
                    formula=formula,
                )
            )
    for op, inverse in (("fft", False), ("ifft", True)):
        rng = rng_for(op)
        specs = [
            ("length_1", crandn(rng, 1), {}),
            ("prime_31", crandn(rng, 31), {}),
            ("pow2_1024_batch", crandn(rng, 2, 1024), {}),
            ("pow2_4096", crandn(rng, 4096), {}),
            ("odd_105_ortho", crandn(rng, 105), {"norm": "ortho"}),
            ("pad_n_100_to_128", crandn(rng, 100), {"n": 128}),
            ("crop_n_64_to_48_forward", crandn(rng, 64), {"n": 48, "norm": "forward"}),
            ("axis0_16", crandn(rng, 16, 5), {"axis": 0}),
            ("real_input_512", randn(rng, 512), {}),
            ("dynamic_range_256", f32(crandn(rng, 256) * 10.0 ** rng.uniform(-6, 6, 256)), {}),
        ]
        for name, x, opts in specs:
            axis = opts.get("axis", -1)
            n = opts.get("n", x.shape[axis])
            y = dft_def(
                resize(x, n, axis), inverse=inverse, norm=opts.get("norm", "backward"), axis=axis
            )
            cases.append(
                Case(
                    op,
                    name,
                    {"x": x},
                    {"y": out64(y)},
                    n=n,
                    options=opts,
                    description=f"{op} of shape {x.shape}, options {opts or 'default'} (numpy.fft semantics)",
                    formula=(fidft if inverse else fdft) + "; n crops or zero-pads the input",
                    tags=("pow2",) if n & (n - 1) == 0 else (),
                )
            )
    rng = rng_for("rfft")
    rfft_specs: list[tuple[str, np.ndarray, dict[str, Any]]] = [
        ("length_1", randn(rng, 1), {}),
        ("length_2", randn(rng, 2), {}),
        ("prime_61", randn(rng, 61), {}),
        ("pow2_4096", randn(rng, 4096), {}),
        ("batch_3x128_ortho", randn(rng, 3, 128), {"norm": "ortho"}),
        ("pad_n_50_to_64", randn(rng, 50), {"n": 64}),
        ("odd_n_63_forward", randn(rng, 64), {"n": 63, "norm": "forward"}),
        ("axis0_10", randn(rng, 10, 4), {"axis": 0}),
    ]
    for name, x, opts in rfft_specs:
        axis = opts.get("axis", -1)
        n = opts.get("n", x.shape[axis])
        y = np.moveaxis(
            np.moveaxis(
                dft_def(resize(x, n, axis), norm=opts.get("norm", "backward"), axis=axis), axis, -1
            )[..., : n // 2 + 1],
            -1,
            axis,
        )
        cases.append(
            Case(
                "rfft",
                name,
                {"x": x},
                {"y": out64(y)},
                n=n,
                options=opts,
                description=f"rfft of real shape {x.shape}, options {opts or 'default'}: bins 0..n//2",
                formula="X_k = s * sum_n x_n exp(-2 pi i k n / N), k = 0..N//2",
                tags=("pow2",) if n & (n - 1) == 0 else (),
            )
        )
    rng = rng_for("irfft")
    irfft_specs: list[tuple[str, int, dict[str, Any]]] = [
        ("length_1", 1, {}),
        ("even_n_default_33", 33, {}),
        ("odd_n_65", 33, {"n": 65}),
        ("pow2_n_4096", 2049, {}),
        ("batch_ortho_n_30", 16, {"n": 30, "norm": "ortho"}),
        ("prime_n_97", 49, {"n": 97}),
        ("pad_n_64_from_9", 9, {"n": 64, "norm": "forward"}),
    ]
    for name, m, opts in irfft_specs:
        n = opts.get("n", 2 * (m - 1))
        n = max(n, 1)
        shape = (2, m) if "batch" in name else (m,)
        X = crandn(rng, *shape)
        # A consistent half spectrum: real DC bin, and real Nyquist bin when it exists.
        X[..., 0] = X[..., 0].real
        if n % 2 == 0 and n // 2 < m:
            X[..., n // 2] = X[..., n // 2].real
        if name == "length_1":
            opts = {"n": 1}
            n = 1
        y = irfft_def(X, n, norm=opts.get("norm", "backward"))
        cases.append(
            Case(
                "irfft",
                name,
                {"x": X},
                {"y": out64(y)},
                n=n,
                options=opts,
                description=f"irfft of a half spectrum of shape {X.shape} to n = {n} real samples",
                formula="x_t = s * sum_k Xfull_k exp(+2 pi i k t / n), Xfull the Hermitian extension "
                "of X cropped/padded to n//2+1 bins (imag of DC and Nyquist ignored)",
                tags=("pow2",) if n & (n - 1) == 0 else (),
            )
        )
    rng = rng_for("fwht")
    fwht_specs: list[tuple[str, np.ndarray, dict[str, Any]]] = [
        ("length_1", randn(rng, 1), {}),
        ("length_2", randn(rng, 2), {}),
        ("length_8_batch", randn(rng, 3, 8), {}),
        ("length_1024_ortho", randn(rng, 1024), {"norm": "ortho"}),
        ("length_64_forward", randn(rng, 64), {"norm": "forward"}),
        ("axis0_16", randn(rng, 16, 3), {"axis": 0}),
    ]
    for name, x, opts in fwht_specs:
        axis = opts.get("axis", -1)
        N = x.shape[axis]
        scale = {"backward": RP(1), "ortho": 1 / np.sqrt(RP(N)), "forward": RP(1) / N}[
            opts.get("norm", "backward")
        ]
        y = np.moveaxis(np.moveaxis(ld(x), axis, -1) @ hadamard(N), -1, axis) * scale
        cases.append(
            Case(
                "fwht",
                name,
                {"x": x},
                {"y": out64(y)},
                n=N,
                options=opts,
                description=f"Walsh-Hadamard transform (natural/Sylvester order) of shape {x.shape}",
                formula="y_k = s * sum_n (-1)^popcount(k & n) x_n, s = 1 (backward), N^-1/2 (ortho), 1/N (forward)",
            )
        )
    return cases


def bit_reversal(n: int) -> np.ndarray:
    bits = max(n.bit_length() - 1, 0)
    return np.array([int(format(i, f"0{bits}b")[::-1], 2) if bits else 0 for i in range(n)])


def butterfly_matrix_def(factors: list[np.ndarray], n: int, bit_reverse: bool) -> np.ndarray:
    """Dense B^(n) ... B^(2) P with B^(s) = I_{n/s} kron [[diag f00, diag f01], [diag f10, diag f11]]."""
    M = np.eye(n, dtype=CP)
    if bit_reverse:
        M = M[bit_reversal(n)]
    for f in factors:
        half = f.shape[-1]
        block = np.block([[np.diag(ld(f[i, j]).astype(CP)) for j in range(2)] for i in range(2)])
        M = np.kron(np.eye(n // (2 * half), dtype=CP), block) @ M
    return M


def cases_butterfly() -> list[Case]:
    cases: list[Case] = []
    rng = rng_for("butterfly_apply")

    def dft_factors(n: int) -> list[np.ndarray]:
        levels, s = [], 2
        while s <= n:
            D = twiddle_table(s, -1)[: s // 2]
            ones = np.ones(s // 2, dtype=CP)
            levels.append(f32(out64(np.stack([np.stack([ones, D]), np.stack([ones, -D])]))))
            s *= 2
        return levels

    for name, n, kind, opts, batch in [
        ("dft_factors_1", 1, "dft", {}, ()),
        ("dft_factors_8", 8, "dft", {}, ()),
        ("dft_factors_256_batch", 256, "dft", {}, (3,)),
        ("random_complex_64", 64, "complex", {}, (2,)),
        ("random_complex_32_no_bit_reversal", 32, "complex", {"bit_reverse": False}, ()),
        ("random_real_16_real_input", 16, "real", {}, (2,)),
    ]:
        levels = int(np.log2(n))
        if kind == "dft":
            factors = dft_factors(n)
        elif kind == "complex":
            factors = [crandn(rng, 2, 2, 2**j) for j in range(levels)]
        else:
            factors = [randn(rng, 2, 2, 2**j) for j in range(levels)]
        x = randn(rng, *batch, n) if kind == "real" else crandn(rng, *batch, n)
        M = butterfly_matrix_def(factors, n, opts.get("bit_reverse", True))
        y = ld(x) @ M.T
        if kind == "real":
            y = y.real
        cases.append(
            Case(
                "butterfly_apply",
                name,
                {"factors": factors, "x": x},
                {"y": out64(y)},
                n=n * n,
                options=opts,
                description=f"butterfly transform of x {x.shape} with {kind} tied factors "
                f"(levels s = 2 .. {n}, each (2, 2, s/2))" + (", no bit reversal" if opts else ""),
                formula="y = B^(n) ... B^(2) P x, B^(s) = I_{n/s} kron [[diag f_s[0,0], diag f_s[0,1]], "
                "[diag f_s[1,0], diag f_s[1,1]]], P the bit reversal (if bit_reverse)",
            )
        )
    return cases


def cases_conv() -> list[Case]:
    cases: list[Case] = []
    rng = rng_for("causal_conv")
    formula = "y_t = sum_{s=0}^{min(t, Lk-1)} k_s u_{t-s} + D u_t"
    specs = [
        ("length_1", randn(rng, 1), randn(rng, 1), None),
        ("short_kernel_3", randn(rng, 50), randn(rng, 3), None),
        ("prime_97_full_kernel", randn(rng, 97), randn(rng, 97), None),
        ("kernel_longer_than_input", randn(rng, 40), randn(rng, 64), None),
        ("batch_heads_with_D", randn(rng, 2, 3, 128), randn(rng, 3, 128), randn(rng, 3)),
        ("odd_255_with_D", randn(rng, 4, 255), randn(rng, 4, 255), randn(rng, 4)),
        (
            "decaying_kernel_1000",
            randn(rng, 1000),
            f32(rng.standard_normal(1000) * np.exp(-np.arange(1000) / 100)),
            None,
        ),
        (
            "dynamic_range_256",
            f32(rng.standard_normal(256) * 10.0 ** rng.uniform(-4, 4, 256)),
            randn(rng, 256),
            None,
        ),
        (
            "long_16384",
            randn(rng, 16384),
            f32(rng.standard_normal(16384) / np.sqrt(1 + np.arange(16384))),
            None,
        ),
    ]
    for name, u, k, D in specs:
        y = causal_conv_def(u, k, D)
        L = u.shape[-1]
        taps = min(k.shape[-1], L)
        cases.append(
            Case(
                "causal_conv",
                name,
                {"u": u, "k": k},
                {"y": out64(y)},
                kwargs={} if D is None else {"D": D},
                n=L + taps - 1,
                description=f"causal (linear, not circular) convolution, u {u.shape}, k {k.shape}"
                + ("" if D is None else f", D {D.shape}"),
                formula=formula,
            )
        )
    rng = rng_for("circular_conv")
    for name, L, batch in [
        ("length_1", 1, ()),
        ("length_7", 7, ()),
        ("prime_97_batch", 97, (3,)),
        ("pow2_1024", 1024, ()),
    ]:
        u, k = randn(rng, *batch, L), randn(rng, L)
        cases.append(
            Case(
                "circular_conv",
                name,
                {"u": u, "k": k},
                {"y": out64(circular_conv_def(u, k))},
                n=L,
                description=f"circular convolution, u {u.shape}, k {k.shape}",
                formula="y_t = sum_{s=0}^{L-1} k_s u_{(t-s) mod L}",
            )
        )
    rng = rng_for("toeplitz_matmul")
    for name, n, m in [
        ("size_1", 1, None),
        ("size_5_vector", 5, None),
        ("prime_31_matrix", 31, 4),
        ("size_256_matrix", 256, 3),
        ("size_1000_vector", 1000, None),
    ]:
        c, r = randn(rng, n), randn(rng, n)
        x = randn(rng, n) if m is None else randn(rng, n, m)
        T = toeplitz_def(c, r)
        cases.append(
            Case(
                "toeplitz_matmul",
                name,
                {"c": c, "r": r, "x": x},
                {"y": out64(T @ ld(x))},
                n=2 * n,
                description=f"Toeplitz(c, r) @ x with n = {n}, x {x.shape} (SciPy's convention: r[0] ignored)",
                formula="y_i = sum_j T_ij x_j, T_ij = c_{i-j} (i >= j), r_{j-i} (i < j)",
            )
        )
    return cases


def cases_ssm() -> list[Case]:
    cases: list[Case] = []
    rng = rng_for("discretize")
    A_legs, B_legs = hippo_legs(8)
    A_rand = f32(rng.standard_normal((6, 6)) / 3 - 1.5 * np.eye(6))
    B_rand = randn(rng, 6)
    Lambda = f32(-0.5 + 1j * np.pi * np.arange(4))
    B_diag = crandn(rng, 4)
    A_real = f32(-np.arange(1, 6, dtype=float))
    B_real = randn(rng, 5)
    systems = [
        ("legs8", f32(A_legs), f32(B_legs), f32s(0.01)),
        ("random6", A_rand, B_rand, f32s(0.1)),
        ("diag_complex4", Lambda, B_diag, f32s(0.05)),
        ("diag_real5", A_real, B_real, f32s(0.2)),
    ]
    formulas = {
        "bilinear": "Abar = (I - dt/2 A)^-1 (I + dt/2 A), Bbar = (I - dt/2 A)^-1 dt B",
        "zoh": "Abar = exp(dt A), Bbar = A^-1 (exp(dt A) - I) B = [exp(dt [[A, B], [0, 0]])]_{top right}",
        "euler": "Abar = I + dt A, Bbar = dt B",
        "backward_euler": "Abar = (I - dt A)^-1, Bbar = (I - dt A)^-1 dt B",
    }
    for sys_name, A, B, dt in systems:
        for method, formula in formulas.items():
            Abar, Bbar = discretize_def(A, B, dt, method)
            kind = "diagonal A (N,)" if A.ndim == 1 else "dense A (N, N)"
            cases.append(
                Case(
                    "discretize",
                    f"{sys_name}_{method}",
                    {"A": A, "B": B, "dt": dt},
                    {"Abar": out64(Abar), "Bbar": out64(Bbar)},
                    n=A.shape[-1] ** 2,
                    options={"method": method},
                    description=f"{method} discretization of {kind} {sys_name}, B {B.shape}, dt = {dt}; "
                    "returns (Abar, Bbar)",
                    formula=formula + (" (elementwise for diagonal A)" if A.ndim == 1 else ""),
                )
            )
    rng = rng_for("ssm_kernel")
    A_legs, B_legs = hippo_legs(8)
    legs_bar = discretize_def(A_legs, B_legs, 0.05, "bilinear")
    A_rand = rng.standard_normal((6, 6)) / 3 - np.eye(6)
    rand_bar = discretize_def(A_rand, rng.standard_normal(6), 0.1, "zoh")
    for name, (Abar, Bbar), L in [
        ("legs8_bilinear_L256", legs_bar, 256),
        ("random6_zoh_L100", rand_bar, 100),
        ("random6_zoh_L1", rand_bar, 1),
    ]:
        Abar, Bbar = f32(out64(Abar)), f32(out64(Bbar))
        C = randn(rng, Abar.shape[-1])
        cases.append(
            Case(
                "ssm_kernel",
                name,
                {"Abar": Abar, "Bbar": Bbar, "C": C, "L": L},
                {"K": out64(ssm_kernel_def(Abar, Bbar, C, L))},
                n=L * Abar.shape[-1],
                description=f"SSM convolution kernel of a dense discrete system, N = {Abar.shape[-1]}, L = {L}",
                formula="K_l = C Abar^l Bbar, l = 0..L-1",
            )
        )
    rng = rng_for("s4d_kernel")
    N2 = 8
    lin = f32(-0.5 + 1j * np.pi * np.arange(N2))
    inv = f32(-0.5 + 1j * (2 * N2 / np.pi) * (2 * N2 / (2 * np.arange(N2) + 1) - 1))
    real = f32(-(np.arange(N2) + 1.0) + 0j)
    dts = f32(np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), 3)))
    s4d_specs: list[tuple[str, np.ndarray, float | np.ndarray, int, str]] = [
        ("lin_zoh_L256", lin, f32s(0.05), 256, "zoh"),
        ("lin_bilinear_L256", lin, f32s(0.05), 256, "bilinear"),
        ("inv_zoh_channels_L128", np.broadcast_to(inv, (3, N2)).copy(), dts, 128, "zoh"),
        ("real_bilinear_L1", real, f32s(0.1), 1, "bilinear"),
        ("lin_zoh_prime_L97", lin[:3], f32s(0.02), 97, "zoh"),
        ("inv_bilinear_long_L4096", inv, f32s(0.005), 4096, "bilinear"),
    ]
    for name, Lam, step, L, method in s4d_specs:
        batch = Lam.shape[:-1]
        B = crandn(rng, *batch, Lam.shape[-1])
        C = crandn(rng, *batch, Lam.shape[-1])
        K = s4d_kernel_def(Lam, B, C, step, L, method)
        cases.append(
            Case(
                "s4d_kernel",
                name,
                {"Lambda": Lam, "B": B, "C": C, "dt": step, "L": L},
                {"K": out64(K)},
                n=L * Lam.shape[-1],
                options={"discretization": method},
                description=f"S4D kernel ({method}), Lambda {Lam.shape}, dt "
                + (f"{step}" if isinstance(step, float) else f"per channel {step.shape}")
                + f", L = {L}",
                formula="K_l = 2 Re sum_n C_n Bbar_n Abar_n^l; zoh: Abar = exp(dt Lambda), "
                "Bbar = (exp(dt Lambda) - 1)/Lambda B; bilinear: Abar = (1 + dt Lambda/2)/(1 - dt Lambda/2), "
                "Bbar = dt B/(1 - dt Lambda/2)",
            )
        )
    rng = rng_for("s4_kernel")
    Lam, P, B = legs_dplr(8)
    Lam, P, B = f32(Lam), f32(P), f32(B)
    for name, (Lambda, P_, B_), dt, L in [
        ("legs8_L64", (Lam, P, B), f32s(0.05), 64),
        ("legs8_odd_L37", (Lam, P, B), f32s(0.1), 37),
        (
            "random_rank2_L128",
            (
                f32(-0.5 - 0.3 * rng.random(4) + 1j * np.pi * np.arange(4)),
                crandn(rng, 2, 4, scale=0.5),
                crandn(rng, 4),
            ),
            f32s(0.05),
            128,
        ),
        ("legs8_L1", (Lam, P, B), f32s(0.05), 1),
    ]:
        C = crandn(rng, Lambda.shape[-1])
        K = s4_kernel_def(Lambda, P_, B_, C, dt, L)
        cases.append(
            Case(
                "s4_kernel",
                name,
                {"Lambda": Lambda, "P": P_, "B": B_, "C": C, "dt": dt, "L": L},
                {"K": out64(K)},
                n=L * 2 * Lambda.shape[-1],
                description=f"S4 DPLR kernel (bilinear), N/2 = {Lambda.shape[-1]}, rank {P_.shape[0]}, L = {L}",
                formula="K_l = C_f Abar^l Bbar of the conjugate-expanded system A = diag([Lambda, conj Lambda]) "
                "- sum_r P_f[r] P_f[r]^*, B_f = [B, conj B], C_f = [C, conj C], bilinear with step dt",
            )
        )
    rng = rng_for("ssm_scan")
    A_rand = rng.standard_normal((4, 4)) / 3 - np.eye(4)
    Abar, Bbar = (
        f32(out64(a)) for a in discretize_def(A_rand, rng.standard_normal(4), 0.1, "bilinear")
    )
    C = randn(rng, 4)
    A_legs, B_legs = hippo_legs(8)
    Abar8, Bbar8 = (f32(out64(a)) for a in discretize_def(A_legs, B_legs, 0.02, "zoh"))
    C8 = randn(rng, 8)
    for name, (Ab, Bb, Cc), u, D, x0 in [
        ("random4_L1", (Abar, Bbar, C), randn(rng, 1), None, None),
        ("random4_L200", (Abar, Bbar, C), randn(rng, 200), None, None),
        (
            "random4_batch_D_x0",
            (Abar, Bbar, C),
            randn(rng, 3, 64),
            f32(np.array(0.7)),
            randn(rng, 4),
        ),
        ("legs8_L500", (Abar8, Bbar8, C8), randn(rng, 2, 500), None, None),
    ]:
        kwargs = {}
        if D is not None:
            kwargs["D"] = D
        if x0 is not None:
            kwargs["x0"] = x0
        y = ssm_scan_def(Ab, Bb, Cc, u, D, x0)
        cases.append(
            Case(
                "ssm_scan",
                name,
                {"Abar": Ab, "Bbar": Bb, "C": Cc, "u": u},
                {"y": out64(y)},
                kwargs=kwargs,
                n=u.shape[-1] * Ab.shape[-1],
                description=f"recurrence of a dense discrete SSM, N = {Ab.shape[-1]}, u {u.shape}"
                + ("" if D is None else ", with D")
                + ("" if x0 is None else ", with initial state x0"),
                formula="x_t = Abar x_{t-1} + Bbar u_t, y_t = C x_t + D u_t, x_{-1} = x0 (default 0)",
            )
        )
    return cases


def cases_attention() -> list[Case]:
    cases: list[Case] = []
    rng = rng_for("softmax_attention")
    formula = "y = softmax(scale q k^T + bias [masked j > i if causal]) v, scale default Dk^-1/2"
    softmax_specs: list[
        tuple[str, tuple[int, int, int, int], dict[str, Any], bool, Sequence[str]]
    ] = [
        ("single_token", (1, 1, 4, 3), {}, False, BOTH),
        ("cross_T5_S9", (5, 9, 8, 6), {}, False, BOTH),
        ("causal_T64_heads", (64, 64, 16, 16), {"causal": True}, False, BOTH),
        ("scale_and_bias", (12, 12, 8, 8), {"scale": 0.25}, True, BOTH),
        ("causal_with_bias", (33, 33, 8, 4), {"causal": True}, True, BOTH),
        ("large_logits", (16, 16, 8, 8), {"scale": 1.0}, False, BOTH),
    ]
    for name, (T, S, Dk, Dv), opts, bias, dtypes in softmax_specs:
        batch = (2, 3) if "heads" in name else (2,)
        scale_qk = 4.0 if name == "large_logits" else 1.0
        q, k, v = (
            randn(rng, *batch, T, Dk, scale=scale_qk),
            randn(rng, *batch, S, Dk, scale=scale_qk),
            randn(rng, *batch, S, Dv),
        )
        kwargs = {"bias": randn(rng, T, S)} if bias else {}
        y = softmax_attention_def(q, k, v, bias=kwargs.get("bias"), **opts)
        cases.append(
            Case(
                "softmax_attention",
                name,
                {"q": q, "k": k, "v": v},
                {"y": out64(y)},
                kwargs=kwargs,
                options=opts,
                n=S * Dk,
                dtypes=dtypes,
                description=f"softmax attention q {q.shape}, k {k.shape}, v {v.shape}, options {opts or 'default'}"
                + (", bias (T, S)" if bias else "")
                + (
                    "; logits up to ~150: exp overflows float32 without max-subtraction"
                    if name == "large_logits"
                    else ""
                ),
                formula=formula,
            )
        )
    rng = rng_for("linear_attention")
    linear_specs: list[tuple[str, tuple[int, int, int, int], dict[str, Any]]] = [
        ("single_token", (1, 1, 4, 3), {}),
        ("noncausal_cross_T7_S11", (7, 11, 8, 5), {}),
        ("causal_T100", (100, 100, 16, 24), {"causal": True}),
        ("causal_T130_chunk_tail", (130, 130, 8, 8), {"causal": True}),
        ("noncausal_T64_heads", (64, 64, 8, 8), {}),
        (
            "identity_unnormalized_causal",
            (40, 40, 6, 6),
            {"causal": True, "feature_map": "identity", "normalize": False},
        ),
        ("identity_unnormalized", (20, 30, 6, 6), {"feature_map": "identity", "normalize": False}),
    ]
    for name, (T, S, Dk, Dv), opts in linear_specs:
        batch = (2, 2) if "heads" in name else (2,)
        q, k, v = randn(rng, *batch, T, Dk), randn(rng, *batch, S, Dk), randn(rng, *batch, S, Dv)
        y = linear_attention_def(q, k, v, **opts)
        cases.append(
            Case(
                "linear_attention",
                name,
                {"q": q, "k": k, "v": v},
                {"y": out64(y)},
                options=opts,
                n=S * Dk,
                tags=("causal",) if opts.get("causal") else (),
                description=f"linear attention q {q.shape}, k {k.shape}, v {v.shape}, options {opts or 'default'}",
                formula="y_i = phi(q_i)^T S_i / (phi(q_i)^T z_i + eps), S_i = sum_j phi(k_j) v_j^T, "
                "z_i = sum_j phi(k_j), j over all keys (or j <= i if causal); phi = elu + 1 (or identity); "
                "normalize=False drops the denominator; eps = 1e-6",
            )
        )
    rng = rng_for("kernelized_rpe_attention")
    rpe_specs: list[tuple[str, tuple[int, int, int], dict[str, Any]]] = [
        ("single_token", (1, 4, 3), {}),
        ("T16", (16, 8, 8), {}),
        ("causal_T37", (37, 8, 6), {"causal": True}),
        ("T128_heads", (128, 8, 8), {}),
        ("wide_bias_range", (24, 4, 4), {}),
    ]
    for name, (T, Dk, Dv), opts in rpe_specs:
        batch = (2, 2) if "heads" in name else (2,)
        q, k, v = randn(rng, *batch, T, Dk), randn(rng, *batch, T, Dk), randn(rng, *batch, T, Dv)
        b = randn(rng, *batch, 2 * T - 1, scale=3.0 if name == "wide_bias_range" else 1.0)
        if opts.get("causal"):
            # Put max(b) at r = 0 so that "c_r = exp(b_r - max b)" means the same whether the max
            # is taken over all offsets or only over the kept ones (r <= 0): eps is added to
            # that normalised denominator, so the two readings would differ by ~eps otherwise.
            b[..., T - 1] = np.max(b, axis=-1) + 0.5
        y = rpe_attention_def(q, k, v, b, **opts)
        cases.append(
            Case(
                "kernelized_rpe_attention",
                name,
                {"q": q, "k": k, "v": v, "b": b},
                {"y": out64(y)},
                options=opts,
                n=2 * T * Dk,
                description=f"kernelized attention with Toeplitz RPE, q {q.shape}, b {b.shape}, options {opts or 'default'}",
                formula="z_i = sum_j c_{j-i} phi(q_i).phi(k_j) v_j / (sum_j c_{j-i} phi(q_i).phi(k_j) + eps), "
                "c_r = exp(b_r - max b), b[r + T - 1] = b_r, c_r = 0 for r > 0 if causal; phi = elu + 1, eps = 1e-6",
            )
        )
    return cases


def cases_fftnet() -> list[Case]:
    cases: list[Case] = []
    rng = rng_for("fftnet_mixer")
    for name, (Bn, N, Dm, H) in [
        ("N8_D8_H2", (2, 8, 8, 2)),
        ("odd_N9_D12_H3", (1, 9, 12, 3)),
        ("N64_D16_H4", (2, 64, 16, 4)),
        ("single_token_N1", (1, 1, 4, 1)),
    ]:
        F = N // 2 + 1
        fields = {
            "base_filter": np.ones((H, F, 1)),
            "w1": randn(rng, Dm, Dm, scale=1 / np.sqrt(Dm)),
            "b1": randn(rng, Dm, scale=0.1),
            "w2": randn(rng, Dm, H * F, scale=1 / np.sqrt(Dm)),
            "b2": randn(rng, H * F, scale=0.1),
            "modrelu_bias": np.full((H, F, 1), f32s(-0.1)),
            "ln_weight": f32(1 + 0.1 * rng.standard_normal(Dm)),
            "ln_bias": randn(rng, Dm, scale=0.1),
        }
        x = randn(rng, Bn, N, Dm)
        y = fftnet_mixer_def(x, fields, H)
        cases.append(
            Case(
                "fftnet_mixer",
                name,
                {"x": x, "params": Params("FFTNetParams", fields)},
                {"y": out64(y)},
                n=N * Dm,
                description=f"FFTNet v1 spectral mixer, x {x.shape}, heads {H} (params fields as in FFTNetParams)",
                formula="heads -> rfft_t (ortho) -> W = base + tanh(W2 gelu(W1 mean_t x + b1) + b2) -> modReLU(Z W) "
                "(eps 1e-3) -> irfft (ortho) -> merge -> LayerNorm(x + y) (eps 1e-5)",
            )
        )
    return cases


def uniform(rng: np.random.Generator, *shape: int, bound: float) -> np.ndarray:
    return f32(rng.uniform(-bound, bound, shape))


def linear(rng: np.random.Generator, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Input-major weight (fan_in, fan_out) and bias, PyTorch's U(+-1/sqrt(fan_in))."""
    bound = 1 / np.sqrt(fan_in)
    return uniform(rng, fan_in, fan_out, bound=bound), uniform(rng, fan_out, bound=bound)


def h3_fields(
    rng: np.random.Generator, dim: int, N: int, head_dim: int, n_shift: int
) -> dict[str, np.ndarray]:
    """Random H3Params fields (same names, order and shapes as the dataclass)."""
    heads, modes = dim // head_dim, N // 2
    (wq, bq), (wk, bk), (wv, bv) = (linear(rng, dim, dim) for _ in range(3))
    shift_kernel = uniform(rng, dim, n_shift, bound=1 / np.sqrt(n_shift))
    shift_D = randn(rng, dim)
    Lambda = f32(np.broadcast_to(-0.5 + 1j * np.pi * np.arange(modes), (heads, modes)))  # S4D-Lin
    B, C = crandn(rng, heads, modes), crandn(rng, heads, modes)
    dt = f32(np.exp(rng.uniform(np.log(0.05), np.log(0.5), heads)))  # the kernel matters over L
    D = randn(rng, heads)
    wo, bo = linear(rng, dim, dim)
    return {
        "wq": wq, "bq": bq, "wk": wk, "bk": bk, "wv": wv, "bv": bv,
        "shift_kernel": shift_kernel, "shift_D": shift_D, "Lambda": Lambda, "B": B, "C": C,
        "dt": dt, "D": D, "wo": wo, "bo": bo,
    }  # fmt: skip


def hyena_fields(
    rng: np.random.Generator,
    dim: int,
    l_max: int,
    order: int,
    width: int,
    emb: int,
    inner: int,
    short: int,
) -> dict[str, np.ndarray]:
    """Random HyenaParams fields; positional features and decay rates as in hyena_init."""
    channels, filters = (order + 1) * dim, (order - 1) * dim
    w_in, b_in = linear(rng, dim, channels)
    short_filter = uniform(rng, channels, short, bound=1 / np.sqrt(short))
    short_bias = uniform(rng, channels, bound=1 / np.sqrt(short))
    pos_t = np.linspace(0.0, 1.0, l_max)
    bands = (emb - 1) // 2
    omega = 2 * np.pi * np.arange(l_max) / l_max
    rotation = np.exp(-1j * np.linspace(1e-4, bands - 1, bands)[None, :] * omega[:, None])
    pos_z = np.concatenate([pos_t[:, None], rotation.real, rotation.imag], axis=-1)
    filter_w0, filter_b0 = linear(rng, emb, width)
    layers = [linear(rng, width, width) for _ in range(inner)]
    filter_w_inner = np.stack([w for w, _ in layers]) if inner else np.zeros((0, width, width))
    filter_b_inner = np.stack([b for _, b in layers]) if inner else np.zeros((0, width))
    filter_w_out = linear(rng, width, filters)[0]
    filter_freq = f32(1 + 0.2 * rng.standard_normal(width))
    decay = np.linspace(np.log(1e-2) / 1.5, np.log(1e-2) / 0.3, filters)
    filter_bias = randn(rng, filters)
    w_out, b_out = linear(rng, dim, dim)
    return {
        "w_in": w_in, "b_in": b_in, "short_filter": short_filter, "short_bias": short_bias,
        "pos_z": f32(pos_z), "pos_t": f32(pos_t), "filter_w0": filter_w0, "filter_b0": filter_b0,
        "filter_w_inner": filter_w_inner, "filter_b_inner": filter_b_inner,
        "filter_w_out": filter_w_out, "filter_freq": filter_freq, "decay": f32(decay),
        "filter_bias": filter_bias, "w_out": w_out, "b_out": b_out,
    }  # fmt: skip


def gss_fields(
    rng: np.random.Generator, dim: int, hidden: int, ssm_dim: int, N: int
) -> dict[str, np.ndarray]:
    """Random GSSParams fields (Lambda = -exp(a) + i exp(b) as in the DSS/GSS port)."""
    modes = N // 2
    ln_weight = f32(1 + 0.1 * rng.standard_normal(dim))
    ln_bias = randn(rng, dim, scale=0.1)
    w_v, b_v = linear(rng, dim, hidden)
    w_u, b_u = linear(rng, dim, ssm_dim)
    Lambda = f32(
        -np.exp(rng.standard_normal((ssm_dim, modes)))
        + 1j * np.exp(rng.standard_normal((ssm_dim, modes)))
    )
    C = crandn(rng, ssm_dim, modes)
    D = randn(rng, ssm_dim)
    w_c, b_c = linear(rng, ssm_dim, hidden)
    w_o, b_o = linear(rng, hidden, dim)
    return {
        "ln_weight": ln_weight, "ln_bias": ln_bias, "w_v": w_v, "b_v": b_v, "w_u": w_u,
        "b_u": b_u, "Lambda": Lambda, "C": C, "D": D, "w_c": w_c, "b_c": b_c, "w_o": w_o,
        "b_o": b_o,
    }  # fmt: skip


def cases_operators() -> list[Case]:
    cases: list[Case] = []
    rng = rng_for("h3")
    for name, batch, L, (dim, N, hd, n_shift), disc in [
        ("L1_D4_p1", (1,), 1, (4, 8, 1, 4), "bilinear"),
        ("L7_D4_p2_zoh_shift_longer_than_L", (2,), 7, (4, 4, 2, 16), "zoh"),
        ("L64_D4_p2", (2,), 64, (4, 8, 2, 8), "bilinear"),
        ("unbatched_L64_D6_p3_zoh", (), 64, (6, 8, 3, 4), "zoh"),
    ]:
        fields = h3_fields(rng, dim, N, hd, n_shift)
        u = randn(rng, *batch, L, dim)
        opts = {} if disc == "bilinear" else {"discretization": disc}
        cases.append(
            Case(
                "h3",
                name,
                {"u": u, "params": Params("H3Params", fields)},
                {"y": out64(h3_def(u, fields, disc))},
                options=opts,
                n=L * dim,
                description=f"H3 layer ({disc}), u {u.shape}, D = {dim}, head size {hd}, "
                f"N = {N}, shift FIR length {n_shift} (params fields as in H3Params)",
                formula="q, k, v = u W + b; k' = shift_kernel * k + shift_D k; kv_{h,i,j} = k'_{h,i} v_{h,j}; "
                "s = SSM_h(kv): x_t = Abar x_{t-1} + Bbar kv_t, s_t = 2 Re(C.x_t) + D_h kv_t "
                "(S4D discretization of Lambda, B with step dt_h); y_{h,j} = sum_i q_{h,i} s_{h,i,j}; "
                "out = y W_o + b_o (channel h p + i; * = causal convolution over time)",
            )
        )
    rng = rng_for("hyena")
    for name, batch, L, (dim, l_max, order, width, emb, inner) in [
        ("order2_L1", (1,), 1, (4, 8, 2, 8, 3, 2)),
        ("order2_L7_lmax16", (2,), 7, (4, 16, 2, 8, 3, 2)),
        ("order2_L64_no_inner_mlp", (2,), 64, (4, 64, 2, 8, 3, 0)),
        ("order3_L64_emb5", (1,), 64, (4, 64, 3, 6, 5, 1)),
    ]:
        fields = hyena_fields(rng, dim, l_max, order, width, emb, inner, 3)
        u = randn(rng, *batch, L, dim)
        cases.append(
            Case(
                "hyena",
                name,
                {"u": u, "params": Params("HyenaParams", fields)},
                {"y": out64(hyena_def(u, fields))},
                n=(order - 1) * L * dim,
                description=f"Hyena operator of order {order}, u {u.shape}, l_max = {l_max}, "
                f"filter MLP width {width}, {inner} inner layers, E = {emb} (params fields as in HyenaParams)",
                formula="z = short_filter * (u W_in + b_in) + short_bias = (x_0 .. x_{o-1}, v); "
                "h_j(t) = [sin-MLP(pos_z_t)]_j exp(-pos_t_t |decay_j|); "
                "v <- h_j * (x_{o-j} v) + filter_bias_j (x_{o-j} v), j = 0..o-2; out = (x_0 v) W_out + b_out",
            )
        )
    rng = rng_for("gss")
    for name, batch, L, (dim, hidden, ssm_dim, N) in [
        ("L1_E4", (1,), 1, (4, 16, 1, 4)),
        ("L7_E8_F16_H3", (2,), 7, (8, 16, 3, 6)),
        ("L64_E4_F16_H2", (2,), 64, (4, 16, 2, 8)),
        ("unbatched_L64_E6_F12_H2", (), 64, (6, 12, 2, 16)),
    ]:
        fields = gss_fields(rng, dim, hidden, ssm_dim, N)
        u = randn(rng, *batch, L, dim)
        cases.append(
            Case(
                "gss",
                name,
                {"u": u, "params": Params("GSSParams", fields)},
                {"y": out64(gss_def(u, fields))},
                n=L * dim,
                description=f"GSS block, u {u.shape}, E = {dim}, F = {hidden}, H = {ssm_dim}, N = {N} "
                "(params fields as in GSSParams)",
                formula="x = LayerNorm(u) (eps 1e-5); v = GELU(x W_v + b_v); z = GELU(x W_u + b_u); "
                "y = SSM(z): x_t = exp(Lambda) x_{t-1} + (exp(Lambda) - 1)/Lambda z_t, y_t = 2 Re(C.x_t) + D z_t; "
                "out = ((y W_c + b_c) v) W_o + b_o + u (exact erf GELU)",
            )
        )
    return cases


GROUPS: list[Callable[[], list[Case]]] = [
    cases_fourier,
    cases_butterfly,
    cases_conv,
    cases_ssm,
    cases_attention,
    cases_fftnet,
    cases_operators,
]


def generate(out: Path) -> dict:
    """Write ``out/cases/<op>.npz`` and ``out/manifest.json``; return the manifest."""
    cases = [case for group in GROUPS for case in group()]
    (out / "cases").mkdir(parents=True, exist_ok=True)
    by_op: dict[str, list[Case]] = {}
    for case in cases:
        by_op.setdefault(case.op, []).append(case)
    entries = []
    for op, op_cases in by_op.items():
        file = f"cases/{op}.npz"
        members: dict[str, np.ndarray] = {}
        for case in op_cases:
            entry, arrays = _manifest_case(case, file)
            entries.append(entry)
            members.update(arrays)
        write_npz(out / file, members)
    manifest = {
        "format_version": FORMAT_VERSION,
        "generator": "reference/generate.py",
        "description": "Golden cases of specconv: inputs (float32-representable values stored in "
        "float64/complex128) and expected outputs computed from definitions in extended precision, "
        "rounded to float64. See reference/README.md.",
        "budget": "normwise relative error max|y - y_ref| / max|y_ref| <= 16 eps(dtype) (1 + log2 n)",
        "ops": sorted(by_op),
        "cases": entries,
    }
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="output directory (default: the reference/ folder of this file)",
    )
    args = parser.parse_args(argv)
    manifest = generate(args.out)
    print(f"wrote {len(manifest['cases'])} cases of {len(manifest['ops'])} ops to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
