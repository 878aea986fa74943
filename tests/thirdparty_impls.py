"""Third-party-style PyTorch implementations of ``causal_conv`` for the validation tests.

One correct FFT convolution and three classic bugs. They are written the way a user's model
code would be (PyTorch only, keyword arguments ``u``, ``k``, ``D``), and are validated with
``python -m specconv validate causal_conv tests.thirdparty_impls:<name> --backend torch``.
"""

from __future__ import annotations

import torch


def causal_fft_conv(
    u: torch.Tensor, k: torch.Tensor, D: torch.Tensor | None = None
) -> torch.Tensor:
    """Correct: zero-pad to 2L so the circular convolution has no wrap-around."""
    L = u.shape[-1]
    k = k[..., :L]
    n = 2 * L
    y = torch.fft.irfft(torch.fft.rfft(u, n=n) * torch.fft.rfft(k, n=n), n=n)[..., :L]
    return y if D is None else y + D[..., None] * u


def off_by_one(u: torch.Tensor, k: torch.Tensor, D: torch.Tensor | None = None) -> torch.Tensor:
    """Bug: keeps outputs 1..L instead of 0..L-1 (a one-step causal shift)."""
    L = u.shape[-1]
    n = 2 * L
    y = torch.fft.irfft(torch.fft.rfft(u, n=n) * torch.fft.rfft(k[..., :L], n=n), n=n)[
        ..., 1 : L + 1
    ]
    return y if D is None else y + D[..., None] * u


def missing_normalisation(
    u: torch.Tensor, k: torch.Tensor, D: torch.Tensor | None = None
) -> torch.Tensor:
    """Bug: the inverse transform without its 1/n (norm="forward" on the inverse)."""
    L = u.shape[-1]
    n = 2 * L
    spectrum = torch.fft.rfft(u, n=n) * torch.fft.rfft(k[..., :L], n=n)
    y = torch.fft.irfft(spectrum, n=n, norm="forward")[..., :L]
    return y if D is None else y + D[..., None] * u


def circular(u: torch.Tensor, k: torch.Tensor, D: torch.Tensor | None = None) -> torch.Tensor:
    """Bug: FFT of length L, i.e. circular instead of linear (causal) convolution."""
    L = u.shape[-1]
    y = torch.fft.irfft(torch.fft.rfft(u, n=L) * torch.fft.rfft(k[..., :L], n=L), n=L)
    return y if D is None else y + D[..., None] * u
