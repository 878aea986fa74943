"""Tests of specconv.fourier against definitions and NumPy/SciPy peers.

References are computed in NumPy float64 (``numpy.fft`` on complex128 input, dense matrices
built here from ``exp(-2 pi i k n / N)``, ``scipy.linalg.hadamard``), never by the code under
test. Errors are normwise, with the budget ``tolerance(dtype, n=N)``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import array_api_compat
import numpy as np
import pytest
import scipy.linalg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specconv as sc
from specconv.testing import assert_close, relative_error, tolerance
from tests.helpers import backend_name, to_numpy

ALGORITHMS = ["native", "auto", "dft", "recursive", "stockham", "four_step", "bluestein"]
SIZES = [1, 2, 3, 5, 8, 17, 64, 100, 1024, 4096]
#: Sizes on the other eager backends (runtime): one of each kind of path.
SIZES_OTHER = [1, 2, 5, 17, 64, 100]
#: Sizes on Dask and JAX, where every new shape costs graph building / compilation: 8 runs
#: the radix-2/4 code itself, 100 the four-step split and the Bluestein fallback.
SIZES_LAZY = [8, 100]
NORMS = ["backward", "ortho", "forward"]

#: Dask builds a graph and JAX compiles per new shape: 25 random lengths per law take minutes
#: there. The laws run on NumPy, array-api-strict and PyTorch; the algorithms are checked
#: against numpy.fft on Dask and JAX by the tests above.
LAWS_SKIP = [
    pytest.mark.skip_backend("dask.array", reason="per-shape graph cost; laws run elsewhere"),
    pytest.mark.skip_backend("jax.numpy", reason="per-shape compilation; laws run elsewhere"),
]


def _skip_lazy(test: Callable[..., None]) -> Callable[..., None]:
    for mark in LAWS_SKIP:
        test = mark(test)
    return test


PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _sizes(xp: ModuleType, algorithm: str) -> list[int]:
    sizes = SIZES_LAZY if _lazy(xp) else SIZES_OTHER
    if backend_name(xp) == "numpy":
        sizes = SIZES
    return [n for n in sizes if algorithm != "dft" or n <= 1024]


def _lazy(xp: ModuleType) -> bool:
    return backend_name(xp) in ("dask.array", "jax.numpy")


def _complex(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _dense_dft(n: int, inverse: bool = False) -> np.ndarray:
    k = np.arange(n)
    sign = 1.0 if inverse else -1.0
    return np.exp(sign * 2j * np.pi * np.outer(k, k) / n)


def _as(xp: ModuleType, a: np.ndarray, dtype: str) -> object:
    return xp.asarray(a, dtype=getattr(xp, dtype))


def _check_namespace(xp: ModuleType, y: object) -> None:
    assert array_api_compat.array_namespace(y) is xp


# --------------------------------------------------------------------------------------------
# fft / ifft / rfft / irfft against numpy.fft
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fft_ifft_match_numpy(xp, rng, algorithm, dtype):
    complex_name = "complex64" if dtype == "float32" else "complex128"
    complex_dtype = getattr(xp, complex_name)
    for n in _sizes(xp, algorithm):
        a = _complex(rng, (3, n))
        x = _as(xp, a, complex_name)
        y = sc.fft(x, algorithm=algorithm)
        _check_namespace(xp, y)
        assert y.dtype == complex_dtype
        assert_close(y, np.fft.fft(a), n=n)
        z = sc.ifft(x, algorithm=algorithm)
        assert z.dtype == complex_dtype
        assert_close(z, np.fft.ifft(a), n=n)
        # real input gives the complex partner dtype
        y = sc.fft(_as(xp, a.real, dtype), algorithm=algorithm)
        assert y.dtype == complex_dtype
        assert_close(y, np.fft.fft(a.real), n=n)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rfft_irfft_match_numpy(xp, rng, algorithm, dtype):
    complex_name = "complex64" if dtype == "float32" else "complex128"
    for n in _sizes(xp, algorithm):
        a = rng.standard_normal((3, n))
        y = sc.rfft(_as(xp, a, dtype), algorithm=algorithm)
        _check_namespace(xp, y)
        assert y.dtype == getattr(xp, complex_name)
        assert tuple(y.shape) == (3, n // 2 + 1)
        assert_close(y, np.fft.rfft(a), n=n)
        spectrum = np.fft.rfft(a) + 0.5j  # imaginary DC/Nyquist parts must be ignored
        x = sc.irfft(_as(xp, spectrum, complex_name), n=n, algorithm=algorithm)
        assert x.dtype == getattr(xp, dtype)
        assert tuple(x.shape) == (3, n)
        assert_close(x, np.fft.irfft(spectrum, n=n), n=n)


@pytest.mark.parametrize("algorithm", ["native", "stockham", "four_step", "recursive", "bluestein"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_axes_norms_and_n(xp, rng, algorithm, axis):
    if _lazy(xp) and algorithm in ("recursive", "bluestein", "stockham"):
        pytest.skip("axis handling is shared by all algorithms; compile/graph time on lazy")
    a = _complex(rng, (6, 5, 4))
    x = xp.asarray(a)
    length = a.shape[axis]
    # every norm with each of: no n, cropping, zero-padding (3 x 3 combinations)
    for i, n in enumerate((None, length - 2, length + 3)):
        for norm in NORMS if not _lazy(xp) else NORMS[i : i + 1]:
            kwargs = {"n": n, "axis": axis, "norm": norm, "algorithm": algorithm}
            size = n or length
            ref = {"n": n, "axis": axis, "norm": norm}
            assert_close(sc.fft(x, **kwargs), np.fft.fft(a, **ref), n=size)
            assert_close(sc.ifft(x, **kwargs), np.fft.ifft(a, **ref), n=size)
            assert_close(sc.rfft(xp.asarray(a.real), **kwargs), np.fft.rfft(a.real, **ref))
            assert_close(sc.irfft(x, **kwargs), np.fft.irfft(a, **ref), n=size)


def test_irfft_default_length(xp, rng):
    a = _complex(rng, (3, 9))
    for algorithm in ("native", "stockham"):
        x = sc.irfft(xp.asarray(a), algorithm=algorithm)
        assert tuple(x.shape) == (3, 16)
        assert_close(x, np.fft.irfft(a), n=16)


def test_dft_idft_definition(xp, rng):
    for n in (1, 6, 31, 64):
        a = _complex(rng, (2, n))
        x = xp.asarray(a)
        for norm in NORMS:
            scale = {"backward": 1.0, "ortho": n**-0.5, "forward": 1.0 / n}[norm]
            y = sc.dft(x, norm=norm)
            _check_namespace(xp, y)
            assert_close(y, scale * a @ _dense_dft(n).T, n=n)
            iscale = {"backward": 1.0 / n, "ortho": n**-0.5, "forward": 1.0}[norm]
            assert_close(sc.idft(x, norm=norm), iscale * a @ _dense_dft(n, True).T, n=n)
    b = _complex(rng, (7, 3))
    assert_close(sc.dft(xp.asarray(b), axis=0), np.fft.fft(b, axis=0), n=7)


def test_dft_large_n_full_accuracy(rng):
    """Integer reduction of k*n mod N keeps the twiddles exact at N = 8192."""
    n = 8192
    a = rng.standard_normal(n)
    assert relative_error(sc.dft(a), np.fft.fft(a)) < 1e-12


def test_four_step_large_and_prime_factors(rng):
    for n in (16384, 2 * 67, 3 * 251, 257):  # 128*128; a factor > 64 that is prime; a prime
        a = _complex(rng, (2, n))
        assert_close(sc.fft(a, algorithm="four_step"), np.fft.fft(a), n=n)
        assert_close(sc.ifft(a, algorithm="four_step"), np.fft.ifft(a), n=n)


def test_dtypes_integer_and_low_precision(xp, rng):
    ints = xp.asarray(np.arange(8))
    y = sc.fft(ints, algorithm="stockham")
    default_complex = xp.complex64 if sc_default_float(xp) == xp.float32 else xp.complex128
    assert y.dtype == default_complex
    assert_close(y, np.fft.fft(np.arange(8.0)), n=8)
    if backend_name(xp) in ("numpy", "torch", "jax.numpy"):
        a = rng.standard_normal((2, 16)).astype(np.float16)
        x = xp.asarray(a)
        for algorithm in (
            ("native", "stockham") if _lazy(xp) else ("native", "stockham", "four_step")
        ):
            y = sc.fft(x, algorithm=algorithm)
            assert y.dtype == xp.complex64
            assert_close(y, np.fft.fft(a.astype(np.float64)), n=16)
            r = sc.irfft(x, n=30, algorithm=algorithm)
            assert r.dtype == xp.float16
        assert sc.fwht(x).dtype == xp.float16


def sc_default_float(xp: ModuleType) -> object:
    return xp.__array_namespace_info__().default_dtypes()["real floating"]


def test_inputs_not_mutated(rng):
    a = _complex(rng, (3, 16))
    copy = a.copy()
    for algorithm in ALGORITHMS:
        sc.fft(a, algorithm=algorithm)
        sc.irfft(a, algorithm=algorithm)
    sc.butterfly_apply(sc.butterfly_factors(16), a)
    sc.fwht(a)
    np.testing.assert_array_equal(a, copy)


# --------------------------------------------------------------------------------------------
# Dense matrix, bit reversal, butterflies, Walsh-Hadamard
# --------------------------------------------------------------------------------------------


def test_dft_matrix(xp):
    for n in (1, 5, 16):
        F = sc.dft_matrix(n, xp=xp, dtype=xp.complex128)
        _check_namespace(xp, F)
        assert F.dtype == xp.complex128
        assert_close(F, _dense_dft(n), n=n)
        assert_close(sc.dft_matrix(n, inverse=True, xp=xp), _dense_dft(n, True) / n, n=n)
    assert sc.dft_matrix(4).dtype == np.complex128


def test_bit_reversal_permutation(xp):
    p = sc.bit_reversal_permutation(16, xp=xp)
    _check_namespace(xp, p)
    assert xp.isdtype(p.dtype, "integral")
    expected = [int(f"{i:04b}"[::-1], 2) for i in range(16)]
    assert to_numpy(p).tolist() == expected
    assert to_numpy(sc.bit_reversal_permutation(1)).tolist() == [0]


def test_butterfly_factors_shapes_and_count():
    for n in (1, 2, 8, 1024):
        factors = sc.butterfly_factors(n)
        assert [tuple(f.shape) for f in factors] == [
            (2, 2, 2**j) for j in range(n.bit_length() - 1)
        ]
        assert sum(f.size for f in factors) == 4 * n - 4


def _level_matrix(f: np.ndarray, n: int) -> np.ndarray:
    """Expand a tied level (2, 2, s/2) to I_{n/s} kron [[D00, D01], [D10, D11]]."""
    block = np.block([[np.diag(f[i, j]) for j in range(2)] for i in range(2)])
    return np.kron(np.eye(n // block.shape[0]), block)


def test_butterfly_dense_product_is_dft_matrix():
    for n in (2, 4, 8, 32):
        factors = [to_numpy(f) for f in sc.butterfly_factors(n)]
        product = np.eye(n, dtype=complex)
        for f in factors:
            product = _level_matrix(f, n) @ product
        permutation = np.eye(n)[to_numpy(sc.bit_reversal_permutation(n))]
        np.testing.assert_allclose(product @ permutation, _dense_dft(n), atol=1e-12)
        assert_close(product @ permutation, to_numpy(sc.dft_matrix(n)), n=n)


def test_butterfly_apply_equals_fft(xp, rng):
    for n in (1, 2, 8, 64) if _lazy(xp) else (1, 2, 8, 64, 1024):
        a = _complex(rng, (3, n))
        factors = sc.butterfly_factors(n, xp=xp, dtype=xp.complex128)
        y = sc.butterfly_apply(factors, xp.asarray(a))
        _check_namespace(xp, y)
        assert_close(y, np.fft.fft(a), n=n)
    b = rng.standard_normal((8, 3))
    y = sc.butterfly_apply(
        sc.butterfly_factors(8, xp=xp, dtype=xp.complex128), xp.asarray(b), axis=0
    )
    assert_close(y, np.fft.fft(b, axis=0), n=8)


def test_butterfly_apply_general_factors(xp, rng):
    """Random (learned) real factors, with and without the permutation, vs the dense product."""
    n = 16
    factors = [rng.standard_normal((2, 2, 2**j)) for j in range(4)]
    product = np.eye(n)
    for f in factors:
        product = _level_matrix(f, n) @ product
    a = rng.standard_normal((5, n))
    xs = [xp.asarray(f) for f in factors]
    y = sc.butterfly_apply(xs, xp.asarray(a), bit_reverse=False)
    assert y.dtype == xp.float64
    assert_close(y, a @ product.T, n=n)
    permutation = np.eye(n)[sc.bit_reversal_permutation(n)]
    assert_close(sc.butterfly_apply(xs, xp.asarray(a)), a @ (product @ permutation).T, n=n)


@pytest.mark.parametrize("norm", NORMS)
def test_fwht_matches_hadamard(xp, rng, norm):
    scale = {"backward": 1.0, "ortho": None, "forward": None}
    for n in (1, 16) if _lazy(xp) else (1, 2, 16, 256):
        H = scipy.linalg.hadamard(n).astype(np.float64)
        s = scale[norm] or (n**-0.5 if norm == "ortho" else 1.0 / n)
        a = rng.standard_normal((3, n))
        y = sc.fwht(xp.asarray(a), norm=norm)
        _check_namespace(xp, y)
        assert y.dtype == xp.float64
        assert_close(y, s * a @ H.T, n=n)
        b = _complex(rng, (n, 2))
        assert_close(sc.fwht(xp.asarray(b), axis=0, norm=norm), s * H @ b, n=n)
    y32 = sc.fwht(xp.asarray(rng.standard_normal(8).astype(np.float32)))
    assert y32.dtype == xp.float32


# --------------------------------------------------------------------------------------------
# Laws (hypothesis)
# --------------------------------------------------------------------------------------------

lengths = st.integers(min_value=1, max_value=48)
algorithms = st.sampled_from(["stockham", "four_step", "recursive", "bluestein", "dft"])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@_skip_lazy
@PROPERTY
@given(n=lengths, algorithm=algorithms, seed=seeds, alpha=st.floats(-3, 3), beta=st.floats(-3, 3))
def test_property_linearity(xp, n, algorithm, seed, alpha, beta):
    rng = np.random.default_rng(seed)
    a, b = _complex(rng, (2, n)), _complex(rng, (2, n))
    A = sc.fft(xp.asarray(a), algorithm=algorithm)
    B = sc.fft(xp.asarray(b), algorithm=algorithm)
    lhs = sc.fft(xp.asarray(alpha * a + beta * b), algorithm=algorithm)
    # Both sides carry the transform's error on |alpha| |A| + |beta| |B| (not on |lhs|, which
    # may cancel): the budget is absolute on that scale.
    scale = abs(alpha) * np.abs(to_numpy(A)).max() + abs(beta) * np.abs(to_numpy(B)).max()
    assert_close(lhs, alpha * A + beta * B, rtol=0.0, atol=2 * tolerance(np.float64, n=n) * scale)


@_skip_lazy
@PROPERTY
@given(n=lengths, algorithm=algorithms, seed=seeds)
def test_property_parseval(xp, n, algorithm, seed):
    a = _complex(np.random.default_rng(seed), (n,))
    X = to_numpy(sc.fft(xp.asarray(a), algorithm=algorithm))
    energy = float(np.sum(np.abs(a) ** 2))
    # |X + d|^2 - |X|^2 <= (2 |X| + |d|) |d| with max|d| <= tol max|X|, summed over n bins and
    # divided by n: the error is at most 3 tol max|X|^2.
    budget = 3 * tolerance(np.float64, n=n) * float(np.abs(X).max()) ** 2
    assert abs(float(np.sum(np.abs(X) ** 2)) / n - energy) <= budget


@_skip_lazy
@PROPERTY
@given(n=lengths, algorithm=algorithms, seed=seeds, norm=st.sampled_from(NORMS))
def test_property_round_trip(xp, n, algorithm, seed, norm):
    a = _complex(np.random.default_rng(seed), (2, n))
    X = sc.fft(xp.asarray(a), algorithm=algorithm, norm=norm)
    assert_close(sc.ifft(X, algorithm=algorithm, norm=norm), a, n=n)
    r = sc.rfft(xp.asarray(a.real), algorithm=algorithm, norm=norm)
    assert_close(sc.irfft(r, n=n, algorithm=algorithm, norm=norm), a.real, n=n)


@_skip_lazy
@PROPERTY
@given(n=lengths, algorithm=algorithms, seed=seeds)
def test_property_convolution_theorem(xp, n, algorithm, seed):
    rng = np.random.default_rng(seed)
    a, b = _complex(rng, (n,)), _complex(rng, (n,))
    # circular convolution c_m = sum_j a_j b_{(m - j) mod N}, by the definition
    index = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    c = (b[index] * a[None, :]).sum(axis=1)
    A = sc.fft(xp.asarray(a), algorithm=algorithm)
    B = sc.fft(xp.asarray(b), algorithm=algorithm)
    lhs = sc.fft(xp.asarray(c), algorithm=algorithm)
    # the product's error is relative to max|A| max|B|, which can exceed max|A B|
    scale = float(np.abs(to_numpy(A)).max() * np.abs(to_numpy(B)).max())
    assert_close(lhs, A * B, rtol=0.0, atol=3 * tolerance(np.float64, n=n) * scale)


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", [sc.fft, sc.ifft, sc.rfft, sc.irfft])
def test_bad_transform_arguments(xp, function):
    x = xp.asarray(np.ones((3, 4)))
    with pytest.raises(ValueError, match="axis"):
        function(x, axis=2)
    with pytest.raises(ValueError, match="`n`"):
        function(x, n=0)
    with pytest.raises(ValueError, match="`n`"):
        function(x, n=-3)
    with pytest.raises(TypeError, match="`n`"):
        function(x, n=2.5)
    with pytest.raises(ValueError, match="norm"):
        function(x, norm="unitary")
    with pytest.raises(ValueError, match="algorithm"):
        function(x, algorithm="radix3")
    with pytest.raises(ValueError, match="empty"):
        function(xp.asarray(np.ones((3, 0))))
    with pytest.raises(ValueError, match="dimension"):
        function(xp.asarray(np.float64(1.0)))
    with pytest.raises(TypeError, match="array"):
        function([1.0, 2.0])


def test_bad_input_other_functions(xp):
    with pytest.raises(TypeError, match="real"):
        sc.rfft(xp.asarray(np.ones(4, dtype=complex)))
    with pytest.raises(ValueError, match="`n`"):
        sc.irfft(xp.asarray(np.ones(1, dtype=complex)))
    with pytest.raises(ValueError, match="axis"):
        sc.dft(xp.asarray(np.ones(4)), axis=1)
    with pytest.raises(ValueError, match="norm"):
        sc.idft(xp.asarray(np.ones(4)), norm="none")
    for bad in (0, 6, 12):
        with pytest.raises(ValueError, match="`n`"):
            sc.bit_reversal_permutation(bad)
        with pytest.raises(ValueError, match="`n`"):
            sc.butterfly_factors(bad)
    with pytest.raises(TypeError, match="`n`"):
        sc.butterfly_factors(4.0)
    with pytest.raises(ValueError, match="`n`"):
        sc.dft_matrix(0)
    with pytest.raises(TypeError, match="dtype"):
        sc.dft_matrix(4, xp=xp, dtype=xp.float64)
    with pytest.raises(ValueError, match="power-of-two"):
        sc.fwht(xp.asarray(np.ones((2, 6))))
    with pytest.raises(ValueError, match="empty"):
        sc.fwht(xp.asarray(np.ones((2, 0))))
    with pytest.raises(ValueError, match="norm"):
        sc.fwht(xp.asarray(np.ones(4)), norm="x")
    x = xp.asarray(np.ones((2, 8)))
    factors = sc.butterfly_factors(8, xp=xp)
    with pytest.raises(ValueError, match="levels"):
        sc.butterfly_apply(factors[:2], x)
    with pytest.raises(ValueError, match=r"factors\[1\]"):
        sc.butterfly_apply((factors[0], factors[0], factors[2]), x)
    with pytest.raises(TypeError, match="factors"):
        sc.butterfly_apply(iter(factors), x)
    with pytest.raises(ValueError, match="power-of-two"):
        sc.butterfly_apply(factors, xp.asarray(np.ones((2, 6))))
