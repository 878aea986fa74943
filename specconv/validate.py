"""Run functions on the golden reference cases and judge them by the tolerance policy.

This is the engine behind ``python -m specconv check`` (specconv's own functions) and
``python -m specconv validate`` (anybody's function), and the Python API
:func:`check`.

Where the cases come from
-------------------------
:func:`reference_dir` looks, in order, at

1. the environment variable ``SPECCONV_REFERENCE`` (a folder holding ``manifest.json``);
2. the ``reference/`` folder beside the package (a source checkout or an editable install);
3. ``specconv/_reference/`` inside the installed package, if a distribution ships it as
   package data.

The format (``manifest.json`` + ``cases/<op>.npz``) is described in ``reference/README.md``;
it is readable with NumPy alone.

How a case is judged
--------------------
The function's output is moved to NumPy and compared with the float64 expected output by the
normwise relative error :func:`specconv.testing.relative_error`. The budget is
:func:`specconv.testing.tolerance` of the *run's* dtype (float64 or float32: the inputs are
cast to it; they are float32-representable, so a float32 run sees exactly the case's inputs)
with the case's error-growth size ``n``. float16/bfloat16 runs follow the low-precision rule
of :func:`specconv.testing.assert_low_precision_close`: the error may be at most twice that of
specconv's definition-level twin evaluated on the same low-precision inputs (plus a floor).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import math
import os
import time
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from specconv._compat import to_numpy
from specconv.testing import low_precision_budget, relative_error, tolerance

__all__ = [
    "BACKENDS",
    "GoldenCase",
    "Report",
    "Row",
    "check",
    "load_cases",
    "reference_dir",
    "run_builtin",
]

#: Backend names accepted by :func:`check` (aliases in :data:`_ALIASES`); append ``:device``
#: for a device, e.g. ``"torch:cuda"``.
BACKENDS = ("numpy", "array_api_strict", "torch", "dask", "jax", "cupy")
_ALIASES = {
    "strict": "array_api_strict",
    "array-api-strict": "array_api_strict",
    "dask.array": "dask",
    "jax.numpy": "jax",
    "np": "numpy",
}
_DTYPES = ("float64", "float32", "float16", "bfloat16")
_LOW_PRECISION = ("float16", "bfloat16")
REFERENCE_ENV = "SPECCONV_REFERENCE"


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def reference_dir() -> Path:
    """The folder holding ``manifest.json`` and ``cases/`` (see the module docstring).

    Raises
    ------
    FileNotFoundError
        If none of the three places holds a ``manifest.json``.

    Examples
    --------
    >>> from specconv.validate import reference_dir
    >>> (reference_dir() / "manifest.json").is_file()
    True
    """
    env = os.environ.get(REFERENCE_ENV)
    if env:
        path = Path(env)
        if not (path / "manifest.json").is_file():
            msg = f"{REFERENCE_ENV}={env!r} does not contain a manifest.json"
            raise FileNotFoundError(msg)
        return path
    package = Path(__file__).resolve().parent
    for path in (package.parent / "reference", package / "_reference"):
        if (path / "manifest.json").is_file():
            return path
    msg = (
        "no golden reference cases found: set SPECCONV_REFERENCE to a folder with "
        "manifest.json (e.g. the reference/ folder of a specconv checkout)"
    )
    raise FileNotFoundError(msg)


@dataclasses.dataclass(frozen=True)
class GoldenCase:
    """One golden case: its manifest entry, with the arrays loaded on demand."""

    op: str
    name: str
    inputs: tuple[dict[str, Any], ...]
    options: dict[str, Any]
    outputs: tuple[dict[str, Any], ...]
    n: int
    dtypes: tuple[str, ...]
    tags: tuple[str, ...]
    description: str
    formula: str
    path: Path

    def array(self, key: str) -> np.ndarray:
        """The stored array ``key`` (float64/complex128 or an integer/scalar)."""
        return _archive(self.path)[key]

    def expected(self) -> list[np.ndarray]:
        """The expected outputs, in the order the function returns them."""
        return [self.array(out["key"]) for out in self.outputs]


def load_cases(op: str | None = None, *, reference: str | Path | None = None) -> list[GoldenCase]:
    """The golden cases of ``op`` (all operations if None), in manifest order.

    Examples
    --------
    >>> from specconv.validate import load_cases
    >>> case = load_cases("causal_conv")[0]
    >>> [i["name"] for i in case.inputs], case.outputs[0]["shape"]
    (['u', 'k'], [1])
    """
    root = Path(reference) if reference is not None else reference_dir()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    cases = [
        GoldenCase(
            op=entry["op"],
            name=entry["case"],
            inputs=tuple(entry["inputs"]),
            options=dict(entry["options"]),
            outputs=tuple(entry["outputs"]),
            n=int(entry["n"]),
            dtypes=tuple(entry["dtypes"]),
            tags=tuple(entry["tags"]),
            description=entry["description"],
            formula=entry["formula"],
            path=root / entry["file"],
        )
        for entry in manifest["cases"]
        if op is None or entry["op"] == op
    ]
    if op is not None and not cases:
        msg = f"no golden cases for op {op!r}; available: {', '.join(manifest['ops'])}"
        raise ValueError(msg)
    return cases


@cache
def _archive(path: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    with np.load(path, allow_pickle=False) as data:
        return {name[: -len(".npy")]: data[name[: -len(".npy")]] for name in names}


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Row:
    """The verdict on one (operation, case): ``status`` is ``"pass"``, ``"FAIL"`` or ``"skip"``."""

    op: str
    case: str
    error: float
    budget: float
    status: str
    message: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status != "FAIL"


@dataclasses.dataclass
class Report:
    """Rows of one run, with a verdict (``passed``) and a printable ``table()``."""

    backend: str
    dtype: str
    rows: list[Row] = dataclasses.field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no row failed (skipped rows do not count)."""
        return all(row.passed for row in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [row for row in self.rows if row.status == "FAIL"]

    def counts(self) -> dict[str, int]:
        return {s: sum(row.status == s for row in self.rows) for s in ("pass", "FAIL", "skip")}

    def summary(self) -> str:
        """``"N passed, M failed"`` (plus skipped, when any)."""
        c = self.counts()
        text = f"{c['pass']} passed, {c['FAIL']} failed"
        return text + (f", {c['skip']} skipped" if c["skip"] else "")

    def table(self, *, only_failures: bool = False) -> str:
        """A fixed-width table (op, case, error, budget, result, message) and the summary line.

        ``only_failures`` lists the failing rows only (the summary still counts every row).
        """
        header = ("op", "case", "error", "budget", "result", "message")
        lines = [
            (
                row.op,
                row.case,
                _number(row.error),
                _number(row.budget),
                row.status,
                row.message,
            )
            for row in self.rows
            if row.status == "FAIL" or not only_failures
        ]
        if not lines:
            return f"{self.summary()} (backend {self.backend}, dtype {self.dtype})"
        widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=False)]
        widths[-1] = 0  # the message column is not padded
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [
            fmt.format(*header).rstrip(),
            fmt.format(*("-" * w for w in widths[:-1]), "-------").rstrip(),
        ]
        out += [fmt.format(*line).rstrip() for line in lines]
        out.append(f"{self.summary()} (backend {self.backend}, dtype {self.dtype})")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()


