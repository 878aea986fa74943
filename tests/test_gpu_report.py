"""The GPU report script runs end to end (on the CPU here) and prints every table row."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "asv_bench" / "gpu_report.py"


def test_gpu_report_smoke_on_cpu(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")  # the baseline column
    spec = importlib.util.spec_from_file_location("gpu_report", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--backend", "numpy", "--small"]) == 0
    out = capsys.readouterr().out
    for batch, channels, length in module.SMALL_CONV_SHAPES:
        assert f"| {batch}x{channels}x{length} |" in out
    for name in ("s4d_kernel", "linear_attention chunked", "kernelized_rpe_attention fft"):
        assert f"| {name}" in out
    assert "nan" not in out.lower()
