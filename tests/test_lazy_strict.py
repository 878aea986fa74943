"""Every operation on the strict, lazy and single-precision backends, against NumPy.

Driven by the call table of ``tests/test_no_mutation.py`` (every public function):

* ``array_api_strict`` with ``boolean_indexing=False, data_dependent_shapes=False``: no mask
  indexing, no ``nonzero``/``unique``, only the standard's functions;
* ``jax.jit`` with the arrays traced and every option static (closed over);
* Dask with a scheduler that raises: the function may only build the graph, it must not
  compute (no ``bool()``/``float()`` of lazy values); computed afterwards and compared;
* array-api-strict's ``Device("no_float64")`` with float32/complex64 inputs: a hidden
  float64 (a creation without ``dtype=``, a float64 constant array) raises there.

The reference is the same call on NumPy float64 (whose correctness the module tests prove).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from specconv.testing import assert_close, tolerance
from tests.test_no_mutation import (
    CALL_IDS,
    CALLS,
    Call,
    jit_run,
    move,
    numpy_args,
    out_leaves,
)

# Sizes in the table are <= 32; 1024 bounds every n that governs error growth here.
GROWTH = 1024


def _reference(call: Call) -> list[np.ndarray]:
    return [np.asarray(o) for o in out_leaves(call.fn(*numpy_args(call), **call.kwargs))]


def _compare(out: Any, call: Call, dtype: Any = None) -> None:
    got = out_leaves(out)
    want = _reference(call)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        g_np = np.asarray(_to_numpy(g))
        assert g_np.shape == w.shape, f"{call.id}: output {i} shape {g_np.shape} != {w.shape}"
        if w.dtype.kind in "iub":
            np.testing.assert_array_equal(g_np, w)
            continue
        rtol = tolerance(dtype if dtype is not None else g_np.dtype, n=GROWTH)
        assert_close(g_np, w, rtol=rtol)


def _to_numpy(x: Any) -> Any:
    from specconv._compat import to_numpy

    return to_numpy(x)


# --------------------------------------------------------------------------------------------
# array-api-strict, strictest flags
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_strict_no_boolean_indexing_no_data_dependent_shapes(call: Call) -> None:
    strict = pytest.importorskip("array_api_strict")
    strict.set_array_api_strict_flags(api_version="2025.12")
    args = move(numpy_args(call), strict.asarray)
    kwargs = dict(call.kwargs)
    if call.creates:
        kwargs["xp"] = strict
    with strict.ArrayAPIStrictFlags(boolean_indexing=False, data_dependent_shapes=False):
        out = call.fn(*args, **kwargs)
    for leaf in out_leaves(out):
        assert type(leaf).__module__.startswith("array_api_strict"), type(leaf)
    _compare(out, call)


# --------------------------------------------------------------------------------------------
# jax.jit
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_jax_jit(call: Call) -> None:
    pytest.importorskip("jax")
    out, _ = jit_run(call)
    _compare(out, call)


# --------------------------------------------------------------------------------------------
# Dask: build the graph only
# --------------------------------------------------------------------------------------------


def _forbidden_scheduler(*args: Any, **kwargs: Any) -> Any:
    msg = "specconv computed a Dask graph inside a library function"
    raise AssertionError(msg)


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_dask_builds_graph_without_computing(call: Call) -> None:
    dask = pytest.importorskip("dask")
    import dask.array as da
    from array_api_compat import array_namespace

    # Several chunks per axis, so that FFT axes must be rechunked by the library.
    def chunked(a: np.ndarray) -> Any:
        return da.from_array(a, chunks=tuple(max(1, (s + 1) // 2) for s in a.shape))

    args = move(numpy_args(call), chunked)
    kwargs = dict(call.kwargs)
    if call.creates:
        kwargs["xp"] = array_namespace(da.zeros(0))
    with dask.config.set(scheduler=_forbidden_scheduler):
        out = call.fn(*args, **kwargs)
    leaves_out = out_leaves(out)
    for leaf in leaves_out:
        assert isinstance(leaf, da.Array), f"{call.id}: output is {type(leaf)}, not lazy"
    computed = dask.compute(*leaves_out, scheduler="sync")
    _compare(list(computed), call)


# --------------------------------------------------------------------------------------------
# No float64 anywhere: array-api-strict's single-precision device
# --------------------------------------------------------------------------------------------

SINGLE = {"f": np.float32, "c": np.complex64}
#: Creation functions whose ``dtype=`` is the complex result dtype.
COMPLEX_CREATION = {"dft_matrix", "butterfly_factors"}

# Known bugs (see the hardening report): strict xfails keep them visible.
NO_FLOAT64_XFAIL: dict[str, str] = {}


def _no_float64_params() -> list[Any]:
    return [
        pytest.param(
            call,
            id=call.id,
            marks=[pytest.mark.xfail(reason=NO_FLOAT64_XFAIL[call.id], strict=True)]
            if call.id in NO_FLOAT64_XFAIL
            else [],
        )
        for call in CALLS
    ]


@pytest.mark.parametrize("call", _no_float64_params())
def test_no_float64_device(call: Call) -> None:
    strict = pytest.importorskip("array_api_strict")
    strict.set_array_api_strict_flags(api_version="2025.12")
    device = strict.Device("no_float64")

    def single(a: np.ndarray) -> Any:
        return strict.asarray(a.astype(SINGLE.get(a.dtype.kind, a.dtype)), device=device)

    args = move(numpy_args(call), single)
    kwargs = dict(call.kwargs)
    if call.creates:
        kwargs.update(xp=strict, device=device)
        if call.id in COMPLEX_CREATION:
            kwargs["dtype"] = strict.complex64
        elif call.id != "bit_reversal_permutation":
            kwargs["dtype"] = strict.float32
    out = call.fn(*args, **kwargs)
    for leaf in out_leaves(out):
        assert leaf.device == device, f"{call.id}: output left the device"
        assert leaf.dtype not in (strict.float64, strict.complex128), call.id
    _compare(out, call, dtype=np.float32)