def _number(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.2e}"


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def check(
    op: str,
    fn: Callable[..., Any],
    *,
    backend: str | None = None,
    dtype: str | None = None,
    reference: str | Path | None = None,
) -> Report:
    """Run ``fn`` on every golden case of ``op`` and judge it by the tolerance policy.

    ``fn`` is called with the case's arrays as keyword arguments named as in specconv's
    contract (``causal_conv``: ``u``, ``k``, ``D``; ``s4d_kernel``: ``Lambda``, ``B``, ``C``,
    ``dt``, ``L``; attention: ``q``, ``k``, ``v`` ...) plus the case's options (e.g.
    ``causal=True``), and must return the output array (any backend's array or NumPy), or a
    tuple of arrays where the operation returns several (``discretize``).

    Parameters
    ----------
    op : str
        Operation name, as in the manifest (``"causal_conv"``, ``"fft"`` ...).
    fn : callable
        The implementation under test.
    backend : str, optional
        ``"numpy"`` (default), ``"array_api_strict"``, ``"torch"``, ``"dask"``, ``"jax"``,
        ``"cupy"``, optionally with ``":device"`` (``"torch:cuda"``). Inputs are created with
        that library's ``asarray``; scalar inputs (``L``, a scalar ``dt``) are Python numbers.
    dtype : {"float64", "float32", "float16", "bfloat16"}, optional
        Precision of the inputs (complex inputs get the matching complex dtype). Default
        float64. float32 runs are budgeted in float32; float16/bfloat16 by the low-precision
        rule (see the module docstring).
    reference : path, optional
        Folder of the cases (default :func:`reference_dir`).

    Returns
    -------
    Report
        One row per case; ``report.passed`` and ``report.table()``.

    Examples
    --------
    >>> import numpy as np
    >>> from specconv.validate import check
    >>> def my_conv(u, k, D=None):
    ...     L = u.shape[-1]
    ...     n = 2 * L
    ...     y = np.fft.irfft(np.fft.rfft(u, n) * np.fft.rfft(k[..., :L], n), n)[..., :L]
    ...     return y if D is None else y + D[..., None] * u
    >>> report = check("causal_conv", my_conv)
    >>> report.passed, report.summary()
    (True, '9 passed, 0 failed')
    """
    run = _Run(backend, dtype)
    report = Report(backend=run.backend_label, dtype=run.dtype)
    for case in load_cases(op, reference=reference):
        report.rows.append(run.case(case, op, fn, keywords_only=True))
    return report


