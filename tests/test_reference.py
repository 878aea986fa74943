"""The golden vectors: reproducible byte for byte, well-formed, and right by independent peers.

The generator's definitions (reference/generate.py, extended-precision NumPy) are checked
against numpy.fft, numpy.convolve, scipy.linalg and scipy.signal, and the committed expected
outputs are re-derived from the committed inputs with those peers, so the vectors do not
depend on the generator alone.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import specconv as sc
from specconv.testing import assert_close, tolerance
from specconv.validate import GoldenCase, load_cases

ROOT = Path(__file__).resolve().parents[1] / "reference"
pytest.importorskip("scipy")
import scipy.linalg  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.special  # noqa: E402

EXTENDED = np.finfo(np.longdouble).nmant >= 63  # the committed files come from x86-64 longdouble


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "specconv_reference_generate", ROOT / "generate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def cases(op: str) -> list[GoldenCase]:
    return load_cases(op, reference=ROOT)


def inputs(case: GoldenCase) -> dict[str, Any]:
    out = {}
    for entry in case.inputs:
        if entry["kind"] in ("array", "scalar"):
            out[entry["name"]] = case.array(entry["key"])
    return out


# --------------------------------------------------------------------------------------------
# Reproducibility and format
# --------------------------------------------------------------------------------------------


@pytest.mark.skipif(not EXTENDED, reason="byte identity needs the 80-bit longdouble of x86-64")
def test_regenerated_files_are_byte_identical(gen: ModuleType, tmp_path: Path) -> None:
    gen.main(["--out", str(tmp_path)])
    committed = sorted(
        p.relative_to(ROOT) for p in ROOT.rglob("*") if p.suffix in (".npz", ".json")
    )
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == fresh
    for rel in committed:
        assert (ROOT / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_size_and_plain_numpy_loading() -> None:
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    assert total < 5 * 2**20
    manifest = json.loads((ROOT / "manifest.json").read_text())
    for entry in manifest["cases"]:
        with np.load(ROOT / entry["file"]) as data:  # NumPy alone, no pickle
            for out in entry["outputs"]:
                arr = data[out["key"]]
                assert list(arr.shape) == out["shape"]
                assert str(arr.dtype) == out["dtype"]
                assert np.isfinite(arr).all()
            for inp in entry["inputs"]:
                keys = inp.get("keys", []) + list(inp.get("fields", {}).values())
                keys += [inp["key"]] if "key" in inp else []
                for key in keys:
                    arr = data[key]
                    if arr.dtype.kind in "fc":  # float32-representable inputs
                        low = np.complex64 if arr.dtype.kind == "c" else np.float32
                        assert np.array_equal(arr.astype(low).astype(arr.dtype), arr), key


def test_every_public_operation_has_cases() -> None:
    ops = {c.op for c in load_cases(reference=ROOT)}
    wanted = {
        "dft", "idft", "fft", "ifft", "rfft", "irfft", "fwht", "butterfly_apply",
        "causal_conv", "circular_conv", "toeplitz_matmul", "discretize", "ssm_kernel",
        "s4d_kernel", "s4_kernel", "ssm_scan", "softmax_attention", "linear_attention",
        "kernelized_rpe_attention", "fftnet_mixer", "h3", "hyena", "gss",
    }  # fmt: skip
    assert wanted <= ops
    for op in ops:
        assert len(cases(op)) >= 3, op
        for case in cases(op):
            assert case.n >= 1
            assert case.description
            assert case.formula


def test_contract_argument_names() -> None:
    names = {
        op: [i["name"] for i in cases(op)[-1].inputs]
        for op in ("causal_conv", "s4d_kernel", "softmax_attention")
    }
    assert set(names["causal_conv"]) <= {"u", "k", "D"}
    assert names["s4d_kernel"] == ["Lambda", "B", "C", "dt", "L"]
    assert names["softmax_attention"][:3] == ["q", "k", "v"]


# --------------------------------------------------------------------------------------------
# The generator's definitions against peers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("N", [1, 2, 7, 64, 97, 1000])
def test_dft_definition_vs_numpy(gen: ModuleType, rng: np.random.Generator, N: int) -> None:
    x = rng.standard_normal((2, N)) + 1j * rng.standard_normal((2, N))
    for norm in ("backward", "ortho", "forward"):
        assert_close(gen.out64(gen.dft_def(x, norm=norm)), np.fft.fft(x, norm=norm), n=N)
        assert_close(
            gen.out64(gen.dft_def(x, inverse=True, norm=norm)), np.fft.ifft(x, norm=norm), n=N
        )
    for n in (N, 2 * N + 1, 2 * N):
        X = np.fft.rfft(rng.standard_normal(n))
        assert_close(gen.out64(gen.irfft_def(X, n)), np.fft.irfft(X, n), n=n)


def test_hadamard_vs_scipy(gen: ModuleType) -> None:
    for n in (1, 2, 16, 64):
        assert np.array_equal(gen.hadamard(n).astype(int), scipy.linalg.hadamard(n))


def test_conv_definitions_vs_peers(gen: ModuleType, rng: np.random.Generator) -> None:
    for L, Lk in ((1, 1), (50, 3), (40, 64), (97, 97)):
        u, k = rng.standard_normal(L), rng.standard_normal(Lk)
        assert_close(gen.out64(gen.causal_conv_def(u, k)), np.convolve(u, k)[:L], n=L + Lk)
        c = rng.standard_normal(L)
        circ = np.real(np.fft.ifft(np.fft.fft(u) * np.fft.fft(c)))
        assert_close(gen.out64(gen.circular_conv_def(u, c)), circ, n=L)
        r, x = rng.standard_normal(L), rng.standard_normal((L, 2))
        T = gen.out64(gen.toeplitz_def(c, r))
        assert np.array_equal(T, scipy.linalg.toeplitz(c, r))
        assert_close(gen.out64(T @ x), scipy.linalg.matmul_toeplitz((c, r), x), n=2 * L)


@pytest.mark.parametrize("method", ["bilinear", "zoh", "euler", "backward_euler"])
def test_discretize_definition_vs_cont2discrete(
    gen: ModuleType, rng: np.random.Generator, method: str
) -> None:
    A, B = gen.hippo_legs(8)
    A2 = rng.standard_normal((5, 5)) / 3 - np.eye(5)
    for A_, B_, dt in ((A, B, 0.01), (A2, rng.standard_normal(5), 0.3)):
        N = A_.shape[0]
        name = {"euler": "euler", "backward_euler": "backward_diff"}.get(method, method)
        Ad, Bd, *_ = scipy.signal.cont2discrete(
            (A_, B_[:, None], np.eye(N), np.zeros((N, 1))), dt, method=name
        )
        Abar, Bbar = gen.discretize_def(A_, B_, dt, method)
        assert_close(gen.out64(Abar), Ad, n=N * N)
        assert_close(gen.out64(Bbar), Bd[:, 0], n=N * N)
        # The diagonal formulas are the dense ones on a diagonal matrix.
        lam = -rng.uniform(0.5, 3, 4) + 1j * rng.uniform(0, 5, 4)
        b = rng.standard_normal(4) + 0j
        Ad_diag, Bd_diag = gen.discretize_def(np.diag(lam), b, dt, method)
        a, bb = gen.discretize_def(lam, b, dt, method)
        assert_close(gen.out64(a), np.diag(gen.out64(Ad_diag)), n=16)
        assert_close(gen.out64(bb), gen.out64(Bd_diag), n=16)


def test_expm_vs_scipy(gen: ModuleType, rng: np.random.Generator) -> None:
    for scale in (1e-3, 1.0, 30.0):
        M = scale * rng.standard_normal((6, 6))
        assert_close(
            gen.out64(gen.expm_def(M)),
            scipy.linalg.expm(M),
            rtol=1e3 * tolerance(np.float64) * max(1, scale),
        )


def test_hippo_and_dplr(gen: ModuleType) -> None:
    A, B = gen.hippo_legs(8)
    assert_close(np.sort(np.linalg.eigvals(A).real), -np.arange(1.0, 9.0)[::-1], rtol=1e-6)
    Lambda, P, Bt = gen.legs_dplr(8)
    assert np.all(Lambda.imag < 0)
    # Rebuild the real A from the conjugate-half DPLR storage (SPEC section 5).
    w, V = np.linalg.eigh(
        -1j * (A + np.outer(np.sqrt(np.arange(8) + 0.5), np.sqrt(np.arange(8) + 0.5)))
    )
    Vh = V[:, np.argsort(w)[:4]]
    Vf = np.concatenate([Vh, Vh.conj()], axis=1)
    Lf = np.concatenate([Lambda, Lambda.conj()])
    Pf = np.concatenate([P, P.conj()], axis=1)
    assert_close(Vf @ (np.diag(Lf) - Pf.T @ Pf.conj()) @ Vf.conj().T, A + 0j, rtol=1e-12)
    assert_close(Vf @ np.concatenate([Bt, Bt.conj()]), B + 0j, rtol=1e-12)


def test_kernels_vs_scipy_systems(gen: ModuleType, rng: np.random.Generator) -> None:
    """s4d/s4/ssm kernels == the impulse response of scipy's discretized real system."""
    lam = -0.5 + 1j * np.pi * np.arange(3)
    B, C = (
        rng.standard_normal(3) + 1j * rng.standard_normal(3),
        rng.standard_normal(3) + 1j * rng.standard_normal(3),
    )
    L, dt = 40, 0.1
    Af, Bf, Cf = (
        np.diag(np.concatenate([lam, lam.conj()])),
        np.concatenate([B, B.conj()]),
        np.concatenate([C, C.conj()]),
    )
    for method in ("zoh", "bilinear"):
        Ad, Bd, *_ = scipy.signal.cont2discrete(
            (Af, Bf[:, None], Cf[None], np.zeros((1, 1))), dt, method=method
        )
        K = np.array([(Cf @ np.linalg.matrix_power(Ad, l) @ Bd)[0] for l in range(L)])
        assert_close(gen.out64(gen.s4d_kernel_def(lam, B, C, dt, L, method)), K.real, n=L)
        assert_close(gen.out64(gen.ssm_kernel_def(Ad, Bd[:, 0], Cf, L)), K, n=L)
        if method == "bilinear":
            P = np.zeros((1, 3))
            assert_close(gen.out64(gen.s4_kernel_def(lam, P, B, C, dt, L)), K.real, n=L)
    # Scan == dlsim with (Abar, Bbar, C Abar, C Bbar + D) (the S4 state is one step ahead).
    Abar, Bbar = gen.discretize_def(
        rng.standard_normal((4, 4)) / 3 - np.eye(4), rng.standard_normal(4), 0.1, "zoh"
    )
    Abar, Bbar = gen.out64(Abar), gen.out64(Bbar)
    c, u, D = rng.standard_normal(4), rng.standard_normal(30), 0.3
    _, y = scipy.signal.dlsim(
        (Abar, Bbar[:, None], (c @ Abar)[None], np.array([[c @ Bbar + D]]), 1), u
    )[:2]
    assert_close(gen.out64(gen.ssm_scan_def(Abar, Bbar, c, u, D)), y[:, 0], n=120)


