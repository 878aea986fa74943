"""Tests of specconv.fftnet: erf/GELU, modReLU, spectral_filter and the FFTNet mixer.

The reference layer below is written from the definitions in NumPy float64: the ortho real
DFT and its inverse as dense cosine/sine matrices built from the integer products k*t mod N,
GELU from ``math.erf``, LayerNorm written out. It never calls an FFT.
"""

from __future__ import annotations

import dataclasses
import math
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import specconv as sc
from specconv.fftnet import _erf, _erfc, _gelu
from specconv.testing import assert_close, tolerance
from tests.helpers import backend_name, to_numpy

EPS64 = float(np.finfo(np.float64).eps)


# --------------------------------------------------------------------------------------------
# Definition-level references (NumPy float64)
# --------------------------------------------------------------------------------------------


def rdft_matrices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Re and Im parts of the ortho rfft as (F, N) matrices: X_k = N^-1/2 sum_t x_t w^(kt)."""
    bins = n // 2 + 1
    kt = np.outer(np.arange(bins), np.arange(n)) % n
    angle = 2 * np.pi * kt / n
    return np.cos(angle) / math.sqrt(n), -np.sin(angle) / math.sqrt(n)


def irdft(re: np.ndarray, im: np.ndarray, n: int) -> np.ndarray:
    """Ortho inverse real DFT of a half spectrum (..., F, C) -> (..., N, C), by its definition.

    x_t = N^-1/2 sum_k c_k (Re Z_k cos(2 pi k t/N) - Im Z_k sin(2 pi k t/N)) with c_0 = 1,
    c_{N/2} = 1 for even N and c_k = 2 otherwise (the conjugate half of the spectrum).
    """
    bins = n // 2 + 1
    tk = np.outer(np.arange(n), np.arange(bins)) % n
    angle = 2 * np.pi * tk / n
    weight = np.full(bins, 2.0)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0
    cos_m = np.cos(angle) * weight / math.sqrt(n)
    sin_m = np.sin(angle) * weight / math.sqrt(n)
    return cos_m @ re - sin_m @ im


def gelu_ref(x: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda v: 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))))(x)


def layer_norm_ref(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * weight + bias


def fftnet_ref(x: np.ndarray, p: dict[str, np.ndarray], *, normalize: bool = True) -> np.ndarray:
    """FFTNet v1 forward pass from its definition: per head and bin, with dense DFT matrices.

    ``normalize=False`` returns the residual ``x + y`` that enters the LayerNorm.
    """
    batch, n, dim = x.shape
    heads, bins = p["base_filter"].shape[:2]
    dh = dim // heads
    cos_m, sin_m = rdft_matrices(n)
    out = np.empty_like(x)
    for b in range(batch):
        context = x[b].mean(axis=0)
        m = np.tanh(gelu_ref(context @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"])
        m = m.reshape(heads, bins)
        y = np.empty((n, dim))
        for h in range(heads):
            xh = x[b, :, h * dh : (h + 1) * dh]  # (N, dh)
            re, im = cos_m @ xh, sin_m @ xh  # (F, dh)
            filt = (p["base_filter"][h, :, 0] + m[h])[:, None]
            re, im = re * filt, im * filt
            mag = np.hypot(re, im)
            scale = np.maximum(mag + p["modrelu_bias"][h, :, 0][:, None], 0) / np.maximum(mag, 1e-3)
            y[:, h * dh : (h + 1) * dh] = irdft(re * scale, im * scale, n)
        residual = x[b] + y
        out[b] = layer_norm_ref(residual, p["ln_weight"], p["ln_bias"]) if normalize else residual
    return out


def random_params(rng: np.random.Generator, dim: int, n: int, heads: int) -> dict[str, np.ndarray]:
    """Parameters away from the init (so every term matters), as NumPy float64."""
    bins = n // 2 + 1
    return {
        "base_filter": rng.uniform(0.2, 1.5, (heads, bins, 1)),
        "w1": rng.standard_normal((dim, dim)) / math.sqrt(dim),
        "b1": rng.standard_normal(dim) * 0.3,
        "w2": rng.standard_normal((dim, heads * bins)),
        "b2": rng.standard_normal(heads * bins) * 0.3,
        # some bins clipped to zero by the ReLU, some not
        "modrelu_bias": rng.uniform(-1.0, 0.3, (heads, bins, 1)),
        "ln_weight": rng.uniform(0.5, 1.5, dim),
        "ln_bias": rng.standard_normal(dim) * 0.1,
    }


def to_params(xp: ModuleType, p: dict[str, np.ndarray], dtype: object = None) -> sc.FFTNetParams:
    return sc.FFTNetParams(
        **{k: xp.asarray(v) if dtype is None else xp.asarray(v, dtype=dtype) for k, v in p.items()}
    )


def dense_circulant(h: np.ndarray) -> np.ndarray:
    n = h.shape[0]
    idx = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    return h[idx]


# --------------------------------------------------------------------------------------------
# erf / GELU
# --------------------------------------------------------------------------------------------

ERF_GRID = np.concatenate(
    [
        np.linspace(-8.0, 8.0, 4001),
        np.geomspace(1e-300, 30.0, 3001),
        -np.geomspace(1e-300, 30.0, 3001),
        [0.0, 0.46875, -0.46875, 4.0, -4.0, 26.0, -26.0],
    ]
)


def test_erf_matches_math_erf(xp: ModuleType) -> None:
    x = xp.asarray(ERF_GRID)
    got = to_numpy(_erf(xp, x))
    want = np.array([math.erf(v) for v in ERF_GRID])
    rel = np.abs(got - want) / np.maximum(np.abs(want), np.finfo(np.float64).tiny)
    # elementwise relative error: Cody's approximations are below 1e-17, so only the
    # float64 roundings of the rational evaluation remain (measured 2 eps).
    assert float(rel.max()) <= 8 * EPS64


def test_erfc_matches_math_erfc(xp: ModuleType) -> None:
    x = xp.asarray(ERF_GRID)
    got = to_numpy(_erfc(xp, x))
    want = np.array([math.erfc(v) for v in ERF_GRID])
    normal = want > 1e-300  # below that erfc is subnormal: no relative accuracy exists
    rel = np.abs(got - want)[normal] / want[normal]
    assert float(rel.max()) <= 8 * EPS64  # measured 3.7 eps (deep tail, erfc ~ 1e-300)


def test_erf_matches_scipy_float32() -> None:
    special = pytest.importorskip("scipy.special")
    import array_api_compat.numpy as xnp

    x = np.linspace(-6, 6, 1001, dtype=np.float32)
    got = _erf(xnp, x)
    assert got.dtype == np.float32
    assert_close(got, special.erf(x.astype(np.float64)), rtol=4 * np.finfo(np.float32).eps)


def test_gelu_exact_erf_form(xp: ModuleType) -> None:
    x = np.linspace(-12.0, 12.0, 2401)
    got = to_numpy(_gelu(xp, xp.asarray(x)))
    # x/2 erfc(-x/sqrt2) == x/2 (1 + erf(x/sqrt2)); erfc keeps relative accuracy for x << 0.
    want = np.array([0.5 * v * math.erfc(-v / math.sqrt(2.0)) for v in x])
    nonzero = want != 0
    rel = np.abs(got - want)[nonzero] / np.abs(want[nonzero])
    # the rounding of x/sqrt2 (different in the two computations) is amplified by the
    # condition number of erfc at y = x/sqrt2, about 2 y^2 = x^2 in the tail
    assert np.all(rel <= 8 * EPS64 * (1 + x[nonzero] ** 2))
    assert_close(got, gelu_ref(x))


# --------------------------------------------------------------------------------------------
# modReLU
# --------------------------------------------------------------------------------------------


def test_modrelu_definition(xp: ModuleType, rng: np.random.Generator) -> None:
    z = rng.standard_normal((4, 7)) + 1j * rng.standard_normal((4, 7))
    z[0, 0] = 0.0
    z[1, 1] = 2e-4 + 1e-4j  # below the clamp eps
    b = rng.uniform(-1.0, 0.5, (4, 1))
    got = sc.modrelu(xp.asarray(z), xp.asarray(b))
    mag = np.abs(z)
    want = np.maximum(mag + b, 0) * z / np.maximum(mag, 1e-3)
    assert_close(got, want)
    # away from the clamp: magnitude |z| + b (or 0), phase of z
    g = to_numpy(got)
    big = (mag >= 1e-3) & (mag + b > 0)
    assert np.allclose(np.abs(g)[big], (mag + b)[big], rtol=1e-14)
    assert np.allclose(np.angle(g)[big], np.angle(z)[big], rtol=1e-14)
    assert np.all(g[(mag + b) <= 0] == 0)
    assert g[0, 0] == 0


def test_modrelu_real_and_eps(xp: ModuleType) -> None:
    z = xp.asarray(np.array([-3.0, 0.5, 2.0]))
    got = to_numpy(sc.modrelu(z, xp.asarray(np.array(-1.0)), eps=1.0))
    assert np.allclose(got, [-2.0, 0.0, 1.0], rtol=0, atol=1e-15)


def test_modrelu_errors() -> None:
    with pytest.raises(TypeError, match="`b` must be real"):
        sc.modrelu(np.ones(3, complex), np.ones(3, complex))
    with pytest.raises(ValueError, match="eps"):
        sc.modrelu(np.ones(3, complex), np.ones(3), eps=0.0)
    with pytest.raises(ValueError, match="broadcast"):
        sc.modrelu(np.ones(3, complex), np.ones(4))


# --------------------------------------------------------------------------------------------
# spectral_filter
# --------------------------------------------------------------------------------------------


def even_kernel(w: np.ndarray, n: int) -> np.ndarray:
    """h = irfft(w, n) (backward norm) written out: real and even for real w."""
    bins = n // 2 + 1
    tk = np.outer(np.arange(n), np.arange(bins)) % n
    weight = np.full(bins, 2.0)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0
    return (np.cos(2 * np.pi * tk / n) * weight) @ w / n


@pytest.mark.parametrize("n", [1, 2, 7, 16])
def test_spectral_filter_is_circular_conv_with_even_kernel(
    xp: ModuleType, rng: np.random.Generator, n: int
) -> None:
    x = rng.standard_normal((3, n, 5))
    w = rng.standard_normal((n // 2 + 1, 1))
    h = even_kernel(w[:, 0], n)
    assert np.allclose(h, h[(-np.arange(n)) % n], rtol=0, atol=1e-14)  # h_t = h_{-t}
    want = np.einsum("ts,bsc->btc", dense_circulant(h), x)
    got = sc.spectral_filter(xp.asarray(x), xp.asarray(w))
    assert_close(got, want, n=n)


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_spectral_filter_axis_and_norm(xp: ModuleType, rng: np.random.Generator, norm: str) -> None:
    n = 9
    x = rng.standard_normal((4, n))
    w = rng.standard_normal((4, n // 2 + 1))  # one filter per row
    want = np.stack([dense_circulant(even_kernel(w[i], n)) @ x[i] for i in range(4)])
    got = sc.spectral_filter(xp.asarray(x), xp.asarray(w), axis=-1, norm=norm)
    assert_close(got, want, n=n)


def test_spectral_filter_errors() -> None:
    x = np.ones((6, 3))
    with pytest.raises(ValueError, match="`w`"):
        sc.spectral_filter(x, np.ones((5, 1)))  # 6 // 2 + 1 = 4 bins
    with pytest.raises(ValueError, match="`w`"):
        sc.spectral_filter(x, np.ones((2, 4, 1)))  # would enlarge the result
    with pytest.raises(TypeError, match="`x` must be real"):
        sc.spectral_filter(np.ones((6, 3), complex), np.ones((4, 1)))
    with pytest.raises(ValueError, match="norm"):
        sc.spectral_filter(x, np.ones((4, 1)), norm="unitary")
    with pytest.raises(ValueError, match="out of bounds"):
        sc.spectral_filter(x, np.ones((4, 1)), axis=2)


# --------------------------------------------------------------------------------------------
# fftnet_mixer
# --------------------------------------------------------------------------------------------

SHAPES = [(2, 8, 8, 2), (1, 7, 6, 3), (3, 5, 4, 1), (1, 1, 4, 4)]  # (B, N, D, H)


@pytest.mark.parametrize(("batch", "n", "dim", "heads"), SHAPES)
def test_mixer_equals_dense_dft_reference(
    xp: ModuleType, rng: np.random.Generator, batch: int, n: int, dim: int, heads: int
) -> None:
    p = random_params(rng, dim, n, heads)
    x = rng.standard_normal((batch, n, dim))
    got = sc.fftnet_mixer(xp.asarray(x), to_params(xp, p))
    assert got.dtype == xp.float64
    assert_close(got, fftnet_ref(x, p), n=n * dim)


def test_mixer_init_params_equal_reference(xp: ModuleType, rng: np.random.Generator) -> None:
    params = sc.fftnet_init(12, 10, 3, seed=5, xp=xp, dtype=xp.float64)
    p = {f.name: to_numpy(getattr(params, f.name)) for f in dataclasses.fields(params)}
    x = rng.standard_normal((2, 10, 12))
    assert_close(sc.fftnet_mixer(xp.asarray(x), params), fftnet_ref(x, p), n=120)


def test_mixer_identity_filter_is_layernorm_of_2x(xp: ModuleType, rng: np.random.Generator) -> None:
    dim, n, heads = 8, 9, 2
    p = random_params(rng, dim, n, heads)
    p["base_filter"] = np.ones_like(p["base_filter"])
    p["w2"] = np.zeros_like(p["w2"])  # tanh(0) = 0: no modulation
    p["b2"] = np.zeros_like(p["b2"])
    p["modrelu_bias"] = np.zeros_like(p["modrelu_bias"])
    x = rng.standard_normal((2, n, dim)) + 3.0  # |X_k| >> 1e-3: the clamp is inactive
    got = sc.fftnet_mixer(xp.asarray(x), to_params(xp, p))
    assert_close(got, layer_norm_ref(2 * x, p["ln_weight"], p["ln_bias"]), n=n * dim)


@pytest.mark.parametrize("shift", [1, 3, -2])
def test_mixer_commutes_with_circular_shift(
    xp: ModuleType, rng: np.random.Generator, shift: int
) -> None:
    p = to_params(xp, random_params(rng, 6, 8, 2))
    x = xp.asarray(rng.standard_normal((2, 8, 6)))
    shifted_out = sc.fftnet_mixer(xp.roll(x, shift, axis=1), p)
    assert_close(shifted_out, xp.roll(sc.fftnet_mixer(x, p), shift, axis=1), n=48)


@pytest.mark.parametrize("n", [7, 8])
def test_mixer_commutes_with_reversal(xp: ModuleType, rng: np.random.Generator, n: int) -> None:
    p = to_params(xp, random_params(rng, 6, n, 3))
    x = xp.asarray(rng.standard_normal((2, n, 6)))
    assert_close(
        sc.fftnet_mixer(xp.flip(x, axis=1), p), xp.flip(sc.fftnet_mixer(x, p), axis=1), n=6 * n
    )


def test_mixer_is_not_causal(xp: ModuleType, rng: np.random.Generator) -> None:
    p = to_params(xp, random_params(rng, 4, 8, 2))
    x = rng.standard_normal((1, 8, 4))
    x_future = x.copy()
    x_future[0, -1] += 1.0  # change only the last token
    first = to_numpy(sc.fftnet_mixer(xp.asarray(x), p))[0, 0]
    first_changed = to_numpy(sc.fftnet_mixer(xp.asarray(x_future), p))[0, 0]
    assert np.max(np.abs(first - first_changed)) > 1e-3


def test_mixer_float32(xp: ModuleType, rng: np.random.Generator) -> None:
    p = random_params(rng, 8, 8, 2)
    x = rng.standard_normal((2, 8, 8))
    got = sc.fftnet_mixer(xp.asarray(x, dtype=xp.float32), to_params(xp, p, xp.float32))
    assert got.dtype == xp.float32
    assert_close(got, fftnet_ref(x.astype(np.float32).astype(np.float64), p), n=64)


def test_mixer_float16_computed_in_float32(rng: np.random.Generator) -> None:
    p = random_params(rng, 4, 6, 2)
    x = rng.standard_normal((1, 6, 4))
    p16 = {k: v.astype(np.float16) for k, v in p.items()}
    got = sc.fftnet_mixer(x.astype(np.float16), to_params(np, p16))
    assert got.dtype == np.float16
    want = fftnet_ref(
        x.astype(np.float16).astype(np.float64), {k: v.astype(np.float64) for k, v in p16.items()}
    )
    assert_close(got, want, rtol=2 * tolerance(np.float16))


def test_mixer_does_not_mutate(rng: np.random.Generator) -> None:
    p = random_params(rng, 4, 6, 2)
    x = rng.standard_normal((1, 6, 4))
    copies = (x.copy(), {k: v.copy() for k, v in p.items()})
    sc.fftnet_mixer(x, to_params(np, p))
    assert np.array_equal(x, copies[0])
    assert all(np.array_equal(p[k], copies[1][k]) for k in p)


def test_mixer_shape_errors() -> None:
    params = sc.fftnet_init(8, 16, 2)
    with pytest.raises(ValueError, match="frequency bins"):
        sc.fftnet_mixer(np.ones((1, 12, 8)), params)
    with pytest.raises(ValueError, match="w1"):
        sc.fftnet_mixer(np.ones((1, 16, 6)), params)  # D does not match the parameters
    with pytest.raises(ValueError, match="not divisible"):
        sc.fftnet_mixer(np.ones((1, 16, 7)), params)
    with pytest.raises(ValueError, match="dimension"):
        sc.fftnet_mixer(np.ones(16), params)
    with pytest.raises(TypeError, match="FFTNetParams"):
        sc.fftnet_mixer(np.ones((1, 16, 8)), dataclasses.asdict(params))
    bad = dataclasses.replace(params, b2=np.ones(3))
    with pytest.raises(ValueError, match=r"params\.b2"):
        sc.fftnet_mixer(np.ones((1, 16, 8)), bad)
    with pytest.raises(TypeError, match="x"):
        sc.fftnet_mixer(np.ones((1, 16, 8), complex), params)
    with pytest.raises(ValueError, match="divisible"):
        sc.fftnet_init(8, 16, 3)
    with pytest.raises(ValueError, match="heads"):
        sc.fftnet_init(8, 16, 0)


def test_mixer_mixed_libraries() -> None:
    torch = pytest.importorskip("torch")
    params = sc.fftnet_init(4, 4, 1)
    with pytest.raises(TypeError, match="one array library"):
        sc.fftnet_mixer(torch.ones((1, 4, 4), dtype=torch.float64), params)


# --------------------------------------------------------------------------------------------
# fftnet_init
# --------------------------------------------------------------------------------------------


def test_init_values_and_distribution(xp: ModuleType) -> None:
    dim, n, heads = 16, 11, 4
    p = sc.fftnet_init(dim, n, heads, seed=3, xp=xp)
    bins = n // 2 + 1
    shapes = {
        "base_filter": (heads, bins, 1),
        "w1": (dim, dim),
        "b1": (dim,),
        "w2": (dim, heads * bins),
        "b2": (heads * bins,),
        "modrelu_bias": (heads, bins, 1),
        "ln_weight": (dim,),
        "ln_bias": (dim,),
    }
    assert [f.name for f in dataclasses.fields(p)] == list(shapes)
    for name, shape in shapes.items():
        value = getattr(p, name)
        assert tuple(value.shape) == shape, name
        assert value.dtype == sc._compat.default_float(xp), name
    assert np.all(to_numpy(p.base_filter) == 1)
    assert np.allclose(to_numpy(p.modrelu_bias), -0.1, rtol=0, atol=1e-7)
    assert np.all(to_numpy(p.ln_weight) == 1)
    assert np.all(to_numpy(p.ln_bias) == 0)
    bound = 1 / math.sqrt(dim)
    for name in ("w1", "b1", "w2", "b2"):
        value = to_numpy(getattr(p, name))
        assert np.all(np.abs(value) <= bound), name
        assert np.abs(value).max() > 0.8 * bound, name  # spread over the whole interval
    again = sc.fftnet_init(dim, n, heads, seed=3, xp=xp)
    other = sc.fftnet_init(dim, n, heads, seed=4, xp=xp)
    assert np.array_equal(to_numpy(p.w2), to_numpy(again.w2))
    assert not np.array_equal(to_numpy(p.w2), to_numpy(other.w2))


def test_init_defaults_to_numpy_and_dtype() -> None:
    p = sc.fftnet_init(4, 4, 2, dtype=np.float32)
    assert isinstance(p.w1, np.ndarray)
    assert p.w1.dtype == np.float32
    with pytest.raises(TypeError, match="dtype"):
        sc.fftnet_init(4, 4, 2, dtype=np.int64)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.w1 = p.w2  # type: ignore[misc]


def test_backend_name_smoke(xp: ModuleType) -> None:
    # the mixer keeps the namespace of its input
    params = sc.fftnet_init(4, 4, 2, xp=xp, dtype=xp.float64)
    out = sc.fftnet_mixer(xp.asarray(np.ones((1, 4, 4))), params)
    assert backend_name(xp).split(".")[0] in type(out).__module__


# --------------------------------------------------------------------------------------------
# Property: shift equivariance for any input, shift and shape
# --------------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 12),
    heads=st.sampled_from([1, 2]),
    shift=st.integers(-20, 20),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_shift_equivariance(n: int, heads: int, shift: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    params = random_params(rng, 2 * heads, n, heads)
    p = to_params(np, params)
    x = rng.standard_normal((1, n, 2 * heads)) * 10 ** rng.uniform(-2, 2)
    out = sc.fftnet_mixer(np.roll(x, shift, axis=1), p)
    expected = np.roll(sc.fftnet_mixer(x, p), shift, axis=1)
    # LayerNorm subtracts the token mean: an error of eps * max|r| in the residual r becomes
    # eps * max|r| / std(r) in the output. That ratio is LayerNorm's condition number
    # (large when a token's channels nearly agree, e.g. D = 2), taken from the definition.
    residual = fftnet_ref(x, params, normalize=False)
    spread = np.sqrt(residual.var(axis=-1) + 1e-5)
    condition = max(1.0, float(np.max(np.max(np.abs(residual), axis=-1) / spread)))
    scale = float(np.max(np.abs(expected)))
    assert_close(
        out,
        expected,
        rtol=tolerance(np.float64, n=2 * n * heads) * condition,
        atol=0.0 if scale else None,
    )
