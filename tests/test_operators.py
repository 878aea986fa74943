"""Tests of specconv.operators: H3, Hyena, GSS.

Two kinds of references:

* the library's ``*_reference`` twins (dense Toeplitz convolutions, mode-by-mode kernels), on
  every backend;
* independent NumPy float64 implementations written here from the papers' definitions: the
  SSMs run as their *recurrence* x_t = Abar x_{t-1} + Bbar w_t, y_t = 2 Re(C x_t) + D w_t, the
  convolutions as ``np.convolve``, GELU from ``math.erf``.
"""

from __future__ import annotations

import dataclasses
import math
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import specconv as sc
from specconv.testing import assert_close, tolerance
from tests.helpers import to_numpy

# ---------------------------------------------------------------------------------------------
# NumPy definitions
# ---------------------------------------------------------------------------------------------


def as_numpy(params: Any) -> dict[str, np.ndarray]:
    return {f.name: to_numpy(getattr(params, f.name)) for f in dataclasses.fields(params)}


def move(xp: ModuleType, params: Any, dtype: Any = None) -> Any:
    """The same parameters in namespace ``xp`` (real arrays cast to ``dtype`` when given)."""
    values = {}
    for name, value in as_numpy(params).items():
        if dtype is not None and not np.iscomplexobj(value):
            values[name] = xp.asarray(value, dtype=dtype)
        else:
            values[name] = xp.asarray(value)
    return type(params)(**values)


def causal_np(u: np.ndarray, k: np.ndarray) -> np.ndarray:
    """y_t = sum_{s <= t} k_s u_{t-s} along the last axis (np.convolve, truncated)."""
    L = u.shape[-1]
    u2 = u.reshape(-1, L)
    k2 = (
        np.broadcast_to(k, (*u.shape[:-1], k.shape[-1])).reshape(-1, k.shape[-1])
        if k.ndim > 1
        else None
    )
    rows = [np.convolve(u2[i], k if k2 is None else k2[i])[:L] for i in range(u2.shape[0])]
    return np.stack(rows).reshape(u.shape)


def discretize_np(
    Lambda: np.ndarray, B: np.ndarray, dt: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray]:
    dtL = dt[..., None] * Lambda
    if method == "zoh":
        return np.exp(dtL), (np.exp(dtL) - 1) / Lambda * B
    return (1 + dtL / 2) / (1 - dtL / 2), dt[..., None] * B / (1 - dtL / 2)


def recurrence_np(
    Abar: np.ndarray, Bbar: np.ndarray, C: np.ndarray, D: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """Diagonal SSM as a scan over the last axis of ``w`` (conjugate-half storage: 2 Re)."""
    state = np.zeros(np.broadcast_shapes((*w.shape[:-1], 1), Abar.shape), dtype=complex)
    out = np.empty(np.broadcast_shapes(w.shape, D[..., None].shape))
    for t in range(w.shape[-1]):
        state = Abar * state + Bbar * w[..., t, None]
        out[..., t] = 2 * np.real(np.sum(C * state, axis=-1)) + D * w[..., t]
    return out


def gelu_np(x: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))(x)


def h3_np(u: np.ndarray, p: dict[str, np.ndarray], disc: str) -> np.ndarray:
    batch, L, dim = u.shape
    heads = p["Lambda"].shape[0]
    hd = dim // heads
    q, k, v = (u @ p["w" + n] + p["b" + n] for n in "qkv")
    k = np.moveaxis(k, 1, 2)  # (B, D, L)
    k = causal_np(k, p["shift_kernel"]) + p["shift_D"][:, None] * k
    k = k.reshape(batch, heads, hd, 1, L)
    v = np.moveaxis(v, 1, 2).reshape(batch, heads, 1, hd, L)
    q = np.moveaxis(q, 1, 2).reshape(batch, heads, hd, 1, L)
    Abar, Bbar = discretize_np(p["Lambda"], p["B"], p["dt"], disc)
    expand = (heads, 1, 1, -1)
    s = recurrence_np(
        Abar.reshape(expand), Bbar.reshape(expand), p["C"].reshape(expand),
        p["D"].reshape(heads, 1, 1), k * v,
    )  # fmt: skip
    y = (q * s).sum(axis=2).reshape(batch, dim, L)
    return np.moveaxis(y, 1, 2) @ p["wo"] + p["bo"]


