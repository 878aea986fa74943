"""Test harness: the ``xp`` fixture runs a test once per installed array backend.

Backends: numpy, array_api_strict, torch (CPU, or CUDA when available), dask.array, jax.numpy
and cupy (only with a GPU). Select some with ``--backend numpy,torch`` or the environment
variable ``SPECCONV_BACKENDS=numpy,torch``. Per-test exceptions use the markers
``@pytest.mark.skip_backend("dask.array", reason=...)`` and
``@pytest.mark.xfail_backend("torch", reason=...)``.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import numpy as np
import pytest
from array_api_compat import array_namespace
from hypothesis import HealthCheck, settings

# Hypothesis profiles: "dev" (default) explores more, "ci" keeps the property suite within
# its time budget. Select with HYPOTHESIS_PROFILE=ci.
settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Support modules, imported by the tests that need them (thirdparty_impls needs torch): not
# collected on their own, so that --doctest-modules does not import them on a machine
# without their optional dependencies.
collect_ignore = ["helpers.py", "thirdparty_impls.py"]

ALL_BACKENDS = ("numpy", "array_api_strict", "torch", "dask.array", "jax.numpy", "cupy")


def _importable(name: str) -> bool:
    try:
        module = importlib.import_module(name)
    except Exception:  # noqa: BLE001 - any import failure means "not installed here"
        return False
    if name == "cupy":
        try:
            return module.cuda.runtime.getDeviceCount() > 0
        except Exception:  # noqa: BLE001 - no driver / no device: skip CuPy cleanly
            return False
    return True


def _configure(name: str) -> None:
    if name == "jax.numpy":
        import jax

        jax.config.update("jax_enable_x64", True)
        # Full float32 matmuls on accelerators (no TensorFloat32 in the references).
        jax.config.update("jax_default_matmul_precision", "highest")
    elif name == "torch":
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    elif name == "array_api_strict":
        import array_api_strict

        array_api_strict.set_array_api_strict_flags(api_version="2025.12")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        action="store",
        default=os.environ.get("SPECCONV_BACKENDS", ""),
        help="comma-separated backends for the xp fixture (default: every installed one); "
        f"choices: {', '.join(ALL_BACKENDS)}",
    )


def _selected(config: pytest.Config) -> list[str]:
    wanted = [b.strip() for b in config.getoption("--backend").split(",") if b.strip()]
    aliases = {"dask": "dask.array", "jax": "jax.numpy", "strict": "array_api_strict"}
    wanted = [aliases.get(b, b) for b in wanted]
    for b in wanted:
        if b not in ALL_BACKENDS:
            raise pytest.UsageError(f"unknown backend {b!r}; choices: {', '.join(ALL_BACKENDS)}")
    return wanted or [b for b in ALL_BACKENDS if _importable(b)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "xp" in metafunc.fixturenames:
        backends = _selected(metafunc.config)
        metafunc.parametrize("xp", backends, indirect=True, ids=backends)


def pytest_report_header(config: pytest.Config) -> str:
    return "specconv backends: " + ", ".join(_selected(config))


@pytest.fixture
def xp(request: pytest.FixtureRequest) -> ModuleType:
    """The array API namespace under test (the compat-wrapped module)."""
    name = request.param
    for marker in request.node.iter_markers("skip_backend"):
        if marker.args[0] == name:
            pytest.skip(marker.kwargs.get("reason", f"not supported on {name}"))
    for marker in request.node.iter_markers("xfail_backend"):
        if marker.args[0] == name:
            request.applymarker(
                pytest.mark.xfail(reason=marker.kwargs.get("reason", ""), strict=True)
            )
    if not _importable(name):
        pytest.skip(f"{name} is not installed")
    _configure(name)
    module = importlib.import_module(name)
    return array_namespace(module.empty(0) if name != "dask.array" else module.zeros(0))


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy generator with a fixed seed (each test gets the same stream)."""
    return np.random.default_rng(20261123)
