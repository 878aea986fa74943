# ruff: noqa: E501  (the bad-input table keeps one row per line)
"""Bad input, everywhere: one table drives both these tests and ``docs/bad_input.md``.

Each row of ``ROWS`` is a public function, a bad input, the exception type and a fragment of
its message (the fragment names the offending argument). ``test_bad_input`` runs every row;
``test_doc_table_matches`` checks that ``docs/bad_input.md`` is exactly what
``render_markdown()`` prints; regenerate it with ``python -m tests.test_bad_input``.

Rows marked ``xfail`` are known bugs (strict xfail: they pass the day the bug is fixed and
must then lose the mark). ``ACCEPTED`` lists odd-looking inputs that are *meant* to work, each
checked against a definition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import specconv as sc

_rng = np.random.default_rng(0)


def n(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape)


def c(*shape: int) -> np.ndarray:
    return n(*shape) + 1j * n(*shape)


def _torch() -> Any:
    return pytest.importorskip("torch")


@dataclass(frozen=True)
class Row:
    function: str
    case: str
    exception: type[Exception]
    message: str
    call: Callable[[], Any]
    xfail: str = ""


q3 = n(2, 6, 3)
v2 = n(2, 6, 2)
modes = -0.5 + 1j * np.arange(1, 3.0)
fp = sc.fftnet_init(8, 16, 2)
h3p = sc.h3_init(4, d_state=4, head_dim=2)

# fmt: off
ROWS: list[Row] = [
    Row('dft', '0-d input', ValueError, '`x` must have at least 1 dimension(s), got', lambda: sc.dft(np.asarray(1.0))),
    Row('dft', 'empty axis', ValueError, '`x` must not be empty along axis 1, got shape', lambda: sc.dft(np.zeros((3, 0)))),
    Row('dft', 'list input', TypeError, '`x` must be an array (NumPy, CuPy, PyTorch,', lambda: sc.dft([1.0, 2.0])),
    Row('dft', 'string dtype', TypeError, '`x` must have a numeric dtype, got <U1', lambda: sc.dft(np.array(["a", "b"]))),
    Row('dft', 'axis out of range', ValueError, '`axis`=3 is out of bounds for an array of 1', lambda: sc.dft(n(4), axis=3)),
    Row('dft', 'unknown norm', ValueError, "`norm` must be one of 'backward', 'ortho',", lambda: sc.dft(n(4), norm="unitary")),
    Row('ifft', 'empty axis', ValueError, '`X` must not be empty', lambda: sc.ifft(np.zeros((2, 0), dtype=complex))),
    Row('ifft', 'unknown norm', ValueError, '`norm` must be one of', lambda: sc.ifft(c(4), norm="none")),
    Row('idft', 'object dtype', TypeError, '`X` must have a numeric dtype, got object', lambda: sc.idft(np.array([1, None], dtype=object))),
    Row('fft', 'n = 0', ValueError, '`n` must be >= 1, got 0', lambda: sc.fft(n(8), n=0)),
    Row('fft', 'n not an int', TypeError, '`n` must be an integer, got float', lambda: sc.fft(n(8), n=4.5)),
    Row('fft', 'unknown algorithm', ValueError, "`algorithm` must be one of 'auto', 'native',", lambda: sc.fft(n(8), algorithm="radix4")),
    Row('fft', 'scalar input', TypeError, '`x` must be an array (NumPy, CuPy, PyTorch,', lambda: sc.fft(3.0)),
    Row('fft', 'empty axis', ValueError, '`x` must not be empty along axis 0, got shape', lambda: sc.fft(np.zeros(0))),
    Row('rfft', 'complex input', TypeError, '`x` must be real, got dtype complex128', lambda: sc.rfft(c(8))),
    Row('rfft', 'empty axis', ValueError, '`x` must not be empty along axis 1, got shape', lambda: sc.rfft(np.zeros((2, 0)))),
    Row('irfft', 'n = 1 odd length', ValueError, '`n` must be >= 1, got -2', lambda: sc.irfft(c(5), n=-2)),
    Row('irfft', 'single bin, default n', ValueError, '`n` must be >= 1; its default 2*(m - 1) is 0', lambda: sc.irfft(c(1))),
    Row('dft_matrix', 'n = 0', ValueError, '`n` must be >= 1, got 0', lambda: sc.dft_matrix(0)),
    Row('dft_matrix', 'real dtype', TypeError, '`dtype` must be a complex floating dtype, got', lambda: sc.dft_matrix(4, dtype=np.float64)),
    Row('dft_matrix', 'xp not a namespace', TypeError, '`xp` must be an array API namespace (e.g.', lambda: sc.dft_matrix(4, xp="numpy")),
    Row('bit_reversal_permutation', 'n not power of two', ValueError, '`n` must be a power of two, got 6', lambda: sc.bit_reversal_permutation(6)),
    Row('bit_reversal_permutation', 'n negative', ValueError, '`n` must be >= 1, got -4', lambda: sc.bit_reversal_permutation(-4)),
    Row('butterfly_factors', 'n not power of two', ValueError, '`n` must be a power of two, got 12', lambda: sc.butterfly_factors(12)),
    Row('butterfly_apply', 'length != product of factors', ValueError, '`factors` must have log2(n) = 2 levels for n =', lambda: sc.butterfly_apply(sc.butterfly_factors(8), n(4))),
    Row('butterfly_apply', 'factor of wrong shape', ValueError, '`factors[0]` must have shape (2, 2, 1), got (2,', lambda: sc.butterfly_apply((c(2, 2, 3),), n(2))),
    Row('butterfly_apply', 'factors not a sequence', TypeError, '`factors` must be a list or tuple of arrays,', lambda: sc.butterfly_apply(c(2, 2, 1), n(2))),
    Row('butterfly_apply', 'mixed backends', TypeError, 'array arguments must come from one array', lambda: sc.butterfly_apply(sc.butterfly_factors(4), _torch().ones(4))),
    Row('fwht', 'length not power of two', ValueError, '`x` must have a power-of-two length along axis', lambda: sc.fwht(n(6))),
    Row('causal_conv', 'u 0-d', ValueError, '`u` must have at least 1 dimension(s), got', lambda: sc.causal_conv(np.asarray(1.0), n(3))),
    Row('causal_conv', 'kernel leading axes do not broadcast', ValueError, 'shapes do not broadcast together: `u` (2, 3),', lambda: sc.causal_conv(n(2, 3, 8), n(5, 4))),
    Row('causal_conv', 'empty u', ValueError, '`u` must not be empty along axis -1, got shape', lambda: sc.causal_conv(np.zeros((3, 0)), n(3, 2))),
    Row('causal_conv', 'empty k', ValueError, '`k` must not be empty along axis -1, got shape', lambda: sc.causal_conv(n(3, 8), np.zeros((3, 0)))),
    Row('causal_conv', 'D does not broadcast', ValueError, 'shapes do not broadcast together: `u` (2, 3),', lambda: sc.causal_conv(n(2, 3, 8), n(3, 4), D=n(4))),
    Row('causal_conv', 'k list', TypeError, '`k` must be an array (NumPy, CuPy, PyTorch,', lambda: sc.causal_conv(n(8), [1.0, 0.5])),
    Row('causal_conv', 'mixed numpy/torch', TypeError, 'array arguments must come from one array', lambda: sc.causal_conv(n(8), _torch().ones(3))),
    Row('causal_conv', 'str dtype', TypeError, '`u` must have a numeric dtype, got <U1', lambda: sc.causal_conv(np.array(["a"] * 4), n(2))),
    Row('causal_conv', 'unknown method', ValueError, "`method` must be one of 'auto', 'direct',", lambda: sc.causal_conv(n(8), n(3), method="winograd")),
    Row('causal_conv', 'D scalar float', TypeError, '`D` must be an array (NumPy, CuPy, PyTorch,', lambda: sc.causal_conv(n(8), n(3), D=0.5)),
    Row('conv_plan', 'L = 0', ValueError, '`L` must be >= 1, got 0', lambda: sc.conv_plan(n(3), 0)),
    Row('conv_plan', 'u length != L', ValueError, '`u` must have length 8 along axis -1 (the L the', lambda: sc.conv_plan(n(3), 8)(n(6))),
    Row('conv_plan', 'u mixed backend', TypeError, 'array arguments must come from one array', lambda: sc.conv_plan(n(3), 8)(_torch().ones(8, dtype=_torch().float64))),
    Row('circular_conv', 'empty', ValueError, '`u` must not be empty along axis -1, got shape', lambda: sc.circular_conv(np.zeros(0), np.zeros(0))),
    Row('toeplitz', 'c 2-d c scalar', ValueError, '`c` must have at least 1 dimension(s), got', lambda: sc.toeplitz(np.asarray(1.0))),
    Row('toeplitz', 'c and r mixed', TypeError, 'array arguments must come from one array', lambda: sc.toeplitz(n(3), _torch().ones(3))),
    Row('toeplitz_matmul', 'x rows != n', ValueError, '`x` must have length 4 along axis -1 (the', lambda: sc.toeplitz_matmul(n(4), n(4), n(5))),
    Row('toeplitz_matmul', 'c and r lengths differ', ValueError, '`x` must have length 3 along axis -1 (the', lambda: sc.toeplitz_matmul(n(4), n(3), n(4))),
    Row('toeplitz_matmul', 'x 0-d', ValueError, '`x` must have at least 1 dimension(s), got', lambda: sc.toeplitz_matmul(n(4), n(4), np.asarray(1.0))),
    Row('hippo', 'unknown measure', ValueError, "`measure` must be one of 'legs', 'legt',", lambda: sc.hippo("chebyshev", 4)),
    Row('hippo', 'N = 0', ValueError, '`N` must be >= 1, got 0', lambda: sc.hippo("legs", 0)),
    Row('hippo', 'N float', TypeError, '`N` must be an integer, got float', lambda: sc.hippo("legs", 4.0)),
    Row('hippo_dplr', 'N odd', ValueError, "`N` must be even for 'legs' (conjugate-half storage", lambda: sc.hippo_dplr("legs", 5)),
    Row('hippo_dplr', 'rank 0', ValueError, '`rank` must be >= 1, got 0', lambda: sc.hippo_dplr("legs", 4, rank=0)),
    Row('s4d_init', 'N odd', ValueError, "`N` must be even for 'lin' (conjugate-half storage", lambda: sc.s4d_init("lin", 5)),
    Row('s4d_init', 'unknown kind', ValueError, "`kind` must be one of 'lin', 'inv', 'real',", lambda: sc.s4d_init("log", 4)),
    Row('discretize', 'A not square', ValueError, 'dense `A` must have shape (..., 3, 3) to match', lambda: sc.discretize(n(3, 4), n(3), 0.1)),
    Row('discretize', 'B length != N', ValueError, 'dense `A` must have shape (..., 4, 4) to match', lambda: sc.discretize(-np.eye(3), n(4), 0.1)),
    Row('discretize', 'singular I - dt/2 A', ValueError, '`A`, `dt`: the matrix I - dt/2 A is singular', lambda: sc.discretize(np.diag([2.0, -1.0]), n(2), 1.0)),
    Row('discretize', 'singular dense I - dt/2 A', ValueError, '`A`, `dt`: the matrix I - dt/2 A is singular', lambda: sc.discretize(np.array([[2.0, 0.0], [0.0, -1.0]]), n(2), 1.0)),
    Row('discretize', 'dt = nan', ValueError, '`dt` must be positive and finite, got nan', lambda: sc.discretize(-np.eye(2), n(2), float("nan"))),
    Row('discretize', 'dt <= 0', ValueError, '`dt` must be positive and finite, got -0.1', lambda: sc.discretize(-np.eye(2), n(2), -0.1)),
    Row('discretize', 'dt = inf', ValueError, '`dt` must be positive and finite, got inf', lambda: sc.discretize(-np.eye(2), n(2), float("inf"))),
    Row('discretize', 'unknown method', ValueError, "`method` must be one of 'bilinear', 'zoh',", lambda: sc.discretize(-np.eye(2), n(2), 0.1, method="rk4")),
    Row('discretize', 'dt string', TypeError, '`dt` must be a positive real number or a real', lambda: sc.discretize(-np.eye(2), n(2), "0.1")),
    Row('ssm_kernel', 'L = 0', ValueError, '`L` must be >= 1, got 0', lambda: sc.ssm_kernel(0.5 * np.eye(2), n(2), n(2), 0)),
    Row('ssm_kernel', 'C length != N', ValueError, '`C` must have shape (..., 2) (the state size),', lambda: sc.ssm_kernel(0.5 * np.eye(2), n(2), n(3), 4)),
    Row('ssm_kernel', 'unstable Abar', ValueError, '`Abar`', lambda: sc.ssm_kernel(2.0 * np.eye(2), n(2), n(2), 4)),
    Row('s4d_kernel', 'unstable Lambda', ValueError, '`Lambda` has eigenvalues with positive real', lambda: sc.s4d_kernel(np.array([0.5 + 1j]), c(1), c(1), 0.1, 4)),
    Row('s4d_kernel', 'Lambda/B length mismatch', ValueError, '`B` must have shape (..., N/2) with the same', lambda: sc.s4d_kernel(modes, c(3), c(2), 0.1, 4)),
    Row('s4d_kernel', 'dt negative', ValueError, '`dt` must be positive and finite, got -0.1', lambda: sc.s4d_kernel(modes, c(2), c(2), -0.1, 4)),
    Row('s4d_kernel', 'dt nan', ValueError, '`dt` must be positive and finite, got nan', lambda: sc.s4d_kernel(modes, c(2), c(2), float("nan"), 4)),
    Row('s4d_kernel', 'Lambda nan', ValueError, '`Lambda`', lambda: sc.s4d_kernel(np.array([np.nan + 1j, -1 + 1j]), c(2), c(2), 0.1, 4)),
    Row('s4d_kernel', 'L = 0', ValueError, '`L` must be >= 1, got 0', lambda: sc.s4d_kernel(modes, c(2), c(2), 0.1, 0)),
    Row('s4d_kernel', 'unknown discretization', ValueError, "`discretization` must be one of 'zoh',", lambda: sc.s4d_kernel(modes, c(2), c(2), 0.1, 4, discretization="euler")),
    Row('s4_kernel', 'P rank axis missing', ValueError, '`P` must have shape (..., rank, N/2), got shape', lambda: sc.s4_kernel(modes, c(2), c(2), c(2), 0.1, 4)),
    Row('s4_kernel', 'P length mismatch', ValueError, '`P` must have shape (..., rank, 2), got (1, 3)', lambda: sc.s4_kernel(modes, c(1, 3), c(2), c(2), 0.1, 4)),
    Row('s4_kernel', 'unstable Lambda', ValueError, '`Lambda` has eigenvalues with positive real', lambda: sc.s4_kernel(np.array([0.5 + 1j, -1 + 2j]), c(1, 2), c(2), c(2), 0.1, 4)),
    Row('s4_kernel', 'L = 0', ValueError, '`L` must be >= 1, got 0', lambda: sc.s4_kernel(modes, c(1, 2), c(2), c(2), 0.1, 0)),
    Row('ssm_scan', 'x0 wrong size', ValueError, '`x0` must have shape (..., 2) (the state size),', lambda: sc.ssm_scan(0.5 * np.eye(2), n(2), n(2), n(5), x0=n(3))),
    Row('ssm_scan', 'Bbar length != N', ValueError, 'dense `Abar` must have shape (..., 3, 3) to', lambda: sc.ssm_scan(0.5 * np.eye(2), n(3), n(2), n(5))),
    Row('softmax_attention', 'Dk mismatch', ValueError, '`q` and `k` must have the same head dimension', lambda: sc.softmax_attention(n(6, 3), n(6, 4), n(6, 2))),
    Row('softmax_attention', 'k/v length mismatch', ValueError, '`k` and `v` must have the same length S (axis', lambda: sc.softmax_attention(n(6, 3), n(5, 3), n(6, 2))),
    Row('softmax_attention', '1-d q', ValueError, '`q` must have at least 2 dimension(s), got', lambda: sc.softmax_attention(n(3), n(6, 3), n(6, 2))),
    Row('softmax_attention', 'bias wrong shape', ValueError, 'shapes do not broadcast together: `bias` (5,', lambda: sc.softmax_attention(n(6, 3), n(6, 3), n(6, 2), bias=n(5, 5))),
    Row('softmax_attention', 'causal with T != S', ValueError, 'softmax_attention: causal=True needs as many', lambda: sc.softmax_attention(n(4, 3), n(6, 3), n(6, 2), causal=True)),
    Row('softmax_attention', 'empty keys', ValueError, '`k`', lambda: sc.softmax_attention(n(4, 3), np.zeros((0, 3)), np.zeros((0, 2)))),
    Row('softmax_attention', 'scale nan', ValueError, '`scale`', lambda: sc.softmax_attention(n(6, 3), n(6, 3), n(6, 2), scale=float("nan"))),
    Row('linear_attention', 'Dk mismatch', ValueError, '`q` and `k` must have the same head dimension', lambda: sc.linear_attention(n(6, 3), n(6, 4), n(6, 2))),
    Row('linear_attention', 'parallel with causal', ValueError, "`method`='parallel' computes non-causal", lambda: sc.linear_attention(q3, q3, v2, causal=True, method="parallel")),
    Row('linear_attention', 'unknown feature map', ValueError, "`feature_map` must be one of 'elu', 'identity';", lambda: sc.linear_attention(q3, q3, v2, feature_map="relu")),
    Row('linear_attention', 'chunk_size 0', ValueError, '`chunk_size` must be >= 1, got 0', lambda: sc.linear_attention(q3, q3, v2, method="chunked", causal=True, chunk_size=0)),
    Row('linear_attention', 'eps negative', ValueError, '`eps`', lambda: sc.linear_attention(q3, q3, v2, eps=-1.0)),
    Row('linear_attention', 'causal T != S', ValueError, 'linear_attention: causal=True needs as many', lambda: sc.linear_attention(n(4, 3), n(6, 3), n(6, 2), causal=True)),
    Row('linear_attention', 'mixed backends', TypeError, 'array arguments must come from one array', lambda: sc.linear_attention(q3, _torch().from_numpy(q3), v2)),
    Row('linear_attention_step', 'state wrong shape', ValueError, '`state` S must have shape (..., 3, 2), got (3,', lambda: sc.linear_attention_step(n(3), n(3), n(2), (n(3, 3), n(3)))),
    Row('linear_attention_step', 'state not a pair', TypeError, '`state` must be None or a pair (S, z), got', lambda: sc.linear_attention_step(n(3), n(3), n(2), n(3, 2))),
    Row('linear_attention_step', 'k_t/q_t size mismatch', ValueError, '`q_t` and `k_t` must have the same last (head)', lambda: sc.linear_attention_step(n(3), n(4), n(2))),
    Row('elu_feature_map', 'list', TypeError, '`x` must be an array (NumPy, CuPy, PyTorch,', lambda: sc.elu_feature_map([1.0])),
    Row('elu_feature_map', 'complex', TypeError, '`x` must be real, got dtype complex128', lambda: sc.elu_feature_map(c(3))),
    Row('random_features', 'm = 0', ValueError, '`m` must be >= 1, got 0', lambda: sc.random_features(0, 4)),
    Row('random_features', 'd float', TypeError, '`d` must be an integer, got float', lambda: sc.random_features(4, 2.5)),
    Row('favor_features', 'd mismatch', ValueError, '`x` must have last dimension 3 (the columns of', lambda: sc.favor_features(n(5, 4), n(6, 3), is_query=True)),
    Row('favor_features', 'omega 1-d', ValueError, '`omega` must have exactly 2 dimension(s), got', lambda: sc.favor_features(n(5, 4), n(4), is_query=True)),
    Row('kernelized_rpe_attention', 'b wrong length', ValueError, '`b` must have length 2T - 1 = 11 along its last', lambda: sc.kernelized_rpe_attention(q3, q3, v2, n(2, 10))),
    Row('kernelized_rpe_attention', 'T != S', ValueError, 'kernelized_rpe_attention needs as many keys as', lambda: sc.kernelized_rpe_attention(n(2, 4, 3), q3, v2, n(2, 11))),
    Row('kernelized_rpe_attention', 'b non-finite', ValueError, '`b`', lambda: sc.kernelized_rpe_attention(q3, q3, v2, np.full((2, 11), np.nan))),
    Row('kernelized_rpe_attention', 'unknown method', ValueError, "`method` must be one of 'fft', 'direct'; got", lambda: sc.kernelized_rpe_attention(q3, q3, v2, n(2, 11), method="fast")),
    Row('kernelized_rpe_attention', 'complex b', TypeError, '`b` must be real, got dtype complex128', lambda: sc.kernelized_rpe_attention(q3, q3, v2, c(2, 11))),
    Row('modrelu', 'b does not broadcast', ValueError, 'shapes do not broadcast together: `z` (3, 5),', lambda: sc.modrelu(c(3, 5), n(4))),
    Row('modrelu', 'eps <= 0', ValueError, '`eps` must be positive, got 0.0', lambda: sc.modrelu(c(3, 5), n(5), eps=0.0)),
    Row('modrelu', 'complex b', TypeError, '`b` must be real, got dtype complex128', lambda: sc.modrelu(c(3, 5), c(5))),
    Row('spectral_filter', 'w wrong bins', ValueError, 'shapes do not broadcast together: `rfft(x)` (2,', lambda: sc.spectral_filter(n(2, 8, 3), n(4, 1))),
    Row('spectral_filter', 'complex x', TypeError, '`x` must be real, got dtype complex128', lambda: sc.spectral_filter(c(2, 8, 3), n(5, 1))),
    Row('fftnet_init', 'dim not divisible by heads', ValueError, '`dim`=6 must be divisible by `heads`=4', lambda: sc.fftnet_init(6, 16, 4)),
    Row('fftnet_init', 'seq_len 0', ValueError, '`seq_len` must be >= 1, got 0', lambda: sc.fftnet_init(8, 0, 2)),
    Row('fftnet_mixer', 'seq_len != params', ValueError, '`x` has N=12 tokens (N//2+1=7 frequency bins)', lambda: sc.fftnet_mixer(n(2, 12, 8), fp)),
    Row('fftnet_mixer', 'dim != params', ValueError, '`params.w1` must have shape (6, 6) (D=6, H=2,', lambda: sc.fftnet_mixer(n(2, 16, 6), fp)),
    Row('fftnet_mixer', 'params not FFTNetParams', TypeError, '`params` must be an FFTNetParams, got dict', lambda: sc.fftnet_mixer(n(2, 16, 8), {"w1": 1})),
    Row('h3', 'wrong params type', TypeError, '`params` must be a H3Params, got FFTNetParams', lambda: sc.h3(n(2, 8, 4), fp)),
    Row('h3', 'd_model mismatch', ValueError, '`params.wq` must have shape (6, 6) (D=6, H=2,', lambda: sc.h3(n(2, 8, 6), h3p)),
    Row('h3', '1-d u', ValueError, '`u` must have at least 2 dimension(s), got', lambda: sc.h3(n(4), h3p)),
    Row('h3', 'empty sequence', ValueError, '`u` must not be empty along axis -2, got shape', lambda: sc.h3(np.zeros((2, 0, 4)), h3p)),
    Row('h3_init', 'd_state odd', ValueError, '`d_state` must be even (conjugate-half storage', lambda: sc.h3_init(4, d_state=3)),
    Row('hyena', 'L > l_max', ValueError, '`u` has L=40 tokens, more than the l_max=32 of', lambda: sc.hyena(n(1, 40, 4), sc.hyena_init(4, 32, filter_order=8))),
    Row('hyena_init', 'order 0', ValueError, '`order` must be >= 1, got 0', lambda: sc.hyena_init(4, 32, order=0)),
    Row('gss', 'd_model mismatch', ValueError, '`params.ln_weight` must have shape (4,) (E=4,', lambda: sc.gss(n(2, 8, 4), sc.gss_init(8, d_state=8))),
    Row('gss_init', 'd_state odd', ValueError, '`d_state` must be even (conjugate-half storage', lambda: sc.gss_init(8, d_state=7)),

]
# fmt: on


def _accepted() -> list[tuple[str, str, Callable[[], tuple[Any, Any]]]]:
    """(function, input, thunk returning (result, definition-level expectation))."""
    x6, u8, k5, kc = n(6), n(8), n(5), n(3)
    uc, x8, x12, p8 = c(8), n(8, 8), c(12), sc.fftnet_init(8, 8, 2)
    return [
        (
            "fft",
            "bool input: promoted to float64",
            lambda: (sc.fft(np.array([True, False, True])), np.fft.fft([1.0, 0.0, 1.0])),
        ),
        (
            "fft",
            "N=6 with algorithm='recursive': falls back to Bluestein",
            lambda: (sc.fft(x6, algorithm="recursive"), np.fft.fft(x6)),
        ),
        (
            "fft",
            "N=6 with algorithm='stockham': falls back to Bluestein",
            lambda: (sc.fft(x6, algorithm="stockham"), np.fft.fft(x6)),
        ),
        (
            "causal_conv",
            "complex u: complex result",
            lambda: (sc.causal_conv(uc, kc), np.convolve(uc, kc)[:8]),
        ),
        (
            "circular_conv",
            "Lk < L: kernel zero-padded to the period",
            lambda: (
                sc.circular_conv(u8, k5),
                np.array([sum(k5[s] * u8[(t - s) % 8] for s in range(5)) for t in range(8)]),
            ),
        ),
        (
            "ssm_scan",
            "L = 0: empty output",
            lambda: (sc.ssm_scan(0.5 * np.eye(2), n(2), n(2), np.zeros(0)), np.zeros(0)),
        ),
        (
            "fftnet_mixer",
            "x (N, D) without a batch axis",
            lambda: (sc.fftnet_mixer(x8, p8), sc.fftnet_mixer(x8[None], p8)[0]),
        ),
        (
            "ifft",
            "N=12 with algorithm='stockham': falls back to Bluestein",
            lambda: (sc.ifft(x12, algorithm="stockham"), np.fft.ifft(x12)),
        ),
    ]


ACCEPTED = _accepted()


def render_markdown() -> str:
    """The documentation page, generated from ``ROWS`` and ``ACCEPTED``."""
    lines = [
        "# Bad input",
        "",
        "Every public function validates its arguments before computing. Shapes and values give",
        "`ValueError`, types and dtypes `TypeError`; the message names the argument. Value-based",
        "checks (finiteness, stability, singularity) are skipped on lazy arrays (Dask, JAX under",
        "`jit`); shape checks always run. This table is generated from `tests/test_bad_input.py`",
        "(`python -m tests.test_bad_input`), where each row is also a test.",
        "",
        "Rows marked **known bug** do not behave as listed yet: the expected behaviour is given and",
        "the test is a strict `xfail`.",
        "",
        "| function | bad input | exception | message contains |",
        "|---|---|---|---|",
    ]
    for row in ROWS:
        case = row.case + (" (**known bug**)" if row.xfail else "")
        message = row.message.replace("|", "\\|").replace("<", "\\<")  # CommonMark escapes
        lines.append(f"| `{row.function}` | {case} | `{row.exception.__name__}` | {message} |")
    lines += [
        "",
        "## Inputs that are accepted on purpose",
        "",
        "| function | input |",
        "|---|---|",
    ]
    lines += [f"| `{function}` | {case} |" for function, case, _ in ACCEPTED]
    return "\n".join(lines) + "\n"


DOC = Path(__file__).resolve().parents[1] / "docs" / "bad_input.md"


def _params() -> list[Any]:
    return [
        pytest.param(
            row,
            id=f"{row.function}-{row.case}",
            marks=[pytest.mark.xfail(reason=row.xfail, strict=True)] if row.xfail else [],
        )
        for row in ROWS
    ]


@pytest.mark.parametrize("row", _params())
def test_bad_input(row: Row) -> None:
    with pytest.raises(row.exception, match=re.escape(row.message)):
        row.call()


@pytest.mark.parametrize(("function", "case", "thunk"), ACCEPTED, ids=[a[1] for a in ACCEPTED])
def test_accepted_input(function: str, case: str, thunk: Callable[[], tuple[Any, Any]]) -> None:
    got, want = thunk()
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)


def test_every_public_function_has_a_row() -> None:
    from tests.test_no_mutation import NOT_OPERATIONS

    listed = {row.function for row in ROWS}
    # these take no argument that can be of the wrong kind beyond what the others check
    exempt = {"h3_reference", "hyena_reference", "gss_reference"}
    assert set(sc.__all__) - NOT_OPERATIONS - exempt - listed == set()


def test_doc_table_matches() -> None:
    assert DOC.read_text() == render_markdown(), "regenerate: python -m tests.test_bad_input"


if __name__ == "__main__":
    DOC.write_text(render_markdown())
    print(f"wrote {DOC}")