def hyena_np(u: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    _batch, L, dim = u.shape
    order = p["w_in"].shape[1] // dim - 1
    z = np.moveaxis(u @ p["w_in"] + p["b_in"], 1, 2)
    z = causal_np(z, p["short_filter"]) + p["short_bias"][:, None]
    xs = [z[:, i * dim : (i + 1) * dim] for i in range(order + 1)]
    a = np.sin(p["filter_freq"] * (p["pos_z"][:L] @ p["filter_w0"] + p["filter_b0"]))
    for m in range(p["filter_w_inner"].shape[0]):
        a = np.sin(p["filter_freq"] * (a @ p["filter_w_inner"][m] + p["filter_b_inner"][m]))
    h = (a @ p["filter_w_out"]) * np.exp(-p["pos_t"][:L, None] * np.abs(p["decay"]))
    h = h.T.reshape(order - 1, dim, L)
    bias = p["filter_bias"].reshape(order - 1, dim)
    v = xs[-1]
    for j, gate in enumerate(reversed(xs[1:-1])):
        v = v * gate
        v = causal_np(v, h[j]) + bias[j][:, None] * v
    y = np.moveaxis(v * xs[0], 1, 2)
    return y @ p["w_out"] + p["b_out"]


def gss_np(u: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    mean = u.mean(-1, keepdims=True)
    var = ((u - mean) ** 2).mean(-1, keepdims=True)
    x = (u - mean) / np.sqrt(var + 1e-5) * p["ln_weight"] + p["ln_bias"]
    v = gelu_np(x @ p["w_v"] + p["b_v"])
    z = np.moveaxis(gelu_np(x @ p["w_u"] + p["b_u"]), 1, 2)  # (B, H, L)
    ssm_dim = p["Lambda"].shape[0]
    Abar, Bbar = discretize_np(p["Lambda"], np.ones_like(p["Lambda"]), np.ones(ssm_dim), "zoh")
    y = np.moveaxis(recurrence_np(Abar, Bbar, p["C"], p["D"], z), 1, 2)
    return ((y @ p["w_c"] + p["b_c"]) * v) @ p["w_o"] + p["b_o"] + u


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

# JAX compiles every primitive per new shape (seconds per case): one H3 case runs there.
_JAX_SLOW = pytest.mark.skip_backend("jax.numpy", reason="compile time; same code as p1 on jax")
H3_CASES = [
    pytest.param({"d_model": 4, "d_state": 8, "head_dim": 1}, "bilinear", id="p1-bilinear"),
    pytest.param({"d_model": 4, "d_state": 4, "head_dim": 2}, "zoh", id="p2-zoh", marks=_JAX_SLOW),
    pytest.param(
        {"d_model": 4, "d_state": 64, "head_dim": 4}, "bilinear", id="p3-longshift", marks=_JAX_SLOW
    ),
]
HYENA_CASES = [
    pytest.param({"order": 2, "filter_order": 8}, id="order2"),
    pytest.param({"order": 3, "filter_order": 6, "emb_dim": 5, "num_inner_mlps": 1}, id="order3"),
]
L = 24


def h3_params(kwargs: dict[str, Any], seed: int = 1) -> sc.H3Params:
    p = sc.h3_init(kwargs.pop("d_model"), seed=seed, **kwargs)
    # larger dt than the init so the SSM kernel matters over L steps
    return dataclasses.replace(p, dt=np.linspace(0.05, 0.5, p.dt.shape[0]))


# ---------------------------------------------------------------------------------------------
# H3
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "disc"), H3_CASES)
def test_h3_equals_dense_reference(
    xp: ModuleType, rng: np.random.Generator, kwargs: dict[str, Any], disc: str
) -> None:
    params = h3_params(dict(kwargs))
    u = rng.standard_normal((2, L, kwargs["d_model"]))
    p = move(xp, params)
    got = sc.h3(xp.asarray(u), p, discretization=disc)
    assert got.dtype == xp.float64
    assert tuple(got.shape) == u.shape
    assert_close(got, sc.h3_reference(xp.asarray(u), p, discretization=disc), n=L)


