"""No public function writes into its arguments.

``CALLS`` lists one or more calls of every public function of ``specconv.__all__`` (the
testing helpers aside), built from NumPy float64 data. The same table drives
``tests/test_lazy_strict.py`` (strict flags, ``jax.jit``, Dask without compute, the
``no_float64`` device).

Two checks:

* NumPy: every writeable argument (arrays nested in tuples and parameter dataclasses
  included) is bit-identical after the call;
* JAX: arrays are immutable, so any ``x[i] = v`` inside a function raises; every call must run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import specconv as sc

# --------------------------------------------------------------------------------------------
# The call table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """``fn(*args(rng), **kwargs)``; arrays in ``args`` are NumPy float64/complex128.

    ``creates`` marks functions that build arrays from nothing (``xp=``, ``dtype=`` keywords).
    """

    id: str
    fn: Callable[..., Any]
    args: Callable[[np.random.Generator], tuple[Any, ...]]
    kwargs: dict[str, Any] = field(default_factory=dict)
    creates: bool = False


def _n(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _c(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _stable_modes(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return -0.2 - rng.uniform(0, 1, shape) + 1j * rng.uniform(-3, 3, shape)


def _plan_call(k: Any, u: Any, D: Any, *, method: str = "auto") -> Any:
    return sc.conv_plan(k, u.shape[-1], D=D, method=method)(u)


def _qkv(rng: np.random.Generator, T: int = 6) -> tuple[np.ndarray, ...]:
    return _n(rng, 2, T, 3), _n(rng, 2, T, 3), _n(rng, 2, T, 2)


def _step_args(rng: np.random.Generator) -> tuple[Any, ...]:
    state = (_n(rng, 2, 3, 2) ** 2, np.abs(_n(rng, 2, 3)) + 1.0)
    return _n(rng, 2, 3), _n(rng, 2, 3), _n(rng, 2, 2), state


def _dense_discrete(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    A = _n(rng, 4, 4)
    A = 0.5 * A / np.abs(np.linalg.eigvals(A)).max()
    return A, _n(rng, 4), _n(rng, 4)


def _conj_half_lambda(rng: np.random.Generator) -> np.ndarray:
    return _stable_modes(rng, 3, 2)


CALLS: list[Call] = [
    # Fourier
    Call("dft", sc.dft, lambda r: (_n(r, 3, 6),)),
    Call("idft", sc.idft, lambda r: (_c(r, 3, 6),)),
    *[
        Call(f"fft-{a}", sc.fft, lambda r: (_n(r, 3, 8),), {"algorithm": a})
        for a in ("native", "recursive", "stockham", "four_step", "bluestein", "dft")
    ],
    Call("fft-bluestein-odd", sc.fft, lambda r: (_c(r, 2, 7),), {"algorithm": "bluestein"}),
    *[
        Call(f"ifft-{a}", sc.ifft, lambda r: (_c(r, 3, 8),), {"algorithm": a})
        for a in ("native", "stockham", "dft")
    ],
    *[
        Call(f"rfft-{a}", sc.rfft, lambda r: (_n(r, 3, 8),), {"algorithm": a})
        for a in ("native", "recursive", "dft")
    ],
    *[
        Call(f"irfft-{a}", sc.irfft, lambda r: (_c(r, 3, 5),), {"algorithm": a})
        for a in ("native", "stockham", "dft")
    ],
    Call("dft_matrix", sc.dft_matrix, lambda r: (8,), creates=True),
    Call("bit_reversal_permutation", sc.bit_reversal_permutation, lambda r: (8,), creates=True),
    Call("butterfly_factors", sc.butterfly_factors, lambda r: (8,), creates=True),
    Call(
        "butterfly_apply",
        sc.butterfly_apply,
        lambda r: (tuple(_c(r, 2, 2, s // 2) for s in (2, 4, 8)), _n(r, 3, 8)),
    ),
    Call("fwht", sc.fwht, lambda r: (_n(r, 3, 8),)),
    # Convolution
    *[
        Call(
            f"causal_conv-{m}",
            sc.causal_conv,
            lambda r: (_n(r, 2, 3, 16), _n(r, 3, 5)),
            {"D": None, "method": m},
        )
        for m in ("direct", "fft", "auto")
    ],
    Call(
        "causal_conv-D",
        lambda u, k, D: sc.causal_conv(u, k, D=D),
        lambda r: (_n(r, 2, 3, 16), _n(r, 3, 5), _n(r, 3)),
    ),
    *[
        Call(
            f"conv_plan-{m}",
            _plan_call,
            lambda r: (_n(r, 3, 5), _n(r, 2, 3, 16), _n(r, 3)),
            {"method": m},
        )
        for m in ("direct", "fft")
    ],
    Call("circular_conv", sc.circular_conv, lambda r: (_n(r, 2, 8), _n(r, 8))),
    Call("toeplitz", sc.toeplitz, lambda r: (_n(r, 5), _n(r, 5))),
    Call("toeplitz_matmul", sc.toeplitz_matmul, lambda r: (_n(r, 5), _n(r, 5), _n(r, 5, 2))),
    # SSM
    Call("hippo", sc.hippo, lambda r: ("legs", 4), creates=True),
    Call("hippo_dplr", sc.hippo_dplr, lambda r: ("legs", 4), creates=True),
    Call("s4d_init", sc.s4d_init, lambda r: ("lin", 4), creates=True),
    *[
        Call(
            f"discretize-dense-{m}",
            sc.discretize,
            lambda r: (-np.eye(3) + 0.1 * _n(r, 3, 3), _n(r, 3), np.asarray(0.1)),
            {"method": m},
        )
        for m in ("bilinear", "zoh", "euler", "backward_euler")
    ],
    Call(
        "discretize-diagonal",
        sc.discretize,
        lambda r: (_stable_modes(r, 2, 3), _c(r, 2, 3), np.asarray([0.1, 0.2])),
        {"method": "zoh"},
    ),
    *[
        Call(f"ssm_kernel-{m}", sc.ssm_kernel, lambda r: (*_dense_discrete(r), 9), {"method": m})
        for m in ("doubling", "sequential")
    ],
    *[
        Call(
            f"s4d_kernel-{m}",
            sc.s4d_kernel,
            lambda r: (_conj_half_lambda(r), _c(r, 3, 2), _c(r, 3, 2), np.asarray([0.1] * 3), 8),
            {"discretization": m},
        )
        for m in ("zoh", "bilinear")
    ],
    Call(
        "s4_kernel",
        sc.s4_kernel,
        lambda r: (
            _conj_half_lambda(r),
            0.3 * _c(r, 3, 1, 2),
            _c(r, 3, 2),
            _c(r, 3, 2),
            np.asarray([0.1] * 3),
            8,
        ),
    ),
    Call(
        "ssm_scan",
        sc.ssm_scan,
        lambda r: (*_dense_discrete(r), _n(r, 2, 7)),
        {"D": None, "x0": None, "return_state": True},
    ),
    Call(
        "ssm_scan-D-x0",
        lambda Abar, Bbar, C, u, D, x0: sc.ssm_scan(Abar, Bbar, C, u, D=D, x0=x0),
        lambda r: (*_dense_discrete(r), _n(r, 2, 7), np.asarray(0.5), _n(r, 2, 4)),
    ),
    # Attention
    Call("softmax_attention", sc.softmax_attention, _qkv),
    Call("softmax_attention-causal", sc.softmax_attention, _qkv, {"causal": True}),
    Call(
        "softmax_attention-bias",
        lambda q, k, v, bias: sc.softmax_attention(q, k, v, bias=bias),
        lambda r: (*_qkv(r), _n(r, 6, 6)),
    ),
    *[
        Call(
            f"linear_attention-{m}",
            sc.linear_attention,
            _qkv,
            {"method": m, "causal": m != "parallel", "chunk_size": 4},
        )
        for m in ("quadratic", "parallel", "cumsum", "chunked", "recurrent")
    ],
    Call(
        "linear_attention-noncausal-quadratic", sc.linear_attention, _qkv, {"method": "quadratic"}
    ),
    Call("linear_attention_step", sc.linear_attention_step, _step_args),
    Call("linear_attention_step-start", sc.linear_attention_step, lambda r: _step_args(r)[:3]),
    Call("elu_feature_map", sc.elu_feature_map, lambda r: (_n(r, 3, 4),)),
    Call("random_features", sc.random_features, lambda r: (6, 4), {"seed": 0}, creates=True),
    *[
        Call(
            f"favor_features-{q}",
            sc.favor_features,
            lambda r: (_n(r, 5, 4), _n(r, 6, 4)),
            {"is_query": q},
        )
        for q in (True, False)
    ],
    *[
        Call(
            f"kernelized_rpe_attention-{m}-{c}",
            sc.kernelized_rpe_attention,
            lambda r: (*_qkv(r), -0.1 * np.abs(_n(r, 2, 11))),
            {"method": m, "causal": c},
        )
        for m in ("fft", "direct")
        for c in (False, True)
    ],
    # FFTNet
    Call("modrelu", sc.modrelu, lambda r: (_c(r, 3, 5), _n(r, 5))),
    Call("spectral_filter", sc.spectral_filter, lambda r: (_n(r, 2, 8, 3), _n(r, 5, 1))),
    Call("fftnet_init", sc.fftnet_init, lambda r: (8, 16, 2), creates=True),
    Call("fftnet_mixer", sc.fftnet_mixer, lambda r: (_n(r, 2, 16, 8), sc.fftnet_init(8, 16, 2))),
    # Operators
    Call("h3_init", sc.h3_init, lambda r: (4,), {"d_state": 4, "head_dim": 2}, creates=True),
    Call("hyena_init", sc.hyena_init, lambda r: (4, 32), {"filter_order": 8}, creates=True),
    Call("gss_init", sc.gss_init, lambda r: (8,), {"d_state": 8}, creates=True),
    *[
        Call(fn.__name__, fn, lambda r, make=make: (_n(r, 2, 12, make[1]), make[0]()))
        for fn, make in (
            (sc.h3, (lambda: sc.h3_init(4, d_state=4, head_dim=2), 4)),
            (sc.h3_reference, (lambda: sc.h3_init(4, d_state=4, head_dim=2), 4)),
            (sc.hyena, (lambda: sc.hyena_init(4, 32, filter_order=8), 4)),
            (sc.hyena_reference, (lambda: sc.hyena_init(4, 32, filter_order=8), 4)),
            (sc.gss, (lambda: sc.gss_init(8, d_state=8), 8)),
            (sc.gss_reference, (lambda: sc.gss_init(8, d_state=8), 8)),
        )
    ],
]

#: Public names that are not operations (types, modules, the version string).
NOT_OPERATIONS = {"testing", "__version__", "FFTNetParams", "GSSParams", "H3Params", "HyenaParams"}

CALL_IDS = [c.id for c in CALLS]


# --------------------------------------------------------------------------------------------
# Moving a call's arguments to a backend
# --------------------------------------------------------------------------------------------


def leaves(obj: Any) -> list[np.ndarray]:
    """Every NumPy array inside ``obj`` (tuples, lists and dataclasses traversed)."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [leaf for item in obj for leaf in leaves(item)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [leaf for f in dataclasses.fields(obj) for leaf in leaves(getattr(obj, f.name))]
    return []


