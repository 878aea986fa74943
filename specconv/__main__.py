"""Command line: ``python -m specconv {check, validate, info}`` (parsing and printing only).

``check``     runs specconv's own functions on every golden case;
``validate``  runs someone else's function (``MODULE:FUNCTION``) on the golden cases of one op;
``info``      prints versions, backends and devices.

The work is done by :mod:`specconv.validate`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from specconv import validate

_DTYPE_CHOICES = ("float64", "float32", "float16", "bfloat16")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m specconv`` and the ``specconv`` script; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "info":
        for name, text in validate.environment_info():
            print(f"{name:18s} {text}")
        return 0
    try:
        if args.command == "check":
            report = validate.run_builtin(args.op, backend=args.backend, dtype=args.dtype)
        else:
            fn = validate.import_function(args.function)
            report = validate.check(args.op, fn, backend=args.backend, dtype=args.dtype)
    except (ValueError, TypeError, ImportError, AttributeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.table(only_failures=args.failures_only))
    if not report.passed:
        failed = ", ".join(f"{row.op}/{row.case}" for row in report.failures[:10])
        more = "" if len(report.failures) <= 10 else f" and {len(report.failures) - 10} more"
        print(f"FAILED: {failed}{more}", file=sys.stderr)
    return 0 if report.passed else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m specconv",
        description="Check implementations against specconv's golden reference cases.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="run specconv's own functions on every golden case")
    check.add_argument("--op", default=None, help="only this operation (default: all)")
    validate_cmd = commands.add_parser(
        "validate", help="run your function (MODULE:FUNCTION) on the golden cases of OP"
    )
    validate_cmd.add_argument("op", help="operation name, e.g. causal_conv")
    validate_cmd.add_argument(
        "function",
        help="MODULE:FUNCTION or path/to/file.py:FUNCTION, called with keyword arguments",
    )
    for sub in (check, validate_cmd):
        sub.add_argument(
            "--backend",
            default="numpy",
            help="numpy (default), array_api_strict, torch, dask, jax or cupy; "
            "append :DEVICE for a device, e.g. torch:cuda",
        )
        sub.add_argument(
            "--dtype",
            default="float64",
            choices=_DTYPE_CHOICES,
            help="input precision (default float64)",
        )
        sub.add_argument(
            "--failures-only",
            action="store_true",
            help="print only the failing rows and the summary",
        )
    commands.add_parser("info", help="versions, backends and devices")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