def test_diag_recurrence_vs_convolution_with_scipy_kernel(
    gen: ModuleType, rng: np.random.Generator
) -> None:
    """The scan of the operator definitions == np.convolve with the kernel C_f Abar^l Bbar."""
    lam = -rng.uniform(0.2, 2, 3) + 1j * rng.uniform(0, 6, 3)
    B = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    C = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    w, D, L, dt = rng.standard_normal(40), 0.7, 40, 0.3
    for method in ("zoh", "bilinear"):
        Abar, Bbar = gen.diag_discretize_def(lam, B, np.array(dt), method)
        Af, Bf = np.diag(np.concatenate([lam, lam.conj()])), np.concatenate([B, B.conj()])
        Ad, Bd, *_ = scipy.signal.cont2discrete(
            (Af, Bf[:, None], np.eye(6), np.zeros((6, 1))), dt, method=method
        )
        Cf = np.concatenate([C, C.conj()])
        K = np.array([(Cf @ np.linalg.matrix_power(Ad, l) @ Bd)[0] for l in range(L)]).real
        want = np.convolve(w, K)[:L] + D * w
        got = gen.out64(gen.diag_recurrence_def(Abar, Bbar, C, np.array(D), w))
        assert_close(got, want, n=L * 6)


def _operator_fields(
    gen: ModuleType, op: str, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if op == "h3":
        return gen.h3_fields(rng, 4, 8, 2, 5), {"discretization": "zoh"}
    if op == "hyena":
        return gen.hyena_fields(rng, 3, 32, 3, 6, 5, 1, 3), {}
    return gen.gss_fields(rng, 4, 8, 2, 6), {}


@pytest.mark.parametrize("op", ["h3", "hyena", "gss"])
def test_operator_definitions_vs_specconv_reference(
    gen: ModuleType, rng: np.random.Generator, op: str
) -> None:
    """The generator's recurrences/shifted sums == specconv's dense-Toeplitz, mode-by-mode twins.

    (specconv is imported by this test only; the generator itself never imports it.)
    """
    fields, opts = _operator_fields(gen, op, rng)
    dim = fields["w_out" if op == "hyena" else "wo" if op == "h3" else "ln_weight"].shape[0]
    u = rng.standard_normal((2, 23, dim))
    cls = {"h3": sc.H3Params, "hyena": sc.HyenaParams, "gss": sc.GSSParams}[op]
    want = getattr(sc, f"{op}_reference")(u, cls(**fields), **opts)
    args = (u, fields, opts["discretization"]) if op == "h3" else (u, fields)
    assert_close(gen.out64(getattr(gen, f"{op}_def")(*args)), want, n=23 * dim)


def test_committed_operator_cases_vs_specconv_reference() -> None:
    """Re-derive the committed H3/Hyena/GSS outputs from their inputs with specconv's twins."""
    for op in ("h3", "hyena", "gss"):
        for case in cases(op):
            u = case.array(case.inputs[0]["key"])
            entry = case.inputs[1]
            assert entry["kind"] == "params"
            cls = getattr(sc, entry["class"])
            params = cls(**{f: case.array(key) for f, key in entry["fields"].items()})
            assert {f.name for f in dataclasses.fields(cls)} == set(entry["fields"])
            got = getattr(sc, f"{op}_reference")(u, params, **case.options)
            assert_close(got, case.expected()[0], n=case.n)


def test_attention_definitions_vs_peers(gen: ModuleType, rng: np.random.Generator) -> None:
    q, k, v = rng.standard_normal((3, 6, 4))
    s = q @ k.T / 2.0
    mask = np.triu(np.ones((6, 6), bool), 1)
    ref = scipy.special.softmax(np.where(mask, -np.inf, s), axis=-1) @ v
    assert_close(gen.out64(gen.softmax_attention_def(q, k, v, causal=True)), ref, n=24)
    phi = lambda x: np.where(x > 0, x + 1, np.exp(np.minimum(x, 0)))  # noqa: E731
    A = phi(q) @ phi(k).T
    ref = (A @ v) / (A.sum(-1, keepdims=True) + 1e-6)
    assert_close(gen.out64(gen.linear_attention_def(q, k, v)), ref, n=24)
    b = np.zeros(11)
    assert_close(gen.out64(gen.rpe_attention_def(q, k, v, b)), ref, n=24)
    x = np.linspace(-4, 4, 17)
    gelu = x * (1 + scipy.special.erf(x / np.sqrt(2))) / 2
    assert_close(gen.out64(gen.gelu_def(x.astype(np.longdouble))), gelu)


# --------------------------------------------------------------------------------------------
# The committed expected outputs against peers
# --------------------------------------------------------------------------------------------


def test_committed_fourier_cases_vs_numpy() -> None:
    peers: dict[str, Callable[..., np.ndarray]] = {
        "fft": np.fft.fft, "ifft": np.fft.ifft, "rfft": np.fft.rfft, "irfft": np.fft.irfft,
        "dft": np.fft.fft, "idft": np.fft.ifft,
    }  # fmt: skip
    for op, peer in peers.items():
        for case in cases(op):
            out = peer(inputs(case)["x"], **case.options)
            assert_close(out, case.expected()[0], n=case.n)


def test_committed_conv_cases_vs_numpy_and_scipy() -> None:
    for case in cases("causal_conv"):
        a = inputs(case)
        u, k = a["u"], a["k"]
        L = u.shape[-1]
        batch = np.broadcast_shapes(u.shape[:-1], k.shape[:-1])
        u_b = np.broadcast_to(u, (*batch, L))
        k_b = np.broadcast_to(k, (*batch, k.shape[-1]))
        y = np.zeros((*batch, L))
        for index in np.ndindex(*batch):
            y[index] = np.convolve(u_b[index], k_b[index])[:L]
        if "D" in a:
            y = y + a["D"][..., None] * a["u"]
        assert_close(y, case.expected()[0], n=case.n)
    for case in cases("toeplitz_matmul"):
        a = inputs(case)
        assert_close(
            scipy.linalg.matmul_toeplitz((a["c"], a["r"]), a["x"]), case.expected()[0], n=case.n
        )


def test_committed_discretize_cases_vs_cont2discrete() -> None:
    for case in cases("discretize"):
        a = inputs(case)
        A, B, dt = a["A"], a["B"], float(a["dt"])
        A = np.diag(A) if A.ndim == 1 else A
        method = {"euler": "euler", "backward_euler": "backward_diff"}.get(
            case.options["method"], case.options["method"]
        )
        N = A.shape[0]
        Ad, Bd, *_ = scipy.signal.cont2discrete(
            (A, B[:, None], np.eye(N), np.zeros((N, 1))), dt, method=method
        )
        Abar, Bbar = case.expected()
        Abar = np.diag(Abar) if Abar.ndim == 1 else Abar
        assert_close(Abar, Ad, rtol=1e3 * tolerance(np.float64))
        assert_close(Bbar, Bd[:, 0], rtol=1e3 * tolerance(np.float64))


def test_committed_attention_cases_vs_scipy_softmax() -> None:
    for case in cases("softmax_attention"):
        a = inputs(case)
        q, k, v = a["q"], a["k"], a["v"]
        s = case.options.get("scale", q.shape[-1] ** -0.5) * q @ np.swapaxes(k, -1, -2) + a.get(
            "bias", 0
        )
        if case.options.get("causal"):
            s = np.where(np.triu(np.ones(s.shape[-2:], bool), 1), -np.inf, s)
        assert_close(scipy.special.softmax(s, axis=-1) @ v, case.expected()[0], n=case.n)