def move(obj: Any, convert: Callable[[np.ndarray], Any]) -> Any:
    """``obj`` with every NumPy array replaced by ``convert(array)``."""
    if isinstance(obj, np.ndarray):
        return convert(obj)
    if isinstance(obj, tuple):
        return tuple(move(item, convert) for item in obj)
    if isinstance(obj, list):
        return [move(item, convert) for item in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(
            obj, **{f.name: move(getattr(obj, f.name), convert) for f in dataclasses.fields(obj)}
        )
    return obj


def rebuild(obj: Any, replacements: list[Any]) -> Any:
    """Inverse of :func:`leaves`: ``obj`` with its arrays replaced, in order."""
    it = iter(replacements)
    return move(obj, lambda _: next(it))


def numpy_args(call: Call, seed: int = 0) -> tuple[Any, ...]:
    return call.args(np.random.default_rng(seed))


def on_backend(
    call: Call,
    xp: ModuleType,
    dtype_of: Callable[[np.ndarray], Any] | None = None,
    **asarray_kwargs: Any,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The call's arguments and keywords on namespace ``xp``."""
    args = numpy_args(call)

    def convert(a: np.ndarray) -> Any:
        dtype = dtype_of(a) if dtype_of is not None else None
        return (
            xp.asarray(a, dtype=dtype, **asarray_kwargs)
            if dtype is not None
            else xp.asarray(a, **asarray_kwargs)
        )

    kwargs = dict(call.kwargs)
    if call.creates:
        kwargs["xp"] = xp
    return move(args, convert), kwargs


def jax_namespace() -> ModuleType:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import array_api_compat

    return array_api_compat.array_namespace(jax.numpy.zeros(0))


_JIT_CACHE: dict[str, tuple[Any, list[np.ndarray]]] = {}


def jit_run(call: Call) -> tuple[Any, list[np.ndarray]]:
    """Run ``call`` under ``jax.jit`` (arrays traced, options static); cached per call id.

    Returns the output and the NumPy copies of the array arguments taken after the call.
    """
    if call.id not in _JIT_CACHE:
        import jax

        jnp = jax_namespace()
        template = numpy_args(call)
        kwargs = dict(call.kwargs)
        if call.creates:
            kwargs["xp"] = jnp

        @jax.jit
        def run(*arrays: Any) -> Any:
            return call.fn(*rebuild(template, list(arrays)), **kwargs)

        arrays = [jnp.asarray(a) for a in leaves(template)]
        # creation functions have no array argument to trace: run them eagerly
        out = call.fn(*template, **kwargs) if call.creates else run(*arrays)
        _JIT_CACHE[call.id] = (out, [np.asarray(a) for a in arrays])
    return _JIT_CACHE[call.id]


def out_leaves(out: Any) -> list[Any]:
    """Every array in a function's output (tuples and dataclasses traversed)."""
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in out_leaves(item)]
    if dataclasses.is_dataclass(out) and not isinstance(out, type):
        return [leaf for f in dataclasses.fields(out) for leaf in out_leaves(getattr(out, f.name))]
    return [out]


def _assert_unchanged(arrays: list[np.ndarray], before: list[np.ndarray], what: str) -> None:
    for i, (a, b) in enumerate(zip(arrays, before, strict=True)):
        assert a.dtype == b.dtype, f"{what}: argument leaf {i} changed dtype"
        assert a.shape == b.shape, f"{what}: argument leaf {i} reshaped"
        assert a.tobytes() == b.tobytes(), f"{what}: argument leaf {i} was written to"


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_table_covers_every_public_function() -> None:
    covered = {call.id.split("-")[0] for call in CALLS}
    wanted = set(sc.__all__) - NOT_OPERATIONS
    assert wanted - covered == set(), "public functions missing from CALLS"
    assert covered - wanted == set()


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_numpy_arguments_unchanged(call: Call) -> None:
    args = numpy_args(call)
    arrays = leaves(args)
    assert all(a.flags.writeable for a in arrays)
    before = [a.copy() for a in arrays]
    call.fn(*args, **call.kwargs)
    _assert_unchanged(arrays, before, call.id)


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_torch_arguments_unchanged(call: Call) -> None:
    """``torch.from_numpy`` shares memory: a write into a tensor shows in the NumPy array."""
    torch = pytest.importorskip("torch")
    args = numpy_args(call)
    arrays = leaves(args)
    before = [a.copy() for a in arrays]
    kwargs = dict(call.kwargs)
    if call.creates:
        import array_api_compat

        kwargs["xp"] = array_api_compat.array_namespace(torch.zeros(0))
    call.fn(*move(args, torch.from_numpy), **kwargs)
    _assert_unchanged(arrays, before, call.id)


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_runs_on_immutable_jax_arrays(call: Call) -> None:
    """JAX arrays cannot be written to (``x[i] = v`` raises, eagerly and under ``jit``).

    Traced under ``jax.jit`` (eager JAX dispatch is ~10x slower for these small calls); the
    same compiled run is compared with NumPy in ``test_lazy_strict.py``.
    """
    jax = pytest.importorskip("jax")

    before = [a.copy() for a in leaves(numpy_args(call))]
    out, after = jit_run(call)
    _assert_unchanged(after, before, call.id)
    for leaf in out_leaves(out):
        assert isinstance(leaf, jax.Array), f"output not a JAX array: {type(leaf)}"
