"""Scale-out on Dask: lazy graphs chunked along batch/channels, computed on a local cluster."""

from __future__ import annotations

import numpy as np
import pytest

import specconv as sc
from specconv.testing import assert_close

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def test_causal_conv_on_a_two_worker_cluster(client, rng) -> None:
    batch, channels, length = 8, 4, 512
    u = rng.standard_normal((batch, channels, length))
    k = rng.standard_normal((channels, length)) * np.exp(-np.arange(length) / 64)
    D = rng.standard_normal(channels)
    du = da.from_array(u, chunks=(2, 2, 128))  # sequence axis deliberately split
    y = sc.causal_conv(du, da.from_array(k, chunks=(2, -1)), D=da.from_array(D))
    assert isinstance(y, da.Array)
    assert y.chunks[0] == (2, 2, 2, 2)  # still parallel over the batch
    expected = np.stack(
        [
            [np.convolve(u[b, h], k[h])[:length] + D[h] * u[b, h] for h in range(channels)]
            for b in range(batch)
        ]
    )
    assert_close(client.compute(y).result(), expected, n=2 * length)


def test_s4d_kernel_on_a_two_worker_cluster(client, rng) -> None:
    channels, modes, length = 6, 8, 256
    Lambda = np.tile(sc.s4d_init("lin", 2 * modes), (channels, 1))
    B = rng.standard_normal((channels, modes)) + 1j * rng.standard_normal((channels, modes))
    C = rng.standard_normal((channels, modes)) + 1j * rng.standard_normal((channels, modes))
    dt = np.geomspace(1e-3, 1e-1, channels)
    expected = sc.s4d_kernel(Lambda, B, C, dt, length)
    lazy = sc.s4d_kernel(
        da.from_array(Lambda, chunks=(3, -1)),
        da.from_array(B, chunks=(3, -1)),
        da.from_array(C, chunks=(3, -1)),
        da.from_array(dt, chunks=3),
        length,
    )
    assert isinstance(lazy, da.Array)
    assert_close(client.compute(lazy).result(), expected, n=length)