@pytest.mark.parametrize(("kwargs", "disc"), H3_CASES)
def test_h3_equals_recurrence_numpy(
    rng: np.random.Generator, kwargs: dict[str, Any], disc: str
) -> None:
    params = h3_params(dict(kwargs))
    u = rng.standard_normal((2, L, kwargs["d_model"]))
    want = h3_np(u, as_numpy(params), disc)
    assert_close(sc.h3(u, params, discretization=disc), want, n=L)
    assert_close(sc.h3_reference(u, params, discretization=disc), want, n=L)


def test_h3_unbatched_and_float32(xp: ModuleType, rng: np.random.Generator) -> None:
    params = h3_params({"d_model": 4, "d_state": 8, "head_dim": 2})
    u = rng.standard_normal((L, 4))
    want = h3_np(u[None], as_numpy(params), "bilinear")[0]
    got = sc.h3(xp.asarray(u, dtype=xp.float32), move(xp, params, xp.float32))
    assert got.dtype == xp.float32
    assert_close(got, want, n=L * 4)


# ---------------------------------------------------------------------------------------------
# Hyena
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", HYENA_CASES)
def test_hyena_equals_dense_reference(
    xp: ModuleType, rng: np.random.Generator, kwargs: dict[str, Any]
) -> None:
    params = sc.hyena_init(4, 32, seed=2, **kwargs)
    u = rng.standard_normal((2, L, 4))
    p = move(xp, params)
    got = sc.hyena(xp.asarray(u), p)
    assert got.dtype == xp.float64
    assert_close(got, sc.hyena_reference(xp.asarray(u), p), n=L)


@pytest.mark.parametrize("kwargs", HYENA_CASES)
def test_hyena_equals_convolve_numpy(rng: np.random.Generator, kwargs: dict[str, Any]) -> None:
    params = sc.hyena_init(4, 32, seed=2, **kwargs)
    u = rng.standard_normal((2, L, 4))
    want = hyena_np(u, as_numpy(params))
    assert_close(sc.hyena(u, params), want, n=L)
    assert_close(sc.hyena_reference(u, params), want, n=L)


def test_hyena_filter_is_slice_of_l_max_filter(rng: np.random.Generator) -> None:
    # the output at t < L does not depend on L (causal and the filter is sliced, not resampled)
    params = sc.hyena_init(4, 40, seed=3, filter_order=8)
    u = rng.standard_normal((1, 40, 4))
    full = sc.hyena(u, params)
    part = sc.hyena(u[:, :17], params)
    assert_close(part, full[:, :17], n=40)


def test_hyena_too_long_input() -> None:
    params = sc.hyena_init(2, 8, filter_order=4)
    with pytest.raises(ValueError, match="l_max"):
        sc.hyena(np.ones((9, 2)), params)


# ---------------------------------------------------------------------------------------------
# GSS
# ---------------------------------------------------------------------------------------------


def test_gss_equals_dense_reference(xp: ModuleType, rng: np.random.Generator) -> None:
    params = sc.gss_init(4, d_state=8, seed=4)
    u = rng.standard_normal((2, L, 4))
    p = move(xp, params)
    got = sc.gss(xp.asarray(u), p)
    assert got.dtype == xp.float64
    assert_close(got, sc.gss_reference(xp.asarray(u), p), n=L)


def test_gss_equals_recurrence_numpy(rng: np.random.Generator) -> None:
    params = sc.gss_init(8, d_state=6, ssm_dim=3, expansion=2, seed=5)
    u = rng.standard_normal((2, L, 8))
    want = gss_np(u, as_numpy(params))
    assert_close(sc.gss(u, params), want, n=L)
    assert_close(sc.gss_reference(u, params), want, n=L)


# ---------------------------------------------------------------------------------------------
# Laws shared by the three operators
# ---------------------------------------------------------------------------------------------


def _operators() -> list[Any]:
    return [
        pytest.param(
            sc.h3, lambda: h3_params({"d_model": 4, "d_state": 8, "head_dim": 2}), id="h3"
        ),
        pytest.param(sc.hyena, lambda: sc.hyena_init(4, 32, filter_order=8), id="hyena"),
        pytest.param(sc.gss, lambda: sc.gss_init(4, d_state=8), id="gss"),
    ]