def run_builtin(
    op: str | None = None,
    *,
    backend: str | None = None,
    dtype: str | None = None,
    reference: str | Path | None = None,
) -> Report:
    """Run specconv's own functions (every method variant) on the golden cases.

    Rows are labelled ``op`` for the default call and ``op[method=...]`` for each forced
    method/algorithm. Operations whose implementation raises ``NotImplementedError`` fail.
    """
    run = _Run(backend, dtype)
    report = Report(backend=run.backend_label, dtype=run.dtype)
    for case in load_cases(op, reference=reference):
        for label, fn, extra, applies in _builtin_variants(case.op):
            if applies is not None and not applies(case):
                continue
            limit = _DASK_LIMITS.get(label.partition("[")[2].rstrip("]"), math.inf)
            if run.name == "dask" and case.n > limit:
                report.rows.append(
                    Row(
                        label,
                        case.name,
                        math.nan,
                        math.nan,
                        "skip",
                        f"sequential method: too slow as a dask graph for n > {limit}",
                    )
                )
                continue
            report.rows.append(
                run.case(case, label, fn, keywords_only=False, extra=extra, strict_dtype=True)
            )
    return report


class _Run:
    """Backend, dtype and the per-case procedure shared by check and run_builtin."""

    def __init__(self, backend: str | None, dtype: str | None) -> None:
        name, _, device = (backend or "numpy").partition(":")
        name = _ALIASES.get(name, name)
        if name not in BACKENDS:
            msg = (
                f"`backend` must be one of {', '.join(BACKENDS)} (optionally ':device'), "
                f"got {backend!r}"
            )
            raise ValueError(msg)
        dtype = dtype or "float64"
        if dtype not in _DTYPES:
            msg = f"`dtype` must be one of {', '.join(_DTYPES)}, got {dtype!r}"
            raise ValueError(msg)
        self.name, self.device, self.dtype = name, device or None, dtype
        self.backend_label = name + (f":{device}" if device else "")
        self.module = _import_backend(name)

    # -- inputs --------------------------------------------------------------------------------

    def asarray(self, value: np.ndarray) -> Any:
        """Cast a stored array to the run's precision and move it to the backend."""
        target: str | None = self.dtype
        if value.dtype.kind == "c":
            target = "complex128" if self.dtype == "float64" else "complex64"
        elif value.dtype.kind != "f":
            target = None  # integer inputs stay integer
        host = value if target is None else value.astype(_numpy_dtype(target))
        name, mod = self.name, self.module
        if name == "torch":
            tensor = mod.asarray(host, device=self.device)
            return tensor.to(mod.bfloat16) if target == "bfloat16" else tensor
        if name == "jax":
            array = mod.numpy.asarray(host)
            return array.astype(mod.numpy.bfloat16) if target == "bfloat16" else array
        if target == "bfloat16":
            msg = f"bfloat16 runs need torch or jax, not {name}"
            raise TypeError(msg)
        if name == "dask":
            return mod.array.from_array(host, chunks=-1)
        if name == "cupy" and self.device:
            with mod.cuda.Device(int(self.device)):
                return mod.asarray(host)
        return mod.asarray(host)

    def arguments(self, case: GoldenCase) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
        """(positional values, keyword array values, all values by name) of a case."""
        positional, keyword, named = [], {}, {}
        for entry in case.inputs:
            value = self.input_value(case, entry)
            named[entry["name"]] = value
            if entry["positional"]:
                positional.append(value)
            else:
                keyword[entry["name"]] = value
        return positional, keyword, named

    def input_value(self, case: GoldenCase, entry: dict[str, Any]) -> Any:
        kind = entry["kind"]
        if kind == "scalar":
            return {"int": int, "float": float, "complex": complex, "bool": bool}[entry["type"]](
                case.array(entry["key"]).item()
            )
        if kind == "array_list":
            return [self.asarray(case.array(key)) for key in entry["keys"]]
        if kind == "params":
            fields = {f: self.asarray(case.array(key)) for f, key in entry["fields"].items()}
            cls = getattr(importlib.import_module("specconv"), entry["class"])
            return cls(**fields)
        return self.asarray(case.array(entry["key"]))

    # -- one case ------------------------------------------------------------------------------

    def case(
        self,
        case: GoldenCase,
        label: str,
        fn: Callable[..., Any],
        *,
        keywords_only: bool,
        extra: dict[str, Any] | None = None,
        strict_dtype: bool = False,
    ) -> Row:
        budget_dtype = self.dtype
        if self.dtype not in case.dtypes and self.dtype not in _LOW_PRECISION:
            return Row(
                label,
                case.name,
                math.nan,
                math.nan,
                "skip",
                f"case is checked in {', '.join(case.dtypes)} only",
            )
        budget = tolerance(_numpy_dtype(budget_dtype), n=case.n)
        if self.dtype in _LOW_PRECISION and not _fits(case, self.dtype):
            return Row(
                label,
                case.name,
                math.nan,
                math.nan,
                "skip",
                f"values exceed the {self.dtype} range",
            )
        start = time.perf_counter()
        try:
            positional, keyword, named = self.arguments(case)
            options = {**case.options, **(extra or {})}
            if keywords_only:
                result = fn(**named, **options)
            else:
                result = fn(*positional, **keyword, **options)
            outputs = self.collect(result, len(case.outputs))
        except Exception as exc:  # noqa: BLE001 - any failure of the function is the verdict
            return Row(
                label,
                case.name,
                math.nan,
                budget,
                "FAIL",
                _describe(exc),
                time.perf_counter() - start,
            )
        seconds = time.perf_counter() - start
        error, problem = self.compare(case, outputs, strict_dtype)
        if problem:
            return Row(label, case.name, error, budget, "FAIL", problem, seconds)
        if self.dtype in _LOW_PRECISION:
            budget, problem = self.low_precision_budget(case)
            if problem:
                return Row(label, case.name, error, budget, "FAIL", problem, seconds)
        if not error <= budget:
            ratio = error / budget if budget else math.inf
            message = f"error {ratio:.3g}x the budget (n = {case.n})"
            return Row(label, case.name, error, budget, "FAIL", message, seconds)
        return Row(label, case.name, error, budget, "pass", "", seconds)

    def collect(self, result: Any, count: int) -> list[np.ndarray]:
        if count == 1:
            if isinstance(result, (tuple, list)):
                msg = f"expected one array, got a {type(result).__name__} of {len(result)}"
                raise TypeError(msg)
            return [np.asarray(to_numpy(result))]
        if not isinstance(result, (tuple, list)) or len(result) != count:
            msg = f"expected a tuple of {count} arrays, got {type(result).__name__}"
            raise TypeError(msg)
        return [np.asarray(to_numpy(r)) for r in result]

    def compare(
        self, case: GoldenCase, outputs: list[np.ndarray], strict_dtype: bool
    ) -> tuple[float, str]:
        """Largest relative error over the outputs, and a problem description (or "")."""
        worst = 0.0
        for spec, actual, desired in zip(case.outputs, outputs, case.expected(), strict=True):
            label = "" if len(case.outputs) == 1 else f"output {spec['name']!r}: "
            if actual.shape != desired.shape:
                return math.nan, (
                    f"{label}wrong shape: expected {desired.shape}, got {actual.shape}"
                )
            if actual.dtype.kind not in "fc" and actual.dtype != desired.dtype:
                return math.nan, f"{label}expected a floating array, got dtype {actual.dtype}"
            if actual.dtype.kind == "c" and desired.dtype.kind != "c":
                return math.nan, f"{label}expected a real array, got complex dtype {actual.dtype}"
            if strict_dtype and self.dtype in ("float64", "float32"):
                wanted = _numpy_dtype(
                    self.dtype
                    if desired.dtype.kind == "f"
                    else ("complex128" if self.dtype == "float64" else "complex64")
                )
                if actual.dtype != wanted:
                    return (
                        math.nan,
                        f"{label}dtype {actual.dtype}, expected {wanted} for a {self.dtype} run",
                    )
            error = relative_error(actual, desired)
            if not np.isfinite(actual).all():
                return error, f"{label}non-finite values in the output"
            worst = max(worst, error)
        return worst, ""

    def low_precision_budget(self, case: GoldenCase) -> tuple[float, str]:
        """2 x the error of specconv's definition-level twin on the same inputs + eps/8."""
        variants = _builtin_variants(case.op)
        twin = next((v for v in variants if any(t in v[0] for t in _TWINS)), variants[0])
        _, fn, extra, _ = twin
        try:
            positional, keyword, _ = self.arguments(case)
            baseline = self.collect(
                fn(*positional, **keyword, **case.options, **extra), len(case.outputs)
            )
        except Exception as exc:  # noqa: BLE001
            return math.nan, f"no low-precision baseline: {_describe(exc)}"
        naive = max(relative_error(b, d) for b, d in zip(baseline, case.expected(), strict=True))
        return low_precision_budget(naive, self.dtype), ""


