"""The backend plumbing: namespaces, dtype policy, checks and native FFT access."""

from __future__ import annotations

import numpy as np
import pytest

from specconv import _compat
from specconv.testing import assert_close, tolerance
from tests.helpers import backend_name


def test_array_namespace_names_the_argument_for_non_arrays() -> None:
    with pytest.raises(TypeError, match="`u` must be an array"):
        _compat.array_namespace(u=[1.0, 2.0])
    with pytest.raises(TypeError, match="`k` must be an array"):
        _compat.array_namespace(u=np.ones(3), k=2.0)


def test_array_namespace_rejects_mixed_libraries() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"one array library.*`u` is numpy.*`k` is torch"):
        _compat.array_namespace(u=np.ones(3), k=torch.ones(3))


def test_array_namespace_skips_none_and_needs_one_array() -> None:
    xp = _compat.array_namespace(u=np.ones(3), D=None)
    assert _compat.is_numpy_namespace(xp)
    with pytest.raises(TypeError, match="at least one array"):
        _compat.array_namespace(D=None)


def test_result_dtype_policy(xp) -> None:
    f32 = xp.asarray(np.ones(2, dtype=np.float32))
    i64 = xp.asarray(np.ones(2, dtype=np.int64))
    c64 = xp.asarray(np.ones(2, dtype=np.complex64))
    assert _compat.result_dtype(xp, ("u", f32)) == xp.float32
    assert _compat.result_dtype(xp, ("u", i64)) == _compat.default_float(xp)
    assert _compat.result_dtype(xp, ("u", f32), ("k", c64)) == xp.complex64
    with pytest.raises(TypeError, match="`k` must be real"):
        _compat.result_dtype(xp, ("u", f32), ("k", c64), allow_complex=False)


def test_result_dtype_rejects_non_numeric() -> None:
    with pytest.raises(TypeError, match="`u` must have a numeric dtype"):
        _compat.result_dtype(np, ("u", np.asarray(["a"])))


def test_low_precision_is_computed_in_float32() -> None:
    xp = _compat.array_namespace(x=np.ones(1))
    assert _compat.compute_dtype(xp, xp.float16) == xp.float32
    assert _compat.compute_dtype(xp, xp.float64) == xp.float64
    torch = pytest.importorskip("torch")
    txp = _compat.array_namespace(x=torch.ones(1))
    assert _compat.compute_dtype(txp, torch.bfloat16) == torch.float32


def test_complex_real_pairs(xp) -> None:
    assert _compat.complex_dtype(xp, xp.float32) == xp.complex64
    assert _compat.complex_dtype(xp, xp.float64) == xp.complex128
    assert _compat.real_dtype(xp, xp.complex64) == xp.float32
    assert _compat.real_dtype(xp, xp.complex128) == xp.float64


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_native_fft_matches_numpy(xp, rng, name, dtype) -> None:
    x = rng.standard_normal((3, 16)).astype(dtype)
    if name == "irfft":
        x = np.fft.rfft(x).astype(np.complex64 if dtype == "float32" else np.complex128)
    expected = getattr(np.fft, name)(x.astype(np.complex128 if name != "rfft" else np.float64))
    actual = getattr(_compat, name)(xp, xp.asarray(x))
    assert_close(actual, expected, n=16)
    single = dtype == "float32"
    if name == "irfft":
        assert actual.dtype == (xp.float32 if single else xp.float64)
    else:
        assert actual.dtype == (xp.complex64 if single else xp.complex128)


def test_native_fft_rechunks_dask() -> None:
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(0).standard_normal((4, 32))
    dx = da.from_array(x, chunks=(2, 8))
    xp = _compat.array_namespace(x=dx)
    y = _compat.rfft(xp, dx)
    assert y.chunks[0] == (2, 2)  # batch chunks kept: the work stays parallel
    assert_close(y, np.fft.rfft(x), n=32)


def test_next_fast_len_is_5_smooth_and_minimal() -> None:
    def smooth(n: int) -> bool:
        for p in (2, 3, 5):
            while n % p == 0:
                n //= p
        return n == 1

    for target in range(1, 3000):
        got = _compat.next_fast_len(target)
        assert got >= target
        assert smooth(got)
        assert all(not smooth(m) for m in range(target, got))


def test_checks_name_the_argument() -> None:
    with pytest.raises(ValueError, match="`method` must be one of 'a', 'b'"):
        _compat.check_choice("c", "method", ("a", "b"))
    with pytest.raises(ValueError, match="`L` must be >= 1"):
        _compat.check_positive_int(0, "L")
    with pytest.raises(TypeError, match="`L` must be an integer"):
        _compat.check_positive_int(2.5, "L")
    with pytest.raises(ValueError, match="`axis`=3 is out of bounds"):
        _compat.check_axis(3, 2)
    with pytest.raises(ValueError, match="`u` must have at least 1 dimension"):
        _compat.check_ndim(np.float64(1.0), "u")
    with pytest.raises(ValueError, match="`u` must not be empty"):
        _compat.check_nonempty(np.ones((2, 0)), "u")
    with pytest.raises(ValueError, match="`k` must have length 3"):
        _compat.check_length(np.ones(2), "k", 3)
    with pytest.raises(ValueError, match=r"do not broadcast.*`u` \(2, 3\).*`k` \(4,\)"):
        _compat.check_broadcast(("u", (2, 3)), ("k", (4,)))
    assert _compat.check_broadcast(("u", (2, 3)), ("k", (3,)), ("D", (2, 1))) == (2, 3)


def test_to_numpy_roundtrip(xp, rng) -> None:
    x = rng.standard_normal(5)
    back = _compat.to_numpy(xp.asarray(x))
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, x)
    assert backend_name(xp)


def test_tolerance_grows_with_log_n() -> None:
    assert tolerance(np.float64, n=1) == 16 * 2.0**-52
    assert tolerance(np.float64, n=1024) == pytest.approx(16 * 2.0**-52 * 11)
    assert tolerance(np.float32) == pytest.approx(16 * 2.0**-23)
    assert tolerance(np.complex64) == tolerance(np.float32)
    assert tolerance("float16") == pytest.approx(16 * 2.0**-10)
    with pytest.raises(ValueError, match="`n` must be >= 1"):
        tolerance(np.float64, n=0)
