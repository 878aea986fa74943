"""Plot causal-convolution time against L from saved asv results (the figure of performance.md).

Reads the newest results file of ``asv_bench/results/<machine>/`` (or ``--results FILE``) and
draws, for NumPy, the time per output element of ``causal_conv`` (``fft``, ``auto``,
``direct``, ``conv_plan``) and of the peers benchmarked beside it (``scipy.signal.fftconvolve``,
``oaconvolve``, a plain ``numpy.fft`` and a ``scipy.fft`` rfft-multiply-irfft). The benchmark
shapes differ in batch, so times are divided by ``B * H * L``.

Usage::

    cd asv_bench
    asv run --python=same -b "^conv\\." --set-commit-hash=$(git rev-parse HEAD)
    python plot_conv.py --out ../docs/images/conv_time_vs_L.png
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _table(results: dict[str, Any], name: str) -> dict[tuple[str, ...], float]:
    """``{param tuple: seconds}`` of one benchmark (NaN and failures dropped)."""
    values, params = results["results"][name][:2]
    table = {}
    for combo, value in zip(itertools.product(*params), values, strict=True):
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            table[tuple(p.strip("'") for p in combo)] = float(value)
    return table


def _newest_results() -> Path:
    files = [p for p in (HERE / "results").glob("*/*.json") if p.name != "machine.json"]
    if not files:
        msg = "no asv results: run `asv run --python=same -b '^conv\\.' --set-commit-hash=...`"
        raise SystemExit(msg)
    return max(files, key=lambda p: json.loads(p.read_text())["date"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "conv_time_vs_L.png")
    args = parser.parse_args(argv)

    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    data = json.loads((args.results or _newest_results()).read_text())
    ours = _table(data, "conv.CausalConv.time_causal_conv")
    peers = _table(data, "conv.CausalConvPeers.time_peer")

    def per_element(shape: str, seconds: float) -> float:
        return seconds / math.prod(int(s) for s in shape.split("x")) * 1e9

    def length(shape: str) -> int:
        return int(shape.split("x")[-1])

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for method, style in [("fft", "-o"), ("auto", "--s"), ("plan", "-^"), ("direct", ":x")]:
        points = sorted(
            (length(shape), per_element(shape, t))
            for (backend, shape, m), t in ours.items()
            if backend == "numpy" and m == method
        )
        if points:
            ax.plot(*zip(*points, strict=True), style, label=f"specconv {method}")
    for peer, style in [
        ("fftconvolve", "-D"),
        ("oaconvolve", "-v"),
        ("numpy_fft", "-.P"),
        ("scipy_fft_workers", "-.*"),
    ]:
        points = sorted(
            (length(shape), per_element(shape, t)) for (shape, p), t in peers.items() if p == peer
        )
        if points:
            ax.plot(*zip(*points, strict=True), style, alpha=0.7, label=f"peer: {peer}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length L (float32, 64 channels, kernel length L)")
    ax.set_ylabel("time per output element (ns)")
    ax.set_title(f"causal convolution on NumPy, commit {data['commit_hash'][:8]}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
