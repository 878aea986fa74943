"""Scale-out: causal_conv over a Dask array on a local cluster of 1 or 2 workers.

The target of the performance issue: >= 1.6x from 1 to 2 workers for B x H x L =
64 x 64 x 16384 float32 on a 2-core machine. Each chunk's FFT runs single-threaded inside
its task (dask.array.fft maps numpy.fft over the blocks), so the workers are the only
parallelism and the ratio measures the scaling of the graph itself.
"""

from __future__ import annotations

import numpy as np

import specconv as sc


class CausalConvCluster:
    params = [[1, 2]]
    param_names = ["workers"]
    timeout = 300
    number = 1
    repeat = (2, 4, 120.0)

    def setup(self, workers: int) -> None:
        try:
            import dask.array as da
            from distributed import Client, LocalCluster
        except ImportError:
            raise NotImplementedError("dask.distributed is not installed") from None
        self.cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
        )
        self.client = Client(self.cluster)
        batch, channels, length = 64, 64, 16384
        rng = np.random.default_rng(0)
        kernel = (rng.standard_normal((channels, length)) / length).astype(np.float32)
        self.k = da.from_array(kernel, chunks=(channels, length))
        self.u = da.random.default_rng(1).standard_normal(
            (batch, channels, length), chunks=(4, channels, length), dtype=np.float32
        )

    def teardown(self, workers: int) -> None:
        self.client.close()
        self.cluster.close()

    def time_causal_conv(self, workers: int) -> None:
        sc.causal_conv(self.u, self.k, method="fft").sum().compute()
