"""specconv.validate and ``python -m specconv validate`` on third-party-style implementations."""

from __future__ import annotations

import numpy as np
import pytest

from specconv import validate
from specconv.__main__ import main

torch = pytest.importorskip("torch")

GOOD = "tests.thirdparty_impls:causal_fft_conv"
BUGS = {
    "off_by_one": "tests.thirdparty_impls:off_by_one",
    "missing_normalisation": "tests.thirdparty_impls:missing_normalisation",
    "circular": "tests.thirdparty_impls:circular",
}


def test_correct_torch_conv_passes_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "causal_conv", GOOD, "--backend", "torch"]) == 0
    out = capsys.readouterr().out
    n_cases = len(validate.load_cases("causal_conv"))
    assert f"{n_cases} passed, 0 failed" in out
    assert "long_16384" in out  # every case is listed in the table


def test_correct_torch_conv_passes_float32() -> None:
    report = validate.check(
        "causal_conv", validate.import_function(GOOD), backend="torch", dtype="float32"
    )
    assert report.passed, report.table()
    assert all(row.budget > 1e-6 for row in report.rows)  # budgeted in float32


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_buggy_torch_conv_is_rejected(bug: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "causal_conv", BUGS[bug], "--backend", "torch"]) == 1
    captured = capsys.readouterr()
    failing = [line for line in captured.out.splitlines() if " FAIL " in f" {line} "]
    assert failing, captured.out
    # The message names the failing case(s): on stdout (table) and stderr (summary).
    assert "FAILED: causal_conv/" in captured.err
    case_names = {c.name for c in validate.load_cases("causal_conv")}
    assert any(name in captured.err for name in case_names)


def test_bugs_fail_where_expected() -> None:
    """Each bug is caught by the cases it should be caught by (not by accident)."""
    for bug, spec in BUGS.items():
        report = validate.check("causal_conv", validate.import_function(spec), backend="torch")
        failed = {row.case for row in report.failures}
        assert "prime_97_full_kernel" in failed, bug
        if bug == "off_by_one":
            assert "length_1" in failed
        if bug == "circular":
            assert "length_1" not in failed  # one sample cannot wrap around


def test_exception_becomes_failing_row() -> None:
    def broken(u, k, D=None):
        raise RuntimeError("kernel launch failed")

    report = validate.check("circular_conv", broken)
    assert not report.passed
    assert all("RuntimeError: kernel launch failed" in row.message for row in report.rows)


def test_wrong_shape_names_expected_and_actual() -> None:
    def too_long(u, k):
        return np.concatenate([u, u], axis=-1)

    report = validate.check("circular_conv", too_long)
    row = report.rows[1]
    assert row.status == "FAIL"
    assert "expected (7,), got (14,)" in row.message


def test_tuple_outputs_and_keyword_names() -> None:
    """discretize returns (Abar, Bbar); arrays arrive by their contract names."""
    import scipy.signal

    def scipy_discretize(A, B, dt, method="bilinear"):
        if A.ndim == 1:
            raise NotImplementedError("diagonal")
        name = {"euler": "euler", "backward_euler": "backward_diff"}.get(method, method)
        Ad, Bd, *_ = scipy.signal.cont2discrete(
            (A, B[:, None], np.zeros((1, A.shape[0])), np.zeros((1, 1))), dt, method=name
        )
        return Ad, Bd[:, 0]

    report = validate.check("discretize", scipy_discretize)
    dense = [row for row in report.rows if not row.case.startswith("diag")]
    assert dense
    assert all(row.status == "pass" for row in dense), report.table()
    diagonal = [row for row in report.rows if row.case.startswith("diag")]
    assert all("NotImplementedError" in row.message for row in diagonal)


def test_float16_low_precision_rule() -> None:
    def numpy_conv(u, k, D=None):
        L = u.shape[-1]
        u32, k32 = u.astype(np.float32), k[..., :L].astype(np.float32)
        y = np.fft.irfft(np.fft.rfft(u32, 2 * L) * np.fft.rfft(k32, 2 * L), 2 * L)[..., :L]
        y = y if D is None else y + D.astype(np.float32)[..., None] * u32
        return y.astype(np.float16)

    report = validate.check("causal_conv", numpy_conv, dtype="float16")
    assert report.passed, report.table()
    report = validate.check(
        "causal_conv", lambda u, k, D=None: numpy_conv(u, k, D) * 1.01, dtype="float16"
    )
    assert not report.passed


def test_report_table_and_summary() -> None:
    report = validate.run_builtin("fwht")
    text = report.table()
    assert text.splitlines()[0].split()[:5] == ["op", "case", "error", "budget", "result"]
    assert text.splitlines()[-1].startswith(f"{len(report.rows)} passed, 0 failed")
    assert report.passed


def test_reference_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(validate.REFERENCE_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"manifest\.json"):
        validate.reference_dir()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="backend"):
        validate.check("fft", np.fft.fft, backend="tensorflow")
    with pytest.raises(ValueError, match="dtype"):
        validate.check("fft", np.fft.fft, dtype="int8")
    with pytest.raises(ValueError, match="no golden cases"):
        validate.check("not_an_op", np.fft.fft)
    with pytest.raises(ValueError, match="MODULE:FUNCTION"):
        validate.import_function("numpy.fft.fft")