def _fits(case: GoldenCase, dtype: str) -> bool:
    """Whether every stored input and output is well inside the range of ``dtype``."""
    largest = {"float16": 65504.0, "bfloat16": 3.0e38}[dtype] / 16
    keys = [out["key"] for out in case.outputs]
    for entry in case.inputs:
        keys += entry.get("keys", []) + list(entry.get("fields", {}).values())
        keys += [entry["key"]] if "key" in entry else []
    return all(float(np.max(np.abs(case.array(key)), initial=0.0)) <= largest for key in keys)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, NotImplementedError):
        return "NotImplementedError: not implemented"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _numpy_dtype(name: str) -> Any:
    # NumPy has no bfloat16: inputs are rounded by the backend (torch/jax) from float32.
    return np.dtype("float32" if name == "bfloat16" else name)


def _import_backend(name: str) -> ModuleType:
    modules = {"array_api_strict": "array_api_strict", "dask": "dask.array", "jax": "jax"}
    try:
        module = importlib.import_module(modules.get(name, name))
    except ImportError as exc:
        msg = f"backend {name!r} is not installed ({exc})"
        raise ValueError(msg) from None
    if name == "dask":
        return importlib.import_module("dask")
    if name == "jax":
        # float64 inputs need x64; a float32 run is unaffected.
        module.config.update("jax_enable_x64", True)
        importlib.import_module("jax.numpy")
    if name == "torch":
        # TF32 matmuls would lose 13 bits on Ampere+ GPUs and fail float32 budgets.
        module.backends.cuda.matmul.allow_tf32 = False
        module.backends.cudnn.allow_tf32 = False
    return module


