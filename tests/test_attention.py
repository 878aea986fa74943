"""Tests of specconv.attention: softmax and linear attention, decoding step, feature maps.

Every expected value comes from a definition written out in NumPy float64 below (explicit loops
over queries and keys), never from the code under test.
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specconv import (
    elu_feature_map,
    favor_features,
    linear_attention,
    linear_attention_step,
    random_features,
    softmax_attention,
)
from specconv.testing import assert_close, tolerance
from tests.helpers import backend_name, to_numpy

METHODS = ("quadratic", "parallel", "cumsum", "chunked", "recurrent")


# --------------------------------------------------------------------------------------------
# Definition-level references (NumPy float64, explicit loops)
# --------------------------------------------------------------------------------------------


def np_elu1(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def ref_linear_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    *,
    causal: bool,
    eps: float = 1e-6,
    normalize: bool = True,
    phi=np_elu1,
) -> np.ndarray:
    """y_i = sum_j (phi(q_i).phi(k_j)) v_j / (sum_j phi(q_i).phi(k_j) + eps), loop over i, j."""
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    q = np.broadcast_to(q, (*lead, *q.shape[-2:]))
    k = np.broadcast_to(k, (*lead, *k.shape[-2:]))
    v = np.broadcast_to(v, (*lead, *v.shape[-2:]))
    T, S, Dv = q.shape[-2], k.shape[-2], v.shape[-1]
    out = np.zeros((*lead, T, Dv))
    for idx in np.ndindex(*lead):
        fq, fk = phi(q[idx]), phi(k[idx])
        for i in range(T):
            numerator, denominator = np.zeros(Dv), 0.0
            for j in range(S):
                if causal and j > i:
                    continue
                weight = float(fq[i] @ fk[j])
                numerator += weight * v[idx][j]
                denominator += weight
            out[(*idx, i)] = numerator / (denominator + eps) if normalize else numerator
    return out


def ref_softmax_attention(q, k, v, *, causal=False, scale=None, bias=None) -> np.ndarray:
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    T, S, Dk, Dv = q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1]
    scale = Dk**-0.5 if scale is None else scale
    bias = np.zeros((T, S)) if bias is None else bias
    bias = np.broadcast_to(bias, (*lead, T, S))
    q = np.broadcast_to(q, (*lead, T, Dk))
    k = np.broadcast_to(k, (*lead, S, Dk))
    v = np.broadcast_to(v, (*lead, S, Dv))
    out = np.zeros((*lead, T, Dv))
    for idx in np.ndindex(*lead):
        for i in range(T):
            keys = range(i + 1) if causal else range(S)
            logits = np.array([scale * q[idx][i] @ k[idx][j] + bias[idx][i, j] for j in keys])
            w = np.exp(logits - logits.max())
            out[(*idx, i)] = sum(w[n] * v[idx][j] for n, j in enumerate(keys)) / w.sum()
    return out


def make_qkv(rng, lead=(2, 3), T=13, S=None, Dk=5, Dv=3):
    S = T if S is None else S
    q = rng.standard_normal((*lead, T, Dk))
    k = rng.standard_normal((*lead, S, Dk))
    v = rng.standard_normal((*lead, S, Dv))
    return q, k, v


# --------------------------------------------------------------------------------------------
# linear_attention: every method against the definition
# --------------------------------------------------------------------------------------------


def test_quadratic_equals_double_loop(xp: ModuleType, rng: np.random.Generator) -> None:
    q, k, v = make_qkv(rng, lead=(2,), T=9, Dk=4, Dv=3)
    for causal in (False, True):
        for normalize in (True, False):
            want = ref_linear_attention(q, k, v, causal=causal, normalize=normalize)
            got = linear_attention(
                xp.asarray(q),
                xp.asarray(k),
                xp.asarray(v),
                causal=causal,
                normalize=normalize,
                method="quadratic",
            )
            assert_close(got, want, n=9)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(
    ("lead", "T", "Dk", "Dv", "chunk_size"),
    [
        ((2, 3), 13, 5, 3, 4),  # T not a multiple of the chunk size, Dk != Dv, batch + heads
        ((2,), 1, 3, 2, 64),  # a single token
        ((), 16, 4, 6, 8),  # no leading axes, T a multiple of the chunk size
    ],
)
def test_methods_equal_definition(
    xp: ModuleType,
    rng: np.random.Generator,
    method: str,
    causal: bool,
    lead: tuple[int, ...],
    T: int,
    Dk: int,
    Dv: int,
    chunk_size: int,
) -> None:
    if method == "parallel" and causal:
        pytest.skip("parallel is non-causal only (the error is checked in test_bad_input)")
    q, k, v = make_qkv(rng, lead=lead, T=T, Dk=Dk, Dv=Dv)
    want = ref_linear_attention(q, k, v, causal=causal)
    got = linear_attention(
        xp.asarray(q),
        xp.asarray(k),
        xp.asarray(v),
        causal=causal,
        method=method,
        chunk_size=chunk_size,
    )
    assert got.dtype == xp.float64
    assert_close(got, want, n=T)
    # float32: the same comparison against the float64 definition, in float32's budget.
    got32 = linear_attention(
        *(xp.asarray(x, dtype=xp.float32) for x in (q, k, v)),
        causal=causal,
        method=method,
        chunk_size=chunk_size,
    )
    assert got32.dtype == xp.float32
    assert_close(got32, want, n=T)


def test_auto_method(xp: ModuleType, rng: np.random.Generator) -> None:
    q, k, v = make_qkv(rng, lead=(2,), T=70, Dk=3, Dv=2)  # chunk 64 < T: two chunks
    for causal in (False, True):
        want = ref_linear_attention(q, k, v, causal=causal)
        assert_close(
            linear_attention(*(xp.asarray(x) for x in (q, k, v)), causal=causal), want, n=70
        )


@pytest.mark.parametrize("method", ["quadratic", "cumsum", "chunked", "recurrent"])
def test_unnormalized_numerator(xp: ModuleType, rng: np.random.Generator, method: str) -> None:
    q, k, v = make_qkv(rng, lead=(2,), T=11, Dk=3, Dv=4)
    want = ref_linear_attention(q, k, v, causal=True, normalize=False)
    got = linear_attention(
        *(xp.asarray(x) for x in (q, k, v)),
        causal=True,
        normalize=False,
        method=method,
        chunk_size=4,
    )
    assert_close(got, want, n=11)


def test_cross_attention_lengths(xp: ModuleType, rng: np.random.Generator) -> None:
    # Non-causal attention allows S != T.
    q, k, v = make_qkv(rng, lead=(2,), T=5, S=8, Dk=3, Dv=2)
    want = ref_linear_attention(q, k, v, causal=False)
    for method in ("quadratic", "parallel", "cumsum", "chunked", "recurrent"):
        got = linear_attention(*(xp.asarray(x) for x in (q, k, v)), method=method)
        assert_close(got, want, n=8)


def test_broadcast_leading_axes(xp: ModuleType, rng: np.random.Generator) -> None:
    # one key/value set shared by every batch entry: (1, H, S, D) against (B, H, T, D)
    q = rng.standard_normal((3, 2, 9, 4))
    k = rng.standard_normal((1, 2, 9, 4))
    v = rng.standard_normal((2, 9, 3))
    want = ref_linear_attention(q, k, v, causal=True)
    for method in ("quadratic", "cumsum", "chunked", "recurrent"):
        got = linear_attention(
            *(xp.asarray(x) for x in (q, k, v)), causal=True, method=method, chunk_size=4
        )
        assert_close(got, want, n=9)


def test_feature_maps(xp: ModuleType, rng: np.random.Generator) -> None:
    q, k, v = make_qkv(rng, lead=(2,), T=7, Dk=3, Dv=2)
    q, k = np.abs(q) + 0.1, np.abs(k) + 0.1  # positive features for the identity map
    want = ref_linear_attention(q, k, v, causal=True, phi=lambda x: x)
    got = linear_attention(*(xp.asarray(x) for x in (q, k, v)), causal=True, feature_map="identity")
    assert_close(got, want, n=7)

    # a callable that changes the feature dimension: phi(x) = [x^2, 1]
    def squares(x):
        ns = xp if not isinstance(x, np.ndarray) else np
        return ns.concat((x * x, ns.ones_like(x[..., :1])), axis=-1)

    def np_squares(x):
        return np.concatenate((x * x, np.ones_like(x[..., :1])), axis=-1)

    want = ref_linear_attention(q, k, v, causal=False, phi=np_squares)
    got = linear_attention(*(xp.asarray(x) for x in (q, k, v)), feature_map=squares)
    assert_close(got, want, n=7)


def test_low_precision_computed_in_float32(xp: ModuleType, rng: np.random.Generator) -> None:
    if backend_name(xp) == "array_api_strict":
        pytest.skip("array-api-strict has no float16")
    if not hasattr(xp, "float16"):
        pytest.skip("no float16")
    q, k, v = make_qkv(rng, lead=(2,), T=20, Dk=4, Dv=4)
    q16, k16, v16 = (np.asarray(x, dtype=np.float16) for x in (q, k, v))
    want = ref_linear_attention(*(x.astype(np.float64) for x in (q16, k16, v16)), causal=True)
    got = linear_attention(*(xp.asarray(x) for x in (q16, k16, v16)), causal=True)
    assert got.dtype == xp.float16
    # computed in float32 then rounded once: the float16 rounding of the output dominates
    assert_close(got, want, rtol=tolerance(np.float16, n=1))


def test_integer_input_promoted(xp: ModuleType) -> None:
    q = xp.asarray([[1, 0], [0, 1], [1, 1]])
    y = linear_attention(q, q, q, causal=True)
    assert xp.isdtype(y.dtype, "real floating")


def test_inputs_not_mutated(xp: ModuleType, rng: np.random.Generator) -> None:
    q, k, v = make_qkv(rng, lead=(2,), T=10, Dk=3, Dv=3)
    arrays = [xp.asarray(x) for x in (q, k, v)]
    for method in ("quadratic", "cumsum", "chunked", "recurrent"):
        linear_attention(*arrays, causal=True, method=method, chunk_size=3)
    for original, a in zip((q, k, v), arrays, strict=True):
        np.testing.assert_array_equal(to_numpy(a), original)


# --------------------------------------------------------------------------------------------
# linear_attention_step
# --------------------------------------------------------------------------------------------


def run_steps(xp, q, k, v, **kwargs):
    state, ys = None, []
    for t in range(q.shape[-2]):
        y_t, state = linear_attention_step(
            q[..., t, :], k[..., t, :], v[..., t, :], state, **kwargs
        )
        ys.append(y_t)
    return xp.stack(ys, axis=-2), state


def test_step_equals_causal_forms(xp: ModuleType, rng: np.random.Generator) -> None:
    q, k, v = make_qkv(rng, lead=(2, 3), T=12, Dk=4, Dv=5)
    want = ref_linear_attention(q, k, v, causal=True)
    got, (S, z) = run_steps(xp, *(xp.asarray(x) for x in (q, k, v)))
    assert_close(got, want, n=12)
    for method in ("chunked", "cumsum", "quadratic"):
        y = linear_attention(*(xp.asarray(x) for x in (q, k, v)), causal=True, method=method)
        assert_close(got, y, n=12)
    # the final state is the full sum: S = phi(K)^T V, z = sum_j phi(k_j)
    assert_close(S, np.swapaxes(np_elu1(k), -1, -2) @ v, n=12)
    assert_close(z, np_elu1(k).sum(axis=-2), n=12)


def test_step_state_not_mutated(xp: ModuleType, rng: np.random.Generator) -> None:
    q, k, v = rng.standard_normal((3, 2, 4))
    S0 = rng.standard_normal((2, 4, 4))
    z0 = np.abs(rng.standard_normal((2, 4)))
    state = (xp.asarray(S0), xp.asarray(z0))
    _, new_state = linear_attention_step(xp.asarray(q), xp.asarray(k), xp.asarray(v), state)
    np.testing.assert_array_equal(to_numpy(state[0]), S0)
    np.testing.assert_array_equal(to_numpy(state[1]), z0)
    fk = np_elu1(k)
    assert_close(new_state[0], S0 + fk[..., :, None] * v[..., None, :])
    assert_close(new_state[1], z0 + fk)


def test_step_low_precision_state_in_float32(xp: ModuleType, rng: np.random.Generator) -> None:
    if backend_name(xp) == "array_api_strict" or not hasattr(xp, "float16"):
        pytest.skip("no float16")
    q, k, v = (xp.asarray(x, dtype=xp.float16) for x in rng.standard_normal((3, 2, 4)))
    y, (S, z) = linear_attention_step(q, k, v)
    assert y.dtype == xp.float16
    assert S.dtype == xp.float32
    assert z.dtype == xp.float32


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    T=st.integers(1, 12),
    Dk=st.integers(1, 4),
    Dv=st.integers(1, 4),
    chunk_size=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_step_equals_causal(T: int, Dk: int, Dv: int, chunk_size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    q, k, v = make_qkv(rng, lead=(2,), T=T, Dk=Dk, Dv=Dv)
    steps, _ = run_steps(np, q, k, v)
    for method in ("chunked", "cumsum", "quadratic"):
        y = linear_attention(q, k, v, causal=True, method=method, chunk_size=chunk_size)
        assert_close(steps, y, n=T)


# --------------------------------------------------------------------------------------------
# softmax_attention
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("causal", [False, True])
def test_softmax_equals_definition(xp: ModuleType, rng: np.random.Generator, causal: bool) -> None:
    q, k, v = make_qkv(rng, lead=(2, 2), T=7, Dk=4, Dv=3)
    q = 3 * q  # large logits: the max subtraction matters
    bias = rng.standard_normal((2, 7, 7))  # per head, broadcast over the batch
    for b in (None, bias):
        want = ref_softmax_attention(q, k, v, causal=causal, bias=b)
        got = softmax_attention(
            *(xp.asarray(x) for x in (q, k, v)),
            causal=causal,
            bias=None if b is None else xp.asarray(b),
        )
        assert_close(got, want, n=7)
    want = ref_softmax_attention(q, k, v, causal=causal, scale=0.3)
    got = softmax_attention(*(xp.asarray(x) for x in (q, k, v)), causal=causal, scale=0.3)
    assert_close(got, want, n=7)


def test_softmax_large_logits_stable(xp: ModuleType) -> None:
    # logits of 1e3 overflow exp without the max subtraction
    q = xp.asarray([[100.0, 0.0], [0.0, 100.0]])
    v = xp.asarray([[1.0], [2.0]])
    got = softmax_attention(q, q, v, scale=0.1)
    assert_close(got, np.array([[1.0], [2.0]]))


def test_softmax_cross_lengths(xp: ModuleType, rng: np.random.Generator) -> None:
    q, k, v = make_qkv(rng, lead=(2,), T=3, S=6, Dk=4, Dv=2)
    want = ref_softmax_attention(q, k, v)
    assert_close(softmax_attention(*(xp.asarray(x) for x in (q, k, v))), want, n=6)


# --------------------------------------------------------------------------------------------
# Feature maps
# --------------------------------------------------------------------------------------------


def test_elu_feature_map(xp: ModuleType) -> None:
    x = np.array([-1000.0, -30.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 700.0, 1e300])
    got = elu_feature_map(xp.asarray(x))
    want = np.array([math.exp(-1000.0), math.exp(-30.0), math.exp(-1.0), math.exp(-1e-8)])
    want = np.concatenate((want, [1.0, 1.0 + 1e-8, 1.5, 701.0, 1e300]))
    # elementwise relative accuracy: the map is elementwise, no normwise excuse
    np.testing.assert_allclose(to_numpy(got), want, rtol=4 * np.finfo(np.float64).eps)


def test_random_features_structure(xp: ModuleType) -> None:
    omega = to_numpy(random_features(10, 4, seed=3, xp=xp, dtype=xp.float64))
    assert omega.shape == (10, 4)
    np.testing.assert_array_equal(omega, to_numpy(random_features(10, 4, seed=3)))
    # rows within one block of d are orthogonal
    for start in (0, 4, 8):
        block = omega[start : start + 4]
        gram = block @ block.T
        np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-12)
    iid = random_features(5, 3, seed=1, orthogonal=False, xp=xp)
    assert tuple(iid.shape) == (5, 3)
    want = np.random.default_rng(1).standard_normal((5, 3))
    np.testing.assert_allclose(to_numpy(iid), want, rtol=1e-6)


def test_random_features_default_dtype(xp: ModuleType) -> None:
    omega = random_features(3, 2, seed=0, xp=xp)
    default = xp.__array_namespace_info__().default_dtypes()["real floating"]
    assert omega.dtype == default


def ref_favor(x: np.ndarray, omega: np.ndarray, *, is_query: bool, eps: float) -> np.ndarray:
    m, d = omega.shape
    xt = x * d**-0.25
    proj = xt @ omega.T
    norm = (xt**2).sum(-1, keepdims=True) / 2
    mx = proj.max(-1, keepdims=True) if is_query else proj.max((-2, -1), keepdims=True)
    return (np.exp(proj - norm - mx) + eps) / math.sqrt(m)


def test_favor_features_definition(xp: ModuleType, rng: np.random.Generator) -> None:
    omega = rng.standard_normal((8, 4))
    x = rng.standard_normal((2, 5, 4))
    for is_query in (True, False):
        want = ref_favor(x, omega, is_query=is_query, eps=1e-6)
        got = favor_features(xp.asarray(x), xp.asarray(omega), is_query=is_query)
        assert_close(got, want, n=4)


def test_favor_estimator_unbiased(xp: ModuleType, rng: np.random.Generator) -> None:
    """E_omega[phi(q)^T phi(k)] = exp(q.k / sqrt d): a statistical test with a fixed seed.

    With eps = 0 the features are phi(x) = m^{-1/2} exp(omega x~ - |x~|^2/2 - c_x), so
    exp(c_q + c_k) phi(q)^T phi(k) = (1/m) sum_r exp(w_r.(q~ + k~) - |q~|^2/2 - |k~|^2/2) is the
    FAVOR+ estimator, unbiased for exp(q~.k~) because every row w_r is marginally N(0, I)
    (also for orthogonal blocks). The stabilisers c_q, c_k are recomputed here from the
    definition. R independent draws of omega give R i.i.d. estimates; by the central limit
    theorem their mean lies within z * std / sqrt(R) of the exact value except with
    probability ~ 2 Phi(-z); z = 5 gives ~6e-7, so a failure means bias, not bad luck (and the
    seed is fixed anyway). The bound is ~20% (orthogonal) / ~50% (i.i.d.) of the exact value
    here; a biased estimator, e.g. without the -|x~|^2/2 terms, is off by a factor ~3.
    """
    d, m, R = 4, 16, 300
    q = 0.6 * rng.standard_normal(d)
    k = 0.6 * rng.standard_normal(d)
    exact = math.exp(q @ k / math.sqrt(d))
    qt, kt = q * d**-0.25, k * d**-0.25
    for orthogonal in (True, False):
        # All R draws in one call: omega stacks them, (R m, d). The stabilisers are then maxima
        # over all R m features, still constants, and recomputed below to be undone.
        w = np.concatenate(
            [to_numpy(random_features(m, d, seed=r, orthogonal=orthogonal)) for r in range(R)]
        )
        omega = xp.asarray(w)
        phi_q = to_numpy(favor_features(xp.asarray(q), omega, is_query=True, eps=0.0))
        phi_k = to_numpy(favor_features(xp.asarray(k[None, :]), omega, is_query=False, eps=0.0))
        undo = math.exp((w @ qt).max() + (w @ kt).max()) * R  # R: phi carries (R m)^{-1/2}
        estimates = undo * (phi_q * phi_k[0]).reshape(R, m).sum(axis=1)
        bound = 5 * estimates.std(ddof=1) / math.sqrt(R)
        assert abs(estimates.mean() - exact) <= bound, (orthogonal, estimates.mean(), exact, bound)


def test_favor_linear_attention_approximates_softmax(rng: np.random.Generator) -> None:
    # Consistency of the pieces: with many features, FAVOR+ linear attention -> softmax attention.
    q, k, v = make_qkv(rng, lead=(), T=6, Dk=4, Dv=2)
    q, k = 0.5 * q, 0.5 * k
    omega = random_features(4096, 4, seed=0)
    phi_q = favor_features(q, omega, is_query=True)
    phi_k = favor_features(k, omega, is_query=False)
    got = linear_attention(phi_q, phi_k, v, feature_map="identity", causal=True, eps=0.0)
    want = ref_softmax_attention(q, k, v, causal=True)
    # Monte Carlo error ~ 1/sqrt(m) relative: far below the O(1) gap of a wrong kernel
    assert np.max(np.abs(got - want)) < 0.1


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


def test_bad_input(xp: ModuleType) -> None:
    q = xp.ones((2, 5, 4))
    v = xp.ones((2, 5, 3))
    with pytest.raises(ValueError, match="`q` and `k`"):
        linear_attention(q, xp.ones((2, 5, 3)), v)
    with pytest.raises(ValueError, match="`k` and `v`"):
        linear_attention(q, q, xp.ones((2, 6, 3)))
    with pytest.raises(ValueError, match="T == S"):
        linear_attention(q, xp.ones((2, 6, 4)), xp.ones((2, 6, 3)), causal=True)
    with pytest.raises(ValueError, match="`method`"):
        linear_attention(q, q, v, method="fast")
    with pytest.raises(ValueError, match="`method`='parallel'"):
        linear_attention(q, q, v, method="parallel", causal=True)
    with pytest.raises(ValueError, match="`feature_map`"):
        linear_attention(q, q, v, feature_map="relu")
    with pytest.raises(TypeError, match="`feature_map`"):
        linear_attention(q, q, v, feature_map=3)
    with pytest.raises(ValueError, match="`chunk_size`"):
        linear_attention(q, q, v, chunk_size=0)
    with pytest.raises(ValueError, match="`q`"):
        linear_attention(xp.ones(4), q, v)
    with pytest.raises(ValueError, match="broadcast"):
        linear_attention(q, xp.ones((3, 5, 4)), xp.ones((3, 5, 3)))
    with pytest.raises(TypeError, match="`q`"):
        linear_attention([[1.0]], q, v)
    with pytest.raises(ValueError, match="`q` and `k`"):
        softmax_attention(q, xp.ones((2, 5, 3)), v)
    with pytest.raises(ValueError, match="T == S"):
        softmax_attention(q, xp.ones((2, 6, 4)), xp.ones((2, 6, 3)), causal=True)
    with pytest.raises(ValueError, match="broadcast"):
        softmax_attention(q, q, v, bias=xp.ones((5, 4)))
    with pytest.raises(TypeError, match="`scale`"):
        softmax_attention(q, q, v, scale="big")
    with pytest.raises(TypeError, match="`state`"):
        linear_attention_step(q[:, 0, :], q[:, 0, :], v[:, 0, :], xp.ones((4, 3)))
    with pytest.raises(ValueError, match="`state` S"):
        linear_attention_step(
            q[:, 0, :], q[:, 0, :], v[:, 0, :], (xp.ones((2, 3, 3)), xp.ones((2, 4)))
        )
    with pytest.raises(ValueError, match="`q_t` and `k_t`"):
        linear_attention_step(q[:, 0, :], v[:, 0, :], v[:, 0, :])
    with pytest.raises(ValueError, match="`x`"):
        favor_features(q, xp.ones((8, 3)), is_query=True)
    with pytest.raises(TypeError, match="`is_query`"):
        favor_features(q, xp.ones((8, 4)), is_query=1)
    with pytest.raises(ValueError, match="`m`"):
        random_features(0, 4)
    with pytest.raises(TypeError, match="`d`"):
        random_features(4, 2.5)