@pytest.mark.parametrize(("op", "make"), _operators())
def test_causal(xp: ModuleType, rng: np.random.Generator, op: Any, make: Any) -> None:
    params = move(xp, make())
    u = rng.standard_normal((2, L, 4))
    t0 = 13
    changed = u.copy()
    changed[:, t0:] += 10 * rng.standard_normal((2, L - t0, 4))
    before = to_numpy(op(xp.asarray(u), params))
    after = to_numpy(op(xp.asarray(changed), params))
    # FFT round-off spreads ~eps * max|y| over every position: compare normwise
    scale = max(np.abs(before).max(), np.abs(after).max())
    assert np.abs(after[:, :t0] - before[:, :t0]).max() <= tolerance(np.float64, n=L) * scale
    assert np.abs(after[:, t0:] - before[:, t0:]).max() > 1e-3 * scale


@pytest.mark.parametrize(("op", "make"), _operators())
def test_float16_computed_in_float32(rng: np.random.Generator, op: Any, make: Any) -> None:
    params = make()
    u = rng.standard_normal((1, 8, 4))
    got = op(u.astype(np.float16), move(np, params, np.float16))
    assert got.dtype == np.float16
    assert np.all(np.isfinite(got.astype(np.float64)))


@pytest.mark.parametrize(("op", "make"), _operators())
def test_does_not_mutate(rng: np.random.Generator, op: Any, make: Any) -> None:
    params = make()
    before = {k: v.copy() for k, v in as_numpy(params).items()}
    u = rng.standard_normal((1, 8, 4))
    u_copy = u.copy()
    op(u, params)
    assert np.array_equal(u, u_copy)
    assert all(np.array_equal(before[k], v) for k, v in as_numpy(params).items())


def test_shape_and_type_errors() -> None:
    h = sc.h3_init(4, d_state=4)
    with pytest.raises(TypeError, match="H3Params"):
        sc.h3(np.ones((3, 4)), sc.gss_init(4, d_state=4))
    with pytest.raises(ValueError, match=r"params\.wq"):
        sc.h3(np.ones((3, 8)), h)
    with pytest.raises(ValueError, match="dimension"):
        sc.h3(np.ones(4), h)
    with pytest.raises(ValueError, match="discretization"):
        sc.h3(np.ones((3, 4)), h, discretization="euler")
    with pytest.raises(ValueError, match=r"params\.b_o"):
        sc.gss(np.ones((3, 4)), dataclasses.replace(sc.gss_init(4, d_state=4), b_o=np.ones(3)))
    with pytest.raises(ValueError, match="w_in"):
        sc.hyena(np.ones((3, 5)), sc.hyena_init(4, 8, filter_order=4))
    with pytest.raises(ValueError, match="even"):
        sc.h3_init(4, d_state=3)
    with pytest.raises(ValueError, match="divide"):
        sc.h3_init(4, head_dim=3)
    with pytest.raises(ValueError, match="order"):
        sc.hyena_init(4, 8, order=1)
    with pytest.raises(ValueError, match="emb_dim"):
        sc.hyena_init(4, 8, emb_dim=4)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="one array library"):
        sc.gss(torch.ones((3, 4), dtype=torch.float64), sc.gss_init(4, d_state=4))


def test_init_namespace_and_dtypes(xp: ModuleType) -> None:
    for params in (
        sc.h3_init(4, d_state=4, xp=xp, dtype=xp.float32),
        sc.hyena_init(4, 8, filter_order=4, xp=xp, dtype=xp.float32),
        sc.gss_init(4, d_state=4, xp=xp, dtype=xp.float32),
    ):
        for f in dataclasses.fields(params):
            value = getattr(params, f.name)
            assert value.dtype in (xp.float32, xp.complex64), f.name
        assert params.Lambda.dtype == xp.complex64 if hasattr(params, "Lambda") else True
    a = as_numpy(sc.h3_init(4, d_state=4, seed=7))
    b = as_numpy(sc.h3_init(4, d_state=4, seed=7))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.allclose(a["Lambda"], sc.s4d_init("lin", 4)[None, :])
    g = as_numpy(sc.gss_init(8, d_state=6))
    assert g["w_v"].shape == (8, 32)
    assert g["Lambda"].shape == (2, 3)
    assert np.all(g["Lambda"].real < 0)