# --------------------------------------------------------------------------------------------
# specconv's own functions
# --------------------------------------------------------------------------------------------

Variant = tuple[str, Callable[..., Any], dict[str, Any], Callable[[GoldenCase], bool] | None]


def _builtin_variants(op: str) -> list[Variant]:
    """(label, function, extra keyword options, applies-to-case predicate) for one op.

    The first variant forcing a method named in ``_TWINS`` is the definition-level twin, the
    low-precision baseline (else the default call).
    """
    sc = importlib.import_module("specconv")
    if op == "causal_conv":
        return [
            ("causal_conv", sc.causal_conv, {}, None),
            ("causal_conv[method=direct]", sc.causal_conv, {"method": "direct"}, _at_most(20000)),
            ("causal_conv[method=fft]", sc.causal_conv, {"method": "fft"}, None),
            ("causal_conv[conv_plan]", _via_conv_plan, {}, None),
        ]
    if op in ("fft", "ifft", "rfft", "irfft"):
        fn = getattr(sc, op)
        rows: list[Variant] = [(op, fn, {}, None)]
        for algorithm in ("native", "dft", "recursive", "stockham", "four_step", "bluestein"):
            applies = _at_most(1024) if algorithm == "dft" else None
            rows.append((f"{op}[algorithm={algorithm}]", fn, {"algorithm": algorithm}, applies))
        return rows
    if op == "linear_attention":
        rows = [("linear_attention", sc.linear_attention, {}, None)]
        for method in ("quadratic", "parallel", "cumsum", "chunked", "recurrent"):
            wants_causal = method in ("cumsum", "chunked", "recurrent")
            rows.append(
                (
                    f"linear_attention[method={method}]",
                    sc.linear_attention,
                    {"method": method},
                    _causal_is(wants_causal) if method != "quadratic" else None,
                )
            )
        return rows
    if op == "kernelized_rpe_attention":
        fn = sc.kernelized_rpe_attention
        return [(op, fn, {}, None), (f"{op}[method=direct]", fn, {"method": "direct"}, None)]
    if op in ("h3", "hyena", "gss"):
        return [
            (op, getattr(sc, op), {}, None),
            (f"{op}_reference", getattr(sc, f"{op}_reference"), {}, None),
        ]
    return [(op, getattr(sc, op), {}, None)]


