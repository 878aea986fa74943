"""Scale out: S4D kernels and a causal convolution over a batch too large for memory at once.

Run ``python docs/examples/scale_out.py`` (defaults: 4096 sequences x 64 channels x 16384
steps in float32, 16 GiB of input that is never held in memory at once) or call
``main(...)`` with smaller sizes. Needs ``dask[array]`` and ``distributed``.
"""

from __future__ import annotations

import time

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

import specconv as sc


def main(
    batch: int = 4096,
    channels: int = 64,
    length: int = 16384,
    *,
    batch_chunk: int = 16,
    modes: int = 32,
    workers: int = 2,
) -> np.ndarray:
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        # The input: generated chunk by chunk on the workers, never materialised as a whole.
        # Chunked along the batch; the sequence axis is a single chunk (an FFT couples it).
        u = da.random.default_rng(0).standard_normal(
            (batch, channels, length), chunks=(batch_chunk, channels, length), dtype=np.float32
        )

        # One S4D kernel per channel, also lazy, chunked along the channels.
        rng = np.random.default_rng(1)
        Lambda = np.tile(sc.s4d_init("lin", 2 * modes), (channels, 1))
        C = rng.standard_normal((channels, modes)) + 1j * rng.standard_normal((channels, modes))
        dt = np.geomspace(1e-3, 1e-1, channels)
        chunk = max(1, channels // workers)
        K = sc.s4d_kernel(
            da.from_array(Lambda.astype(np.complex64), chunks=(chunk, -1)),
            da.from_array(np.ones((channels, modes), np.complex64), chunks=(chunk, -1)),
            da.from_array(C.astype(np.complex64), chunks=(chunk, -1)),
            da.from_array(dt.astype(np.float32), chunks=chunk),
            length,
        )  # (channels, length), float32, lazy
        K = K.rechunk((channels, length)).persist()  # small: keep it on the workers once

        D = da.ones(channels, dtype=np.float32, chunks=-1)  # every argument from one library
        y = sc.causal_conv(u, K, D=D)  # lazy, chunked like u
        energy = (y * y).mean(axis=-1)  # reduce each chunk as soon as it is computed

        start = time.perf_counter()
        result = client.compute(energy).result()  # (batch, channels), a NumPy array
        elapsed = time.perf_counter() - start
        gib = batch * channels * length * 4 / 2**30
        print(
            f"{gib:.2f} GiB of input through causal_conv in {elapsed:.1f} s "
            f"on {workers} workers; result {result.shape}"
        )
        return result


if __name__ == "__main__":
    main()
