"""Reference gradients come for free: specconv is differentiable array API code.

Because every operation is written with the array API, running it on torch tensors with
``requires_grad=True`` or under ``jax.grad`` gives exact reverse-mode gradients of the
reference definitions. These tests prove it with ``torch.autograd.gradcheck`` (float64,
small sizes, finite differences vs. autograd, complex inputs in Wirtinger form) and with
``jax.grad`` against central differences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import specconv as sc

torch = pytest.importorskip("torch")


def _t(a: np.ndarray) -> Any:
    return torch.tensor(
        a, dtype=torch.complex128 if np.iscomplexobj(a) else torch.float64, requires_grad=True
    )


def _gradcheck(fn: Callable[..., Any], *arrays: np.ndarray) -> None:
    inputs = tuple(_t(a) for a in arrays)
    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


rng = np.random.default_rng(7)


def _n(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _c(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


MODES = np.array([[-0.3 + 1.0j, -0.8 - 2.0j], [-0.5 + 0.5j, -0.1 + 3.0j]])


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_causal_conv_gradcheck(method: str) -> None:
    _gradcheck(
        lambda u, k, D: sc.causal_conv(u, k, D=D, method=method), _n(2, 2, 7), _n(2, 4), _n(2)
    )


@pytest.mark.parametrize("discretization", ["zoh", "bilinear"])
def test_s4d_kernel_gradcheck(discretization: str) -> None:
    _gradcheck(
        lambda Lambda, B, C, dt: sc.s4d_kernel(Lambda, B, C, dt, 6, discretization=discretization),
        MODES,
        _c(2, 2),
        _c(2, 2),
        np.array([0.1, 0.3]),
    )


def test_s4_kernel_gradcheck() -> None:
    _gradcheck(
        lambda Lambda, P, B, C, dt: sc.s4_kernel(Lambda, P, B, C, dt, 6),
        MODES,
        0.3 * _c(2, 1, 2),
        _c(2, 2),
        _c(2, 2),
        np.array([0.1, 0.3]),
    )


@pytest.mark.parametrize(
    ("method", "causal"),
    [
        ("quadratic", False),
        ("quadratic", True),
        ("parallel", False),
        ("cumsum", True),
        ("chunked", True),
        ("recurrent", True),
    ],
)
@pytest.mark.parametrize("feature_map", ["elu", "identity"])
def test_linear_attention_gradcheck(method: str, causal: bool, feature_map: str) -> None:
    q, k = _n(1, 5, 2), _n(1, 5, 2)
    if feature_map == "identity":  # positive features: the denominator stays away from 0
        q, k = np.abs(q) + 0.5, np.abs(k) + 0.5
    _gradcheck(
        lambda q, k, v: sc.linear_attention(
            q, k, v, causal=causal, method=method, feature_map=feature_map, chunk_size=2
        ),
        q,
        k,
        _n(1, 5, 3),
    )


@pytest.mark.parametrize("method", ["fft", "direct"])
@pytest.mark.parametrize("causal", [False, True])
def test_kernelized_rpe_attention_gradcheck(method: str, causal: bool) -> None:
    _gradcheck(
        lambda q, k, v, b: sc.kernelized_rpe_attention(q, k, v, b, method=method, causal=causal),
        _n(1, 4, 2),
        _n(1, 4, 2),
        _n(1, 4, 2),
        0.5 * _n(1, 7),
    )


def test_fftnet_mixer_gradcheck() -> None:
    params = sc.fftnet_init(4, 6, 2, seed=3)
    names = list(params.__dataclass_fields__)
    arrays = [np.asarray(getattr(params, f)) + 0.1 * _n(*getattr(params, f).shape) for f in names]

    def mixer(x: Any, *fields: Any) -> Any:
        return sc.fftnet_mixer(x, sc.FFTNetParams(**dict(zip(names, fields, strict=True))))

    _gradcheck(mixer, _n(1, 6, 4), *arrays)


# --------------------------------------------------------------------------------------------
# jax.grad vs central differences
# --------------------------------------------------------------------------------------------


def _central_difference(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def _jax() -> Any:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def test_jax_grad_causal_conv() -> None:
    jax = _jax()
    u, k, w = _n(2, 9), _n(2, 4), _n(2, 9)

    def loss(u: Any, k: Any) -> Any:
        return jax.numpy.sum(sc.causal_conv(u, k, method="fft") * w)

    gu, gk = jax.grad(loss, argnums=(0, 1))(jax.numpy.asarray(u), jax.numpy.asarray(k))
    fu = _central_difference(lambda a: float(loss(jax.numpy.asarray(a), jax.numpy.asarray(k))), u)
    fk = _central_difference(lambda a: float(loss(jax.numpy.asarray(u), jax.numpy.asarray(a))), k)
    np.testing.assert_allclose(np.asarray(gu), fu, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.asarray(gk), fk, rtol=1e-6, atol=1e-8)


def test_jax_grad_s4d_kernel() -> None:
    """Gradient with respect to the real parameters: Re Lambda, Im Lambda, dt."""
    jax = _jax()
    jnp = jax.numpy
    B, C, w = _c(2, 2), _c(2, 2), _n(2, 6)

    def loss(re: Any, im: Any, dt: Any) -> Any:
        Lambda = re + 1j * im
        return jnp.sum(sc.s4d_kernel(Lambda, jnp.asarray(B), jnp.asarray(C), dt, 6) * w)

    params = [MODES.real.copy(), MODES.imag.copy(), np.array([0.1, 0.3])]
    grads = jax.grad(loss, argnums=(0, 1, 2))(*(jnp.asarray(p) for p in params))
    for i, g in enumerate(grads):

        def f(a: np.ndarray, i: int = i) -> float:
            args = [jnp.asarray(p) for p in params]
            args[i] = jnp.asarray(a)
            return float(loss(*args))

        np.testing.assert_allclose(
            np.asarray(g), _central_difference(f, params[i]), rtol=1e-6, atol=1e-8
        )