# Forced sequential methods build one dask task per step: minutes for a few hundred steps.
# They are checked on the eager backends; on dask only for small cases.
_DASK_LIMITS = {"method=direct": 100, "algorithm=recursive": 128}

_TWINS = {"method=direct", "algorithm=dft", "method=quadratic"}


def _at_most(limit: int) -> Callable[[GoldenCase], bool]:
    return lambda case: case.n <= limit


def _causal_is(flag: bool) -> Callable[[GoldenCase], bool]:
    return lambda case: bool(case.options.get("causal", False)) == flag


def _via_conv_plan(u: Any, k: Any, /, *, D: Any = None) -> Any:
    sc = importlib.import_module("specconv")
    return sc.conv_plan(k, u.shape[-1], D=D)(u)


def available_backends() -> list[str]:
    """Backends importable here (CuPy only with a visible GPU)."""
    found = []
    for name in BACKENDS:
        try:
            module = importlib.import_module(
                {"dask": "dask.array", "array_api_strict": "array_api_strict"}.get(name, name)
            )
            if name == "cupy" and module.cuda.runtime.getDeviceCount() < 1:
                continue
        except Exception:  # noqa: BLE001,S112 - not installed / no device
            continue
        found.append(name)
    return found


def environment_info() -> list[tuple[str, str]]:
    """(name, description) pairs: versions, backends and their devices, the reference folder."""
    from importlib import metadata

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    sc = importlib.import_module("specconv")
    info = [
        ("specconv", sc.__version__),
        ("numpy", np.__version__),
        ("array-api-compat", version("array-api-compat")),
        ("scipy", version("scipy")),
    ]
    for name in BACKENDS[1:]:
        dist = {"array_api_strict": "array-api-strict"}.get(name, name)
        found = version(dist)
        info.append((name, found + (_devices(name) if found != "not installed" else "")))
    try:
        root = reference_dir()
        info.append(("reference", f"{root} ({len(load_cases(reference=root))} cases)"))
    except FileNotFoundError as exc:
        info.append(("reference", str(exc)))
    return info


def _devices(name: str) -> str:
    """A short device listing for backends that have devices (never raises)."""
    try:
        if name == "torch":
            torch = importlib.import_module("torch")
            if torch.cuda.is_available():
                names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
                return f"; cuda: {', '.join(names)}"
            return "; cuda: not available (cpu)"
        if name == "jax":
            jax = importlib.import_module("jax")
            return f"; devices: {', '.join(str(d) for d in jax.devices())}"
        if name == "cupy":
            cupy = importlib.import_module("cupy")
            return f"; {cupy.cuda.runtime.getDeviceCount()} GPU(s)"
    except Exception as exc:  # noqa: BLE001 - info must not fail because a backend is broken
        return f"; devices unavailable ({type(exc).__name__})"
    return ""


def import_function(spec: str) -> Callable[..., Any]:
    """``"module:function"`` or ``"path/to/file.py:function"`` -> the function.

    The current directory is searched first, like ``python -m`` does.
    """
    import sys

    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        msg = f"expected MODULE:FUNCTION (e.g. mypkg.conv:causal_conv), got {spec!r}"
        raise ValueError(msg)
    if module_name.endswith(".py"):
        path = Path(module_name).resolve()
        loaded = importlib.util.spec_from_file_location(path.stem, path)
        if loaded is None or loaded.loader is None:
            msg = f"cannot load {module_name}"
            raise ImportError(msg)
        module = importlib.util.module_from_spec(loaded)
        sys.modules[path.stem] = module
        loaded.loader.exec_module(module)
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        module = importlib.import_module(module_name)
    fn = module
    for part in attr.split("."):
        fn = getattr(fn, part)
    if not callable(fn):
        msg = f"{spec} is not callable"
        raise TypeError(msg)
    return fn
